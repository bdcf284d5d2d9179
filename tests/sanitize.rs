//! The gate from network text to the terminal: what it replaces and what it leaves alone.
//! (An integration test so that the mutation run can exercise it without the lib's tests.)

use std::borrow::Cow;
use warroom::sanitize::{REPLACEMENT, sanitize};

#[test]
fn plain_text_passes_through_without_a_copy() {
    let text = "Checkout 5xx — p99 ↑ 東京 مرحبا";
    let safe: Cow<str> = sanitize(text).into();
    assert!(matches!(safe, Cow::Borrowed(t) if t == text));
}

#[test]
fn escape_sequences_are_made_inert() {
    let osc_title = "\u{1b}]0;pwned\u{7}Checkout";
    assert_eq!(
        sanitize(osc_title).as_str(),
        "\u{FFFD}]0;pwned\u{FFFD}Checkout"
    );
    let clear = "a\u{1b}[2Jb\u{9b}2Jc";
    assert_eq!(sanitize(clear).as_str(), "a\u{FFFD}[2Jb\u{FFFD}2Jc");
    assert_eq!(
        sanitize("\u{7f}\u{0}\u{85}").as_str(),
        "\u{FFFD}\u{FFFD}\u{FFFD}"
    );
}

#[test]
fn line_breaks_become_spaces() {
    assert_eq!(sanitize("one\ntwo\tthree\r").as_str(), "one two three ");
    assert_eq!(sanitize("a\u{2028}b\u{2029}c").as_str(), "a b c");
}

#[test]
fn every_bidi_control_and_zero_width_character_is_replaced() {
    let hidden = [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}', '\u{061C}', '\u{200E}', '\u{200F}', '\u{200B}', '\u{200C}',
        '\u{200D}', '\u{2060}', '\u{2064}', '\u{FEFF}', '\u{180E}', '\u{00AD}',
    ];
    for c in hidden {
        let text = format!("a{c}b");
        assert_eq!(sanitize(&text).as_str(), "a\u{FFFD}b", "U+{:04X}", c as u32);
    }
    // Their neighbours are ordinary text.
    for c in [
        '\u{2029}', '\u{2065}', '\u{2070}', '\u{200A}', '\u{2010}', '\u{061B}',
    ] {
        let text = format!("a{c}b");
        assert!(!sanitize(&text).contains(REPLACEMENT), "U+{:04X}", c as u32);
    }
}

#[test]
fn safe_text_displays_and_pads_as_its_text() {
    let safe = sanitize("ab\ncd");
    assert_eq!(format!("[{safe:>6}]"), "[ ab cd]");
    assert_eq!(&*safe, "ab cd");
    assert_eq!(safe.clone().into_owned(), safe);
}
