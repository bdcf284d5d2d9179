//! Incidents: declare, show, and the commands that change them (the list is `list.rs`).

use super::{json_response, reply_response};
use crate::domain::{
    AccessRole, Command, Incident, IncidentId, NewIncident, PublicUpdate, Rejection, Timestamp,
};
use crate::server::auth::Caller;
use crate::server::engine::{Change, KeyedRequest, Request};
use crate::server::error::{ApiError, store_failure};
use crate::server::extract::{
    IdempotencyKey, IfMatch, IncidentParam, JsonBody, JsonBytes, parse_json,
};
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
    JsonBytes(body): JsonBytes,
) -> Result<Response, ApiError> {
    let (mut command, intended_at) = command_body(&body)?;
    if command.from_alert_receiver_only() {
        return Err(ApiError::Forbidden(format!(
            "{} comes only from Alertmanager (POST /v1/alertmanager), never from a person",
            Named(&command)
        )));
    }
    caller.require(command.required_access(), Named(&command))?;
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
///
/// The usual body, an object that is the command and nothing else, is read straight into it.
/// Any other (with `intended_at`, `1.0` for an integer, a field twice, or not a command at
/// all) goes the long way through [`parse_json`], whose answer it then gets: reading the
/// common case once instead of three times (bytes to a map, the map to a value, the value to
/// a command) changes no answer.
fn command_body(bytes: &[u8]) -> Result<(Command, Option<Timestamp>), ApiError> {
    let object = bytes.trim_ascii_start().starts_with(b"{");
    if object && let Ok(command) = serde_json::from_slice::<Command>(bytes) {
        return Ok((command, None));
    }
    command_from_map(parse_json(bytes)?)
}

/// The long way: the body as a JSON map, `intended_at` taken off, the rest the command.
fn command_from_map(
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

/// "the set_severity command": the wire name, for a refusal people can act on. Formatted
/// (the command serialised to find its name) only when a refusal is written.
struct Named<'a>(&'a Command);

impl std::fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = serde_json::to_value(self.0).unwrap_or_default();
        let name = value.get("type").and_then(|t| t.as_str()).unwrap_or("this");
        write!(f, "the {name} command")
    }
}

fn etag(version: u64) -> HeaderValue {
    // Digits and quotes are always a valid header value.
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_read_straight_gets_the_answer_of_the_long_way() {
        let bodies = [
            r#"{"type":"add_note","text":"checking the database"}"#,
            r#"  {"text":"order does not matter","type":"add_note"}"#,
            r#"{"type":"add_note","text":"x","intended_at":"2026-12-06T20:00:00Z"}"#,
            r#"{"type":"add_note","text":"x","intended_at":"yesterday"}"#,
            r#"{"type":"add_note","text":"first","text":"second"}"#,
            r#"{"type":"add_note","type":"ack"}"#,
            r#"{"type":"add_note"}"#,
            r#"{"type":"add_note","text":"x","extra":1}"#,
            r#"{"type":"launch_rockets"}"#,
            r#"["add_note","x"]"#,
            r#"{"type":"add_note","text":"x"} trailing"#,
            r#""add_note""#,
            "",
        ];
        for body in bodies {
            let long_way = parse_json(body.as_bytes()).and_then(command_from_map);
            assert_eq!(
                format!("{:?}", command_body(body.as_bytes())),
                format!("{long_way:?}"),
                "{body}"
            );
        }
    }
}
