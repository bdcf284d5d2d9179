//! The 90-day uptime of a component, from the public record alone: between two public updates
//! of an incident a component has the status the earlier one gave it (until the incident is
//! publicly resolved, or until now while it is open), and a maintenance window puts its
//! components under maintenance. Each day takes the worst status of the day; the percentage
//! counts a major outage as down and a partial outage as 30% down (as Statuspage does), and
//! neither degraded performance nor maintenance.

use super::{MaintenanceStatus, MaintenanceView, PublicIncident, UPTIME_DAYS};
use crate::domain::{ComponentStatus, Timestamp};
use chrono::{Duration, NaiveDate};
use serde::Serialize;

/// A component's last [`UPTIME_DAYS`] days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uptime {
    /// The first day shown (UTC).
    pub first_day: NaiveDate,
    /// The worst status of each day, oldest first, today last.
    pub days: Vec<ComponentStatus>,
    /// Up time in hundredths of a percent (9_995 is 99.95%), over the whole window to now.
    pub hundredths: u32,
}

impl Uptime {
    /// `99.95%`.
    pub fn percent(&self) -> String {
        format!("{}.{:02}%", self.hundredths / 100, self.hundredths % 100)
    }

    /// Runs of days with the same status: `(first day, days, status)`, for a compact bar.
    pub fn runs(&self) -> Vec<(NaiveDate, usize, ComponentStatus)> {
        let mut runs: Vec<(NaiveDate, usize, ComponentStatus)> = Vec::new();
        for (n, status) in self.days.iter().enumerate() {
            match runs.last_mut() {
                Some((_, length, last)) if last == status => *length += 1,
                _ => runs.push((self.first_day + Duration::days(n as i64), 1, *status)),
            }
        }
        runs
    }
}

/// One stretch of time with a status.
struct Span {
    from: Timestamp,
    to: Timestamp,
    status: ComponentStatus,
}

pub fn uptime(
    component: &str,
    open: &[PublicIncident],
    resolved: &[PublicIncident],
    maintenances: &[MaintenanceView],
    now: Timestamp,
) -> Uptime {
    let today = now.date_naive();
    let first_day = today - Duration::days(UPTIME_DAYS - 1);
    let start = first_day.and_time(chrono::NaiveTime::MIN).and_utc();
    let mut spans: Vec<Span> = Vec::new();
    for incident in open.iter().chain(resolved) {
        // Oldest first; the last update's status holds until now while the incident is open.
        let updates: Vec<_> = incident.updates.iter().rev().collect();
        for (n, update) in updates.iter().enumerate() {
            let Some(affected) = update.affected.get(component) else {
                continue;
            };
            let to = updates.get(n + 1).map_or(now, |next| next.at);
            if affected.new != ComponentStatus::Operational {
                spans.push(Span {
                    from: update.at,
                    to,
                    status: affected.new,
                });
            }
        }
    }
    for window in maintenances {
        if window.status != MaintenanceStatus::Scheduled
            && window.components.iter().any(|c| c == component)
        {
            spans.push(Span {
                from: window.starts_at,
                to: window.ends_at.min(now),
                status: ComponentStatus::UnderMaintenance,
            });
        }
    }
    spans.retain(|span| span.to > start && span.from < now);
    let days = (0..UPTIME_DAYS)
        .map(|n| {
            let from = start + Duration::days(n);
            let to = from + Duration::days(1);
            spans
                .iter()
                .filter(|span| span.from < to && span.to > from)
                .map(|span| span.status)
                .max()
                .unwrap_or(ComponentStatus::Operational)
        })
        .collect();
    Uptime {
        first_day,
        days,
        hundredths: hundredths_up(&spans, start, now),
    }
}

/// The weighted down time over `[start, now)`, overlaps counted once at their worst.
fn hundredths_up(spans: &[Span], start: Timestamp, now: Timestamp) -> u32 {
    let mut edges: Vec<Timestamp> = spans
        .iter()
        .flat_map(|span| [span.from.max(start), span.to.min(now)])
        .collect();
    edges.sort();
    edges.dedup();
    let mut down_ms = 0.0;
    for pair in edges.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        let worst = spans
            .iter()
            .filter(|span| span.from <= from && span.to >= to)
            .map(|span| span.status)
            .max();
        let weight = match worst {
            Some(ComponentStatus::MajorOutage) => 1.0,
            Some(ComponentStatus::PartialOutage) => 0.3,
            _ => 0.0,
        };
        down_ms += weight * (to - from).num_milliseconds() as f64;
    }
    let total_ms = (now - start).num_milliseconds().max(1) as f64;
    let up = 1.0 - down_ms / total_ms;
    // Floored, so that a minute of outage never shows as 100.00%.
    (up * 10_000.0).floor().clamp(0.0, 10_000.0) as u32
}

