//! Evidence from the main panel: when the impact began, and whether it is over.
//!
//! A breach is a sample at or above the panel's breach line
//! ([`Thresholds::breach`](super::Thresholds::breach): warn when set, else crit).
//! Across a panel's series a moment breaches when any series does: one failing endpoint is
//! an impact. NaN (no traffic) never breaches.

use super::panel::Panel;
use super::step::evidence_step_value;
use crate::config::{ImpactConfig, ValueError, duration_value};
use crate::domain::Timestamp;
use crate::prometheus::{RangeWindow, Series};
use chrono::DateTime;
use std::collections::BTreeMap;
use std::time::Duration;

/// A sample that breached, named by the panel's legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    pub at: Timestamp,
    pub value: f64,
    pub series: String,
}

/// The proposed start of the impact.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactStart {
    /// The first breaching sample of the episode (the worst series at that moment).
    pub breach: Breach,
    /// The episode was already under way at the first sample of the lookback window: the
    /// impact began then or earlier, and the commander should look further back.
    pub at_window_start: bool,
}

/// Proposes when THIS impact began: the first sample of the latest breach episode within
/// `lookback` before `now`. An episode is a run of sampled moments that all breach; a
/// moment with samples under the line ends it, a moment without samples or with only NaN
/// (a gap in the data, or no traffic at all) does not, for that is no evidence of
/// recovery. The latest episode is the one still going on, or, if the panel has recovered
/// since, the last one: an earlier blip that recovered is another story, and a commander
/// wants when this one began.
///
/// `None` when the panel has no thresholds or nothing breached within the lookback.
pub fn propose_impact_start(
    panel: &Panel,
    series: &[Series],
    now: Timestamp,
    lookback: Duration,
) -> Option<ImpactStart> {
    let line = panel.thresholds.breach()?;
    let moments = moments(series, seconds(now) - lookback.as_secs_f64(), now);
    let mut start = None;
    let mut breaching = false;
    // A moment whose samples are all NaN (no traffic) is a gap, not a recovery.
    let sampled = moments
        .iter()
        .filter_map(|(&at, worst)| Some((at, (*worst)?)));
    for (index, (at, worst)) in sampled.enumerate() {
        let breaches = worst.value >= line;
        if breaches && !breaching {
            start = Some((at, worst, index == 0));
        }
        breaching = breaches;
    }
    let (at, worst, at_window_start) = start?;
    Some(ImpactStart {
        breach: breach(panel, series, at, worst),
        at_window_start,
    })
}

/// Whether the main panel has stayed under its line for the last `quiet` before `now`.
#[derive(Debug, Clone, PartialEq)]
pub enum Quiet {
    /// Every sample in the window is under the line.
    Yes,
    /// The latest sample at or above the line.
    No(Breach),
    /// No sample with a value in the window: no evidence either way.
    NoData,
    /// The panel has no warn or crit line to compare with.
    NoThreshold,
}

/// One series' values for the timeline's metric snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotValue {
    pub series: String,
    /// The worst value since the impact start (all the data without one).
    pub before: Option<f64>,
    /// The current value.
    pub after: Option<f64>,
}

/// A stretch of the quiet window where the evidence has no value (no sample, or only NaN):
/// its first and last moment without one, at the evidence query's steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    pub from: Timestamp,
    pub to: Timestamp,
}

/// What the resolve confirmation shows and what goes to the timeline on resolving.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolveEvidence {
    pub quiet: Quiet,
    /// The stretches of the quiet window without data, oldest first: "under the line for
    /// the last 10 min" must not hide two minutes nobody saw.
    pub gaps: Vec<Gap>,
    pub snapshot: Vec<SnapshotValue>,
    /// When the current values were read: the newest sample of the series whose newest
    /// sample is oldest (every series' newest, as a rule: the window's end).
    pub as_of: Option<Timestamp>,
}

