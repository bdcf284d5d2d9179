//! A suggestion on a line of its own above the status line (the impact start the panel
//! offers), with the key that takes it up. It never takes a key itself.

use super::text::{SafeLine, clock, raw, render, safe_format, span};
use crate::tui::app::Model;
use crate::tui::app::impact::ImpactOffer;
use crate::tui::keymap::Action;
use crate::tui::theme::{Theme, Tone};
use ratatui::Frame;
use ratatui::layout::Rect;

/// The offer for the incident on screen, if there is one.
fn shown(model: &Model) -> Option<&ImpactOffer> {
    model
        .offer
        .as_ref()
        .filter(|offer| model.desk.selected.as_ref() == Some(&offer.incident))
}

/// The rows the offer takes: one while there is one for the incident on screen.
pub fn height(model: &Model) -> u16 {
    u16::from(shown(model).is_some())
}

pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(offer) = shown(model) else {
        return;
    };
    let key = model.setup.keymap.keys_for(Action::ImpactStart);
    let line = SafeLine::from(vec![
        raw(" "),
        span(
            safe_format!("{} offer", theme.glyph("▶", ">")),
            theme.badge(Tone::Info),
        ),
        raw(safe_format!(
            " impact started {} by the panel? ",
            clock(offer.at)
        )),
        span(
            safe_format!("{key}"),
            theme.bold().patch(theme.fg(Tone::Accent)),
        ),
        raw(" to review"),
    ]);
    render(frame, line, area);
}
