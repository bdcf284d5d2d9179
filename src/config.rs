//! The TOML configuration: found with `directories`, overridden by `WARROOM_*` variables and
//! flags. A broken file is reported with its path, line, column and the field at fault.

use crate::cli::ColorChoice;
use crate::domain::{SeverityLevel, SeverityScale};
use crate::prometheus::config::{
    AlertSeverity, ImpactConfig, ImpactWindows, Panel, PanelConfig, ServerConfig, default_panels,
    validate_panels,
};
use crate::tui::keymap::KeyMap;
use clap::ValueEnum;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The documented default, written by `warroom config init`.
pub const DEFAULT_CONFIG: &str = include_str!("../assets/config.toml");

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub backend: BackendSection,
    pub server: ServerSection,
    pub tui: TuiSection,
    /// Where the panels' data comes from; no panels are queried without it.
    pub prometheus: Option<ServerConfig>,
    /// Where the firing alerts come from; no alerts pane without it.
    pub alertmanager: Option<ServerConfig>,
    pub panels: Vec<PanelConfig>,
    pub alert_severity: AlertSeverity,
    pub impact: ImpactConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            backend: BackendSection::default(),
            server: ServerSection::default(),
            tui: TuiSection::default(),
            prometheus: None,
            alertmanager: None,
            panels: default_panels(),
            alert_severity: AlertSeverity::default(),
            impact: ImpactConfig::default(),
        }
    }
}

/// The checked metrics settings the TUI runs with.
#[derive(Debug, Clone)]
pub struct MetricsSettings {
    pub panels: Vec<Panel>,
    pub alert_severity: AlertSeverity,
    pub impact: ImpactWindows,
}

/// Where clients find the backend.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackendSection {
    pub url: String,
    pub token: Option<String>,
    /// The name recorded on events in open mode; defaults to the login name.
    pub actor: Option<String>,
    pub timeout_secs: u64,
}

impl Default for BackendSection {
    fn default() -> Self {
        BackendSection {
            url: "http://127.0.0.1:7700".into(),
            token: None,
            actor: None,
            timeout_secs: 10,
        }
    }
}

/// `warroom serve`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSection {
    pub listen: SocketAddr,
    /// Defaults to `warroom.db` in the data directory.
    pub db: Option<PathBuf>,
    pub tokens: Option<PathBuf>,
    /// The severity levels, most severe first.
    #[serde(rename = "severity")]
    pub severities: Vec<SeverityLevel>,
    /// Alerts of one Alertmanager group attached to its incident one by one; the rest are
    /// counted ("and 240 more").
    pub alerts_per_incident: usize,
    /// How long the answer to a request with an `Idempotency-Key` is kept for its retries.
    pub idempotency_keys_kept: String,
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            listen: SocketAddr::from(([127, 0, 0, 1], 7700)),
            db: None,
            tokens: None,
            severities: SeverityScale::default().levels().to_vec(),
            alerts_per_incident: 100,
            idempotency_keys_kept: "7d".into(),
        }
    }
}

impl ServerSection {
    pub fn scale(&self) -> Result<SeverityScale, String> {
        SeverityScale::new(self.severities.clone()).map_err(|e| format!("[[server.severity]]: {e}"))
    }

    /// `idempotency_keys_kept`, parsed.
    pub fn idempotency_ttl(&self) -> Result<std::time::Duration, String> {
        crate::duration::parse_duration(&self.idempotency_keys_kept).ok_or_else(|| {
            format!(
                "[server] idempotency_keys_kept: '{}' is not a duration such as 7d",
                self.idempotency_keys_kept
            )
        })
    }
}

/// The full-screen client.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TuiSection {
    /// `never`, `16`, `256` or `truecolor`; `--color` and `NO_COLOR` win.
    pub color: Option<String>,
    /// ASCII borders and charts even on a UTF-8 terminal.
    pub ascii: bool,
    /// Remapped keys: `action = "key"` or `action = ["key", "key"]`.
    pub keys: BTreeMap<String, Keys>,
}

/// One key or several.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Keys {
    One(String),
    Many(Vec<String>),
}

impl TuiSection {
    pub fn color_choice(&self) -> Result<Option<ColorChoice>, String> {
        self.color
            .as_deref()
            .map(|name| {
                ColorChoice::from_str(name, true).map_err(|_| {
                    format!("[tui] color: '{name}' is not one of never, 16, 256, truecolor")
                })
            })
            .transpose()
    }

    pub fn key_overrides(&self) -> BTreeMap<String, Vec<String>> {
        self.keys
            .iter()
            .map(|(action, keys)| {
                let keys = match keys {
                    Keys::One(key) => vec![key.clone()],
                    Keys::Many(keys) => keys.clone(),
                };
                (action.clone(), keys)
            })
            .collect()
    }

    /// The key map, checked: an unknown action or key is a config error.
    pub fn keymap(&self) -> Result<KeyMap, String> {
        KeyMap::with_overrides(&self.key_overrides())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Read { path: String, message: String },
    #[error("{path}:{line}:{column}: {field}{message}")]
    Parse {
        path: String,
        line: usize,
        column: usize,
        field: String,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// The project's directories (config, data, logs), or `None` on a system without a home.
pub fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "warroom")
}

pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|dirs| dirs.config_dir().join("config.toml"))
}

