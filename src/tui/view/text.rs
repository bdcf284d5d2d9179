//! The only door from a string to the screen, and small formatting helpers every pane shares.
//!
//! ratatui makes spans, lines, titles and labels from any string, and a `String` is itself a
//! widget. In the views, text is made here and only here, from [`SafeText`] (which only
//! `sanitize` makes) or from our own `&'static str` literals; text put together with
//! `format!` goes through the gate whole ([`safe_format!`]). Views hold [`SafeSpan`]s and
//! [`SafeLine`]s, which no string converts into, and draw only through [`render`], which
//! takes only the widgets listed here ([`Drawable`], sealed). `clippy.toml` forbids
//! ratatui's string-taking constructors, the `Span`, `Line` and `Text` types, drawing
//! (`Frame::render_widget`, `Widget::render`) and the frame's buffer everywhere else, and CI
//! runs clippy with `-D warnings`: a view that draws a string past the sanitiser does not
//! pass the build. TESTING.md ("Network text safe by type") lists what is refused and the
//! one way around it still known.

// This module is the one place allowed to call what `clippy.toml` forbids.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use crate::domain::Timestamp;
use crate::sanitize::{SafeLink, SafeText, sanitize, sanitize_owned};
use crate::tui::app::overlay::Hint;
use ratatui::Frame;
use ratatui::buffer::{Buffer, Cell, CellDiffOption};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Clear, Paragraph, Widget};
use std::borrow::Cow;
use std::fmt;
use std::num::NonZeroU16;
use tui_input::Input;

/// A piece of a line, made only by the functions below. ratatui's `Span` converts from any
/// string (`From<String>`, which clippy cannot refuse alone), so views never hold one, not
/// even in an inferred `Vec<Span>`: they hold this, which no string converts into.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SafeSpan<'a>(Span<'a>);

/// Pieces of a line.
pub type Spans<'a> = Vec<SafeSpan<'a>>;

/// A piece of a line or none.
pub type MaybeSpan<'a> = Option<SafeSpan<'a>>;

/// A line made of [`SafeSpan`]s. It stands for ratatui's `Line` in the views, which do not
/// name that type (`Line::from(String)` and `string.into()` would skip the gate); no string
/// converts into this one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SafeLine<'a>(Line<'a>);

impl<'a> From<Spans<'a>> for SafeLine<'a> {
    fn from(spans: Spans<'a>) -> Self {
        SafeLine(Line::from(
            spans.into_iter().map(|span| span.0).collect::<Vec<_>>(),
        ))
    }
}

impl<'a> From<SafeSpan<'a>> for SafeLine<'a> {
    fn from(span: SafeSpan<'a>) -> Self {
        SafeLine(Line::from(span.0))
    }
}

impl<'a> SafeLine<'a> {
    /// Columns on screen.
    pub fn width(&self) -> usize {
        self.0.width()
    }

    /// The same line, styled as a whole.
    pub fn style(self, style: Style) -> Self {
        SafeLine(self.0.style(style))
    }

    /// The style of the line as a whole.
    pub fn line_style(&self) -> Style {
        self.0.style
    }

    pub fn right_aligned(self) -> Self {
        SafeLine(self.0.right_aligned())
    }

    pub fn push(&mut self, span: SafeSpan<'a>) {
        self.0.spans.push(span.0);
    }

    /// Its pieces, each a copy.
    pub fn spans(&self) -> impl Iterator<Item = SafeSpan<'a>> + '_ {
        self.0.spans.iter().cloned().map(SafeSpan)
    }

    pub fn into_spans(self) -> Spans<'a> {
        self.0.spans.into_iter().map(SafeSpan).collect()
    }
}

impl<'a> Extend<SafeSpan<'a>> for SafeLine<'a> {
    fn extend<I: IntoIterator<Item = SafeSpan<'a>>>(&mut self, spans: I) {
        self.0.spans.extend(spans.into_iter().map(|span| span.0));
    }
}

/// The line's text, as drawn.
impl fmt::Display for SafeLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Widget for SafeLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        self.0.render(area, buf);
    }
}

mod sealed {
    /// Only this module says what a view may draw.
    pub trait Sealed {}
}

/// What a view may put on screen: the widgets it uses, built from the pieces above. Not
/// `String`, `&str`, ratatui's `Line`/`Span`/`Text` (all widgets too), nor a widget that
/// takes a string somewhere we do not watch (`List`, `Table`, `Tabs`, `Gauge`, `BarChart`...).
/// Sealed: nothing outside this module can add a type. Add one here when a view needs it,
/// after checking that every string it draws comes through this module.
pub trait Drawable: Widget + sealed::Sealed {}

macro_rules! drawable {
    ($($widget:ty),*) => {$(
        impl sealed::Sealed for $widget {}
        impl Drawable for $widget {}
    )*};
}
drawable!(Paragraph<'_>, Block<'_>, Chart<'_>, Clear, SafeLine<'_>);

/// `frame.render_widget`, for what a view may draw (`clippy.toml` refuses the original: a
/// `String` is a widget).
pub fn render(frame: &mut Frame, widget: impl Drawable, area: Rect) {
    frame.render_widget(widget, area);
}

