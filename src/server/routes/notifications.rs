//! `GET /v1/notifications`: the newest deliveries of the outbox, for `warroom notify log` and
//! the TUI's indicator. Bodies are left out; target names, never URLs, are shown. And the
//! resends of `warroom notify retry`.

use super::json_response;
use crate::domain::AccessRole;
use crate::server::auth::Caller;
use crate::server::error::{ApiError, store_failure};
use crate::server::extract::QueryParams;
use crate::server::state::AppState;
use crate::store::{Resend, Resent};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
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

/// `POST /v1/notifications/{id}/retry`: sends a dead delivery again, or a failing one at once,
/// from the head of its queue with its `give_up_after` counted afresh (needs commander).
pub async fn retry_one(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(AccessRole::Commander, "resending a notification")?;
    if uuid::Uuid::parse_str(&id).is_err() {
        return Err(ApiError::NotFound(format!(
            "no delivery {id:?}: ids are UUIDs"
        )));
    }
    match resend(&state, Resend::One(id.clone())).await? {
        Resent::Queued(count) => resent(count),
        Resent::AlreadyDelivered => Err(ApiError::VersionConflict(format!(
            "delivery {id} was delivered already: nothing to resend"
        ))),
        Resent::Unknown => Err(ApiError::NotFound(format!("no delivery {id}"))),
    }
}

/// `POST /v1/notifications/retry-dead`: sends every dead delivery again (needs commander).
pub async fn retry_dead(
    caller: Caller,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    caller.require(AccessRole::Commander, "resending notifications")?;
    match resend(&state, Resend::AllDead).await? {
        Resent::Queued(count) => resent(count),
        Resent::AlreadyDelivered | Resent::Unknown => resent(0),
    }
}

async fn resend(state: &AppState, which: Resend) -> Result<Resent, ApiError> {
    let outbox = state.outbox.clone();
    let now = state.clock.now();
    let resent = tokio::task::spawn_blocking(move || {
        let mut outbox = outbox.lock().unwrap_or_else(PoisonError::into_inner);
        outbox.resend(&which, now)
    })
    .await
    .map_err(|err| ApiError::internal("the outbox task failed", err))?
    .map_err(|err| store_failure(&err, "cannot resend from the outbox"))?;
    // The worker sleeps until news or its next retry: a resend is news.
    state.outbox_news.notify_one();
    Ok(resent)
}

fn resent(count: u64) -> Result<Response, ApiError> {
    json_response(
        StatusCode::OK,
        serde_json::to_string(&json!({"resent": count})),
    )
}
