//! Public text: what customers read is sanitised for the web (controls, bidirectional controls,
//! zero-width characters and what XML cannot carry replaced by U+FFFD, line breaks kept) when
//! the page is built, and escaped for HTML and XML when it is written.

use crate::domain::Timestamp;

/// `text` with every character a public document must not carry replaced by U+FFFD: the
/// characters the terminal's gate replaces (a bidi override makes text read differently than
/// it is stored, a zero-width one hides text) and those XML 1.0 cannot carry (one of them
/// would make the whole Atom feed invalid, and a reader drops it). Line breaks and tabs stay:
/// a message keeps its lines. The JSON documents get the same text, so every page says the
/// same.
pub fn public_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .map(|c| match c {
            '\r' => '\n',
            c if publishable(c) => c,
            _ => char::REPLACEMENT_CHARACTER,
        })
        .collect()
}

/// Whether a public page can show `c`.
fn publishable(c: char) -> bool {
    if matches!(c, '\n' | '\t') {
        return true;
    }
    let code = u32::from(c);
    let noncharacter = (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE;
    !crate::sanitize::is_unsafe(c) && !noncharacter
}

/// Text for XML and HTML: the five characters that could open markup escaped, and what a
/// page cannot carry replaced (see [`public_text`]), so even text that skipped it is safe.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' => out.push('\n'),
            c if !publishable(c) => out.push(char::REPLACEMENT_CHARACTER),
            c => out.push(c),
        }
    }
    out
}

/// At most `chars` characters of `text`, cut at a word when one ends near the limit, with `…`.
pub fn excerpt(text: &str, chars: usize) -> (String, bool) {
    if text.chars().count() <= chars {
        return (text.to_string(), false);
    }
    let cut: String = text.chars().take(chars).collect();
    let at_word = cut
        .rfind(char::is_whitespace)
        .filter(|&at| at > cut.len() * 3 / 4)
        .unwrap_or(cut.len());
    (format!("{}…", cut[..at_word].trim_end()), true)
}

/// A JSON document as text, with `<`, `>` and `&` written as `\u003c`, `\u003e` and
/// `\u0026` (they occur only inside strings, where JSON reads them back the same): markup in
/// an update never appears raw, whatever reads the bytes.
pub fn json_text(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// RFC 3339 with seconds, as feeds and JSON clients expect.
pub fn rfc3339(at: Timestamp) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A short stable id from a name: 12 characters of base-32 of its SHA-256 (Statuspage's ids
/// look like this). For components and the page, whose names are public anyway.
pub fn stable_id(kind: &str, name: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("warroom-status:{kind}:{name}").as_bytes());
    base32(&digest[..8])[..12].to_string()
}

/// Lowercase RFC 4648 base-32 without padding (letters and the digits 2 to 7).
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_zero_width_controls_and_noncharacters_are_replaced_and_lines_kept() {
        assert_eq!(
            public_text("a\u{202E}b\u{200B}c\u{1b}d\u{FFFE}e\r\nf\tg"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\nf\tg"
        );
        assert_eq!(
            escape("<b a='1'>&\u{2066}"),
            "&lt;b a=&#39;1&#39;&gt;&amp;\u{FFFD}"
        );
    }

    #[test]
    fn base32_and_excerpts() {
        assert_eq!(base32(b"foobar"), "mzxw6ytboi");
        assert_eq!(excerpt("short", 10), ("short".to_string(), false));
        let (cut, was_cut) = excerpt("one two three four five six", 20);
        assert!(was_cut);
        assert_eq!(cut, "one two three four…");
    }
}
