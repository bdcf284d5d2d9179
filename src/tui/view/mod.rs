//! Drawing: `view(&Model, &Theme, &mut Frame)` only reads the model and draws it.
//!
//! Three layouts: the desk (100x30 and up: every pane at once), compact (down to 60x16: the
//! same information, one pane at a time, switched with tab) and the wall (large header and
//! countdowns, no key hints). Below the minimum it says so instead of drawing.

mod actions;
mod big;
mod header;
mod incident_list;
mod learn;
mod link;
mod offer;
mod overlay;
mod panels;
mod review;
mod roster;
mod status;
mod text;
mod timeline;
mod wall;

use super::app::{Model, Pane};
use super::layout::{FULL_SIZE, MIN_SIZE};
use super::theme::{ColorMode, Theme};
use crate::sanitize::SafeText;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::widgets::{Block, Borders, Wrap};
use text::{
    BorderSymbols, SafeLine, paragraph, plain, raw, render, safe_format, span, styled_line, titled,
};

pub fn view(model: &Model, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        too_small(theme, frame, area);
        return;
    }
    if model.setup.wall {
        wall::draw(model, theme, frame, area);
    } else if area.width >= FULL_SIZE.0 && area.height >= FULL_SIZE.1 {
        desk(model, theme, frame, area);
    } else {
        compact(model, theme, frame, area);
    }
    overlay::draw(model, theme, frame, area);
    incident_list::draw_attention(model, theme, frame, area);
    if theme.ascii {
        text::replace_symbols(frame, ascii_stand_in);
    }
}

/// The last word on ASCII mode: whatever a pane, a title or a timeline entry drew, every cell
/// leaves here as ASCII, so a terminal without UTF-8 never receives a byte it cannot show.
fn ascii_stand_in(symbol: &str) -> Option<&'static str> {
    if symbol.is_ascii() {
        return None;
    }
    Some(match symbol.chars().next().unwrap_or(' ') {
        '→' | '▶' | '»' => ">",
        '←' | '◀' | '«' => "<",
        '—' | '–' | '─' | '━' => "-",
        '│' | '┃' => "|",
        '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' => "+",
        '·' | '•' | '…' => ".",
        '●' => "*",
        '█' | '▀' | '▄' => "#",
        '✓' => "x",
        '⟳' => "~",
        _ => "?",
    })
}

fn too_small(theme: &Theme, frame: &mut Frame, area: Rect) {
    let message = vec![
        styled_line("Terminal too small", theme.bold()),
        plain(safe_format!(
            "warroom needs at least {}x{}; this one is {}x{}.",
            MIN_SIZE.0,
            MIN_SIZE.1,
            area.width,
            area.height
        )),
    ];
    render(frame, paragraph(message).wrap(Wrap { trim: true }), area);
}

fn desk(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let [
        header_area,
        panels_area,
        body,
        offer_area,
        status_area,
        hints_area,
    ] = Layout::vertical([
        Constraint::Length(header::height(model, true, area.width)),
        Constraint::Percentage(40),
        Constraint::Fill(1),
        Constraint::Length(offer::height(model)),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    header::draw(model, theme, frame, header_area, true);
    panels::draw(model, theme, frame, panels_area);
    let [timeline_area, side] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Fill(1)]).areas(body);
    let roster_height = roster::height(model).min(side.height / 2);
    let [roster_area, actions_area] =
        Layout::vertical([Constraint::Length(roster_height), Constraint::Fill(1)]).areas(side);
    timeline::draw(model, theme, frame, timeline_area);
    roster::draw(model, theme, frame, roster_area);
    actions::draw(model, theme, frame, actions_area);
    offer::draw(model, theme, frame, offer_area);
    status::draw_status(model, theme, frame, status_area);
    status::draw_hints(model, theme, frame, hints_area);
}

fn compact(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let [
        header_area,
        tabs_area,
        body,
        offer_area,
        status_area,
        hints_area,
    ] = Layout::vertical([
        Constraint::Length(header::height(model, false, area.width)),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(offer::height(model)),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    header::draw(model, theme, frame, header_area, false);
    let mut tabs = vec![raw(" ")];
    for pane in model.panes() {
        let style = if pane == model.desk.focus {
            theme.selected()
        } else {
            theme.muted()
        };
        tabs.push(span(safe_format!(" {} ", pane.title()), style));
        tabs.push(raw(" "));
    }
    let key = model.setup.keymap.keys_for(super::keymap::Action::Focus);
    tabs.push(span(safe_format!("({key} switches)"), theme.muted()));
    render(frame, SafeLine::from(tabs), tabs_area);
    match model.desk.focus {
        Pane::Panels => panels::draw(model, theme, frame, body),
        Pane::Alerts => panels::draw_alerts(model, theme, frame, body),
        Pane::Timeline => timeline::draw(model, theme, frame, body),
        Pane::Actions => actions::draw(model, theme, frame, body),
        Pane::Roster => roster::draw(model, theme, frame, body),
    }
    offer::draw(model, theme, frame, offer_area);
    status::draw_status(model, theme, frame, status_area);
    status::draw_hints(model, theme, frame, hints_area);
}

/// A bordered pane whose title says when it has the focus: in colour, and where there is
/// none (`NO_COLOR`, `--color never`) by a double, bold border, so the focus never depends
/// on colour alone.
fn pane_block<'a>(title: SafeText<'_>, focused: bool, theme: &Theme) -> Block<'a> {
    let title_style = if focused {
        theme.bold().patch(theme.fg(super::theme::Tone::Accent))
    } else {
        theme.bold()
    };
    let mut border_style = if focused {
        theme.fg(super::theme::Tone::Accent)
    } else {
        theme.muted()
    };
    let mut border_set = theme.border_set();
    if focused && theme.colors == ColorMode::None {
        border_style = border_style.add_modifier(Modifier::BOLD);
        if !theme.ascii {
            border_set = ratatui::symbols::border::DOUBLE;
        }
    }
    let marker = if focused && theme.colors == ColorMode::None {
        "▶"
    } else {
        ""
    };
    titled(
        Block::new()
            .borders(Borders::ALL)
            .border_symbols(border_set)
            .border_style(border_style),
        span(safe_format!("{marker} {title} "), title_style),
    )
}
