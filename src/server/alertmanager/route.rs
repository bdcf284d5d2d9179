//! `POST /v1/alertmanager`: Alertmanager's webhook. A firing group opens a triggered incident;
//! later notifications of the group update it (see `engine::alerts`).
//!
//! Auth is the API's own: with a tokens file, Alertmanager sends a bearer token of a
//! responder (its `http_config.authorization`), so no second kind of secret exists to leak;
//! in open mode (loopback) nothing is needed. Whoever the token names, the events' actor is
//! `alertmanager`: the timeline says where an alert came from.
//!
//! Pages are never refused for the rate of changes: they draw on a budget of their own
//! (`[server.limits] alertmanager_per_minute`), and whatever sheds them (that budget, the
//! request timeout) answers 503 with `Retry-After`, which Alertmanager retries; a 4xx would
//! drop the page.

use super::payload;
use crate::domain::AccessRole;
use crate::server::engine::{Change, Request};
use crate::server::error::ApiError;
use crate::server::extract::{JsonBody, Pager};
use crate::server::routes::reply_response;
use crate::server::state::AppState;
use axum::extract::State;
use axum::response::Response;

/// The actor of every event a notification records.
const ACTOR: &str = "alertmanager";

pub async fn receive(
    Pager(caller): Pager,
    State(state): State<AppState>,
    JsonBody(payload): JsonBody<serde_json::Value>,
) -> Result<Response, ApiError> {
    caller.require(AccessRole::Responder, "posting Alertmanager notifications")?;
    let notification = payload::read(
        payload,
        &state.alert_severity,
        &state.scale,
        state.clock.now(),
    )
    .map_err(ApiError::BadRequest)?;
    let group = notification.group.clone();
    let reply = state
        .engine
        .submit(Request {
            actor: ACTOR.into(),
            change: Change::Alertmanager(notification),
            // Not needed: a repeated notification records nothing by construction.
            idempotency: None,
            via: None,
        })
        .await?;
    // Debug-quoted: the group key is Alertmanager's text, and the answer (which echoes titles)
    // stays out of the log.
    tracing::info!(
        group = ?group,
        status = reply.response.status,
        "alertmanager notification"
    );
    reply_response(reply)
}
