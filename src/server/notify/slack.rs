//! The text of a Slack message (Mattermost and Rocket.Chat read the same markup): [`SlackText`]
//! is made from our own words, from text that came from people or the network (escaped, so
//! it cannot ping a channel, open a link or hide one behind a label) and from the handles the
//! config names (left live, so the person is notified). A `String` does not turn into one, so
//! a title or an alert annotation cannot reach a message unescaped.

use std::fmt;

/// Text ready for a message body. Only [`SlackText::ours`], [`SlackText::escaped`] and
/// [`SlackText::handle`] make one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlackText(String);

impl SlackText {
    /// Our own words: a literal of this program, never network text.
    pub fn ours(literal: &'static str) -> SlackText {
        SlackText(literal.to_string())
    }

    /// Anyone's text, made inert: `&`, `<` and `>` escaped as Slack asks (so `<!channel>`,
    /// `<@U123>` and `<https://x|label>` show as written), an `@` that starts a word kept from
    /// being a mention in Mattermost and Rocket.Chat (`@channel`, `@all`) by a word joiner, and
    /// controls, bidi and zero-width characters replaced as on a terminal.
    pub fn escaped(text: &str) -> SlackText {
        let mut out = String::with_capacity(text.len());
        let mut previous: Option<char> = None;
        for c in crate::sanitize::sanitize(text).as_str().chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '@' if previous.is_none_or(|p| !p.is_alphanumeric()) => {
                    out.push_str("@\u{2060}");
                }
                c => out.push(c),
            }
            previous = Some(c);
        }
        SlackText(out)
    }

    /// A handle from the target's `people` table (`<@U024BE7LH>`, `@alice`): configured by
    /// the operator, so it stays live and notifies the person.
    pub fn handle(configured: &str) -> SlackText {
        SlackText(configured.to_string())
    }

    /// Appends another piece.
    pub fn push(&mut self, piece: &SlackText) {
        self.0.push_str(&piece.0);
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Pieces joined in order: `slack![a, b, c]` reads like the message it makes.
macro_rules! slack {
    ($($piece:expr),* $(,)?) => {{
        let mut text = $crate::server::notify::slack::SlackText::default();
        $( text.push(&$piece); )*
        text
    }};
}
pub(crate) use slack;

impl fmt::Display for SlackText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_mentions_from_text_are_inert() {
        let text = SlackText::escaped(
            "<!channel> <https://evil.example/login|Open the dashboard> & @here mail@host",
        );
        assert_eq!(
            text.as_str(),
            "&lt;!channel&gt; &lt;https://evil.example/login|Open the dashboard&gt; &amp; \
             @\u{2060}here mail@host"
        );
    }

    #[test]
    fn controls_and_bidi_are_replaced_and_handles_stay_live() {
        let text = slack![
            SlackText::escaped("a\u{202E}b\u{1b}[2J"),
            SlackText::ours(" "),
            SlackText::handle("<@U024BE7LH>"),
        ];
        assert_eq!(text.as_str(), "a\u{FFFD}b\u{FFFD}[2J <@U024BE7LH>");
    }
}
