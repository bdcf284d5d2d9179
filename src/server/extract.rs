//! Request extractors that fail with the API's JSON errors, never with axum's plain text.

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::domain::IncidentId;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;
/// The largest Alertmanager notification accepted: a group of thousands of typical alerts.
pub const ALERTMANAGER_BODY_LIMIT: usize = 1024 * 1024;
/// The longest long-poll wait, in seconds.
const MAX_WAIT_SECONDS: u64 = 60;
const DEFAULT_LIMIT: usize = 1000;
const MAX_LIMIT: usize = 10_000;
/// Longest `Idempotency-Key`: room for a UUID and a prefix, not for a payload.
const MAX_KEY_LEN: usize = 255;

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    /// Identifies the caller, names them in the request's log line, and takes a change
    /// (any POST) from their rate limit.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = identify(parts, state)?;
        if parts.method == Method::POST
            && let Some(limit) = &state.rate_limit
        {
            limit
                .take(&caller.person, Instant::now())
                .map_err(|wait| ApiError::TooManyRequests(whole_seconds(wait)))?;
        }
        Ok(caller)
    }
}

/// The sender of an Alertmanager notification: a caller whose notifications draw on the
/// pages' budget instead of the changes' one. Over it the answer is a 503 with
/// `Retry-After`, which Alertmanager retries, where a 429 would drop the page.
pub struct Pager(pub Caller);

impl FromRequestParts<AppState> for Pager {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = identify(parts, state)?;
        if let Some(limit) = &state.page_limit {
            limit.take(&caller.person, Instant::now()).map_err(|wait| {
                ApiError::RetryLater(
                    whole_seconds(wait),
                    "too many Alertmanager notifications from you in a short time".into(),
                )
            })?;
        }
        Ok(Pager(caller))
    }
}

/// The caller, named in the request's log line.
fn identify(parts: &Parts, state: &AppState) -> Result<Caller, ApiError> {
    let caller = state.auth.identify(&parts.headers)?;
    super::request_log::name_actor(parts, &caller.person);
    Ok(caller)
}

/// A wait as the whole seconds of a `Retry-After`, rounded up.
fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil() as u64
}

/// A JSON body, sent as `Content-Type: application/json`: a web page cannot send that type
/// to another site without the server's consent, so a form or a `text/plain` post is refused.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let JsonBytes(bytes) = JsonBytes::from_request(request, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// The bytes of a JSON body (as [`JsonBody`] checks and reads them), for a route that reads
/// them its own way.
pub struct JsonBytes(pub Bytes);

impl FromRequest<AppState> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as JSON, with Content-Type: application/json".into(),
            ));
        }
        let mut stopping = state.shutdown.clone();
        // A body still arriving when the server stops is not waited for.
        let bytes = tokio::select! {
            bytes = Bytes::from_request(request, state) => bytes,
            _ = stopping.wait_for(|stopping| *stopping) => {
                return Err(ApiError::Unavailable(
                    "the server is stopping; send the request again".into(),
                ));
            }
        };
        bytes.map(JsonBytes).map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(format!(
                    "the body is larger than {} KiB ({} KiB for /v1/alertmanager)",
                    BODY_LIMIT / 1024,
                    ALERTMANAGER_BODY_LIMIT / 1024
                ))
            } else {
                ApiError::BadRequest(format!("cannot read the body: {}", rejection.body_text()))
            }
        })
    }
}

/// A JSON body read as `T`, its whole numbers as integers (see [`whole_numbers_as_integers`]).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let invalid = |err: serde_json::Error| ApiError::BadRequest(format!("invalid body: {err}"));
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(invalid)?;
    whole_numbers_as_integers(&mut value);
    T::deserialize(value).map_err(invalid)
}

/// Reads JSON numbers as JSON Schema (and so the API document) does: `1.0` is the integer 1,
/// which an `integer` field takes. Other numbers are left as they are.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::{Number, Value};
    match value {
        Value::Number(number) if number.is_f64() => {
            // Within ±2^53 every float is exact, so the conversion keeps the value.
            const EXACT: f64 = 9_007_199_254_740_992.0;
            if let Some(float) = number.as_f64()
                && float.fract() == 0.0
                && float.abs() <= EXACT
            {
                *number = Number::from(float as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// `application/json`, with or without parameters such as `charset=utf-8`.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// `{id}` in a path. Anything that is not an incident id is simply not found.
pub struct IncidentParam(pub IncidentId);

impl<S: Send + Sync> FromRequestParts<S> for IncidentParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound("no such incident".into()))?;
        raw.parse()
            .map(IncidentParam)
            .map_err(|_| ApiError::NotFound(format!("no incident {raw}")))
    }
}

/// Query parameters, refused with a JSON 400 when they do not parse.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(params)| QueryParams(params))
            .map_err(|rejection| ApiError::BadRequest(rejection.body_text()))
    }
}

/// `?after=N&wait=S&limit=L` of the event feeds, as sent.
#[derive(Debug, Deserialize)]
pub struct FeedQuery {
    after: Option<u64>,
    wait: Option<i64>,
    limit: Option<i64>,
}

/// The feed parameters with defaults applied and out-of-range values clamped.
#[derive(Debug, Clone, Copy)]
pub struct Feed {
    pub after: u64,
    pub wait: Duration,
    pub limit: usize,
}

impl From<FeedQuery> for Feed {
    fn from(query: FeedQuery) -> Self {
        let wait = query.wait.unwrap_or(0).clamp(0, MAX_WAIT_SECONDS as i64);
        let limit = query.limit.map_or(DEFAULT_LIMIT as i64, |limit| {
            limit.clamp(1, MAX_LIMIT as i64)
        });
        Feed {
            after: query.after.unwrap_or(0),
            wait: Duration::from_secs(wait.unsigned_abs()),
            limit: usize::try_from(limit).unwrap_or(DEFAULT_LIMIT),
        }
    }
}

/// `If-Match: N` or `If-Match: "N"`: the version the client last saw.
pub struct IfMatch(pub Option<u64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(value) = single_header(parts, "if-match")? else {
            return Ok(IfMatch(None));
        };
        let bad = || ApiError::BadRequest("If-Match must be a version, such as \"7\"".into());
        let text = value.to_str().map_err(|_| bad())?.trim();
        let digits = text
            .strip_prefix('"')
            .and_then(|rest| rest.strip_suffix('"'))
            .unwrap_or(text);
        digits.parse().map(|v| IfMatch(Some(v))).map_err(|_| bad())
    }
}

/// `Idempotency-Key`: a retry with the same key gets the first answer and changes nothing.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(value) = single_header(parts, "idempotency-key")? else {
            return Ok(IdempotencyKey(None));
        };
        // Exactly as sent, as the OpenAPI pattern says: no trimming of spaces.
        let key = value
            .to_str()
            .ok()
            .filter(|key| {
                !key.is_empty()
                    && key.len() <= MAX_KEY_LEN
                    && key.bytes().all(|b| b.is_ascii_graphic())
            })
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "Idempotency-Key must be 1 to {MAX_KEY_LEN} printable ASCII characters, no spaces"
                ))
            })?;
        Ok(IdempotencyKey(Some(key.to_string())))
    }
}

/// A header that must appear at most once: two keys or two versions would be ambiguous.
fn single_header<'a>(
    parts: &'a Parts,
    name: &str,
) -> Result<Option<&'a axum::http::HeaderValue>, ApiError> {
    let mut values = parts.headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(ApiError::BadRequest(format!("send {name} once")));
    }
    Ok(first)
}
