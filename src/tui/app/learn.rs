//! The follow-ups and report screens: read-only, fetched from the backend when opened (they
//! span every incident, including old ones this client no longer keeps). Up and down scroll
//! them; Esc or `q` closes them.

use super::overlay::{Hint, Overlay};
use super::{Effect, Model};
use crate::client::ClientError;
use crate::domain::{CorrectiveState, Followup};
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
pub struct FollowupsView {
    pub rows: Loaded<Vec<Followup>>,
    pub scroll: usize,
}

impl FollowupsView {
    pub fn waiting() -> Self {
        FollowupsView {
            rows: Loaded::Waiting,
            scroll: 0,
        }
    }

    /// The open ones first, soonest due first; then the done and dropped ones.
    pub fn load(&mut self, followups: Result<Vec<Followup>, String>) {
        self.rows = match followups {
            Err(reason) => Loaded::Failed(reason),
            Ok(mut rows) => {
                rows.sort_by_key(|row| {
                    (
                        row.action.state != CorrectiveState::Open,
                        row.action.due_at,
                        row.incident.number(),
                        row.action.id,
                    )
                });
                Loaded::Ready(rows)
            }
        };
    }
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

pub(super) fn open_followups(model: &mut Model) -> Vec<Effect> {
    if model.setup.wall {
        model.dirty = false;
        return vec![];
    }
    model.overlay = Overlay::Followups(FollowupsView::waiting());
    vec![Effect::FetchFollowups]
}

/// The report over incidents declared since `since` (`90d`).
pub(super) fn open_report(model: &mut Model, since: String) -> Vec<Effect> {
    model.overlay = Overlay::Report(ReportView::waiting(since.clone()));
    vec![Effect::FetchReport { since }]
}

/// The follow-ups fetched: shown if the screen is still open.
pub(super) fn on_followups(model: &mut Model, result: Result<Vec<Followup>, ClientError>) {
    match &mut model.overlay {
        Overlay::Followups(view) => view.load(result.map_err(|e| e.reason())),
        _ => model.dirty = false,
    }
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

pub(super) fn on_followups_key(
    model: &mut Model,
    mut view: FollowupsView,
    key: KeyEvent,
) -> Vec<Effect> {
    if scroll(&mut view.scroll, key) {
        model.overlay = Overlay::Followups(view);
    }
    vec![]
}

pub(super) fn on_report_key(model: &mut Model, mut view: ReportView, key: KeyEvent) -> Vec<Effect> {
    if scroll(&mut view.scroll, key) {
        model.overlay = Overlay::Report(view);
    }
    vec![]
}

/// Up and down scroll a read-only screen; esc and q close it (false).
fn scroll(scroll: &mut usize, key: KeyEvent) -> bool {
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
