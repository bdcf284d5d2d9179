use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The client is misconfigured (bad URL, token with invalid characters).
    #[error("{0}")]
    Config(String),
    /// No answer: connection refused, timeout, reset. Safe to retry with the same key.
    #[error("backend unreachable: {0}")]
    Unreachable(String),
    /// The backend answered with an error: `code` is stable, `message` is for people.
    #[error("{message} ({code}, HTTP {status})")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// The backend answered 2xx with a body we could not read: a version mismatch.
    #[error("unexpected answer from the backend: {0}")]
    Decode(String),
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
}

impl ClientError {
    pub(super) fn unreachable(base: &str, error: &reqwest::Error) -> Self {
        let what = if error.is_timeout() {
            "timed out"
        } else if error.is_connect() {
            "connection failed"
        } else {
            "request failed"
        };
        ClientError::Unreachable(format!("{base}: {what}"))
    }

    pub(super) fn from_error_body(status: u16, body: &[u8]) -> Self {
        match serde_json::from_slice::<ErrorBody>(body) {
            Ok(parsed) => ClientError::Api {
                status,
                code: parsed.error.code,
                message: parsed.error.message,
            },
            Err(_) => ClientError::Api {
                status,
                code: "http_error".into(),
                // A proxy's HTML page is not worth printing; its first line might be.
                message: String::from_utf8_lossy(body)
                    .lines()
                    .next()
                    .unwrap_or("no body")
                    .chars()
                    .take(200)
                    .collect(),
            },
        }
    }

    /// True when retrying the same request later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Unreachable(_) => true,
            ClientError::Api { status, .. } => *status >= 500 || *status == 429,
            ClientError::Config(_) | ClientError::Decode(_) => false,
        }
    }

    /// The one line a person should read.
    pub fn reason(&self) -> String {
        match self {
            ClientError::Api { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}
