//! The review screen: the summary (the business impact), the 5 whys as a numbered chain,
//! the root cause (offered from the latest decision that names one), contributing factors,
//! what went well and badly, and the corrective actions (`corrective`: asked before a drop,
//! undone after it, their kind changed). Every text is edited with the same `tui-input`
//! widget as the forms; a new corrective action is a form of its own. Each change becomes one
//! command; the screen shows the incident as the feed folds it, so what it shows is what the
//! log holds.

pub mod corrective;
mod rows;

pub use corrective::{Asking, UNDO_SECONDS, Undo};
pub use rows::{Editing, Row, Section, entry, rows};

use super::commands::{refuse_locally, send_command};
use super::form::{Form, FormOutcome, Submission};
use super::overlay::{Hint, Overlay};
use super::{Effect, Model};
use crate::domain::{
    Command, CorrectiveState, Incident, IncidentId, SeverityScale, Status, Timestamp,
    root_cause_from_decisions,
};
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent};
use rows::edit_command;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

#[derive(Debug, Clone)]
pub struct ReviewScreen {
    pub incident: IncidentId,
    pub cursor: usize,
    pub editing: Option<Editing>,
    /// The new-corrective-action form, over the screen.
    pub form: Option<Box<Form>>,
    /// A question about a corrective action (drop it? which kind?), taking every key.
    pub asking: Option<Asking>,
    /// The last drop, which `u` takes back for a few seconds.
    pub undo: Option<Undo>,
}

/// What a key did on the review screen.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewOutcome {
    Stay,
    Close,
    Send(Command),
}

impl ReviewScreen {
    pub fn new(incident: IncidentId) -> Self {
        ReviewScreen {
            incident,
            cursor: 0,
            editing: None,
            form: None,
            asking: None,
            undo: None,
        }
    }

    /// Handles one key against the incident as it stands; `offer` is the root cause the
    /// latest decision names, which editing an empty root cause starts from.
    pub fn handle_key(
        &mut self,
        key: KeyEvent,
        incident: &Incident,
        offer: Option<&str>,
        scale: &SeverityScale,
        now: Timestamp,
    ) -> ReviewOutcome {
        if let Some(form) = self.form.as_mut() {
            return match form.handle_key(key, scale, now) {
                FormOutcome::Editing => ReviewOutcome::Stay,
                FormOutcome::Cancelled => {
                    self.form = None;
                    ReviewOutcome::Stay
                }
                FormOutcome::Submitted(Submission::Command(command)) => {
                    self.form = None;
                    ReviewOutcome::Send(command)
                }
                FormOutcome::Submitted(Submission::Declare(_)) => ReviewOutcome::Stay,
            };
        }
        if let Some(asking) = self.asking.take() {
            return corrective::answer(asking, key.code, now, &mut self.undo);
        }
        if let Some(editing) = self.editing.as_mut() {
            return match key.code {
                KeyCode::Esc => {
                    self.editing = None;
                    ReviewOutcome::Stay
                }
                KeyCode::Enter => self
                    .editing
                    .take()
                    .and_then(|editing| edit_command(incident, &editing))
                    .map_or(ReviewOutcome::Stay, ReviewOutcome::Send),
                _ => {
                    editing.input.handle_event(&TermEvent::Key(key));
                    ReviewOutcome::Stay
                }
            };
        }
        let rows = rows(incident);
        self.cursor = self.cursor.min(rows.len() - 1);
        let row = rows[self.cursor];
        let corrective = &incident.corrective_actions;
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => ReviewOutcome::Close,
            KeyCode::Up | KeyCode::Char('k') => {
                self.cursor = self.cursor.saturating_sub(1);
                ReviewOutcome::Stay
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.cursor = (self.cursor + 1).min(rows.len() - 1);
                ReviewOutcome::Stay
            }
            KeyCode::Char('u') => corrective::undo(&mut self.undo, now),
            KeyCode::Enter | KeyCode::Char('e')
                if row.section == Section::Corrective && row.index == corrective.len() =>
            {
                self.form = Some(Box::new(Form::corrective()));
                ReviewOutcome::Stay
            }
            _ if row.section == Section::Corrective => {
                corrective::on_row(corrective.get(row.index), key.code, &mut self.asking)
            }
            KeyCode::Enter | KeyCode::Char('e') => {
                let current = match (row.section, entry(incident, row)) {
                    (_, Some(text)) => text,
                    (Section::RootCause, None) => offer.unwrap_or_default(),
                    (_, None) => "",
                };
                self.editing = Some(Editing {
                    row,
                    input: Input::new(current.to_string()),
                    insert: false,
                });
                ReviewOutcome::Stay
            }
            KeyCode::Char('i') if row.section.is_list() => {
                self.editing = Some(Editing {
                    row,
                    input: Input::default(),
                    insert: true,
                });
                ReviewOutcome::Stay
            }
            KeyCode::Char('x') | KeyCode::Delete if entry(incident, row).is_some() => {
                let removing = Editing {
                    row,
                    input: Input::default(),
                    insert: false,
                };
                edit_command(incident, &removing).map_or(ReviewOutcome::Stay, ReviewOutcome::Send)
            }
            _ => ReviewOutcome::Stay,
        }
    }

    /// Pasted text goes into the text being edited, on one line.
    pub fn paste(&mut self, text: &str) {
        let input = match (&mut self.form, &mut self.editing) {
            (Some(form), _) => return form.paste(text),
            (None, Some(editing)) => &mut editing.input,
            (None, None) => return,
        };
        for c in text.chars() {
            let c = if c.is_control() { ' ' } else { c };
            input.handle(tui_input::InputRequest::InsertChar(c));
        }
    }
}

