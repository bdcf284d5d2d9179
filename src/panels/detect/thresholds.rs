//! Warn and crit lines for a detected panel, from what its series did recently: a line is
//! worth drawing only where the service does not usually go.
//!
//! The rule (written into the config beside each panel, so people can judge it): take the
//! panel's query over every service, at each moment the highest series (a line applies to
//! every series on the panel), and the median of those over the last 7 days, or over what
//! Prometheus holds when it is younger. Warn at [`WARN_FACTOR`] times that median, crit at
//! [`CRIT_FACTOR`] times. An error ratio's lines never go below 1% and 5%: a service that
//! never fails would otherwise turn its first error into a critical one.

use super::propose::{RATIO_CRIT, RATIO_WARN};
use crate::config::PanelConfig;
use crate::panels::{Unit, validate_panels};
use crate::prometheus::{Error, PrometheusClient, RangeWindow, Series};
use std::collections::BTreeMap;
use std::time::Duration;

/// How far back the median looks.
pub const HISTORY_SECS: i64 = 7 * 86_400;
pub const WARN_FACTOR: f64 = 2.0;
pub const CRIT_FACTOR: f64 = 4.0;
/// One point an hour over the week: 168 points per series, cheap on any Prometheus.
const COARSE_STEP: i64 = 3_600;
/// A coarse answer with fewer points than this (less than a day of data) is asked again
/// minute by minute over [`FINE_SPAN_SECS`].
const COARSE_ENOUGH: usize = 24;
const FINE_STEP: i64 = 60;
const FINE_SPAN_SECS: i64 = 6 * 3_600;
/// The fewest moments a median stands on: five minutes of a young Prometheus, whose first
/// rates, over windows not yet full, read low.
const MIN_MOMENTS: usize = 5;

/// The lines proposed for one panel, and what they stand on.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposed {
    pub warn: Option<f64>,
    pub crit: Option<f64>,
    /// The median the lines are multiples of; `None`: no data to stand on.
    pub typical: Option<f64>,
    /// How much history the median saw, in seconds (from the first point to the last).
    pub seen_secs: i64,
    /// Whether a floor (the error ratio's 1% and 5%) set a line instead of the median.
    pub floored: bool,
}

impl Proposed {
    /// The comment written above the panel in the config: the rule and the figures.
    pub fn explain(&self, unit: &str) -> String {
        let Some(typical) = self.typical else {
            let which = match self.warn {
                Some(_) => "the 1% and 5% defaults of an error ratio",
                None => "none",
            };
            return format!(
                "Thresholds: {which}; Prometheus had too little history of this panel (under \
                 {MIN_MOMENTS} min) to base them on: run `warroom setup` again once it has a \
                 day of it."
            );
        };
        let floor = if self.floored {
            ", never below 1% and 5% for an error ratio"
        } else {
            ""
        };
        let typical = match Unit::parse(unit) {
            Some(unit) => unit.format(typical),
            None => round(typical).to_string(),
        };
        format!(
            "Thresholds: warn at {WARN_FACTOR}x and crit at {CRIT_FACTOR}x the median of the \
             highest series over the last {} ({typical}){floor}.",
            span(self.seen_secs),
        )
    }
}

