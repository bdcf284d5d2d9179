//! Statuspage's public v2 API (the routes its widgets, aggregators and exporters read), with
//! every field of its documented schema and the same types: `summary`, `status`,
//! `components`, `incidents`, `incidents/unresolved` and `scheduled-maintenances` (all,
//! `upcoming`, `active`). Ids are opaque and stable (an incident's public id, a component's
//! id from its name); `shortlink` is the incident's own page.

use super::{
    ComponentView, MaintenanceStatus, MaintenanceView, PublicIncident, StatusPage, UpdateView,
    rfc3339,
    text::{json_text, stable_id},
};
use crate::domain::ComponentStatus;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// How many incidents or maintenances the list routes return, as Statuspage does.
const LIST: usize = 50;

/// The routes, as `(path under /api/v2, document)`, for the server to serve.
pub fn documents(page: &StatusPage) -> Vec<(&'static str, String)> {
    let spec = Spec::new(page);
    let maintenances = |status: Option<MaintenanceStatus>| -> Vec<Value> {
        let mut list: Vec<&MaintenanceView> = page
            .maintenances
            .iter()
            .filter(|m| status.is_none_or(|s| m.status == s))
            .collect();
        list.sort_by_key(|m| std::cmp::Reverse(m.starts_at));
        list.into_iter()
            .take(LIST)
            .map(|m| spec.maintenance(m))
            .collect()
    };
    let with_page = |key: &str, value: Value| {
        let mut document = serde_json::Map::new();
        document.insert("page".into(), spec.page());
        document.insert(key.into(), value);
        json_text(&Value::Object(document))
    };
    let open: Vec<Value> = page.open.iter().map(|i| spec.incident(i)).collect();
    let all: Vec<Value> = page
        .open
        .iter()
        .chain(&page.resolved)
        .take(LIST)
        .map(|i| spec.incident(i))
        .collect();
    let mut current: Vec<&MaintenanceView> = page
        .maintenances
        .iter()
        .filter(|m| m.status != MaintenanceStatus::Completed)
        .collect();
    current.sort_by_key(|m| m.starts_at);
    let summary = json!({
        "page": spec.page(),
        "components": spec.components(),
        "incidents": open,
        "scheduled_maintenances": current.into_iter().map(|m| spec.maintenance(m)).collect::<Vec<_>>(),
        "status": spec.status(),
    });
    let summary = json_text(&summary);
    vec![
        ("summary.json", summary),
        ("status.json", with_page("status", spec.status())),
        (
            "components.json",
            with_page("components", Value::Array(spec.components())),
        ),
        ("incidents.json", with_page("incidents", Value::Array(all))),
        (
            "incidents/unresolved.json",
            with_page("incidents", Value::Array(open)),
        ),
        (
            "scheduled-maintenances.json",
            with_page("scheduled_maintenances", Value::Array(maintenances(None))),
        ),
        (
            "scheduled-maintenances/upcoming.json",
            with_page(
                "scheduled_maintenances",
                Value::Array(maintenances(Some(MaintenanceStatus::Scheduled))),
            ),
        ),
        (
            "scheduled-maintenances/active.json",
            with_page(
                "scheduled_maintenances",
                Value::Array(maintenances(Some(MaintenanceStatus::InProgress))),
            ),
        ),
    ]
}

/// The page in Statuspage's shapes.
struct Spec<'a> {
    page: &'a StatusPage,
    page_id: String,
    /// Each component's (and group's) object, by name, in the listed order.
    components: Vec<(String, Value)>,
}

