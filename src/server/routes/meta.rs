//! About the server itself: health, metrics, the scale, the caller, the API description.

use crate::server::auth::Caller;
use crate::server::metrics::Scrape;
use crate::server::openapi;
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

/// Liveness, without auth so that load balancers and scripts need no token.
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
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
    let scrape = Scrape {
        commands: state.stats.snapshot().requests,
        commits: state.stats.snapshot().commits,
        commit_seconds: &state.stats.commit_seconds,
        longpoll_waiters: state.longpoll_waiters.load(Ordering::Relaxed),
        writer_queue: state.engine.queue_depth(),
        database_connected: *state.database.borrow(),
        head: *state.head.borrow(),
    };
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        scrape.render(),
    )
}
