//! Incidents: declare, show, and the commands that change them (the list is `list.rs`).

use super::{json_response, reply_response};
use crate::domain::{
    AccessRole, Command, Incident, IncidentId, NewIncident, PublicUpdate, Rejection, Timestamp,
};
use crate::server::auth::Caller;
use crate::server::engine::{Change, KeyedRequest, Request};
use crate::server::error::{ApiError, store_failure};
use crate::server::extract::{IdempotencyKey, IfMatch, IncidentParam, JsonBody};
use crate::server::state::AppState;
use crate::store::{Store, StoreError};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

/// Runs a read on the store's reading connection, off the async runtime.
pub async fn read_store<T: Send + 'static>(
    state: &AppState,
    read: impl FnMut(&mut dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || state.archive.read(read))
        .await
        .map_err(|err| ApiError::internal("cannot read the log", err))?
        .map_err(|err| store_failure(&err, "cannot read the log"))
}

/// One incident: from memory, else (ended before `--keep-ended`) from the store.
pub async fn find(state: &AppState, id: &IncidentId) -> Result<Incident, ApiError> {
    let held = {
        let timeline = state.timeline();
        match timeline.incident(id) {
            Some(incident) => Some(Some(incident.clone())),
            None if !timeline.partial() => Some(None),
            None => None,
        }
    };
    let found = match held {
        Some(found) => found,
        None => {
            let number = id.number();
            read_store(state, move |store| store.incident(number)).await?
        }
    };
    found.ok_or_else(|| ApiError::NotFound(format!("no incident {id}")))
}

pub async fn show(
    _: Caller,
    State(state): State<AppState>,
    IncidentParam(id): IncidentParam,
) -> Result<Response, ApiError> {
    let incident = find(&state, &id).await?;
    let (body, version) = (serde_json::to_string(&incident), incident.version);
    let mut response = json_response(StatusCode::OK, body)?;
    response.headers_mut().insert(header::ETAG, etag(version));
    Ok(response)
}

pub async fn declare(
    caller: Caller,
    State(state): State<AppState>,
    IdempotencyKey(key): IdempotencyKey,
    JsonBody(new): JsonBody<NewIncident>,
) -> Result<Response, ApiError> {
    caller.require(AccessRole::Responder, "declaring an incident")?;
    let reply = state
        .engine
        .submit(Request {
            actor: caller.person,
            via: caller.via,
            idempotency: key.map(|key| KeyedRequest::bind(key, "POST /v1/incidents", &new)),
            change: Change::Declare(new),
        })
        .await?;
    reply_response(reply)
}

pub async fn command(
    caller: Caller,
    State(state): State<AppState>,
    IncidentParam(id): IncidentParam,
    IfMatch(expected_version): IfMatch,
    IdempotencyKey(key): IdempotencyKey,
    JsonBody(body): JsonBody<serde_json::Map<String, serde_json::Value>>,
) -> Result<Response, ApiError> {
    let (mut command, intended_at) = command_body(body)?;
    if command.from_alert_receiver_only() {
        return Err(ApiError::Forbidden(format!(
            "{} comes only from Alertmanager (POST /v1/alertmanager), never from a person",
            describe(&command)
        )));
    }
    caller.require(command.required_access(), &describe(&command))?;
    if let Command::PublicUpdate(update) = &mut command {
        check_components(update, &state.status_components)?;
        // Every update gets a fresh one; the incident keeps its first update's for good.
        update.public_id = Some(crate::server::status::new_public_id());
    }
    let idempotency = key
        .map(|key| KeyedRequest::bind(key, &format!("POST /v1/incidents/{id}/commands"), &command));
    let reply = state
        .engine
        .submit(Request {
            actor: caller.person,
            via: caller.via,
            change: Change::Command {
                incident: id,
                command,
                expected_version,
                intended_at,
            },
            idempotency,
        })
        .await?;
    reply_response(reply)
}

/// A command's body is the command and, optionally, `intended_at`: when the person acted,
/// which an offline client's outbox sends later. It is not one of the command's own fields,
/// so it is taken off before the command (which refuses unknown fields) is read.
fn command_body(
    mut body: serde_json::Map<String, serde_json::Value>,
) -> Result<(Command, Option<Timestamp>), ApiError> {
    let intended_at = body
        .remove("intended_at")
        .map(serde_json::from_value::<Timestamp>)
        .transpose()
        .map_err(|err| {
            ApiError::BadRequest(format!(
                "invalid body: intended_at must be an RFC 3339 time: {err}"
            ))
        })?;
    let command = serde_json::from_value(serde_json::Value::Object(body))
        .map_err(|err| ApiError::BadRequest(format!("invalid body: {err}")))?;
    Ok((command, intended_at))
}

/// A public update may name only the components the status page lists, so that a typo does
/// not invent a component the page then shows.
fn check_components(update: &PublicUpdate, listed: &[String]) -> Result<(), ApiError> {
    if listed.is_empty() {
        return Ok(());
    }
    match update
        .components
        .keys()
        .find(|name| !listed.iter().any(|known| known == name.trim()))
    {
        Some(unknown) => Err(ApiError::Rejected(Rejection {
            code: "unknown_component".into(),
            message: format!(
                "the status page has no component '{unknown}' (it lists {})",
                listed.join(", ")
            ),
        })),
        None => Ok(()),
    }
}

/// "the set_severity command": the wire name, for a refusal people can act on.
fn describe(command: &Command) -> String {
    let value = serde_json::to_value(command).unwrap_or_default();
    let name = value.get("type").and_then(|t| t.as_str()).unwrap_or("this");
    format!("the {name} command")
}

fn etag(version: u64) -> HeaderValue {
    // Digits and quotes are always a valid header value.
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}
