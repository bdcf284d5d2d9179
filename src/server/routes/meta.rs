//! About the server itself: health, readiness, metrics, the scale, the caller, the API
//! description.

use super::incidents::read_store;
use crate::server::auth::Caller;
use crate::server::engine::PROBE_TIMEOUT;
use crate::server::metrics::Scrape;
use crate::server::openapi;
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use std::sync::PoisonError;
use std::sync::atomic::Ordering;

/// Liveness, without auth so that load balancers and scripts need no token.
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// Readiness, without auth: whether changes can be saved and old pages read now. 503 lists the
/// reasons: a commit failed and no write has gone through since, the probe's own write fails
/// (a full disk, a locked or read-only database), the writer does not answer, the reading
/// connection does not answer a read, or (on PostgreSQL) this replica cannot follow the
/// others' commits.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let (writes, reads) = tokio::join!(state.engine.readiness(), reads(&state));
    let mut reasons = writes.err().unwrap_or_default();
    reasons.extend(reads.err());
    if !*state.database.borrow() {
        // A PostgreSQL replica that cannot follow the others' commits serves a stale view.
        reasons.push("the connection that follows the other replicas' commits is down".into());
    }
    if reasons.is_empty() {
        (StatusCode::OK, Json(json!({"status": "ready"})))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unready", "reasons": reasons})),
        )
    }
}

/// Whether the reading connection, which serves what memory no longer holds, answers a read
/// within the probe's time.
async fn reads(state: &AppState) -> Result<(), String> {
    let head = *state.head.borrow();
    let read = read_store(state, move |store| store.events_after(head, 1));
    match tokio::time::timeout(PROBE_TIMEOUT, read).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(format!("the reading connection fails: {err}")),
        Err(_) => Err(format!(
            "the reading connection has not answered for {} s",
            PROBE_TIMEOUT.as_secs()
        )),
    }
}

pub async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi::DOCUMENT,
    )
}

pub async fn severities(_: Caller, State(state): State<AppState>) -> Json<Value> {
    Json(json!(state.scale.levels()))
}

pub async fn whoami(caller: Caller) -> Json<Value> {
    Json(json!({"person": caller.person, "role": caller.role}))
}

/// Prometheus' text format, without auth like `/healthz`: counts and timings, no incident
/// content.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let outbox = state.outbox.clone();
    let counted = tokio::task::spawn_blocking(move || {
        let mut outbox = outbox.lock().unwrap_or_else(PoisonError::into_inner);
        Ok::<_, crate::store::StoreError>((outbox.pending()?, outbox.undelivered()?))
    })
    .await;
    let (notifications_pending, notifications) = match counted {
        Ok(Ok((pending, undelivered))) => (Some(pending), Some(undelivered)),
        Ok(Err(err)) => {
            tracing::warn!(%err, "cannot count the notification outbox for /metrics");
            (None, None)
        }
        Err(err) => {
            tracing::warn!(%err, "the outbox count failed");
            (None, None)
        }
    };
    let stats = state.stats.snapshot();
    let scrape = Scrape {
        commands: stats.requests,
        commits: stats.commits,
        commit_seconds: &state.stats.commit_seconds,
        longpoll_waiters: state.longpoll_waiters.load(Ordering::Relaxed),
        writer_queue: state.engine.queue_depth(),
        notifications_pending,
        notifications,
        database_connected: *state.database.borrow(),
        head: *state.head.borrow(),
        incidents_in_memory: state.timeline().held() as u64,
    };
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        scrape.render(),
    )
}
