//! The review's rows, in screen order: the summary (the business impact), the whys, the root
//! cause, the lists and the corrective actions; the text at a row, and the command an edit
//! of it means.

use crate::domain::{Command, Incident, Review, WHY_LEVELS};
use tui_input::Input;

/// The parts of the review, in screen order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The incident's summary: its business impact, which the postmortem opens with.
    Summary,
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
            Section::Summary => "Summary (business impact)",
            Section::Why => "Five whys",
            Section::RootCause => "Root cause",
            Section::Factor => "Contributing factors",
            Section::WentWell => "What went well",
            Section::WentBadly => "What went badly",
            Section::Corrective => "Corrective actions",
        }
    }

    /// Whether the section is a list, where `i` inserts before an entry.
    pub fn is_list(self) -> bool {
        matches!(
            self,
            Section::Why | Section::Factor | Section::WentWell | Section::WentBadly
        )
    }
}

/// One line of the screen: an entry of a section, or the empty slot after its last entry
/// (`index` = the number of entries), where a new one is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub section: Section,
    pub index: usize,
}

/// The rows of a review: the summary, at least [`WHY_LEVELS`] whys, the root cause, then one
/// slot more than there are entries in each list.
pub fn rows(incident: &Incident) -> Vec<Row> {
    let review = &incident.review;
    let row = |section, index| Row { section, index };
    let mut rows = vec![row(Section::Summary, 0)];
    rows.extend((0..WHY_LEVELS.max(review.whys.len() + 1)).map(|i| row(Section::Why, i)));
    rows.push(row(Section::RootCause, 0));
    for (section, len) in [
        (Section::Factor, review.contributing_factors.len()),
        (Section::WentWell, review.went_well.len()),
        (Section::WentBadly, review.went_badly.len()),
        (Section::Corrective, incident.corrective_actions.len()),
    ] {
        rows.extend((0..=len).map(|i| row(section, i)));
    }
    rows
}

/// The text at a row, if the row holds one (a corrective action is not a text).
pub fn entry(incident: &Incident, row: Row) -> Option<&str> {
    let review = &incident.review;
    let list = match row.section {
        Section::Summary => return incident.summary.as_deref().filter(|s| !s.is_empty()),
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

/// A text being edited: which row, and whether it goes in before the row or replaces it.
#[derive(Debug, Clone)]
pub struct Editing {
    pub row: Row,
    pub input: Input,
    pub insert: bool,
}

/// The command an edit means: `set_summary`, or a `set_review` with the whole new list of
/// the row's section (an empty text removes the entry); `None` when nothing changes.
pub fn edit_command(incident: &Incident, editing: &Editing) -> Option<Command> {
    let review = &incident.review;
    let text = editing.input.value().trim().to_string();
    let row = editing.row;
    match row.section {
        Section::Summary => {
            let now = incident.summary.as_deref().unwrap_or_default();
            return (text != now).then_some(Command::SetSummary { summary: text });
        }
        Section::RootCause => {
            return (text != review.root_cause).then_some(root_cause(text));
        }
        Section::Corrective => return None,
        _ => {}
    }
    let mut list = list_of(review, row.section).clone();
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

fn list_of(review: &Review, section: Section) -> &Vec<String> {
    match section {
        Section::Why => &review.whys,
        Section::Factor => &review.contributing_factors,
        Section::WentWell => &review.went_well,
        _ => &review.went_badly,
    }
}

fn root_cause(text: String) -> Command {
    Command::SetReview {
        whys: None,
        root_cause: Some(text),
        contributing_factors: None,
        went_well: None,
        went_badly: None,
    }
}
