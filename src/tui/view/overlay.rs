//! What sits on top of the panes: help, confirmations, the severity picker, forms, and the
//! `:` and `/` lines.

use super::text::{
    BorderSymbols, SafeLine, Spans, blank, hint_list, hint_sentence, input_window, paragraph,
    plain, raw, render, safe_format, span, styled_line, titled,
};
use crate::domain::ComponentStatus;
use crate::sanitize::{sanitize, sanitize_owned};
use crate::tui::app::component_picker::ComponentPicker;
use crate::tui::app::form::{self, FieldValue, Form};
use crate::tui::app::overlay::{ANY_KEY_CLOSES, Hint};
use crate::tui::app::{Model, Overlay, command_line, quit, severity};
use crate::tui::keymap::ACTIONS;
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Block, Borders, Clear, Wrap};
use tui_input::Input;

pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    match &model.overlay {
        Overlay::None => {}
        Overlay::Help => help(model, theme, frame, area),
        Overlay::IncidentList(list) => super::incident_list::draw(model, list, theme, frame, area),
        Overlay::QuitPending => {
            let count = model.outbox.items.len();
            let lines = vec![
                styled_line(
                    safe_format!("{count} command(s) not yet acknowledged by the backend."),
                    theme.bold(),
                ),
                plain(if model.outbox_on_disk {
                    "They are kept on disk and sent when warroom next starts."
                } else {
                    "They are not saved anywhere: quitting now loses them."
                }),
                plain(""),
                badges(&quit::HINTS, theme, |hint| {
                    if hint.key == "y" {
                        Tone::Warning
                    } else {
                        Tone::Muted
                    }
                }),
            ];
            popup(frame, area, theme, "Quit?", lines, 70);
        }
        Overlay::Confirm(confirm) => {
            // Prompts and evidence quote titles, legends and ids: through the gate.
            let mut lines = vec![styled_line(
                sanitize(&confirm.prompt).into_owned(),
                theme.bold(),
            )];
            for detail in &confirm.detail {
                let tone = if detail.starts_with("CAUTION") {
                    Tone::Warning
                } else {
                    Tone::Info
                };
                lines.push(styled_line(sanitize(detail).into_owned(), theme.fg(tone)));
            }
            lines.push(plain(""));
            lines.push(badges(&confirm.hints(), theme, |hint| match hint.key {
                "y" => Tone::Ok,
                "n" => Tone::Muted,
                _ => Tone::Info,
            }));
            popup(frame, area, theme, "Confirm", lines, 70);
        }
        Overlay::Severity(picker) => {
            let lines = model
                .scale
                .levels()
                .iter()
                .enumerate()
                .map(|(i, level)| {
                    let line = SafeLine::from(vec![
                        // The scale comes from the backend's /v1/severities.
                        span(
                            safe_format!(" {} ", sanitize(level.name.as_str())),
                            theme.badge(Theme::severity_tone(i)),
                        ),
                        raw(safe_format!(
                            " {}  (update every {} min)",
                            sanitize(&level.description),
                            level.update_every_minutes
                        )),
                    ]);
                    if i == picker.selected {
                        line.style(theme.selected())
                    } else {
                        line
                    }
                })
                .collect::<Vec<_>>();
            let title = format!(
                "Severity of {} ({})",
                picker.incident,
                hint_list(&severity::HINTS, ", ")
            );
            popup(frame, area, theme, &title, lines, 64);
        }
        Overlay::Form(form) => draw_form(form, theme, frame, area),
        // The line names the incident it will act on, the one on screen when `:` was pressed.
        Overlay::CommandLine(line) => match &line.incident {
            Some(id) => input_line(frame, area, theme, &format!("{id} :"), &line.input),
            None => input_line(frame, area, theme, ":", &line.input),
        },
        Overlay::Filter(input) => input_line(frame, area, theme, "/", input),
        Overlay::Review(screen) => super::review::draw(model, screen, theme, frame, area),
        Overlay::Followups(view) => super::learn::draw_followups(view, theme, frame, area),
        Overlay::Report(view) => super::learn::draw_report(view, theme, frame, area),
        Overlay::Messages => messages(model, theme, frame, area),
        Overlay::Commands => commands(theme, frame, area),
    }
}

