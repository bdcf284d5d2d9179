//! Alerts, from Prometheus (`/api/v1/alerts`) or Alertmanager (`/api/v2/alerts`), in one
//! shape: what the alerts pane lists and what an incident is declared from.

use super::series::Labels;
use crate::domain::{
    AlertRef, MAX_LABEL_NAME_CHARS, MAX_LABEL_VALUE_CHARS, MAX_LABELS, MAX_NAME_CHARS,
    MAX_TEXT_CHARS, MAX_TITLE_CHARS, Timestamp, cut_with_hash, label_fingerprint,
};
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

    /// The name to show and keep: `alertname` cut to a title's length, or "unnamed alert"
    /// for one without (posted by hand, say).
    pub fn display_name(&self) -> String {
        let name = clip(self.name(), MAX_TITLE_CHARS);
        if name.is_empty() {
            "unnamed alert".into()
        } else {
            name
        }
    }

    /// The alert as an incident keeps it, cut to the domain's limits: an alert's labels and
    /// annotations are someone else's, and a long one must not get a page or a declaration
    /// refused. Without a fingerprint (Prometheus' own alerts, relays, older senders) the
    /// one Alertmanager would compute from the labels stands in.
    pub fn to_ref(&self) -> AlertRef {
        let fingerprint = match self.fingerprint.as_deref().map(str::trim) {
            Some(given) if !given.is_empty() => cut_with_hash(given, MAX_NAME_CHARS),
            _ => label_fingerprint(&self.labels),
        };
        AlertRef {
            fingerprint,
            name: self.display_name(),
            summary: (self.title() != self.name()).then(|| clip(self.title(), MAX_TEXT_CHARS)),
            labels: kept_labels(&self.labels),
            starts_at: self.since,
        }
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

/// The labels an incident keeps: names and values cut to the domain's limits with a marker,
/// and beyond the most labels it keeps (`alertname` always among them), a label
/// `warroom_dropped_labels` saying how many were left out.
fn kept_labels(labels: &Labels) -> Labels {
    const DROPPED: &str = "warroom_dropped_labels";
    let room = if labels.len() > MAX_LABELS {
        MAX_LABELS - 1
    } else {
        MAX_LABELS
    };
    let named = labels.get_key_value("alertname");
    let mut kept: Labels = named
        .into_iter()
        .chain(
            labels
                .iter()
                .filter(|(name, _)| name.as_str() != "alertname"),
        )
        .take(room)
        .map(|(name, value)| {
            (
                fit(name, MAX_LABEL_NAME_CHARS),
                fit(value, MAX_LABEL_VALUE_CHARS),
            )
        })
        .collect();
    if labels.len() > kept.len() {
        kept.insert(DROPPED.into(), (labels.len() - kept.len()).to_string());
    }
    kept
}

/// `text` as it is when it fits, else clipped: a label is kept exactly whenever it can be.
fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        clip(text, max)
    }
}

/// `text` trimmed and, beyond `max` characters, cut to fit with "..." at the end.
pub fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(3)).collect();
    format!("{}...", kept.trim_end())
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
