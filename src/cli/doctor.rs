//! `warroom doctor`: what is broken in this setup, and how to fix it. It reads the config,
//! asks the backend who the token is and what time it is, asks Prometheus whether the panels
//! draw, which alerting rules watch warroom's services and where it sends alerts, and asks
//! Alertmanager whether a routed receiver sends pages to this backend. Every problem comes
//! with its fix; the exit code is 1 when there is one.

use super::panels::with_url;
use super::setup::snippet;
use super::{GlobalArgs, ScreenArgs, Settings, backend_config, probe};
use crate::client::ClientError;
use crate::config::{Config, ServerConfig, ValueError};
use crate::domain::AccessRole;
use crate::panels::validate_panels;
use crate::prometheus::{AlertingRule, AlertmanagerClient, AlertmanagerStatus, PrometheusClient};
use crate::sanitize::sanitize;
use std::fmt::Write as _;

/// The largest clock difference with the backend that is not a problem: the timeline marks
/// a command whose given time differs by more than 5 s.
const MAX_SKEW_SECS: i64 = 5;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    /// Worth knowing, but the war room works.
    Warn,
    /// Something people rely on does not work.
    Problem,
}

/// One thing checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub subject: &'static str,
    pub says: String,
    /// What to do about it.
    pub fix: Option<String>,
}

fn ok(subject: &'static str, says: String) -> Finding {
    Finding {
        level: Level::Ok,
        subject,
        says,
        fix: None,
    }
}

fn warn(subject: &'static str, says: String, fix: impl Into<String>) -> Finding {
    Finding {
        level: Level::Warn,
        subject,
        says,
        fix: Some(fix.into()),
    }
}

fn problem(subject: &'static str, says: String, fix: impl Into<String>) -> Finding {
    Finding {
        level: Level::Problem,
        subject,
        says,
        fix: Some(fix.into()),
    }
}

/// Runs every check; returns the report and the exit code (1 on a problem).
pub async fn run(global: &GlobalArgs, screen: &ScreenArgs) -> (String, u8) {
    let findings = check(global, screen).await;
    let code = u8::from(findings.iter().any(|f| f.level == Level::Problem));
    (render(&findings), code)
}

/// The findings, in the order a setup is built: config, backend, Prometheus, Alertmanager.
pub async fn check(global: &GlobalArgs, screen: &ScreenArgs) -> Vec<Finding> {
    let mut findings = Vec::new();
    let config = match Config::load(global.config.as_deref()) {
        Ok(config) => {
            findings.push(match config.source.as_str() {
                "" => warn(
                    "config",
                    "none: the built-in defaults (and flags, WARROOM_*)".into(),
                    "`warroom setup --backend URL --prometheus URL --alertmanager URL` writes one",
                ),
                source => ok("config", source.to_string()),
            });
            config
        }
        Err(error) => {
            findings.push(problem(
                "config",
                error.to_string(),
                "correct the file; `warroom setup` writes a working one",
            ));
            Config::default()
        }
    };
    if let Err(error) = Settings::build(&config, screen) {
        findings.push(problem(
            "config",
            error.to_string(),
            "correct that field of the file",
        ));
    }
    let backend = backend_findings(global, &config, &mut findings).await;
    let prometheus = with_url(&config.prometheus, &global.prometheus);
    let alertmanager = with_url(&config.alertmanager, &global.alertmanager);
    let am_url = alertmanager.as_ref().map(|a| a.url.as_str());
    match client_of("prometheus", &prometheus, PrometheusClient::new) {
        Ok((client, url)) => {
            prometheus_findings(&client, url, &config, am_url, &mut findings).await;
        }
        Err(finding) => findings.push(finding),
    }
    match client_of("alertmanager", &alertmanager, AlertmanagerClient::new) {
        Ok((client, url)) => {
            let answer = probe::alertmanager(&client).await;
            findings.extend(alertmanager_findings(url, answer, backend.as_ref()));
        }
        Err(finding) => findings.push(finding),
    }
    findings
}