/// Checks the last `quiet` before `now` against the panel's line, names the stretches of it
/// without data (at the steps of `window`, the query that brought `series`), and takes the
/// before (worst since `impact_start`) and after (current) value of every series.
pub fn resolve_evidence(
    panel: &Panel,
    series: &[Series],
    window: &RangeWindow,
    now: Timestamp,
    quiet: Duration,
    impact_start: Option<Timestamp>,
) -> ResolveEvidence {
    let from = seconds(now) - quiet.as_secs_f64();
    let moments = moments(series, from, now);
    let quiet = match panel.thresholds.breach() {
        None => Quiet::NoThreshold,
        Some(line) => {
            let last_breach = moments
                .iter()
                .rev()
                .find_map(|(&at, worst)| Some((at, worst.filter(|w| w.value >= line)?)));
            match last_breach {
                Some((at, worst)) => Quiet::No(breach(panel, series, at, worst)),
                None if moments.values().all(Option::is_none) => Quiet::NoData,
                None => Quiet::Yes,
            }
        }
    };
    let since = impact_start.map_or(f64::NEG_INFINITY, seconds);
    let snapshot = series
        .iter()
        .map(|s| SnapshotValue {
            series: panel.legend.render(&s.labels),
            before: s
                .points
                .iter()
                .filter(|(t, v)| *t >= since && !v.is_nan())
                .map(|&(_, v)| v)
                .reduce(f64::max),
            after: s.current(),
        })
        .collect();
    let as_of = series
        .iter()
        .filter_map(|s| s.points.last().map(|&(t, _)| t))
        .reduce(f64::min)
        .and_then(|t| DateTime::from_timestamp_millis((t * 1000.0).round() as i64));
    ResolveEvidence {
        quiet,
        gaps: gaps(&moments, window, from, seconds(now)),
        snapshot,
        as_of,
    }
}

/// The runs of `window`'s steps within `[from, until]` that have no value in `moments`.
fn gaps(
    moments: &BTreeMap<Timestamp, Option<Worst>>,
    window: &RangeWindow,
    from: f64,
    until: f64,
) -> Vec<Gap> {
    let step = window.step.as_secs().max(1);
    let mut gaps = Vec::new();
    let mut open: Option<Gap> = None;
    let steps = (window.start..=window.end).step_by(usize::try_from(step).unwrap_or(usize::MAX));
    for t in steps.filter(|&t| (from..=until).contains(&(t as f64))) {
        let Some(at) = DateTime::from_timestamp(t, 0) else {
            continue;
        };
        if moments.get(&at).is_some_and(Option::is_some) {
            gaps.extend(open.take());
        } else {
            open = Some(Gap {
                from: open.map_or(at, |gap| gap.from),
                to: at,
            });
        }
    }
    gaps.extend(open);
    gaps
}

/// The worst non-NaN sample of one sampled moment: its value and which series.
#[derive(Debug, Clone, Copy)]
struct Worst {
    value: f64,
    series: usize,
}

/// Every sampled moment in `[from, now]`, oldest first, with its worst sample (`None` when
/// all its samples are NaN). Moments are milliseconds, Prometheus' resolution.
fn moments(series: &[Series], from: f64, now: Timestamp) -> BTreeMap<Timestamp, Option<Worst>> {
    let until = seconds(now);
    let mut moments: BTreeMap<Timestamp, Option<Worst>> = BTreeMap::new();
    for (index, s) in series.iter().enumerate() {
        for &(t, value) in s.points.iter().filter(|(t, _)| (from..=until).contains(t)) {
            let Some(at) = DateTime::from_timestamp_millis((t * 1000.0).round() as i64) else {
                continue;
            };
            let worst = moments.entry(at).or_default();
            if !value.is_nan() && worst.is_none_or(|w| value > w.value) {
                *worst = Some(Worst {
                    value,
                    series: index,
                });
            }
        }
    }
    moments
}

