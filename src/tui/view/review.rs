//! The review screen: the whys as a numbered chain, the root cause, the lists, and the
//! corrective actions with overdue ones flagged; the row being edited shows the text input.

use super::overlay::draw_form;
use super::text::{
    BorderSymbols, SafeLine, hint_list, input_window, paragraph, plain, raw, render, safe,
    safe_format, span, styled_line, titled,
};
use crate::domain::{CorrectiveState, Incident};
use crate::sanitize::{sanitize, sanitize_owned};
use crate::tui::app::Model;
use crate::tui::app::review::{ReviewScreen, Section, entry, rows};
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Borders, Clear};

pub fn draw(model: &Model, screen: &ReviewScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(incident) = model.incidents.get(&screen.incident).map(|t| &t.state) else {
        return;
    };
    let block = titled(
        Block::new()
            .borders(Borders::ALL)
            .border_symbols(theme.border_set())
            .border_style(theme.fg(Tone::Accent)),
        SafeLine::from(vec![
            span(safe_format!(" Review {} · ", incident.id), theme.bold()),
            safe(&incident.title, theme.bold()),
            raw(" "),
        ]),
    );
    let inner = block.inner(area);
    render(frame, Clear, area);
    render(frame, block, area);
    let [body, hints] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    let (lines, cursor_line, cursor_x) = review_lines(model, screen, incident, theme, body.width);
    // Keep the selected row on screen, with a line of context above it when there is room.
    let height = usize::from(body.height);
    let offset = cursor_line
        .saturating_sub(height.saturating_sub(2))
        .min(lines.len().saturating_sub(height));
    let shown: Vec<SafeLine> = lines.into_iter().skip(offset).take(height).collect();
    render(frame, paragraph(shown), body);
    if let Some(x) = cursor_x {
        let y = body.y + u16::try_from(cursor_line - offset).unwrap_or(0);
        frame.set_cursor_position((body.x + x, y));
    }
    let hint = hint_list(screen.hints(), " · ");
    render(
        frame,
        styled_line(
            sanitize(&hint).fit(usize::from(hints.width)).into_owned(),
            theme.muted(),
        ),
        hints,
    );
    if let Some(form) = &screen.form {
        draw_form(form, theme, frame, area);
    }
}

/// The lines of the screen, the line of the selected row, and the cursor column when a row
/// is being edited.
fn review_lines<'a>(
    model: &Model,
    screen: &ReviewScreen,
    incident: &Incident,
    theme: &Theme,
    width: u16,
) -> (Vec<SafeLine<'a>>, usize, Option<u16>) {
    let review = &incident.review;
    let corrective = &incident.corrective_actions;
    let width = usize::from(width);
    let mut lines: Vec<SafeLine> = Vec::new();
    let (mut cursor_line, mut cursor_x) = (0, None);
    let mut section = None;
    for (index, row) in rows(review, corrective).into_iter().enumerate() {
        if section != Some(row.section) {
            if section.is_some() {
                lines.push(plain(""));
            }
            section = Some(row.section);
            lines.push(styled_line(
                safe_format!(" {}", row.section.title()),
                theme.bold().patch(theme.fg(Tone::Info)),
            ));
        }
        let selected = index == screen.cursor;
        let marker = match row.section {
            Section::Why => format!("  {:>2}. ", row.index + 1),
            Section::RootCause => "      ".into(),
            Section::Corrective => "   ".into(),
            _ => "    • ".into(),
        };
        if selected && let Some(editing) = &screen.editing {
            let prefix = if editing.insert {
                "  new "
            } else {
                marker.as_str()
            };
            let room = width.saturating_sub(prefix.chars().count() + 1);
            // Prefilled from someone's review text: drawn through the gate.
            let (value, x) = input_window(&editing.input, room);
            cursor_line = lines.len();
            cursor_x = u16::try_from(prefix.chars().count() + x).ok();
            lines.push(SafeLine::from(vec![
                span(sanitize_owned(prefix.to_string()), theme.bold()),
                span(value, theme.selected()),
            ]));
            if !editing.insert {
                continue;
            }
        }
        if selected && screen.editing.is_none() {
            cursor_line = lines.len();
        }
        let style = if selected && screen.editing.is_none() {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        };
        let line = match (row.section, entry(review, row)) {
            (Section::Corrective, _) => match corrective.get(row.index) {
                Some(action) => {
                    let overdue = action.is_overdue(model.now);
                    let mut text = format!(
                        "C{} {:<10} {}  @{}  due {}  {}",
                        action.id,
                        action.kind,
                        crate::sanitize::sanitize(&action.text),
                        crate::sanitize::sanitize(&action.owner),
                        action.due_at.format("%Y-%m-%d"),
                        action.state
                    );
                    if overdue {
                        text.push_str("  OVERDUE");
                    }
                    let tone = match (action.state, overdue) {
                        (_, true) => theme.fg(Tone::Critical),
                        (CorrectiveState::Open, false) => ratatui::style::Style::new(),
                        _ => theme.muted(),
                    };
                    SafeLine::from(vec![
                        raw(sanitize_owned(marker)),
                        span(
                            sanitize(&text).fit(width.saturating_sub(4)).into_owned(),
                            tone.patch(style),
                        ),
                    ])
                }
                None => SafeLine::from(vec![
                    raw(sanitize_owned(marker)),
                    span("+ add a corrective action", theme.muted().patch(style)),
                ]),
            },
            (_, Some(text)) => SafeLine::from(vec![
                raw(sanitize_owned(marker.clone())),
                span(
                    sanitize(text)
                        .fit(width.saturating_sub(marker.len() + 1))
                        .into_owned(),
                    style,
                ),
            ]),
            (_, None) => SafeLine::from(vec![
                raw(sanitize_owned(marker)),
                span("—", theme.muted().patch(style)),
            ]),
        };
        lines.push(line);
    }
    (lines, cursor_line, cursor_x)
}
