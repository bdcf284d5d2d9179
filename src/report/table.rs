//! The report and the follow-ups as plain-text tables, for the CLI (`warroom report`,
//! `warroom followups`) and the TUI's screens of the same, so both faces show the same columns.

use super::{Figures, Report};
use crate::domain::Followup;
use crate::duration::format_span;
use crate::sanitize::sanitize;
use std::fmt::Write;

/// The lines of the report for people: the period, one block of MTTD/MTTA/MTTM/MTTR per group
/// (overall, each severity, each service), then recurrence, update discipline and the
/// corrective actions. A figure nothing stands behind is "—", never 0.
pub fn report_lines(report: &Report) -> Vec<String> {
    let clock = |at: crate::domain::Timestamp| at.format("%Y-%m-%d %H:%M UTC").to_string();
    let mut lines = vec![
        format!(
            "{} → {}: {} incidents ({} cancelled, {} merged as duplicates, left out)",
            clock(report.since),
            clock(report.until),
            report.incidents,
            report.cancelled,
            report.merged
        ),
        String::new(),
        format!(
            "{:<20} {:<5} {:>9} {:>9} {:>9} {:>6} {:>9}",
            "GROUP", "", "MEAN", "MEDIAN", "P90", "COUNT", "LEFT OUT"
        ),
    ];
    let mut group = |name: &str, figures: &Figures| {
        let rows = [
            ("MTTD", &figures.mttd),
            ("MTTA", &figures.mtta),
            ("MTTM", &figures.mttm),
            ("MTTR", &figures.mttr),
        ];
        for (index, (label, stat)) in rows.into_iter().enumerate() {
            let mut line = String::new();
            let _ = write!(
                line,
                "{:<20} {label:<5} {:>9} {:>9} {:>9} {:>6} {:>9}",
                if index == 0 {
                    sanitize(name)
                } else {
                    sanitize("")
                },
                seconds(stat.mean_s),
                seconds(stat.median_s),
                seconds(stat.p90_s),
                stat.count,
                stat.left_out
            );
            lines.push(line);
        }
    };
    group("overall", &report.overall);
    for (severity, figures) in &report.by_severity {
        group(severity, figures);
    }
    for (service, figures) in &report.by_service {
        group(&format!("service {service}"), figures);
    }
    let percent = |share: Option<f64>| share.map_or("—".into(), |s| format!("{:.1}%", s * 100.0));
    lines.push(String::new());
    lines.push(format!(
        "recurrence rate:    {} (after an incident of the same service or alert within {} days)",
        percent(report.recurrence_rate),
        report.recurrence_window_days
    ));
    lines.push(format!(
        "update discipline:  {} of internal updates on time",
        percent(report.update_discipline)
    ));
    lines.push(format!(
        "corrective actions: {} open, {} overdue",
        report.corrective_actions.open, report.corrective_actions.overdue
    ));
    lines
}

/// A figure for people, to the second as the postmortem rounds it: "7m", "1h5m12s", or "—"
/// when nothing stands behind it.
fn seconds(value: Option<f64>) -> String {
    value.map_or("—".into(), format_span)
}

/// The follow-ups' column heads, as [`followup_line`] fills them.
pub fn followups_header() -> String {
    format!(
        "{:<8} {:<4} {:<10} {:<7} {:<10} {:<12} {}",
        "INCIDENT", "#", "KIND", "STATE", "DUE", "OWNER", "ACTION"
    )
}

/// One follow-up for people: its incident, id, kind, state, due day, owner (cut to the
/// column), the action, `OVERDUE` when it is, and its ticket. Text from the network goes
/// through the sanitizer.
pub fn followup_line(followup: &Followup) -> String {
    let action = &followup.action;
    let mut line = format!(
        "{:<8} {:<4} {:<10} {:<7} {:<10} {:<12} {}",
        followup.incident,
        format!("C{}", action.id),
        action.kind,
        action.state,
        action.due_at.format("%Y-%m-%d"),
        sanitize(&action.owner).fit(12),
        sanitize(&action.text)
    );
    if followup.overdue {
        line.push_str("  OVERDUE");
    }
    if let Some(ticket) = &action.ticket {
        let _ = write!(line, "  {}", sanitize(ticket));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Stat;

    #[test]
    fn a_figure_without_incidents_shows_a_dash_not_zero() {
        assert_eq!(seconds(None), "—");
        assert_eq!(seconds(Some(419.6)), "7m");
        assert_eq!(seconds(Stat::default().mean_s), "—");
    }
}