/// The breach at moment `at`, named by the panel's legend.
fn breach(panel: &Panel, series: &[Series], at: Timestamp, worst: Worst) -> Breach {
    Breach {
        at,
        value: worst.value,
        series: panel.legend.render(&series[worst.series].labels),
    }
}

fn seconds(at: Timestamp) -> f64 {
    at.timestamp_millis() as f64 / 1000.0
}

/// The checked `[impact]` windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImpactWindows {
    pub lookback: Duration,
    pub resolve_quiet: Duration,
    /// The step of every panel's evidence queries unless the panel names its own.
    pub evidence_step: Duration,
}

/// Steps of a panel other than the main one that its evidence query covers: enough for its
/// current value to survive a missed scrape or two.
const CURRENT_VALUE_STEPS: u32 = 4;

impl ImpactWindows {
    /// Checks `[impact]`; an error names the field.
    pub fn from_config(config: &ImpactConfig) -> Result<ImpactWindows, ValueError> {
        let error = |name: &str, e: String| ValueError(format!("impact: {name}: {e}"));
        let field = |name: &str, text: &str| duration_value(text).map_err(|e| error(name, e));
        Ok(ImpactWindows {
            lookback: field("lookback", &config.lookback)?,
            resolve_quiet: field("resolve_quiet", &config.resolve_quiet)?,
            evidence_step: evidence_step_value(&config.evidence_step)
                .map_err(|e| error("evidence_step", e))?,
        })
    }

    /// The evidence query of `panel` at `now`: at its evidence step whatever the chart's
    /// width, over what the evidence needs. For the main panel that is the lookback of the
    /// impact start and the resolve's quiet window (the worst value since the impact start is
    /// read within it too); for the others, the last few steps, for their current value.
    pub fn evidence_window(&self, panel: &Panel, now: Timestamp) -> RangeWindow {
        let step = panel.evidence_step.unwrap_or(self.evidence_step);
        let span = if panel.main {
            self.lookback.max(self.resolve_quiet)
        } else {
            step * CURRENT_VALUE_STEPS
        };
        RangeWindow::for_evidence(span, step, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, PanelConfig, default_panels};
    use crate::domain::Labels;
    use crate::panels::validate_panels;
    use chrono::{TimeZone, Utc};

    const T0: i64 = 1_795_000_000;

    fn at(step: i64) -> Timestamp {
        Utc.timestamp_opt(T0 + 60 * step, 0).unwrap()
    }

    /// The query that asked for a value a minute from T0 up to minute `step`.
    fn upto(step: i64) -> RangeWindow {
        RangeWindow {
            start: T0,
            end: T0 + 60 * step,
            step: Duration::from_secs(60),
        }
    }

    /// The default error-ratio panel (warn 0.01, crit 0.05), or one with other lines.
    fn panel(warn: Option<f64>, crit: Option<f64>) -> Panel {
        let config = PanelConfig {
            warn,
            crit,
            ..default_panels().remove(0)
        };
        validate_panels(&[config]).unwrap().remove(0)
    }

    /// A series named `endpoint` with one value a minute from T0 (NaN for a gap in
    /// the data is written as `None` and left out).
    fn series(endpoint: &str, values: &[Option<f64>]) -> Series {
        Series {
            labels: Labels::from([("endpoint".to_string(), endpoint.to_string())]),
            points: values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| Some(((T0 + 60 * i as i64) as f64, (*v)?)))
                .collect(),
        }
    }

    fn values(values: &[f64]) -> Vec<Option<f64>> {
        values.iter().copied().map(Some).collect()
    }

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn the_ongoing_episode_is_proposed_not_an_earlier_one() {
        let pay = series("/pay", &values(&[0.0, 0.2, 0.2, 0.0, 0.001, 0.01, 0.3]));
        let start = propose_impact_start(&panel(Some(0.01), Some(0.05)), &[pay], at(6), HOUR);
        assert_eq!(
            start,
            Some(ImpactStart {
                breach: Breach {
                    at: at(5),
                    value: 0.01,
                    series: "/pay".into()
                },
                at_window_start: false,
            })
        );
    }

