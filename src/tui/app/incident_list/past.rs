//! The list's history: the ended incidents, read from the backend a page at a time, newest
//! first, as the cursor nears the end of what is here, and narrowed by the search (`q=`,
//! which the backend matches in the title, the id and the service). The pages are asked for
//! as effects and arrive as messages, so the list never waits on the backend.

use crate::client::{ListQuery, Page};
use crate::domain::{Incident, IncidentId, Severity, Status, Timestamp};
use crate::tui::app::Effect;

/// Incidents asked for at a time.
pub const PAGE: usize = 100;
/// The next page is asked for once the cursor is this close to the last row here.
pub const READ_AHEAD: usize = 20;
/// The most rows the list holds: past this it says to search instead, so scrolling cannot
/// make a screen hold the whole history.
pub const MOST_ROWS: usize = 2_000;
/// The longest title a row keeps (a row shows less than this on any screen).
const TITLE_KEPT: usize = 200;

/// One ended incident as a row of the list needs it, not its whole folded state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastRow {
    pub id: IncidentId,
    pub severity: Severity,
    pub status: Status,
    pub title: String,
    pub service: Option<String>,
    pub declared_at: Timestamp,
    pub ended_at: Option<Timestamp>,
}

impl PastRow {
    fn of(incident: Incident) -> PastRow {
        let ended_at = crate::tui::app::model::ended_at(&incident);
        PastRow {
            title: incident.title.chars().take(TITLE_KEPT).collect(),
            id: incident.id,
            severity: incident.severity,
            status: incident.status,
            service: incident.service,
            declared_at: incident.declared_at,
            ended_at,
        }
    }
}

/// What comes after the rows here; a page is named by its path (the first page's, then the
/// backend's `Link: rel="next"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum More {
    /// This page is on its way.
    Asked(String),
    /// There is more: this page is asked for when the cursor nears the end.
    Next(String),
    /// The whole history the search matches is here.
    Done,
    /// [`MOST_ROWS`] are here; older ones are found by searching (or `:go`).
    Capped,
    /// The page could not be read: asked again when the cursor moves near the end.
    Failed { page: String, reason: String },
}

impl More {
    /// What follows the answer for the page at `path`, or `None` when that page is not the
    /// one asked for (an answer to an earlier search, or to a screen since closed): for a
    /// failure, that page again on the next move; for a page, what `read` makes of it.
    pub fn after<P>(
        &self,
        path: &str,
        result: Result<P, String>,
        read: impl FnOnce(P) -> More,
    ) -> Option<More> {
        if !matches!(self, More::Asked(asked) if asked == path) {
            return None;
        }
        Some(match result {
            Err(reason) => More::Failed {
                page: path.to_string(),
                reason,
            },
            Ok(page) => read(page),
        })
    }
}

/// The ended incidents read so far for one search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Past {
    /// The search these rows answer (empty: every ended incident).
    pub text: String,
    pub rows: Vec<PastRow>,
    pub more: More,
}

impl Past {
    /// The history matching `text`, its first page asked for.
    pub fn search(text: &str) -> (Past, Effect) {
        let first = first_page(text);
        let past = Past {
            text: text.to_string(),
            rows: Vec::new(),
            more: More::Asked(first.clone()),
        };
        (past, Effect::FetchPage(first))
    }

    /// The next page, if the row at `at` (an index into `rows`, or `None` above them) is
    /// near the end of what is here and there may be more.
    pub fn wants(&mut self, at: Option<usize>) -> Option<Effect> {
        let page = match &self.more {
            More::Next(page) | More::Failed { page, .. } => page.clone(),
            More::Asked(_) | More::Done | More::Capped => return None,
        };
        let near_end = at.unwrap_or(0) + READ_AHEAD >= self.rows.len();
        if !near_end {
            return None;
        }
        self.more = More::Asked(page.clone());
        Some(Effect::FetchPage(page))
    }

    /// Takes the answer for the page at `path`, if it is the one these rows wait for (an
    /// answer to an earlier search, or to a list since closed, is not). Says whether it was.
    pub fn answered(&mut self, path: &str, result: Result<Page, String>) -> bool {
        let rows = &mut self.rows;
        let Some(more) = self.more.after(path, result, |page| {
            rows.extend(page.incidents.into_iter().map(PastRow::of));
            match page.next {
                _ if rows.len() >= MOST_ROWS => More::Capped,
                Some(next) => More::Next(next),
                None => More::Done,
            }
        }) else {
            return false;
        };
        self.more = more;
        true
    }
}

/// The first page of the ended incidents matching `text` (every one when it is empty).
pub fn first_page(text: &str) -> String {
    ListQuery {
        page_size: Some(PAGE),
        open: Some(false),
        text: Some(text.trim().to_string()).filter(|text| !text.is_empty()),
        ..ListQuery::default()
    }
    .first_page()
}
