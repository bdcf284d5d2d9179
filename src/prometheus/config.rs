//! The config tables this module reads: `[prometheus]`, `[alertmanager]`, `[[panels]]`,
//! `[alert_severity]` and `[impact]`.
//!
//! Each table has a raw serde struct (what the file says, strings kept as written) and a
//! `validate` that turns it into checked, typed values. Durations, units and legends stay
//! strings until `validate` so that an error can name the panel and the field (`panel 2
//! ("Error ratio"): range: ...`); serde alone could only point at a line. The application's
//! config file includes these structs; nothing here reads a file.

use super::series::Legend;
use super::unit::Unit;
use crate::domain::{Severity, SeverityScale};
use crate::duration::parse_duration;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// A config value that cannot be used, with the table, panel and field it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// `[prometheus]` or `[alertmanager]`: where the server is and how to authenticate.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Base URL, e.g. `https://prometheus.internal:9090` (a path prefix is kept).
    pub url: String,
    /// Whole-request timeout; a panel waits at most this long before it goes stale.
    #[serde(default = "default_timeout")]
    pub timeout: String,
    pub basic_auth: Option<BasicAuth>,
    /// Sent as `Authorization: Bearer <token>`; exclusive with `basic_auth`.
    pub bearer_token: Option<Secret>,
    /// Extra headers on every request, e.g. `X-Scope-OrgID` for a multi-tenant proxy.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A PEM file of CA certificates trusted in addition to the system's roots.
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    pub user: String,
    pub password: Secret,
}

/// A password or token: read from the config like a string, never printed by `Debug`, so
/// a logged config or client does not leak it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<hidden>")
    }
}

fn default_timeout() -> String {
    "10s".into()
}

impl ServerConfig {
    /// A config for `url` with the defaults: 10 s timeout, no auth, no extra headers.
    pub fn new(url: impl Into<String>) -> Self {
        ServerConfig {
            url: url.into(),
            timeout: default_timeout(),
            basic_auth: None,
            bearer_token: None,
            headers: BTreeMap::new(),
            ca_file: None,
        }
    }
}

/// One `[[panels]]` entry as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelConfig {
    pub title: String,
    /// PromQL; `$service` is replaced by the incident's service (see [`Panel::expr`]).
    pub expr: String,
    /// One of [`Unit::NAMES`]; `count` when absent.
    #[serde(default = "default_unit")]
    pub unit: String,
    pub warn: Option<f64>,
    pub crit: Option<f64>,
    /// `{{label}}` template for a series' name, e.g. `{{endpoint}} {{code}}`.
    pub legend: Option<String>,
    /// How much history the chart shows.
    #[serde(default = "default_range")]
    pub range: String,
    /// How often to refresh; by default the step, but no less than 15 s.
    pub refresh: Option<String>,
    /// The incident's main panel: impact start and resolve evidence are read from it.
    #[serde(default)]
    pub main: bool,
}

fn default_unit() -> String {
    "count".into()
}

fn default_range() -> String {
    "1h".into()
}

/// The panels shown when the config has none: the golden signals of an HTTP service.
pub fn default_panels() -> Vec<PanelConfig> {
    let panel = |title: &str, expr: &str, unit: &str, legend: &str| PanelConfig {
        title: title.into(),
        expr: expr.into(),
        unit: unit.into(),
        warn: None,
        crit: None,
        legend: Some(legend.into()),
        range: default_range(),
        refresh: None,
        main: false,
    };
    vec![
        PanelConfig {
            warn: Some(0.01),
            crit: Some(0.05),
            main: true,
            ..panel(
                "5xx error ratio",
                r#"sum by (endpoint) (rate(http_requests_total{service="$service",code=~"5.."}[1m])) / sum by (endpoint) (rate(http_requests_total{service="$service"}[1m]))"#,
                "ratio",
                "{{endpoint}}",
            )
        },
        panel(
            "Request rate",
            r#"sum by (endpoint) (rate(http_requests_total{service="$service"}[1m]))"#,
            "req_per_sec",
            "{{endpoint}}",
        ),
        PanelConfig {
            warn: Some(0.5),
            crit: Some(1.0),
            ..panel(
                "p99 latency",
                r#"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="$service"}[5m])))"#,
                "seconds",
                "p99",
            )
        },
    ]
}

/// A checked panel, ready to query and draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub title: String,
    expr: String,
    pub unit: Unit,
    pub thresholds: Thresholds,
    pub legend: Legend,
    pub range: Duration,
    pub refresh: Option<Duration>,
    /// Exactly one validated panel is main: the flagged one, or the first.
    pub main: bool,
}

