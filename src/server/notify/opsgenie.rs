//! Opsgenie's Alert API: one alert per incident, keyed by a stable `alias`, created,
//! acknowledged and closed as the incident goes.
//!
//! Each action has its own URL (`POST /v2/alerts`, `POST /v2/alerts/{alias}/acknowledge`,
//! `.../close`, with `?identifierType=alias`), but an outbox row holds only a body and the
//! target's name. So the stored body is an envelope, `{"action", "alias", "request"}`, and the
//! URL is derived from it and the target's configured base `url` when sending: a changed base
//! URL applies to deliveries already queued, and the API key never enters the outbox.

use super::Target;
use super::pager::{PagerAction, alert_key, cut, headline, level};
use crate::domain::{Event, Incident, SeverityScale};
use serde::Deserialize;
use serde_json::{Value, json};

pub const DEFAULT_URL: &str = "https://api.opsgenie.com/v2/alerts";

/// The schema's priorities, most severe first.
const PRIORITIES: [&str; 5] = ["P1", "P2", "P3", "P4", "P5"];
/// The schema's limits.
const MESSAGE_MAX: usize = 130;
const ALIAS_MAX: usize = 512;
const SOURCE_MAX: usize = 100;
const USER_MAX: usize = 100;
const ENTITY_MAX: usize = 512;
const DESCRIPTION_MAX: usize = 15_000;

/// What the outbox holds for an Opsgenie delivery.
#[derive(Debug, Deserialize)]
struct Envelope {
    action: String,
    alias: String,
    request: Value,
}

pub fn body(
    target: &Target,
    action: PagerAction,
    event: &Event,
    incident: &Incident,
    scale: &SeverityScale,
) -> String {
    let alias = cut(&alert_key(target, incident), ALIAS_MAX);
    let source = cut(&target.source, SOURCE_MAX);
    let (name, request) = match action {
        PagerAction::Trigger => {
            let priority = PRIORITIES[level(scale, &incident.severity, PRIORITIES.len() - 1)];
            let description = incident.summary.as_deref().unwrap_or(&incident.title);
            let mut request = json!({
                "message": headline(incident, MESSAGE_MAX),
                "alias": alias,
                "description": cut(description, DESCRIPTION_MAX),
                "priority": priority,
                "source": source,
                "user": cut(&event.actor, USER_MAX),
                "tags": ["warroom", incident.severity.as_str()],
                // The schema's `details` is a map of strings to strings.
                "details": {
                    "incident": incident.id.to_string(),
                    "severity": incident.severity.as_str(),
                    "status": incident.status.as_str(),
                    "declared_by": incident.declared_by,
                },
            });
            if let Some(service) = &incident.service {
                request["entity"] = json!(cut(service, ENTITY_MAX));
            }
            ("create", request)
        }
        PagerAction::Acknowledge => (
            "acknowledge",
            json!({"source": source, "user": cut(&event.actor, USER_MAX), "note": format!("{} {}", incident.id, incident.status.as_str())}),
        ),
        PagerAction::Resolve => (
            "close",
            json!({"source": source, "user": cut(&event.actor, USER_MAX), "note": format!("{} {}", incident.id, incident.status.as_str())}),
        ),
    };
    json!({"action": name, "alias": alias, "request": request}).to_string()
}

/// The URL and body to send for a stored envelope.
pub fn request(target: &Target, stored: &str) -> Result<(reqwest::Url, String), String> {
    let envelope: Envelope = serde_json::from_str(stored)
        .map_err(|e| format!("the queued Opsgenie request is not an envelope: {e}"))?;
    let mut url = target.url.clone();
    match envelope.action.as_str() {
        "create" => {}
        action @ ("acknowledge" | "close") => {
            url.path_segments_mut()
                .map_err(|()| "the opsgenie url cannot take a path".to_string())?
                .pop_if_empty()
                .push(&envelope.alias)
                .push(action);
            url.query_pairs_mut().append_pair("identifierType", "alias");
        }
        other => return Err(format!("the queued Opsgenie action '{other}' is unknown")),
    }
    Ok((url, envelope.request.to_string()))
}
