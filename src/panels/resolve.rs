//! The resolve evidence in words: the one sentence the TUI's resolve confirmation and the
//! CLI's `incident status ID resolved` both show, and the before/after values that go to
//! the timeline as the resolve's metric snapshot. One path, so the two never disagree.

use super::impact::{self, Quiet};
use super::{Level, Panel};
use crate::domain::{MAX_SNAPSHOT_VALUES, SnapshotValue, Timestamp};
use crate::prometheus::Series;
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
}

/// Judges the main `panel`'s `series` over the last `quiet` before `now`.
pub fn check(
    panel: &Panel,
    series: &[Series],
    now: Timestamp,
    quiet: Duration,
    impact_start: Option<Timestamp>,
) -> ResolveCheck {
    let evidence = impact::resolve_evidence(panel, series, now, quiet, impact_start);
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
    let verdict = match (&evidence.quiet, line) {
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
    }
}
