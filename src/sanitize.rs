//! The one gate between text from the network and the terminal.
//!
//! Titles, notes, names and alert labels come from other people's keyboards and from
//! Prometheus. Before any of it is drawn or printed, control characters (C0, DEL, C1 — which
//! carry ESC, CSI and OSC sequences), and bidirectional overrides (which make text read
//! differently than it is stored) are replaced by a visible placeholder, so a title can never
//! clear a screen, retitle a window or hide what it says.

use std::borrow::Cow;

/// What stands in for a removed character: visible, one cell wide, harmless.
pub const REPLACEMENT: char = '\u{FFFD}';

fn is_unsafe(c: char) -> bool {
    c.is_control() // C0 (incl. ESC, BEL, CR, LF, TAB), DEL and C1 (incl. CSI 0x9B, OSC 0x9D)
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// One line of safe text: every unsafe character becomes [`REPLACEMENT`], except that line
/// breaks and tabs become a space, so a multi-line note still reads on one line.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\n' | '\r' | '\t' => ' ',
                c if is_unsafe(c) => REPLACEMENT,
                c => c,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_passes_through_without_a_copy() {
        assert!(matches!(sanitize("Checkout 5xx — p99 ↑"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_sequences_are_made_inert() {
        let osc_title = "\u{1b}]0;pwned\u{7}Checkout";
        assert_eq!(sanitize(osc_title), "\u{FFFD}]0;pwned\u{FFFD}Checkout");
        let clear = "a\u{1b}[2Jb\u{9b}2Jc";
        assert_eq!(sanitize(clear), "a\u{FFFD}[2Jb\u{FFFD}2Jc");
        assert!(!sanitize("\u{7f}\u{0}\u{85}").chars().any(char::is_control));
    }

    #[test]
    fn line_breaks_become_spaces_and_bidi_overrides_are_replaced() {
        assert_eq!(sanitize("one\ntwo\tthree\r"), "one two three ");
        assert_eq!(sanitize("abc\u{202E}fed"), "abc\u{FFFD}fed");
    }
}
