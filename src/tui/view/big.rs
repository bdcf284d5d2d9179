//! Type five rows tall, so a countdown, a severity and a title read from across the war
//! room: digits, the capitals A–Z, the duration units `m`, `h`, `d`, and common
//! punctuation. A text with any other character (CJK, emoji, accents) is not drawn large:
//! [`title`] says so, and the caller shows it whole in normal size instead.

use super::text::{SafeLine, plain, styled_line};
use crate::sanitize::{SafeText, sanitize_owned};
use ratatui::style::Style;

const HEIGHT: usize = 5;

const GAP: [&str; HEIGHT] = ["  ", "  ", "  ", "  ", "  "];

/// The glyph of `c`, `#` standing for ink; `None` when the font has no such character.
fn glyph(c: char) -> Option<[&'static str; HEIGHT]> {
    Some(match c {
        '0' => ["###", "# #", "# #", "# #", "###"],
        '1' => [" # ", "## ", " # ", " # ", "###"],
        '2' => ["###", "  #", "###", "#  ", "###"],
        '3' => ["###", "  #", "###", "  #", "###"],
        '4' => ["# #", "# #", "###", "  #", "  #"],
        '5' => ["###", "#  ", "###", "  #", "###"],
        '6' => ["###", "#  ", "###", "# #", "###"],
        '7' => ["###", "  #", "  #", "  #", "  #"],
        '8' => ["###", "# #", "###", "# #", "###"],
        '9' => ["###", "# #", "###", "  #", "###"],
        // The units of a countdown, lower case to set them apart from the digits.
        'm' => ["     ", "## # ", "# # #", "# # #", "# # #"],
        'h' => ["#  ", "#  ", "###", "# #", "# #"],
        'd' => ["  #", "  #", "###", "# #", "###"],
        'A' => [" # ", "# #", "###", "# #", "# #"],
        'B' => ["## ", "# #", "## ", "# #", "## "],
        'C' => ["###", "#  ", "#  ", "#  ", "###"],
        'D' => ["## ", "# #", "# #", "# #", "## "],
        'E' => ["###", "#  ", "###", "#  ", "###"],
        'F' => ["###", "#  ", "###", "#  ", "#  "],
        'G' => ["###", "#  ", "# #", "# #", "###"],
        'H' => ["# #", "# #", "###", "# #", "# #"],
        'I' => ["###", " # ", " # ", " # ", "###"],
        'J' => ["  #", "  #", "  #", "# #", "###"],
        'K' => ["# #", "# #", "## ", "# #", "# #"],
        'L' => ["#  ", "#  ", "#  ", "#  ", "###"],
        'M' => ["#   #", "## ##", "# # #", "#   #", "#   #"],
        'N' => ["#  #", "## #", "# ##", "#  #", "#  #"],
        'O' => ["###", "# #", "# #", "# #", "###"],
        'P' => ["###", "# #", "###", "#  ", "#  "],
        'Q' => ["### ", "# # ", "# # ", "### ", "   #"],
        'R' => ["## ", "# #", "## ", "# #", "# #"],
        'S' => ["###", "#  ", "###", "  #", "###"],
        'T' => ["###", " # ", " # ", " # ", " # "],
        'U' => ["# #", "# #", "# #", "# #", "###"],
        'V' => ["# #", "# #", "# #", "# #", " # "],
        'W' => ["#   #", "#   #", "# # #", "## ##", "#   #"],
        'X' => ["# #", "# #", " # ", "# #", "# #"],
        'Y' => ["# #", "# #", " # ", " # ", " # "],
        'Z' => ["###", "  #", " # ", "#  ", "###"],
        ' ' => GAP,
        ':' => [" ", "#", " ", "#", " "],
        '.' => [" ", " ", " ", " ", "#"],
        ',' => ["  ", "  ", "  ", " #", "# "],
        ';' => ["  ", " #", "  ", " #", "# "],
        '!' => ["#", "#", "#", " ", "#"],
        '?' => ["###", "  #", " ##", "   ", " # "],
        '\'' => ["#", "#", " ", " ", " "],
        '"' => ["# #", "# #", "   ", "   ", "   "],
        '-' | '–' | '—' => ["   ", "   ", "###", "   ", "   "],
        '_' => ["   ", "   ", "   ", "   ", "###"],
        '+' => ["   ", " # ", "###", " # ", "   "],
        '=' => ["   ", "###", "   ", "###", "   "],
        '/' => ["  #", "  #", " # ", "#  ", "#  "],
        '\\' => ["#  ", "#  ", " # ", "  #", "  #"],
        '(' => [" #", "# ", "# ", "# ", " #"],
        ')' => ["# ", " #", " #", " #", "# "],
        '[' => ["##", "# ", "# ", "# ", "##"],
        ']' => ["##", " #", " #", " #", "##"],
        '<' => ["   ", "  #", " # ", "  #", "   "],
        '>' => ["   ", "#  ", " # ", "#  ", "   "],
        '%' => ["# #", "  #", " # ", "#  ", "# #"],
        '#' => [" # # ", "#####", " # # ", "#####", " # # "],
        '&' => [" # ", "# #", " # ", "# #", " ##"],
        '@' => ["###", "# #", "# #", "#  ", "###"],
        '*' => ["   ", "# #", " # ", "# #", "   "],
        '|' => ["#", "#", "#", "#", "#"],
        _ => return None,
    })
}

