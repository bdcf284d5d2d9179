//! Small formatting helpers every pane shares.

use crate::domain::Timestamp;
use crate::sanitize::{SafeText, sanitize};
use ratatui::style::Style;
use ratatui::text::Span;
use tui_input::Input;

/// Network text made safe to draw.
pub fn safe<'a>(text: &str, style: Style) -> Span<'a> {
    Span::styled(sanitize(text).into_owned(), style)
}

/// What a text input shows in `width` columns, scrolled to its cursor, and the cursor's
/// column in it. Through the gate: inputs are prefilled from network text (an alert, someone
/// else's review entry) or pasted, and scrolled in columns as the input counts them.
pub fn input_window(input: &Input, width: usize) -> (SafeText<'static>, usize) {
    let scroll = input.visual_scroll(width);
    let shown = sanitize(input.value())
        .skip_columns(scroll)
        .fit(width)
        .into_owned();
    (shown, input.visual_cursor().max(scroll) - scroll)
}

/// `14:03:12`, UTC like every time on screen.
pub fn clock(at: Timestamp) -> String {
    at.format("%H:%M:%S").to_string()
}

/// `2026-11-25 14:03:12`
pub fn date_time(at: Timestamp) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A duration as this screen shows it: to the second on the desk; in whole minutes on the
/// wall unless `seconds_matter` (a countdown in its last two minutes).
pub fn duration(
    model: &crate::tui::app::Model,
    value: chrono::Duration,
    seconds_matter: bool,
) -> String {
    if model.wall && !seconds_matter {
        crate::duration::minutes(value)
    } else {
        crate::duration::hms(value)
    }
}