impl<'a> Spec<'a> {
    fn new(page: &'a StatusPage) -> Spec<'a> {
        let page_id = stable_id("page", &page.title);
        let mut spec = Spec {
            page,
            page_id,
            components: Vec::new(),
        };
        spec.components = spec.component_objects();
        spec
    }

    fn page(&self) -> Value {
        json!({
            "id": self.page_id,
            "name": self.page.title,
            "url": self.page.link("/"),
            "time_zone": "Etc/UTC",
            "updated_at": rfc3339(self.page.updated_at),
        })
    }

    fn status(&self) -> Value {
        json!({
            "indicator": self.page.indicator(),
            "description": self.page.description(),
        })
    }

    fn components(&self) -> Vec<Value> {
        self.components.iter().map(|(_, v)| v.clone()).collect()
    }

    /// Groups first where their first member is, each followed by its members.
    fn component_objects(&self) -> Vec<(String, Value)> {
        let mut groups: Vec<Option<&str>> = Vec::new();
        for component in &self.page.components {
            if !groups.contains(&component.group.as_deref()) {
                groups.push(component.group.as_deref());
            }
        }
        let mut out = Vec::new();
        for group in groups {
            let members: Vec<&ComponentView> = self
                .page
                .components
                .iter()
                .filter(|c| c.group.as_deref() == group)
                .collect();
            let group_id = group.map(|name| stable_id("group", name));
            if let (Some(name), Some(id)) = (group, &group_id) {
                let worst = members.iter().map(|c| c.status).max();
                let object = json!({
                    "id": id,
                    "name": name,
                    "status": worst.unwrap_or(ComponentStatus::Operational),
                    "created_at": members.iter().map(|c| c.created_at).min().map(rfc3339),
                    "updated_at": members.iter().map(|c| c.updated_at).max().map(rfc3339),
                    "position": out.len() + 1,
                    "description": Value::Null,
                    "showcase": false,
                    "start_date": Value::Null,
                    "group_id": Value::Null,
                    "page_id": self.page_id,
                    "group": true,
                    "only_show_if_degraded": false,
                    "components": members.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
                });
                out.push((format!("group:{name}"), object));
            }
            for component in members {
                let object = json!({
                    "id": component.id,
                    "name": component.display_name,
                    "status": component.status,
                    "created_at": rfc3339(component.created_at),
                    "updated_at": rfc3339(component.updated_at),
                    "position": out.len() + 1,
                    "description": component.description,
                    "showcase": true,
                    "start_date": Value::Null,
                    "group_id": group_id,
                    "page_id": self.page_id,
                    "group": false,
                    "only_show_if_degraded": component.only_show_if_degraded,
                });
                out.push((component.name.clone(), object));
            }
        }
        out
    }

    /// A component's object by the name updates use, as it is now; one the page does not
    /// list (it was removed from the config since) gets a plain object of its own.
    fn component(&self, name: &str, status: Option<ComponentStatus>) -> Value {
        let mut object = self
            .components
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| {
                json!({
                    "id": stable_id("component", name),
                    "name": name,
                    "status": ComponentStatus::Operational,
                    "created_at": rfc3339(self.page.updated_at),
                    "updated_at": rfc3339(self.page.updated_at),
                    "position": 0,
                    "description": Value::Null,
                    "showcase": false,
                    "start_date": Value::Null,
                    "group_id": Value::Null,
                    "page_id": self.page_id,
                    "group": false,
                    "only_show_if_degraded": false,
                })
            });
        if let Some(status) = status {
            object["status"] = json!(status);
        }
        object
    }

    fn component_id_and_name(&self, name: &str) -> (Value, Value) {
        let object = self.component(name, None);
        (object["id"].clone(), object["name"].clone())
    }

    fn incident(&self, incident: &PublicIncident) -> Value {
        let updates: Vec<Value> = incident
            .updates
            .iter()
            .map(|update| self.update(&incident.id, update))
            .collect();
        let components: Vec<Value> = incident
            .components
            .keys()
            .map(|name| self.component(name, None))
            .collect();
        json!({
            "id": incident.id,
            "name": incident.name,
            "status": incident.state,
            "created_at": rfc3339(incident.created_at),
            "updated_at": rfc3339(incident.updated_at),
            "monitoring_at": incident.monitoring_at.map(rfc3339),
            "resolved_at": incident.resolved_at.map(rfc3339),
            "impact": incident.impact,
            "shortlink": self.page.link(&format!("/incidents/{}", incident.id)),
            "started_at": rfc3339(incident.created_at),
            "page_id": self.page_id,
            "incident_updates": updates,
            "components": components,
        })
    }

