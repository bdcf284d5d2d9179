//! `warroom setup`: from three URLs to one working config. It checks that the backend,
//! Prometheus and Alertmanager answer, detects the panels that fit Prometheus' metrics and
//! proposes their warn and crit lines from recent history, takes the status page's
//! components from the services it found, writes all of it into one commented config file
//! (updating, never duplicating, when run again), and prints the Alertmanager configuration
//! that sends pages to this backend.
//!
//! The narrative goes to stderr, the Alertmanager snippet alone to stdout, so that
//! `warroom setup … > warroom-alertmanager.yml` keeps just the YAML.

pub mod config_file;
pub mod snippet;

use super::GlobalArgs;
use super::panels::with_url;
use super::probe;
use crate::client::BackendConfig;
use crate::config::{self, Config};
use crate::panels::detect::{self, Detection, thresholds, toml::introduction_lines};
use crate::panels::validate_panels;
use crate::prometheus::{AlertmanagerClient, PrometheusClient};
use crate::sanitize::{sanitize, sanitize_lines};
use config_file::{DetectedPanel, Edits};
use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Where the three servers are, once given, asked or read from the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urls {
    pub backend: String,
    pub prometheus: String,
    pub alertmanager: String,
}

/// What a run printed and how it ended: 0 when everything answered and panels were found,
/// 1 when something did not (the config is written all the same, with what was given),
/// 2 for usage.
#[derive(Debug, Default)]
pub struct Report {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

/// The URLs from the flags (or `WARROOM_*`); the missing ones asked on a terminal, with the
/// config's (or the usual loopback) address as the default, or else taken from the config.
pub fn urls(global: &GlobalArgs, config: &Config) -> Result<Urls, String> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let configured =
        |table: &Option<crate::config::ServerConfig>| table.as_ref().map(|t| t.url.clone());
    let pick = |flag: &Option<String>,
                known: Option<String>,
                usual: &str,
                what: &str,
                name: &str|
     -> Result<String, String> {
        if let Some(url) = flag {
            return Ok(url.clone());
        }
        if interactive {
            let default = known.unwrap_or_else(|| usual.to_string());
            return ask(&format!("{what} URL [{default}]: "))
                .map(|answer| if answer.is_empty() { default } else { answer });
        }
        known.ok_or_else(|| {
            format!("give --{name} URL ({what}), or run `warroom setup` in a terminal to be asked")
        })
    };
    Ok(Urls {
        backend: pick(
            &global.backend,
            Some(config.backend.url.clone()),
            "http://127.0.0.1:7700",
            "the warroom backend's",
            "backend",
        )?,
        prometheus: pick(
            &global.prometheus,
            configured(&config.prometheus),
            "http://127.0.0.1:9090",
            "Prometheus'",
            "prometheus",
        )?,
        alertmanager: pick(
            &global.alertmanager,
            configured(&config.alertmanager),
            "http://127.0.0.1:9093",
            "Alertmanager's",
            "alertmanager",
        )?,
    })
}

/// One line asked on the terminal.
fn ask(question: &str) -> Result<String, String> {
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{question}");
    let _ = stderr.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    Ok(answer.trim().to_string())
}

impl Report {
    /// A line for people, on stderr.
    fn say(&mut self, subject: &str, line: impl std::fmt::Display) {
        let _ = writeln!(self.stderr, "{subject:<13} {line}");
    }

    /// Something that does not work: said, and the run ends 1.
    fn fail(&mut self, subject: &str, line: impl std::fmt::Display) {
        self.code = 1;
        self.say(subject, line);
    }
}

