//! `warroom doctor`: what is broken in this setup, and how to fix it. It reads the config,
//! asks the backend who the token is and what time it is, asks Prometheus whether the panels
//! draw, which alerting rules watch warroom's services and where it sends alerts, and asks
//! Alertmanager whether a routed receiver sends pages to this backend. Every problem comes
//! with its fix; the exit code is 1 when there is one.

mod alertmanager;
mod backend;
mod prometheus;

use super::panels::with_url;
use super::{GlobalArgs, ScreenArgs, Settings, probe};
use crate::config::{Config, ServerConfig, ValueError};
use crate::prometheus::{AlertmanagerClient, PrometheusClient};
use alertmanager::alertmanager_findings;
use backend::backend_findings;
use prometheus::prometheus_findings;
use std::fmt::Write as _;

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
