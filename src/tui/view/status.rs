//! The bottom lines: what happened to the last command, the link, and the keys.

use super::text::{SafeLine, Spans, clock, plain, raw, render, safe_format, span, styled_line};
use crate::sanitize::sanitize_owned;
use crate::tui::app::{Link, Model};
use crate::tui::keymap::{Action, HINT_ORDER};
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

/// The link as words: shown on the status line and, on the wall, as a banner.
pub fn link_text(model: &Model, theme: &Theme) -> Spans<'static> {
    let link = match model.feed.link {
        Link::Connecting => span("connecting…", theme.fg(Tone::Warning)),
        Link::Live => span(
            safe_format!("{} live", theme.glyph("●", "*")),
            theme.fg(Tone::Ok),
        ),
        // A refused token is not an outage: retrying will not mend it, a new token will.
        Link::Down { .. } if model.feed.refused.is_some() => span(
            safe_format!("token refused ({})", model.feed.refused.unwrap_or_default()),
            theme.badge(Tone::Critical),
        ),
        Link::Down { since } => span(
            safe_format!("disconnected since {}", clock(since)),
            theme.badge(Tone::Critical),
        ),
    };
    vec![link]
}

pub fn draw_status(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut right = link_text(model, theme);
    if let Some(identity) = &model.identity {
        right.push(span(
            safe_format!(
                " {} ({}) ",
                crate::sanitize::sanitize(&identity.person),
                identity.role
            ),
            theme.muted(),
        ));
    }
    let right = SafeLine::from(right).right_aligned();
    let right_width = right.width() as u16;
    let [left_area, right_area] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(right_width + 1)]).areas(area);
    render(frame, left_line(model, theme, left_area.width), left_area);
    render(frame, right, right_area);
}

fn left_line<'a>(model: &Model, theme: &Theme, width: u16) -> SafeLine<'a> {
    if let Some(pending) = model.outbox.items.first() {
        let more = match model.outbox.items.len() {
            1 => String::new(),
            n => format!(" (+{} more)", n - 1),
        };
        let text = match &pending.last_error {
            Some(_) => format!(
                " {} pending, retrying: {}{more}",
                theme.glyph("⟳", "~"),
                pending.summary
            ),
            None => format!(
                " {} sending: {}{more}",
                theme.glyph("⟳", "~"),
                pending.summary
            ),
        };
        let tone = if pending.last_error.is_some() {
            Tone::Warning
        } else {
            Tone::Info
        };
        return styled_line(
            crate::sanitize::sanitize(&text).into_owned(),
            theme.fg(tone),
        );
    }
    let Some(notice) = &model.notice else {
        return plain("");
    };
    let tone = if notice.error {
        Tone::Critical
    } else {
        Tone::Ok
    };
    // A notice wider than the line is cut here and kept whole in the message log.
    let text = crate::sanitize::sanitize(&notice.text);
    let room = usize::from(width).saturating_sub(1);
    let shown = if text.width() <= room {
        text.into_owned()
    } else {
        let key = model.setup.keymap.keys_for(Action::Messages);
        let more = format!(" ({key} for more)");
        let cut = text.fit(room.saturating_sub(more.chars().count()));
        crate::sanitize::sanitize(&format!("{cut}{more}")).into_owned()
    };
    SafeLine::from(vec![raw(" "), span(shown, theme.fg(tone))])
}

/// The desk's keys a commander needs most, in the table's order (`keymap::HINT_ORDER`), until
/// the line is full; help and quit always on the right.
pub fn draw_hints(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    let mut width = 0usize;
    // Help and quit always fit: they are reserved first.
    let primary = |action| {
        model
            .setup
            .keymap
            .primary(action)
            .map(|k| k.to_string())
            .unwrap_or_default()
    };
    let help = format!(
        "{} help  {} quit",
        primary(Action::Help),
        primary(Action::Quit)
    );
    let budget = usize::from(area.width).saturating_sub(help.len() + 1);
    // The table's words for the bar, in its order.
    let hints = HINT_ORDER
        .iter()
        .filter_map(|&action| Some((action, action.info().hint?)));
    for (action, label) in hints {
        let Some(key) = model.setup.keymap.primary(action) else {
            continue;
        };
        let key = key.to_string();
        let entry_width = key.chars().count() + label.len() + 3;
        if width + entry_width > budget {
            // A shorter, less-used hint further down may still fit.
            continue;
        }
        width += entry_width;
        spans.push(span(
            safe_format!(" {key}"),
            theme.bold().patch(theme.fg(Tone::Accent)),
        ));
        spans.push(span(safe_format!(" {label} "), theme.muted()));
    }
    let [left, right] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(help.len() as u16 + 1),
    ])
    .areas(area);
    render(frame, SafeLine::from(spans), left);
    render(
        frame,
        styled_line(sanitize_owned(help), theme.muted()).right_aligned(),
        right,
    );
}