/// `Block::border_set` for our own sets only (the theme's, or ratatui's constants): the
/// original takes a set of any `&str`, and `clippy.toml` refuses it.
pub trait BorderSymbols {
    fn border_symbols(self, set: border::Set<'static>) -> Self;
}

impl BorderSymbols for Block<'_> {
    fn border_symbols(self, set: border::Set<'static>) -> Self {
        self.border_set(set)
    }
}

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
pub fn span<'a>(text: impl Shown<'a>, style: Style) -> SafeSpan<'a> {
    SafeSpan(Span::styled(text.shown(), style))
}

/// A piece of a line in the line's own style.
pub fn raw<'a>(text: impl Shown<'a>) -> SafeSpan<'a> {
    SafeSpan(Span::raw(text.shown()))
}

/// A line of one piece, styled.
pub fn styled_line<'a>(text: impl Shown<'a>, style: Style) -> SafeLine<'a> {
    SafeLine(Line::styled(text.shown(), style))
}

/// A line of one piece in the paragraph's style.
pub fn plain<'a>(text: impl Shown<'a>) -> SafeLine<'a> {
    SafeLine(Line::raw(text.shown()))
}

/// `width` blank columns: an indent or a gap.
pub fn blank<'a>(width: usize) -> SafeSpan<'a> {
    SafeSpan(Span::raw(" ".repeat(width)))
}

/// Network text made safe to draw.
pub fn safe<'a>(text: &str, style: Style) -> SafeSpan<'a> {
    span(sanitize(text).into_owned(), style)
}

/// What a paragraph may hold: lines made of the pieces above, never a bare string.
pub trait Lines<'a> {
    fn lines(self) -> Vec<Line<'a>>;
}

impl<'a> Lines<'a> for SafeLine<'a> {
    fn lines(self) -> Vec<Line<'a>> {
        vec![self.0]
    }
}

impl<'a> Lines<'a> for SafeSpan<'a> {
    fn lines(self) -> Vec<Line<'a>> {
        vec![Line::from(self.0)]
    }
}

impl<'a> Lines<'a> for Vec<SafeLine<'a>> {
    fn lines(self) -> Vec<Line<'a>> {
        self.into_iter().map(|line| line.0).collect()
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
    axis.labels(labels.map(|label| Line::raw(label.shown())))
}

/// Every drawn cell whose symbol `stand_in` has a replacement for gets it: one of our own
/// symbols (ASCII mode's stand-ins). Views never hold the frame's buffer (`clippy.toml`
/// refuses `Frame::buffer_mut`): a cell written by value (`*cell = ch.into()`) would skip
/// the gate.
pub fn replace_symbols(frame: &mut Frame, stand_in: impl Fn(&str) -> Option<&'static str>) {
    for cell in frame.buffer_mut().content.iter_mut() {
        if let Some(symbol) = stand_in(cell.symbol()) {
            cell.set_symbol(symbol);
        }
    }
}

/// Turns the drawn cells of `area` (one row) into one OSC 8 hyperlink to `target`, showing
/// what they showed: the one place an escape sequence is written on purpose, around a URL
/// that passed the link gate and a label that passed the text gate.
///
/// ratatui has no hyperlink widget: the whole sequence, `ESC ] 8 ; ; URL ST label ESC ] 8 ;
/// ; ST`, goes into the first cell with a forced width of the label's cells, so the buffer
/// diff writes it in one piece and moves on past the label (ratatui-core's
/// `CellDiffOption::ForcedWidth`, meant for this).
pub fn hyperlink(frame: &mut Frame, area: Rect, target: SafeLink<'_>) {
    let Some(width) = NonZeroU16::new(area.width) else {
        return;
    };
    let buffer = frame.buffer_mut();
    let label: String = (area.left()..area.right())
        .filter_map(|x| buffer.cell((x, area.y)))
        .map(Cell::symbol)
        .collect();
    if let Some(first) = buffer.cell_mut((area.x, area.y)) {
        // The label is read back from cells the views drew through the gate; it goes
        // through it again on its way into the escape sequence.
        let label = sanitize_owned(label);
        first
            .set_symbol(&format!(
                "\u{1b}]8;;{}\u{1b}\\{label}\u{1b}]8;;\u{1b}\\",
                target.as_str()
            ))
            .set_diff_option(CellDiffOption::ForcedWidth(width));
    }
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

/// The keys an overlay offers, as its footer or title lists them: `enter sends · esc cancels`.
pub fn hint_list(hints: &[Hint], separator: &str) -> String {
    let hints: Vec<String> = hints.iter().map(Hint::to_string).collect();
    hints.join(separator)
}

/// A key as a sentence: `Any key closes.`
pub fn hint_sentence(hint: Hint) -> String {
    let text = hint.to_string();
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        format!("{}{}.", first.to_uppercase(), chars.as_str())
    })
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
    if model.setup.wall && !seconds_matter {
        crate::duration::minutes(value)
    } else {
        crate::duration::hms(value)
    }
}
