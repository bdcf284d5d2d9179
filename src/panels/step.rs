//! How finely to ask for a chart's history: the step, from the chart's drawable width.
//!
//! A braille chart draws two dots per terminal column, so more than two points per column
//! is bandwidth and Prometheus CPU spent on nothing. The step is rounded up to a "nice"
//! value a person recognises on an axis, and the window's start and end are aligned to it
//! so that every refresh asks for the same timestamps: Prometheus (and its query cache)
//! sees the same buckets, and the chart's old points do not wobble between refreshes.

use crate::domain::Timestamp;
use crate::duration::MAX_DURATION;
use crate::prometheus::RangeWindow;
use std::time::Duration;

/// Prometheus refuses a range query with more points than this per series.
pub const MAX_POINTS_PER_SERIES: u64 = 11_000;

/// A chart draws at most this many points per column.
pub const POINTS_PER_COLUMN: u64 = 2;

/// A panel never refreshes more often than this unless its config says so.
pub const MIN_REFRESH: Duration = Duration::from_secs(15);

/// The step of evidence queries when the config names none: the usual scrape interval.
pub const DEFAULT_EVIDENCE_STEP: Duration = Duration::from_secs(15);

/// The coarsest evidence step accepted: past Prometheus' five-minute lookback a step would
/// skip whole samples even of a slow scrape, and the evidence would be a chart's again.
pub const MAX_EVIDENCE_STEP: Duration = Duration::from_secs(300);

/// Steps up to a day, in seconds; past a day the step is a whole number of days.
const NICE_STEPS: [u64; 18] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200,
    86_400,
];

/// The smallest nice step that draws `range` in `columns` with at most two points per
/// column and at most [`MAX_POINTS_PER_SERIES`]. A zero width is treated as one column,
/// a range beyond [`MAX_DURATION`] as that.
pub fn step_for(range: Duration, columns: u16) -> Duration {
    let range = range.min(MAX_DURATION);
    let max_points = (u64::from(columns.max(1)) * POINTS_PER_COLUMN).min(MAX_POINTS_PER_SERIES);
    // A window of n steps has n + 1 points, hence `max_points - 1` intervals.
    let needed = range.as_secs().div_ceil(max_points - 1).max(1);
    let secs = NICE_STEPS
        .iter()
        .copied()
        .find(|&nice| nice >= needed)
        .unwrap_or_else(|| needed.div_ceil(86_400) * 86_400);
    Duration::from_secs(secs)
}

/// An evidence step as written (`15s`), between 1 s and [`MAX_EVIDENCE_STEP`].
pub fn evidence_step_value(text: &str) -> Result<Duration, String> {
    let step = crate::config::duration_value(text)?;
    if step < Duration::from_secs(1) || step > MAX_EVIDENCE_STEP {
        return Err(format!(
            "{text:?} is not between 1s and 5m: the evidence step is the scrape interval"
        ));
    }
    Ok(step)
}

/// The interval between refreshes: the configured one, else the step but no less than
/// [`MIN_REFRESH`]. Refreshing faster than the step would fetch the same points again.
pub fn refresh_interval(step: Duration, configured: Option<Duration>) -> Duration {
    configured.unwrap_or(step.max(MIN_REFRESH))
}

// The window's type is the query API's (`crate::prometheus::RangeWindow`); how to choose
// one for a chart is this module's, hence an inherent impl away from the type.
impl RangeWindow {
    /// The window for a chart `columns` wide showing `range` up to `now`. The end is the
    /// last step boundary at or before now (so the newest point is at most one step old)
    /// and the start is a whole number of steps before it, covering at least `range`.
    pub fn for_width(range: Duration, columns: u16, now: Timestamp) -> RangeWindow {
        let range = range.min(MAX_DURATION);
        let step = step_for(range, columns);
        let step_secs = step.as_secs() as i64;
        let end = now.timestamp().div_euclid(step_secs) * step_secs;
        let steps = range.as_secs().div_ceil(step.as_secs()) as i64;
        RangeWindow {
            start: end - steps * step_secs,
            end,
            step,
        }
    }

    /// The window of an evidence query: at `step` (the scrape resolution) whatever the
    /// chart's width, covering at least `span` up to the last step boundary at or before
    /// `now`, so the newest point is at most one step old and successive refreshes ask for
    /// the same timestamps. A span too long for [`MAX_POINTS_PER_SERIES`] at that step takes
    /// the smallest whole multiple of the step that fits.
    pub fn for_evidence(span: Duration, step: Duration, now: Timestamp) -> RangeWindow {
        let span = span.min(MAX_DURATION).as_secs();
        let base = step.as_secs().max(1);
        let needed = span.div_ceil(MAX_POINTS_PER_SERIES - 1);
        let step_secs = base * needed.div_ceil(base).max(1);
        let step_signed = step_secs as i64;
        let end = now.timestamp().div_euclid(step_signed) * step_signed;
        let steps = span.div_ceil(step_secs).max(1) as i64;
        RangeWindow {
            start: end - steps * step_signed,
            end,
            step: Duration::from_secs(step_secs),
        }
    }

