//! Alerts as Prometheus (`/api/v1/alerts`) and Alertmanager (`/api/v2/alerts`) answer
//! them, read into the domain's one shape, [`Alert`].

use super::series::Labels;
use crate::domain::{Alert, AlertState, Timestamp};
use serde::Deserialize;

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
    #[serde(default, rename = "generatorURL")]
    generator_url: Option<String>,
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
                    // Prometheus' own API does not say where the rule lives.
                    generator_url: None,
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
            generator_url: self.generator_url.filter(|url| !url.is_empty()),
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
