//! Every failure leaves the server as `{"error":{"code":"...","message":"..."}}` with its
//! status, so clients branch on a stable code and show people the message.

use crate::domain::Rejection;
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
    /// The domain refused the command; its own code travels to the client.
    #[error("{0}")]
    Rejected(Rejection),
    #[error("{0}")]
    Internal(String),
    /// The database is out of reach: retry, here later or on another replica.
    #[error("{0}")]
    Unavailable(String),
}

/// A store failure as the answer: 503 when the database is out of reach (another replica may
/// do), 500 otherwise. `what` says what could not be done.
pub fn store_failure(err: &StoreError, what: &str) -> ApiError {
    match err {
        StoreError::Unavailable(_) => ApiError::Unavailable(format!("{what}: {err}")),
        _ => ApiError::Internal(format!("{what}: {err}")),
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
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::VersionConflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Rejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
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
            ApiError::Rejected(rejection) => &rejection.code,
            ApiError::Internal(_) => "internal",
            ApiError::Unavailable(_) => "unavailable",
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
        if let ApiError::Internal(detail) | ApiError::Unavailable(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let mut response = (self.status(), self.body()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if matches!(self, ApiError::Unauthorized(_)) {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
