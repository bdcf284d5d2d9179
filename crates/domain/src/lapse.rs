//! Lapses: what the backend's clock notices and records on the timeline, once each, so that
//! they are notified like any event and the postmortem shows them:
//! - a severe incident whose commander role stays vacant past a grace period;
//! - an internal update that is overdue;
//! - a public update whose promised time has passed.
//!
//! Pure: the caller passes "now". An episode is identified by its kind and the moment it
//! started (the vacancy, the last internal update, the last public update), not by when it
//! became due, which moves with the severity: one episode is recorded once, and a new
//! episode (a later vacancy, the next overdue update) is recorded again.

use super::{EscalationPolicy, EventKind, Incident, Severity, SeverityScale, Timestamp};
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
    /// `[[escalation.policy]]`: whom to call while nobody answers (see `escalations_due`).
    pub policies: Vec<EscalationPolicy>,
}

impl Default for EscalationRules {
    fn default() -> Self {
        EscalationRules {
            commander_grace: chrono::Duration::minutes(5),
            commander_needed_from: Severity::new("P1"),
            policies: Vec::new(),
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
    // Each candidate: the lapse, when it is due, and when its episode started. The due time
    // can move within an episode (the internal update's cadence follows the severity), so
    // an episode is known by its start: one lapse of the kind due after it is recorded.
    let candidates = [
        (
            Lapse::CommanderVacant,
            incident
                .commander_vacant_since
                .filter(|_| severe)
                .map(|since| (since + rules.commander_grace, since)),
        ),
        (
            Lapse::InternalUpdateOverdue,
            incident
                .update_due_at(scale)
                .map(|due| (due, incident.last_update_at)),
        ),
        (
            Lapse::PublicUpdateOverdue,
            incident
                .public_update_due_at()
                .zip(incident.last_public_update().map(|last| last.at)),
        ),
    ];
    candidates
        .into_iter()
        .filter_map(|(lapse, episode)| Some((lapse, episode?)))
        .filter(|&(lapse, (due, started))| due < now && !recorded_since(incident, lapse, started))
        .map(|(lapse, (due, _))| EventKind::Lapsed { lapse, due })
        .collect()
}

/// Whether a lapse of this kind was recorded in the episode that started at `started`: a
/// recorded lapse fell due after its episode started, and an earlier episode's before this
/// one started (it was recorded once overdue, and the episode ended after that).
fn recorded_since(incident: &Incident, lapse: Lapse, started: Timestamp) -> bool {
    incident
        .lapses
        .iter()
        .any(|record| record.lapse == lapse && record.due >= started)
}