    #[test]
    fn after_recovery_the_latest_episode_is_proposed() {
        let pay = series("/pay", &values(&[0.0, 0.2, 0.0, 0.2, 0.2, 0.0]));
        let start = propose_impact_start(&panel(Some(0.01), None), &[pay], at(5), HOUR).unwrap();
        assert_eq!(start.breach.at, at(3));
    }

    #[test]
    fn any_series_breaching_is_a_breach_and_the_worst_is_named() {
        let pay = series("/pay", &values(&[0.0, 0.0, 0.02, 0.09]));
        let search = series("/search", &values(&[0.0, 0.03, 0.06, 0.0]));
        let start =
            propose_impact_start(&panel(Some(0.01), None), &[pay, search], at(3), HOUR).unwrap();
        assert_eq!(start.breach.at, at(1));
        assert_eq!(start.breach.series, "/search");
        let both = [
            series("/pay", &values(&[0.0, 0.02])),
            series("/search", &values(&[0.0, 0.04])),
        ];
        let start = propose_impact_start(&panel(Some(0.01), None), &both, at(1), HOUR).unwrap();
        assert_eq!(
            (start.breach.series.as_str(), start.breach.value),
            ("/search", 0.04)
        );
    }

    #[test]
    fn gaps_and_nan_do_not_end_an_episode() {
        let pay = series(
            "/pay",
            &[Some(0.0), Some(0.2), None, Some(f64::NAN), Some(0.2)],
        );
        let start = propose_impact_start(&panel(Some(0.01), None), &[pay], at(4), HOUR).unwrap();
        assert_eq!(start.breach.at, at(1));
    }

    #[test]
    fn crit_is_the_line_when_warn_is_absent() {
        let pay = series("/pay", &values(&[0.0, 0.02, 0.06]));
        let start = propose_impact_start(&panel(None, Some(0.05)), &[pay], at(2), HOUR).unwrap();
        assert_eq!(start.breach.at, at(2));
    }

    #[test]
    fn an_episode_older_than_the_lookback_is_cut_at_the_window_and_says_so() {
        let pay = series("/pay", &values(&[0.2; 120]));
        let start = propose_impact_start(&panel(Some(0.01), None), &[pay], at(119), HOUR).unwrap();
        assert_eq!(start.breach.at, at(59));
        assert!(start.at_window_start);
    }

    #[test]
    fn nothing_to_propose_without_a_breach_or_a_line() {
        let pay = series("/pay", &values(&[0.0, 0.001]));
        assert_eq!(
            propose_impact_start(
                &panel(Some(0.01), None),
                std::slice::from_ref(&pay),
                at(1),
                HOUR
            ),
            None
        );
        let hot = series("/pay", &values(&[0.5]));
        assert_eq!(
            propose_impact_start(&panel(None, None), &[hot], at(0), HOUR),
            None
        );
        assert_eq!(
            propose_impact_start(&panel(Some(0.01), None), &[], at(0), HOUR),
            None
        );
    }

