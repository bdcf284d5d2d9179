//! Small formatting helpers every pane shares.

use crate::domain::Timestamp;
use crate::sanitize::sanitize;
use ratatui::style::Style;
use ratatui::text::Span;

/// Network text made safe to draw.
pub fn safe<'a>(text: &str, style: Style) -> Span<'a> {
    Span::styled(sanitize(text).into_owned(), style)
}

/// `14:03:12`, UTC like every time on screen.
pub fn clock(at: Timestamp) -> String {
    at.format("%H:%M:%S").to_string()
}

/// `2026-11-25 14:03:12`
pub fn date_time(at: Timestamp) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A duration as this screen shows it: to the second on the desk; in whole minutes on the
/// wall unless `seconds_matter` (a countdown in its last two minutes).
pub fn duration(
    model: &crate::tui::app::Model,
    value: chrono::Duration,
    seconds_matter: bool,
) -> String {
    if model.wall && !seconds_matter {
        crate::duration::minutes(value)
    } else {
        crate::duration::hms(value)
    }
}

/// Cuts text to `width` columns with an ellipsis, counting characters (titles are sanitised
/// first, and wide characters only make the cut a little early).
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Word-wraps text into lines of at most `width` characters; a word longer than a line is
/// cut. Always at least one line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let line = lines.last_mut().expect("at least one line");
            let used = line.chars().count();
            let gap = usize::from(used > 0);
            if used + gap + word.len() <= width {
                if gap == 1 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used == 0 {
                // Longer than a whole line: cut it.
                line.extend(word.drain(..width));
            }
            lines.push(String::new());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(
            wrap("roll back the LB config", 10),
            ["roll back", "the LB", "config"]
        );
        assert_eq!(wrap("abcdefghijkl", 5), ["abcde", "fghij", "kl"]);
        assert_eq!(wrap("", 5), [""]);
    }
}
