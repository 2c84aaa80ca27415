//! AWS for the platform's tools: KMS for sops's `kms` master keys. Credentials come as the AWS
//! SDK finds them ([`credentials`]), requests are signed with SigV4 ([`sigv4`], checked against
//! AWS's published vectors) and sent over one connection pool a process with timeouts;
//! `AWS_ENDPOINT_URL_KMS`/`AWS_ENDPOINT_URL` point them at LocalStack or moto. A hand-written
//! signer and the HTTP client already in the tree, instead of the AWS SDK: a build on 2 cores
//! counts, and two JSON calls need little of it.

pub mod credentials;
pub mod error;
mod http;
pub mod kms;
pub mod sigv4;
mod sts;

pub use error::{Error, Result};
