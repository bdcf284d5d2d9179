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

/// Alertmanager's fingerprint of a label set (Prometheus' `LabelSet.Fingerprint`): FNV-1a
/// 64 over the sorted names and values, each followed by the byte 0xff, as 16 hex digits.
pub fn label_fingerprint(labels: &BTreeMap<String, String>) -> String {
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
