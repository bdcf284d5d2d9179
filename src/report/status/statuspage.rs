//! Statuspage-compatible `/api/v2/summary.json` and `/api/v2/incidents/unresolved.json`, so
//! that widgets and aggregators that read Statuspage read this page too. Only the fields those
//! clients read are filled; the rest are present with neutral values.

use super::{PublicIncident, StatusPage, rfc3339};
use serde_json::{Value, json};

const PAGE_ID: &str = "warroom";

pub fn summary(page: &StatusPage) -> String {
    let components: Vec<Value> = page
        .components
        .iter()
        .enumerate()
        .map(|(position, component)| {
            json!({
                "id": component.name,
                "name": component.name,
                "status": component.status,
                "created_at": Value::Null,
                "updated_at": component.updated_at.map(rfc3339),
                "position": position + 1,
                "description": Value::Null,
                "showcase": true,
                "start_date": Value::Null,
                "group_id": Value::Null,
                "page_id": PAGE_ID,
                "group": false,
                "only_show_if_degraded": false,
            })
        })
        .collect();
    json!({
        "page": page_json(page),
        "components": components,
        "incidents": incidents(page, &page.open),
        "scheduled_maintenances": [],
        "status": {
            "indicator": page.indicator(),
            "description": page.description(),
        },
    })
    .to_string()
}

pub fn unresolved(page: &StatusPage) -> String {
    json!({
        "page": page_json(page),
        "incidents": incidents(page, &page.open),
    })
    .to_string()
}

fn page_json(page: &StatusPage) -> Value {
    json!({
        "id": PAGE_ID,
        "name": page.title,
        "url": page.url.as_deref().map(|u| format!("{}/status", u.trim_end_matches('/'))),
        "time_zone": "Etc/UTC",
        "updated_at": rfc3339(page.generated_at),
    })
}

fn incidents(page: &StatusPage, list: &[PublicIncident]) -> Vec<Value> {
    list.iter()
        .map(|incident| {
            let updates: Vec<Value> = incident
                .updates
                .iter()
                .map(|update| {
                    let affected: Vec<Value> = update
                        .components
                        .iter()
                        .map(|(name, status)| {
                            json!({"code": name, "name": name, "new_status": status})
                        })
                        .collect();
                    json!({
                        "id": update.id,
                        "status": update.state,
                        "body": update.message,
                        "incident_id": incident.id,
                        "created_at": rfc3339(update.at),
                        "updated_at": rfc3339(update.at),
                        "display_at": rfc3339(update.at),
                        "affected_components": affected,
                    })
                })
                .collect();
            let components: Vec<Value> = page
                .components
                .iter()
                .filter(|c| incident.components.contains_key(&c.name))
                .map(|c| json!({"id": c.name, "name": c.name, "status": c.status}))
                .collect();
            let monitoring_at = incident
                .updates
                .iter()
                .rev()
                .find(|u| u.state == crate::domain::PublicState::Monitoring)
                .map(|u| rfc3339(u.at));
            json!({
                "id": incident.id,
                "name": incident.name,
                "status": incident.state,
                "impact": incident.impact,
                "created_at": rfc3339(incident.created_at),
                "updated_at": rfc3339(incident.updated_at),
                "started_at": rfc3339(incident.created_at),
                "monitoring_at": monitoring_at,
                "resolved_at": incident.resolved_at.map(rfc3339),
                "shortlink": Value::Null,
                "page_id": PAGE_ID,
                "incident_updates": updates,
                "components": components,
            })
        })
        .collect()
}
