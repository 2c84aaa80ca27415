//! AWS KMS `Encrypt` and `Decrypt` as sops calls them for `kms` master keys: the key by its
//! ARN (region from the ARN), an optional role assumed through STS first (session
//! `sops@<hostname>`), an optional profile, and the encryption context on both calls.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use crate::credentials::{self, Credentials};
use crate::error::{Error, Result};
use crate::http;

/// A KMS master key as a sops file or `.sops.yaml` names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub arn: String,
    /// An IAM role to assume first.
    pub role: Option<String>,
    pub context: BTreeMap<String, String>,
    /// A profile of the shared AWS files.
    pub profile: Option<String>,
}

impl Key {
    /// `ARN` or `ARN+ROLE_ARN`, as `--kms` and `.sops.yaml`'s `kms:` take them (spaces dropped).
    pub fn from_arn(spec: &str, context: BTreeMap<String, String>, profile: Option<String>) -> Key {
        let spec: String = spec.chars().filter(|c| *c != ' ').collect();
        let (arn, role) = match spec.find("+arn:") {
            Some(i) if i > 0 => (spec[..i].to_string(), Some(spec[i + 1..].to_string())),
            _ => (spec, None),
        };
        Key {
            arn,
            role,
            context,
            profile,
        }
    }

    /// The region the ARN names: `arn:aws[-part]:kms:REGION:ACCOUNT:(key|alias)/...`.
    pub fn region(&self) -> Result<&str> {
        let bad = || Error::Arn {
            arn: self.arn.clone(),
            why: "not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID or alias/NAME)".into(),
        };
        let parts: Vec<&str> = self.arn.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts[..] else {
            return Err(bad());
        };
        let ok = arn == "arn"
            && partition.starts_with("aws")
            && service == "kms"
            && !region.is_empty()
            && !account.is_empty()
            && account.bytes().all(|b| b.is_ascii_digit())
            && (resource.starts_with("key/") || resource.starts_with("alias/"))
            && resource.len() > resource.find('/').unwrap_or(0) + 1;
        if ok {
            Ok(region)
        } else {
            Err(bad())
        }
    }

    fn partition_domain(&self) -> &str {
        if self.arn.starts_with("arn:aws-cn:") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }

    /// The credentials to call KMS with: the profile's or the default chain's, then the role's.
    fn credentials(&self, region: &str) -> Result<Credentials> {
        let assume = |base: &Credentials, role: &str, session: &str| {
            crate::sts::assume_role(base, role, session, region, self.partition_domain())
        };
        let base = credentials::resolve(self.profile.as_deref(), &assume)?;
        match &self.role {
            Some(role) => assume(&base, role, &crate::sts::session_name()),
            None => Ok(base),
        }
    }