/// The client of `[table]` and its URL, or the finding that says why there is none: not
/// configured (a warning: the war room works without it) or configured wrong (a problem).
fn client_of<'a, C>(
    table: &'static str,
    server: &'a Option<ServerConfig>,
    new: impl Fn(&ServerConfig) -> Result<C, ValueError>,
) -> Result<(C, &'a str), Finding> {
    let Some(server) = server else {
        let without = match table {
            "prometheus" => "the panels chart nothing",
            _ => "no alerts pane, and pages were not checked",
        };
        return Err(warn(
            table,
            format!("none configured: {without}"),
            format!("`warroom setup --{table} URL`, or [{table}] url"),
        ));
    };
    new(server)
        .map(|client| (client, server.url.as_str()))
        .map_err(|error| {
            problem(
                table,
                error.to_string(),
                format!("correct [{table}] in the config"),
            )
        })
}

/// What the Alertmanager checks need to know of the backend.
struct BackendSeen {
    url: String,
    token: Option<String>,
    wants_token: bool,
}

async fn backend_findings(
    global: &GlobalArgs,
    config: &Config,
    findings: &mut Vec<Finding>,
) -> Option<BackendSeen> {
    let settings = backend_config(global, config);
    let token = settings.token.as_ref().map(|t| t.expose().to_string());
    let answer = match probe::backend(&settings).await {
        Ok(answer) => answer,
        Err(error) => {
            findings.push(problem(
                "backend",
                format!(
                    "{} does not answer: {}",
                    settings.url,
                    sanitize(&error.reason())
                ),
                "start `warroom serve` there, or correct [backend] url (or --backend, \
                 WARROOM_BACKEND)",
            ));
            return None;
        }
    };
    match &answer.identity {
        Ok(identity) if identity.role == AccessRole::Viewer => findings.push(problem(
            "token",
            format!(
                "{} answers, but the token is {}'s, a viewer: it can read, not acknowledge, \
                 note or declare",
                answer.url,
                sanitize(&identity.person)
            ),
            "use a responder or commander token ([backend] token or WARROOM_TOKEN); a \
             viewer token is for a wall display",
        )),
        Ok(identity) => findings.push(ok(
            "backend",
            format!(
                "{} answers; you are {} ({}){}",
                answer.url,
                sanitize(&identity.person),
                identity.role.as_str(),
                if answer.wants_token {
                    ""
                } else {
                    ", open mode: no token needed"
                }
            ),
        )),
        Err(error @ ClientError::Api { status: 401, .. }) => findings.push(problem(
            "token",
            format!(
                "{} refuses the token: {}",
                answer.url,
                sanitize(&error.reason())
            ),
            match token {
                Some(_) => {
                    "use a token from the backend's tokens file ([backend] token or \
                            WARROOM_TOKEN)"
                }
                None => {
                    "the backend has a tokens file: give one of its tokens ([backend] \
                         token or WARROOM_TOKEN)"
                }
            },
        )),
        Err(error) => findings.push(problem(
            "backend",
            format!(
                "{} answers, but not as a warroom backend: {}",
                answer.url,
                sanitize(&error.reason())
            ),
            "check that [backend] url is warroom's address",
        )),
    }
    findings.push(match answer.skew {
        None => warn(
            "clock",
            "the backend sent no Date header: the clocks were not compared".into(),
            "a proxy in front of the backend may drop it; keep both clocks on NTP",
        ),
        Some(skew) if skew.num_seconds().abs() > MAX_SKEW_SECS => problem(
            "clock",
            format!(
                "this machine's clock is {} s {} the backend's: times you give are recorded \
                 off, and countdowns are wrong",
                skew.num_seconds().abs(),
                if skew.num_seconds() > 0 {
                    "behind"
                } else {
                    "ahead of"
                }
            ),
            "keep both clocks on NTP (`timedatectl set-ntp true`, or chrony)",
        ),
        Some(_) => ok(
            "clock",
            format!("within {MAX_SKEW_SECS} s of the backend's"),
        ),
    });
    Some(BackendSeen {
        url: answer.url,
        token,
        wants_token: answer.wants_token,
    })
}