/// The message log, newest first, each with its time and its whole text (wrapped).
fn messages(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut lines: Vec<SafeLine> = model
        .messages
        .iter()
        .rev()
        .map(|notice| {
            let tone = if notice.error {
                Tone::Critical
            } else {
                Tone::Ok
            };
            SafeLine::from(vec![
                span(
                    safe_format!("{} ", super::text::clock(notice.at)),
                    theme.muted(),
                ),
                span(sanitize(&notice.text).into_owned(), theme.fg(tone)),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(styled_line("no messages yet", theme.muted()));
    }
    lines.push(plain(""));
    lines.push(styled_line(
        safe_format!("Times are UTC. {}", hint_sentence(ANY_KEY_CLOSES)),
        theme.muted(),
    ));
    popup(frame, area, theme, "Messages (newest first)", lines, 100);
}

/// Every `:` command with its arguments.
fn commands(theme: &Theme, frame: &mut Frame, area: Rect) {
    let usage_width = crate::tui::app::command_line::COMMANDS
        .iter()
        .map(|(usage, _)| usage.len() + 2)
        .max()
        .unwrap_or(0);
    let mut lines: Vec<SafeLine> = crate::tui::app::command_line::COMMANDS
        .iter()
        .map(|(usage, what)| {
            SafeLine::from(vec![
                span(
                    safe_format!(":{usage:<usage_width$}"),
                    theme.bold().patch(theme.fg(Tone::Accent)),
                ),
                raw(*what),
            ])
        })
        .collect();
    lines.push(plain(""));
    // The `:` line's own keys, where the keys are listed, and how this list closes.
    let lists_the_keys = Hint {
        key: "?",
        does: "lists the keys",
    };
    let hints = [&command_line::HINTS[..], &[lists_the_keys, ANY_KEY_CLOSES]].concat();
    lines.push(styled_line(
        sanitize_owned(hint_list(&hints, " · ")),
        theme.muted(),
    ));
    popup(frame, area, theme, "Commands", lines, 80);
}

fn help(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let entries: Vec<SafeLine> = ACTIONS
        .iter()
        .filter(|row| !(model.setup.wall && row.action.mutates()))
        .map(|row| {
            SafeLine::from(vec![
                span(
                    safe_format!(" {:<10}", model.setup.keymap.keys_for(row.action)),
                    theme.bold().patch(theme.fg(Tone::Accent)),
                ),
                raw(sanitize(row.describe).fit(26).into_owned()),
            ])
        })
        .collect();
    // Two columns when one would not fit: the whole list stays readable at 80x24.
    let rows = usize::from(area.height.saturating_sub(5)).max(1);
    let columns = if entries.len() > rows { 2 } else { 1 };
    let per_column = entries.len().div_ceil(columns);
    let mut lines: Vec<SafeLine> = (0..per_column)
        .map(|row| {
            let mut spans = Vec::new();
            for column in 0..columns {
                if let Some(entry) = entries.get(column * per_column + row) {
                    let width = entry.width();
                    spans.extend(entry.spans());
                    spans.push(blank(38usize.saturating_sub(width)));
                }
            }
            SafeLine::from(spans)
        })
        .collect();
    lines.push(plain(""));
    lines.push(styled_line(
        safe_format!(
            " Times are UTC. Remap keys in [tui.keys] of the config. {}",
            hint_sentence(ANY_KEY_CLOSES)
        ),
        theme.muted(),
    ));
    popup(frame, area, theme, "Keys", lines, 78);
}

pub(super) fn draw_form(form: &Form, theme: &Theme, frame: &mut Frame, area: Rect) {
    let width = area.width.min(76);
    let label_width = 14usize;
    let mut lines = Vec::new();
    let mut cursor = None;
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let label_style = if focused {
            theme.bold().patch(theme.fg(Tone::Accent))
        } else {
            theme.muted()
        };
        let mut spans = vec![span(
            safe_format!("{:<label_width$}", field.label),
            label_style,
        )];
        let value_width = usize::from(width).saturating_sub(label_width + 4);
        match &field.value {
            FieldValue::Text(input) => {
                let (shown, x) = input_window(input, value_width);
                spans.push(span(
                    shown,
                    if focused {
                        theme.selected()
                    } else {
                        ratatui::style::Style::new()
                    },
                ));
                if focused {
                    cursor = Some((label_width as u16 + x as u16, lines.len() as u16));
                }
            }
            FieldValue::Choice { options, selected } => {
                for (j, option) in options.iter().enumerate() {
                    let style = if j == *selected {
                        theme.selected()
                    } else {
                        theme.muted()
                    };
                    spans.push(span(safe_format!(" {} ", sanitize(option)), style));
                }
            }
            FieldValue::Components(picker) => {
                // One line per component, under the label's first.
                for (j, row) in component_rows(picker, focused, theme)
                    .into_iter()
                    .enumerate()
                {
                    if j > 0 {
                        lines.push(SafeLine::from(std::mem::take(&mut spans)));
                        spans.push(blank(label_width));
                    }
                    spans.extend(row);
                }
            }
        }
        lines.push(SafeLine::from(spans));
    }
    let hint = form.fields[form.focus].hint;
    lines.push(plain(""));
    match &form.error {
        Some(error) => lines.push(styled_line(
            sanitize(error).fit(usize::from(width) - 4).into_owned(),
            theme.fg(Tone::Critical),
        )),
        None => lines.push(styled_line(
            sanitize(hint).fit(usize::from(width) - 4).into_owned(),
            theme.muted(),
        )),
    }
    lines.push(styled_line(
        sanitize_owned(hint_list(&form::HINTS, " · ")),
        theme.muted(),
    ));
    // A form names the incident it sends to, the one on screen when it opened.
    let title = match &form.incident {
        Some(id) => format!("{} — {id}", form.kind.title()),
        None => form.kind.title().to_string(),
    };
    let inner = popup(frame, area, theme, &title, lines, width);
    if let Some((x, y)) = cursor {
        frame.set_cursor_position((inner.x + x, inner.y + y));
    }
}

/// The picker's components, `› api        < Partial Outage >`: the one under the arrows marked
/// while the picker has the focus, each status in its colour, "—" where the update names none.
fn component_rows<'a>(picker: &ComponentPicker, focused: bool, theme: &Theme) -> Vec<Spans<'a>> {
    let width = picker
        .rows
        .iter()
        .map(|(name, _)| name.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    picker
        .rows
        .iter()
        .enumerate()
        .map(|(j, (name, status))| {
            let here = focused && j == picker.cursor;
            let (shown, tone) = match status {
                Some(status) => (status.title(), status_tone(*status)),
                None if theme.ascii => ("-", Tone::Muted),
                None => ("—", Tone::Muted),
            };
            let name_style = if here {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            vec![
                span(if here { "> " } else { "  " }, name_style),
                span(sanitize(name).pad(width), name_style),
                span(safe_format!("  < {shown} >"), theme.fg(tone)),
            ]
        })
        .collect()
}

fn status_tone(status: ComponentStatus) -> Tone {
    match status {
        ComponentStatus::Operational => Tone::Ok,
        ComponentStatus::DegradedPerformance | ComponentStatus::PartialOutage => Tone::Warning,
        ComponentStatus::MajorOutage => Tone::Critical,
        ComponentStatus::UnderMaintenance => Tone::Info,
    }
}

fn input_line(frame: &mut Frame, area: Rect, theme: &Theme, prompt: &str, input: &Input) {
    let line_area = Rect::new(area.x, area.bottom().saturating_sub(1), area.width, 1);
    let prompt_width = prompt.chars().count();
    let width = usize::from(area.width).saturating_sub(prompt_width + 1);
    let (shown, x) = input_window(input, width);
    render(frame, Clear, line_area);
    render(
        frame,
        SafeLine::from(vec![
            span(sanitize_owned(prompt.to_string()), theme.bold()),
            raw(shown),
        ]),
        line_area,
    );
    let x = u16::try_from(x + prompt_width).unwrap_or(u16::MAX);
    frame.set_cursor_position((line_area.x.saturating_add(x), line_area.y));
}

/// A dialog's keys as badges, each with what it does: ` y  confirm     n  cancel`.
fn badges<'a>(hints: &[Hint], theme: &Theme, tone: impl Fn(&Hint) -> Tone) -> SafeLine<'a> {
    let mut spans = Vec::new();
    for hint in hints {
        if !spans.is_empty() {
            spans.push(raw("    "));
        }
        spans.push(span(
            safe_format!(" {} ", hint.key),
            theme.badge(tone(hint)),
        ));
        spans.push(raw(safe_format!(" {}", hint.does)));
    }
    SafeLine::from(spans)
}

/// A bordered box in the middle of `area`, as tall as its wrapped lines; returns its inner
/// area.
pub(super) fn popup(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    title: &str,
    lines: Vec<SafeLine>,
    width: u16,
) -> Rect {
    let inner_width = usize::from(width.min(area.width).saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|line| sanitize(&line.to_string()).wrap(inner_width).len())
        .sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let rect = area.centered(
        Constraint::Length(width.min(area.width)),
        Constraint::Length(height.min(area.height)),
    );
    let block = titled(
        Block::new()
            .borders(Borders::ALL)
            .border_symbols(theme.border_set())
            .border_style(theme.fg(Tone::Accent)),
        span(safe_format!(" {title} "), theme.bold()),
    );
    let inner = block.inner(rect);
    render(frame, Clear, rect);
    render(
        frame,
        paragraph(lines).block(block).wrap(Wrap { trim: false }),
        rect,
    );
    inner
}
