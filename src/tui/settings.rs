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
use crate::report::template::Templates;

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
    pub templates: Templates,
    /// The status page's components, which the composer offers: the config's
    /// `[status] components` (set by whoever reads the whole config; none here).
    pub components: Vec<String>,
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
        let hyperlinks = match config.hyperlinks.as_deref().unwrap_or("auto") {
            "auto" => terminal_has_hyperlinks(&env),
            "always" => true,
            "never" => false,
            other => {
                return Err(format!(
                    "[tui] hyperlinks: '{other}' is not auto, always or never"
                ));
            }
        };
        let mut templates = Templates::default();
        for (field, text) in &config.templates {
            templates = templates
                .with(field, text)
                .map_err(|why| format!("[tui.templates] {field}: {why}"))?;
        }
        Ok(TuiSettings {
            wall: screen.wall,
            theme: Theme {
                hyperlinks,
                ..Theme::new(colors, ascii)
            },
            keymap,
            attention_from,
            templates,
            components: Vec::new(),
        })
    }
}

/// Whether the terminal is one known to follow OSC 8 hyperlinks. Terminals that do not
/// know the sequence should ignore it, but some print it, so only known ones get links; tmux
/// and screen are left out because they pass links on only when configured to.
fn terminal_has_hyperlinks(env: &impl Fn(&str) -> Option<String>) -> bool {
    let term = env("TERM").unwrap_or_default();
    if env("TMUX").is_some() || term.starts_with("screen") || term.starts_with("tmux") {
        return false;
    }
    let program = env("TERM_PROGRAM").unwrap_or_default();
    let vte = env("VTE_VERSION").and_then(|v| v.parse::<u32>().ok());
    matches!(
        program.as_str(),
        "iTerm.app" | "WezTerm" | "vscode" | "ghostty" | "Hyper" | "Tabby" | "rio"
    ) || matches!(
        term.as_str(),
        "xterm-kitty" | "xterm-ghostty" | "wezterm" | "foot" | "alacritty"
    ) || vte.is_some_and(|version| version >= 5000)
        || env("KITTY_WINDOW_ID").is_some()
        || env("WT_SESSION").is_some()
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
            "[tui]\ncolor = \"16\"\n[tui.keys]\nacknowledge = \"f2\"\nquit = [\"q\", \"f10\"]\n";
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
    fn hyperlinks_follow_the_switch_and_else_known_terminals() {
        let settings = |text: &str, env: &[(&str, &str)]| {
            let config = Config::parse(text, "c.toml").unwrap();
            let env: Vec<(String, String)> = env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            TuiSettings::build_with(&ScreenOptions::default(), &config.tui, |name| {
                env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
            })
        };
        let links =
            |text: &str, env: &[(&str, &str)]| settings(text, env).unwrap().theme.hyperlinks;
        assert!(links("", &[("TERM_PROGRAM", "WezTerm")]));
        assert!(links("", &[("VTE_VERSION", "7600")]));
        assert!(
            !links("", &[("TERM", "xterm-256color")]),
            "unknown: plain text"
        );
        assert!(!links(
            "",
            &[("TERM_PROGRAM", "WezTerm"), ("TMUX", "/tmp/t,1,0")]
        ));
        assert!(links("[tui]\nhyperlinks = \"always\"\n", &[("TMUX", "x")]));
        assert!(!links(
            "[tui]\nhyperlinks = \"never\"\n",
            &[("TERM_PROGRAM", "WezTerm")]
        ));
        let error = settings("[tui]\nhyperlinks = \"yes\"\n", &[]).unwrap_err();
        assert_eq!(
            error,
            "[tui] hyperlinks: 'yes' is not auto, always or never"
        );
    }

    #[test]
    fn templates_from_the_config_are_checked_and_named_by_their_field() {
        let good = "[tui.templates]\nresolved = \"All good again.\"\n";
        let config = Config::parse(good, "c.toml").unwrap();
        let settings =
            TuiSettings::build_with(&ScreenOptions::default(), &config.tui, utf8).unwrap();
        assert_ne!(settings.templates, Templates::default());
        let bad = "[tui.templates]\nmessage_ascii = \"{headline}\\n{message}\"\n";
        let config = Config::parse(bad, "c.toml").unwrap();
        let error =
            TuiSettings::build_with(&ScreenOptions::default(), &config.tui, utf8).unwrap_err();
        assert!(
            error.starts_with("[tui.templates] message_ascii: unknown placeholder {message}"),
            "{error}"
        );
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