/// Where the data (the database, the logs) lives; the current directory as a last resort.
pub fn data_dir() -> PathBuf {
    project_dirs()
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("."))
}

impl Config {
    /// Loads `explicit` if given (it must exist), else the default path if it exists, else
    /// the built-in defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => match default_config_path() {
                Some(path) if path.exists() => path,
                _ => return Ok(Config::default()),
            },
        };
        let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Parses a config text; `path` only labels the errors.
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|error| {
            let offset = error.span().map_or(0, |span| span.start);
            let (line, column) = line_and_column(text, offset);
            let field = field_at(text, line)
                .map(|field| format!("{field}: "))
                .unwrap_or_default();
            ConfigError::Parse {
                path: path.to_string(),
                line,
                column,
                field,
                message: error.message().trim().to_string(),
            }
        })?;
        let invalid = |message| ConfigError::Invalid {
            path: path.to_string(),
            message,
        };
        let scale = config.server.scale().map_err(invalid)?;
        config.tui.color_choice().map_err(invalid)?;
        config.tui.keymap().map_err(invalid)?;
        config.metrics(&scale).map_err(invalid)?;
        Ok(config)
    }

    /// The panels, the alert severity mapping and the impact windows, checked; errors name
    /// the panel and the field.
    pub fn metrics(&self, scale: &SeverityScale) -> Result<MetricsSettings, String> {
        let panels = validate_panels(&self.panels).map_err(|e| e.to_string())?;
        self.alert_severity
            .validate(scale)
            .map_err(|e| e.to_string())?;
        let impact = self.impact.validate().map_err(|e| e.to_string())?;
        Ok(MetricsSettings {
            panels,
            alert_severity: self.alert_severity.clone(),
            impact,
        })
    }
}

/// 1-based line and column of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The dotted name of the key on a line (`server.listen`), from the nearest table header
/// above it. Good enough for error messages; not a TOML parser.
fn field_at(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let own = lines.get(line.checked_sub(1)?)?.trim();
    let key = own.split_once('=').map(|(key, _)| key.trim())?;
    let table = lines[..line - 1]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('['))
        .map(|header| header.trim_matches(|c| c == '[' || c == ']').trim());
    Some(match table {
        Some(table) => format!("{table}.{key}"),
        None => key.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_default_is_the_built_in_default() {
        let parsed = Config::parse(DEFAULT_CONFIG, "assets/config.toml").unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn a_wrong_type_names_file_line_and_field() {
        let text = "[backend]\nurl = \"http://x\"\n\n[server]\nlisten = 7700\n";
        let error = Config::parse(text, "/etc/warroom.toml")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("/etc/warroom.toml:5:10: server.listen: "),
            "{error}"
        );
    }

    #[test]
    fn an_unknown_field_is_refused_by_name() {
        let text = "[server]\nlisen = \"127.0.0.1:1\"\n";
        let error = Config::parse(text, "c.toml").unwrap_err().to_string();
        assert!(
            error.starts_with("c.toml:2:1: server.lisen: unknown field `lisen`"),
            "{error}"
        );
    }

    #[test]
    fn tui_keys_and_colour_are_checked_at_load() {
        let good =
            "[tui]\ncolor = \"16\"\n[tui.keys]\nacknowledge = \"A\"\nquit = [\"q\", \"f10\"]\n";
        let config = Config::parse(good, "c.toml").unwrap();
        assert_eq!(config.tui.color_choice(), Ok(Some(ColorChoice::Ansi16)));
        assert_eq!(
            config
                .tui
                .keymap()
                .unwrap()
                .keys_for(crate::tui::keymap::Action::Quit),
            "q/f10"
        );
        let bad_key = Config::parse("[tui.keys]\nquit = \"ctrl-\"\n", "c.toml").unwrap_err();
        assert!(
            bad_key
                .to_string()
                .starts_with("c.toml: [tui.keys] quit: 'ctrl-' is not a key"),
            "{bad_key}"
        );
        let bad_color = Config::parse("[tui]\ncolor = \"lots\"\n", "c.toml").unwrap_err();
        assert!(
            bad_color.to_string().contains("[tui] color: 'lots'"),
            "{bad_color}"
        );
    }

    #[test]
    fn a_broken_panel_is_named_with_its_field() {
        let text = "[[panels]]\ntitle = \"Errors\"\nexpr = \"up\"\nrange = \"1x\"\n";
        let error = Config::parse(text, "c.toml").unwrap_err().to_string();
        assert_eq!(
            error,
            "c.toml: panel 1 (\"Errors\"): range: \"1x\" is not a duration (use 30m, 1h, 6h)"
        );
        let text = "[alert_severity.map]\ncritical = \"SEV0\"\n";
        let error = Config::parse(text, "c.toml").unwrap_err().to_string();
        assert!(
            error.contains("alert_severity: map.critical: unknown severity 'SEV0'"),
            "{error}"
        );
    }

    #[test]
    fn a_broken_severity_scale_is_refused() {
        let text =
            "[[server.severity]]\nname = \"P0\"\ndescription = \"x\"\nupdate_every_minutes = 0\n";
        let error = Config::parse(text, "c.toml").unwrap_err().to_string();
        assert!(error.contains("update_every_minutes = 0"), "{error}");
    }
}
