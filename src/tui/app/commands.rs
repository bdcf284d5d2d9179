//! What a key, a typed line or a dialog asks for, made into commands: the incident it applies
//! to and whether we may, the outbox entries that send them, and what the backend's answers
//! do. The desk (`desk`), the `:` line and the overlays decide which of these a key means.

use super::outbox::{Outgoing, Request};
use super::overlay::Overlay;
use super::{Effect, Model, Sent, opening};
use crate::client::ClientError;
use crate::domain::{AccessRole, ActionState, Command, IncidentId, Status};
use crate::tui::keymap::Action;
use std::time::Duration;

pub(super) fn pin(model: &mut Model) -> Vec<Effect> {
    let Some(id) = incident_for(model, AccessRole::Responder) else {
        return vec![];
    };
    let (values, as_of) = model.metrics.pin();
    if values.is_empty() {
        model.notify("no panel has data to pin yet", true);
        return vec![];
    }
    let command = Command::RecordSnapshot {
        reason: crate::domain::SnapshotReason::Pin,
        values,
        as_of,
    };
    send_command(model, id, command, vec![])
}

/// The incident on screen, if there is one and we may act on it; otherwise says why. An
/// action takes it when it begins (a key, or a form, a picker or the `:` line opening) and
/// keeps it to the end: what the screen shows meanwhile does not move it ([`bound`]).
pub(super) fn incident_for(model: &mut Model, needed: AccessRole) -> Option<IncidentId> {
    let on_screen = model.desk.selected.clone();
    bound(model, needed, on_screen)
}

/// The incident an action began on (`None`: none was on screen), if we may act on it;
/// otherwise says why.
pub(super) fn bound(
    model: &mut Model,
    needed: AccessRole,
    incident: Option<IncidentId>,
) -> Option<IncidentId> {
    if !model.may(needed) {
        refuse_locally(model, needed);
        return None;
    }
    if incident.is_none() {
        let declare = model.setup.keymap.keys_for(Action::Declare);
        model.notify(
            format!("no incident was on screen — press {declare} to declare one"),
            true,
        );
    }
    incident
}

pub(super) fn refuse_locally(model: &mut Model, needed: AccessRole) {
    let role = model
        .identity
        .as_ref()
        .map_or(AccessRole::Viewer, |i| i.role);
    model.notify(format!("you are a {role}: this needs {needed}"), true);
}

pub(super) fn transition(model: &mut Model, to: Status) -> Vec<Effect> {
    match incident_for(model, AccessRole::Commander) {
        Some(id) => send_command(model, id, Command::Transition { to }, vec![]),
        None => vec![],
    }
}

pub(super) fn toggle_action(model: &mut Model) -> Vec<Effect> {
    let Some(id) = incident_for(model, AccessRole::Responder) else {
        return vec![];
    };
    let item = model
        .current()
        .and_then(|t| t.state.actions.get(model.desk.action_cursor))
        .map(|item| (item.id, item.state));
    match item {
        Some((action, ActionState::Open)) => {
            send_command(model, id, Command::CompleteAction { action }, vec![])
        }
        Some((action, _)) => send_command(model, id, Command::ReopenAction { action }, vec![]),
        None => {
            let key = model.setup.keymap.keys_for(Action::NewAction);
            model.notify(
                format!("no action item selected — press {key} to add one"),
                true,
            );
            vec![]
        }
    }
}

pub(super) fn send_command(
    model: &mut Model,
    incident: IncidentId,
    command: Command,
    then: Vec<Command>,
) -> Vec<Effect> {
    let summary = format!("{} {incident}", describe_command(&command));
    let request = Request::Command { incident, command };
    let (_, ready) = model.outbox.enqueue(request, summary, then, model.now);
    sends(ready)
}

pub(super) fn declare(model: &mut Model, new: crate::domain::NewIncident) -> Vec<Effect> {
    let summary = format!("declare {} \"{}\"", new.severity, new.title);
    let (key, ready) = model
        .outbox
        .enqueue(Request::Declare(new), summary, vec![], model.now);
    model.awaiting_declaration = Some(key);
    sends(ready)
}

/// Sends a request now, if the outbox says it may go.
pub(super) fn sends(ready: Option<Outgoing>) -> Vec<Effect> {
    ready
        .into_iter()
        .map(|outgoing| Effect::Send {
            outgoing,
            delay: Duration::ZERO,
        })
        .collect()
}

