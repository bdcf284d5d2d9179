//! The timeline filter (`/`): a line at the foot of the screen; the timeline shows only the
//! entries that match what is typed, as it is typed. Enter keeps the filter, Esc clears it.

use super::overlay::Overlay;
use super::{Effect, Model, command_line};
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// Opens the line on the filter in force.
pub(super) fn open(model: &mut Model) {
    model.overlay = Overlay::Filter(Input::new(model.desk.timeline_filter.clone()));
}

pub(super) fn on_key(model: &mut Model, mut input: Input, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => model.desk.timeline_filter.clear(),
        KeyCode::Enter => {}
        _ => {
            input.handle_event(&TermEvent::Key(key));
            model.desk.timeline_filter = input.value().to_string();
            model.overlay = Overlay::Filter(input);
        }
    }
    model.desk.timeline_scroll = 0;
    vec![]
}

/// Pasted text is typed into the filter as on the `:` line.
pub(super) fn paste(input: &mut Input, filter: &mut String, text: &str) {
    command_line::paste(input, text);
    *filter = input.value().to_string();
}
