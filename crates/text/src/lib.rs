//! The one gate between text from the network and the terminal.
//!
//! Titles, notes, names and alert labels come from other people's keyboards and from
//! Prometheus. Before any of it is drawn or printed, control characters (C0, DEL, C1 — which
//! carry ESC, CSI and OSC sequences), bidirectional controls (which make text read differently
//! than it is stored) and zero-width characters (which hide text inside a title that looks
//! the same) are replaced by a visible placeholder, so a title can never clear a screen,
//! retitle a window or hide what it says.
//!
//! The result is a [`SafeText`], which only [`sanitize`] (and [`sanitize_owned`]) makes, and
//! this crate is apart from the rest of warroom so that nothing else can: the TUI's views and
//! the CLI's printers take it, so a string that skipped the gate does not compile there (the
//! views' side is enforced by `clippy.toml`; see TESTING.md).

use std::borrow::Cow;
use std::fmt;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// What stands in for a removed character: visible, one cell wide, harmless.
pub const REPLACEMENT: char = '\u{FFFD}';

/// Whether `c` is a character the gate replaces: a control, a bidirectional control, a
/// zero-width character or a line separator. Public so that the web's gate (the status page)
/// replaces the same ones.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() // C0 (incl. ESC, BEL, CR, LF, TAB), DEL and C1 (incl. CSI 0x9B, OSC 0x9D)
        || matches!(
            c,
            // Bidi embeddings and overrides, isolates, marks (LRM, RLM, ALM).
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
            // Zero width: space, non-joiner, joiner, word joiner, BOM, Mongolian vowel
            // separator, soft hyphen, invisible operators.
            | '\u{200B}'..='\u{200D}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{180E}' | '\u{00AD}'
            // Line and paragraph separators break a line like LF.
            | '\u{2028}' | '\u{2029}'
        )
}

/// Text that went through [`sanitize`]: one line, nothing a terminal interprets, nothing
/// hidden. There is no other way to make one (its field is private to this crate).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SafeText<'a>(Cow<'a, str>);

impl<'a> SafeText<'a> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned: for a view that keeps it longer than its source.
    pub fn into_owned(self) -> SafeText<'static> {
        SafeText(Cow::Owned(self.0.into_owned()))
    }

    /// Terminal columns, counted as the screen draws them: grapheme by grapheme, a CJK
    /// character or an emoji two, a combining mark none.
    pub fn width(&self) -> usize {
        columns(&self.0)
    }

    /// At most `width` columns: the text itself when it fits, else cut at a grapheme with
    /// `…` in the last column. A cut of safe text is safe text.
    pub fn fit(&self, width: usize) -> SafeText<'_> {
        if self.width() <= width {
            return SafeText(Cow::Borrowed(&self.0));
        }
        let mut used = 0;
        let mut end = 0;
        for (at, grapheme) in self.0.grapheme_indices(true) {
            used += columns(grapheme);
            if used + 1 > width {
                break;
            }
            end = at + grapheme.len();
        }
        if width == 0 {
            return SafeText::default();
        }
        SafeText(Cow::Owned(format!("{}…", &self.0[..end])))
    }

    /// What is left after the first `columns` columns: the visible part of an input line
    /// scrolled sideways.
    pub fn skip_columns(&self, columns_skipped: usize) -> SafeText<'_> {
        let mut used = 0;
        for (at, grapheme) in self.0.grapheme_indices(true) {
            if used >= columns_skipped {
                return SafeText(Cow::Borrowed(&self.0[at..]));
            }
            used += columns(grapheme);
        }
        SafeText::default()
    }

    /// `fit`, then spaces up to exactly `width` columns: a column of a table.
    pub fn pad(&self, width: usize) -> SafeText<'static> {
        let cut = self.fit(width);
        let fill = width.saturating_sub(cut.width());
        SafeText(Cow::Owned(format!("{}{}", cut.0, " ".repeat(fill))))
    }

    /// Word-wraps into lines of at most `width` columns (at least 2, the widest grapheme).
    /// Lines break at whitespace; a word wider than a whole line (a URL, a run of CJK
    /// without spaces) fills the line it starts on and goes on in the next, cut between
    /// graphemes. Nothing but the whitespace at a break is lost. Always at least one line.
    pub fn wrap(&self, width: usize) -> Vec<SafeText<'_>> {
        let width = width.max(2);
        let text: &str = &self.0;
        // Each line as a byte range of the text: lines are slices, no copies.
        let mut lines: Vec<(usize, usize)> = Vec::new();
        let mut line: Option<(usize, usize)> = None;
        let mut used = 0;
        for (start, word) in words(text) {
            let word_width = columns(word);
            let gap = usize::from(line.is_some());
            if used + gap + word_width <= width {
                line = Some((line.map_or(start, |(from, _)| from), start + word.len()));
                used += gap + word_width;
                continue;
            }
            if word_width <= width {
                lines.extend(line.take());
                line = Some((start, start + word.len()));
                used = word_width;
                continue;
            }
            // Wider than any line: cut it, starting on this line if a few columns are left.
            if width.saturating_sub(used + gap) < 4 {
                lines.extend(line.take());
                used = 0;
            }
            for (at, grapheme) in word.grapheme_indices(true) {
                let at = start + at;
                let grapheme_width = columns(grapheme);
                // Only the word's first grapheme follows a space, and it starts on this line
                // only with four columns left (above): the space itself never forces a break.
                if used + grapheme_width > width {
                    lines.extend(line.take());
                    used = 0;
                }
                let gap = usize::from(line.is_some_and(|(_, end)| end < at));
                line = Some((line.map_or(at, |(from, _)| from), at + grapheme.len()));
                used += gap + grapheme_width;
            }
        }
        lines.extend(line);
        if lines.is_empty() {
            return vec![SafeText::default()];
        }
        lines
            .into_iter()
            .map(|(from, to)| collapse(&text[from..to]))
            .collect()
    }
}