async fn prometheus_findings(
    client: &PrometheusClient,
    url: &str,
    config: &Config,
    alertmanager: Option<&str>,
    findings: &mut Vec<Finding>,
) {
    match probe::prometheus(client).await {
        Ok(version) => findings.push(ok(
            "prometheus",
            format!("{url} answers (Prometheus {})", sanitize(&version)),
        )),
        Err(error) => {
            findings.push(problem(
                "prometheus",
                format!("{url} does not answer: {}", sanitize(&error.to_string())),
                "correct [prometheus] url (or --prometheus, WARROOM_PROMETHEUS)",
            ));
            return;
        }
    }
    // Each panel, over every service: does Prometheus take the query, and draw anything?
    let panels = validate_panels(&config.panels).unwrap_or_default();
    for (number, panel) in panels.iter().enumerate() {
        let Ok(expr) = panel.expr(None) else {
            continue;
        };
        let name = format!("panel {} ({:?})", number + 1, panel.title);
        match client.query(&expr, None).await {
            Ok(series) if series.is_empty() => findings.push(warn(
                "panels",
                format!("{name} draws no data now"),
                "fine if nothing is served; else `warroom panels detect` shows panels that \
                 fit your metrics",
            )),
            Ok(_) => findings.push(ok("panels", format!("{name} draws"))),
            Err(error) => findings.push(problem(
                "panels",
                format!("{name}: {}", sanitize(&error.to_string())),
                "correct its expr, or let `warroom setup` detect the panels",
            )),
        }
    }
    // The rules that page about warroom's services.
    let metrics = panel_metrics(config);
    match client.alerting_rules().await {
        Ok(rules) => {
            let watching: Vec<&AlertingRule> = rules
                .iter()
                .filter(|rule| metrics.iter().any(|m| rule.query.contains(m.as_str())))
                .collect();
            findings.push(if watching.is_empty() {
                problem(
                    "rules",
                    format!(
                        "none of Prometheus' {} alerting rules reads the panels' metrics ({}): \
                         nothing will page about these services",
                        rules.len(),
                        metrics.join(", ")
                    ),
                    "add an alerting rule on them to a rule file of prometheus.yml, e.g. a 5xx \
                     ratio over 5% for 5m, keeping the `service` label (see docs/configuration.md)",
                )
            } else {
                let names: Vec<String> = watching
                    .iter()
                    .map(|r| sanitize(&r.name).to_string())
                    .collect();
                ok(
                    "rules",
                    format!(
                        "alerting rules on the panels' metrics: {}",
                        names.join(", ")
                    ),
                )
            });
        }
        Err(error) => findings.push(problem(
            "rules",
            format!(
                "cannot read Prometheus' rules: {}",
                sanitize(&error.to_string())
            ),
            "check the URL points at Prometheus itself",
        )),
    }
    // Where Prometheus sends its alerts.
    let Some(alertmanager) = alertmanager else {
        return;
    };
    match client.alertmanagers().await {
        Ok(targets) if targets.iter().any(|t| same_server(t, alertmanager)) => findings.push(ok(
            "alerts",
            format!("Prometheus sends its alerts to {alertmanager}"),
        )),
        Ok(targets) => findings.push(problem(
            "alerts",
            match targets.as_slice() {
                [] => "Prometheus sends its alerts to no Alertmanager".to_string(),
                targets => format!(
                    "Prometheus sends its alerts to {}, not to {alertmanager}",
                    sanitize(&targets.join(", "))
                ),
            },
            format!(
                "in prometheus.yml: alerting: alertmanagers: - static_configs: - targets: \
                 [\"{}\"] (or correct [alertmanager] url)",
                host_port(alertmanager)
            ),
        )),
        Err(error) => findings.push(warn(
            "alerts",
            format!(
                "cannot read where Prometheus sends alerts: {}",
                sanitize(&error.to_string())
            ),
            "check the URL points at Prometheus itself",
        )),
    }
}

