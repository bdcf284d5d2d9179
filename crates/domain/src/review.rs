//! The post-incident review: the 5 whys, the root cause, contributing factors, what went well
//! and badly, and the corrective actions that stop the next incident.
//!
//! The review is learning, not response: it stays editable after the incident is closed,
//! while the response record (status, times, roles) is final. Every edit is an event, so the
//! history of the review is in the log like everything else.

use super::{Event, EventKind, Incident, NoteKind, Rejection, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The most whys a chain may hold: five is the habit, a few more is a deep cause, dozens is a
/// paste gone wrong.
pub const MAX_WHYS: usize = 20;
/// The most entries in a list of the review (contributing factors, went well, went badly).
pub(crate) const MAX_REVIEW_ITEMS: usize = 50;
/// Longest ticket URL, in characters.
pub const MAX_TICKET_CHARS: usize = 2048;
/// The chain the review screen and the postmortem always show, filled or not.
pub const WHY_LEVELS: usize = 5;

/// The review as its events leave it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// The chain of whys, the first asked first.
    pub whys: Vec<String>,
    /// Empty until written.
    pub root_cause: String,
    pub contributing_factors: Vec<String>,
    pub went_well: Vec<String>,
    pub went_badly: Vec<String>,
}

/// A change to the review, as the `set_review` command and the `review_edited` event carry
/// it: fields left out are kept. In the event, only the fields that changed are present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewEdit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whys: Option<Vec<String>>,
    /// An empty text clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_cause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contributing_factors: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub went_well: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub went_badly: Option<Vec<String>>,
}

impl ReviewEdit {
    /// The names of the fields this edit touches, for the timeline: "whys, root cause".
    pub fn fields(&self) -> Vec<&'static str> {
        [
            (self.whys.is_some(), "whys"),
            (self.root_cause.is_some(), "root cause"),
            (self.contributing_factors.is_some(), "contributing factors"),
            (self.went_well.is_some(), "went well"),
            (self.went_badly.is_some(), "went badly"),
        ]
        .into_iter()
        .filter_map(|(present, name)| present.then_some(name))
        .collect()
    }

    /// Validates the edit against the current review and keeps only what changes: the event
    /// to record, or why not.
    pub fn checked(self, current: &Review, max_text: usize) -> Result<ReviewEdit, Rejection> {
        if self.fields().is_empty() {
            return Err(Rejection::new(
                "invalid_input",
                "set_review changes nothing: give whys, root_cause, contributing_factors, \
                 went_well or went_badly",
            ));
        }
        let list = |name: &str, items: Option<Vec<String>>, max: usize, now: &Vec<String>| {
            let Some(items) = items else {
                return Ok(None);
            };
            let items = checked_list(name, items, max, max_text)?;
            Ok::<_, Rejection>((items != *now).then_some(items))
        };
        let root_cause = match self.root_cause {
            None => None,
            Some(text) => {
                let text = text.trim().to_string();
                if text.chars().count() > max_text {
                    return Err(Rejection::new(
                        "invalid_input",
                        format!("the root cause is longer than {max_text} characters"),
                    ));
                }
                (text != current.root_cause).then_some(text)
            }
        };
        let edit = ReviewEdit {
            whys: list("why", self.whys, MAX_WHYS, &current.whys)?,
            root_cause,
            contributing_factors: list(
                "contributing factor",
                self.contributing_factors,
                MAX_REVIEW_ITEMS,
                &current.contributing_factors,
            )?,
            went_well: list(
                "went-well entry",
                self.went_well,
                MAX_REVIEW_ITEMS,
                &current.went_well,
            )?,
            went_badly: list(
                "went-badly entry",
                self.went_badly,
                MAX_REVIEW_ITEMS,
                &current.went_badly,
            )?,
        };
        if edit.fields().is_empty() {
            return Err(Rejection::new(
                "unchanged",
                "the review already says exactly that",
            ));
        }
        Ok(edit)
    }

    /// Folds the edit into the review.
    pub fn apply_to(&self, review: &mut Review) {
        if let Some(whys) = &self.whys {
            review.whys.clone_from(whys);
        }
        if let Some(root_cause) = &self.root_cause {
            review.root_cause.clone_from(root_cause);
        }
        if let Some(items) = &self.contributing_factors {
            review.contributing_factors.clone_from(items);
        }
        if let Some(items) = &self.went_well {
            review.went_well.clone_from(items);
        }
        if let Some(items) = &self.went_badly {
            review.went_badly.clone_from(items);
        }
    }
}

/// Trims every entry and refuses empty entries (say "remove", don't blank it) and overlong
/// lists, naming the entry at fault by its 1-based number.
fn checked_list(
    name: &str,
    items: Vec<String>,
    max_items: usize,
    max_text: usize,
) -> Result<Vec<String>, Rejection> {
    if items.len() > max_items {
        return Err(Rejection::new(
            "invalid_input",
            format!("at most {max_items} entries (a {name} list)"),
        ));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let trimmed = item.trim();
            if trimmed.is_empty() {
                return Err(Rejection::new(
                    "invalid_input",
                    format!("{name} {} is empty: remove it instead", index + 1),
                ));
            }
            if trimmed.chars().count() > max_text {
                return Err(Rejection::new(
                    "invalid_input",
                    format!("{name} {} is longer than {max_text} characters", index + 1),
                ));
            }
            Ok(trimmed.to_string())
        })
        .collect()
}

