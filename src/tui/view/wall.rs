//! The wall display: read-only, legible from across the room, no key hints.

use super::header::{
    connecting, facts_line, impact_age, severity_tone, status_tone, title_lines, update_countdown,
};
use super::status::link_text;
use super::text::{SafeLine, paragraph, plain, raw, render, safe_format, span, styled_line};
use super::{actions, big, panels, roster, timeline};
use crate::sanitize::sanitize_owned;
use crate::tui::app::{Link, Model};
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Borders};

/// From here on the wall has room for every pane and for large type.
const ROOMY: (u16, u16) = (160, 45);
/// From here on a title in large type may take two bands of it.
const GRAND: (u16, u16) = (200, 50);
/// The main panel keeps at least this many rows of chart, borders aside.
const MAIN_PANEL_ROWS: u16 = 6;
/// A small wall shows at least the latest this many timeline entries.
const LATEST_ENTRIES: u16 = 5;

pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let banner_height = u16::from(matches!(model.feed.link, Link::Down { .. }));
    let roomy = area.width >= ROOMY.0 && area.height >= ROOMY.1;
    let bands = if area.width >= GRAND.0 && area.height >= GRAND.1 {
        2
    } else {
        1
    };
    let ink = theme.glyph("█", "#");
    let title_rows = model.current().map_or(0, |tracked| {
        title_lines(model, &tracked.state, theme, area.width).len() as u16
    });
    // On a roomy wall the severity, and the title where the font can draw it whole, are
    // in large type over the title line.
    let large = match model.current() {
        Some(tracked) if roomy => {
            large_header(model, &tracked.state, theme, area.width, bands, ink)
        }
        _ => vec![],
    };
    // Title lines, the facts line and the digits (a label over five rows).
    let header_height = large.len() as u16 + title_rows + 1 + 6;
    let [banner, header_area, body] = Layout::vertical([
        Constraint::Length(banner_height),
        Constraint::Length(header_height),
        Constraint::Fill(1),
    ])
    .areas(area);
    if banner_height > 0 {
        let known = if model.feed.synced {
            " — showing the last known state".to_string()
        } else {
            format!(" — {}", connecting(model))
        };
        let mut banner_spans = vec![raw(" ")];
        banner_spans.extend(link_text(model, theme));
        banner_spans.push(raw(sanitize_owned(known)));
        let line = SafeLine::from(banner_spans);
        render(
            frame,
            paragraph(line).style(theme.badge(Tone::Critical)),
            banner,
        );
    }
    let Some(tracked) = model.current() else {
        all_clear(model, theme, frame, header_area.union(body));
        return;
    };
    let incident = &tracked.state;

    let [large_area, title_area, facts_area, digits_area] = Layout::vertical([
        Constraint::Length(large.len() as u16),
        Constraint::Length(title_rows),
        Constraint::Length(1),
        Constraint::Length(6),
    ])
    .areas(header_area);
    render(frame, paragraph(large), large_area);
    render(
        frame,
        paragraph(title_lines(model, incident, theme, area.width)),
        title_area,
    );
    let mut facts = facts_line(model, incident, theme);
    if model.feed.link == Link::Live {
        facts.push(raw("  "));
        facts.extend(link_text(model, theme));
    }
    render(frame, facts, facts_area);
    let [strip_area, body] = Layout::vertical([
        Constraint::Length(super::incident_list::strip_height(model, area.height)),
        Constraint::Fill(1),
    ])
    .areas(body);
    super::incident_list::draw_strip(model, theme, frame, strip_area);

    let impact = impact_age(incident, model.now);
    let countdown = update_countdown(model, incident);
    // A roomy wall shows the time in UTC beside the countdowns: the room's shared clock.
    let [impact_area, update_area, clock_area] = Layout::horizontal([
        Constraint::Percentage(if roomy { 34 } else { 50 }),
        Constraint::Fill(1),
        Constraint::Length(if roomy { 40 } else { 0 }),
    ])
    .areas(digits_area);
    if roomy {
        let now = model.now.format("%H:%M").to_string();
        big_figure(frame, theme, clock_area, "UTC", &now, theme.bold(), ink);
    }
    big_figure(
        frame,
        theme,
        impact_area,
        "IMPACT",
        &impact,
        theme.fg(status_tone(incident.status)),
        ink,
    );
    match countdown {
        Some(countdown) => {
            let overdue = countdown.tone == Tone::Critical;
            let label = if overdue {
                "UPDATE OVERDUE"
            } else {
                "NEXT UPDATE"
            };
            let style = if overdue {
                theme.badge(countdown.tone)
            } else {
                theme.fg(countdown.tone)
            };
            big_figure(
                frame,
                theme,
                update_area,
                label,
                &countdown.value,
                style,
                ink,
            );
        }
        None => {
            let done = styled_line(
                safe_format!(" {}", incident.status.as_str().to_uppercase()),
                theme.bold(),
            );
            render(frame, paragraph(vec![plain(""), done]), update_area);
        }
    }

    // A small wall drops panes by priority rather than squeezing them all: the main panel
    // and the latest entries of the timeline at full width stay; the roster, the action
    // items and the other panels go.
    let small = body.height < 2 * (MAIN_PANEL_ROWS + 2) + LATEST_ENTRIES + 2 || area.width < 120;
    if small {
        let [panel_area, timeline_area] = Layout::vertical([
            Constraint::Length(MAIN_PANEL_ROWS + 2),
            Constraint::Min(LATEST_ENTRIES + 2),
        ])
        .areas(body);
        panels::draw_main(model, theme, frame, panel_area);
        timeline::draw(model, theme, frame, timeline_area);
        return;
    }
    let [panels_area, lower] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Fill(1)]).areas(body);
    panels::draw(model, theme, frame, panels_area);
    let [timeline_area, side] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Fill(1)]).areas(lower);
    let [roster_area, actions_area] = Layout::vertical([
        Constraint::Length(roster::height(model).min(side.height / 2)),
        Constraint::Fill(1),
    ])
    .areas(side);
    timeline::draw(model, theme, frame, timeline_area);
    roster::draw(model, theme, frame, roster_area);
    actions::draw(model, theme, frame, actions_area);
}

