//! STS `AssumeRole`: temporary credentials for a role, from base credentials.

use zeroize::Zeroizing;

use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::http;

/// sops's session name: `sops@<hostname>`, the hostname stripped of characters STS refuses,
/// at most 64 characters.
pub fn session_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let host: String = host
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "=,.@-_".contains(*c))
        .collect();
    let mut name = format!("sops@{host}");
    name.truncate(63);
    name
}

/// Assumes `role` with `base` credentials, at STS in `region`.
pub fn assume_role(
    base: &Credentials,
    role: &str,
    session: &str,
    region: &str,
    domain: &str,
) -> Result<Credentials> {
    let endpoint = http::endpoint("STS", &format!("https://sts.{region}.{domain}"));
    let body = format!(
        "Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName={}",
        http::encode(role),
        http::encode(session)
    );
    let headers = [(
        "content-type".to_string(),
        "application/x-www-form-urlencoded; charset=utf-8".to_string(),
    )];
    let response = http::signed(
        &endpoint,
        "POST",
        &[],
        &headers,
        body.as_bytes(),
        base,
        region,
        "sts",
    )?;
    let text = Zeroizing::new(String::from_utf8_lossy(&response.body).into_owned());
    let tag = |name: &str| -> Option<String> {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = start + text[start..].find(&format!("</{name}>"))?;
        Some(text[start..end].to_string())
    };
    if !(200..300).contains(&response.status) {
        let code = tag("Code").unwrap_or_else(|| format!("HTTP {}", response.status));
        let message = tag("Message").unwrap_or_default();
        return Err(match code.as_str() {
            "AccessDenied" | "InvalidClientTokenId" | "SignatureDoesNotMatch" => Error::Denied {
                what: format!("assuming the role {role}"),
                message,
            },
            _ => Error::Service {
                what: format!("assuming the role {role} at {endpoint}"),
                code,
                message,
            },
        });
    }
    let missing = || Error::Service {
        what: format!("assuming the role {role}"),
        code: "unexpected answer".into(),
        message: "no credentials in STS's answer".into(),
    };
    Ok(Credentials {
        access_key_id: tag("AccessKeyId").ok_or_else(missing)?,
        secret_access_key: Zeroizing::new(tag("SecretAccessKey").ok_or_else(missing)?),
        session_token: Some(Zeroizing::new(tag("SessionToken").ok_or_else(missing)?)),
    })
}
