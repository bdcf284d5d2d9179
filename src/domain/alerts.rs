//! Alerts attached to an incident, and metric snapshots pinned to its timeline: the evidence
//! the room looked at, kept with the incident.
//!
//! An [`Alert`] is one firing (or pending, or silenced) alert in one shape, whichever server
//! reported it: Prometheus, Alertmanager's API or its webhook. [`Alert::to_ref`] is the one
//! conversion to what an incident keeps, and [`AlertSeverity`] the one mapping from an
//! alert's labels to a severity, shared by the backend's receiver and the TUI's "declare
//! from the selected alert".

use super::{MAX_TEXT_CHARS, MAX_TITLE_CHARS, Severity, SeverityScale, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Label or annotation names to values.
pub type Labels = BTreeMap<String, String>;

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

    /// The alert as an incident keeps it, its texts cut to the domain's limits: an alert's
    /// annotations are someone else's, and a long one must not get a declaration refused.
    /// Without Alertmanager's fingerprint (Prometheus' own alerts), a hash of the sorted
    /// labels stands in, which is what Alertmanager's fingerprint is too.
    pub fn to_ref(&self) -> AlertRef {
        let fingerprint = self.fingerprint.clone().unwrap_or_else(|| {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            self.labels.hash(&mut hasher);
            format!("{:016x}", hasher.finish())
        });
        AlertRef {
            fingerprint,
            name: self.display_name(),
            summary: (self.title() != self.name()).then(|| clip(self.title(), MAX_TEXT_CHARS)),
            labels: self.labels.clone(),
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

/// `text` trimmed and, beyond `max` characters, cut to fit with "..." at the end.
pub fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(3)).collect();
    format!("{}...", kept.trim_end())
}

/// An alert as the incident remembers it (from Alertmanager's webhook or the TUI's pane).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRef {
    /// Alertmanager's fingerprint: the identity of this alert across notifications.
    pub fingerprint: String,
    /// The `alertname` label.
    pub name: String,
    /// The `summary` annotation, else `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub starts_at: Timestamp,
}

/// An attached alert and whether it has stopped firing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedAlert {
    pub alert: AlertRef,
    pub resolved_at: Option<Timestamp>,
}

/// Why a snapshot was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SnapshotReason {
    /// A person pinned the panels' current values.
    Pin,
    /// The incident was resolved: the values before (worst since impact start) and after.
    Resolve,
}

/// One series of one panel at the moment of the snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotValue {
    pub panel: String,
    /// The series' legend, e.g. the endpoint.
    pub series: String,
    /// The worst value since the impact started, formatted, where that is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// The current value, already formatted with its unit ("2.30%").
    pub value: String,
    /// Whether the value was over the panel's threshold.
    #[serde(default)]
    pub breached: bool,
}

/// Longest list of values in one snapshot: a pin of every series of six panels fits.
pub const MAX_SNAPSHOT_VALUES: usize = 64;

/// `[alert_severity]`: which severity an incident declared from an alert gets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSeverity {
    /// The alert label to read.
    #[serde(default = "default_severity_label")]
    pub label: String,
    /// Label value -> severity name, matched without regard to case.
    #[serde(default = "default_severity_map")]
    pub map: BTreeMap<String, String>,
    /// For an alert without the label or with an unmapped value.
    #[serde(default = "default_severity")]
    pub default: String,
}

fn default_severity_label() -> String {
    "severity".into()
}

fn default_severity_map() -> BTreeMap<String, String> {
    [("critical", "P0"), ("warning", "P1")]
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

fn default_severity() -> String {
    "P2".into()
}

impl Default for AlertSeverity {
    fn default() -> Self {
        AlertSeverity {
            label: default_severity_label(),
            map: default_severity_map(),
            default: default_severity(),
        }
    }
}

impl AlertSeverity {
    /// The severity for an alert with these labels.
    pub fn severity_for(&self, labels: &BTreeMap<String, String>) -> Severity {
        let mapped = labels.get(&self.label).and_then(|value| {
            self.map
                .iter()
                .find(|(from, _)| from.eq_ignore_ascii_case(value))
                .map(|(_, to)| to)
        });
        Severity::new(mapped.unwrap_or(&self.default).clone())
    }

    /// Every severity named here must exist on the backend's scale.
    pub fn validate(&self, scale: &SeverityScale) -> Result<(), String> {
        let targets = self
            .map
            .iter()
            .map(|(from, to)| (format!("map.{from}"), to))
            .chain([("default".to_string(), &self.default)]);
        for (field, name) in targets {
            if let Err(why) = scale.parse(name) {
                return Err(format!("alert_severity: {field}: {why}"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_severity_maps_labels_and_checks_the_scale() {
        let map = AlertSeverity::default();
        let labels = |value: &str| BTreeMap::from([("severity".to_string(), value.to_string())]);
        assert_eq!(map.severity_for(&labels("critical")), Severity::new("P0"));
        assert_eq!(map.severity_for(&labels("Warning")), Severity::new("P1"));
        assert_eq!(map.severity_for(&labels("info")), Severity::new("P2"));
        assert_eq!(map.severity_for(&BTreeMap::new()), Severity::new("P2"));
        assert_eq!(map.validate(&SeverityScale::default()), Ok(()));

        let odd = AlertSeverity {
            label: "sev".into(),
            map: BTreeMap::from([("page".to_string(), "SEV1".to_string())]),
            ..AlertSeverity::default()
        };
        assert_eq!(
            odd.validate(&SeverityScale::default()),
            Err(
                "alert_severity: map.page: unknown severity 'SEV1' (expected one of: P0, P1, P2)"
                    .into()
            )
        );
    }
}
