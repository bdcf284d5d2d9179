//! The roster: every role, with the vacant ones flagged.

use super::pane_block;
use super::text::{SafeLine, blank, paragraph, render, safe, safe_format, span};
use crate::domain::Role;
use crate::tui::app::{Model, Pane};
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::Rect;

/// Rows the roster wants, borders included: one per role, one more per extra engineer.
pub fn height(model: &Model) -> u16 {
    let engineers = model.current().map_or(0, |t| t.state.roles.engineers.len());
    (Role::ALL.len() + engineers.saturating_sub(1) + 2) as u16
}

pub fn lines<'a>(model: &Model, theme: &Theme) -> Vec<SafeLine<'a>> {
    let Some(tracked) = model.current() else {
        return vec![];
    };
    let roles = &tracked.state.roles;
    let label = |role: Role| span(safe_format!("{:<20}", role.title()), theme.muted());
    let vacant = || span("VACANT", theme.fg(Tone::Warning));
    let mut lines = Vec::new();
    for role in Role::ALL {
        if role == Role::Engineer {
            if roles.engineers.is_empty() {
                lines.push(SafeLine::from(vec![label(role), vacant()]));
            }
            for (i, engineer) in roles.engineers.iter().enumerate() {
                let mut spans = if i == 0 {
                    vec![label(role)]
                } else {
                    vec![blank(20)]
                };
                spans.push(safe(&engineer.person, theme.bold()));
                if !engineer.focus.is_empty() {
                    spans.push(span(" — ", theme.muted()));
                    spans.push(safe(&engineer.focus, theme.fg(Tone::Info)));
                }
                lines.push(SafeLine::from(spans));
            }
        } else {
            let holder = match roles.holder(role) {
                Some(person) => safe(person, theme.bold()),
                None => vacant(),
            };
            lines.push(SafeLine::from(vec![label(role), holder]));
        }
    }
    lines
}

pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = pane_block(
        crate::sanitize::sanitize("Roster"),
        model.desk.focus == Pane::Roster,
        theme,
    );
    render(frame, paragraph(lines(model, theme)).block(block), area);
}
