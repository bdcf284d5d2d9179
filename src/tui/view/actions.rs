//! Action items: a checkbox, the owner and the time-box, overdue ones flagged.

use super::pane_block;
use super::text::{duration, safe};
use crate::domain::{ActionItem, ActionState};
use crate::tui::app::{Model, Pane};
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn row<'a>(model: &Model, item: &ActionItem, theme: &Theme, selected: bool) -> Line<'a> {
    let now = model.now;
    let (mark, text_style) = match item.state {
        ActionState::Open => ("[ ]", ratatui::style::Style::new()),
        ActionState::Done => (theme.glyph("[✓]", "[x]"), theme.muted()),
        ActionState::Dropped => ("[-]", theme.muted()),
    };
    // The time-box and the owner come first: a long text is cut at the end, never them.
    let mut spans = vec![Span::raw(format!("{mark} #{} ", item.id))];
    if let (Some(due), ActionState::Open) = (item.due_at, item.state) {
        let left = due - now;
        if item.is_overdue(now) {
            spans.push(Span::styled(
                format!("OVERDUE +{}", duration(model, left, false)),
                theme.badge(Tone::Critical),
            ));
        } else {
            let tone = if left.num_seconds() <= 120 {
                Tone::Warning
            } else {
                Tone::Muted
            };
            let clock = theme.glyph("⏱", "due");
            spans.push(Span::styled(
                format!("{clock} {}", duration(model, left, false)),
                theme.fg(tone),
            ));
        }
        spans.push(Span::raw(" "));
    }
    if let Some(owner) = &item.owner {
        spans.push(Span::styled("@", theme.muted()));
        spans.push(safe(owner, theme.fg(Tone::Info)));
        spans.push(Span::raw(" "));
    }
    spans.push(safe(&item.text, text_style));
    let line = Line::from(spans);
    if selected {
        line.style(theme.selected())
    } else {
        line
    }
}

pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let focused = model.focus == Pane::Actions;
    let items = model
        .current()
        .map(|t| t.state.actions.as_slice())
        .unwrap_or_default();
    let open = items
        .iter()
        .filter(|i| i.state == ActionState::Open)
        .count();
    let overdue = items.iter().filter(|i| i.is_overdue(model.now)).count();
    let mut title = format!("Action items ({open} open");
    if overdue > 0 {
        title.push_str(&format!(", {overdue} overdue"));
    }
    title.push(')');
    let block = pane_block(title, focused, theme);
    let visible = usize::from(area.height.saturating_sub(2)).max(1);
    let first = model.action_cursor.saturating_sub(visible - 1);
    let lines: Vec<Line> = items
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, item)| row(model, item, theme, focused && i == model.action_cursor))
        .collect();
    let lines = if lines.is_empty() {
        let key = model.keymap.keys_for(crate::tui::keymap::Action::NewAction);
        vec![Line::styled(
            format!("none yet — {key} adds one"),
            theme.muted(),
        )]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
