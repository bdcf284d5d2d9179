//! The follow-ups screen (`F`): the corrective actions across incidents, the open ones first
//! (soonest due first), then the done and dropped ones. They span every incident, old ones
//! too, so they are read from the backend a page at a time as scrolling nears the end of what
//! is here: the open ones' pages (`open=true`), then the closed ones' (`closed=true`). Pages
//! are asked for as effects and arrive as messages, so the screen never waits on the backend,
//! and it holds at most [`MOST_ROWS`] rows, however many actions there are.

use super::incident_list::past::More;
use super::overlay::Overlay;
use super::{Effect, Model};
use crate::client::{ClientError, FollowupPage, FollowupQuery};
use crate::domain::{Followup, FollowupAsk};
use ratatui::crossterm::event::KeyEvent;

/// Actions asked for at a time.
pub const PAGE: usize = 100;
/// The next page is asked for once the bottom of the screen is this close to the last row.
pub const READ_AHEAD: usize = 20;
/// The most rows the screen holds: past this it says where to find the rest.
pub const MOST_ROWS: usize = 2_000;

/// Which of the two walks the screen is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    Open,
    Closed,
}

impl Walk {
    /// The first page of this walk.
    pub fn first_page(self) -> String {
        FollowupQuery {
            page_size: Some(PAGE),
            ask: FollowupAsk {
                open: self == Walk::Open,
                closed: self == Walk::Closed,
                ..FollowupAsk::default()
            },
        }
        .first_page()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FollowupsView {
    /// The rows read so far, in the screen's order.
    pub rows: Vec<Followup>,
    pub walk: Walk,
    /// What comes after the rows here: a page on its way, one to ask for, or nothing more.
    pub more: More,
    /// The first row shown.
    pub scroll: usize,
}

impl FollowupsView {
    /// The screen with its first page asked for.
    pub fn open() -> (FollowupsView, Effect) {
        let first = Walk::Open.first_page();
        let view = FollowupsView {
            rows: Vec::new(),
            walk: Walk::Open,
            more: More::Asked(first.clone()),
            scroll: 0,
        };
        (view, Effect::FetchFollowups(first))
    }

    /// The next page, if the screen's bottom (`height` rows from `scroll`) is near the end of
    /// what is here and there may be more.
    pub fn wants(&mut self, height: usize) -> Option<Effect> {
        let (More::Next(page) | More::Failed { page, .. }) = &self.more else {
            return None;
        };
        if self.scroll + height + READ_AHEAD < self.rows.len() {
            return None;
        }
        let page = page.clone();
        self.more = More::Asked(page.clone());
        Some(Effect::FetchFollowups(page))
    }

    /// Takes the answer for the page at `path`, if it is the one the screen waits for. Says
    /// whether it was. The open ones' last page leads to the closed ones' first.
    pub fn answered(&mut self, path: &str, result: Result<FollowupPage, String>) -> bool {
        let (rows, walk) = (&mut self.rows, &mut self.walk);
        let Some(more) = self.more.after(path, result, |page| {
            let room = MOST_ROWS.saturating_sub(rows.len());
            rows.extend(page.rows.into_iter().take(room));
            match (page.next, *walk) {
                _ if rows.len() >= MOST_ROWS => More::Capped,
                (Some(next), _) => More::Next(next),
                (None, Walk::Open) => {
                    *walk = Walk::Closed;
                    More::Next(Walk::Closed.first_page())
                }
                (None, Walk::Closed) => More::Done,
            }
        }) else {
            return false;
        };
        self.more = more;
        true
    }
}

/// The rows the screen shows at once, about: the terminal less its border and foot.
fn height(model: &Model) -> usize {
    usize::from(model.size.1).saturating_sub(3)
}

pub(super) fn open(model: &mut Model) -> Vec<Effect> {
    if model.setup.wall {
        model.dirty = false;
        return vec![];
    }
    let (view, first_page) = FollowupsView::open();
    model.overlay = Overlay::Followups(view);
    vec![first_page]
}

/// A page arrived: added if it is the one the screen waits for, and the next asked for if
/// the screen's bottom is already near the end. A page that failed is asked again when the
/// person scrolls, not at once: a backend that is down is not asked in a loop.
pub(super) fn on_page(
    model: &mut Model,
    path: String,
    result: Result<FollowupPage, ClientError>,
) -> Vec<Effect> {
    let height = height(model);
    let Overlay::Followups(view) = &mut model.overlay else {
        model.dirty = false;
        return vec![];
    };
    if !view.answered(&path, result.map_err(|error| error.reason())) {
        model.dirty = false;
        return vec![];
    }
    if matches!(view.more, More::Failed { .. }) {
        return vec![];
    }
    view.wants(height).into_iter().collect()
}

/// Up and down scroll (reading on as the end nears); esc and q close.
pub(super) fn on_key(model: &mut Model, mut view: FollowupsView, key: KeyEvent) -> Vec<Effect> {
    if !super::learn::scroll(&mut view.scroll, key) {
        return vec![];
    }
    // Not past the last row, so that scrolling back up answers at once.
    view.scroll = view.scroll.min(view.rows.len().saturating_sub(1));
    let effects = view.wants(height(model)).into_iter().collect();
    model.overlay = Overlay::Followups(view);
    effects
}
