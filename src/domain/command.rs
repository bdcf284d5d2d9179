//! Commands and the rules that turn them into events.

use super::review::{ReviewEdit, check_open_corrective, checked_ticket};
use super::{
    AccessRole, ActionState, AlertRef, CorrectiveKind, EventKind, Incident, MAX_SNAPSHOT_VALUES,
    NoteKind, Role, Severity, SeverityScale, SnapshotReason, SnapshotValue, Status, Timestamp,
};
use serde::{Deserialize, Serialize};

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
}

impl Command {
    /// The least access a person needs to send this command.
    pub fn required_access(&self) -> AccessRole {
        match self {
            Command::AddNote { .. }
            | Command::AddAction { .. }
            | Command::CompleteAction { .. }
            | Command::ReopenAction { .. }
            | Command::DropAction { .. }
            | Command::AttachAlert { .. }
            | Command::ResolveAlert { .. }
            | Command::RecordSnapshot { .. }
            | Command::SetReview { .. }
            | Command::AddCorrectiveAction { .. }
            | Command::CompleteCorrectiveAction { .. }
            | Command::DropCorrectiveAction { .. } => AccessRole::Responder,
            Command::Transition { .. }
            | Command::SetSeverity { .. }
            | Command::AssignRole { .. }
            | Command::RelieveRole { .. }
            | Command::SetImpactStart { .. } => AccessRole::Commander,
        }
    }

