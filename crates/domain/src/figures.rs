//! What the report across incidents needs of one incident, small enough to keep beside each
//! snapshot row and to read for thousands of incidents without their logs or whole bodies:
//! its milestones, its update marks, its alert names and its corrective actions.
//!
//! Update discipline asks, before every internal update and every end of the incident, when
//! the next update was due. That deadline follows the severity's cadence, which the backend's
//! configuration may change after the fact, so the incident keeps the *inputs* of each
//! deadline ([`UpdateMark`]: the severity and the start of the countdown) rather than a
//! verdict: the report judges them against the cadence it is given, exactly as folding the
//! log with that cadence would.

use super::{CorrectiveAction, Incident, IncidentId, Severity, SeverityScale, Status, Timestamp};
use serde::{Deserialize, Serialize};

/// A moment an open incident owed an internal update: an update posted, or the incident
/// ending (resolved, closed, cancelled). Recorded by [`Incident::apply`] with the state
/// before the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateMark {
    /// The severity whose cadence the countdown ran on.
    pub severity: Severity,
    /// When the countdown started: the last update, or the declaration.
    pub since: Timestamp,
    pub at: Timestamp,
    /// An update was posted (else the incident stopped being open).
    pub posted: bool,
}

/// Updates posted by their deadline, and updates that were due.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpdateTally {
    pub on_time: usize,
    pub due: usize,
}

impl std::ops::AddAssign for UpdateTally {
    fn add_assign(&mut self, other: UpdateTally) {
        self.on_time += other.on_time;
        self.due += other.due;
    }
}

/// One incident as the report reads it (see the module's comment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentFigures {
    pub id: IncidentId,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub service: Option<String>,
    pub declared_at: Timestamp,
    pub impact_started_at: Option<Timestamp>,
    pub detected_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub mitigated_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub last_update_at: Timestamp,
    /// The names of its alerts, sorted, each once: what a recurrence by alert compares.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alert_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub update_marks: Vec<UpdateMark>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrective_actions: Vec<CorrectiveAction>,
}

impl From<&Incident> for IncidentFigures {
    fn from(incident: &Incident) -> IncidentFigures {
        let mut alert_names: Vec<String> = incident
            .alerts
            .iter()
            .map(|attached| attached.alert.name.clone())
            .collect();
        alert_names.sort_unstable();
        alert_names.dedup();
        IncidentFigures {
            id: incident.id.clone(),
            title: incident.title.clone(),
            severity: incident.severity.clone(),
            status: incident.status,
            service: incident.service.clone(),
            declared_at: incident.declared_at,
            impact_started_at: incident.impact_started_at,
            detected_at: incident.detected_at,
            acknowledged_at: incident.acknowledged_at,
            mitigated_at: incident.mitigated_at,
            resolved_at: incident.resolved_at,
            last_update_at: incident.last_update_at,
            alert_names,
            update_marks: incident.update_marks.clone(),
            corrective_actions: incident.corrective_actions.clone(),
        }
    }
}

impl IncidentFigures {
    /// Its internal updates against `scale`'s cadence: every update posted while it was open
    /// was due (on time when by its deadline), plus one for each end of the incident past an
    /// unanswered deadline, plus one if it is still open at `until` past its deadline.
    pub fn update_discipline(&self, scale: &SeverityScale, until: Timestamp) -> UpdateTally {
        let mut tally = UpdateTally::default();
        for mark in &self.update_marks {
            let Some(interval) = scale.update_interval(&mark.severity) else {
                continue;
            };
            let deadline = mark.since + interval;
            if mark.posted {
                tally.due += 1;
                tally.on_time += usize::from(mark.at <= deadline);
            } else if deadline < mark.at {
                tally.due += 1;
            }
        }
        let still_due = self.status.is_open()
            && scale
                .update_interval(&self.severity)
                .is_some_and(|interval| self.last_update_at + interval < until);
        tally.due += usize::from(still_due);
        tally
    }
}

/// One corrective action with its incident: a row of the follow-ups across incidents
/// (`GET /v1/followups`, `warroom followups --json`, the TUI's follow-ups screen).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Followup {
    pub incident: IncidentId,
    pub incident_title: String,
    #[serde(flatten)]
    pub action: CorrectiveAction,
    /// Open and past its due date when it was read.
    pub overdue: bool,
}