/// The panel's expression needs the incident's service and the incident has none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this panel needs the incident's service ($service) and the incident has none")]
pub struct NeedsService;

impl Panel {
    /// Whether the expression depends on the incident's service.
    pub fn uses_service(&self) -> bool {
        self.expr(Some("")) != self.expr(Some("x"))
    }

    /// The PromQL to send. Every `$service` is replaced by `service`, escaped for the inside
    /// of a double-quoted PromQL string (write `service="$service"`), so a service name can
    /// never change the query's shape. Without a service, a `label="$service"` matcher
    /// becomes `label=~".*"`: an incident without a service shows every series, not none.
    /// Any other use of `$service` (in a regex, a negation, a string argument) has no
    /// such reading and is refused rather than sent with an empty value.
    pub fn expr(&self, service: Option<&str>) -> Result<String, NeedsService> {
        const VAR: &str = "$service";
        let mut out = String::with_capacity(self.expr.len());
        let mut rest = self.expr.as_str();
        while let Some(at) = rest.find(VAR) {
            let after = &rest[at + VAR.len()..];
            out.push_str(&rest[..at]);
            // `$service_name` is some other variable: leave it alone.
            if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                out.push_str(VAR);
            } else if let Some(service) = service {
                for c in service.chars() {
                    match c {
                        '\\' => out.push_str(r"\\"),
                        '"' => out.push_str(r#"\""#),
                        '\n' => out.push_str(r"\n"),
                        c => out.push(c),
                    }
                }
            } else if out.ends_with("=\"") && !out.ends_with("!=\"") && after.starts_with('"') {
                out.truncate(out.len() - 2);
                out.push_str("=~\".*");
            } else {
                return Err(NeedsService);
            }
            rest = after;
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Warn and crit lines. Both are upper bounds: a value at or above a threshold breaches it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Thresholds {
    pub warn: Option<f64>,
    pub crit: Option<f64>,
}

/// How a value compares with the thresholds; drives the colour of the current value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    Warn,
    Crit,
}

impl Thresholds {
    /// NaN (no traffic: 0/0) is `Ok`: the absence of requests is not a breach.
    pub fn level(&self, value: f64) -> Level {
        if self.crit.is_some_and(|crit| value >= crit) {
            Level::Crit
        } else if self.warn.is_some_and(|warn| value >= warn) {
            Level::Warn
        } else {
            Level::Ok
        }
    }

    /// The line whose crossing counts as impact: warn when set, else crit. Users feel an
    /// outage from the first line crossed, so MTTD is measured from there.
    pub fn breach(&self) -> Option<f64> {
        self.warn.or(self.crit)
    }
}

/// Checks every panel and marks the main one. Errors name the panel (1-based, as a person
/// counts `[[panels]]` entries) and the field.
pub fn validate_panels(configs: &[PanelConfig]) -> Result<Vec<Panel>, ConfigError> {
    let mut panels = configs
        .iter()
        .enumerate()
        .map(|(index, config)| validate_panel(index + 1, config))
        .collect::<Result<Vec<_>, _>>()?;
    let mut flagged = configs.iter().enumerate().filter(|(_, c)| c.main);
    if let (Some(_), Some((second, config))) = (flagged.next(), flagged.next()) {
        return Err(panel_error(
            second + 1,
            config,
            "main",
            "only one panel can be main",
        ));
    }
    if let Some(first) = panels
        .first_mut()
        .filter(|_| !configs.iter().any(|c| c.main))
    {
        first.main = true;
    }
    Ok(panels)
}

fn validate_panel(number: usize, config: &PanelConfig) -> Result<Panel, ConfigError> {
    let fail = |field: &str, message: String| panel_error(number, config, field, &message);
    if config.title.trim().is_empty() {
        return Err(fail("title", "must not be empty".into()));
    }
    if config.expr.trim().is_empty() {
        return Err(fail("expr", "must not be empty".into()));
    }
    let unit = Unit::parse(&config.unit).ok_or_else(|| {
        fail(
            "unit",
            format!(
                "{:?} is not a unit (use {})",
                config.unit,
                Unit::NAMES.join(", ")
            ),
        )
    })?;
    for (field, value) in [("warn", config.warn), ("crit", config.crit)] {
        if value.is_some_and(|v| !v.is_finite()) {
            return Err(fail(field, "must be a finite number".into()));
        }
    }
    if let (Some(warn), Some(crit)) = (config.warn, config.crit)
        && warn >= crit
    {
        return Err(fail(
            "warn",
            format!("{warn} must be below crit ({crit}): thresholds are upper bounds"),
        ));
    }
    let legend = match &config.legend {
        Some(template) => Legend::parse(template).map_err(|e| fail("legend", e))?,
        None => Legend::default(),
    };
    let range = duration_field(&config.range).map_err(|e| fail("range", e))?;
    let refresh = config
        .refresh
        .as_deref()
        .map(duration_field)
        .transpose()
        .map_err(|e| fail("refresh", e))?;
    Ok(Panel {
        title: config.title.clone(),
        expr: config.expr.clone(),
        unit,
        thresholds: Thresholds {
            warn: config.warn,
            crit: config.crit,
        },
        legend,
        range,
        refresh,
        main: config.main,
    })
}

fn panel_error(number: usize, config: &PanelConfig, field: &str, message: &str) -> ConfigError {
    ConfigError(format!(
        "panel {number} ({:?}): {field}: {message}",
        config.title
    ))
}

/// Parses a config duration or says how to write one.
pub(super) fn duration_field(text: &str) -> Result<Duration, String> {
    parse_duration(text).ok_or_else(|| format!("{text:?} is not a duration (use 30m, 1h, 6h)"))
}

/// `[alert_severity]`: which severity an incident declared from an alert gets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSeverity {
    /// The alert label to read.
    #[serde(default = "default_severity_label")]
    pub label: String,
    /// Label value -> severity name, matched without regard to case.
    #[serde(default = "default_severity_map")]
    pub map: BTreeMap<String, String>,
    /// For an alert without the label or with an unmapped value.
    #[serde(default = "default_severity")]
    pub default: String,
}

fn default_severity_label() -> String {
    "severity".into()
}

fn default_severity_map() -> BTreeMap<String, String> {
    [("critical", "P0"), ("warning", "P1")]
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

fn default_severity() -> String {
    "P2".into()
}

impl Default for AlertSeverity {
    fn default() -> Self {
        AlertSeverity {
            label: default_severity_label(),
            map: default_severity_map(),
            default: default_severity(),
        }
    }
}

impl AlertSeverity {
    /// The severity for an alert with these labels.
    pub fn severity_for(&self, labels: &BTreeMap<String, String>) -> Severity {
        let mapped = labels.get(&self.label).and_then(|value| {
            self.map
                .iter()
                .find(|(from, _)| from.eq_ignore_ascii_case(value))
                .map(|(_, to)| to)
        });
        Severity::new(mapped.unwrap_or(&self.default).clone())
    }

    /// Every severity named here must exist on the backend's scale.
    pub fn validate(&self, scale: &SeverityScale) -> Result<(), ConfigError> {
        let targets = self
            .map
            .iter()
            .map(|(from, to)| (format!("map.{from}"), to))
            .chain([("default".to_string(), &self.default)]);
        for (field, name) in targets {
            if let Err(why) = scale.parse(name) {
                return Err(ConfigError(format!("alert_severity: {field}: {why}")));
            }
        }
        Ok(())
    }
}

/// `[impact]`: the windows used to propose the impact start and to confirm a resolve.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpactConfig {
    /// How far back from now to look for the start of the breach.
    #[serde(default = "default_lookback")]
    pub lookback: String,
    /// How long the main panel must have stayed under its threshold before resolving.
    #[serde(default = "default_resolve_quiet")]
    pub resolve_quiet: String,
}

fn default_lookback() -> String {
    "6h".into()
}

fn default_resolve_quiet() -> String {
    "10m".into()
}

impl Default for ImpactConfig {
    fn default() -> Self {
        ImpactConfig {
            lookback: default_lookback(),
            resolve_quiet: default_resolve_quiet(),
        }
    }
}

/// The checked `[impact]` windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImpactWindows {
    pub lookback: Duration,
    pub resolve_quiet: Duration,
}