/// Runs the setup against `urls`, writing the config at `path`.
pub async fn run(
    global: &GlobalArgs,
    config: &Config,
    urls: &Urls,
    path: &Path,
    service: Option<&str>,
) -> Report {
    let mut report = Report::default();
    let backend = BackendConfig {
        url: urls.backend.clone(),
        ..super::backend_config(global, config)
    };
    let first_backend = urls.backend.split(',').next().unwrap_or_default().trim();
    check_backend(&backend, first_backend, &mut report).await;
    let (panels, components) = match prometheus_client(config, &urls.prometheus) {
        Ok(client) => check_prometheus(&client, &urls.prometheus, service, &mut report).await,
        Err(error) => {
            report.fail("prometheus", error);
            (Vec::new(), Vec::new())
        }
    };
    match alertmanager_client(config, &urls.alertmanager) {
        Ok(client) => {
            check_alertmanager(&client, &urls.alertmanager, first_backend, &mut report).await
        }
        Err(error) => report.fail("alertmanager", error),
    }

    // One config file with all of it. A token from WARROOM_TOKEN stays in the environment,
    // where its owner chose to keep it; one given with --token is written.
    let from_environment = std::env::var("WARROOM_TOKEN").ok();
    let edits = Edits {
        backend: Some(&urls.backend),
        token: global
            .token
            .as_deref()
            .filter(|token| from_environment.as_deref() != Some(*token)),
        prometheus: Some(&urls.prometheus),
        alertmanager: Some(&urls.alertmanager),
        components: &components,
        panels: &panels,
    };
    match write(path, &edits, false) {
        Ok(written) => {
            match written.changed.as_slice() {
                [] => report.say(
                    "config",
                    format!("{} already says all of this", path.display()),
                ),
                changed => report.say(
                    "config",
                    format!("wrote {}: {}", path.display(), changed.join(", ")),
                ),
            }
            for kept in written.kept {
                report.say("", kept);
            }
        }
        Err(error) => report.fail("config", error),
    }
    let token = backend.token.as_ref().map(|t| t.expose().to_string());
    report.stdout =
        snippet::alertmanager_yml(first_backend, token.as_deref(), Some(&urls.alertmanager));
    report.say(
        "next",
        "`warroom` opens the war room; `warroom doctor` checks this setup. The Alertmanager \
         configuration follows on stdout.",
    );
    report
}

/// Does the backend answer, and who are we to it?
async fn check_backend(backend: &BackendConfig, url: &str, report: &mut Report) {
    match probe::backend(backend).await {
        Ok(answer) => match &answer.identity {
            Ok(identity) => report.say(
                "backend",
                format!(
                    "{url} answers; you are {} ({})",
                    sanitize(&identity.person),
                    identity.role.as_str()
                ),
            ),
            Err(error) => report.fail(
                "backend",
                format!(
                    "{url} answers but refuses your token: {} (give a token of its tokens file \
                     with --token or WARROOM_TOKEN)",
                    sanitize(&error.reason())
                ),
            ),
        },
        Err(error) => report.fail(
            "backend",
            format!(
                "{url} does not answer: {} (start it with `warroom serve`, or give its URL with \
                 --backend)",
                sanitize(&error.reason())
            ),
        ),
    }
}

/// Prometheus: does it answer, the panels that fit it with their lines, and the services
/// they show (the status page's candidate components).
async fn check_prometheus(
    client: &PrometheusClient,
    url: &str,
    service: Option<&str>,
    report: &mut Report,
) -> (Vec<DetectedPanel>, Vec<String>) {
    match probe::prometheus(client).await {
        Ok(version) => report.say(
            "prometheus",
            format!("{url} answers (Prometheus {})", sanitize(&version)),
        ),
        Err(error) => {
            let error = sanitize(&error.to_string()).to_string();
            report.fail("prometheus", format!("{url} does not answer: {error}"));
            return (Vec::new(), Vec::new());
        }
    }
    let now = chrono::Utc::now().timestamp();
    match detect::detect(client, service, now).await {
        Ok(detection) => {
            let panels = with_thresholds(client, &detection, now, report).await;
            (panels, services(&detection))
        }
        Err(error) => {
            let why = sanitize_lines(&error.to_string()).trim_end().to_string();
            report.fail("panels", why);
            (Vec::new(), Vec::new())
        }
    }
}

/// Alertmanager: does it answer, and does a routed receiver already send pages here?
async fn check_alertmanager(
    client: &AlertmanagerClient,
    url: &str,
    backend: &str,
    report: &mut Report,
) {
    let status = match probe::alertmanager(client).await {
        Ok(status) => status,
        Err(error) => {
            let error = sanitize(&error.to_string()).to_string();
            return report.fail("alertmanager", format!("{url} does not answer: {error}"));
        }
    };
    let wanted = probe::receiver_url(backend);
    let routing = &status.routing;
    let sending = routing.receivers.iter().find(|receiver| {
        routing.is_routed(&receiver.name)
            && receiver.webhooks.iter().any(|hook| {
                hook.url
                    .as_deref()
                    .is_some_and(|url| probe::same_endpoint(url, &wanted))
            })
    });
    let pages = match sending {
        Some(receiver) => format!(
            "its receiver \"{}\" already sends pages here",
            sanitize(&receiver.name)
        ),
        None => "no receiver sends pages to this backend yet: apply the configuration printed \
                 below, then reload it"
            .to_string(),
    };
    report.say(
        "alertmanager",
        format!(
            "{url} answers (Alertmanager {}); {pages}",
            sanitize(&status.version)
        ),
    );
}

/// `[prometheus]` of the config (its auth and headers) at `url`.
fn prometheus_client(config: &Config, url: &str) -> Result<PrometheusClient, String> {
    let server = with_url(&config.prometheus, &Some(url.to_string()))
        .unwrap_or_else(|| crate::config::ServerConfig::new(url));
    PrometheusClient::new(&server).map_err(|e| e.to_string())
}