/// What a corrective action does against the next incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CorrectiveKind {
    /// Notice it sooner (an alert, a dashboard).
    Detective,
    /// Stop it happening (a guard rail, a test).
    Preventive,
    /// Fix what broke (the bug, the config).
    Corrective,
}

impl CorrectiveKind {
    pub const ALL: [CorrectiveKind; 3] = [
        CorrectiveKind::Detective,
        CorrectiveKind::Preventive,
        CorrectiveKind::Corrective,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CorrectiveKind::Detective => "detective",
            CorrectiveKind::Preventive => "preventive",
            CorrectiveKind::Corrective => "corrective",
        }
    }
}

impl fmt::Display for CorrectiveKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for CorrectiveKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        CorrectiveKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == wanted)
            .ok_or_else(|| {
                format!(
                    "unknown corrective-action kind '{s}' (expected detective, preventive or corrective)"
                )
            })
    }
}

/// Where a corrective action stands. Done is final (a new need is a new action); a dropped
/// one may be opened again, since a drop can be a slip of the finger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CorrectiveState {
    Open,
    Done,
    Dropped,
}

impl CorrectiveState {
    pub fn as_str(self) -> &'static str {
        match self {
            CorrectiveState::Open => "open",
            CorrectiveState::Done => "done",
            CorrectiveState::Dropped => "dropped",
        }
    }
}

impl fmt::Display for CorrectiveState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A follow-up that outlives the incident: distinct from the in-incident action items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectiveAction {
    /// 1-based, unique within its incident, never reused.
    pub id: u32,
    pub text: String,
    pub kind: CorrectiveKind,
    pub owner: String,
    pub due_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    pub state: CorrectiveState,
    pub created_at: Timestamp,
    /// When it was marked done or dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
}

impl CorrectiveAction {
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.state == CorrectiveState::Open && self.due_at < now
    }
}

/// A ticket is a link people click: an http(s) URL without spaces or control characters.
pub(crate) fn checked_ticket(ticket: Option<&str>) -> Result<Option<String>, Rejection> {
    let Some(ticket) = ticket.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let scheme_ok = ["http://", "https://"].iter().any(|scheme| {
        ticket
            .get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
            && ticket.len() > scheme.len()
    });
    if !scheme_ok || ticket.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Rejection::new(
            "invalid_input",
            format!("the ticket '{ticket}' is not an http(s) URL"),
        ));
    }
    if ticket.chars().count() > MAX_TICKET_CHARS {
        return Err(Rejection::new(
            "invalid_input",
            format!("the ticket URL is longer than {MAX_TICKET_CHARS} characters"),
        ));
    }
    Ok(Some(ticket.to_string()))
}

/// Corrective action `id` of the incident, or why there is none.
pub(crate) fn known_corrective(
    incident: &Incident,
    id: u32,
) -> Result<&CorrectiveAction, Rejection> {
    incident.corrective_action(id).ok_or_else(|| {
        Rejection::new(
            "unknown_corrective_action",
            format!("{} has no corrective action C{id}", incident.id),
        )
    })
}

/// Checks that corrective action `id` exists and is open, so it can be completed or dropped.
pub(crate) fn check_open_corrective(incident: &Incident, id: u32) -> Result<(), Rejection> {
    let action = known_corrective(incident, id)?;
    if action.state != CorrectiveState::Open {
        return Err(Rejection::new(
            "unchanged",
            format!(
                "corrective action C{id} is already {}; add a new one for new work",
                action.state
            ),
        ));
    }
    Ok(())
}

/// Checks that corrective action `id` exists and was dropped, so it can be opened again.
/// A done one stays done: the work happened, and new work is a new action.
pub(crate) fn check_dropped_corrective(incident: &Incident, id: u32) -> Result<(), Rejection> {
    let action = known_corrective(incident, id)?;
    match action.state {
        CorrectiveState::Dropped => Ok(()),
        CorrectiveState::Open => Err(Rejection::new(
            "unchanged",
            format!("corrective action C{id} is open already"),
        )),
        CorrectiveState::Done => Err(Rejection::new(
            "invalid_transition",
            format!("corrective action C{id} is done; add a new one for new work"),
        )),
    }
}

/// The root cause the latest decision names, for the review to offer: the text after
/// "root cause" (and a `:`, `-`, `—` or "is") of the newest `decision` note that starts with
/// those words, whatever their case. `None` when no decision does, or says nothing after them.
pub fn root_cause_from_decisions<'a>(
    events: impl IntoIterator<Item = &'a Event>,
) -> Option<String> {
    events
        .into_iter()
        .filter_map(|event| match &event.kind {
            EventKind::NoteAdded {
                kind: NoteKind::Decision,
                text,
            } => named_root_cause(text),
            _ => None,
        })
        .last()
}

fn named_root_cause(text: &str) -> Option<String> {
    const WORDS: &str = "root cause";
    let text = text.trim_start();
    if !text.get(..WORDS.len())?.eq_ignore_ascii_case(WORDS) {
        return None;
    }
    let after = &text[WORDS.len()..];
    let rest = if let Some(rest) = after
        .trim_start()
        .strip_prefix([':', '-', '=', '\u{2013}', '\u{2014}'])
    {
        rest
    } else if after.starts_with(char::is_whitespace) {
        let rest = after.trim_start();
        match rest.get(..3) {
            Some(is) if is.eq_ignore_ascii_case("is ") => &rest[3..],
            _ => rest,
        }
    } else {
        // "root causes ...": other words.
        return None;
    };
    let rest = rest.trim();
    (!rest.is_empty()).then(|| rest.to_string())
}