/// The text in big type, each `#` drawn as `ink` (a full block, or `#` in ASCII mode).
/// Characters without a glyph become a gap: check [`covers`] first.
pub fn lines<'a>(text: &str, ink: &str, style: Style) -> Vec<SafeLine<'a>> {
    (0..HEIGHT)
        .map(|row| {
            let mut line = String::new();
            for c in text.chars() {
                line.push_str(&glyph(c).unwrap_or(GAP)[row].replace('#', ink));
                line.push(' ');
            }
            styled_line(sanitize_owned(line), style)
        })
        .collect()
}

/// Whether every character of the text has a big glyph (a severity name like `P0` or
/// `SEV1` does; a custom one may not, and is then drawn in plain bold).
pub fn covers(text: &str) -> bool {
    text.chars().all(|c| glyph(c).is_some())
}

/// Columns the big text needs.
pub fn width(text: &str) -> u16 {
    text.chars()
        .map(|c| glyph(c).unwrap_or(GAP)[0].chars().count() as u16 + 1)
        .sum()
}

/// A title in big capitals, wrapped at spaces into at most `bands` bands of five rows
/// (a blank row between two) no wider than `columns`. `None` when it cannot be drawn whole
/// that way — a character the font lacks, a word wider than a band, more bands than
/// allowed — and the caller then shows the title in normal size, whole.
pub fn title<'a>(
    text: &SafeText,
    columns: u16,
    bands: usize,
    ink: &str,
    style: Style,
) -> Option<Vec<SafeLine<'a>>> {
    let text = text.to_uppercase();
    if !covers(&text) || text.trim().is_empty() {
        return None;
    }
    let mut rows: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        if width(word) > columns {
            return None;
        }
        match rows.last_mut() {
            Some(row) if width(row) + width(" ") + width(word) <= columns => {
                row.push(' ');
                row.push_str(word);
            }
            _ => rows.push(word.to_string()),
        }
    }
    if rows.len() > bands {
        return None;
    }
    let mut lines = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        if index > 0 {
            lines.push(plain(""));
        }
        lines.extend(self::lines(row, ink, style));
    }
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sanitize::sanitize;

    fn drawn(lines: &[SafeLine]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn digits_render_five_rows_in_the_chosen_ink() {
        let rows = drawn(&lines("1:0", "█", Style::new()));
        assert_eq!(rows[0], " █    ███ ");
        assert_eq!(rows[1], "██  █ █ █ ");
        assert_eq!(width("1:0"), 10);
    }

    #[test]
    fn every_capital_digit_and_common_mark_has_a_glyph_of_even_rows() {
        let font = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;!?'\"-_+=/\\()[]<>%#&@*|–—";
        for c in font.chars() {
            let rows = glyph(c).unwrap_or_else(|| panic!("no glyph for {c:?}"));
            let widths: Vec<usize> = rows.iter().map(|r| r.chars().count()).collect();
            assert!(widths.iter().all(|&w| w == widths[0]), "{c:?}: {widths:?}");
        }
    }

    #[test]
    fn a_title_wraps_into_bands_in_capitals_or_is_refused_whole() {
        let lines = title(&sanitize("db down"), 20, 2, "#", Style::new()).expect("it fits");
        // Two bands of five rows and a blank row between them.
        assert_eq!(lines.len(), 11, "{:?}", drawn(&lines));
        assert_eq!(drawn(&lines)[0], "##  ##  ");
        assert_eq!(drawn(&lines)[6], "##  ### #   # #  # ");
        // One band allowed: too long.
        assert_eq!(title(&sanitize("db down"), 20, 1, "#", Style::new()), None);
        // A character the font lacks: the caller shows it in normal size.
        assert_eq!(
            title(&sanitize("決済 down"), 200, 2, "#", Style::new()),
            None
        );
        assert_eq!(
            title(&sanitize("Café down"), 200, 2, "#", Style::new()),
            None
        );
        // A word wider than a band.
        assert_eq!(
            title(&sanitize("unbreakable"), 12, 2, "#", Style::new()),
            None
        );
    }
}
