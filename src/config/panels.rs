//! `[[panels]]` as written. Durations, units and legends stay strings here so that the
//! panel layer (`crate::panels`) can name the panel and the field of a bad value
//! (`panel 2 ("Error ratio"): range: ...`); serde alone could only point at a line.

use serde::Deserialize;

/// One `[[panels]]` entry as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelConfig {
    pub title: String,
    /// PromQL; `$service` is replaced by the incident's service (see `crate::panels::Panel::expr`).
    pub expr: String,
    /// One of `crate::panels::Unit::NAMES`; `count` when absent.
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
    /// The step of this panel's evidence queries (the current value, and for the main panel
    /// the impact start and the resolve verdict); `[impact] evidence_step` when absent.
    #[serde(default)]
    pub evidence_step: Option<String>,
    /// The incident's main panel: impact start and resolve evidence are read from it.
    #[serde(default)]
    pub main: bool,
}

fn default_unit() -> String {
    "count".into()
}

pub(crate) fn default_range() -> String {
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
        evidence_step: None,
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
