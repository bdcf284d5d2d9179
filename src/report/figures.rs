//! The report across incidents: MTTD, MTTA, MTTM and MTTR as mean, median and p90 per
//! severity and per service, the recurrence rate, update discipline and corrective actions.
//!
//! Definitions (the README repeats them):
//! - MTTD = detected − impact start; MTTA = acknowledged − detected;
//!   MTTM = mitigated − impact start; MTTR = resolved − impact start.
//! - An incident missing either timestamp of a figure is left out of that figure and counted
//!   in its `left_out`, never turned into 0. Cancelled incidents (false alarms) and merged ones
//!   (duplicates of another incident, which is counted) are left out of everything, and
//!   counted apart.
//! - mean = sum / count; median = the middle value, or the mean of the two middle values;
//!   p90 = the nearest rank: the ⌈0.9 × count⌉-th smallest value.
//! - An incident is in the period when it was declared in `[since, until]`.
//! - Recurrence rate = the share of incidents in the period that follow an earlier incident
//!   (cancelled ones aside) of the same service or the same alert within the window.
//! - Update discipline = updates posted by their deadline / updates that were due: every
//!   internal update posted while the incident was open was due (on time or late), plus one
//!   for an incident that stopped being open, or is still open at `until`, past its deadline
//!   with no update since.

use crate::domain::{
    CorrectiveState, Event, EventKind, Incident, NoteKind, Severity, SeverityScale, Status,
    Timestamp, follows,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The default window of the recurrence rate, in days.
pub const RECURRENCE_WINDOW_DAYS: i64 = 30;

/// What a report covers.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportQuery {
    pub since: Timestamp,
    pub until: Timestamp,
    pub service: Option<String>,
    pub severity: Option<Severity>,
    pub recurrence_days: i64,
}

/// One incident and its log, oldest event first.
#[derive(Debug, Clone)]
pub struct IncidentLog<'a> {
    pub incident: &'a Incident,
    pub events: Vec<&'a Event>,
}

/// Mean, median and p90 of one figure, in seconds; `None` (JSON `null`) when no incident had
/// both timestamps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    pub mean_s: Option<f64>,
    pub median_s: Option<f64>,
    pub p90_s: Option<f64>,
    /// Incidents the figure stands on.
    pub count: usize,
    /// Incidents in scope that miss one of the figure's timestamps.
    pub left_out: usize,
}

/// The four response figures of one group of incidents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub mttd: Stat,
    pub mtta: Stat,
    pub mttm: Stat,
    pub mttr: Stat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectiveCounts {
    pub open: usize,
    /// Open and past their due date at `until`.
    pub overdue: usize,
}

/// The report: the wire form of `GET /v1/report` and `warroom report --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub since: Timestamp,
    pub until: Timestamp,
    /// Incidents in the period and filters, cancelled ones aside.
    pub incidents: usize,
    /// Cancelled incidents in the period and filters, left out of every figure.
    pub cancelled: usize,
    /// Duplicates merged into another incident, in the period and filters: neither
    /// incidents of their own nor false alarms, left out of every figure.
    #[serde(default)]
    pub merged: usize,
    pub overall: Figures,
    pub by_severity: BTreeMap<String, Figures>,
    /// Incidents without a service appear only in `overall`.
    pub by_service: BTreeMap<String, Figures>,
    /// `null` when there is no incident to measure.
    pub recurrence_rate: Option<f64>,
    pub recurrence_window_days: i64,
    /// `null` when no update was due.
    pub update_discipline: Option<f64>,
    pub corrective_actions: CorrectiveCounts,
}

/// The timestamps one figure runs between, both required.
fn spans(incident: &Incident) -> [Option<f64>; 4] {
    let between = |from: Option<Timestamp>, to: Option<Timestamp>| {
        Some(crate::duration::seconds_between(from?, to?))
    };
    let start = incident.impact_started_at;
    let detected = Some(incident.detected_at);
    [
        between(start, detected),
        between(detected, incident.acknowledged_at),
        between(start, incident.mitigated_at),
        between(start, incident.resolved_at),
    ]
}

/// Collects the spans of a group of incidents, then summarises them.
#[derive(Default)]
struct Samples {
    values: [Vec<f64>; 4],
    missing: [usize; 4],
}

impl Samples {
    fn add(&mut self, spans: &[Option<f64>; 4]) {
        for (index, span) in spans.iter().enumerate() {
            match span {
                Some(seconds) => self.values[index].push(*seconds),
                None => self.missing[index] += 1,
            }
        }
    }

    fn figures(mut self) -> Figures {
        let [mttd, mtta, mttm, mttr] = std::array::from_fn(|index| {
            stat(std::mem::take(&mut self.values[index]), self.missing[index])
        });
        Figures {
            mttd,
            mtta,
            mttm,
            mttr,
        }
    }
}

fn stat(mut values: Vec<f64>, left_out: usize) -> Stat {
    let count = values.len();
    if count == 0 {
        return Stat {
            left_out,
            ..Stat::default()
        };
    }
    values.sort_by(f64::total_cmp);
    let median = if count % 2 == 1 {
        values[count / 2]
    } else {
        (values[count / 2 - 1] + values[count / 2]) / 2.0
    };
    // Nearest rank: ⌈0.9 n⌉, in integers so that 0.9 × 10 is exactly 9.
    let rank = (9 * count).div_ceil(10);
    Stat {
        mean_s: Some(values.iter().sum::<f64>() / count as f64),
        median_s: Some(median),
        p90_s: Some(values[rank - 1]),
        count,
        left_out,
    }
}