    /// How many points each series has when it has data for the whole window; 0 for a
    /// window built by hand that Prometheus would refuse (end before start, zero step).
    pub fn points(&self) -> u64 {
        self.end
            .checked_sub(self.start)
            .and_then(|span| u64::try_from(span).ok())
            .and_then(|span| span.checked_div(self.step.as_secs()))
            .map_or(0, |steps| steps + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    const HOUR: u64 = 3_600;

    /// (columns, range in hours) -> (step in seconds, points per series).
    const TABLE: [(u16, u64, u64, u64); 9] = [
        (80, 1, 30, 121),
        (80, 6, 300, 73),
        (80, 24, 600, 145),
        (120, 1, 30, 121),
        (120, 6, 120, 181),
        (120, 24, 600, 145),
        (200, 1, 10, 361),
        (200, 6, 60, 361),
        (200, 24, 300, 289),
    ];

    #[test]
    fn steps_for_80_120_and_200_columns_over_1h_6h_and_24h() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 14, 7, 53).unwrap();
        for (columns, hours, step, points) in TABLE {
            let range = Duration::from_secs(hours * HOUR);
            let window = RangeWindow::for_width(range, columns, now);
            assert_eq!(
                window.step,
                Duration::from_secs(step),
                "{columns} cols, {hours}h"
            );
            assert_eq!(window.points(), points, "{columns} cols, {hours}h");
            assert!(window.points() <= u64::from(columns) * POINTS_PER_COLUMN);
            assert_eq!(window.end % step as i64, 0);
            assert_eq!(window.start % step as i64, 0);
            assert!(window.end <= now.timestamp() && now.timestamp() - window.end < step as i64);
            assert!((window.end - window.start) as u64 >= range.as_secs());
        }
    }

    #[test]
    fn successive_refreshes_ask_for_the_same_buckets() {
        let range = Duration::from_secs(HOUR);
        let t = |s| Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, s).unwrap();
        let a = RangeWindow::for_width(range, 200, t(1));
        let b = RangeWindow::for_width(range, 200, t(9));
        let c = RangeWindow::for_width(range, 200, t(12));
        assert_eq!(a, b);
        assert_eq!(c.start - a.start, 10);
    }

    #[test]
    fn extreme_widths_and_ranges_stay_within_prometheus_limits() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0).unwrap();
        for columns in [0, 1, 2, 80, u16::MAX] {
            for range in [
                1,
                59,
                HOUR,
                400 * 24 * HOUR,
                100 * 365 * 24 * HOUR,
                u64::MAX,
            ] {
                let window = RangeWindow::for_width(Duration::from_secs(range), columns, now);
                assert!(
                    window.points() <= MAX_POINTS_PER_SERIES,
                    "{columns} {range}"
                );
                assert!(
                    window.points() <= u64::from(columns.max(1)) * 2,
                    "{columns} {range}"
                );
                assert!(window.points() >= 2);
            }
        }
        // Past a day the step is whole days.
        assert_eq!(
            step_for(Duration::from_secs(400 * 24 * HOUR), 80),
            Duration::from_secs(3 * 86_400)
        );
        assert_eq!(
            step_for(Duration::from_secs(1), 200),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn a_window_built_by_hand_never_panics() {
        let window = |start, end, step| RangeWindow {
            start,
            end,
            step: Duration::from_secs(step),
        };
        assert_eq!(window(0, 60, 0).points(), 0);
        assert_eq!(window(60, 0, 15).points(), 0);
        assert_eq!(window(i64::MIN, i64::MAX, 15).points(), 0);
        assert_eq!(window(0, 60, 15).points(), 5);
    }

    #[test]
    fn evidence_windows_keep_their_step_and_end_at_the_last_boundary() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 14, 7, 53).unwrap();
        let s = Duration::from_secs;
        let window = RangeWindow::for_evidence(s(6 * HOUR), DEFAULT_EVIDENCE_STEP, now);
        assert_eq!(window.step, s(15));
        assert_eq!(window.end, now.timestamp() - 8, "14:07:45");
        assert_eq!(window.points(), 6 * 240 + 1);
        // Too long for 11,000 points at 15 s: the smallest multiple of 15 s that fits.
        let window = RangeWindow::for_evidence(s(3 * 24 * HOUR), s(15), now);
        assert_eq!(window.step, s(30));
        assert!(window.points() <= MAX_POINTS_PER_SERIES);
        assert!((window.end - window.start) as u64 >= 3 * 24 * HOUR);
        let tiny = RangeWindow::for_evidence(s(0), s(15), now);
        assert_eq!(tiny.points(), 2);
    }

    #[test]
    fn an_evidence_step_is_a_scrape_interval() {
        assert_eq!(evidence_step_value("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(
            evidence_step_value("10m").unwrap_err(),
            r#""10m" is not between 1s and 5m: the evidence step is the scrape interval"#
        );
        assert!(evidence_step_value("0s").is_err());
        assert!(
            evidence_step_value("soon")
                .unwrap_err()
                .contains("not a duration")
        );
    }

    #[test]
    fn refresh_follows_the_step_but_not_below_15s_unless_configured() {
        let s = Duration::from_secs;
        assert_eq!(refresh_interval(s(10), None), s(15));
        assert_eq!(refresh_interval(s(300), None), s(300));
        assert_eq!(refresh_interval(s(300), Some(s(5))), s(5));
    }
}
