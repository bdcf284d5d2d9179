//! The report screen, read-only, fetched from the backend when opened (it spans every
//! incident, including old ones this client no longer keeps), and what it shares with the
//! follow-ups screen (`followups.rs`): up and down scroll them; Esc or `q` closes them.

use super::overlay::{Hint, Overlay};
use super::{Effect, Model};
use crate::client::ClientError;
use crate::report::Report;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

/// The keys both screens show at their foot.
pub const HINTS: [Hint; 2] = [
    Hint {
        key: "↑/↓",
        does: "scroll",
    },
    Hint {
        key: "esc",
        does: "close",
    },
];

/// What a screen fetched, once it came back.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded<T> {
    Waiting,
    Ready(T),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportView {
    /// The period asked for, as typed (`90d`).
    pub since: String,
    pub report: Loaded<Box<Report>>,
    pub scroll: usize,
}

impl ReportView {
    pub fn waiting(since: String) -> Self {
        ReportView {
            since,
            report: Loaded::Waiting,
            scroll: 0,
        }
    }
}

/// The report over incidents declared since `since` (`90d`).
pub(super) fn open_report(model: &mut Model, since: String) -> Vec<Effect> {
    model.overlay = Overlay::Report(ReportView::waiting(since.clone()));
    vec![Effect::FetchReport { since }]
}

/// The report fetched: shown if the screen is still open.
pub(super) fn on_report(model: &mut Model, result: Result<Box<Report>, ClientError>) {
    match &mut model.overlay {
        Overlay::Report(view) => {
            view.report = match result {
                Ok(report) => Loaded::Ready(report),
                Err(error) => Loaded::Failed(error.reason()),
            }
        }
        _ => model.dirty = false,
    }
}

pub(super) fn on_report_key(model: &mut Model, mut view: ReportView, key: KeyEvent) -> Vec<Effect> {
    if scroll(&mut view.scroll, key) {
        model.overlay = Overlay::Report(view);
    }
    vec![]
}

/// Up and down scroll a read-only screen; esc and q close it (false).
pub(super) fn scroll(scroll: &mut usize, key: KeyEvent) -> bool {
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => return false,
        KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => *scroll += 1,
        KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
        KeyCode::PageDown => *scroll += 10,
        _ => {}
    }
    true
}
