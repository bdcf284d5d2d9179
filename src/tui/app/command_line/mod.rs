//! The `:` command line: a line at the foot of the screen where everything the keys do can be
//! typed (`:sev P0`, `:note …`, `:go INC-7`). Enter runs the line, Esc leaves it, Up and Down
//! walk the lines typed before (`history`), Tab completes the word under the cursor
//! (`completion`). `grammar` turns a line into what it asks for; this file runs it.

pub mod completion;
mod grammar;
pub mod history;

pub use grammar::{Typed, VERBS, Verb, VerbId, parse};

use super::commands::{bound, declare, refuse_locally, send_command};
use super::confirm::confirm_ending;
use super::overlay::{Hint, Overlay};
use super::{
    Effect, Model, Notice, composer, followups, incident_list, learn, opening, quit, review,
};
use crate::domain::{AccessRole, Command, IncidentId, Status};
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// The line's own keys, as the `:help` list names them.
pub const HINTS: [Hint; 2] = [
    Hint {
        key: "tab",
        does: "completes",
    },
    Hint {
        key: "↑/↓",
        does: "history",
    },
];

/// The line being typed, and the incident that was on screen when `:` was pressed: what the
/// line asks for is done to that one, whatever the screen shows by the time Enter is.
#[derive(Debug, Clone, Default)]
pub struct CommandLine {
    pub input: Input,
    pub incident: Option<IncidentId>,
}

/// Opens an empty line for the incident on screen.
pub(super) fn open(model: &mut Model) {
    open_with(model, String::new(), model.desk.selected.clone());
}

/// Opens the line holding `text`, for `incident`.
pub(super) fn open_with(model: &mut Model, text: String, incident: Option<IncidentId>) {
    model.overlay = Overlay::CommandLine(CommandLine {
        input: Input::new(text),
        incident,
    });
}

pub(super) fn on_key(model: &mut Model, line: CommandLine, key: KeyEvent) -> Vec<Effect> {
    let CommandLine {
        mut input,
        incident,
    } = line;
    let keep = |model: &mut Model, input: Input, incident: Option<IncidentId>| {
        model.overlay = Overlay::CommandLine(CommandLine { input, incident });
    };
    match key.code {
        KeyCode::Esc => {
            model.history.restart();
            vec![]
        }
        KeyCode::Enter => {
            let mut effects = vec![];
            if model.history.record(input.value()) {
                effects.push(Effect::SaveHistory(model.history.lines.clone()));
            }
            effects.extend(run(model, input.value(), incident));
            effects
        }
        KeyCode::Up | KeyCode::Down => {
            if let Some(line) = model.history.step(key.code == KeyCode::Up) {
                input = Input::new(line.to_string());
            }
            keep(model, input, incident);
            vec![]
        }
        KeyCode::Tab => {
            if let Some(done) = completion::complete(input.value(), model) {
                input = Input::new(done.line);
                if !done.choices.is_empty() {
                    // The choices are a hint, not news: shown, not logged.
                    model.notice = Some(Notice {
                        text: done.choices.join("  "),
                        error: false,
                        at: model.now,
                    });
                }
            }
            keep(model, input, incident);
            vec![]
        }
        _ => {
            input.handle_event(&TermEvent::Key(key));
            keep(model, input, incident);
            vec![]
        }
    }
}

/// Pasted text is typed into the line; control characters (a newline) are left out.
pub(super) fn paste(input: &mut Input, text: &str) {
    for c in text.chars().filter(|c| !c.is_control()) {
        input.handle(tui_input::InputRequest::InsertChar(c));
    }
}

/// Runs a typed line: what it asks for, as its key would do it, to the incident that was on
/// screen when the line was opened.
fn run(model: &mut Model, line: &str, incident: Option<IncidentId>) -> Vec<Effect> {
    match parse(line, &model.scale, model.now) {
        Err(reason) => {
            model.notify(reason, true);
            vec![]
        }
        Ok(Typed::List) => incident_list::open(model),
        Ok(Typed::Quit) => {
            quit::quit_or_ask(model);
            vec![]
        }
        Ok(Typed::Compose) => {
            composer::open(model);
            vec![]
        }
        Ok(Typed::Help) => {
            model.overlay = Overlay::Commands;
            vec![]
        }
        Ok(Typed::Messages) => {
            model.overlay = Overlay::Messages;
            vec![]
        }
        // Ending an incident asks the same question, with the same evidence, as its key.
        Ok(Typed::Command(Command::Transition {
            to: to @ (Status::Resolved | Status::Closed | Status::Cancelled),
        })) => {
            if let Some(id) = bound(model, AccessRole::Commander, incident) {
                confirm_ending(model, id, to);
            }
            vec![]
        }
        Ok(Typed::EditSummary) => {
            // The summary as it stands, on the line again, to be edited and sent.
            // The summary of the incident the line was opened for, and the line stays bound to it.
            let summary = incident
                .as_ref()
                .and_then(|id| model.incidents.get(id))
                .and_then(|t| t.state.summary.clone())
                .unwrap_or_default();
            open_with(model, format!("summary {summary}"), incident);
            vec![]
        }
        Ok(Typed::Review) => review::open(model),
        Ok(Typed::Followups) => followups::open(model),
        Ok(Typed::Report(since)) => learn::open_report(model, since),
        Ok(Typed::Select(id)) => opening::open(model, id),
        Ok(Typed::Declare(new)) => {
            if model.may(AccessRole::Responder) {
                declare(model, new)
            } else {
                refuse_locally(model, AccessRole::Responder);
                vec![]
            }
        }
        Ok(Typed::Command(command)) => match bound(model, command.required_access(), incident) {
            Some(id) => send_command(model, id, command, vec![]),
            None => vec![],
        },
    }
}

/// The history as read from disk (a missing file is an empty history).
pub(super) fn on_history(model: &mut Model, read: Result<Vec<String>, String>) {
    match read {
        Ok(lines) => {
            model.history.loaded(lines);
            model.dirty = false;
        }
        Err(why) => history_failed(model, why),
    }
}

/// The history written back.
pub(super) fn on_history_saved(model: &mut Model, saved: Result<(), String>) {
    match saved {
        Ok(()) => model.dirty = false,
        Err(why) => history_failed(model, why),
    }
}

fn history_failed(model: &mut Model, why: String) {
    model.notify(format!("command history: {why}"), true);
}