    #[test]
    fn resolve_is_quiet_only_when_the_whole_window_is_under_the_line() {
        let ten_minutes = Duration::from_secs(600);
        let p = panel(Some(0.01), Some(0.05));
        // Breach until minute 5, quiet since: quiet over the last 10 minutes at minute 16.
        let mut v = vec![0.2; 6];
        v.extend([0.001; 11]);
        let pay = series("/pay", &values(&v));
        let evidence = resolve_evidence(
            &p,
            std::slice::from_ref(&pay),
            &upto(16),
            at(16),
            ten_minutes,
            Some(at(0)),
        );
        assert_eq!(evidence.quiet, Quiet::Yes);
        assert_eq!(
            evidence.snapshot,
            [SnapshotValue {
                series: "/pay".into(),
                before: Some(0.2),
                after: Some(0.001)
            }]
        );
        // At minute 14 the breach at minute 5 is within the window.
        let evidence = resolve_evidence(
            &p,
            std::slice::from_ref(&pay),
            &upto(14),
            at(14),
            ten_minutes,
            None,
        );
        assert_eq!(
            evidence.quiet,
            Quiet::No(Breach {
                at: at(5),
                value: 0.2,
                series: "/pay".into()
            })
        );
        // Long after the data ends there is no evidence either way.
        let evidence = resolve_evidence(
            &p,
            std::slice::from_ref(&pay),
            &upto(60),
            at(60),
            ten_minutes,
            None,
        );
        assert_eq!(evidence.quiet, Quiet::NoData);
        let idle = series("/pay", &values(&[f64::NAN; 3]));
        let evidence = resolve_evidence(&p, &[idle], &upto(2), at(2), ten_minutes, None);
        assert_eq!(evidence.quiet, Quiet::NoData);
        assert_eq!(evidence.snapshot[0].before, None);
        let evidence = resolve_evidence(
            &panel(None, None),
            &[pay],
            &upto(16),
            at(16),
            ten_minutes,
            None,
        );
        assert_eq!(evidence.quiet, Quiet::NoThreshold);
    }

    #[test]
    fn the_stretches_of_the_quiet_window_without_data_are_named() {
        let p = panel(Some(0.01), None);
        let v = [
            Some(0.2),
            Some(0.0),
            None,
            None,
            Some(0.0),
            Some(f64::NAN),
            Some(0.0),
            None,
        ];
        let pay = series("/pay", &v);
        let evidence = resolve_evidence(
            &p,
            std::slice::from_ref(&pay),
            &upto(7),
            at(7),
            Duration::from_secs(6 * 60),
            None,
        );
        // Minutes 2-3 had no sample, minute 5 only NaN, and minute 7 (now) nothing yet.
        let gap = |from, to| Gap {
            from: at(from),
            to: at(to),
        };
        assert_eq!(evidence.gaps, [gap(2, 3), gap(5, 5), gap(7, 7)]);
        assert_eq!(evidence.quiet, Quiet::Yes);
        assert_eq!(evidence.as_of, Some(at(6)), "the newest sample");
        // A window fully covered has none; the window's edge is not a gap.
        let full = series("/pay", &values(&[0.0; 8]));
        let evidence =
            resolve_evidence(&p, &[full], &upto(7), at(7), Duration::from_secs(150), None);
        assert_eq!(evidence.gaps, []);
        assert_eq!(evidence.as_of, Some(at(7)));
    }

    #[test]
    fn before_is_the_worst_since_the_impact_start() {
        let pay = series("/pay", &values(&[0.9, 0.0, 0.3, 0.1, 0.0]));
        let evidence = resolve_evidence(
            &panel(Some(0.01), None),
            &[pay],
            &upto(4),
            at(4),
            Duration::from_secs(60),
            Some(at(2)),
        );
        assert_eq!(evidence.snapshot[0].before, Some(0.3));
        assert_eq!(evidence.snapshot[0].after, Some(0.0));
    }

    #[test]
    fn impact_windows_default_and_name_their_field() {
        let file: Config = toml_edit::de::from_str("").unwrap();
        assert_eq!(
            ImpactWindows::from_config(&file.impact),
            Ok(ImpactWindows {
                lookback: Duration::from_secs(6 * 3600),
                resolve_quiet: Duration::from_secs(600),
                evidence_step: Duration::from_secs(15),
            })
        );
        let file: Config = toml_edit::de::from_str("[impact]\nresolve_quiet = \"ten\"\n").unwrap();
        assert_eq!(
            ImpactWindows::from_config(&file.impact)
                .unwrap_err()
                .to_string(),
            r#"impact: resolve_quiet: "ten" is not a duration (use 30m, 1h, 6h)"#
        );
    }
}
