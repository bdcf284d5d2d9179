//! Recurrence: an incident that follows an earlier one of the same service or the same alert.
//!
//! The backend records the link when an incident is declared (looking back
//! [`RECURRENCE_LOOKBACK_DAYS`]); reports count recurrences over their own window. Both use
//! [`follows`], so "the same incident again" means one thing everywhere.

use super::{
    CorrectiveAction, CorrectiveState, Incident, IncidentFigures, IncidentId, Status, Timestamp,
};
use serde::{Deserialize, Serialize};

/// How far back a new incident looks for earlier ones when it is declared.
pub const RECURRENCE_LOOKBACK_DAYS: i64 = 90;
/// The most earlier incidents one link names: the newest ones.
pub(crate) const MAX_RECURRENCE_LINKS: usize = 5;

/// An earlier incident that a new one repeats, as recorded in the new one's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlierIncident {
    pub incident: IncidentId,
    pub title: String,
    pub declared_at: Timestamp,
    /// What they share: `service` or `alert`.
    pub matched_on: RecurrenceMatch,
    /// Its corrective actions still open when the new incident was declared.
    #[serde(default)]
    pub open_corrective_actions: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecurrenceMatch {
    Service,
    Alert,
}

impl RecurrenceMatch {
    pub fn as_str(self) -> &'static str {
        match self {
            RecurrenceMatch::Service => "service",
            RecurrenceMatch::Alert => "alert",
        }
    }
}

/// What a recurrence compares of an incident: the folded incident, or the figures a store
/// keeps of it (so that the check reads those small rows, not whole incidents).
pub trait Recurring {
    fn id(&self) -> &IncidentId;
    fn title(&self) -> &str;
    fn status(&self) -> Status;
    fn declared_at(&self) -> Timestamp;
    fn service(&self) -> Option<&str>;
    /// The names of its alerts (a name may come more than once).
    fn alert_names(&self) -> Box<dyn Iterator<Item = &str> + '_>;
    fn corrective_actions(&self) -> &[CorrectiveAction];
}

impl Recurring for Incident {
    fn id(&self) -> &IncidentId {
        &self.id
    }
    fn title(&self) -> &str {
        &self.title
    }
    fn status(&self) -> Status {
        self.status
    }
    fn declared_at(&self) -> Timestamp {
        self.declared_at
    }
    fn service(&self) -> Option<&str> {
        self.service.as_deref()
    }
    fn alert_names(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        Box::new(self.alerts.iter().map(|a| a.alert.name.as_str()))
    }
    fn corrective_actions(&self) -> &[CorrectiveAction] {
        &self.corrective_actions
    }
}

impl Recurring for IncidentFigures {
    fn id(&self) -> &IncidentId {
        &self.id
    }
    fn title(&self) -> &str {
        &self.title
    }
    fn status(&self) -> Status {
        self.status
    }
    fn declared_at(&self) -> Timestamp {
        self.declared_at
    }
    fn service(&self) -> Option<&str> {
        self.service.as_deref()
    }
    fn alert_names(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        Box::new(self.alert_names.iter().map(String::as_str))
    }
    fn corrective_actions(&self) -> &[CorrectiveAction] {
        &self.corrective_actions
    }
}

/// What `later` shares with `earlier`, if `earlier` was declared before it, within
/// `window_days`, and was a real incident (not cancelled as a false alarm, nor a duplicate
/// merged into another). Same service wins
/// over same alert when both hold.
pub fn follows(
    earlier: &(impl Recurring + ?Sized),
    later: &(impl Recurring + ?Sized),
    window_days: i64,
) -> Option<RecurrenceMatch> {
    if earlier.id() == later.id()
        || matches!(earlier.status(), Status::Cancelled | Status::Merged)
        || earlier.declared_at() > later.declared_at()
        || later.declared_at() - earlier.declared_at() > chrono::Duration::days(window_days)
    {
        return None;
    }
    let same_service = matches!((earlier.service(), later.service()), (Some(a), Some(b)) if a == b);
    if same_service {
        return Some(RecurrenceMatch::Service);
    }
    let same_alert = later
        .alert_names()
        .any(|mine| earlier.alert_names().any(|theirs| theirs == mine));
    same_alert.then_some(RecurrenceMatch::Alert)
}

/// The earlier incidents `incident` repeats, newest first, at most `MAX_RECURRENCE_LINKS`.
pub fn earlier_incidents<'a, C: Recurring + ?Sized + 'a>(
    incident: &Incident,
    candidates: impl IntoIterator<Item = &'a C>,
) -> Vec<EarlierIncident> {
    let mut found: Vec<EarlierIncident> = candidates
        .into_iter()
        .filter_map(|earlier| {
            let matched_on = follows(earlier, incident, RECURRENCE_LOOKBACK_DAYS)?;
            Some(EarlierIncident {
                incident: earlier.id().clone(),
                title: earlier.title().to_string(),
                declared_at: earlier.declared_at(),
                matched_on,
                open_corrective_actions: earlier
                    .corrective_actions()
                    .iter()
                    .filter(|action| action.state == CorrectiveState::Open)
                    .count(),
            })
        })
        .collect();
    found.sort_by(|a, b| {
        (b.declared_at, b.incident.number()).cmp(&(a.declared_at, a.incident.number()))
    });
    found.truncate(MAX_RECURRENCE_LINKS);
    found
}
