//! Lapses: what the backend's clock notices and records on the timeline, once each, so that
//! they are notified like any event and the postmortem shows them:
//! - a severe incident whose commander role stays vacant past a grace period;
//! - an internal update that is overdue;
//! - a public update whose promised time has passed.
//!
//! Pure: the caller passes "now". Each lapse is identified by its kind and the moment it
//! became due, so one episode is recorded once, and a new episode (a later vacancy, the next
//! overdue update) is recorded again.

use super::{EventKind, Incident, Severity, SeverityScale, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lapse {
    CommanderVacant,
    InternalUpdateOverdue,
    PublicUpdateOverdue,
}

impl Lapse {
    pub fn as_str(self) -> &'static str {
        match self {
            Lapse::CommanderVacant => "commander_vacant",
            Lapse::InternalUpdateOverdue => "internal_update_overdue",
            Lapse::PublicUpdateOverdue => "public_update_overdue",
        }
    }

    /// "the commander role is vacant", for the timeline.
    pub fn describe(self) -> &'static str {
        match self {
            Lapse::CommanderVacant => "the Incident Commander role is vacant",
            Lapse::InternalUpdateOverdue => "the internal update is overdue",
            Lapse::PublicUpdateOverdue => "the promised public update is overdue",
        }
    }
}

/// A lapse recorded on an incident: which, and when it became due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LapseRecord {
    pub lapse: Lapse,
    pub due: Timestamp,
}

/// What counts as a lapse.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationRules {
    /// How long a severe incident may go without a commander.
    pub commander_grace: chrono::Duration,
    /// This severity and the more severe ones need a commander (P1: P0 and P1).
    pub commander_needed_from: Severity,
}

impl Default for EscalationRules {
    fn default() -> Self {
        EscalationRules {
            commander_grace: chrono::Duration::minutes(5),
            commander_needed_from: Severity::new("P1"),
        }
    }
}

/// The `lapsed` events due on this incident at `now` and not yet recorded.
pub fn lapses_due(
    incident: &Incident,
    now: Timestamp,
    rules: &EscalationRules,
    scale: &SeverityScale,
) -> Vec<EventKind> {
    if !incident.status.is_open() {
        return Vec::new();
    }
    let severe = scale.rank(&incident.severity) <= scale.rank(&rules.commander_needed_from);
    let candidates = [
        (
            Lapse::CommanderVacant,
            incident
                .commander_vacant_since
                .filter(|_| severe)
                .map(|since| since + rules.commander_grace),
        ),
        (Lapse::InternalUpdateOverdue, incident.update_due_at(scale)),
        (Lapse::PublicUpdateOverdue, incident.public_update_due_at()),
    ];
    candidates
        .into_iter()
        .filter_map(|(lapse, due)| Some((lapse, due?)))
        .filter(|&(lapse, due)| due < now && !incident.lapses.contains(&LapseRecord { lapse, due }))
        .map(|(lapse, due)| EventKind::Lapsed { lapse, due })
        .collect()
}
