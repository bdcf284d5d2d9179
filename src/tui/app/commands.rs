//! What a key or a typed command asks for, made into commands: the incident it applies to
//! and whether we may, the confirmations with their evidence (resolve, impact start), and
//! the outbox entries that send them. `keys` decides which of these a key means.

use super::outbox::{Outgoing, Request};
use super::{Confirm, Effect, Model, Overlay, SettleActions};
use crate::domain::{AccessRole, ActionState, Command, IncidentId, Status};
use crate::tui::keymap::Action;
use std::time::Duration;

/// Asks to confirm resolving, closing or cancelling the selected incident, with the main
/// panel's evidence and a resolve snapshot when resolving.
pub(super) fn confirm_ending(model: &mut Model, to: Status) {
    let verb = match to {
        Status::Resolved => "Resolve",
        Status::Closed => "Close",
        _ => "Cancel as a false alarm",
    };
    let Some(id) = incident_for(model, AccessRole::Commander) else {
        return;
    };
    let (title, impact_start) = model
        .current()
        .map(|t| (t.state.title.clone(), t.state.impact_started_at))
        .unwrap_or_default();
    let evidence = (to == Status::Resolved)
        .then(|| model.metrics.resolve_evidence(model.now, impact_start))
        .flatten();
    let (mut detail, then) = match evidence {
        Some(check) if !check.values.is_empty() => {
            let snapshot = Command::RecordSnapshot {
                reason: crate::domain::SnapshotReason::Resolve,
                values: check.values,
            };
            (vec![check.verdict], vec![snapshot])
        }
        Some(check) => (vec![check.verdict], vec![]),
        None => (vec![], vec![]),
    };
    // Resolving or closing with action items still open: name them, and let the commander
    // carry them to the review (as corrective actions) or drop them with it.
    let mut settle = None;
    if let (Status::Resolved | Status::Closed, Some(incident)) = (to, model.current()) {
        let state = &incident.state;
        let items = state.actions_to_settle();
        if !items.is_empty() {
            let names: Vec<String> = items
                .iter()
                .map(|a| format!("#{} {}", a.id, crate::sanitize::sanitize(&a.text)))
                .collect();
            detail.push(format!(
                "Open action items: {}. y carries them to the review; d drops them.",
                names.join("; ")
            ));
            let me = model.identity.as_ref().map_or("", |i| i.person.as_str());
            settle = Some(Box::new(SettleActions {
                carry: state.carry_to_review(me, model.now),
                drop: state.drop_actions_to_settle(),
            }));
        }
    }
    model.overlay = Overlay::Confirm(Confirm {
        prompt: format!("{verb} {id} \"{}\"?", crate::sanitize::sanitize(&title)),
        detail,
        incident: id,
        command: Command::Transition { to },
        then,
        edit: None,
        settle,
    });
}

pub(super) fn pin(model: &mut Model) -> Vec<Effect> {
    let Some(id) = incident_for(model, AccessRole::Responder) else {
        return vec![];
    };
    let values = model.metrics.pin();
    if values.is_empty() {
        model.notify("no panel has data to pin yet", true);
        return vec![];
    }
    let command = Command::RecordSnapshot {
        reason: crate::domain::SnapshotReason::Pin,
        values,
    };
    send_command(model, id, command, vec![])
}

/// Opens the impact-start proposal for the selected incident; false when there is none.
pub(super) fn propose_impact(model: &mut Model) -> bool {
    let (Some(id), Some(proposal), Some(main)) = (
        model.selected.clone(),
        model.metrics.propose_impact_start(model.now),
        model.metrics.main_panel(),
    ) else {
        return false;
    };
    let at = proposal.breach.at;
    let mut detail = vec![format!(
        "First breach of {}: {} at {}.",
        main.panel.title,
        crate::sanitize::sanitize(&proposal.breach.series),
        main.panel.unit.format(proposal.breach.value)
    )];
    if proposal.at_window_start {
        detail.push("It was breaching at the start of the lookback: it may be earlier.".into());
    }
    model.overlay = Overlay::Confirm(Confirm {
        prompt: format!(
            "Impact on {id} started at {} UTC?",
            at.format("%Y-%m-%d %H:%M:%S")
        ),
        detail,
        incident: id,
        // A breach after detection is offered as such: the panel saw it, so it is a fact.
        command: Command::SetImpactStart {
            at,
            after_detection: true,
        },
        then: vec![],
        edit: Some(format!("impact {}", at.format("%Y-%m-%dT%H:%M:%SZ"))),
        settle: None,
    });
    true
}

/// After declaring here, offer the impact start as soon as the main panel can tell it —
/// only from a main panel filtered by the incident's `$service` (a panel over every service
/// would date someone else's breach), and only when the breach says something the incident
/// does not already (a start at least a minute, and at least one chart step, away
/// from the one it has).
pub(super) fn offer_impact_start(model: &mut Model) {
    let ready = model.offer_impact.is_some()
        && model.offer_impact == model.selected
        && matches!(model.overlay, Overlay::None)
        // Until the feed brings the incident its service is unknown, and the panels show
        // every service's series: no evidence about this one.
        && model.current().is_some()
        && model
            .metrics
            .main_panel()
            .is_some_and(|slot| slot.state.data().is_some());
    if !ready {
        return;
    }
    model.offer_impact = None;
    let Some(incident) = model.current().map(|t| &t.state) else {
        return;
    };
    let for_this_service = incident.service.is_some()
        && model
            .metrics
            .main_panel()
            .is_some_and(|slot| slot.panel.uses_service());
    let known = incident.impact_started_at.unwrap_or(incident.detected_at);
    // A sample dates a breach to within one step of the chart: closer than that (or than a
    // minute) the panel only agrees with what the incident says.
    let step = model
        .metrics
        .main_panel()
        .and_then(|slot| slot.state.data())
        .map_or(0, |data| data.window.step.as_secs() as i64);
    let adds_information = model
        .metrics
        .propose_impact_start(model.now)
        .is_some_and(|proposal| (proposal.breach.at - known).num_seconds().abs() >= step.max(60));
    if for_this_service && adds_information {
        propose_impact(model);
    }
}

/// The selected incident's id, if there is one and we may act on it; otherwise says why.
pub(super) fn incident_for(model: &mut Model, needed: AccessRole) -> Option<IncidentId> {
    if !model.may(needed) {
        refuse_locally(model, needed);
        return None;
    }
    let id = model.selected.clone();
    if id.is_none() {
        let declare = model.keymap.keys_for(Action::Declare);
        model.notify(
            format!("no incident selected — press {declare} to declare one"),
            true,
        );
    }
    id
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
        .and_then(|t| t.state.actions.get(model.action_cursor))
        .map(|item| (item.id, item.state));
    match item {
        Some((action, ActionState::Open)) => {
            send_command(model, id, Command::CompleteAction { action }, vec![])
        }
        Some((action, _)) => send_command(model, id, Command::ReopenAction { action }, vec![]),
        None => {
            let key = model.keymap.keys_for(Action::NewAction);
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
pub(super) fn done_line(summary: &str, sent: &super::Sent) -> String {
    let took = match sent {
        super::Sent::Command(accepted) => accepted.events.iter().find_map(|e| match &e.kind {
            crate::domain::EventKind::StatusChanged {
                commander: Some(commander),
                ..
            } => Some(commander.clone()),
            _ => None,
        }),
        super::Sent::Declared(_) => None,
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
        Command::PublicUpdate(update) => format!("public update ({})", update.state),
        Command::MergeInto { into } => format!("merge into {into}"),
    }
}
