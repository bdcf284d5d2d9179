//! Commands and the rules that turn them into events.

use super::review::{
    ReviewEdit, check_dropped_corrective, check_open_corrective, checked_ticket, known_corrective,
};
use super::{
    AccessRole, ActionState, AlertRef, CorrectiveKind, EventKind, Incident, IncidentId,
    MAX_LABEL_NAME_CHARS, MAX_LABEL_VALUE_CHARS, MAX_LABELS, MAX_SNAPSHOT_VALUES, NoteKind,
    PublicUpdate, Role, Severity, SeverityScale, SnapshotReason, SnapshotValue, Status, Timestamp,
};
use checks::{
    action_move, assign_role, check_impact_start, checked_alert, checked_snapshot_value,
    known_severity, relieve_role, seconds_duration, with_brief,
};
use serde::{Deserialize, Serialize};

mod checks;
mod declaring;
pub(super) use checks::{optional_text, required_text};
pub use declaring::{declare, declare_page};

/// Longest title, in characters: it must fit a header line.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest note or action text, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Longest person name, service or focus, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// A request to change an incident. Wire form: `{"type": "transition", "to": "mitigated"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    Transition {
        to: Status,
    },
    SetSeverity {
        severity: Severity,
    },
    AssignRole {
        role: Role,
        person: String,
        /// An engineer's focus.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        focus: Option<String>,
        /// Required when command passes from one commander to another.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        brief: Option<String>,
    },
    RelieveRole {
        role: Role,
        /// Which engineer; optional for single-person roles or a lone engineer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        person: Option<String>,
    },
    AddNote {
        #[serde(default)]
        kind: NoteKind,
        text: String,
    },
    AddAction {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        /// The time-box as an instant...
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due_at: Option<Timestamp>,
        /// ...or as seconds from now, measured by the backend's clock, not the client's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due_in: Option<u64>,
    },
    CompleteAction {
        action: u32,
    },
    ReopenAction {
        action: u32,
    },
    DropAction {
        action: u32,
    },
    SetImpactStart {
        at: Timestamp,
        /// Allows a start after detection: a predictive alert (disk full in 4 hours) is
        /// detected before anyone feels it.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        after_detection: bool,
    },
    /// Attach an alert; `group` is Alertmanager's group key when the webhook attaches it.
    AttachAlert {
        alert: AlertRef,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
    },
    ResolveAlert {
        fingerprint: String,
        ended_at: Timestamp,
    },
    RecordSnapshot {
        reason: SnapshotReason,
        values: Vec<SnapshotValue>,
        /// When the values were read (the newest sample's time): a snapshot says how old it
        /// is. Absent from snapshots recorded before it was asked for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        as_of: Option<Timestamp>,
    },
    /// Edits the post-incident review; fields left out are kept.
    SetReview {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        whys: Option<Vec<String>>,
        /// An empty text clears it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        root_cause: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contributing_factors: Option<Vec<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        went_well: Option<Vec<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        went_badly: Option<Vec<String>>,
    },
    AddCorrectiveAction {
        text: String,
        kind: CorrectiveKind,
        owner: String,
        due_at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ticket: Option<String>,
    },
    CompleteCorrectiveAction {
        id: u32,
    },
    DropCorrectiveAction {
        id: u32,
    },
    /// Opens a dropped corrective action again (a drop was a mistake, or the need came back).
    /// A done one stays done: new work on it is a new action.
    ReopenCorrectiveAction {
        id: u32,
    },
    /// Reclassifies a corrective action: detective, preventive or corrective.
    SetCorrectiveKind {
        id: u32,
        kind: CorrectiveKind,
    },
    /// Writes or rewrites the summary: the business impact, in a few sentences. Often only
    /// known once the dust settles, so it stays editable after the close. An empty text
    /// clears it.
    SetSummary {
        summary: String,
    },
    /// A status-page update; only the commander or the Communications Lead may send it
    /// (see [`super::check_publisher`]).
    PublicUpdate(PublicUpdate),
    /// This incident is a duplicate of `into`, which carries on (see [`super::merge`]).
    MergeInto {
        into: IncidentId,
    },
}

