//! Every layer's settings, built once at start from the config file and the flags, so that a
//! broken config is reported before anything runs, whatever the subcommand: the backend's
//! severity scale, the panels' [`MetricsSettings`] and the TUI's [`TuiSettings`]. (The
//! backend's notifications and status page are `serve`'s alone, checked when it starts: a bad
//! `[[notify]]` does not stop `incident list`.)

use super::ScreenArgs;
use crate::config::{Config, ConfigError};
use crate::domain::SeverityScale;
use crate::panels::MetricsSettings;
use crate::tui::TuiSettings;

/// The checked settings of the layers this process may run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub scale: SeverityScale,
    pub metrics: MetricsSettings,
    pub tui: TuiSettings,
}

impl Settings {
    /// Checks every layer's tables; an error names the file, the table and the field.
    pub fn build(config: &Config, screen: &ScreenArgs) -> Result<Settings, ConfigError> {
        let scale = config.server.scale().map_err(|e| config.invalid(e))?;
        let metrics =
            MetricsSettings::from_config(config, &scale).map_err(|e| config.invalid(e))?;
        let tui = TuiSettings {
            components: config.status.components.clone(),
            ..TuiSettings::build(&screen.options(), &config.tui).map_err(|e| config.invalid(e))?
        };
        Ok(Settings {
            scale,
            metrics,
            tui,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn settings(text: &str) -> Result<Settings, String> {
        let config = Config {
            source: "c.toml".into(),
            ..Config::parse(text, "c.toml").map_err(|e| e.to_string())?
        };
        let cli = super::super::Cli::parse_from(["warroom"]);
        Settings::build(&config, &cli.screen).map_err(|e| e.to_string())
    }

    #[test]
    fn a_broken_panel_is_named_with_its_field() {
        let text = "[[panels]]\ntitle = \"Errors\"\nexpr = \"up\"\nrange = \"1x\"\n";
        assert_eq!(
            settings(text).unwrap_err(),
            "c.toml: panel 1 (\"Errors\"): range: \"1x\" is not a duration (use 30m, 1h, 6h)"
        );
        let text = "[alert_severity.map]\ncritical = \"SEV0\"\n";
        let error = settings(text).unwrap_err();
        assert!(
            error.contains("alert_severity: map.critical: unknown severity 'SEV0'"),
            "{error}"
        );
    }

    #[test]
    fn a_broken_severity_scale_is_refused() {
        let text =
            "[[server.severity]]\nname = \"P0\"\ndescription = \"x\"\nupdate_every_minutes = 0\n";
        let error = settings(text).unwrap_err();
        assert!(error.contains("update_every_minutes = 0"), "{error}");
    }

    #[test]
    fn tui_keys_are_checked_whatever_the_subcommand() {
        let error = settings("[tui.keys]\nquit = \"ctrl-\"\n").unwrap_err();
        assert!(
            error.starts_with("c.toml: [tui.keys] quit: 'ctrl-' is not a key"),
            "{error}"
        );
    }

    #[test]
    fn a_remap_onto_another_actions_key_is_refused_naming_the_file() {
        let error = settings("[tui.keys]\nacknowledge = \"A\"\n").unwrap_err();
        assert!(
            error.starts_with(
                "c.toml: [tui.keys] acknowledge: \"A\" is already \"declare from alert\""
            ),
            "{error}"
        );
    }
}
