//! secret-seal's integration tests: the real binary against real sops files and real peers.

mod support;

mod edit;
mod errors;
mod exec;
mod git;
mod interop;
mod kms;
mod merge;
mod roundtrip;
mod tfvars;
mod vault;
mod vectors;
mod workflows;
