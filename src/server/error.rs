//! Every failure leaves the server as `{"error":{"code":"...","message":"..."}}` with its
//! status, so clients branch on a stable code and show people the message. A failure of the
//! server itself says what failed in the caller's terms and carries an id; the details (SQLite's
//! own words, say) go to the log under that id, never to the caller.

use crate::domain::{MERGE_CONFLICTS, Rejection};
use crate::store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    VersionConflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    HeaderTooLarge(String),
    #[error("{0}")]
    Timeout(String),
    /// The caller used up its rate limit; the seconds until it may try again.
    #[error("too many changes from you in a short time: try again in {0} s")]
    TooManyRequests(u64),
    #[error("{0}")]
    Unavailable(String),
    /// Shed for now: a 503 with the seconds of its `Retry-After`, for a sender that retries
    /// 5xx answers (Alertmanager) and would drop the request on a 4xx.
    #[error("{1}: try again in {0} s")]
    RetryLater(u64, String),
    /// The domain refused the command; its own code travels to the client.
    #[error("{0}")]
    Rejected(Rejection),
    /// Built by [`ApiError::internal`], which logs the details under the id in the message.
    #[error("{0}")]
    Internal(String),
}

/// A store failure as the answer: 503 when the database is out of reach (retry, here later or
/// on another replica), 500 otherwise. `what` says what could not be done; the store's own
/// words go to the log.
pub fn store_failure(err: &StoreError, what: &str) -> ApiError {
    match err {
        StoreError::Unavailable(_) => {
            tracing::warn!(%err, "{what}");
            ApiError::Unavailable(format!("{what}: the database is unreachable"))
        }
        _ => ApiError::internal(what, err),
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: &'a str,
}

impl ApiError {
    /// A failure of the server itself. `what` tells the caller what failed, in their terms;
    /// `detail` (which may hold SQLite's internals) goes to the log only, under a fresh id that
    /// the caller's message repeats, so that an operator can find the line.
    pub fn internal(what: &str, detail: impl std::fmt::Display) -> ApiError {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let id = &id[..12];
        tracing::error!(error_id = id, %detail, "{what}");
        ApiError::Internal(format!("{what} (error id {id})"))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::VersionConflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::HeaderTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::RetryLater(..) => StatusCode::SERVICE_UNAVAILABLE,
            // The incidents' states conflict with a merge (merged already, survivor ended):
            // a conflict like a stale version, not a malformed request.
            ApiError::Rejected(rejection) if MERGE_CONFLICTS.contains(&rejection.code.as_str()) => {
                StatusCode::CONFLICT
            }
            ApiError::Rejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::VersionConflict(_) => "version_conflict",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::HeaderTooLarge(_) => "header_too_large",
            ApiError::Timeout(_) => "timeout",
            ApiError::TooManyRequests(_) => "rate_limited",
            ApiError::Unavailable(_) | ApiError::RetryLater(..) => "unavailable",
            ApiError::Rejected(rejection) => &rejection.code,
            ApiError::Internal(_) => "internal",
        }
    }

    /// The JSON body; also what an idempotency key remembers for a refused command.
    pub fn body(&self) -> String {
        let message = self.to_string();
        let body = Body {
            error: Detail {
                code: self.code(),
                message: &message,
            },
        };
        // Two strings in a struct always serialise.
        serde_json::to_string(&body).unwrap_or_default()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), self.body()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        match self {
            ApiError::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::TooManyRequests(seconds) | ApiError::RetryLater(seconds, _) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            _ => {}
        }
        response
    }
}