/// The confirmation line of a command the backend took: what was sent, and what the backend
/// made of it beyond that (an acknowledgement that took command: "you are on it").
pub(super) fn done_line(summary: &str, sent: &Sent) -> String {
    let took = match sent {
        Sent::Command(accepted) => accepted.events.iter().find_map(|e| match &e.kind {
            crate::domain::EventKind::StatusChanged {
                commander: Some(commander),
                ..
            } => Some(commander.clone()),
            _ => None,
        }),
        Sent::Declared(_) => None,
    };
    match took {
        Some(commander) => format!(
            "done: {summary} — {} takes command",
            crate::sanitize::sanitize(&commander)
        ),
        None => format!("done: {summary}"),
    }
}

/// A few words for the status line: "mitigate", "severity P0", "note".
pub(super) fn describe_command(command: &Command) -> String {
    match command {
        Command::Transition { to } => format!("→ {to}"),
        Command::SetSeverity { severity } => format!("severity {severity}"),
        Command::AssignRole { role, person, .. } => format!("{person} as {role}"),
        Command::RelieveRole { role, .. } => format!("relieve {role}"),
        Command::AddNote { kind, .. } => kind.as_str().to_string(),
        Command::AddAction { .. } => "new action item".into(),
        Command::CompleteAction { action } => format!("#{action} done"),
        Command::ReopenAction { action } => format!("#{action} reopened"),
        Command::DropAction { action } => format!("#{action} dropped"),
        Command::SetImpactStart { .. } => "impact start".into(),
        Command::AttachAlert { alert, .. } => format!("attach {}", alert.name),
        Command::ResolveAlert { .. } => "alert resolved".into(),
        Command::RecordSnapshot { .. } => "metric snapshot".into(),
        Command::SetReview { .. } => "review".into(),
        Command::AddCorrectiveAction { .. } => "new corrective action".into(),
        Command::CompleteCorrectiveAction { id } => format!("C{id} done"),
        Command::DropCorrectiveAction { id } => format!("C{id} dropped"),
        Command::ReopenCorrectiveAction { id } => format!("C{id} reopened"),
        Command::SetCorrectiveKind { id, kind } => format!("C{id} {kind}"),
        Command::SetSummary { .. } => "summary".into(),
        Command::PublicUpdate(update) => format!("public update ({})", update.state),
        Command::MergeInto { into } => format!("merge into {into}"),
    }
}

/// The backend's answer to something the outbox sent: the next command of the incident goes,
/// a declaration made here is selected, and a refusal is said; a quit that waited on the
/// answer goes ahead, or, after a refusal, waits for the person again.
pub(super) fn on_sent(
    model: &mut Model,
    key: String,
    result: Result<Sent, ClientError>,
) -> Vec<Effect> {
    let effects = answered(model, key, result);
    super::quit::once_answered(model);
    effects
}

fn answered(model: &mut Model, key: String, result: Result<Sent, ClientError>) -> Vec<Effect> {
    match result {
        Ok(sent) => {
            let Some((pending, next)) = model.outbox.take(&key) else {
                return vec![];
            };
            let mut effects = sends(next);
            let incident = match (&sent, &pending.outgoing.request) {
                (Sent::Declared(incident), _) => {
                    let mine = model.awaiting_declaration.as_deref() == Some(key.as_str());
                    if mine {
                        model.awaiting_declaration = None;
                        model.offer_impact = Some(incident.id.clone());
                    }
                    // What we declared is shown, unless something is being typed or asked
                    // meanwhile: then the screen stays, and the notice says where it is.
                    if mine && matches!(model.overlay, Overlay::None) {
                        model.select(Some(incident.id.clone()));
                        model.notify(format!("declared {}", incident.id), false);
                    } else {
                        let go = format!(":go {}", incident.id);
                        model.notify(format!("declared {} ({go})", incident.id), false);
                    }
                    incident.id.clone()
                }
                (_, Request::Command { incident, .. }) => {
                    model.notify(done_line(&pending.summary, &sent), false);
                    effects.extend(opening::catch_up(model, incident));
                    incident.clone()
                }
                (_, Request::Declare(_)) => return effects,
            };
            for command in pending.then {
                effects.extend(send_command(model, incident.clone(), command, vec![]));
            }
            effects
        }
        Err(error) if error.is_transient() => match model.outbox.failed(&key, error.reason()) {
            Some((outgoing, delay)) => vec![Effect::Send { outgoing, delay }],
            None => vec![],
        },
        Err(error) => {
            // Refused: the next command of the incident goes on; the refusal is said.
            let Some((pending, next)) = model.outbox.take(&key) else {
                return vec![];
            };
            model.notify(
                format!("refused ({}): {}", pending.summary, error.reason()),
                true,
            );
            super::quit::refusal_said(model);
            sends(next)
        }
    }
}
