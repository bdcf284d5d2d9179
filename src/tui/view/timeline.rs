//! The timeline: newest first, absolute times with the date, who and what; `/` filters.

use super::pane_block;
use super::text::{date_time, fit, safe};
use crate::domain::{Event, EventKind, NoteKind};
use crate::sanitize::sanitize;
use crate::tui::app::{Model, Pane};
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The timeline entries that pass the filter, newest first.
pub fn visible(model: &Model) -> Vec<&Event> {
    let Some(tracked) = model.current() else {
        return vec![];
    };
    let filter = model.timeline_filter.to_lowercase();
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

pub fn row<'a>(event: &Event, theme: &Theme, actor_width: usize) -> Line<'a> {
    Line::from(vec![
        Span::styled(date_time(event.at), theme.muted()),
        Span::raw(" "),
        Span::styled(
            format!(
                "{:<actor_width$}",
                fit(&sanitize(&event.actor), actor_width)
            ),
            theme.bold(),
        ),
        Span::raw(" "),
        Span::styled(
            format!("{:<8}", event.kind.label()),
            theme.fg(tone(&event.kind)),
        ),
        Span::raw(" "),
        safe(&event.kind.describe(), ratatui::style::Style::new()),
    ])
}

pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let entries = visible(model);
    let mut title = format!("Timeline ({})", entries.len());
    if !model.timeline_filter.is_empty() {
        title = format!("{title} /{}", sanitize(&model.timeline_filter));
    }
    let block = pane_block(title, model.focus == Pane::Timeline, theme);
    let lines: Vec<Line> = entries
        .iter()
        .skip(model.timeline_scroll)
        .take(usize::from(area.height))
        .map(|event| row(event, theme, 10))
        .collect();
    let lines = if lines.is_empty() && model.current().is_some() {
        vec![Line::styled("nothing matches the filter", theme.muted())]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
