//! The follow-ups and report screens: read-only, fetched from the backend when opened (they
//! span every incident, including old ones this client no longer keeps).

use crate::domain::{CorrectiveAction, CorrectiveState, Incident, IncidentId, Timestamp};
use crate::report::Report;

/// What a screen fetched, once it came back.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded<T> {
    Waiting,
    Ready(T),
    Failed(String),
}

/// One corrective action and its incident.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowupRow {
    pub incident: IncidentId,
    pub action: CorrectiveAction,
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FollowupsView {
    pub rows: Loaded<Vec<FollowupRow>>,
    pub scroll: usize,
}

impl FollowupsView {
    pub fn waiting() -> Self {
        FollowupsView {
            rows: Loaded::Waiting,
            scroll: 0,
        }
    }

    /// The open ones first, soonest due first; then the done and dropped ones.
    pub fn load(&mut self, incidents: Result<Vec<Incident>, String>, now: Timestamp) {
        self.rows = match incidents {
            Err(reason) => Loaded::Failed(reason),
            Ok(incidents) => {
                let mut rows: Vec<FollowupRow> = incidents
                    .into_iter()
                    .flat_map(|incident| {
                        let id = incident.id;
                        incident
                            .corrective_actions
                            .into_iter()
                            .map(move |action| FollowupRow {
                                incident: id.clone(),
                                overdue: action.is_overdue(now),
                                action,
                            })
                    })
                    .collect();
                rows.sort_by_key(|row| {
                    (
                        row.action.state != CorrectiveState::Open,
                        row.action.due_at,
                        row.incident.number(),
                        row.action.id,
                    )
                });
                Loaded::Ready(rows)
            }
        };
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportView {
    /// The period asked for, as typed (`90d`).
    pub since: String,
    pub report: Loaded<Box<Report>>,
    pub scroll: usize,
}

impl ReportView {
    pub fn waiting(since: String) -> Self {
        ReportView {
            since,
            report: Loaded::Waiting,
            scroll: 0,
        }
    }
}
