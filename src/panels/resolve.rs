//! The resolve evidence in words: the one sentence the TUI's resolve confirmation and the
//! CLI's `incident status ID resolved` both show, and the before/after values that go to
//! the timeline as the resolve's metric snapshot. One path, so the two never disagree.

use super::impact::{self, Gap, Quiet};
use super::{Level, Panel};
use crate::domain::{MAX_SNAPSHOT_VALUES, SnapshotValue, Timestamp};
use crate::prometheus::{RangeWindow, Series};
use std::time::Duration;

/// What the main panel says about resolving now.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolveCheck {
    /// One sentence naming the panel, the value and the line it was judged by.
    pub verdict: String,
    /// The panel was at or over its line within the quiet window: resolving now needs a
    /// second thought (the TUI says CAUTION; the CLI wants `--yes`).
    pub over_line: bool,
    /// Each series' worst value since the impact start and its current value, formatted.
    pub values: Vec<SnapshotValue>,
    /// When the current values were read.
    pub as_of: Option<Timestamp>,
}

/// Gaps named beyond this many are counted instead.
const GAPS_NAMED: usize = 3;

/// The stretches without data, in words: "no data 13:02:10–13:04:30, at 13:06:15".
pub fn gaps_in_words(gaps: &[Gap]) -> String {
    let mut named: Vec<String> = gaps
        .iter()
        .take(GAPS_NAMED)
        .map(|gap| {
            let clock = |at: Timestamp| at.format("%H:%M:%S").to_string();
            if gap.from == gap.to {
                format!("at {}", clock(gap.from))
            } else {
                format!("{}–{}", clock(gap.from), clock(gap.to))
            }
        })
        .collect();
    if gaps.len() > GAPS_NAMED {
        named.push(format!("and {} more", gaps.len() - GAPS_NAMED));
    }
    format!("no data {}", named.join(", "))
}

/// Judges the main `panel`'s `series` (the answer to the evidence query `window`) over the
/// last `quiet` before `now`.
pub fn check(
    panel: &Panel,
    series: &[Series],
    window: &RangeWindow,
    now: Timestamp,
    quiet: Duration,
    impact_start: Option<Timestamp>,
) -> ResolveCheck {
    let evidence = impact::resolve_evidence(panel, series, window, now, quiet, impact_start);
    let minutes = quiet.as_secs() / 60;
    // The line named with its kind, `warn line 2.00%`: the evidence says which one it used.
    let line = panel.thresholds.breach().map(|l| {
        let kind = if panel.thresholds.warn.is_some() {
            "warn"
        } else {
            "crit"
        };
        format!("{kind} line {}", panel.unit.format(l))
    });
    let over_line = matches!(evidence.quiet, Quiet::No(_));
    // Under the line "for the last 10 min" must not hide the minutes nobody saw.
    let unseen = match (&evidence.quiet, evidence.gaps.is_empty()) {
        (Quiet::NoData, _) | (_, true) => String::new(),
        _ => format!(" ({})", gaps_in_words(&evidence.gaps)),
    };
    let mut verdict = match (&evidence.quiet, line) {
        (Quiet::Yes, Some(line)) => format!(
            "{} has stayed under {line} for the last {minutes} min.",
            panel.title
        ),
        (Quiet::No(breach), Some(line)) => format!(
            "CAUTION: {} {} was {} at {} (over its {line}) within the last {minutes} min.",
            panel.title,
            breach.series,
            panel.unit.format(breach.value),
            breach.at.format("%H:%M:%S")
        ),
        (Quiet::NoData, _) => {
            format!("{} has no data for the last {minutes} min.", panel.title)
        }
        _ => format!("{} has no threshold to judge by.", panel.title),
    };
    if let Some(full_stop) = verdict.pop() {
        verdict.push_str(&unseen);
        verdict.push(full_stop);
    }
    let values = evidence
        .snapshot
        .into_iter()
        .filter_map(|value| {
            let after = value.after?;
            Some(SnapshotValue {
                panel: panel.title.clone(),
                series: value.series,
                before: value.before.map(|b| panel.unit.format(b)),
                value: panel.unit.format(after),
                breached: panel.thresholds.level(after) != Level::Ok,
            })
        })
        .take(MAX_SNAPSHOT_VALUES)
        .collect();
    ResolveCheck {
        verdict,
        over_line,
        values,
        as_of: evidence.as_of,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(h: u32, m: u32, s: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 12, 6, h, m, s).unwrap()
    }

    #[test]
    fn the_verdict_names_the_minutes_nobody_saw_and_says_as_of_when() {
        let panel = crate::panels::validate_panels(&crate::config::default_panels())
            .unwrap()
            .remove(0);
        let now = at(13, 10, 0);
        let window =
            RangeWindow::for_evidence(Duration::from_secs(600), Duration::from_secs(15), now);
        // Quiet at 0.2%, but nothing from 13:02:15 to 13:04:30.
        let points = (window.start..=window.end)
            .step_by(15)
            .filter(|&t| !(at(13, 2, 15).timestamp()..=at(13, 4, 30).timestamp()).contains(&t))
            .map(|t| (t as f64, 0.002))
            .collect();
        let series = Series {
            labels: [("endpoint".to_string(), "/pay".to_string())].into(),
            points,
        };
        let check = check(
            &panel,
            &[series],
            &window,
            now,
            Duration::from_secs(600),
            None,
        );
        assert_eq!(
            check.verdict,
            "5xx error ratio has stayed under warn line 1.00% for the last 10 min \
             (no data 13:02:15–13:04:30)."
        );
        assert!(!check.over_line);
        assert_eq!(check.as_of, Some(now));
        assert_eq!(check.values[0].value, "0.20%");
    }

    #[test]
    fn gaps_are_named_by_their_first_and_last_moment_without_data() {
        let gap = |from, to| Gap { from, to };
        assert_eq!(
            gaps_in_words(&[gap(at(13, 2, 10), at(13, 4, 30))]),
            "no data 13:02:10–13:04:30"
        );
        assert_eq!(
            gaps_in_words(&[
                gap(at(13, 2, 10), at(13, 4, 30)),
                gap(at(13, 6, 15), at(13, 6, 15)),
            ]),
            "no data 13:02:10–13:04:30, at 13:06:15"
        );
        let many: Vec<Gap> = (0..5).map(|m| gap(at(13, m, 0), at(13, m, 15))).collect();
        assert_eq!(
            gaps_in_words(&many),
            "no data 13:00:00–13:00:15, 13:01:00–13:01:15, 13:02:00–13:02:15, and 2 more"
        );
    }
}
