//! Action items: a checkbox, the owner and the time-box, overdue ones flagged.

use super::pane_block;
use super::text::{SafeLine, blank, paragraph, raw, render, safe, safe_format, span, styled_line};
use crate::domain::{ActionItem, ActionState};
use crate::duration::minutes;
use crate::sanitize::{SafeText, sanitize, sanitize_owned};
use crate::tui::app::{Model, Pane};
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::Rect;

/// One action item, its text wrapped under itself in `width` columns. `counting` is whether
/// its time-box still runs: once the incident is resolved nothing is due any more, so no
/// countdown and no OVERDUE.
pub fn row<'a>(
    model: &Model,
    item: &ActionItem,
    theme: &Theme,
    selected: bool,
    counting: bool,
    width: usize,
) -> Vec<SafeLine<'a>> {
    let now = model.now;
    let (mark, text_style) = match item.state {
        ActionState::Open => ("[ ]", ratatui::style::Style::new()),
        ActionState::Done => (theme.glyph("[✓]", "[x]"), theme.muted()),
        ActionState::Dropped => ("[-]", theme.muted()),
    };
    // The time-box and the owner come first: a long text is cut at the end, never them.
    let mut spans = vec![raw(safe_format!("{mark} #{} ", item.id))];
    if let (Some(due), ActionState::Open, true) = (item.due_at, item.state, counting) {
        let left = due - now;
        // Ages in whole minutes with their unit: `⏱ 9m left`, never a bare `09:12` that
        // reads like a time of day.
        if item.is_overdue(now) {
            spans.push(span(
                safe_format!("OVERDUE {} late", minutes(left)),
                theme.badge(Tone::Critical),
            ));
        } else {
            let tone = if left.num_seconds() <= 120 {
                Tone::Warning
            } else {
                Tone::Muted
            };
            let clock = theme.glyph("⏱", "due");
            spans.push(span(
                safe_format!("{clock} {} left", minutes(left)),
                theme.fg(tone),
            ));
        }
        spans.push(raw(" "));
    }
    if let Some(owner) = &item.owner {
        spans.push(span("@", theme.muted()));
        spans.push(safe(owner, theme.fg(Tone::Info)));
        spans.push(raw(" "));
    }
    let indent = SafeLine::from(spans.clone()).width();
    let text = sanitize(&item.text);
    let mut wrapped = text
        .wrap(width.saturating_sub(indent).max(12))
        .into_iter()
        .map(SafeText::into_owned);
    spans.push(span(wrapped.next().unwrap_or_default(), text_style));
    let lines = std::iter::once(SafeLine::from(spans))
        .chain(wrapped.map(|rest| SafeLine::from(vec![blank(indent), span(rest, text_style)])));
    lines
        .map(|line| {
            if selected {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect()
}

pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let focused = model.desk.focus == Pane::Actions;
    let items = model
        .current()
        .map(|t| t.state.actions.as_slice())
        .unwrap_or_default();
    let open = items
        .iter()
        .filter(|i| i.state == ActionState::Open)
        .count();
    let counting = model.current().is_some_and(|t| t.state.status.is_open());
    let overdue = if counting {
        items.iter().filter(|i| i.is_overdue(model.now)).count()
    } else {
        0
    };
    let mut title = format!("Action items ({open} open");
    if overdue > 0 {
        title.push_str(&format!(", {overdue} overdue"));
    }
    title.push(')');
    let block = pane_block(crate::sanitize::sanitize(&title), focused, theme);
    let visible = usize::from(area.height.saturating_sub(2)).max(1);
    let width = usize::from(area.width.saturating_sub(2));
    let first = model.desk.action_cursor.saturating_sub(visible - 1);
    let lines: Vec<SafeLine> = items
        .iter()
        .enumerate()
        .skip(first)
        .flat_map(|(i, item)| {
            let selected = focused && i == model.desk.action_cursor;
            row(model, item, theme, selected, counting, width)
        })
        .take(visible)
        .collect();
    let lines = if lines.is_empty() {
        // The wall ignores keys: it never hints at one.
        let text = if model.setup.wall {
            "none yet".to_string()
        } else {
            let key = model
                .setup
                .keymap
                .keys_for(crate::tui::keymap::Action::NewAction);
            format!("none yet — {key} adds one")
        };
        vec![styled_line(sanitize_owned(text), theme.muted())]
    } else {
        lines
    };
    render(frame, paragraph(lines).block(block), area);
}
