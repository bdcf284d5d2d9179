//! The incident list (`l`, `:list`): every open incident, most severe first and newest first
//! within a severity (the order of `[`/`]`), to see all that burns; then the history, newest
//! first, read from the backend a page at a time as the cursor goes down (`past`). `/`
//! searches both (the title, the id, the service), asking the backend once typing pauses
//! (or at once on Enter), not at every key; Enter opens the incident under the cursor,
//! however old.

pub mod past;

use super::overlay::{Hint, Overlay};
use super::{Effect, Model, opening};
use crate::client::{ClientError, Page};
use crate::domain::{Incident, IncidentFilter, IncidentId};
use past::{Past, PastRow};
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent};
use std::time::Duration;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// The keys the list names in its first line.
pub const HINTS: [Hint; 4] = [
    Hint {
        key: "↑↓",
        does: "choose",
    },
    Hint {
        key: "Enter",
        does: "opens",
    },
    Hint {
        key: "/",
        does: "searches",
    },
    Hint {
        key: "Esc",
        does: "closes",
    },
];

/// The keys of the search line while it is typed.
pub const SEARCH_HINTS: [Hint; 2] = [
    Hint {
        key: "Enter",
        does: "keeps",
    },
    Hint {
        key: "Esc",
        does: "clears",
    },
];

/// Rows PageUp and PageDown move by.
const PAGE_KEYS_MOVE: usize = 10;

/// How long the search line must rest before what it holds is asked of the backend: a word
/// typed at speed is one request, not one per key, and a pause to read the rows sends it.
pub const SEARCH_PAUSE: Duration = Duration::from_millis(250);

#[derive(Debug, Clone)]
pub struct IncidentList {
    /// The incident under the cursor. An id, not an index: the list reorders while it is
    /// open (a P0 declared elsewhere goes to the top), and Enter must open the row the
    /// person sees highlighted.
    pub highlighted: Option<IncidentId>,
    /// The search being typed after `/`, until Enter keeps it or Esc clears it.
    pub typing: Option<Input>,
    /// How many times the search line has changed since the list opened: a pause is the
    /// newest edit's only if no other came after it (`Msg::SearchPaused`).
    pub edits: u64,
    /// The ended incidents read so far, for the search in force.
    pub past: Past,
}

/// A row of the list: an open incident as this screen follows it, or an ended one as the
/// backend listed it.
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    Open(&'a Incident),
    Past(&'a PastRow),
}

impl Row<'_> {
    pub fn id(&self) -> &IncidentId {
        match self {
            Row::Open(incident) => &incident.id,
            Row::Past(row) => &row.id,
        }
    }
}

impl IncidentList {
    /// The cursor's row in `rows`: the highlighted incident's, or the first row when it has
    /// left the list (closed meanwhile).
    pub fn cursor(&self, rows: &[Row]) -> usize {
        rows.iter()
            .position(|row| Some(row.id()) == self.highlighted.as_ref())
            .unwrap_or(0)
    }

    /// The next page of the history, if the cursor is near the end of what is here.
    fn read_ahead(&mut self, model: &Model) -> Option<Effect> {
        let rows = rows(model, self);
        let open = rows
            .iter()
            .filter(|row| matches!(row, Row::Open(_)))
            .count();
        let at = self.cursor(&rows).checked_sub(open);
        self.past.wants(at)
    }
}

/// The open incidents, in list order (what the wall's strip shows too).
pub fn open_rows(model: &Model) -> Vec<&Incident> {
    model
        .incidents
        .ordered(&model.scale)
        .into_iter()
        .filter(|incident| incident.status.is_open())
        .collect()
}

/// Every row, in order: the open incidents the search matches (by the backend's own rule
/// for `q=`: the title, the id or the service, whatever the case), then the history read so
/// far (less any incident open here meanwhile).
pub fn rows<'a>(model: &'a Model, list: &'a IncidentList) -> Vec<Row<'a>> {
    let search = IncidentFilter {
        text: Some(list.past.text.trim().to_string()).filter(|text| !text.is_empty()),
        ..IncidentFilter::default()
    };
    let open: Vec<&Incident> = open_rows(model)
        .into_iter()
        .filter(|incident| search.matches(incident))
        .collect();
    let past = list
        .past
        .rows
        .iter()
        .filter(|row| !open.iter().any(|incident| incident.id == row.id));
    open.iter()
        .map(|incident| Row::Open(incident))
        .chain(past.map(Row::Past))
        .collect()
}

/// Opens the list on the incident on screen, and asks for the first page of the history.
pub(super) fn open(model: &mut Model) -> Vec<Effect> {
    let (past, first_page) = Past::search("");
    let mut list = IncidentList {
        highlighted: None,
        typing: None,
        edits: 0,
        past,
    };
    let rows = rows(model, &list);
    list.highlighted = rows
        .iter()
        .find(|row| Some(row.id()) == model.desk.selected.as_ref())
        .or(rows.first())
        .map(|row| row.id().clone());
    model.overlay = Overlay::IncidentList(list);
    vec![first_page]
}

