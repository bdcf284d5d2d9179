//! Digits five rows tall, so a countdown reads from across the war room.

use super::text::styled_line;
use crate::sanitize::sanitize_owned;
use ratatui::style::Style;
use ratatui::text::Line;

const HEIGHT: usize = 5;

const GAP: [&str; HEIGHT] = ["  ", "  ", "  ", "  ", "  "];

fn glyph(c: char) -> [&'static str; HEIGHT] {
    match c {
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
        ':' => [" ", "#", " ", "#", " "],
        '+' => ["   ", " # ", "###", " # ", "   "],
        'm' => ["     ", "## # ", "# # #", "# # #", "# # #"],
        'h' => ["#  ", "#  ", "###", "# #", "# #"],
        'd' => ["  #", "  #", "###", "# #", "###"],
        '<' => ["   ", "  #", " # ", "  #", "   "],
        'P' => ["###", "# #", "###", "#  ", "#  "],
        'S' => ["###", "#  ", "###", "  #", "###"],
        'E' => ["###", "#  ", "###", "#  ", "###"],
        'V' => ["# #", "# #", "# #", "# #", " # "],
        _ => GAP,
    }
}

/// The text in big digits, each `#` drawn as `ink` (a full block, or `#` in ASCII mode).
/// Characters without a glyph become a gap.
pub fn lines<'a>(text: &str, ink: &str, style: Style) -> Vec<Line<'a>> {
    (0..HEIGHT)
        .map(|row| {
            let mut line = String::new();
            for c in text.chars() {
                line.push_str(&glyph(c)[row].replace('#', ink));
                line.push(' ');
            }
            styled_line(sanitize_owned(line), style)
        })
        .collect()
}

/// Whether every character of the text has a big glyph (a severity name like `P0` or
/// `SEV1` does; a custom one may not, and is then drawn in plain bold).
pub fn covers(text: &str) -> bool {
    text.chars().all(|c| glyph(c) != GAP)
}

/// Columns the big text needs.
pub fn width(text: &str) -> u16 {
    text.chars()
        .map(|c| glyph(c)[0].chars().count() as u16 + 1)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_render_five_rows_in_the_chosen_ink() {
        let rows: Vec<String> = lines("1:0", "█", Style::new())
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert_eq!(rows[0], " █    ███ ");
        assert_eq!(rows[1], "██  █ █ █ ");
        assert_eq!(width("1:0"), 10);
    }
}
