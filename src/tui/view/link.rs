//! URLs from the network on screen: runbooks and alert sources. They are drawn as text like
//! everything else (sanitised, cut to fit) and, where the terminal follows OSC 8 hyperlinks
//! ([`Theme::hyperlinks`]), the drawn cells then become one link to the full URL, once the
//! URL passed the link gate ([`link_target`]: http or https, printable ASCII only).
//!
//! ratatui has no hyperlink widget: the whole sequence, `ESC ] 8 ; ; URL ST label ESC ] 8 ;
//! ; ST`, goes into the first cell with a forced width of the label's cells, so the buffer
//! diff writes it in one piece and moves on past the label (ratatui-core's
//! `CellDiffOption::ForcedWidth`, meant for this).

use super::text::SafeLine;
use super::text::{set_hyperlink, span};
use crate::sanitize::{SafeLink, link_target, sanitize, sanitize_owned};
use crate::tui::theme::Theme;
use ratatui::buffer::{Buffer, CellDiffOption};
use ratatui::layout::Rect;
use std::num::NonZeroU16;

/// A URL drawn on a line: where its text starts and how wide it is, to make it a link.
#[derive(Debug, Clone, Copy)]
pub struct DrawnLink<'a> {
    /// The line's index among the lines of the paragraph.
    pub line: usize,
    /// Columns before the URL's text on that line.
    pub column: u16,
    pub width: u16,
    pub target: SafeLink<'a>,
}

/// `  runbook  https://…`: the label, then the URL cut to `width`; the link to make of it
/// when the URL is one worth following.
pub fn url_line<'a>(
    label: &str,
    url: &'a str,
    width: usize,
    line: usize,
    theme: &Theme,
) -> (SafeLine<'static>, Option<DrawnLink<'a>>) {
    let prefix = format!("  {label:<8} ");
    let safe = sanitize(url.trim());
    let shown = safe
        .fit(width.saturating_sub(prefix.chars().count()))
        .into_owned();
    let link = link_target(url).map(|target| DrawnLink {
        line,
        column: prefix.chars().count() as u16,
        width: shown.width() as u16,
        target,
    });
    let text = SafeLine::from(vec![
        span(sanitize_owned(prefix), theme.muted()),
        span(shown, theme.underlined()),
    ]);
    (text, link)
}

/// Makes the drawn URLs of a bordered paragraph in `area` hyperlinks, when the theme says
/// the terminal follows them.
pub fn make_links(buffer: &mut Buffer, area: Rect, links: &[DrawnLink], theme: &Theme) {
    if !theme.hyperlinks {
        return;
    }
    let inner = area.inner(ratatui::layout::Margin::new(1, 1));
    for link in links {
        let y = inner.y.saturating_add(link.line as u16);
        let x = inner.x.saturating_add(link.column);
        let width = link.width.min(inner.right().saturating_sub(x));
        if y < inner.bottom() && width > 0 {
            hyperlink(buffer, Rect::new(x, y, width, 1), link.target);
        }
    }
}

/// Turns the cells of `area` (one row) into one hyperlink to `target`, showing what they
/// showed.
fn hyperlink(buffer: &mut Buffer, area: Rect, target: SafeLink) {
    let Some(width) = NonZeroU16::new(area.width) else {
        return;
    };
    let label: String = (area.left()..area.right())
        .filter_map(|x| buffer.cell((x, area.y)))
        .map(|cell| cell.symbol())
        .collect();
    if let Some(first) = buffer.cell_mut((area.x, area.y)) {
        // The label is read back from cells the views drew through the gate; it goes
        // through it again on its way into the escape sequence.
        set_hyperlink(first, target, sanitize_owned(label))
            .set_diff_option(CellDiffOption::ForcedWidth(width));
    }
}
