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
//!
//! # Streaming, not folding
//! The report reads each incident's [`IncidentFigures`] (kept beside its snapshot row, see
//! `store/snapshot.rs`), one at a time in declaration order, and keeps only what the figures
//! need: the spans of each group (to sort for the median and p90), counts, and for the
//! recurrence rate the two newest incidents of each service and alert name. Its memory follows
//! the number of incidents in the period times a few numbers, never their logs.

use crate::domain::{
    CorrectiveState, IncidentFigures, Severity, SeverityScale, Status, Timestamp, UpdateTally,
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
fn spans(incident: &IncidentFigures) -> [Option<f64>; 4] {
    let between = |from: Option<Timestamp>, to: Option<Timestamp>| {
        Some((to? - from?).num_milliseconds() as f64 / 1000.0)
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

/// The report, built from the incidents handed to [`ReportBuilder::add`] in declaration order.
pub struct ReportBuilder<'s> {
    query: ReportQuery,
    scale: &'s SeverityScale,
    overall: Samples,
    by_severity: BTreeMap<String, Samples>,
    by_service: BTreeMap<String, Samples>,
    incidents: usize,
    cancelled: usize,
    merged: usize,
    recurrences: usize,
    updates: UpdateTally,
    corrective: CorrectiveCounts,
    earlier: Earlier,
    /// The incidents declared at the same moment as the last one added: each may follow any
    /// other, so they are indexed together before any of them is judged.
    same_moment: Vec<IncidentFigures>,
}

impl<'s> ReportBuilder<'s> {
    pub fn new(query: ReportQuery, scale: &'s SeverityScale) -> ReportBuilder<'s> {
        ReportBuilder {
            query,
            scale,
            overall: Samples::default(),
            by_severity: BTreeMap::new(),
            by_service: BTreeMap::new(),
            incidents: 0,
            cancelled: 0,
            merged: 0,
            recurrences: 0,
            updates: UpdateTally::default(),
            corrective: CorrectiveCounts::default(),
            earlier: Earlier::default(),
            same_moment: Vec::new(),
        }
    }

    /// The incidents the report must be given: those declared from here to `until` (the
    /// period, and before it the recurrence window, which incidents of the period may follow).
    pub fn declared_from(&self) -> Timestamp {
        self.query.since - chrono::Duration::days(self.query.recurrence_days)
    }

    /// Adds the next incident; incidents come in declaration order (ties in any order).
    pub fn add(&mut self, incident: IncidentFigures) {
        if self
            .same_moment
            .first()
            .is_some_and(|last| last.declared_at != incident.declared_at)
        {
            self.judge_same_moment();
        }
        self.same_moment.push(incident);
    }

    pub fn finish(mut self) -> Report {
        self.judge_same_moment();
        let share = |part: usize, whole: usize| (whole > 0).then(|| part as f64 / whole as f64);
        let group = |samples: BTreeMap<String, Samples>| {
            samples
                .into_iter()
                .map(|(key, samples)| (key, samples.figures()))
                .collect()
        };
        Report {
            since: self.query.since,
            until: self.query.until,
            incidents: self.incidents,
            cancelled: self.cancelled,
            merged: self.merged,
            overall: self.overall.figures(),
            by_severity: group(self.by_severity),
            by_service: group(self.by_service),
            recurrence_rate: share(self.recurrences, self.incidents),
            recurrence_window_days: self.query.recurrence_days,
            update_discipline: share(self.updates.on_time, self.updates.due),
            corrective_actions: self.corrective,
        }
    }

    fn judge_same_moment(&mut self) {
        let group = std::mem::take(&mut self.same_moment);
        for incident in &group {
            self.earlier.remember(incident);
        }
        for incident in &group {
            if self.in_scope(incident) {
                self.count(incident);
            }
        }
    }

    fn in_scope(&self, incident: &IncidentFigures) -> bool {
        let query = &self.query;
        (query.since..=query.until).contains(&incident.declared_at)
            && query
                .service
                .as_ref()
                .is_none_or(|s| incident.service.as_ref() == Some(s))
            && query
                .severity
                .as_ref()
                .is_none_or(|s| incident.severity == *s)
    }

    fn count(&mut self, incident: &IncidentFigures) {
        match incident.status {
            Status::Cancelled => {
                self.cancelled += 1;
                return;
            }
            Status::Merged => {
                self.merged += 1;
                return;
            }
            _ => {}
        }
        self.incidents += 1;
        let spans = spans(incident);
        self.overall.add(&spans);
        self.by_severity
            .entry(incident.severity.as_str().to_string())
            .or_default()
            .add(&spans);
        if let Some(service) = &incident.service {
            self.by_service
                .entry(service.clone())
                .or_default()
                .add(&spans);
        }
        if self
            .earlier
            .any_followed_by(incident, self.query.recurrence_days)
        {
            self.recurrences += 1;
        }
        self.updates += incident.update_discipline(self.scale, self.query.until);
        for action in &incident.corrective_actions {
            if action.state == CorrectiveState::Open {
                self.corrective.open += 1;
                if action.is_overdue(self.query.until) {
                    self.corrective.overdue += 1;
                }
            }
        }
    }
}

/// The newest real incidents (neither cancelled nor merged: see `domain::follows`) of each
/// service and each alert name, the two newest so that one can be told from the incident
/// asking. Incidents are remembered in declaration order, so the newest is the last.
#[derive(Default)]
struct Earlier {
    by_service: HashMap<String, Newest>,
    by_alert: HashMap<String, Newest>,
}

/// (declared at, number) of the newest and the one before it.
type Newest = [Option<(Timestamp, u64)>; 2];

impl Earlier {
    fn remember(&mut self, incident: &IncidentFigures) {
        if matches!(incident.status, Status::Cancelled | Status::Merged) {
            return;
        }
        let entry = (incident.declared_at, incident.id.number());
        let push = |newest: &mut Newest| *newest = [Some(entry), newest[0]];
        if let Some(service) = &incident.service {
            push(self.by_service.entry(service.clone()).or_default());
        }
        for name in &incident.alert_names {
            push(self.by_alert.entry(name.clone()).or_default());
        }
    }

    /// Whether another real incident of its service or one of its alerts was declared at or
    /// before it, within `window_days`. Everything remembered so far was declared at or
    /// before it, so the newest other one decides.
    fn any_followed_by(&self, later: &IncidentFigures, window_days: i64) -> bool {
        let oldest = later.declared_at - chrono::Duration::days(window_days);
        let number = later.id.number();
        let same_service = later
            .service
            .as_deref()
            .and_then(|service| self.by_service.get(service));
        let same_alert = later
            .alert_names
            .iter()
            .filter_map(|name| self.by_alert.get(name));
        same_service.into_iter().chain(same_alert).any(|newest| {
            newest
                .iter()
                .flatten()
                .find(|(_, earlier)| *earlier != number)
                .is_some_and(|(declared_at, _)| *declared_at >= oldest)
        })
    }
}
