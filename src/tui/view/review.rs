//! The review screen: the whys as a numbered chain, the root cause, the lists, and the
//! corrective actions with overdue ones flagged; the row being edited shows the text input.

use super::overlay::draw_form;
use super::text::{
    BorderSymbols, SafeLine, hint_list, input_window, paragraph, plain, raw, render, safe,
    safe_format, span, styled_line, titled,
};
use crate::domain::{CorrectiveState, Incident, root_cause_from_decisions};
use crate::sanitize::{sanitize, sanitize_owned};
use crate::tui::app::Model;
use crate::tui::app::review::{Asking, ReviewScreen, Section, entry, rows};
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Borders, Clear};

pub fn draw(model: &Model, screen: &ReviewScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(tracked) = model.incidents.get(&screen.incident) else {
        return;
    };
    let incident = &tracked.state;
    let offer = root_cause_from_decisions(&tracked.events);
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
    let (lines, cursor_line, cursor_x) =
        review_lines(model, screen, incident, offer.as_deref(), theme, body.width);
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
    render(
        frame,
        foot(model, screen, incident, theme, hints.width),
        hints,
    );
    if let Some(form) = &screen.form {
        draw_form(form, theme, frame, area);
    }
}

/// The screen's foot: an open question about a corrective action (in the warning colour, as
/// it takes every key), the drop `u` can still undo, and the keys that work now.
fn foot<'a>(
    model: &Model,
    screen: &ReviewScreen,
    incident: &Incident,
    theme: &Theme,
    width: u16,
) -> SafeLine<'a> {
    let named = |id: u32| {
        let text = incident
            .corrective_actions
            .iter()
            .find(|a| a.id == id)
            .map_or("", |a| a.text.as_str());
        format!("C{id} \u{201c}{}\u{201d}", sanitize(text).fit(40))
    };
    let question = match screen.asking {
        Some(Asking::Drop { id }) => Some(format!("Drop {}?", named(id))),
        Some(Asking::Kind { id, .. }) => Some(format!("Kind of {}?", named(id))),
        None => None,
    };
    let undo = screen
        .undo
        .and_then(|undo| Some((undo.id, undo.seconds_left(model.now)?)))
        .filter(|_| question.is_none())
        .map(|(id, left)| format!("C{id} dropped ({left}s)"));
    let mut spans = Vec::new();
    let mut room = usize::from(width);
    for said in question.iter().chain(&undo) {
        let said = sanitize(&format!(" {said} ")).fit(room).into_owned();
        room = room.saturating_sub(said.width());
        spans.push(span(said, theme.badge(Tone::Warning)));
    }
    let keys = hint_list(&screen.hints(incident, model.now), " · ");
    spans.push(span(
        sanitize(&format!(" {keys}")).fit(room).into_owned(),
        theme.muted(),
    ));
    SafeLine::from(spans)
}

/// The lines of the screen, the line of the selected row, and the cursor column when a row
/// is being edited.
fn review_lines<'a>(
    model: &Model,
    screen: &ReviewScreen,
    incident: &Incident,
    offer: Option<&str>,
    theme: &Theme,
    width: u16,
) -> (Vec<SafeLine<'a>>, usize, Option<u16>) {
    let corrective = &incident.corrective_actions;
    let width = usize::from(width);
    let mut lines: Vec<SafeLine> = Vec::new();
    let (mut cursor_line, mut cursor_x) = (0, None);
    let mut section = None;
    for (index, row) in rows(incident).into_iter().enumerate() {
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
            Section::Summary | Section::RootCause => "      ".into(),
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
        let line = match (row.section, entry(incident, row)) {
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
            // A decision that named the root cause: offered, for Enter to take.
            (Section::RootCause, None) if let Some(offer) = offer => SafeLine::from(vec![
                raw(sanitize_owned(marker.clone())),
                span(
                    sanitize(&format!("— from a decision: {offer} (enter takes it)"))
                        .fit(width.saturating_sub(marker.len() + 1))
                        .into_owned(),
                    theme.muted().patch(style),
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
