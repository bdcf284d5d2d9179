//! PagerDuty's Events API v2 (`POST https://events.pagerduty.com/v2/enqueue`): one alert per
//! incident, keyed by a stable `dedup_key`, triggered, acknowledged and resolved as the
//! incident goes. The stored body leaves out the `routing_key`, which is added when sending:
//! the outbox (and `warroom notify log`) never holds the secret, and a rotated key applies
//! to deliveries already queued.

use super::Target;
use super::pager::{PagerAction, alert_key, cut, headline, level};
use crate::domain::{Event, Incident, SeverityScale};
use serde_json::{Value, json};

pub const DEFAULT_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// The schema's `payload.severity` values, most severe first.
const SEVERITIES: [&str; 4] = ["critical", "error", "warning", "info"];
/// The schema's limits.
const SUMMARY_MAX: usize = 1024;
const DEDUP_KEY_MAX: usize = 255;

pub fn body(
    target: &Target,
    action: PagerAction,
    event: &Event,
    incident: &Incident,
    scale: &SeverityScale,
) -> String {
    let dedup_key = cut(&alert_key(target, incident), DEDUP_KEY_MAX);
    match action {
        PagerAction::Trigger => {
            let severity = SEVERITIES[level(scale, &incident.severity, SEVERITIES.len() - 1)];
            let mut payload = json!({
                "summary": headline(incident, SUMMARY_MAX),
                "source": target.source,
                "severity": severity,
                "timestamp": event.at,
                "class": "incident",
                "custom_details": {
                    "incident": incident.id,
                    "title": incident.title,
                    "severity": incident.severity,
                    "status": incident.status,
                    "declared_by": incident.declared_by,
                    "event_by": event.actor,
                },
            });
            if let Some(service) = &incident.service {
                payload["component"] = json!(service);
            }
            json!({
                "event_action": "trigger",
                "dedup_key": dedup_key,
                "client": "warroom",
                "payload": payload,
            })
        }
        PagerAction::Acknowledge => json!({"event_action": "acknowledge", "dedup_key": dedup_key}),
        PagerAction::Resolve => json!({"event_action": "resolve", "dedup_key": dedup_key}),
    }
    .to_string()
}

/// The body as sent: the stored one with the target's `routing_key`.
pub fn with_routing_key(target: &Target, stored: &str) -> Result<String, String> {
    let key = target
        .key
        .as_ref()
        .ok_or("a pagerduty target needs a routing_key")?;
    let mut body: Value = serde_json::from_str(stored)
        .map_err(|e| format!("the queued PagerDuty event is not JSON: {e}"))?;
    let object = body
        .as_object_mut()
        .ok_or("the queued PagerDuty event is not a JSON object")?;
    object.insert("routing_key".into(), json!(key.expose()));
    Ok(body.to_string())
}
