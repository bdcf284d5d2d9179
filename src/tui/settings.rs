//! The TUI layer's settings, built from what the flags say ([`ScreenOptions`]) and the
//! config's `[tui]` table, with `NO_COLOR` and the locale read once here.

use super::keymap::KeyMap;
use super::theme::{ColorChoice, ColorMode, Theme, locale_is_utf8};
use crate::config::TuiSection;
use crate::domain::Severity;

/// The least severe new incident that rings the bell unless `[tui] attention` says otherwise.
/// It is checked against the backend's scale when an incident opens (the scale is the
/// backend's, unknown here).
const DEFAULT_ATTENTION: &str = "P1";

/// How the command line asked the screen to look; `None` and `false` defer to the config.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScreenOptions {
    pub wall: bool,
    pub color: Option<ColorChoice>,
    pub ascii: bool,
}

/// Everything the full-screen client needs to know before it starts.
#[derive(Debug, Clone)]
pub struct TuiSettings {
    pub wall: bool,
    pub theme: Theme,
    pub keymap: KeyMap,
    /// The least severe new incident that rings the bell; `None`: no attention signal.
    pub attention_from: Option<Severity>,
}

impl TuiSettings {
    /// Checks `[tui]` and applies the flags, `NO_COLOR` and the locale. Errors name the
    /// table and the field.
    pub fn build(screen: &ScreenOptions, config: &TuiSection) -> Result<TuiSettings, String> {
        Self::build_with(screen, config, |name| std::env::var(name).ok())
    }

    /// [`TuiSettings::build`] with the environment passed in.
    pub fn build_with(
        screen: &ScreenOptions,
        config: &TuiSection,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<TuiSettings, String> {
        let configured = config
            .color
            .as_deref()
            .map(|name| name.parse::<ColorChoice>())
            .transpose()
            .map_err(|why| format!("[tui] color: {why}"))?;
        let colors = ColorMode::resolve(screen.color.or(configured), env("NO_COLOR").as_deref());
        let ascii = screen.ascii || config.ascii || !locale_is_utf8(&env);
        let keymap = KeyMap::with_overrides(&config.key_overrides())?;
        let attention_from = match config.attention.as_deref().map(str::trim) {
            Some("") => {
                return Err("[tui] attention: give a severity such as \"P1\", or \"off\"".into());
            }
            Some(off) if off.eq_ignore_ascii_case("off") => None,
            Some(severity) => Some(Severity::new(severity)),
            None => Some(Severity::new(DEFAULT_ATTENTION)),
        }
        .filter(|_| !screen.wall || config.wall_attention);
        Ok(TuiSettings {
            wall: screen.wall,
            theme: Theme::new(colors, ascii),
            keymap,
            attention_from,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::tui::keymap::Action;

    fn utf8(name: &str) -> Option<String> {
        (name == "LANG").then(|| "en_US.UTF-8".to_string())
    }

    #[test]
    fn tui_keys_and_colour_are_checked() {
        let good =
            "[tui]\ncolor = \"16\"\n[tui.keys]\nacknowledge = \"A\"\nquit = [\"q\", \"f10\"]\n";
        let config = Config::parse(good, "c.toml").unwrap();
        let settings =
            TuiSettings::build_with(&ScreenOptions::default(), &config.tui, utf8).unwrap();
        assert_eq!(settings.theme.colors, ColorMode::Ansi16);
        assert_eq!(settings.keymap.keys_for(Action::Quit), "q/f10");
        let bad_key = Config::parse("[tui.keys]\nquit = \"ctrl-\"\n", "c.toml").unwrap();
        let error =
            TuiSettings::build_with(&ScreenOptions::default(), &bad_key.tui, utf8).unwrap_err();
        assert!(
            error.starts_with("[tui.keys] quit: 'ctrl-' is not a key"),
            "{error}"
        );
        let bad_color = Config::parse("[tui]\ncolor = \"lots\"\n", "c.toml").unwrap();
        let error =
            TuiSettings::build_with(&ScreenOptions::default(), &bad_color.tui, utf8).unwrap_err();
        assert!(error.contains("[tui] color: 'lots'"), "{error}");
    }

    #[test]
    fn flags_win_over_the_config_and_no_color_over_both() {
        let config = Config::parse("[tui]\ncolor = \"16\"\n", "c.toml").unwrap();
        let flags = ScreenOptions {
            color: Some(ColorChoice::Truecolor),
            ..ScreenOptions::default()
        };
        let settings = TuiSettings::build_with(&flags, &config.tui, utf8).unwrap();
        assert_eq!(settings.theme.colors, ColorMode::TrueColor);
        let no_color = |name: &str| (name == "NO_COLOR").then(|| "1".to_string());
        let settings = TuiSettings::build_with(&flags, &config.tui, no_color).unwrap();
        assert_eq!(settings.theme.colors, ColorMode::None);
        assert!(settings.theme.ascii, "no UTF-8 locale: ASCII");
    }
}
