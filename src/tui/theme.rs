//! Colours and symbols, chosen once from `--color`, `NO_COLOR`, `--ascii` and the locale.
//!
//! Every style the views use comes from here, so "no colour" and "ASCII only" are one switch
//! each rather than a condition in every pane. Without colour, meaning moves into modifiers
//! (bold, reversed) and words ("OVERDUE"), which the views always print anyway.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols;
use std::str::FromStr;

/// What the user asked for (`--color`, `[tui] color`), before `NO_COLOR` has its say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Never,
    Ansi16,
    Ansi256,
    Truecolor,
}

impl ColorChoice {
    /// The spellings, in the order `--help` lists them.
    pub const NAMES: [&'static str; 4] = ["never", "16", "256", "truecolor"];
}

impl FromStr for ColorChoice {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim().to_ascii_lowercase().as_str() {
            "never" => Ok(ColorChoice::Never),
            "16" => Ok(ColorChoice::Ansi16),
            "256" => Ok(ColorChoice::Ansi256),
            "truecolor" => Ok(ColorChoice::Truecolor),
            _ => Err(format!(
                "'{name}' is not one of {}",
                ColorChoice::NAMES.join(", ")
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorMode {
    None,
    Ansi16,
    Ansi256,
    TrueColor,
}

impl ColorMode {
    /// `NO_COLOR` (any non-empty value) wins over everything, as no-color.org asks.
    pub fn resolve(choice: Option<ColorChoice>, no_color: Option<&str>) -> ColorMode {
        if no_color.is_some_and(|value| !value.is_empty()) {
            return ColorMode::None;
        }
        match choice {
            Some(ColorChoice::Never) => ColorMode::None,
            Some(ColorChoice::Ansi16) => ColorMode::Ansi16,
            Some(ColorChoice::Truecolor) => ColorMode::TrueColor,
            Some(ColorChoice::Ansi256) | None => ColorMode::Ansi256,
        }
    }
}

/// True when the locale promises UTF-8 (the first of LC_ALL, LC_CTYPE, LANG that is set).
pub fn locale_is_utf8(lookup: impl Fn(&str) -> Option<String>) -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|name| lookup(name).filter(|value| !value.is_empty()))
        .next()
        .is_some_and(|value| {
            let value = value.to_ascii_lowercase();
            value.contains("utf-8") || value.contains("utf8")
        })
}

/// The named colours of the war room, before the terminal's palette is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Critical,
    Warning,
    Ok,
    Info,
    Muted,
    Accent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub colors: ColorMode,
    pub ascii: bool,
    /// URLs are drawn as OSC 8 hyperlinks (else as plain text).
    pub hyperlinks: bool,
}

impl Theme {
    pub fn new(colors: ColorMode, ascii: bool) -> Self {
        Theme {
            colors,
            ascii,
            hyperlinks: false,
        }
    }

    fn color(&self, tone: Tone) -> Option<Color> {
        let (ansi16, indexed, rgb) = match tone {
            Tone::Critical => (Color::LightRed, 196, (230, 50, 50)),
            Tone::Warning => (Color::Yellow, 214, (240, 170, 30)),
            Tone::Ok => (Color::Green, 34, (60, 180, 75)),
            Tone::Info => (Color::Cyan, 39, (60, 160, 230)),
            Tone::Muted => (Color::DarkGray, 244, (130, 130, 130)),
            Tone::Accent => (Color::Magenta, 170, (200, 100, 200)),
        };
        match self.colors {
            ColorMode::None => None,
            ColorMode::Ansi16 => Some(ansi16),
            ColorMode::Ansi256 => Some(Color::Indexed(indexed)),
            ColorMode::TrueColor => Some(Color::Rgb(rgb.0, rgb.1, rgb.2)),
        }
    }

    /// Text in a tone. Without colour, critical and warning text is bold so it still stands out.
    pub fn fg(&self, tone: Tone) -> Style {
        match self.color(tone) {
            Some(color) => Style::new().fg(color),
            None if matches!(tone, Tone::Critical | Tone::Warning) => {
                Style::new().add_modifier(Modifier::BOLD)
            }
            None => Style::new(),
        }
    }