    fn update(&self, incident: &str, update: &UpdateView) -> Value {
        let affected: Vec<Value> = update
            .affected
            .iter()
            .map(|(name, change)| {
                let (code, display) = self.component_id_and_name(name);
                json!({
                    "code": code,
                    "name": display,
                    "old_status": change.old,
                    "new_status": change.new,
                })
            })
            .collect();
        json!({
            "id": update.id,
            "status": update.state,
            "body": update.message,
            "incident_id": incident,
            "created_at": rfc3339(update.at),
            "updated_at": rfc3339(update.at),
            "display_at": rfc3339(update.at),
            "affected_components": affected,
            "deliver_notifications": !update.automatic,
            "custom_tweet": Value::Null,
            "tweet_id": Value::Null,
        })
    }

    fn maintenance(&self, window: &MaintenanceView) -> Value {
        // An update per state the window has reached, newest first.
        let reached: Vec<(MaintenanceStatus, chrono::DateTime<chrono::Utc>)> = [
            (MaintenanceStatus::Completed, window.ends_at),
            (MaintenanceStatus::InProgress, window.starts_at),
            (MaintenanceStatus::Scheduled, window.starts_at),
        ]
        .into_iter()
        .skip(match window.status {
            MaintenanceStatus::Completed => 0,
            MaintenanceStatus::InProgress => 1,
            MaintenanceStatus::Scheduled => 2,
        })
        .collect();
        let statuses: BTreeMap<&str, ComponentStatus> = window
            .components
            .iter()
            .map(|name| {
                let status = match window.status {
                    MaintenanceStatus::InProgress => ComponentStatus::UnderMaintenance,
                    _ => ComponentStatus::Operational,
                };
                (name.as_str(), status)
            })
            .collect();
        let updates: Vec<Value> = reached
            .iter()
            .map(|(status, at)| {
                let (old, new) = match status {
                    MaintenanceStatus::InProgress => (
                        ComponentStatus::Operational,
                        ComponentStatus::UnderMaintenance,
                    ),
                    MaintenanceStatus::Completed => (
                        ComponentStatus::UnderMaintenance,
                        ComponentStatus::Operational,
                    ),
                    MaintenanceStatus::Scheduled => {
                        (ComponentStatus::Operational, ComponentStatus::Operational)
                    }
                };
                let affected: Vec<Value> = window
                    .components
                    .iter()
                    .map(|name| {
                        let (code, display) = self.component_id_and_name(name);
                        json!({"code": code, "name": display, "old_status": old, "new_status": new})
                    })
                    .collect();
                let body = match status {
                    MaintenanceStatus::Scheduled if !window.message.is_empty() => {
                        window.message.clone()
                    }
                    MaintenanceStatus::Scheduled => "The maintenance is scheduled.".to_string(),
                    MaintenanceStatus::InProgress => "The maintenance is in progress.".to_string(),
                    MaintenanceStatus::Completed => "The maintenance has completed.".to_string(),
                };
                json!({
                    "id": format!("{}-{}", window.id, status.as_str()),
                    "status": status.as_str(),
                    "body": body,
                    "incident_id": window.id,
                    "created_at": rfc3339(*at),
                    "updated_at": rfc3339(*at),
                    "display_at": rfc3339(*at),
                    "affected_components": affected,
                    "deliver_notifications": true,
                    "custom_tweet": Value::Null,
                    "tweet_id": Value::Null,
                })
            })
            .collect();
        let components: Vec<Value> = statuses
            .iter()
            .map(|(name, status)| self.component(name, Some(*status)))
            .collect();
        json!({
            "id": window.id,
            "name": window.name,
            "status": window.status.as_str(),
            "created_at": rfc3339(window.starts_at),
            "updated_at": rfc3339(window.updated_at()),
            "monitoring_at": Value::Null,
            "resolved_at": (window.status == MaintenanceStatus::Completed).then(|| rfc3339(window.ends_at)),
            "impact": "maintenance",
            "shortlink": self.page.link("/"),
            "started_at": rfc3339(window.starts_at),
            "page_id": self.page_id,
            "incident_updates": updates,
            "components": components,
            "scheduled_for": rfc3339(window.starts_at),
            "scheduled_until": rfc3339(window.ends_at),
        })
    }
}
