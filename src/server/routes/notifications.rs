//! `GET /v1/notifications`: the newest deliveries of the outbox, for `warroom notify log` and
//! the TUI's indicator. Bodies are left out; target names, never URLs, are shown.

use super::json_response;
use crate::domain::AccessRole;
use crate::server::auth::Caller;
use crate::server::error::{ApiError, store_failure};
use crate::server::extract::QueryParams;
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::sync::PoisonError;

/// The most deliveries one answer lists.
const MAX_LIMIT: usize = 1000;

#[derive(Deserialize)]
pub struct LogQuery {
    /// Only the dead deliveries and the ones still being retried after a failure.
    #[serde(default)]
    failed: bool,
    #[serde(default = "default_limit")]
    limit: usize,
}

fn default_limit() -> usize {
    50
}

pub async fn log(
    caller: Caller,
    State(state): State<AppState>,
    QueryParams(query): QueryParams<LogQuery>,
) -> Result<Response, ApiError> {
    caller.require(AccessRole::Responder, "reading the notification log")?;
    let limit = query.limit.clamp(1, MAX_LIMIT);
    let outbox = state.outbox.clone();
    let deliveries = tokio::task::spawn_blocking(move || {
        let mut outbox = outbox.lock().unwrap_or_else(PoisonError::into_inner);
        outbox.recent(query.failed, limit)
    })
    .await
    .map_err(|err| ApiError::internal("the outbox task failed", err))?
    .map_err(|err| store_failure(&err, "cannot read the outbox"))?;
    json_response(StatusCode::OK, serde_json::to_string(&deliveries))
}
