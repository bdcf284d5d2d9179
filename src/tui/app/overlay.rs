//! What sits over the desk and has the keyboard: a dialog, a picker, a form, a screen or a
//! line being typed. Each kind lives in its own file with its state, its keys and the hints it
//! shows (in the manner of gitui's components); this file lists them once, and hands a key or
//! a paste to the one that is open.
//!
//! An open overlay takes every key. `update` gives a key to [`on_key`] whenever an overlay is
//! open, and to the desk's single keys (`desk`) only when none is, so a letter typed into a
//! form, a confirmation or the `:` line never falls through to a hotkey. Each handler is given
//! the overlay by value, with `model.overlay` already empty: it puts back whatever should stay
//! open (the same overlay, or the next one), and anything it does not put back is closed.

use super::confirm::Confirm;
use super::followups::FollowupsView;
use super::form::Form;
use super::incident_list::IncidentList;
use super::learn::ReportView;
use super::review::ReviewScreen;
use super::severity::SeverityPicker;
use super::{
    Effect, Model, command_line, confirm, filter, followups, form, incident_list, learn, quit,
    review, severity,
};
use ratatui::crossterm::event::KeyEvent;
use std::fmt;
use tui_input::Input;

#[derive(Debug, Clone, Default)]
pub enum Overlay {
    #[default]
    None,
    /// The keys (`?`); any key closes it.
    Help,
    Confirm(Confirm),
    Severity(SeverityPicker),
    Form(Box<Form>),
    CommandLine(command_line::CommandLine),
    Filter(Input),
    Review(Box<ReviewScreen>),
    Followups(FollowupsView),
    Report(ReportView),
    /// Quitting with commands not yet acknowledged: `y` quits, any other key stays.
    QuitPending,
    IncidentList(IncidentList),
    /// The message log, newest first; any key closes it.
    Messages,
    /// Every `:` command with its arguments; any key closes it.
    Commands,
}

/// A key an overlay offers and what it does, as the overlay's footer or title shows it
/// (`esc cancels`). The overlay's file lists its hints beside the code that handles the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hint {
    pub key: &'static str,
    pub does: &'static str,
}

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.key, self.does)
    }
}

/// The key the read-only lists (the keys, the commands, the message log) take.
pub const ANY_KEY_CLOSES: Hint = Hint {
    key: "any key",
    does: "closes",
};

/// Hands a key to the open overlay, which has been taken out of `model.overlay`.
pub(super) fn on_key(model: &mut Model, overlay: Overlay, key: KeyEvent) -> Vec<Effect> {
    match overlay {
        Overlay::None => vec![],
        // The read-only lists close on any key, and take it with them.
        Overlay::Help | Overlay::Commands | Overlay::Messages => vec![],
        Overlay::QuitPending => quit::on_key(model, key),
        Overlay::IncidentList(list) => incident_list::on_key(model, list, key),
        Overlay::Confirm(dialog) => confirm::on_key(model, dialog, key),
        Overlay::Severity(picker) => severity::on_key(model, picker, key),
        Overlay::Form(open) => form::on_key(model, open, key),
        Overlay::Filter(input) => filter::on_key(model, input, key),
        Overlay::Review(screen) => review::on_key(model, screen, key),
        Overlay::Followups(view) => followups::on_key(model, view, key),
        Overlay::Report(view) => learn::on_report_key(model, view, key),
        Overlay::CommandLine(line) => command_line::on_key(model, line, key),
    }
}

/// Pasted text goes to the open overlay's text field, if it has one.
pub(super) fn on_paste(model: &mut Model, text: &str) -> Vec<Effect> {
    match &mut model.overlay {
        Overlay::Form(form) => form.paste(text),
        Overlay::Review(screen) => screen.paste(text),
        Overlay::CommandLine(line) => command_line::paste(&mut line.input, text),
        Overlay::Filter(input) => filter::paste(input, &mut model.desk.timeline_filter, text),
        Overlay::IncidentList(_) => {
            let Overlay::IncidentList(list) = std::mem::take(&mut model.overlay) else {
                return vec![];
            };
            return incident_list::paste(model, list, text);
        }
        _ => model.dirty = false,
    }
    vec![]
}