    /// The review and the corrective actions: learning, which goes on after the close, while
    /// the response record (status, times, roles, notes, action items) is final once closed.
    pub fn is_learning(&self) -> bool {
        matches!(
            self,
            Command::SetReview { .. }
                | Command::AddCorrectiveAction { .. }
                | Command::CompleteCorrectiveAction { .. }
                | Command::DropCorrectiveAction { .. }
        )
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

/// Validates a declaration and returns its events: `declared`, then one `alert_attached`
/// per alert.
pub fn declare(
    new: NewIncident,
    now: Timestamp,
    scale: &SeverityScale,
) -> Result<Vec<EventKind>, Rejection> {
    let title = required_text("title", &new.title, MAX_TITLE_CHARS)?;
    let severity = known_severity(&new.severity, scale)?;
    let service = optional_text("service", new.service.as_deref(), MAX_NAME_CHARS)?;
    let summary = optional_text("summary", new.summary.as_deref(), MAX_TEXT_CHARS)?;
    let detected_at = new.detected_at.unwrap_or(now);
    if detected_at > now {
        return Err(Rejection::new(
            "invalid_time",
            "detection cannot be in the future",
        ));
    }
    if let Some(started) = new.started_at {
        check_impact_start(started, detected_at)?;
    }
    let mut events = vec![EventKind::Declared {
        title,
        severity,
        service,
        summary,
        impact_started_at: new.started_at,
        detected_at,
    }];
    for alert in new.alerts {
        events.push(EventKind::AlertAttached {
            alert: checked_alert(alert)?,
            group: None,
        });
    }
    Ok(events)
}

/// Decides what a command does to an incident: the events to append, or why not.
pub fn decide(
    incident: &Incident,
    command: Command,
    now: Timestamp,
    scale: &SeverityScale,
) -> Result<Vec<EventKind>, Rejection> {
    let closed = incident.status == Status::Closed;
    let refuse_if_closed = |what: &str| {
        if closed {
            Err(Rejection::new(
                "incident_closed",
                format!("{} is closed; {what} can no longer change", incident.id),
            ))
        } else {
            Ok(())
        }
    };
    let event = match command {
        Command::Transition { to } => {
            incident
                .status
                .check_transition(to)
                .map_err(|reason| Rejection::new("invalid_transition", reason))?;
            EventKind::StatusChanged {
                from: incident.status,
                to,
            }
        }
        Command::SetSeverity { severity } => {
            refuse_if_closed("its severity")?;
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
            refuse_if_closed("its roles")?;
            assign_role(incident, role, &person, focus.as_deref(), brief.as_deref())?
        }
        Command::RelieveRole { role, person } => {
            refuse_if_closed("its roles")?;
            relieve_role(incident, role, person.as_deref())?
        }
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
        Command::SetImpactStart { at } => {
            check_impact_start(at, incident.detected_at)?;
            if incident.impact_started_at == Some(at) {
                return Err(Rejection::new(
                    "unchanged",
                    "the impact start is already that time",
                ));
            }
            EventKind::ImpactStartSet { at }
        }
        Command::AttachAlert { alert, group } => {
            refuse_if_closed("its alerts")?;
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
        Command::RecordSnapshot { reason, values } => {
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
            EventKind::MetricSnapshot { reason, values }
        }
        // Learning: allowed in every status, closed included (see `Command::is_learning`).
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
    };
    Ok(vec![event])
}

fn assign_role(
    incident: &Incident,
    role: Role,
    person: &str,
    focus: Option<&str>,
    brief: Option<&str>,
) -> Result<EventKind, Rejection> {
    let person = required_text("person", person, MAX_NAME_CHARS)?;
    let focus = optional_text("focus", focus, MAX_NAME_CHARS)?;
    if role == Role::Engineer {
        let current = incident.roles.engineers.iter().find(|e| e.person == person);
        if current.is_some_and(|e| Some(&e.focus) == focus.as_ref() || focus.is_none()) {
            return Err(Rejection::new(
                "unchanged",
                format!("{person} is already an engineer on {}", incident.id),
            ));
        }
        return Ok(EventKind::RoleAssigned {
            role,
            person,
            focus,
        });
    }
    if focus.is_some() {
        return Err(Rejection::new(
            "invalid_input",
            "only engineers have a focus",
        ));
    }
    match incident.roles.holder(role) {
        Some(holder) if holder == person => Err(Rejection::new(
            "unchanged",
            format!("{person} is already the {}", role.title()),
        )),
        Some(holder) if role == Role::Commander => {
            let brief = brief.map(str::trim).filter(|b| !b.is_empty()).ok_or_else(|| {
                Rejection::new(
                    "brief_required",
                    format!("{holder} is commanding: a transfer of command needs a brief for {person}"),
                )
            })?;
            Ok(EventKind::CommandTransferred {
                from: holder.to_string(),
                to: person,
                brief: required_text("brief", brief, MAX_TEXT_CHARS)?,
            })
        }
        _ => Ok(EventKind::RoleAssigned {
            role,
            person,
            focus: None,
        }),
    }
}

fn relieve_role(
    incident: &Incident,
    role: Role,
    person: Option<&str>,
) -> Result<EventKind, Rejection> {
    let person = if role == Role::Engineer {
        let engineers = &incident.roles.engineers;
        match (person.map(str::trim), engineers.as_slice()) {
            (Some(name), _) if engineers.iter().any(|e| e.person == name) => name.to_string(),
            (Some(name), _) => {
                return Err(Rejection::new(
                    "role_vacant",
                    format!("{name} is not an engineer on {}", incident.id),
                ));
            }
            (None, [only]) => only.person.clone(),
            (None, []) => return Err(Rejection::new("role_vacant", "there are no engineers")),
            (None, _) => {
                return Err(Rejection::new(
                    "invalid_input",
                    "name the engineer to relieve: there are several",
                ));
            }
        }
    } else {
        let holder = incident.roles.holder(role).ok_or_else(|| {
            Rejection::new("role_vacant", format!("the {} is vacant", role.title()))
        })?;
        if person.is_some_and(|name| name.trim() != holder) {
            return Err(Rejection::new(
                "role_vacant",
                format!(
                    "{} is not the {}; {holder} is",
                    person.unwrap_or_default(),
                    role.title()
                ),
            ));
        }
        holder.to_string()
    };
    Ok(EventKind::RoleRelieved { role, person })
}

fn action_move(incident: &Incident, id: u32, to: ActionState) -> Result<(), Rejection> {
    let item = incident.action(id).ok_or_else(|| {
        Rejection::new(
            "unknown_action",
            format!("{} has no action item #{id}", incident.id),
        )
    })?;
    if item.state == to {
        let word = match to {
            ActionState::Open => "open",
            ActionState::Done => "done",
            ActionState::Dropped => "dropped",
        };
        return Err(Rejection::new(
            "unchanged",
            format!("action item #{id} is already {word}"),
        ));
    }
    Ok(())
}

fn checked_alert(alert: AlertRef) -> Result<AlertRef, Rejection> {
    let too_many = alert.labels.len() > 64
        || alert
            .labels
            .iter()
            .any(|(k, v)| k.chars().count() > 256 || v.chars().count() > 1024);
    if too_many {
        return Err(Rejection::new(
            "invalid_input",
            "an alert carries at most 64 labels of 256/1024 characters",
        ));
    }
    Ok(AlertRef {
        fingerprint: required_text("fingerprint", &alert.fingerprint, MAX_NAME_CHARS)?,
        name: required_text("alert name", &alert.name, MAX_TITLE_CHARS)?,
        summary: optional_text("summary", alert.summary.as_deref(), MAX_TEXT_CHARS)?,
        labels: alert.labels,
        starts_at: alert.starts_at,
    })
}

fn checked_snapshot_value(value: SnapshotValue) -> Result<SnapshotValue, Rejection> {
    Ok(SnapshotValue {
        panel: required_text("panel", &value.panel, MAX_TITLE_CHARS)?,
        series: optional_text("series", Some(&value.series), MAX_TITLE_CHARS)?.unwrap_or_default(),
        before: optional_text("before", value.before.as_deref(), MAX_NAME_CHARS)?,
        value: required_text("value", &value.value, MAX_NAME_CHARS)?,
        breached: value.breached,
    })
}

fn check_impact_start(started: Timestamp, detected: Timestamp) -> Result<(), Rejection> {
    if started > detected {
        return Err(Rejection::new(
            "invalid_time",
            format!(
                "impact cannot start after it was detected ({})",
                detected.format("%Y-%m-%d %H:%M:%S UTC")
            ),
        ));
    }
    Ok(())
}

fn seconds_duration(seconds: u64) -> Result<chrono::Duration, Rejection> {
    // A time-box beyond a year is a typo, and would overflow chrono beyond i64 anyway.
    const YEAR: u64 = 366 * 24 * 3600;
    if seconds > YEAR {
        return Err(Rejection::new(
            "invalid_input",
            "a time-box longer than a year is not a time-box",
        ));
    }
    Ok(chrono::Duration::seconds(seconds as i64))
}

fn known_severity(severity: &Severity, scale: &SeverityScale) -> Result<Severity, Rejection> {
    scale
        .parse(severity.as_str())
        .map_err(|reason| Rejection::new("unknown_severity", reason))
}

fn required_text(field: &str, text: &str, max_chars: usize) -> Result<String, Rejection> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Rejection::new(
            "invalid_input",
            format!("the {field} is empty"),
        ));
    }
    if trimmed.chars().count() > max_chars {
        return Err(Rejection::new(
            "invalid_input",
            format!("the {field} is longer than {max_chars} characters"),
        ));
    }
    Ok(trimmed.to_string())
}

fn optional_text(
    field: &str,
    text: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, Rejection> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required_text(field, text, max_chars).map(Some),
    }
}
