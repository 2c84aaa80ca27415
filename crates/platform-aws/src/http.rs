//! Signed requests to AWS over one connection pool a process, with timeouts.

use std::sync::OnceLock;
use std::time::Duration;

use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::sigv4;

pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .build()
            .into()
    })
}

/// A service's endpoint as the AWS SDK finds it: `AWS_ENDPOINT_URL_<SERVICE>`, else
/// `AWS_ENDPOINT_URL` (LocalStack, moto), else `default`.
pub fn endpoint(service: &str, default: &str) -> String {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    var(&format!("AWS_ENDPOINT_URL_{service}"))
        .or_else(|| var("AWS_ENDPOINT_URL"))
        .unwrap_or_else(|| default.to_string())
        .trim_end_matches('/')
        .to_string()
}

/// `method` on `endpoint` (path `/`), signed with SigV4 for `service` in `region`.
#[allow(clippy::too_many_arguments)]
pub fn signed(
    endpoint: &str,
    method: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    body: &[u8],
    credentials: &Credentials,
    region: &str,
    service: &str,
) -> Result<Response> {
    let unreachable = |cause: String| Error::Unreachable {
        endpoint: endpoint.to_string(),
        cause,
    };
    let (scheme, rest) = endpoint
        .split_once("://")
        .ok_or_else(|| unreachable("the endpoint has no scheme".into()))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = match (scheme, host.rsplit_once(':')) {
        ("https", Some((h, "443"))) | ("http", Some((h, "80"))) => h,
        _ => host,
    };
    let amz_date = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let request = sigv4::Request {
        method,
        host,
        path,
        query,
        headers,
        body,
    };
    let signature = sigv4::sign(&request, credentials, region, service, &amz_date);
    let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let url = match query.is_empty() {
        true => format!("{scheme}://{host}{path}"),
        false => format!("{scheme}://{host}{path}?{}", query.join("&")),
    };
    let mut builder = ureq::http::Request::builder().method(method).uri(&url);
    for (k, v) in headers.iter().chain(&signature) {
        builder = builder.header(k, v);
    }
    let http_request = builder
        .body(body.to_vec())
        .map_err(|e| unreachable(e.to_string()))?;
    let mut response = agent()
        .run(http_request)
        .map_err(|e| unreachable(e.to_string()))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .read_to_vec()
        .map_err(|e| unreachable(e.to_string()))?;
    Ok(Response { status, body })
}

/// Percent-encodes as SigV4 and form bodies want it: every byte but `A-Za-z0-9-_.~`.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
