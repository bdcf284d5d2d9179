//! A panel checked from its `[[panels]]` entry: the PromQL with the incident's service
//! filled in, the unit, the warn and crit lines, the legend, the range and the refresh.
//! Errors name the panel (1-based, as a person counts `[[panels]]` entries) and the field.

use super::legend::Legend;
use super::unit::Unit;
use crate::config::{PanelConfig, ValueError, duration_value};
use std::time::Duration;

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
    /// The panel's own evidence step; `[impact] evidence_step` when `None`.
    pub evidence_step: Option<Duration>,
    /// Exactly one validated panel is main: the flagged one, or the first.
    pub main: bool,
}

/// `value` escaped for the inside of a double-quoted PromQL string, so that it can never
/// end the string and change the query's shape.
pub fn in_promql_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '"' => out.push_str(r#"\""#),
            '\n' => out.push_str(r"\n"),
            c => out.push(c),
        }
    }
    out
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
                out.push_str(&in_promql_string(service));
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
pub fn validate_panels(configs: &[PanelConfig]) -> Result<Vec<Panel>, ValueError> {
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

fn validate_panel(number: usize, config: &PanelConfig) -> Result<Panel, ValueError> {
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
    let range = duration_value(&config.range).map_err(|e| fail("range", e))?;
    let refresh = config
        .refresh
        .as_deref()
        .map(duration_value)
        .transpose()
        .map_err(|e| fail("refresh", e))?;
    let evidence_step = config
        .evidence_step
        .as_deref()
        .map(super::step::evidence_step_value)
        .transpose()
        .map_err(|e| fail("evidence_step", e))?;
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
        evidence_step,
        main: config.main,
    })
}

fn panel_error(number: usize, config: &PanelConfig, field: &str, message: &str) -> ValueError {
    ValueError(format!(
        "panel {number} ({:?}): {field}: {message}",
        config.title
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::domain::SeverityScale;
    use crate::panels::ImpactWindows;

    fn panels(toml_text: &str) -> Result<Vec<Panel>, ValueError> {
        let file: Config = toml_edit::de::from_str(toml_text).expect("valid TOML");
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
        let file: Config = toml_edit::de::from_str(example).unwrap();
        let panels = validate_panels(&file.panels).unwrap();
        assert_eq!(panels.len(), 1);
        assert_eq!(file.prometheus.unwrap().headers["X-Scope-OrgID"], "team-a");
        assert!(file.alertmanager.is_some());
        assert_eq!(
            file.alert_severity.validate(&SeverityScale::default()),
            Ok(())
        );
        assert_eq!(
            ImpactWindows::from_config(&file.impact)
                .unwrap()
                .resolve_quiet,
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
                r#"evidence_step = "10m""#,
                r#"panel 2 ("Error ratio"): evidence_step: "10m" is not between 1s and 5m: the evidence step is the scrape interval"#,
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
        assert!(toml_edit::de::from_str::<Config>(text).is_err());
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
}
