//! A command that asks first: resolving, closing or cancelling (with the main panel's
//! evidence, and the open action items to keep, carry or drop), a public update (with what
//! the public will read) and the impact start the panels propose. `y` (or Enter) sends it,
//! `n` (or Esc) drops it, `e` edits the proposal on the `:` line. With open action items,
//! `y` (or `k`) keeps them open on the incident, `c` carries them into the review and `d`
//! drops them with the ending.

use super::commands::send_command;
use super::overlay::{Hint, Overlay};
use super::{Effect, Model, command_line};
use crate::domain::{Command, IncidentId, Settlement, Status};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

/// A command that asks first.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub prompt: String,
    /// Evidence under the question (the main panel's verdict before a resolve).
    pub detail: Vec<String>,
    pub incident: IncidentId,
    pub command: Command,
    /// Sent after the command is accepted (the resolve's metric snapshot).
    pub then: Vec<Command>,
    /// What `e` puts on the command line to edit the proposal instead.
    pub edit: Option<String>,
    /// A resolve or close with open action items: how `c` carries them and `d` drops them
    /// (`y` and `k` keep them open).
    pub settle: Option<Box<SettleActions>>,
}

/// The open action items a resolve or close would leave behind, and what settles them
/// when they are not kept.
#[derive(Debug, Clone, PartialEq)]
pub struct SettleActions {
    /// What `c` sends after the ending: each item copied into the review as a corrective
    /// action.
    pub carry: Vec<Command>,
    /// What `d` sends before the ending instead: each item dropped.
    pub drop: Vec<Command>,
}

/// Asks to confirm resolving, closing or cancelling incident `id` (the one the action began
/// on, its commander's), with the main panel's evidence and a resolve snapshot when
/// resolving.
pub(super) fn confirm_ending(model: &mut Model, id: IncidentId, to: Status) {
    let verb = match to {
        Status::Resolved => "Resolve",
        Status::Closed => "Close",
        _ => "Cancel as a false alarm",
    };
    let incident = model.incidents.get(&id);
    let (title, impact_start) = incident
        .map(|t| (t.state.title.clone(), t.state.impact_started_at))
        .unwrap_or_default();
    // The panels follow the incident on screen: they are evidence only about that one.
    let on_screen = model.desk.selected.as_ref() == Some(&id);
    let evidence = (to == Status::Resolved && on_screen)
        .then(|| model.metrics.resolve_evidence(model.now, impact_start))
        .flatten();
    let (mut detail, then) = match evidence {
        Some(check) if !check.values.is_empty() => {
            let snapshot = Command::RecordSnapshot {
                reason: crate::domain::SnapshotReason::Resolve,
                values: check.values,
                as_of: check.as_of,
            };
            (vec![check.verdict], vec![snapshot])
        }
        Some(check) => (vec![check.verdict], vec![]),
        None => (vec![], vec![]),
    };
    // Resolving or closing with action items still open: name them, and let the commander
    // keep them open (a task still to finish, such as a customer update), carry them to the
    // review (as corrective actions) or drop them with it.
    let mut settle = None;
    if let (Status::Resolved | Status::Closed, Some(incident)) = (to, model.incidents.get(&id)) {
        let state = &incident.state;
        let items = state.actions_to_settle();
        if !items.is_empty() {
            let names: Vec<String> = items
                .iter()
                .map(|a| format!("#{} {}", a.id, crate::sanitize::sanitize(&a.text)))
                .collect();
            detail.push(format!(
                "Open action items: {}. y or k keeps them open here; c carries them to the review \
                 as corrective actions; d drops them.",
                names.join("; ")
            ));
            let me = model.identity.as_ref().map_or("", |i| i.person.as_str());
            settle = Some(Box::new(SettleActions {
                carry: state.settle_actions(Settlement::Carry, me, model.now).after,
                drop: state.settle_actions(Settlement::Drop, me, model.now).before,
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

impl Confirm {
    /// The keys the dialog shows under its question.
    pub fn hints(&self) -> Vec<Hint> {
        let hint = |key, does| Hint { key, does };
        let mut hints = if self.settle.is_some() {
            vec![
                hint("y/k", "keep open"),
                hint("c", "carry"),
                hint("d", "drop"),
            ]
        } else {
            vec![hint("y", "confirm")]
        };
        hints.push(hint("n", "cancel"));
        if self.edit.is_some() {
            hints.push(hint("e", "edit"));
        }
        hints
    }
}

pub(super) fn on_key(model: &mut Model, confirm: Confirm, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        // Without items to settle, or keeping them open: the command alone.
        KeyCode::Char('y' | 'Y') | KeyCode::Enter => confirmed(model, confirm, false),
        KeyCode::Char('k') if confirm.settle.is_some() => confirmed(model, confirm, false),
        KeyCode::Char('c') if confirm.settle.is_some() => confirmed(model, confirm, true),
        KeyCode::Char('d') if confirm.settle.is_some() => {
            // The drops go first: a closed incident refuses changes to its items. Each is
            // queued on its own, so a refused drop does not take the ending with it; the
            // incident's lane keeps the order, and every command is dated by this key.
            let mut effects = Vec::new();
            for drop in confirm.settle.map(|s| s.drop).unwrap_or_default() {
                effects.extend(send_command(model, confirm.incident.clone(), drop, vec![]));
            }
            let ending = ends_publicly(&confirm.command);
            effects.extend(send_command(
                model,
                confirm.incident,
                confirm.command,
                confirm.then,
            ));
            if ending {
                super::composer::offer_resolution(model);
            }
            effects
        }
        KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => vec![],
        KeyCode::Char('e') if confirm.edit.is_some() => {
            let line = confirm.edit.unwrap_or_default();
            command_line::open_with(model, line, Some(confirm.incident));
            vec![]
        }
        _ => {
            model.overlay = Overlay::Confirm(confirm);
            model.dirty = false;
            vec![]
        }
    }
}

/// Sends the confirmed command (with the open items carried into the review after it when
/// `carry`), then offers the public its resolution when the command ends the response.
fn confirmed(model: &mut Model, confirm: Confirm, carry: bool) -> Vec<Effect> {
    // The carried items follow the ending, each on its own in the incident's lane: a review
    // accepts them in every status, closed included.
    let mut then = confirm.then;
    if carry {
        then.extend(confirm.settle.map(|s| s.carry).unwrap_or_default());
    }
    let ending = ends_publicly(&confirm.command);
    let effects = send_command(model, confirm.incident, confirm.command, then);
    if ending {
        super::composer::offer_resolution(model);
    }
    effects
}

/// Whether a confirmed command ends the response, after which the public is owed a
/// resolution.
fn ends_publicly(command: &Command) -> bool {
    matches!(
        command,
        Command::Transition {
            to: Status::Resolved | Status::Cancelled
        }
    )
}
