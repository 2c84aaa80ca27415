//! AWS Signature Version 4, for the few JSON and query requests the tools make (KMS, STS):
//! the canonical request, the string to sign and the signing key, as AWS specifies them and its
//! published test suite checks them.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::credentials::Credentials;

type HmacSha256 = Hmac<Sha256>;

/// What is signed of a request.
pub struct Request<'a> {
    pub method: &'a str,
    /// The host header's value (with a port when not the default).
    pub host: &'a str,
    /// The path, already URI-encoded (`/` for KMS and STS).
    pub path: &'a str,
    /// `key=value` pairs of the query string, already URI-encoded.
    pub query: &'a [(String, String)],
    /// Headers besides `host` and `x-amz-date`, names lower-case.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The headers to add to `request`: `x-amz-date`, `x-amz-security-token` for temporary
/// credentials, and `authorization`. `amz_date` is `YYYYMMDDTHHMMSSZ`.
pub fn sign(
    request: &Request<'_>,
    credentials: &Credentials,
    region: &str,
    service: &str,
    amz_date: &str,
) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    headers.push(("host".into(), request.host.to_string()));
    headers.push(("x-amz-date".into(), amz_date.to_string()));
    let mut added = vec![("x-amz-date".to_string(), amz_date.to_string())];
    if let Some(token) = &credentials.session_token {
        headers.push(("x-amz-security-token".into(), token.to_string()));
        added.push(("x-amz-security-token".into(), token.to_string()));
    }
    headers.sort();
    let signed_headers: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let signed_headers = signed_headers.join(";");
    let mut query = request.query.to_vec();
    query.sort();
    let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let canonical = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        request.method,
        request.path,
        query.join("&"),
        sha256_hex(request.body)
    );
    let day = &amz_date[..8];
    let scope = format!("{day}/{region}/{service}/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let secret = zeroize::Zeroizing::new(format!("AWS4{}", credentials.secret_access_key.as_str()));
    let key = [region, service, "aws4_request"]
        .iter()
        .fold(hmac(secret.as_bytes(), day.as_bytes()), |k, part| {
            hmac(&k, part.as_bytes())
        });
    let signature = hex(&hmac(&key, to_sign.as_bytes()));
    added.push((
        "authorization".into(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            credentials.access_key_id
        ),
    ));
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's SigV4 test suite: its example credentials and time.
    fn suite() -> Credentials {
        Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
                .to_string()
                .into(),
            session_token: None,
        }
    }

    fn authorization(method: &str, query: &[(&str, &str)]) -> String {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let request = Request {
            method,
            host: "example.amazonaws.com",
            path: "/",
            query: &query,
            headers: &[],
            body: b"",
        };
        let headers = sign(
            &request,
            &suite(),
            "us-east-1",
            "service",
            "20150830T123600Z",
        );
        headers
            .into_iter()
            .find(|(k, _)| k == "authorization")
            .unwrap()
            .1
    }

    #[test]
    fn the_published_vectors() {
        let prefix = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=";
        // get-vanilla, post-vanilla, get-vanilla-query-order-key-case.
        assert_eq!(
            authorization("GET", &[]),
            format!("{prefix}5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        );
        assert_eq!(
            authorization("POST", &[]),
            format!("{prefix}5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
        );
        assert_eq!(
            authorization("GET", &[("Param2", "value2"), ("Param1", "value1")]),
            format!("{prefix}b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
        );
    }
}