impl Command {
    /// Whether the command changes the response record: status, severity, roles, impact
    /// start, notes, action items, alerts, snapshots. Once an incident is closed these are
    /// refused, since postmortems and response times are computed from them. Commands that
    /// are not part of the response (a post-incident review) answer `false` and stay open.
    pub fn changes_response_record(&self) -> bool {
        match self {
            Command::Transition { .. }
            | Command::SetSeverity { .. }
            | Command::AssignRole { .. }
            | Command::RelieveRole { .. }
            | Command::AddNote { .. }
            | Command::AddAction { .. }
            | Command::CompleteAction { .. }
            | Command::ReopenAction { .. }
            | Command::DropAction { .. }
            | Command::SetImpactStart { .. }
            | Command::AttachAlert { .. }
            | Command::ResolveAlert { .. }
            | Command::RecordSnapshot { .. }
            | Command::PublicUpdate(_)
            | Command::MergeInto { .. } => true,
            // The post-incident review stays editable after the close.
            Command::SetReview { .. }
            | Command::AddCorrectiveAction { .. }
            | Command::CompleteCorrectiveAction { .. }
            | Command::DropCorrectiveAction { .. }
            | Command::ReopenCorrectiveAction { .. }
            | Command::SetCorrectiveKind { .. }
            | Command::SetSummary { .. } => false,
        }
    }

    /// Whether only the Alertmanager receiver may send the command: an alert attached to a
    /// resolved incident reopens it, so a person who could send one could reopen an incident
    /// without the commander's access. The commands route refuses these from everyone.
    pub fn from_alert_receiver_only(&self) -> bool {
        matches!(
            self,
            Command::AttachAlert { .. } | Command::ResolveAlert { .. }
        )
    }

    /// The least access a person needs to send this command. The receiver's commands (see
    /// [`Command::from_alert_receiver_only`]) need the highest, so no client offers them.
    pub fn required_access(&self) -> AccessRole {
        match self {
            Command::AttachAlert { .. } | Command::ResolveAlert { .. } => AccessRole::Admin,
            Command::AddNote { .. }
            | Command::AddAction { .. }
            | Command::CompleteAction { .. }
            | Command::ReopenAction { .. }
            | Command::DropAction { .. }
            | Command::RecordSnapshot { .. }
            | Command::SetReview { .. }
            | Command::AddCorrectiveAction { .. }
            | Command::CompleteCorrectiveAction { .. }
            | Command::DropCorrectiveAction { .. }
            | Command::ReopenCorrectiveAction { .. }
            | Command::SetCorrectiveKind { .. }
            | Command::SetSummary { .. } => AccessRole::Responder,
            // A Communications Lead may hold a responder's token; the role on the incident
            // is what the server checks.
            Command::PublicUpdate(_) => AccessRole::Responder,
            Command::Transition { .. }
            | Command::SetSeverity { .. }
            | Command::AssignRole { .. }
            | Command::RelieveRole { .. }
            | Command::SetImpactStart { .. }
            | Command::MergeInto { .. } => AccessRole::Commander,
        }
    }
}

/// What a person declares. Wire form of `POST /v1/incidents`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    pub title: String,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// When the impact started, if known; may be backdated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    /// When it was detected; defaults to the declaration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detected_at: Option<Timestamp>,
    /// Alerts to attach at once (declaring from the alerts pane).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<AlertRef>,
}

/// Why a command was refused: a stable `code` for programs and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct Rejection {
    pub code: String,
    pub message: String,
}

