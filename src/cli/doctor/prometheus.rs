//! Prometheus's part of the doctor: does it answer, do the panels draw, which alerting rules
//! watch the panels' traffic and does it send alerts to the Alertmanager we read.

use super::{Finding, ok, problem, warn};
use crate::cli::probe;
use crate::config::Config;
use crate::panels::validate_panels;
use crate::prometheus::{AlertingRule, PrometheusClient};
use crate::sanitize::sanitize;

pub(super) async fn prometheus_findings(
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
}
