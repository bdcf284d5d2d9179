//! Text from people, made safe to place in Markdown: it reads as typed and never becomes
//! markup (a `|` that would split a table cell, a `<script>`, a `# heading`, a list marker).

use crate::sanitize::sanitize;
use std::fmt::Write;

/// Inline text: one line (line breaks become spaces, control characters are replaced), with
/// every character CommonMark could read as markup escaped by a backslash. Characters that are
/// markup only at the start of a line (`#`, `-`, `1.`) are escaped only there, so that ordinary
/// text such as "#4812" or "31.2%" stays readable in the file.
pub fn inline(text: &str) -> String {
    let safe = sanitize(text);
    let safe = safe.trim();
    let mut out = String::with_capacity(safe.len() + 8);
    // `# h`, `- item`, `+ item`, `---`, `===` open a block at the start of a line (`>` is
    // escaped everywhere below).
    if safe.starts_with(['#', '=', '-', '+']) {
        out.push('\\');
    }
    // `1. item` and `1) item`: an ordered list marker is up to 9 digits, then `.` or `)`,
    // then a space or the end.
    let digits = safe.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &safe[digits..];
    let ordered = (1..=9).contains(&digits)
        && rest.starts_with(['.', ')'])
        && (rest.len() == 1 || rest[1..].starts_with(' '));
    // A heading's trailing `#` would be read as its closing sequence.
    let last = safe.len().saturating_sub(1);
    for (index, c) in safe.char_indices() {
        if (ordered && index == digits)
            || (c == '#' && index == last && index > 0)
            || matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~'
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

#[cfg(test)]
mod tests {
    use super::inline;

    #[test]
    fn ordinary_text_stays_readable_in_the_file() {
        assert_eq!(
            inline("push #4812 raised 5xx to 31.2%"),
            "push #4812 raised 5xx to 31.2%"
        );
        assert_eq!(inline("1. first"), "1\\. first");
        assert_eq!(inline("- item"), "\\- item");
        assert_eq!(inline("a | b"), "a \\| b");
        assert_eq!(inline("Build #"), "Build \\#");
    }
}
