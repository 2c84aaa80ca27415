//! What can go wrong talking to AWS, each naming the key or role and the cause.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{arn}: {why}")]
    Arn { arn: String, why: String },
    #[error("{0}")]
    Credentials(String),
    #[error("AWS at {endpoint} cannot be reached: {cause}")]
    Unreachable { endpoint: String, cause: String },
    #[error("{what}: permission denied{}", colon(message))]
    Denied { what: String, message: String },
    #[error("{arn}: no such key{}", colon(message))]
    NoSuchKey { arn: String, message: String },
    #[error("{what}: {code}{}", colon(message))]
    Service {
        what: String,
        code: String,
        message: String,
    },
}

fn colon(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" ({message})")
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