impl ImpactConfig {
    pub fn validate(&self) -> Result<ImpactWindows, ConfigError> {
        let field = |name: &str, text: &str| {
            duration_field(text).map_err(|e| ConfigError(format!("impact: {name}: {e}")))
        };
        Ok(ImpactWindows {
            lookback: field("lookback", &self.lookback)?,
            resolve_quiet: field("resolve_quiet", &self.resolve_quiet)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the application's config file holds of this module, for parsing examples.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        prometheus: Option<ServerConfig>,
        alertmanager: Option<ServerConfig>,
        #[serde(default = "default_panels")]
        panels: Vec<PanelConfig>,
        #[serde(default)]
        alert_severity: AlertSeverity,
        #[serde(default)]
        impact: ImpactConfig,
    }

    fn panels(toml_text: &str) -> Result<Vec<Panel>, ConfigError> {
        let file: File = toml::from_str(toml_text).expect("valid TOML");
        validate_panels(&file.panels)
    }

    const ERROR_RATIO: &str = r#"
        [[panels]]
        title = "Latency"
        expr = "up"
        [[panels]]
        title = "Error ratio"
        expr = 'sum(rate(x{service="$service"}[1m]))'
        unit = "ratio"
        warn = 0.01
        crit = 0.05
        legend = "{{endpoint}} ({{code}})"
        range = "6h"
        refresh = "30s"
        main = true
    "#;

    #[test]
    fn the_documented_example_is_valid() {
        let doc = include_str!("../../docs/panels.md");
        let example = doc
            .split("```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("docs/panels.md has a TOML example");
        let file: File = toml::from_str(example).unwrap();
        let panels = validate_panels(&file.panels).unwrap();
        assert_eq!(panels.len(), 1);
        assert_eq!(file.prometheus.unwrap().headers["X-Scope-OrgID"], "team-a");
        assert!(file.alertmanager.is_some());
        assert_eq!(
            file.alert_severity.validate(&SeverityScale::default()),
            Ok(())
        );
        assert_eq!(
            file.impact.validate().unwrap().resolve_quiet,
            Duration::from_secs(600)
        );
    }

    #[test]
    fn a_full_panel_is_read_with_its_types() {
        let panels = panels(ERROR_RATIO).unwrap();
        let p = &panels[1];
        assert_eq!(p.title, "Error ratio");
        assert_eq!(p.unit, Unit::Ratio);
        assert_eq!(p.range, Duration::from_secs(6 * 3600));
        assert_eq!(p.refresh, Some(Duration::from_secs(30)));
        assert_eq!(p.thresholds.breach(), Some(0.01));
        assert!(p.main && !panels[0].main);
        assert_eq!(panels[0].range, Duration::from_secs(3600), "default range");
        assert_eq!(panels[0].unit, Unit::Count, "default unit");
    }

    #[test]
    fn errors_name_the_panel_and_the_field() {
        let cases = [
            (
                r#"range = "1x""#,
                r#"panel 2 ("Error ratio"): range: "1x" is not a duration (use 30m, 1h, 6h)"#,
            ),
            (
                r#"refresh = "soon""#,
                r#"panel 2 ("Error ratio"): refresh: "soon" is not a duration (use 30m, 1h, 6h)"#,
            ),
            (
                r#"unit = "percentage""#,
                r#"panel 2 ("Error ratio"): unit: "percentage" is not a unit (use ratio, percent, req_per_sec, seconds, count)"#,
            ),
            (
                "warn = 0.5\ncrit = 0.1",
                r#"panel 2 ("Error ratio"): warn: 0.5 must be below crit (0.1): thresholds are upper bounds"#,
            ),
            (
                "warn = nan",
                r#"panel 2 ("Error ratio"): warn: must be a finite number"#,
            ),
            (
                r#"expr = "  ""#,
                r#"panel 2 ("Error ratio"): expr: must not be empty"#,
            ),
            (
                r#"legend = "{{endpoint""#,
                r#"panel 2 ("Error ratio"): legend: "{{" at byte 0 is never closed with "}}""#,
            ),
        ];
        for (line, expected) in cases {
            let expr = if line.starts_with("expr") {
                ""
            } else {
                "expr = \"up\""
            };
            let text = format!(
                "[[panels]]\ntitle = \"Latency\"\nexpr = \"up\"\n\
                 [[panels]]\ntitle = \"Error ratio\"\n{expr}\n{line}\n"
            );
            assert_eq!(panels(&text).unwrap_err().to_string(), expected, "{line}");
        }
    }

    #[test]
    fn an_empty_title_and_a_second_main_panel_are_refused() {
        let text = "[[panels]]\ntitle = \" \"\nexpr = \"up\"\n";
        assert_eq!(
            panels(text).unwrap_err().to_string(),
            r#"panel 1 (" "): title: must not be empty"#
        );
        let text = "[[panels]]\ntitle = \"A\"\nexpr = \"up\"\nmain = true\n\
                    [[panels]]\ntitle = \"B\"\nexpr = \"up\"\nmain = true\n";
        assert_eq!(
            panels(text).unwrap_err().to_string(),
            r#"panel 2 ("B"): main: only one panel can be main"#
        );
    }

    #[test]
    fn unknown_keys_are_refused_by_serde() {
        let text = "[[panels]]\ntitle = \"A\"\nexpr = \"up\"\nthreshold = 1\n";
        assert!(toml::from_str::<File>(text).is_err());
    }

    #[test]
    fn defaults_are_three_valid_panels_with_the_error_ratio_as_main() {
        let panels = panels("").unwrap();
        let titles: Vec<_> = panels.iter().map(|p| (p.title.as_str(), p.main)).collect();
        assert_eq!(
            titles,
            [
                ("5xx error ratio", true),
                ("Request rate", false),
                ("p99 latency", false)
            ]
        );
        assert!(panels.iter().all(|p| p.uses_service()));
        assert_eq!(
            panels[1].expr(None).unwrap(),
            r#"sum by (endpoint) (rate(http_requests_total{service=~".*"}[1m]))"#,
            "without a service, every series"
        );
    }

    #[test]
    fn without_a_flag_the_first_panel_is_main() {
        let panels = panels("[[panels]]\ntitle = \"A\"\nexpr = \"up\"\n").unwrap();
        assert!(panels[0].main);
    }

    #[test]
    fn service_is_substituted_and_escaped() {
        let panel = &panels(ERROR_RATIO).unwrap()[1];
        assert_eq!(
            panel.expr(Some("checkout")).unwrap(),
            r#"sum(rate(x{service="checkout"}[1m]))"#
        );
        assert_eq!(
            panel.expr(Some("a\"}) or vector(1) #\\")).unwrap(),
            r#"sum(rate(x{service="a\"}) or vector(1) #\\"}[1m]))"#
        );
        assert_eq!(
            panel.expr(None).unwrap(),
            r#"sum(rate(x{service=~".*"}[1m]))"#
        );
        let with = |expr: &str| Panel {
            expr: expr.into(),
            ..panel.clone()
        };
        let other = with(r#"x{a="$service_name"}"#);
        assert_eq!(other.expr(None).unwrap(), r#"x{a="$service_name"}"#);
        assert!(!other.uses_service());
        for unwidenable in [
            r#"x{a!="$service"}"#,
            r#"x{a=~"$service|b"}"#,
            r#"label_replace(x, "s", "$service", "", "")"#,
        ] {
            assert_eq!(
                with(unwidenable).expr(None),
                Err(NeedsService),
                "{unwidenable}"
            );
            assert!(with(unwidenable).uses_service());
        }
    }

    #[test]
    fn thresholds_classify_values() {
        let t = Thresholds {
            warn: Some(0.01),
            crit: Some(0.05),
        };
        assert_eq!(t.level(0.001), Level::Ok);
        assert_eq!(t.level(0.01), Level::Warn);
        assert_eq!(t.level(0.05), Level::Crit);
        assert_eq!(t.level(f64::NAN), Level::Ok);
        let crit_only = Thresholds {
            warn: None,
            crit: Some(2.0),
        };
        assert_eq!(crit_only.breach(), Some(2.0));
        assert_eq!(Thresholds::default().breach(), None);
    }

    #[test]
    fn alert_severity_maps_labels_and_checks_the_scale() {
        let file: File = toml::from_str("").unwrap();
        let map = file.alert_severity;
        let labels = |value: &str| BTreeMap::from([("severity".to_string(), value.to_string())]);
        assert_eq!(map.severity_for(&labels("critical")), Severity::new("P0"));
        assert_eq!(map.severity_for(&labels("Warning")), Severity::new("P1"));
        assert_eq!(map.severity_for(&labels("info")), Severity::new("P2"));
        assert_eq!(map.severity_for(&BTreeMap::new()), Severity::new("P2"));
        assert_eq!(map.validate(&SeverityScale::default()), Ok(()));

        let file: File =
            toml::from_str("[alert_severity]\nlabel = \"sev\"\nmap = { page = \"SEV1\" }\n")
                .unwrap();
        assert_eq!(
            file.alert_severity.validate(&SeverityScale::default()),
            Err(ConfigError(
                "alert_severity: map.page: unknown severity 'SEV1' (expected one of: P0, P1, P2)"
                    .into()
            ))
        );
    }

    #[test]
    fn impact_windows_default_and_name_their_field() {
        let file: File = toml::from_str("").unwrap();
        assert_eq!(
            file.impact.validate(),
            Ok(ImpactWindows {
                lookback: Duration::from_secs(6 * 3600),
                resolve_quiet: Duration::from_secs(600),
            })
        );
        let file: File = toml::from_str("[impact]\nresolve_quiet = \"ten\"\n").unwrap();
        assert_eq!(
            file.impact.validate().unwrap_err().to_string(),
            r#"impact: resolve_quiet: "ten" is not a duration (use 30m, 1h, 6h)"#
        );
    }
}
