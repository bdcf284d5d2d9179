//! About the server itself: health, readiness, the scale, the caller, the API description.

use crate::server::auth::Caller;
use crate::server::openapi;
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};

/// Liveness, without auth so that load balancers and scripts need no token.
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// Readiness, without auth: whether changes can be saved now. 503 lists the reasons: the last
/// commit failed, the database is locked or read-only, or the writer does not answer.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.engine.readiness().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ready"}))),
        Err(reasons) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unready", "reasons": reasons})),
        ),
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
