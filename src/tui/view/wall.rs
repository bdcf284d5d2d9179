//! The wall display: read-only, legible from across the room, no key hints.

use super::header::{
    connecting, facts_line, impact_age, status_tone, title_line, update_countdown,
};
use super::status::link_text;
use super::{actions, big, panels, roster, timeline};
use crate::tui::app::{Link, Model};
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let banner_height = u16::from(matches!(model.link, Link::Down { .. }));
    let [banner, header_area, body] = Layout::vertical([
        Constraint::Length(banner_height),
        Constraint::Length(9),
        Constraint::Fill(1),
    ])
    .areas(area);
    if banner_height > 0 {
        let known = if model.synced {
            " — showing the last known state".to_string()
        } else {
            format!(" — {}", connecting(model))
        };
        let line = Line::from(vec![
            Span::raw(" "),
            link_text(model, theme),
            Span::raw(known),
        ]);
        frame.render_widget(
            Paragraph::new(line).style(theme.badge(Tone::Critical)),
            banner,
        );
    }
    let Some(tracked) = model.current() else {
        all_clear(model, theme, frame, header_area.union(body));
        return;
    };
    let incident = &tracked.state;
    let ink = theme.glyph("█", "#");

    let [title_area, facts_area, digits_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(7),
    ])
    .areas(header_area);
    frame.render_widget(title_line(model, incident, theme), title_area);
    let mut facts = facts_line(model, incident, theme);
    if model.link == Link::Live {
        facts.spans.push(Span::raw("  "));
        facts.spans.push(link_text(model, theme));
    }
    frame.render_widget(facts, facts_area);
    let [strip_area, body] = Layout::vertical([
        Constraint::Length(super::incident_list::strip_height(model)),
        Constraint::Fill(1),
    ])
    .areas(body);
    super::incident_list::draw_strip(model, theme, frame, strip_area);

    let impact = impact_age(model, incident);
    let countdown = update_countdown(model, incident);
    let [impact_area, update_area] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Fill(1)]).areas(digits_area);
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
            let done = Line::styled(
                format!(" {}", incident.status.as_str().to_uppercase()),
                theme.bold(),
            );
            frame.render_widget(Paragraph::new(vec![Line::raw(""), done]), update_area);
        }
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
    let mut lines = vec![Line::styled(format!(" {label}"), theme.muted())];
    if big::width(text) < area.width && area.height >= 6 {
        lines.extend(big::lines(text, ink, style).into_iter().map(|line| {
            let mut spans = vec![Span::raw(" ")];
            spans.extend(line.spans);
            Line::from(spans).style(line.style)
        }));
    } else {
        lines.push(Line::styled(format!(" {text}"), style.patch(theme.bold())));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn all_clear(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = Block::new().borders(Borders::NONE);
    let mut lines = vec![Line::raw("")];
    // Until the backend has answered, nothing is known: never "all clear".
    if model.synced {
        lines.push(Line::styled(
            " ALL CLEAR",
            theme.bold().patch(theme.fg(Tone::Ok)),
        ));
        lines.push(Line::raw(""));
        lines.push(Line::styled(" no open incidents", theme.muted()));
    } else {
        lines.push(Line::styled(
            " NO DATA YET",
            theme.bold().patch(theme.fg(Tone::Warning)),
        ));
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!(" {}", connecting(model)),
            theme.muted(),
        ));
    }
    if model.demo {
        lines.push(Line::styled(" DEMO DATA ", theme.badge(Tone::Accent)));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