#[cfg(test)]
mod tests {
    use super::super::{Affected, Impact, PublicIncident, UpdateView};
    use super::*;
    use crate::domain::PublicState;
    use std::collections::BTreeMap;

    fn at(text: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn update(when: &str, state: PublicState, status: ComponentStatus) -> UpdateView {
        UpdateView {
            id: when.into(),
            state,
            message: String::new(),
            at: at(when),
            affected: BTreeMap::from([(
                "api".to_string(),
                Affected {
                    old: ComponentStatus::Operational,
                    new: status,
                },
            )]),
            automatic: false,
        }
    }

    fn incident(updates: Vec<UpdateView>) -> PublicIncident {
        let mut updates = updates;
        updates.reverse();
        PublicIncident {
            id: "x".into(),
            name: "x".into(),
            state: updates[0].state,
            impact: Impact::Critical,
            created_at: updates.last().unwrap().at,
            updated_at: updates[0].at,
            monitoring_at: None,
            resolved_at: None,
            next_update_at: None,
            components: BTreeMap::new(),
            updates,
        }
    }

    /// A 6-hour major outage then 4 hours partial, over midnight, on a 90-day window: the two
    /// days are coloured by their worst status, and the percentage counts the major outage
    /// whole and the partial one at 30%.
    #[test]
    fn days_take_their_worst_status_and_the_percentage_weighs_outages() {
        let now = at("2026-12-06T12:00:00Z");
        let resolved = incident(vec![
            update(
                "2026-12-03T20:00:00Z",
                PublicState::Investigating,
                ComponentStatus::MajorOutage,
            ),
            update(
                "2026-12-04T02:00:00Z",
                PublicState::Monitoring,
                ComponentStatus::PartialOutage,
            ),
            update(
                "2026-12-04T06:00:00Z",
                PublicState::Resolved,
                ComponentStatus::Operational,
            ),
        ]);
        let uptime = uptime("api", &[], &[resolved], &[], now);
        assert_eq!(uptime.days.len(), 90);
        assert_eq!(uptime.first_day, now.date_naive() - Duration::days(89));
        let n = uptime.days.len();
        assert_eq!(uptime.days[n - 3], ComponentStatus::MajorOutage, "Dec 4");
        assert_eq!(uptime.days[n - 4], ComponentStatus::MajorOutage, "Dec 3");
        assert_eq!(uptime.days[n - 1], ComponentStatus::Operational);
        // Down: 6 h + 0.3 x 4 h = 7.2 h of 89.5 days.
        let expected: f64 = (1.0 - 7.2 / (89.5 * 24.0)) * 10_000.0;
        assert_eq!(uptime.hundredths, expected.floor() as u32);
        assert_eq!(uptime.percent(), "99.66%");
        assert_eq!(uptime.runs().len(), 3);
        // Another component is untouched.
        assert_eq!(uptime_of_web(now).hundredths, 10_000);
    }

    fn uptime_of_web(now: Timestamp) -> Uptime {
        uptime("web", &[], &[], &[], now)
    }

    /// An open incident counts until now; overlapping reports of two incidents count once, at
    /// the worse one.
    #[test]
    fn an_open_outage_counts_until_now_and_overlaps_count_once() {
        let now = at("2026-12-06T12:00:00Z");
        let open = incident(vec![update(
            "2026-12-06T10:00:00Z",
            PublicState::Investigating,
            ComponentStatus::MajorOutage,
        )]);
        let other = incident(vec![update(
            "2026-12-06T11:00:00Z",
            PublicState::Identified,
            ComponentStatus::PartialOutage,
        )]);
        let uptime = uptime("api", &[open, other], &[], &[], now);
        let expected: f64 = (1.0 - 2.0 / (89.5 * 24.0)) * 10_000.0;
        assert_eq!(uptime.hundredths, expected.floor() as u32);
        assert_eq!(*uptime.days.last().unwrap(), ComponentStatus::MajorOutage);
    }
}
