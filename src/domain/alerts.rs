//! Alerts attached to an incident, and metric snapshots pinned to its timeline: the evidence
//! the room looked at, kept with the incident.

use super::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most labels an attached alert keeps.
pub const MAX_LABELS: usize = 64;
/// Longest label name an attached alert keeps, in characters.
pub const MAX_LABEL_NAME_CHARS: usize = 256;
/// Longest label value an attached alert keeps, in characters.
pub const MAX_LABEL_VALUE_CHARS: usize = 1024;

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
