//! Alerts attached to an incident, and metric snapshots pinned to its timeline: the evidence
//! the room looked at, kept with the incident.
//!
//! An [`Alert`] is one firing (or pending, or silenced) alert in one shape, whichever server
//! reported it: Prometheus, Alertmanager's API or its webhook. [`Alert::to_ref`] is the one
//! conversion to what an incident keeps, and [`AlertSeverity`] the one mapping from an
//! alert's labels to a severity, shared by the backend's receiver and the TUI's "declare
//! from the selected alert".

use super::{MAX_NAME_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS, Severity, SeverityScale, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Label or annotation names to values.
pub type Labels = BTreeMap<String, String>;

/// Most labels an attached alert keeps.
pub const MAX_LABELS: usize = 64;
/// Longest label name an attached alert keeps, in characters.
pub const MAX_LABEL_NAME_CHARS: usize = 256;
/// Longest label value an attached alert keeps, in characters.
pub const MAX_LABEL_VALUE_CHARS: usize = 1024;

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
    /// Where the alert comes from (the rule's graph in Prometheus), as its sender wrote it:
    /// unchecked text until the terminal's link gate.
    pub generator_url: Option<String>,
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

/// Alertmanager's fingerprint of a label set (Prometheus' `LabelSet.Fingerprint`): FNV-1a
/// 64 over the sorted names and values, each followed by the byte 0xff, as 16 hex digits.
pub fn label_fingerprint(labels: &Labels) -> String {
    let mut bytes = Vec::new();
    // A BTreeMap iterates in name order, which is Alertmanager's order.
    for (name, value) in labels {
        for part in [name, value] {
            bytes.extend_from_slice(part.as_bytes());
            bytes.push(0xff);
        }
    }
    format!("{:016x}", stable_hash(&bytes))
}

/// FNV-1a 64: the same number for the same bytes on every machine and every Rust release
/// (unlike std's hasher), so it can be stored and compared later. Not for secrets.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

/// An identity kept short: `text` itself up to `max` characters, else its start, the marker
/// "…" and a hash of the whole, so two long identities that share a start stay apart.
pub fn cut_with_hash(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let hash = format!("{:016x}", stable_hash(text.as_bytes()));
    let kept: String = text
        .chars()
        .take(max.saturating_sub(hash.len() + 1))
        .collect();
    format!("{kept}…{hash}")
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
