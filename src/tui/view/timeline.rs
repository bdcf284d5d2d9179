//! The timeline: newest first, absolute times with the date, who and what; `/` filters.

use super::pane_block;
use super::text::{
    SafeLine, date_time, paragraph, plain, raw, render, safe_format, span, styled_line,
};
use crate::domain::{Command, Event, EventKind, NoteKind};
use crate::sanitize::{SafeText, sanitize, sanitize_owned};
use crate::tui::app::outbox::Request;
use crate::tui::app::{Model, Pane};
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::Rect;

/// The timeline entries that pass the filter, newest first.
pub fn visible(model: &Model) -> Vec<&Event> {
    let Some(tracked) = model.current() else {
        return vec![];
    };
    let filter = model.desk.timeline_filter.to_lowercase();
    tracked
        .events
        .iter()
        .rev()
        .filter(|event| {
            filter.is_empty() || {
                let row = format!(
                    "{} {} {}",
                    event.actor,
                    event.kind.label(),
                    event.kind.describe()
                );
                row.to_lowercase().contains(&filter)
            }
        })
        .collect()
}

fn tone(kind: &EventKind) -> Tone {
    match kind {
        EventKind::Declared { .. } | EventKind::SeverityChanged { .. } => Tone::Critical,
        EventKind::StatusChanged { .. } => Tone::Warning,
        EventKind::NoteAdded {
            kind: NoteKind::Update,
            ..
        } => Tone::Info,
        EventKind::NoteAdded {
            kind: NoteKind::Decision,
            ..
        } => Tone::Accent,
        EventKind::CommandTransferred { .. } | EventKind::RoleAssigned { .. } => Tone::Ok,
        _ => Tone::Muted,
    }
}

/// How far apart the person's time and the server's may be before both are shown: clocks
/// and a slow link account for a few seconds, an outage for more.
const INTENDED_SHOWN_SECONDS: i64 = 5;

/// Columns before an entry's text: the date and time (the wall, which shows today, only
/// the time), the actor, the kind.
const ACTOR_WIDTH: usize = 10;
const fn prefix_width(wall: bool) -> usize {
    (if wall { 5 } else { 19 }) + 1 + ACTOR_WIDTH + 1 + 8 + 1
}

/// One entry: its first line with the time, actor and kind, then the rest of the text
/// wrapped under the text column, so a long update reads whole.
pub fn rows<'a>(event: &Event, theme: &Theme, width: usize, wall: bool) -> Vec<SafeLine<'a>> {
    let prefix = prefix_width(wall);
    let mut describe = event.kind.describe();
    // A command that waited in an offline outbox: when it was given, beside when it landed.
    if let Some(given) = event.intended_at
        && (event.at - given).num_seconds().abs() > INTENDED_SHOWN_SECONDS
    {
        describe.push_str(&format!(" (given {} UTC)", super::text::clock(given)));
    }
    let text = sanitize(&describe);
    let mut wrapped = text
        .wrap(width.saturating_sub(prefix).max(10))
        .into_iter()
        .map(SafeText::into_owned);
    let first = SafeLine::from(vec![
        span(
            sanitize_owned(if wall {
                event.at.format("%H:%M").to_string()
            } else {
                date_time(event.at)
            }),
            theme.muted(),
        ),
        raw(" "),
        span(sanitize(&event.actor).pad(ACTOR_WIDTH), theme.bold()),
        raw(" "),
        span(
            safe_format!("{:<8}", event.kind.label()),
            theme.fg(tone(&event.kind)),
        ),
        raw(" "),
        raw(wrapped.next().unwrap_or_default()),
    ]);
    let indent = " ".repeat(prefix);
    std::iter::once(first)
        .chain(wrapped.map(|rest| plain(safe_format!("{indent}{rest}"))))
        .collect()
}

/// The selected incident's commands still in the outbox, where they will land (above the
/// newest entry, newest first), marked pending, with the time they were given.
fn pending_rows<'a>(model: &Model, theme: &Theme, width: usize) -> Vec<SafeLine<'a>> {
    let (Some(id), 0) = (model.desk.selected.as_ref(), model.desk.timeline_scroll) else {
        return vec![];
    };
    let waiting: Vec<_> = model.outbox.for_incident(id).collect();
    waiting
        .into_iter()
        .rev()
        .map(|pending| {
            let what = match &pending.outgoing.request {
                Request::Command {
                    command: Command::AddNote { text, .. },
                    ..
                } => format!("{}: {text}", pending.summary),
                _ => pending.summary.clone(),
            };
            let what = sanitize(&what);
            SafeLine::from(vec![
                span(
                    sanitize_owned(date_time(pending.outgoing.intended_at)),
                    theme.muted(),
                ),
                raw(" "),
                span(safe_format!("{:<ACTOR_WIDTH$}", "(you)"), theme.bold()),
                raw(" "),
                span(safe_format!("{:<8}", "PENDING"), theme.fg(Tone::Warning)),
                raw(" "),
                span(
                    what.fit(width.saturating_sub(prefix_width(false)).max(10))
                        .into_owned(),
                    theme.fg(Tone::Warning),
                ),
            ])
        })
        .collect()
}

pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let entries = visible(model);
    let mut title = format!("Timeline ({})", entries.len());
    if !model.desk.timeline_filter.is_empty() {
        title = format!("{title} /{}", sanitize(&model.desk.timeline_filter));
    }
    let block = pane_block(sanitize(&title), model.desk.focus == Pane::Timeline, theme);
    let width = usize::from(area.width.saturating_sub(2));
    let pending = pending_rows(model, theme, width);
    let lines: Vec<SafeLine> = pending
        .into_iter()
        .chain(
            entries
                .iter()
                .skip(model.desk.timeline_scroll)
                .flat_map(|event| rows(event, theme, width, model.setup.wall)),
        )
        .take(usize::from(area.height))
        .collect();
    let lines = if lines.is_empty() && model.current().is_some() {
        vec![styled_line("nothing matches the filter", theme.muted())]
    } else {
        lines
    };
    render(frame, paragraph(lines).block(block), area);
}