const fn hint(key: &'static str, does: &'static str) -> Hint {
    Hint { key, does }
}

/// The keys the screen shows at its foot while a text is edited.
const EDITING_HINTS: [Hint; 3] = [
    hint("enter", "saves"),
    hint("empty text", "removes"),
    hint("esc", "cancels"),
];

impl ReviewScreen {
    /// The keys that work now: an open question's, a text's while one is edited, else the
    /// selected row's.
    pub fn hints(&self, incident: &Incident, now: Timestamp) -> Vec<Hint> {
        if let Some(asking) = self.asking {
            return match asking {
                Asking::Drop { .. } => {
                    vec![hint("y", "drops it"), hint("other keys", "keep it")]
                }
                Asking::Kind { .. } => vec![
                    hint("d", "detective"),
                    hint("p", "preventive"),
                    hint("c", "corrective"),
                    hint("other keys", "keep it"),
                ],
            };
        }
        if self.editing.is_some() {
            return EDITING_HINTS.to_vec();
        }
        let mut hints = vec![hint("↑/↓", "move")];
        let row = rows(incident).get(self.cursor).copied();
        let action = row
            .filter(|row| row.section == Section::Corrective)
            .and_then(|row| incident.corrective_actions.get(row.index));
        match (row, action) {
            (_, Some(action)) => {
                hints.push(hint("enter", "kind"));
                match action.state {
                    CorrectiveState::Open => {
                        hints.push(hint("space", "done"));
                        hints.push(hint("x", "drop"));
                    }
                    CorrectiveState::Dropped => hints.push(hint("o", "reopen")),
                    CorrectiveState::Done => {}
                }
            }
            (Some(row), None) if row.section == Section::Corrective => {
                hints.push(hint("enter", "add"));
            }
            (Some(row), None) => {
                hints.push(hint("enter", "edit"));
                if row.section.is_list() {
                    hints.push(hint("i", "insert"));
                }
                if entry(incident, row).is_some() {
                    hints.push(hint("x", "remove"));
                }
            }
            (None, None) => {}
        }
        if self
            .undo
            .is_some_and(|undo| undo.seconds_left(now).is_some())
        {
            hints.push(hint("u", "undoes the drop"));
        }
        hints.push(hint("esc", "close"));
        hints
    }
}

/// Opens the review of the selected incident, from the moment it is mitigated.
pub(super) fn open(model: &mut Model) -> Vec<Effect> {
    if model.setup.wall {
        model.dirty = false;
        return vec![];
    }
    let Some((id, status)) = model
        .current()
        .map(|t| (t.state.id.clone(), t.state.status))
    else {
        model.notify("no incident selected to review", true);
        return vec![];
    };
    if matches!(
        status,
        Status::Mitigated | Status::Resolved | Status::Closed
    ) {
        model.overlay = Overlay::Review(Box::new(ReviewScreen::new(id)));
    } else {
        model.notify(
            format!("{id} is {status}: the review opens once it is mitigated"),
            true,
        );
    }
    vec![]
}

/// A key on the review screen, against the incident as the feed has folded it; a change it
/// makes is sent as a command for the reviewed incident.
pub(super) fn on_key(
    model: &mut Model,
    mut screen: Box<ReviewScreen>,
    key: KeyEvent,
) -> Vec<Effect> {
    let Some(tracked) = model.incidents.get(&screen.incident) else {
        return vec![]; // the incident is gone from memory: nothing left to review here
    };
    let offer = root_cause_from_decisions(&tracked.events);
    let outcome = screen.handle_key(
        key,
        &tracked.state,
        offer.as_deref(),
        &model.scale,
        model.now,
    );
    let id = screen.incident.clone();
    match outcome {
        ReviewOutcome::Close => vec![],
        ReviewOutcome::Stay => {
            model.overlay = Overlay::Review(screen);
            vec![]
        }
        ReviewOutcome::Send(command) => {
            model.overlay = Overlay::Review(screen);
            if model.may(command.required_access()) {
                send_command(model, id, command, vec![])
            } else {
                refuse_locally(model, command.required_access());
                vec![]
            }
        }
    }
}
