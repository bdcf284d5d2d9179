//! The incident domain: pure types and rules, no I/O, no async, no clock reads.
//!
//! An incident *is* its event log. [`decide`] turns a [`Command`] into new events (or a
//! [`Rejection`] with a reason) and [`Incident::apply`] folds events into state. The same code
//! runs in the backend (to validate), in every client (to show) and in reports, so the
//! timeline can never disagree with the state.

mod access;
mod actions;
mod alerts;
mod carry;
mod command;
mod escalation;
mod event;
mod figures;
mod followups;
mod incident;
mod incident_id;
mod lapse;
mod lifecycle;
mod listing;
mod merge;
mod public_update;
mod recurrence;
mod response_times;
mod review;
mod roles;
mod routing;
mod severity;

pub use access::{ACTOR_HEADER, AccessRole, ON_BEHALF_HEADER, ROLE_HEADER, VIA_SSH};
pub use actions::{ActionItem, ActionState};
pub use alerts::{
    Alert, AlertRef, AlertSeverity, AlertState, AttachedAlert, Labels, MAX_LABEL_NAME_CHARS,
    MAX_LABEL_VALUE_CHARS, MAX_LABELS, MAX_SNAPSHOT_VALUES, SnapshotReason, SnapshotValue, clip,
    cut_with_hash, label_fingerprint, stable_hash,
};
pub use carry::{CARRIED_DUE_DAYS, Settlement, SettlementCommands};
pub use command::{
    Acting, Command, MAX_NAME_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS, NewIncident, Rejection,
    decide, decide_as, declare, declare_page,
};
pub use escalation::{
    EscalationPolicy, EscalationRecord, EscalationStep, MAX_MENTION_CHARS, escalations_due,
};
pub use event::{Event, EventKind, NoteKind};
pub use figures::{Followup, IncidentFigures, IncidentFollowups, UpdateMark, UpdateTally};
pub use followups::{FollowupAsk, FollowupFilter, FollowupKey, FollowupStates};
pub use incident::Incident;
pub use incident_id::{IncidentId, InvalidIncidentId};
pub use lapse::{EscalationRules, Lapse, LapseRecord, lapses_due};
pub use lifecycle::Status;
pub use listing::IncidentFilter;
pub use merge::{CarriedNote, MERGE_CONFLICTS, Merge, merge};
pub use public_update::{
    ComponentStatus, MAX_COMPONENTS, PublicPost, PublicState, PublicUpdate, check_publisher,
    valid_public_id,
};
pub use recurrence::{
    EarlierIncident, RECURRENCE_LOOKBACK_DAYS, RecurrenceMatch, Recurring, earlier_incidents,
    follows,
};
pub use response_times::ResponseTimes;
pub use review::{
    CorrectiveAction, CorrectiveKind, CorrectiveState, MAX_TICKET_CHARS, MAX_WHYS, Review,
    ReviewEdit, WHY_LEVELS, root_cause_from_decisions,
};
pub use roles::{Engineer, Role, Roster};
pub use routing::AlertRouting;
pub use severity::{Severity, SeverityLevel, SeverityScale};

/// Every timestamp in the domain is UTC; callers pass "now" in, the domain never reads a clock.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
