//! URLs from the network on screen: runbooks and alert sources. They are drawn as text like
//! everything else (sanitised, cut to fit) and, where the terminal follows OSC 8 hyperlinks
//! ([`Theme::hyperlinks`]), the drawn cells then become one link to the full URL, once the
//! URL passed the link gate ([`link_target`]: http or https, printable ASCII only).
//! The cells become a link in [`super::text::hyperlink`].

use super::text::{SafeLine, hyperlink, span};
use crate::sanitize::{SafeLink, link_target, sanitize, sanitize_owned};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;

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
pub fn make_links(frame: &mut Frame, area: Rect, links: &[DrawnLink], theme: &Theme) {
    if !theme.hyperlinks {
        return;
    }
    let inner = area.inner(ratatui::layout::Margin::new(1, 1));
    for link in links {
        let y = inner.y.saturating_add(link.line as u16);
        let x = inner.x.saturating_add(link.column);
        let width = link.width.min(inner.right().saturating_sub(x));
        if y < inner.bottom() && width > 0 {
            hyperlink(frame, Rect::new(x, y, width, 1), link.target);
        }
    }
}