/// The status in large type in its colour, and IC VACANT beside it in alarm colours while
/// an open incident has no commander: TRIGGERED and MITIGATED read apart from the door.
fn status_band<'a>(
    incident: &crate::domain::Incident,
    theme: &Theme,
    ink: &str,
) -> Vec<SafeLine<'a>> {
    let status = incident.status.as_str().to_uppercase();
    let status_style = theme.fg(status_tone(incident.status)).patch(theme.bold());
    let status_rows = big::lines(&status, ink, status_style);
    let vacant = incident.status.is_open() && incident.roles.commander.is_none();
    let vacant_rows = if vacant {
        big::lines(
            "IC VACANT",
            ink,
            theme.fg(Tone::Critical).patch(theme.bold()),
        )
    } else {
        vec![]
    };
    status_rows
        .into_iter()
        .enumerate()
        .map(|(row, line)| {
            let mut spans = vec![raw(" ")];
            let style = line.line_style();
            spans.push(span(sanitize_owned(line.to_string()), style));
            if let Some(vacant) = vacant_rows.get(row) {
                spans.push(raw("   "));
                spans.push(span(
                    sanitize_owned(vacant.to_string()),
                    vacant.line_style(),
                ));
            }
            SafeLine::from(spans)
        })
        .collect()
}

/// The severity in large type, for a room that reads it from the door, and beside it the
/// title in large capitals where the font draws it whole within `bands` bands (else the
/// title line under it, in normal size, is the only one: a CJK title stays whole); under
/// them the status, and IC VACANT while an open incident has no commander, as large.
fn large_header<'a>(
    model: &Model,
    incident: &crate::domain::Incident,
    theme: &Theme,
    width: u16,
    bands: usize,
    ink: &str,
) -> Vec<SafeLine<'a>> {
    let tone = severity_tone(model, incident);
    let name = crate::sanitize::sanitize(incident.severity.as_str());
    let style = theme.fg(tone).patch(theme.bold());
    let severity: Vec<SafeLine> = if big::covers(&name) {
        big::lines(&name, ink, style)
    } else {
        vec![styled_line(name.into_owned(), style)]
    };
    let left = severity.iter().map(SafeLine::width).max().unwrap_or(0) + 3;
    let room = width.saturating_sub(left as u16 + 1);
    let title = crate::sanitize::sanitize(&incident.title);
    let title = big::title(&title, room, bands, ink, theme.bold()).unwrap_or_default();
    let mut lines = vec![plain("")];
    for row in 0..severity.len().max(title.len()) {
        let mut spans = vec![];
        let drawn = severity
            .get(row)
            .map(SafeLine::to_string)
            .unwrap_or_default();
        let pad = " ".repeat(left.saturating_sub(severity.get(row).map_or(0, SafeLine::width)));
        spans.push(span(sanitize_owned(drawn + &pad), style));
        if let Some(line) = title.get(row) {
            spans.push(span(sanitize_owned(line.to_string()), theme.bold()));
        }
        lines.push(SafeLine::from(spans));
    }
    lines.push(plain(""));
    lines.extend(status_band(incident, theme, ink));
    lines
}

/// A label over big digits; falls back to plain text where the digits do not fit.
fn big_figure(
    frame: &mut Frame,
    theme: &Theme,
    area: Rect,
    label: &str,
    text: &str,
    style: ratatui::style::Style,
    ink: &str,
) {
    let mut lines = vec![styled_line(safe_format!(" {label}"), theme.muted())];
    if big::width(text) < area.width && area.height >= 6 {
        lines.extend(big::lines(text, ink, style).into_iter().map(|line| {
            let mut spans = vec![raw(" ")];
            let style = line.line_style();
            spans.extend(line.into_spans());
            SafeLine::from(spans).style(style)
        }));
    } else {
        lines.push(styled_line(
            safe_format!(" {text}"),
            style.patch(theme.bold()),
        ));
    }
    render(frame, paragraph(lines), area);
}

fn all_clear(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = Block::new().borders(Borders::NONE);
    let mut lines = vec![plain("")];
    // Until the backend has answered, nothing is known: never "all clear".
    if model.feed.synced {
        lines.push(styled_line(
            " ALL CLEAR",
            theme.bold().patch(theme.fg(Tone::Ok)),
        ));
        lines.push(plain(""));
        lines.push(styled_line(" no open incidents", theme.muted()));
    } else {
        lines.push(styled_line(
            " NO DATA YET",
            theme.bold().patch(theme.fg(Tone::Warning)),
        ));
        lines.push(plain(""));
        lines.push(styled_line(
            safe_format!(" {}", connecting(model)),
            theme.muted(),
        ));
    }
    if model.setup.demo {
        lines.push(styled_line(" DEMO DATA ", theme.badge(Tone::Accent)));
    }
    render(frame, paragraph(lines).block(block), area);
}