/// The last step to the screen: ratatui's spans and lines take a `Cow`.
impl<'a> From<SafeText<'a>> for Cow<'a, str> {
    fn from(text: SafeText<'a>) -> Self {
        text.0
    }
}

impl std::ops::Deref for SafeText<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SafeText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// Columns of a piece of text, as ratatui draws it.
fn columns(text: &str) -> usize {
    text.graphemes(true).map(UnicodeWidthStr::width).sum()
}

/// The words of a text with their byte offsets: runs without whitespace.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive(char::is_whitespace)
        .scan(0, |start, piece| {
            let at = *start;
            *start += piece.len();
            Some((at, piece.trim_end_matches(char::is_whitespace)))
        })
        .filter(|(_, word)| !word.is_empty())
}

/// A wrapped line: the words of its slice with one space between them.
fn collapse(line: &str) -> SafeText<'_> {
    let spaced_once = !line.contains("  ") && line.chars().all(|c| c == ' ' || !c.is_whitespace());
    if spaced_once {
        return SafeText(Cow::Borrowed(line));
    }
    SafeText(Cow::Owned(
        line.split_whitespace().collect::<Vec<_>>().join(" "),
    ))
}

/// One line of safe text: every unsafe character becomes [`REPLACEMENT`], except that line
/// breaks and tabs become a space, so a multi-line note still reads on one line.
pub fn sanitize(text: &str) -> SafeText<'_> {
    if !text.chars().any(is_unsafe) {
        return SafeText(Cow::Borrowed(text));
    }
    SafeText(Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => ' ',
                c if is_unsafe(c) => REPLACEMENT,
                c => c,
            })
            .collect(),
    ))
}

/// [`sanitize`] for text the caller owns already (a `format!` of numbers, ids and words, say):
/// the same gate, without a copy when nothing needs replacing.
pub fn sanitize_owned(text: String) -> SafeText<'static> {
    if !text.chars().any(is_unsafe) {
        return SafeText(Cow::Owned(text));
    }
    sanitize(&text).into_owned()
}

/// Text of many lines made safe one line at a time: each line goes through [`sanitize`] and
/// ends with a line break, so the text keeps its lines (a Markdown document, a summary).
pub fn sanitize_lines(text: &str) -> String {
    text.lines()
        .map(|line| format!("{}\n", sanitize(line)))
        .collect()
}

/// Longest link the terminal is given; longer ones are shown as text only.
pub const MAX_LINK_BYTES: usize = 2048;

/// A URL fit to be the target of a terminal hyperlink (OSC 8): `http` or `https` with a host,
/// printable ASCII only (no space, no control byte that could end the escape sequence early),
/// at most [`MAX_LINK_BYTES`]. Only [`link_target`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SafeLink<'a>(&'a str);

impl SafeLink<'_> {
    pub fn as_str(&self) -> &str {
        self.0
    }
}

/// The URL as a hyperlink target, or `None` when it is not one worth following: another
/// scheme (`javascript:`, `file:`), no host, or a byte a terminal might interpret.
pub fn link_target(text: &str) -> Option<SafeLink<'_>> {
    let text = text.trim();
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &text[8..]
    } else if lower.starts_with("http://") {
        &text[7..]
    } else {
        return None;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let printable = text.bytes().all(|b| b.is_ascii_graphic());
    (printable && !host.is_empty() && text.len() <= MAX_LINK_BYTES).then_some(SafeLink(text))
}
