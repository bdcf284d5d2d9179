//! `warroom panels detect`: the panels that fit a Prometheus, printed or written into the
//! config file.

use super::GlobalArgs;
use crate::config::ServerConfig;
use crate::config::{self, Config};
use crate::panels::detect::{self, Detection, toml::write_into};
use crate::prometheus::PrometheusClient;
use crate::sanitize::{sanitize, sanitize_lines};
use std::path::{Path, PathBuf};

/// A failed run: the exit code (2 for usage and configuration, 1 for the rest) and why.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

fn fail(code: u8, message: impl Into<String>) -> Failure {
    Failure {
        code,
        message: message.into(),
    }
}

/// A server's config with the URL from a flag or a `WARROOM_*` variable overriding the
/// file's (whose auth, headers and timeout are kept).
pub fn with_url(table: &Option<ServerConfig>, flag: &Option<String>) -> Option<ServerConfig> {
    match (table, flag) {
        (Some(table), Some(url)) => Some(ServerConfig {
            url: url.clone(),
            ..table.clone()
        }),
        (None, Some(url)) => Some(ServerConfig::new(url.clone())),
        (table, None) => table.clone(),
    }
}

/// Runs detection; returns what goes to stdout and what goes to stderr.
pub async fn detect(
    global: &GlobalArgs,
    config: &Config,
    write: bool,
    service: Option<&str>,
) -> Result<(String, String), Failure> {
    let server = with_url(&config.prometheus, &global.prometheus).ok_or_else(|| {
        fail(
            2,
            "no Prometheus to ask: give --prometheus URL or set [prometheus] url in the config",
        )
    })?;
    let client = PrometheusClient::new(&server).map_err(|e| fail(2, e.to_string()))?;
    let now = chrono::Utc::now().timestamp();
    // The reasons quote label values from Prometheus: through the gate, line by line.
    let detection = detect::detect(&client, service, now)
        .await
        .map_err(|e| fail(1, sanitize_lines(&e.to_string()).trim_end()))?;
    let summary = summary(&detection, &server.url);
    if !write {
        return Ok((detect::toml::render(&detection), summary));
    }
    let path = global
        .config
        .clone()
        .or_else(config::default_config_path)
        .ok_or_else(|| fail(2, "no home directory: give the config file with --config"))?;
    let added = global.prometheus.as_deref();
    write_config(&path, &detection, added).map_err(|message| fail(1, message))?;
    let count = detection.panels().len();
    Ok((
        String::new(),
        format!(
            "{summary}wrote {count} panels to {}; the TUI shows them from its next start\n",
            path.display()
        ),
    ))
}

/// What was found, for the person at the terminal.
fn summary(detection: &Detection, url: &str) -> String {
    let mut text = String::new();
    for proposal in &detection.proposals {
        let service = match (proposal.binding.service, &proposal.checked_with) {
            (Some(label), Some(checked)) => {
                format!(", $service is the {label} label (checked with {checked:?})")
            }
            (Some(label), None) => format!(", $service is the {label} label"),
            (None, _) => ", no service label".to_string(),
        };
        text.push_str(&format!(
            "found {} ({}){service}: {} panels\n",
            proposal.convention.name,
            proposal.convention.requests,
            proposal.panels.len()
        ));
    }
    for reason in &detection.passed_over {
        // It quotes label values from Prometheus.
        text.push_str(&format!("passed over {}\n", sanitize(reason)));
    }
    text.push_str(&format!("{} API calls to {url}\n", detection.api_calls));
    text
}

/// Adds the panels to the file at `path` (the documented default when it does not exist
/// yet). The result must load as a config before it replaces the file, and it replaces it
/// whole (a rename), so a failure leaves the old file as it was.
fn write_config(path: &Path, detection: &Detection, url: Option<&str>) -> Result<(), String> {
    let at = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let current = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => config::DEFAULT_CONFIG.to_string(),
        Err(e) => return Err(at(&e)),
    };
    let updated = write_into(&current, detection, url).map_err(|e| at(&e))?;
    Config::parse(&updated, &path.display().to_string())
        .map_err(|e| format!("the panels would break the config, nothing written: {e}"))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut temporary = PathBuf::from(path);
    temporary.as_mut_os_string().push(".warroom-new");
    std::fs::write(&temporary, updated).map_err(|e| format!("{}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, path).map_err(|e| at(&e))
}