fn alertmanager_client(config: &Config, url: &str) -> Result<AlertmanagerClient, String> {
    let server = with_url(&config.alertmanager, &Some(url.to_string()))
        .unwrap_or_else(|| crate::config::ServerConfig::new(url));
    AlertmanagerClient::new(&server).map_err(|e| e.to_string())
}

/// The services the panels were bound to: candidates for the status page's components.
fn services(detection: &Detection) -> Vec<String> {
    let mut services: Vec<String> = detection
        .proposals
        .iter()
        .filter(|p| p.binding.service.is_some())
        .flat_map(|p| p.services.iter().cloned())
        .collect();
    services.sort();
    services.dedup();
    services
}

/// Each detected panel with the lines proposed from its history, and the comments that say
/// where both came from; a line for people per panel.
async fn with_thresholds(
    client: &PrometheusClient,
    detection: &Detection,
    now: i64,
    report: &mut Report,
) -> Vec<DetectedPanel> {
    let mut detected = Vec::new();
    for proposal in &detection.proposals {
        let bound = match proposal.binding.service {
            Some(label) => format!(", $service is the {label} label"),
            None => ", for every service (no service label)".to_string(),
        };
        let convention = proposal.convention;
        report.say(
            "panels",
            format!(
                "{} ({}): {} panels{bound}",
                convention.name,
                convention.requests,
                proposal.panels.len()
            ),
        );
        for note in &proposal.notes {
            report.say("", format!("note: {}", sanitize(note)));
        }
        for (index, panel) in proposal.panels.iter().enumerate() {
            let mut comment = if index == 0 {
                introduction_lines(proposal)
            } else {
                Vec::new()
            };
            let mut panel = panel.clone();
            match thresholds::propose(client, &panel, now).await {
                Ok(proposed) => {
                    comment.push(proposed.explain(&panel.unit));
                    comment.push(config_file::MANAGED.to_string());
                    panel.warn = proposed.warn;
                    panel.crit = proposed.crit;
                    let lines = lines(&panel)
                        .unwrap_or_else(|| "no lines: too little history yet".to_string());
                    report.say("", format!("{}: {lines}", panel.title));
                }
                Err(error) => report.say(
                    "",
                    format!(
                        "{}: no lines proposed, Prometheus failed: {}",
                        panel.title,
                        sanitize(&error.to_string())
                    ),
                ),
            }
            detected.push(DetectedPanel { panel, comment });
        }
    }
    detected
}

/// "warn 950.0 ms, crit 1.90 s" in the panel's own unit.
fn lines(panel: &crate::config::PanelConfig) -> Option<String> {
    let checked = validate_panels(std::slice::from_ref(panel)).ok()?;
    let panel = checked.first()?;
    let line =
        |name: &str, value: Option<f64>| value.map(|v| format!("{name} {}", panel.unit.format(v)));
    let lines: Vec<String> = [
        line("warn", panel.thresholds.warn),
        line("crit", panel.thresholds.crit),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!lines.is_empty()).then(|| lines.join(", "))
}

/// Writes `edits` into the file at `path`, or into the documented default when there is
/// none yet or `afresh` says to replace it.
/// The result must load as a config before it replaces the file; the file is replaced whole
/// and readable by its owner only (it may hold a token). Returns what changed and what was
/// kept.
pub fn write(path: &Path, edits: &Edits, afresh: bool) -> Result<config_file::Written, String> {
    let at = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let current = match std::fs::read_to_string(path) {
        Ok(_) if afresh => config::DEFAULT_CONFIG.to_string(),
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => config::DEFAULT_CONFIG.to_string(),
        Err(e) => return Err(at(&e)),
    };
    let written = config_file::apply(&current, edits).map_err(|e| at(&e))?;
    let loaded = Config::parse(&written.text, &path.display().to_string())
        .map_err(|e| format!("the change would break the config, nothing written: {e}"))?;
    validate_panels(&loaded.panels)
        .map_err(|e| format!("the panels would be invalid, nothing written: {e}"))?;
    if afresh || written.text != current || !path.exists() {
        crate::private_files::write_whole(path, written.text.as_bytes()).map_err(|e| at(&e))?;
    }
    Ok(written)
}

/// The config file a command writes: `--config`, or the XDG path.
pub fn config_path(global: &GlobalArgs) -> Result<PathBuf, String> {
    global
        .config
        .clone()
        .or_else(config::default_config_path)
        .ok_or_else(|| "no home directory: give the config file with --config".to_string())
}