fn alertmanager_findings(
    url: &str,
    answer: Result<AlertmanagerStatus, crate::prometheus::Error>,
    backend: Option<&BackendSeen>,
) -> Vec<Finding> {
    let status = match answer {
        Ok(status) => status,
        Err(error) => {
            return vec![problem(
                "alertmanager",
                format!("{url} does not answer: {}", sanitize(&error.to_string())),
                "correct [alertmanager] url (or --alertmanager, WARROOM_ALERTMANAGER)",
            )];
        }
    };
    let mut findings = vec![ok(
        "alertmanager",
        format!("{url} answers (Alertmanager {})", sanitize(&status.version)),
    )];
    let Some(backend) = backend else {
        return findings;
    };
    let wanted = probe::receiver_url(&backend.url);
    let fix = || {
        format!(
            "add this to alertmanager.yml and reload it (`warroom setup` prints it too):\n{}",
            snippet::alertmanager_yml(&backend.url, backend.token.as_deref(), Some(url))
        )
    };
    let routing = &status.routing;
    let posting: Vec<_> = routing
        .receivers
        .iter()
        .filter_map(|receiver| {
            receiver
                .webhooks
                .iter()
                .find(|hook| {
                    hook.url
                        .as_deref()
                        .is_some_and(|u| probe::same_endpoint(u, &wanted))
                })
                .map(|hook| (receiver, hook))
        })
        .collect();
    let routed = posting
        .iter()
        .find(|(receiver, _)| routing.is_routed(&receiver.name));
    findings.push(match (routed, posting.first()) {
        (Some((receiver, hook)), _) if backend.wants_token && !hook.sends_credentials => problem(
            "pages",
            format!(
                "receiver \"{}\" posts to {wanted} without a token, and the backend refuses \
                 requests without one",
                sanitize(&receiver.name)
            ),
            format!(
                "give its webhook an http_config: authorization: credentials (a responder \
                 token). {}",
                fix()
            ),
        ),
        (Some((receiver, _)), _) => ok(
            "pages",
            format!(
                "Alertmanager's receiver \"{}\" sends pages to {wanted}",
                sanitize(&receiver.name)
            ),
        ),
        (None, Some((receiver, _))) => problem(
            "pages",
            format!(
                "receiver \"{}\" posts to {wanted}, but no route sends alerts to it",
                sanitize(&receiver.name)
            ),
            format!(
                "add `receiver: {}` to a route (as the root's, or a child route with \
                 `continue: true`). {}",
                sanitize(&receiver.name),
                fix()
            ),
        ),
        (None, None) => {
            let hidden = routing
                .receivers
                .iter()
                .any(|r| r.webhooks.iter().any(|hook| hook.url.is_none()));
            let names: Vec<String> = routing
                .receivers
                .iter()
                .map(|r| sanitize(&r.name).to_string())
                .collect();
            if hidden {
                warn(
                    "pages",
                    format!(
                        "Alertmanager hides some webhook URLs, so whether one sends pages to \
                         {wanted} cannot be seen (receivers: {})",
                        names.join(", ")
                    ),
                    "check alertmanager.yml by hand",
                )
            } else {
                problem(
                    "pages",
                    format!(
                        "no receiver of Alertmanager sends pages to {wanted} (receivers: {})",
                        names.join(", ")
                    ),
                    fix(),
                )
            }
        }
    });
    findings
}

/// The metrics the panels read, by family (`http_requests` for `http_requests_total`), for
/// recognising the rules that watch the same traffic.
fn panel_metrics(config: &Config) -> Vec<String> {
    let mut metrics: Vec<String> = config
        .panels
        .iter()
        .flat_map(|panel| selectors(&panel.expr))
        .map(|name| {
            ["_bucket", "_count", "_sum", "_total"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix))
                .unwrap_or(&name)
                .to_string()
        })
        .collect();
    metrics.sort();
    metrics.dedup();
    metrics
}

