//! The TOML configuration as written: found with `directories`, read into raw serde structs,
//! one file per table. A broken file is reported with its path, line, column and the field
//! at fault.
//!
//! Nothing here knows what a value is for: each layer builds its own checked settings from
//! these tables (the backend's `ServeOptions`, the TUI's `TuiSettings`, the panels'
//! `MetricsSettings`), and flags and `WARROOM_*` variables are applied by the command line.

mod alert_routing;
mod backend;
mod escalation;
mod impact;
mod notify;
mod panels;
mod server;
mod sources;
mod status;
mod tui;

pub use alert_routing::AlertRoutingSection;
pub use backend::BackendSection;
pub use escalation::{EscalationSection, PolicySection, StepSection};
pub use impact::ImpactConfig;
pub use notify::{NotifyDelivery, NotifyTarget};
pub use panels::{PanelConfig, default_panels};
pub use server::{LimitsSection, ServerSection};
pub use sources::{BasicAuth, ServerConfig};
pub use status::StatusSection;
pub use tui::{Keys, TuiSection};

use crate::domain::AlertSeverity;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The documented default, written by `warroom config init`.
pub const DEFAULT_CONFIG: &str = include_str!("../../assets/config.toml");

/// A config value that cannot be used, with the table, panel and field it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);

/// The whole file, as written; a table left out takes its documented default.
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
    /// Which open incident a page joins instead of opening another.
    pub alert_routing: AlertRoutingSection,
    pub impact: ImpactConfig,
    /// What the public status page shows.
    pub status: StatusSection,
    /// Where notifications go.
    pub notify: Vec<NotifyTarget>,
    pub notify_delivery: NotifyDelivery,
    /// When the backend's clock records lapses.
    pub escalation: EscalationSection,
    /// Where the config was read from, to label the layers' errors; empty for the defaults.
    #[serde(skip)]
    pub source: String,
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
            alert_routing: AlertRoutingSection::default(),
            impact: ImpactConfig::default(),
            status: StatusSection::default(),
            notify: Vec::new(),
            notify_delivery: NotifyDelivery::default(),
            escalation: EscalationSection::default(),
            source: String::new(),
        }
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
        let source = path.display().to_string();
        let config = Config::parse(&text, &source)?;
        Ok(Config { source, ..config })
    }

    /// A value a layer found unusable, labelled with the file it came from.
    pub fn invalid(&self, message: impl std::fmt::Display) -> ConfigError {
        let path = match self.source.as_str() {
            "" => "the built-in config",
            source => source,
        };
        ConfigError::Invalid {
            path: path.to_string(),
            message: message.to_string(),
        }
    }

    /// Parses a config text; `path` only labels the errors. The field at fault is the path
    /// serde was at (`server.listen`, `panels[1].range`), the line and column toml's span.
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        let parse_error = |error: toml_edit::de::Error, field: String| {
            let offset = error.span().map_or(0, |span| span.start);
            let (line, column) = line_and_column(text, offset);
            ConfigError::Parse {
                path: path.to_string(),
                line,
                column,
                field,
                message: error.message().trim().to_string(),
            }
        };
        let deserializer = toml_edit::de::Deserializer::parse(text)
            .map_err(|error| parse_error(error, String::new()))?;
        serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let field = match error.path().to_string() {
                field if field == "." => String::new(),
                field => format!("{field}: "),
            };
            parse_error(error.into_inner(), field)
        })
    }
}

/// Parses a duration written in the config (a range, a refresh, a timeout) or says how to
/// write one; the caller adds the table and the field.
pub fn duration_value(text: &str) -> Result<std::time::Duration, String> {
    crate::duration::parse_duration(text)
        .map_err(|e| format!("{:?} is not a duration (use 30m, 1h, 6h)", e.input()))
}

/// 1-based line and column of a byte offset into `text`; an offset past the end or inside
/// a character counts as the nearest character boundary before it.
pub fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
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
    fn a_field_inside_an_array_of_tables_is_named_with_its_index() {
        let text =
            "[[panels]]\ntitle = \"A\"\nexpr = \"up\"\n[[panels]]\ntitle = 3\nexpr = \"up\"\n";
        let error = Config::parse(text, "c.toml").unwrap_err().to_string();
        assert!(
            error.starts_with("c.toml:5:9: panels[1].title: "),
            "{error}"
        );
    }

    #[test]
    fn positions_count_characters_and_never_split_one() {
        assert_eq!(line_and_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_and_column("ü = 1", 1), (1, 1));
        assert_eq!(line_and_column("x", 99), (1, 2));
    }

    #[test]
    fn layer_errors_name_the_file() {
        let config = Config {
            source: "/etc/warroom.toml".into(),
            ..Config::default()
        };
        assert_eq!(
            config.invalid("[tui] color: 'lots'").to_string(),
            "/etc/warroom.toml: [tui] color: 'lots'"
        );
    }
}