/// "7 days", "5 h", "3 min": how much history a median stood on.
fn span(secs: i64) -> String {
    match secs {
        s if s >= HISTORY_SECS - COARSE_STEP => "7 days".to_string(),
        s if s >= 2 * 86_400 => format!("{} days", s / 86_400),
        s if s >= 2 * 3_600 => format!("{} h", s / 3_600),
        s if s >= 60 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// Proposes lines for `panel` from Prometheus' history up to `now` (unix seconds).
pub async fn propose(
    prometheus: &PrometheusClient,
    panel: &PanelConfig,
    now: i64,
) -> Result<Proposed, Error> {
    let series = history(prometheus, panel, now).await?;
    Ok(from_series(&panel.unit, &series))
}

/// The panel's series over the week, hourly; minute by minute over the last hours when the
/// week holds less than a day (a young Prometheus).
async fn history(
    prometheus: &PrometheusClient,
    panel: &PanelConfig,
    now: i64,
) -> Result<Vec<Series>, Error> {
    // Every service's series: the lines apply to whichever incident the panel shows.
    let expr = validate_panels(std::slice::from_ref(panel))
        .ok()
        .and_then(|checked| checked.into_iter().next())
        .and_then(|checked| checked.expr(None).ok())
        .unwrap_or_else(|| panel.expr.clone());
    let window = |span: i64, step: i64| RangeWindow {
        start: now - span,
        end: now,
        step: Duration::from_secs(step.unsigned_abs()),
    };
    let coarse = ask(prometheus, &expr, &window(HISTORY_SECS, COARSE_STEP)).await?;
    if moments(&coarse).len() >= COARSE_ENOUGH {
        return Ok(coarse);
    }
    ask(prometheus, &expr, &window(FINE_SPAN_SECS, FINE_STEP)).await
}

/// A query Prometheus refuses proposes no lines rather than failing the whole setup.
async fn ask(
    prometheus: &PrometheusClient,
    expr: &str,
    window: &RangeWindow,
) -> Result<Vec<Series>, Error> {
    match prometheus.query_range(expr, window).await {
        Err(Error::BadQuery { .. }) => Ok(Vec::new()),
        answer => answer,
    }
}

/// At each moment, the highest value any series had (NaN, no traffic, left out).
fn moments(series: &[Series]) -> BTreeMap<i64, f64> {
    let mut highest: BTreeMap<i64, f64> = BTreeMap::new();
    for &(at, value) in series.iter().flat_map(|s| &s.points) {
        if value.is_finite() {
            // Prometheus' step times are whole seconds here.
            let entry = highest.entry(at.round() as i64).or_insert(value);
            *entry = entry.max(value);
        }
    }
    highest
}

/// The rule, on the series Prometheus answered. Pure.
pub fn from_series(unit: &str, series: &[Series]) -> Proposed {
    let highest = moments(series);
    let seen_secs = match (highest.keys().next(), highest.keys().next_back()) {
        (Some(first), Some(last)) => last - first,
        _ => 0,
    };
    let mut values: Vec<f64> = highest.into_values().collect();
    values.sort_by(f64::total_cmp);
    let typical = median(&values).filter(|_| values.len() >= MIN_MOMENTS);
    let ratio = unit == "ratio";
    let line = |factor: f64, floor: f64| {
        let line = typical.map(|t| round(t * factor)).filter(|l| *l > 0.0);
        match (ratio, line) {
            (true, Some(line)) if line >= floor => (Some(line), false),
            (true, _) => (Some(floor), typical.is_some()),
            (false, line) => (line, false),
        }
    };
    let (warn, warn_floored) = line(WARN_FACTOR, RATIO_WARN);
    let (crit, crit_floored) = line(CRIT_FACTOR, RATIO_CRIT);
    Proposed {
        warn,
        crit,
        typical,
        seen_secs,
        floored: warn_floored || crit_floored,
    }
}

/// The middle value of sorted `values`, or the mean of the two middle ones.
fn median(values: &[f64]) -> Option<f64> {
    let n = values.len();
    match n {
        0 => None,
        n if n % 2 == 1 => Some(values[n / 2]),
        n => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// Two significant digits: a line people read and may adjust (0.95, not 0.9499999).
fn round(value: f64) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    // Through the decimal text, so that 0.95 is the double nearest 0.95, as TOML writes it.
    format!("{value:.1e}").parse().unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(points: &[(i64, f64)]) -> Series {
        Series {
            labels: Default::default(),
            points: points.iter().map(|&(at, v)| (at as f64, v)).collect(),
        }
    }

    #[test]
    fn lines_are_multiples_of_the_median_of_the_highest_series() {
        // Two routes; at each moment the higher one counts: 0.4, 0.5, 0.6, 0.7, 0.45 (and a
        // NaN moment, left out).
        let a = series(&[
            (0, 0.4),
            (3600, 0.1),
            (7200, 0.6),
            (10800, f64::NAN),
            (14400, 0.7),
        ]);
        let b = series(&[(0, 0.2), (3600, 0.5), (7200, 0.3), (18000, 0.45)]);
        let proposed = from_series("seconds", &[a.clone(), b]);
        assert_eq!(proposed.typical, Some(0.5));
        assert_eq!((proposed.warn, proposed.crit), (Some(1.0), Some(2.0)));
        assert_eq!(proposed.seen_secs, 18000);
        assert!(!proposed.floored);
        assert_eq!(
            proposed.explain("seconds"),
            "Thresholds: warn at 2x and crit at 4x the median of the highest series over the \
             last 5 h (500.0 ms)."
        );
        // Four moments are too few to stand on.
        let few = from_series("seconds", &[a]);
        assert_eq!((few.typical, few.warn), (None, None));
        assert!(
            few.explain("seconds")
                .starts_with("Thresholds: none; Prometheus had too little")
        );
    }

    #[test]
    fn an_error_ratio_keeps_its_floors_and_no_data_proposes_nothing_else() {
        let steady = |value: f64| series(&(0..5).map(|n| (n * 60, value)).collect::<Vec<_>>());
        let healthy = from_series(
            "ratio",
            &[series(&[
                (0, 0.0),
                (60, 0.001),
                (120, 0.0),
                (180, 0.0),
                (240, 0.0),
            ])],
        );
        assert_eq!((healthy.warn, healthy.crit), (Some(0.01), Some(0.05)));
        assert!(healthy.floored);
        let failing = from_series("ratio", &[steady(0.02)]);
        assert_eq!((failing.warn, failing.crit), (Some(0.04), Some(0.08)));
        assert!(!failing.floored);
        // Between: warn from the median, crit from the floor.
        let some = from_series("ratio", &[steady(0.008)]);
        assert_eq!((some.warn, some.crit), (Some(0.016), Some(0.05)));

        let none = from_series("ratio", &[]);
        assert_eq!(
            (none.warn, none.crit, none.typical),
            (Some(0.01), Some(0.05), None)
        );
        assert!(none.explain("ratio").contains("1% and 5% defaults"));
        let silent = from_series("req_per_sec", &[steady(0.0)]);
        assert_eq!((silent.warn, silent.crit), (None, None));
        assert_eq!(from_series("seconds", &[]).warn, None);
    }

    #[test]
    fn lines_keep_two_significant_digits() {
        assert_eq!(round(0.949_999), 0.95);
        assert_eq!(round(37.4), 37.0);
        assert_eq!(round(1234.0), 1200.0);
        assert_eq!(round(0.0), 0.0);
        assert_eq!(span(HISTORY_SECS - 3600), "7 days");
        assert_eq!(span(3 * 86_400), "3 days");
        assert_eq!(span(200), "3 min");
    }
}
