//! Alerts, from Prometheus (`/api/v1/alerts`) or Alertmanager (`/api/v2/alerts`), in one
//! shape: what the alerts pane lists and what an incident is declared from.

use super::series::Labels;
use crate::domain::Timestamp;
use serde::Deserialize;

/// An active alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub labels: Labels,
    pub annotations: Labels,
    pub state: AlertState,
    /// When it became active (Prometheus' `activeAt`, Alertmanager's `startsAt`): the
    /// detection time of an incident declared from it.
    pub since: Timestamp,
    /// Alertmanager's identity of the alert, stable across notifications.
    pub fingerprint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    /// The rule's condition holds but not yet for its `for:` duration (Prometheus only).
    Pending,
    /// Firing in Prometheus; active (or not yet processed) in Alertmanager.
    Firing,
    /// Silenced or inhibited in Alertmanager.
    Suppressed,
}

impl Alert {
    /// The `alertname` label, or empty.
    pub fn name(&self) -> &str {
        self.labels.get("alertname").map_or("", String::as_str)
    }

    /// A one-line title for the pane and for an incident declared from it: the `summary`
    /// annotation, else `description`, else the alert's name.
    pub fn title(&self) -> &str {
        ["summary", "description"]
            .iter()
            .filter_map(|key| self.annotations.get(*key))
            .map(|text| text.trim())
            .find(|text| !text.is_empty())
            .unwrap_or_else(|| self.name())
    }
}

/// `data` of Prometheus' `/api/v1/alerts`.
#[derive(Debug, Deserialize)]
pub(super) struct PrometheusAlerts {
    alerts: Vec<PrometheusAlert>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PrometheusAlert {
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    state: String,
    active_at: Timestamp,
}

/// One element of Alertmanager's `/api/v2/alerts` array.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AlertmanagerAlert {
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    starts_at: Timestamp,
    fingerprint: String,
    status: AlertmanagerStatus,
}

#[derive(Debug, Deserialize)]
struct AlertmanagerStatus {
    state: String,
}

impl PrometheusAlerts {
    pub(super) fn into_alerts(self) -> Result<Vec<Alert>, String> {
        self.alerts
            .into_iter()
            .map(|raw| {
                let state = match raw.state.as_str() {
                    "pending" => AlertState::Pending,
                    "firing" => AlertState::Firing,
                    other => return Err(format!("unknown alert state {other:?}")),
                };
                Ok(Alert {
                    labels: raw.labels,
                    annotations: raw.annotations,
                    state,
                    since: raw.active_at,
                    fingerprint: None,
                })
            })
            .collect()
    }
}

impl AlertmanagerAlert {
    pub(super) fn into_alert(self) -> Result<Alert, String> {
        let state = match self.status.state.as_str() {
            "active" | "unprocessed" => AlertState::Firing,
            "suppressed" => AlertState::Suppressed,
            other => return Err(format!("unknown alert state {other:?}")),
        };
        Ok(Alert {
            labels: self.labels,
            annotations: self.annotations,
            state,
            since: self.starts_at,
            fingerprint: Some(self.fingerprint),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn prometheus_alerts_are_read() {
        let raw: PrometheusAlerts = serde_json::from_str(
            r#"{"alerts":[{"labels":{"alertname":"HighErrorRatio","severity":"critical"},
                "annotations":{"summary":"5xx above 5% on /pay"},"state":"firing",
                "activeAt":"2026-11-25T14:00:03.5+01:00","value":"2.5e-01"}]}"#,
        )
        .unwrap();
        let alerts = raw.into_alerts().unwrap();
        assert_eq!(alerts[0].state, AlertState::Firing);
        assert_eq!(alerts[0].title(), "5xx above 5% on /pay");
        assert_eq!(alerts[0].name(), "HighErrorRatio");
        assert_eq!(
            alerts[0].since,
            Utc.with_ymd_and_hms(2026, 11, 25, 13, 0, 3).unwrap()
                + chrono::Duration::milliseconds(500)
        );
    }

    #[test]
    fn alertmanager_alerts_are_read_and_unknown_states_refused() {
        let json = |state: &str| {
            format!(
                r#"{{"labels":{{"alertname":"Down"}},"annotations":{{"description":" "}},
                "startsAt":"2026-11-25T14:00:00Z","endsAt":"2026-11-25T15:00:00Z",
                "fingerprint":"abc","receivers":[{{"name":"warroom"}}],"updatedAt":"2026-11-25T14:00:00Z",
                "status":{{"state":"{state}","silencedBy":[],"inhibitedBy":[]}}}}"#
            )
        };
        let alert = serde_json::from_str::<AlertmanagerAlert>(&json("suppressed"))
            .unwrap()
            .into_alert()
            .unwrap();
        assert_eq!(alert.state, AlertState::Suppressed);
        assert_eq!(alert.fingerprint.as_deref(), Some("abc"));
        assert_eq!(
            alert.title(),
            "Down",
            "a blank description falls back to the name"
        );
        let odd = serde_json::from_str::<AlertmanagerAlert>(&json("sleeping")).unwrap();
        assert_eq!(
            odd.into_alert(),
            Err(r#"unknown alert state "sleeping""#.into())
        );
    }
}