    /// Wraps `secret` (a data key or a Shamir share): the base64 of KMS's `CiphertextBlob`.
    pub fn encrypt(&self, secret: &[u8]) -> Result<String> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut body = json!({ "KeyId": self.arn, "Plaintext": b64.encode(secret) });
        if !self.context.is_empty() {
            body["EncryptionContext"] = json!(self.context);
        }
        let answer = self.call("Encrypt", &body)?;
        answer["CiphertextBlob"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| self.protocol("Encrypt", "no CiphertextBlob"))
    }

    /// Unwraps an `enc` (the base64 of a `CiphertextBlob`).
    pub fn decrypt(&self, enc: &str) -> Result<Zeroizing<Vec<u8>>> {
        let mut body = json!({ "KeyId": self.arn, "CiphertextBlob": enc });
        if !self.context.is_empty() {
            body["EncryptionContext"] = json!(self.context);
        }
        let answer = Zeroizing::new(self.call("Decrypt", &body)?.to_string());
        let answer: Value = serde_json::from_str(&answer).unwrap_or(Value::Null);
        let plaintext = answer["Plaintext"]
            .as_str()
            .ok_or_else(|| self.protocol("Decrypt", "no Plaintext"))?;
        base64::engine::general_purpose::STANDARD
            .decode(plaintext)
            .map(Zeroizing::new)
            .map_err(|_| self.protocol("Decrypt", "the plaintext is not base64"))
    }

    fn call(&self, action: &str, body: &Value) -> Result<Value> {
        let region = self.region()?;
        let credentials = self.credentials(region)?;
        let endpoint = http::endpoint(
            "KMS",
            &format!("https://kms.{region}.{}", self.partition_domain()),
        );
        let headers = [
            (
                "content-type".to_string(),
                "application/x-amz-json-1.1".to_string(),
            ),
            ("x-amz-target".to_string(), format!("TrentService.{action}")),
        ];
        let response = http::signed(
            &endpoint,
            "POST",
            &[],
            &headers,
            body.to_string().as_bytes(),
            &credentials,
            region,
            "kms",
        )?;
        let json: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        if (200..300).contains(&response.status) {
            return Ok(json);
        }
        let code = json["__type"]
            .as_str()
            .unwrap_or("")
            .rsplit('#')
            .next()
            .unwrap_or("")
            .to_string();
        let message = json["message"]
            .as_str()
            .or_else(|| json["Message"].as_str())
            .unwrap_or("")
            .to_string();
        Err(match code.as_str() {
            "AccessDeniedException"
            | "UnrecognizedClientException"
            | "InvalidSignatureException" => Error::Denied {
                what: self.arn.clone(),
                message,
            },
            "InvalidCiphertextException" | "IncorrectKeyException" => Error::Service {
                what: self.arn.clone(),
                code: "the enc does not open with this key and encryption context".into(),
                message,
            },
            "NotFoundException" => Error::NoSuchKey {
                arn: self.arn.clone(),
                message,
            },
            _ => Error::Service {
                what: format!("{} ({action} at {endpoint})", self.arn),
                code: if code.is_empty() {
                    format!("HTTP {}", response.status)
                } else {
                    code
                },
                message,
            },
        })
    }

    fn protocol(&self, action: &str, message: &str) -> Error {
        Error::Service {
            what: format!("{} ({action})", self.arn),
            code: "unexpected answer".into(),
            message: message.into(),
        }
    }
}

/// sops's `--encryption-context k1:v1,k2:v2`: None (with the reason) when a pair does not have
/// exactly one `:`, in which case sops drops the whole context with a warning.
pub fn parse_context(text: &str) -> std::result::Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for pair in text.split(',').filter(|p| !p.is_empty()) {
        let kv: Vec<&str> = pair.split(':').collect();
        let [k, v] = kv[..] else {
            return Err(format!(
                "the encryption context pair {pair:?} is not key:value; the context is not used"
            ));
        };
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_and_roles_as_sops_reads_them() {
        let k = Key::from_arn(
            "arn:aws:kms:eu-west-1:111122223333:key/abc +arn:aws:iam::111122223333:role/ops",
            BTreeMap::new(),
            None,
        );
        assert_eq!(k.arn, "arn:aws:kms:eu-west-1:111122223333:key/abc");
        assert_eq!(
            k.role.as_deref(),
            Some("arn:aws:iam::111122223333:role/ops")
        );
        assert_eq!(k.region().unwrap(), "eu-west-1");
        for bad in [
            "arn:aws:s3:::bucket",
            "arn:aws:kms:eu-west-1:x:key/a",
            "key/abc",
            "arn:aws:kms::1:key/a",
        ] {
            assert!(
                Key::from_arn(bad, BTreeMap::new(), None).region().is_err(),
                "{bad}"
            );
        }
        assert!(
            Key::from_arn("arn:aws-cn:kms:cn-north-1:1:alias/a", BTreeMap::new(), None)
                .region()
                .is_ok()
        );
    }

    #[test]
    fn contexts_as_the_flag_gives_them() {
        let c = parse_context("team:a,env:prod").unwrap();
        assert_eq!(c["team"], "a");
        assert!(parse_context("team").is_err());
        assert!(parse_context("a:b:c").is_err());
    }
}