impl Rejection {
    pub(super) fn new(code: &str, message: impl Into<String>) -> Self {
        Rejection {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// Decides what a command does to an incident: the events to append, or why not.
pub fn decide(
    incident: &Incident,
    command: Command,
    now: Timestamp,
    scale: &SeverityScale,
) -> Result<Vec<EventKind>, Rejection> {
    if incident.status == Status::Closed && command.changes_response_record() {
        return Err(Rejection::new(
            "incident_closed",
            format!(
                "{} is closed: its response record is final; declare a new incident for a recurrence",
                incident.id
            ),
        ));
    }
    if let Some(survivor) = incident.survivor()
        && command.changes_response_record()
        && !matches!(command, Command::MergeInto { .. })
    {
        return Err(Rejection::new(
            "incident_merged",
            format!(
                "{} was merged into {survivor} as a duplicate: the response goes on there",
                incident.id
            ),
        ));
    }
    let event = match command {
        Command::Transition { to } => {
            incident
                .status
                .check_transition(to)
                .map_err(|reason| Rejection::new("invalid_transition", reason))?;
            // The table looks at one step; the history decides across steps.
            if to == Status::Cancelled && incident.mitigated_at.is_some() {
                return Err(Rejection::new(
                    "invalid_transition",
                    "an incident that was mitigated is not a false alarm; resolve it instead",
                ));
            }
            EventKind::StatusChanged {
                from: incident.status,
                to,
                reason: None,
                commander: None,
            }
        }
        Command::SetSeverity { severity } => {
            let severity = known_severity(&severity, scale)?;
            if severity == incident.severity {
                return Err(Rejection::new(
                    "unchanged",
                    format!("the severity is already {severity}"),
                ));
            }
            EventKind::SeverityChanged {
                from: incident.severity.clone(),
                to: severity,
            }
        }
        Command::AssignRole {
            role,
            person,
            focus,
            brief,
        } => {
            let assigned =
                assign_role(incident, role, &person, focus.as_deref(), brief.as_deref())?;
            return with_brief(assigned, brief.as_deref());
        }
        Command::RelieveRole { role, person } => relieve_role(incident, role, person.as_deref())?,
        Command::AddNote { kind, text } => EventKind::NoteAdded {
            kind,
            text: required_text("text", &text, MAX_TEXT_CHARS)?,
        },
        Command::AddAction {
            text,
            owner,
            due_at,
            due_in,
        } => {
            let due_at = match (due_at, due_in) {
                (Some(_), Some(_)) => {
                    return Err(Rejection::new(
                        "invalid_input",
                        "give the time-box as due_at or due_in, not both",
                    ));
                }
                (Some(at), None) => Some(at),
                (None, Some(seconds)) => Some(now + seconds_duration(seconds)?),
                (None, None) => None,
            };
            if due_at.is_some_and(|due| due <= now) {
                return Err(Rejection::new(
                    "invalid_time",
                    "the time-box is already over",
                ));
            }
            let next_id = incident.actions.iter().map(|a| a.id).max().unwrap_or(0) + 1;
            EventKind::ActionAdded {
                action: next_id,
                text: required_text("text", &text, MAX_TEXT_CHARS)?,
                owner: optional_text("owner", owner.as_deref(), MAX_NAME_CHARS)?,
                due_at,
            }
        }
        Command::CompleteAction { action } => {
            action_move(incident, action, ActionState::Done)?;
            EventKind::ActionCompleted { action }
        }
        Command::ReopenAction { action } => {
            action_move(incident, action, ActionState::Open)?;
            EventKind::ActionReopened { action }
        }
        Command::DropAction { action } => {
            action_move(incident, action, ActionState::Dropped)?;
            EventKind::ActionDropped { action }
        }
        Command::SetImpactStart {
            at,
            after_detection,
        } => {
            check_impact_start(at, after_detection, incident.detected_at, now)?;
            if incident.impact_started_at == Some(at) {
                return Err(Rejection::new(
                    "unchanged",
                    "the impact start is already that time",
                ));
            }
            EventKind::ImpactStartSet { at }
        }
        Command::AttachAlert { alert, group } => {
            let alert = checked_alert(alert)?;
            if incident
                .alert(&alert.fingerprint)
                .is_some_and(|a| a.resolved_at.is_none())
            {
                return Err(Rejection::new(
                    "unchanged",
                    format!("{} is attached and firing already", alert.name),
                ));
            }
            // A resolve claimed the fix held; an alert firing now is evidence it did not.
            if incident.status == Status::Resolved {
                let reason = format!("alert {} fired again after the resolve", alert.name);
                return Ok(vec![
                    EventKind::AlertAttached { alert, group },
                    EventKind::StatusChanged {
                        from: Status::Resolved,
                        to: Status::Investigating,
                        reason: Some(reason),
                        commander: None,
                    },
                ]);
            }
            EventKind::AlertAttached { alert, group }
        }
        Command::ResolveAlert {
            fingerprint,
            ended_at,
        } => {
            let attached = incident.alert(&fingerprint).ok_or_else(|| {
                Rejection::new(
                    "unknown_alert",
                    format!("no alert {fingerprint} is attached to {}", incident.id),
                )
            })?;
            if attached.resolved_at.is_some() {
                return Err(Rejection::new(
                    "unchanged",
                    format!("{} is resolved already", attached.alert.name),
                ));
            }
            EventKind::AlertResolved {
                name: attached.alert.name.clone(),
                fingerprint,
                ended_at,
            }
        }
        Command::RecordSnapshot {
            reason,
            values,
            as_of,
        } => {
            if values.is_empty() || values.len() > MAX_SNAPSHOT_VALUES {
                return Err(Rejection::new(
                    "invalid_input",
                    format!("a snapshot holds 1 to {MAX_SNAPSHOT_VALUES} values"),
                ));
            }
            let values = values
                .into_iter()
                .map(checked_snapshot_value)
                .collect::<Result<_, _>>()?;
            EventKind::MetricSnapshot {
                reason,
                values,
                as_of,
            }
        }
        // Learning: allowed in every status, closed included (see `Command::changes_response_record`).
        Command::SetReview {
            whys,
            root_cause,
            contributing_factors,
            went_well,
            went_badly,
        } => {
            let edit = ReviewEdit {
                whys,
                root_cause,
                contributing_factors,
                went_well,
                went_badly,
            };
            EventKind::ReviewEdited {
                edit: edit.checked(&incident.review, MAX_TEXT_CHARS)?,
            }
        }
        Command::AddCorrectiveAction {
            text,
            kind,
            owner,
            due_at,
            ticket,
        } => {
            if due_at <= now {
                return Err(Rejection::new(
                    "invalid_time",
                    "the due date of a corrective action is already past",
                ));
            }
            let id = incident
                .corrective_actions
                .iter()
                .map(|a| a.id)
                .max()
                .unwrap_or(0)
                + 1;
            EventKind::CorrectiveActionAdded {
                id,
                text: required_text("text", &text, MAX_TEXT_CHARS)?,
                kind,
                owner: required_text("owner", &owner, MAX_NAME_CHARS)?,
                due_at,
                ticket: checked_ticket(ticket.as_deref())?,
            }
        }
        Command::CompleteCorrectiveAction { id } => {
            check_open_corrective(incident, id)?;
            EventKind::CorrectiveActionCompleted { id }
        }
        Command::DropCorrectiveAction { id } => {
            check_open_corrective(incident, id)?;
            EventKind::CorrectiveActionDropped { id }
        }
        Command::ReopenCorrectiveAction { id } => {
            check_dropped_corrective(incident, id)?;
            EventKind::CorrectiveActionReopened { id }
        }
        Command::SetCorrectiveKind { id, kind } => {
            let from = known_corrective(incident, id)?.kind;
            if from == kind {
                return Err(Rejection::new(
                    "unchanged",
                    format!("corrective action C{id} is already {kind}"),
                ));
            }
            EventKind::CorrectiveKindChanged { id, from, to: kind }
        }
        Command::SetSummary { summary } => {
            let summary = optional_text("summary", Some(&summary), MAX_TEXT_CHARS)?;
            if summary == incident.summary {
                return Err(Rejection::new(
                    "unchanged",
                    match summary {
                        Some(_) => "the summary already says exactly that",
                        None => "there is no summary to clear",
                    },
                ));
            }
            EventKind::SummarySet {
                summary: summary.unwrap_or_default(),
            }
        }
        Command::PublicUpdate(update) => {
            EventKind::PublicUpdate(super::public_update::checked(update, now)?)
        }
        // Two incidents change: the caller decides it with both (`merge`).
        Command::MergeInto { into } => {
            return Err(Rejection::new(
                "invalid_input",
                format!("merging into {into} is decided with both incidents (merge)"),
            ));
        }
    };
    Ok(vec![event])
}

/// Who sends a command, and what the backend makes of an acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acting<'a> {
    pub person: &'a str,
    /// `[escalation] ack_takes_command`: acknowledging a page whose commander seat is vacant
    /// makes the acknowledger commander ("I am on it").
    pub ack_takes_command: bool,
}

/// [`decide`] for a person: a first move out of triggered that keeps the incident open,
/// made while the seat is vacant and nobody has commanded before, makes them commander in
/// the same event (with [`Acting::ack_takes_command`]). Once someone has commanded, a new
/// commander needs a brief, so an acknowledgement does not take over silently.
pub fn decide_as(
    incident: &Incident,
    command: Command,
    acting: Acting<'_>,
    now: Timestamp,
    scale: &SeverityScale,
) -> Result<Vec<EventKind>, Rejection> {
    let mut kinds = decide(incident, command, now, scale)?;
    let takes = acting.ack_takes_command
        && incident.status == Status::Triggered
        && incident.roles.commander.is_none()
        && incident.last_commander.is_none()
        && !acting.person.trim().is_empty();
    if takes {
        for kind in &mut kinds {
            if let EventKind::StatusChanged { to, commander, .. } = kind
                && to.is_open()
            {
                *commander = Some(acting.person.trim().to_string());
            }
        }
    }
    Ok(kinds)
}
