//! The only door from a string to the screen, and small formatting helpers every pane shares.
//!
//! ratatui makes spans, lines, titles and labels from any string. In the views, they are made
//! here and only here, from [`SafeText`] (which only `sanitize` makes) or from our own
//! `&'static str` literals; text put together with `format!` goes through the gate whole
//! ([`safe_format!`]). `clippy.toml` forbids ratatui's string-taking constructors (and the
//! `Span` and `Text` types) everywhere else, and CI runs clippy with `-D warnings`: a view
//! that draws a string past the sanitiser does not pass the build. What the lint cannot see
//! is written in TESTING.md ("Network text safe by type").

// This module is the one place allowed to call what `clippy.toml` forbids.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use crate::domain::Timestamp;
use crate::sanitize::{SafeLink, SafeText, sanitize};
use ratatui::buffer::Cell;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Paragraph};
use std::borrow::Cow;
use tui_input::Input;

/// Pieces of a line, for a signature (views do not name `Span`: its `From<String>` would let a
/// string past the gate, see TESTING.md). No string converts into one.
pub type Spans<'a> = Vec<Span<'a>>;

/// A piece of a line or none. No string converts into one.
pub type MaybeSpan<'a> = Option<Span<'a>>;

/// What a view may draw: text that went through the gate, or a literal of our own.
pub trait Shown<'a> {
    fn shown(self) -> Cow<'a, str>;
}

impl<'a> Shown<'a> for SafeText<'a> {
    fn shown(self) -> Cow<'a, str> {
        self.into()
    }
}

/// Our own words, written in the source: trusted.
impl Shown<'static> for &'static str {
    fn shown(self) -> Cow<'static, str> {
        Cow::Borrowed(self)
    }
}

/// `format!` through the gate: numbers, ids, words and any network text in them come out as
/// one [`SafeText`].
macro_rules! safe_format {
    ($($arg:tt)*) => {
        $crate::sanitize::sanitize_owned(format!($($arg)*))
    };
}
pub(crate) use safe_format;

/// A styled piece of a line.
pub fn span<'a>(text: impl Shown<'a>, style: Style) -> Span<'a> {
    Span::styled(text.shown(), style)
}

/// A piece of a line in the line's own style.
pub fn raw<'a>(text: impl Shown<'a>) -> Span<'a> {
    Span::raw(text.shown())
}

/// A line of one piece, styled.
pub fn styled_line<'a>(text: impl Shown<'a>, style: Style) -> Line<'a> {
    Line::styled(text.shown(), style)
}

/// A line of one piece in the paragraph's style.
pub fn plain<'a>(text: impl Shown<'a>) -> Line<'a> {
    Line::raw(text.shown())
}

/// `width` blank columns: an indent or a gap.
pub fn blank<'a>(width: usize) -> Span<'a> {
    Span::raw(" ".repeat(width))
}

/// Network text made safe to draw.
pub fn safe<'a>(text: &str, style: Style) -> Span<'a> {
    span(sanitize(text).into_owned(), style)
}

/// What a paragraph may hold: lines made of the pieces above, never a bare string.
pub trait Lines<'a> {
    fn lines(self) -> Vec<Line<'a>>;
}

impl<'a> Lines<'a> for Line<'a> {
    fn lines(self) -> Vec<Line<'a>> {
        vec![self]
    }
}

impl<'a> Lines<'a> for Span<'a> {
    fn lines(self) -> Vec<Line<'a>> {
        vec![Line::from(self)]
    }
}

impl<'a> Lines<'a> for Vec<Line<'a>> {
    fn lines(self) -> Vec<Line<'a>> {
        self
    }
}

pub fn paragraph<'a>(lines: impl Lines<'a>) -> Paragraph<'a> {
    Paragraph::new(lines.lines())
}

/// A block with a title made of the pieces above.
pub fn titled<'a>(block: Block<'a>, title: impl Lines<'a>) -> Block<'a> {
    title.lines().into_iter().fold(block, Block::title)
}

/// A chart axis with its labels (numbers and times, through the gate).
pub fn labelled<'a>(axis: Axis<'a>, labels: [SafeText<'a>; 2]) -> Axis<'a> {
    axis.labels(labels.map(plain))
}

/// A drawn cell replaced by one of our own symbols (ASCII mode's stand-ins).
pub fn set_symbol(cell: &mut Cell, symbol: &'static str) {
    cell.set_symbol(symbol);
}

/// The first cell of a drawn label made an OSC 8 hyperlink to `target` showing `label`: the
/// one place an escape sequence is written on purpose, around a URL that passed the link
/// gate and a label that passed the text gate.
pub fn set_hyperlink<'c>(
    cell: &'c mut Cell,
    target: SafeLink<'_>,
    label: SafeText<'_>,
) -> &'c mut Cell {
    cell.set_symbol(&format!(
        "\u{1b}]8;;{}\u{1b}\\{label}\u{1b}]8;;\u{1b}\\",
        target.as_str()
    ))
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
