//! The one gate between text from the network and the terminal.
//!
//! Titles, notes, names and alert labels come from other people's keyboards and from
//! Prometheus. Before any of it is drawn or printed, control characters (C0, DEL, C1 — which
//! carry ESC, CSI and OSC sequences), bidirectional controls (which make text read differently
//! than it is stored) and zero-width characters (which hide text inside a title that looks
//! the same) are replaced by a visible placeholder, so a title can never clear a screen,
//! retitle a window or hide what it says.
//!
//! The result is a [`SafeText`], which only [`sanitize`] makes: the TUI's views and the CLI's
//! printers take it, so a string that skipped the gate does not compile there.

use std::borrow::Cow;
use std::fmt;

/// What stands in for a removed character: visible, one cell wide, harmless.
pub const REPLACEMENT: char = '\u{FFFD}';

fn is_unsafe(c: char) -> bool {
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
/// hidden. There is no other way to make one.
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
