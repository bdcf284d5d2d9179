//! Text from people, made safe to place in Markdown: it reads as typed and never becomes
//! markup (a `|` that would split a table cell, a `<script>`, a `# heading`, a list marker).

use crate::sanitize::sanitize;
use std::fmt::Write;

/// Inline text: one line (line breaks become spaces, control characters are replaced), with
/// every character CommonMark could read as markup escaped by a backslash.
pub fn inline(text: &str) -> String {
    let safe = sanitize(text);
    let safe = safe.trim();
    let mut out = String::with_capacity(safe.len() + 8);
    // A line starting with these opens a block (list, heading underline, quote): escape it.
    if safe.starts_with(['-', '+', '=', '>']) {
        out.push('\\');
    }
    let digits = safe.bytes().take_while(u8::is_ascii_digit).count();
    for (index, c) in safe.chars().enumerate() {
        let ordered_marker = digits > 0 && index == digits && matches!(c, '.' | ')');
        if ordered_marker
            || matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&' | '!'
            )
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A table: a header row, its separator, then the rows; every cell is inline text already.
pub fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out.push('\n');
}

/// A bullet list of people's text, or an italic placeholder when there is none.
pub fn bullets(out: &mut String, items: &[String], none: &str) {
    if items.is_empty() {
        let _ = writeln!(out, "_{none}_\n");
        return;
    }
    for item in items {
        let _ = writeln!(out, "- {}", inline(item));
    }
    out.push('\n');
}