/// Builds the report over `logs` (every incident, so that recurrences can look back before
/// the period).
pub fn report(logs: &[IncidentLog<'_>], query: &ReportQuery, scale: &SeverityScale) -> Report {
    let in_scope = |incident: &Incident| {
        (query.since..=query.until).contains(&incident.declared_at)
            && query
                .service
                .as_ref()
                .is_none_or(|s| incident.service.as_ref() == Some(s))
            && query
                .severity
                .as_ref()
                .is_none_or(|s| incident.severity == *s)
    };
    let mut overall = Samples::default();
    let mut by_severity: BTreeMap<String, Samples> = BTreeMap::new();
    let mut by_service: BTreeMap<String, Samples> = BTreeMap::new();
    let (mut incidents, mut cancelled, mut merged, mut recurrences) = (0, 0, 0, 0);
    let (mut on_time, mut due) = (0, 0);
    let mut corrective = CorrectiveCounts::default();
    let earlier = Earlier::index(logs);
    for log in logs.iter().filter(|log| in_scope(log.incident)) {
        let incident = log.incident;
        match incident.status {
            Status::Cancelled => {
                cancelled += 1;
                continue;
            }
            Status::Merged => {
                merged += 1;
                continue;
            }
            _ => {}
        }
        incidents += 1;
        let spans = spans(incident);
        overall.add(&spans);
        by_severity
            .entry(incident.severity.as_str().to_string())
            .or_default()
            .add(&spans);
        if let Some(service) = &incident.service {
            by_service.entry(service.clone()).or_default().add(&spans);
        }
        if earlier.any_followed_by(incident, query.recurrence_days) {
            recurrences += 1;
        }
        let (posted_on_time, were_due) = update_discipline(log, scale, query.until);
        on_time += posted_on_time;
        due += were_due;
        for action in &incident.corrective_actions {
            if action.state == CorrectiveState::Open {
                corrective.open += 1;
                if action.is_overdue(query.until) {
                    corrective.overdue += 1;
                }
            }
        }
    }
    let share = |part: usize, whole: usize| (whole > 0).then(|| part as f64 / whole as f64);
    let group = |samples: BTreeMap<String, Samples>| {
        samples
            .into_iter()
            .map(|(key, samples)| (key, samples.figures()))
            .collect()
    };
    Report {
        since: query.since,
        until: query.until,
        incidents,
        cancelled,
        merged,
        overall: overall.figures(),
        by_severity: group(by_severity),
        by_service: group(by_service),
        recurrence_rate: share(recurrences, incidents),
        recurrence_window_days: query.recurrence_days,
        update_discipline: share(on_time, due),
        corrective_actions: corrective,
    }
}

/// Incidents by service and by alert name: the only ones a recurrence can follow, so the
/// check does not compare every pair of incidents.
struct Earlier<'a> {
    by_service: HashMap<&'a str, Vec<&'a Incident>>,
    by_alert: HashMap<&'a str, Vec<&'a Incident>>,
}

impl<'a> Earlier<'a> {
    fn index(logs: &[IncidentLog<'a>]) -> Self {
        let mut index = Earlier {
            by_service: HashMap::new(),
            by_alert: HashMap::new(),
        };
        for log in logs {
            let incident = log.incident;
            if let Some(service) = &incident.service {
                index.by_service.entry(service).or_default().push(incident);
            }
            let mut names: Vec<&str> = incident
                .alerts
                .iter()
                .map(|a| a.alert.name.as_str())
                .collect();
            names.sort_unstable();
            names.dedup();
            for name in names {
                index.by_alert.entry(name).or_default().push(incident);
            }
        }
        index
    }

    fn any_followed_by(&self, later: &Incident, window_days: i64) -> bool {
        let same_service = later
            .service
            .as_deref()
            .and_then(|service| self.by_service.get(service));
        let same_alert = later
            .alerts
            .iter()
            .filter_map(|a| self.by_alert.get(a.alert.name.as_str()));
        same_service
            .into_iter()
            .chain(same_alert)
            .flatten()
            .any(|earlier| follows(earlier, later, window_days).is_some())
    }
}

/// (updates posted on time, updates that were due) in one incident, by folding its log and
/// asking the domain's own countdown before each step.
fn update_discipline(
    log: &IncidentLog<'_>,
    scale: &SeverityScale,
    until: Timestamp,
) -> (usize, usize) {
    let (mut on_time, mut due) = (0, 0);
    let mut state = Incident::blank(log.incident.id.clone());
    for &event in &log.events {
        let deadline = state.update_due_at(scale);
        match &event.kind {
            EventKind::NoteAdded {
                kind: NoteKind::Update,
                ..
            } => {
                if let Some(deadline) = deadline {
                    due += 1;
                    if event.at <= deadline {
                        on_time += 1;
                    }
                }
            }
            // The incident stops being open: a deadline that passed unanswered was missed.
            EventKind::StatusChanged { to, .. }
                if !to.is_open() && deadline.is_some_and(|deadline| deadline < event.at) =>
            {
                due += 1;
            }
            _ => {}
        }
        state.apply(event);
    }
    if state
        .update_due_at(scale)
        .is_some_and(|deadline| deadline < until)
    {
        due += 1;
    }
    (on_time, due)
}
