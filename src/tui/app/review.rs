//! The review screen: the 5 whys as a numbered chain, the root cause, contributing factors,
//! what went well and badly, and the corrective actions. Every text is edited with the same
//! `tui-input` widget as the forms; a new corrective action is a form of its own. Each change
//! becomes one `set_review` (or corrective-action) command; the screen shows the incident as
//! the feed folds it, so what it shows is what the log holds.

use super::commands::{refuse_locally, send_command};
use super::form::{Form, FormOutcome, Submission};
use super::overlay::{Hint, Overlay};
use super::{Effect, Model};
use crate::domain::{
    Command, CorrectiveAction, CorrectiveState, IncidentId, Review, SeverityScale, Status,
    Timestamp, WHY_LEVELS,
};
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// The parts of the review, in screen order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Why,
    RootCause,
    Factor,
    WentWell,
    WentBadly,
    Corrective,
}

impl Section {
    pub fn title(self) -> &'static str {
        match self {
            Section::Why => "Five whys",
            Section::RootCause => "Root cause",
            Section::Factor => "Contributing factors",
            Section::WentWell => "What went well",
            Section::WentBadly => "What went badly",
            Section::Corrective => "Corrective actions",
        }
    }
}

/// One line of the screen: an entry of a section, or the empty slot after its last entry
/// (`index` = the number of entries), where a new one is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub section: Section,
    pub index: usize,
}

/// The rows of a review: at least [`WHY_LEVELS`] whys, then one slot more than there are
/// entries in each list.
pub fn rows(review: &Review, corrective: &[CorrectiveAction]) -> Vec<Row> {
    let row = |section, index| Row { section, index };
    let mut rows: Vec<Row> = (0..WHY_LEVELS.max(review.whys.len() + 1))
        .map(|i| row(Section::Why, i))
        .collect();
    rows.push(row(Section::RootCause, 0));
    for (section, len) in [
        (Section::Factor, review.contributing_factors.len()),
        (Section::WentWell, review.went_well.len()),
        (Section::WentBadly, review.went_badly.len()),
        (Section::Corrective, corrective.len()),
    ] {
        rows.extend((0..=len).map(|i| row(section, i)));
    }
    rows
}

/// A text being edited: which row, and whether it goes in before the row or replaces it.
#[derive(Debug, Clone)]
pub struct Editing {
    pub row: Row,
    pub input: Input,
    pub insert: bool,
}