    /// A badge: the tone as background. Without colour, reversed video.
    pub fn badge(&self, tone: Tone) -> Style {
        match self.color(tone) {
            Some(color) => Style::new()
                .bg(color)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD),
            None => Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        }
    }

    pub fn muted(&self) -> Style {
        self.fg(Tone::Muted)
    }

    pub fn bold(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// A URL: underlined, as links are.
    pub fn underlined(&self) -> Style {
        self.fg(Tone::Info).add_modifier(Modifier::UNDERLINED)
    }

    /// The highlighted row of a list.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// The tone of a severity by its rank in the scale: 0 critical, 1 warning, then info.
    pub fn severity_tone(rank: usize) -> Tone {
        match rank {
            0 => Tone::Critical,
            1 => Tone::Warning,
            _ => Tone::Info,
        }
    }

    /// Box drawing, or `+-|` where the terminal may not have it.
    pub fn border_set(&self) -> symbols::border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            symbols::border::PLAIN
        }
    }

    /// Braille draws a smooth line; ASCII terminals get dots.
    pub fn chart_marker(&self) -> symbols::Marker {
        if self.ascii {
            symbols::Marker::Dot
        } else {
            symbols::Marker::Braille
        }
    }

    /// Whether colour alone cannot carry a meaning here (`NO_COLOR`, 16 colours, whose red
    /// and yellow a terminal theme may make anything): a breach is then marked in text too,
    /// and threshold lines are drawn with another marker than data.
    pub fn marks_in_text(&self) -> bool {
        matches!(self.colors, ColorMode::None | ColorMode::Ansi16)
    }

    /// The marker of a chart's threshold lines: the data's where colour tells them apart,
    /// another one where it cannot ([`Theme::marks_in_text`]).
    pub fn threshold_marker(&self) -> symbols::Marker {
        match (self.marks_in_text(), self.ascii) {
            (false, _) => self.chart_marker(),
            (true, false) => symbols::Marker::Dot,
            (true, true) => symbols::Marker::Bar,
        }
    }

    /// A glyph with its ASCII fallback.
    pub fn glyph(&self, unicode: &'static str, ascii: &'static str) -> &'static str {
        if self.ascii { ascii } else { unicode }
    }
}

const ASCII_BORDER: symbols::border::Set<'static> = symbols::border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_choices_read_their_names() {
        for name in ColorChoice::NAMES {
            assert!(name.parse::<ColorChoice>().is_ok(), "{name}");
        }
        assert_eq!("TrueColor".parse(), Ok(ColorChoice::Truecolor));
        assert_eq!(
            "lots".parse::<ColorChoice>(),
            Err("'lots' is not one of never, 16, 256, truecolor".to_string())
        );
    }

    #[test]
    fn no_color_wins_over_the_flag() {
        assert_eq!(
            ColorMode::resolve(Some(ColorChoice::Truecolor), Some("1")),
            ColorMode::None
        );
        assert_eq!(ColorMode::resolve(None, Some("")), ColorMode::Ansi256);
        assert_eq!(
            ColorMode::resolve(Some(ColorChoice::Ansi16), None),
            ColorMode::Ansi16
        );
    }

    #[test]
    fn the_first_set_locale_variable_decides() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(locale_is_utf8(env(&[("LANG", "en_US.UTF-8")])));
        assert!(!locale_is_utf8(env(&[
            ("LC_ALL", "C"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(locale_is_utf8(env(&[
            ("LC_ALL", ""),
            ("LC_CTYPE", "C.utf8")
        ])));
        assert!(!locale_is_utf8(env(&[])));
    }

    #[test]
    fn without_colour_no_style_carries_a_colour() {
        let theme = Theme::new(ColorMode::None, false);
        for tone in [
            Tone::Critical,
            Tone::Warning,
            Tone::Ok,
            Tone::Info,
            Tone::Muted,
        ] {
            assert_eq!(theme.fg(tone).fg, None);
            assert_eq!(theme.badge(tone).bg, None);
        }
    }
}
