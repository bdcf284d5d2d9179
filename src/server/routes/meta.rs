//! About the server itself: health, the scale, the caller, the API description.

use crate::server::auth::Caller;
use crate::server::openapi;
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};

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