/// Up and Down move (reading on as the end nears), Enter opens the incident under the
/// cursor, `/` searches, Esc clears the search and then closes.
pub(super) fn on_key(model: &mut Model, mut list: IncidentList, key: KeyEvent) -> Vec<Effect> {
    if let Some(input) = list.typing.take() {
        return on_search_key(model, list, input, key);
    }
    match key.code {
        KeyCode::Enter => {
            let rows = rows(model, &list);
            let chosen = rows.get(list.cursor(&rows)).map(|row| row.id().clone());
            return match chosen {
                Some(id) => opening::open(model, id),
                None => vec![],
            };
        }
        KeyCode::Char('/') => list.typing = Some(Input::new(list.past.text.clone())),
        KeyCode::Esc if !list.past.text.is_empty() => return search(model, list, ""),
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('l') => return vec![],
        code => {
            if !move_cursor(model, &mut list, code) {
                model.dirty = false;
            }
        }
    }
    keep(model, list)
}

/// The search line's keys: Enter keeps what is typed (asking for it at once if it was not
/// yet), Esc clears it; the arrows still move; anything else edits it, and the first page
/// of what then matches is asked for once the line rests for [`SEARCH_PAUSE`].
fn on_search_key(
    model: &mut Model,
    mut list: IncidentList,
    mut input: Input,
    key: KeyEvent,
) -> Vec<Effect> {
    match key.code {
        KeyCode::Enter if input.value() != list.past.text => search(model, list, input.value()),
        KeyCode::Enter => keep(model, list),
        KeyCode::Esc => search(model, list, ""),
        code @ (KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown) => {
            move_cursor(model, &mut list, code);
            list.typing = Some(input);
            keep(model, list)
        }
        _ => {
            let before = input.value().to_string();
            input.handle_event(&TermEvent::Key(key));
            let edited = input.value() != before;
            list.typing = Some(input);
            if !edited {
                return keep(model, list);
            }
            list.edits += 1;
            let pause = Effect::SearchPause {
                edit: list.edits,
                delay: SEARCH_PAUSE,
            };
            let mut effects = keep(model, list);
            effects.push(pause);
            effects
        }
    }
}

/// The search line has rested since edit number `edit`: if no edit came since and it holds
/// another search than the rows answer, that search is asked for.
pub(super) fn on_search_paused(model: &mut Model, edit: u64) -> Vec<Effect> {
    let Overlay::IncidentList(list) = std::mem::take(&mut model.overlay) else {
        model.dirty = false;
        return vec![];
    };
    let text = match &list.typing {
        Some(input) if list.edits == edit && input.value() != list.past.text => {
            input.value().to_string()
        }
        _ => {
            model.dirty = false;
            model.overlay = Overlay::IncidentList(list);
            return vec![];
        }
    };
    search(model, list, &text)
}

/// Pasted text is typed into the search line, when it is open.
pub(super) fn paste(model: &mut Model, mut list: IncidentList, text: &str) -> Vec<Effect> {
    let Some(input) = list.typing.as_mut() else {
        model.dirty = false;
        model.overlay = Overlay::IncidentList(list);
        return vec![];
    };
    super::command_line::paste(input, text);
    let text = input.value().to_string();
    search(model, list, &text)
}

/// Starts the history over for `text`, the cursor on the first row.
fn search(model: &mut Model, mut list: IncidentList, text: &str) -> Vec<Effect> {
    let (past, first_page) = Past::search(text);
    list.past = past;
    list.highlighted = rows(model, &list).first().map(|row| row.id().clone());
    model.overlay = Overlay::IncidentList(list);
    vec![first_page]
}

/// Moves the cursor for an arrow or page key; false for any other key.
fn move_cursor(model: &Model, list: &mut IncidentList, code: KeyCode) -> bool {
    let rows = rows(model, list);
    let cursor = list.cursor(&rows);
    let last = rows.len().saturating_sub(1);
    let to = match code {
        KeyCode::Up | KeyCode::Char('k') => cursor.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => (cursor + 1).min(last),
        KeyCode::PageUp => cursor.saturating_sub(PAGE_KEYS_MOVE),
        KeyCode::PageDown => (cursor + PAGE_KEYS_MOVE).min(last),
        KeyCode::Home => 0,
        KeyCode::End => last,
        _ => return false,
    };
    list.highlighted = rows.get(to).map(|row| row.id().clone());
    true
}

/// Puts the list back, asking for the next page if the cursor is near the end.
fn keep(model: &mut Model, mut list: IncidentList) -> Vec<Effect> {
    let effects = list.read_ahead(model).into_iter().collect();
    model.overlay = Overlay::IncidentList(list);
    effects
}

/// A page of the history arrived: added to the list if it is the one the list waits for,
/// and the next asked for if the cursor is already near the end.
pub(super) fn on_page(
    model: &mut Model,
    path: String,
    result: Result<Page, ClientError>,
) -> Vec<Effect> {
    let Overlay::IncidentList(mut list) = std::mem::take(&mut model.overlay) else {
        model.dirty = false;
        return vec![];
    };
    if !list
        .past
        .answered(&path, result.map_err(|error| error.reason()))
    {
        model.dirty = false;
        model.overlay = Overlay::IncidentList(list);
        return vec![];
    }
    if list.highlighted.is_none() {
        list.highlighted = rows(model, &list).first().map(|row| row.id().clone());
    }
    // A page that failed is asked again when the person moves, not at once: a backend that
    // is down is not asked in a loop.
    if matches!(list.past.more, past::More::Failed { .. }) {
        model.overlay = Overlay::IncidentList(list);
        return vec![];
    }
    keep(model, list)
}