#[derive(Debug, Clone)]
pub struct ReviewScreen {
    pub incident: IncidentId,
    pub cursor: usize,
    pub editing: Option<Editing>,
    /// The new-corrective-action form, over the screen.
    pub form: Option<Box<Form>>,
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
        }
    }

    /// Handles one key against the review as it stands.
    pub fn handle_key(
        &mut self,
        key: KeyEvent,
        review: &Review,
        corrective: &[CorrectiveAction],
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
        if let Some(editing) = self.editing.as_mut() {
            return match key.code {
                KeyCode::Esc => {
                    self.editing = None;
                    ReviewOutcome::Stay
                }
                KeyCode::Enter => self
                    .editing
                    .take()
                    .and_then(|editing| edit_command(review, &editing))
                    .map_or(ReviewOutcome::Stay, ReviewOutcome::Send),
                _ => {
                    editing.input.handle_event(&TermEvent::Key(key));
                    ReviewOutcome::Stay
                }
            };
        }
        let rows = rows(review, corrective);
        self.cursor = self.cursor.min(rows.len() - 1);
        let row = rows[self.cursor];
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
            KeyCode::Enter | KeyCode::Char('e') => {
                match row.section {
                    Section::Corrective if row.index == corrective.len() => {
                        self.form = Some(Box::new(Form::corrective()));
                    }
                    Section::Corrective => {}
                    _ => {
                        let current = entry(review, row).unwrap_or_default();
                        self.editing = Some(Editing {
                            row,
                            input: Input::new(current.to_string()),
                            insert: false,
                        });
                    }
                }
                ReviewOutcome::Stay
            }
            KeyCode::Char('i')
                if !matches!(row.section, Section::RootCause | Section::Corrective) =>
            {
                self.editing = Some(Editing {
                    row,
                    input: Input::default(),
                    insert: true,
                });
                ReviewOutcome::Stay
            }
            KeyCode::Char('x') | KeyCode::Delete => match row.section {
                Section::Corrective => corrective_move(corrective, row, false),
                _ if entry(review, row).is_some() => {
                    let removing = Editing {
                        row,
                        input: Input::default(),
                        insert: false,
                    };
                    edit_command(review, &removing).map_or(ReviewOutcome::Stay, ReviewOutcome::Send)
                }
                _ => ReviewOutcome::Stay,
            },
            KeyCode::Char(' ') if row.section == Section::Corrective => {
                corrective_move(corrective, row, true)
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

/// The keys the screen shows at its foot while a text is edited.
const EDITING_HINTS: [Hint; 3] = [
    Hint {
        key: "enter",
        does: "saves",
    },
    Hint {
        key: "empty text",
        does: "removes",
    },
    Hint {
        key: "esc",
        does: "cancels",
    },
];

/// The keys the screen shows at its foot while moving between rows.
const BROWSING_HINTS: [Hint; 6] = [
    Hint {
        key: "↑/↓",
        does: "move",
    },
    Hint {
        key: "enter",
        does: "edit",
    },
    Hint {
        key: "i",
        does: "insert",
    },
    Hint {
        key: "x",
        does: "remove/drop",
    },
    Hint {
        key: "space",
        does: "done",
    },
    Hint {
        key: "esc",
        does: "close",
    },
];

impl ReviewScreen {
    /// The keys that work now: a text's while one is edited, the rows' otherwise.
    pub fn hints(&self) -> &'static [Hint] {
        if self.editing.is_some() {
            &EDITING_HINTS
        } else {
            &BROWSING_HINTS
        }
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

/// A key on the review screen, against the review as the feed has folded it; a change it
/// makes is sent as a command for the reviewed incident.
pub(super) fn on_key(
    model: &mut Model,
    mut screen: Box<ReviewScreen>,
    key: KeyEvent,
) -> Vec<Effect> {
    let Some(state) = model.incidents.get(&screen.incident).map(|t| &t.state) else {
        return vec![]; // the incident is gone from memory: nothing left to review here
    };
    let (review, corrective) = (state.review.clone(), state.corrective_actions.clone());
    let outcome = screen.handle_key(key, &review, &corrective, &model.scale, model.now);
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

/// The text at a row, if the row holds an entry.
pub fn entry(review: &Review, row: Row) -> Option<&str> {
    let list = match row.section {
        Section::Why => &review.whys,
        Section::RootCause => {
            return Some(review.root_cause.as_str()).filter(|text| !text.is_empty());
        }
        Section::Factor => &review.contributing_factors,
        Section::WentWell => &review.went_well,
        Section::WentBadly => &review.went_badly,
        Section::Corrective => return None,
    };
    list.get(row.index).map(String::as_str)
}

/// The `set_review` an edit means: the whole new list of the row's section (an empty text
/// removes the entry), or `None` when nothing changes.
fn edit_command(review: &Review, editing: &Editing) -> Option<Command> {
    let text = editing.input.value().trim().to_string();
    let row = editing.row;
    if row.section == Section::RootCause {
        return (text != review.root_cause).then_some(Command::SetReview {
            whys: None,
            root_cause: Some(text),
            contributing_factors: None,
            went_well: None,
            went_badly: None,
        });
    }
    let mut list = match row.section {
        Section::Why => review.whys.clone(),
        Section::Factor => review.contributing_factors.clone(),
        Section::WentWell => review.went_well.clone(),
        _ => review.went_badly.clone(),
    };
    let at = row.index.min(list.len());
    match (text.is_empty(), editing.insert || at == list.len()) {
        (true, true) => return None,
        (true, false) => {
            list.remove(at);
        }
        (false, true) => list.insert(at, text),
        (false, false) => list[at] = text,
    }
    let (mut whys, mut factors, mut well, mut badly) = (None, None, None, None);
    let slot = match row.section {
        Section::Why => &mut whys,
        Section::Factor => &mut factors,
        Section::WentWell => &mut well,
        _ => &mut badly,
    };
    *slot = Some(list);
    Some(Command::SetReview {
        whys,
        root_cause: None,
        contributing_factors: factors,
        went_well: well,
        went_badly: badly,
    })
}

/// Space marks the corrective action done, `x` drops it; closed ones stay as they are.
fn corrective_move(corrective: &[CorrectiveAction], row: Row, done: bool) -> ReviewOutcome {
    match corrective.get(row.index) {
        Some(action) if action.state == CorrectiveState::Open => ReviewOutcome::Send(if done {
            Command::CompleteCorrectiveAction { id: action.id }
        } else {
            Command::DropCorrectiveAction { id: action.id }
        }),
        _ => ReviewOutcome::Stay,
    }
}
