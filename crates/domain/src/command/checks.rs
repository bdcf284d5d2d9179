//! The checks and small rules `decide` applies: roles and their briefs, action items, alerts,
//! snapshots, impact starts and bounded text.

use super::*;

/// A brief given with an assignment that is not a transfer of command (an engineer taking a
/// focus, a first commander, a scribe) is kept as a note after it: never dropped in silence.
pub(super) fn with_brief(
    assigned: EventKind,
    brief: Option<&str>,
) -> Result<Vec<EventKind>, Rejection> {
    let brief = brief.map(str::trim).filter(|b| !b.is_empty());
    let (EventKind::RoleAssigned { role, person, .. }, Some(brief)) = (&assigned, brief) else {
        return Ok(vec![assigned]);
    };
    let note = EventKind::NoteAdded {
        kind: NoteKind::Note,
        text: required_text(
            "brief",
            &format!("brief for {person} ({role}): {brief}"),
            MAX_TEXT_CHARS,
        )?,
    };
    Ok(vec![assigned, note])
}

pub(super) fn assign_role(
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
        // Once anyone has commanded, every new commander takes over from someone: the last
        // one, even if the seat was vacant in between, and needs to know what they knew.
        holder
            if role == Role::Commander
                && (holder.is_some() || incident.last_commander.is_some()) =>
        {
            let from = holder
                .or(incident.last_commander.as_deref())
                .unwrap_or_default();
            let brief = brief
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .ok_or_else(|| {
                    let why = match holder {
                        Some(holder) => format!("{holder} is commanding"),
                        None => format!("{from} commanded before"),
                    };
                    Rejection::new(
                        "brief_required",
                        format!("{why}: a transfer of command needs a brief for {person}"),
                    )
                })?;
            Ok(EventKind::CommandTransferred {
                from: from.to_string(),
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

pub(super) fn relieve_role(
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

pub(super) fn action_move(incident: &Incident, id: u32, to: ActionState) -> Result<(), Rejection> {
    let item = incident.action(id).ok_or_else(|| {
        Rejection::new(
            "unknown_action",
            format!("{} has no action item #{id}", incident.id),
        )
    })?;
    if item.state == to {
        return Err(Rejection::new(
            "unchanged",
            format!("action item #{id} is already {}", to.as_str()),
        ));
    }
    Ok(())
}

pub(super) fn checked_alert(alert: AlertRef) -> Result<AlertRef, Rejection> {
    let too_many = alert.labels.len() > MAX_LABELS
        || alert.labels.iter().any(|(k, v)| {
            k.chars().count() > MAX_LABEL_NAME_CHARS || v.chars().count() > MAX_LABEL_VALUE_CHARS
        });
    if too_many {
        return Err(Rejection::new(
            "invalid_input",
            format!(
                "an alert carries at most {MAX_LABELS} labels of \
                 {MAX_LABEL_NAME_CHARS}/{MAX_LABEL_VALUE_CHARS} characters"
            ),
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

pub(super) fn checked_snapshot_value(value: SnapshotValue) -> Result<SnapshotValue, Rejection> {
    Ok(SnapshotValue {
        panel: required_text("panel", &value.panel, MAX_TITLE_CHARS)?,
        series: optional_text("series", Some(&value.series), MAX_TITLE_CHARS)?.unwrap_or_default(),
        before: optional_text("before", value.before.as_deref(), MAX_NAME_CHARS)?,
        value: required_text("value", &value.value, MAX_NAME_CHARS)?,
        breached: value.breached,
    })
}

pub(super) fn check_impact_start(
    started: Timestamp,
    after_detection: bool,
    detected: Timestamp,
    now: Timestamp,
) -> Result<(), Rejection> {
    if started > now {
        return Err(Rejection::new(
            "invalid_time",
            "the impact cannot start in the future: set it once it has started",
        ));
    }
    if started > detected && !after_detection {
        return Err(Rejection::new(
            "invalid_time",
            format!(
                "the impact start is after the detection ({}); if a predictive alert fired \
                 before the impact, set it marked as after detection (`after_detection`)",
                detected.format("%Y-%m-%d %H:%M:%S UTC")
            ),
        ));
    }
    Ok(())
}

pub(super) fn seconds_duration(seconds: u64) -> Result<chrono::Duration, Rejection> {
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

pub(super) fn known_severity(
    severity: &Severity,
    scale: &SeverityScale,
) -> Result<Severity, Rejection> {
    scale
        .parse(severity.as_str())
        .map_err(|reason| Rejection::new("unknown_severity", reason))
}

pub(crate) fn required_text(
    field: &str,
    text: &str,
    max_chars: usize,
) -> Result<String, Rejection> {
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

pub(crate) fn optional_text(
    field: &str,
    text: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, Rejection> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required_text(field, text, max_chars).map(Some),
    }
}