/// The metric names in a PromQL expression: the identifiers a `{` or a `[` follows.
fn selectors(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let bytes = expr.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let starts = bytes[at].is_ascii_alphabetic() || bytes[at] == b'_' || bytes[at] == b':';
        if !starts || (at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'$')) {
            at += 1;
            continue;
        }
        let end = (at..bytes.len())
            .find(|&i| !(bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b':'))
            .unwrap_or(bytes.len());
        let next = expr[end..].trim_start().chars().next();
        if matches!(next, Some('{' | '[')) {
            names.push(expr[at..end].to_string());
        }
        at = end;
    }
    names
}

/// `host:port` of a URL, for prometheus.yml's targets.
fn host_port(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
        .unwrap_or_else(|| url.to_string())
}

/// Whether two URLs name the same server (host and port; loopback names count as one).
fn same_server(a: &str, b: &str) -> bool {
    let key = |url: &str| {
        let url = reqwest::Url::parse(url).ok()?;
        let host = match url.host_str()? {
            "localhost" | "127.0.0.1" | "[::1]" => "loopback".to_string(),
            host => host.to_ascii_lowercase(),
        };
        Some((host, url.port_or_known_default()?))
    };
    key(a).is_some() && key(a) == key(b)
}

/// The report: a line per finding, its fix under it, and a verdict.
pub fn render(findings: &[Finding]) -> String {
    let mut text = String::new();
    for finding in findings {
        let level = match finding.level {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Problem => "PROBLEM",
        };
        let _ = writeln!(text, "{level:<8} {:<13}{}", finding.subject, finding.says);
        if let Some(fix) = finding.fix.as_ref().filter(|_| finding.level != Level::Ok) {
            for (n, line) in fix.lines().enumerate() {
                let lead = if n == 0 { "fix: " } else { "     " };
                let _ = writeln!(text, "{:22}{lead}{line}", "");
            }
        }
    }
    let problems = findings
        .iter()
        .filter(|f| f.level == Level::Problem)
        .count();
    let _ = match problems {
        0 => writeln!(text, "No problems found."),
        1 => writeln!(text, "1 problem."),
        n => writeln!(text, "{n} problems."),
    };
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_are_found_in_panel_queries() {
        let expr = r#"(sum by (endpoint) (rate(http_requests_total{service="$service",code=~"5.."}[1m])) or x * 0) / histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"#;
        assert_eq!(
            selectors(expr),
            [
                "http_requests_total",
                "http_request_duration_seconds_bucket"
            ]
        );
        assert_eq!(selectors("up [5m]"), ["up"]);
        assert!(selectors("sum(rate(x[1m])) by (le)").contains(&"x".to_string()));
        let config = Config::default();
        assert_eq!(
            panel_metrics(&config),
            ["http_request_duration_seconds", "http_requests"]
        );
    }

    #[test]
    fn servers_are_compared_by_host_and_port() {
        assert!(same_server(
            "http://127.0.0.1:9093/api/v2/alerts",
            "http://localhost:9093"
        ));
        assert!(!same_server(
            "http://127.0.0.1:9094/api/v2/alerts",
            "http://127.0.0.1:9093"
        ));
        assert_eq!(host_port("http://127.0.0.1:9093/"), "127.0.0.1:9093");
    }

    #[test]
    fn the_report_puts_each_fix_under_its_problem() {
        let findings = [
            ok("config", "/etc/w.toml".into()),
            problem("pages", "no receiver".into(), "add this:\nroute: x"),
        ];
        let text = render(&findings);
        assert_eq!(
            text,
            "ok       config       /etc/w.toml\n\
             PROBLEM  pages        no receiver\n\
             \x20                     fix: add this:\n\
             \x20                          route: x\n\
             1 problem.\n"
        );
    }
}
