//! The report against a seeded generated history.

use crate::*;
use chrono::Duration;
use warroom::domain::*;

use warroom::report::{Report, ReportBuilder, ReportQuery, Stat};

// ---- the report against a generated history -------------------------------------------------

/// The report over `incidents`, handed to the builder in declaration order as a store does.
pub fn report(incidents: &[IncidentFigures], query: &ReportQuery, scale: &SeverityScale) -> Report {
    let mut sorted = incidents.to_vec();
    sorted.sort_by_key(|incident| (incident.declared_at, incident.id.number()));
    let mut builder = ReportBuilder::new(query.clone(), scale);
    for incident in sorted {
        builder.add(incident);
    }
    builder.finish()
}

/// SplitMix64: a tiny seeded generator, so the history is the same on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> i64 {
        (self.next() % n) as i64
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent as i64
    }
}

/// The raw facts of one generated incident, in seconds from the end of the period.
pub struct Raw {
    pub severity: &'static str,
    service: Option<&'static str>,
    alert: Option<&'static str>,
    declared: i64,
    impact: Option<i64>,
    detected: i64,
    acknowledged: Option<i64>,
    mitigated: Option<i64>,
    pub resolved: Option<i64>,
    cancelled: bool,
    updates: Vec<i64>,
    /// (due, open) of each corrective action.
    corrective: Vec<(i64, bool)>,
}

const DAY: i64 = 86_400;

pub fn generate(seed: u64, count: u64) -> Vec<Raw> {
    let mut rng = Rng(seed);
    let services = [Some("checkout"), Some("search"), Some("auth"), None];
    let alerts = [Some("HighErrorRatio"), Some("LatencyHigh"), None, None];
    let severities = ["P0", "P1", "P2"];
    (0..count)
        .map(|_| {
            // Declared over the 150 days before the end; the report covers the last 90.
            let declared = -(rng.below(150 * DAY as u64) + 3 * 3600);
            let detected = declared - rng.below(600);
            let impact = rng.chance(75).then(|| detected - rng.below(1800));
            let stage = rng.below(5); // how far the response got: 0 triggered .. 4 resolved
            let cancelled = stage < 2 && rng.chance(30);
            let mut at = declared;
            let mut step = |rng: &mut Rng, reached: bool, span: u64| {
                reached.then(|| {
                    at += 1 + rng.below(span);
                    at
                })
            };
            let acknowledged = step(&mut rng, stage >= 1 && !cancelled, 900);
            let mitigated = step(&mut rng, stage >= 3, 7200);
            let resolved = step(&mut rng, stage >= 4, 7200);
            let end = if cancelled {
                declared + 60
            } else {
                resolved.unwrap_or(0)
            };
            let mut updates = Vec::new();
            let mut t = declared;
            loop {
                t += 60 + rng.below(70 * 60);
                if t >= end || t >= 0 || updates.len() > 12 {
                    break;
                }
                updates.push(t);
            }
            let corrective = (0..rng.below(3))
                .map(|_| (declared + rng.below(60 * DAY as u64), rng.chance(60)))
                .collect();
            Raw {
                severity: severities[rng.below(3) as usize],
                service: services[rng.below(4) as usize],
                alert: alerts[rng.below(4) as usize],
                declared,
                impact,
                detected,
                acknowledged,
                mitigated,
                resolved,
                cancelled,
                updates,
                corrective,
            }
        })
        .collect()
}

/// The events a real backend would have logged for `raw`, in time order.
pub fn events_of(number: u64, raw: &Raw, end: Timestamp, seq: &mut u64) -> Vec<Event> {
    let at = |s: i64| end + Duration::seconds(s);
    let mut timed: Vec<(i64, EventKind)> = vec![(
        raw.declared,
        EventKind::Declared {
            title: format!("generated {number}"),
            severity: Severity::new(raw.severity),
            service: raw.service.map(String::from),
            summary: None,
            impact_started_at: raw.impact.map(at),
            detected_at: at(raw.detected),
            acknowledged: false,
        },
    )];
    if let Some(name) = raw.alert {
        let alert = AlertRef {
            fingerprint: format!("f{number}"),
            name: name.into(),
            summary: None,
            labels: Default::default(),
            starts_at: at(raw.detected),
        };
        timed.push((
            raw.declared,
            EventKind::AlertAttached { alert, group: None },
        ));
    }
    let mut status = Status::Triggered;
    let mut move_to = |timed: &mut Vec<(i64, EventKind)>, when: Option<i64>, to: Status| {
        if let Some(when) = when {
            timed.push((
                when,
                EventKind::StatusChanged {
                    from: status,
                    to,
                    reason: None,
                    commander: None,
                },
            ));
            status = to;
        }
    };
    move_to(&mut timed, raw.acknowledged, Status::Acknowledged);
    move_to(&mut timed, raw.mitigated, Status::Mitigated);
    move_to(&mut timed, raw.resolved, Status::Resolved);
    if raw.cancelled {
        move_to(&mut timed, Some(raw.declared + 60), Status::Cancelled);
    }
    for &update in &raw.updates {
        timed.push((
            update,
            EventKind::NoteAdded {
                kind: NoteKind::Update,
                text: "update".into(),
            },
        ));
    }
    for (index, &(due, open)) in raw.corrective.iter().enumerate() {
        let id = index as u32 + 1;
        timed.push((
            -1,
            EventKind::CorrectiveActionAdded {
                id,
                text: "fix".into(),
                kind: CorrectiveKind::Corrective,
                owner: "o".into(),
                due_at: at(due),
                ticket: None,
            },
        ));
        if !open {
            timed.push((-1, EventKind::CorrectiveActionCompleted { id }));
        }
    }
    // A stable sort keeps the declaration first and each action's addition before its end.
    timed.sort_by_key(|(when, _)| *when);
    timed
        .into_iter()
        .map(|(when, kind)| {
            *seq += 1;
            Event {
                seq: *seq,
                incident: IncidentId::from_number(number),
                at: at(when),
                actor: "gen".into(),
                via: None,
                kind,
                intended_at: None,
            }
        })
        .collect()
}

/// The expected statistic, computed the long way from seconds.
pub fn expected_stat(mut values: Vec<i64>, left_out: usize) -> Stat {
    if values.is_empty() {
        return Stat {
            mean_s: None,
            median_s: None,
            p90_s: None,
            count: 0,
            left_out,
        };
    }
    values.sort();
    let n = values.len();
    let mean = values.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
    let median = if n % 2 == 1 {
        values[n / 2] as f64
    } else {
        (values[n / 2 - 1] + values[n / 2]) as f64 / 2.0
    };
    // Nearest rank: the smallest value with at least 90% of the values at or below it.
    let p90 = *values
        .iter()
        .find(|&&v| values.iter().filter(|&&w| w <= v).count() * 10 >= n * 9)
        .unwrap();
    Stat {
        mean_s: Some(mean),
        median_s: Some(median),
        p90_s: Some(p90 as f64),
        count: n,
        left_out,
    }
}

#[track_caller]
pub fn assert_stat(actual: &Stat, expected: &Stat, what: &str) {
    assert_eq!(
        (actual.count, actual.left_out),
        (expected.count, expected.left_out),
        "{what}"
    );
    for (a, e, name) in [
        (actual.mean_s, expected.mean_s, "mean"),
        (actual.median_s, expected.median_s, "median"),
        (actual.p90_s, expected.p90_s, "p90"),
    ] {
        match (a, e) {
            (Some(a), Some(e)) => assert!((a - e).abs() < 1e-6, "{what} {name}: {a} != {e}"),
            (a, e) => assert_eq!(a, e, "{what} {name}"),
        }
    }
}

fn expected_figures(raws: &[&Raw]) -> [Stat; 4] {
    let figure = |pick: &dyn Fn(&Raw) -> Option<i64>| {
        let values: Vec<i64> = raws.iter().filter_map(|r| pick(r)).collect();
        expected_stat(values.clone(), raws.len() - values.len())
    };
    [
        figure(&|r| Some(r.detected - r.impact?)),
        figure(&|r| Some(r.acknowledged? - r.detected)),
        figure(&|r| Some(r.mitigated? - r.impact?)),
        figure(&|r| Some(r.resolved? - r.impact?)),
    ]
}

fn cadence(severity: &str) -> i64 {
    match severity {
        "P0" => 15 * 60,
        "P1" => 30 * 60,
        _ => 60 * 60,
    }
}

#[test]
fn the_report_matches_figures_computed_from_the_raw_timestamps() {
    let end = t0();
    let raws = generate(0x5EED_1234, 400);
    let mut seq = 0;
    let logs: Vec<(Incident, Vec<Event>)> = raws
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            let number = index as u64 + 1;
            let events = events_of(number, raw, end, &mut seq);
            (
                Incident::fold(IncidentId::from_number(number), &events),
                events,
            )
        })
        .collect();
    let views: Vec<IncidentFigures> = logs
        .iter()
        .map(|(incident, _)| IncidentFigures::from(incident))
        .collect();
    let scale = SeverityScale::default();
    let since = -90 * DAY;
    let query = |service: Option<&str>, severity: Option<&str>| ReportQuery {
        since: end + Duration::seconds(since),
        until: end,
        service: service.map(String::from),
        severity: severity.map(Severity::new),
        recurrence_days: 30,
    };

    let check = |report: &Report, service: Option<&str>, severity: Option<&str>| {
        let scoped: Vec<&Raw> = raws
            .iter()
            .filter(|r| r.declared >= since)
            .filter(|r| service.is_none_or(|s| r.service == Some(s)))
            .filter(|r| severity.is_none_or(|s| r.severity == s))
            .collect();
        let counted: Vec<&Raw> = scoped.iter().copied().filter(|r| !r.cancelled).collect();
        assert_eq!(report.incidents, counted.len());
        assert_eq!(report.cancelled, scoped.len() - counted.len());
        let [mttd, mtta, mttm, mttr] = expected_figures(&counted);
        assert_stat(&report.overall.mttd, &mttd, "mttd");
        assert_stat(&report.overall.mtta, &mtta, "mtta");
        assert_stat(&report.overall.mttm, &mttm, "mttm");
        assert_stat(&report.overall.mttr, &mttr, "mttr");
        for sev in ["P0", "P1", "P2"] {
            let group: Vec<&Raw> = counted
                .iter()
                .copied()
                .filter(|r| r.severity == sev)
                .collect();
            match report.by_severity.get(sev) {
                None => assert!(group.is_empty(), "{sev} is missing"),
                Some(figures) => {
                    let [d, a, m, r] = expected_figures(&group);
                    assert_stat(&figures.mttd, &d, &format!("{sev} mttd"));
                    assert_stat(&figures.mtta, &a, &format!("{sev} mtta"));
                    assert_stat(&figures.mttm, &m, &format!("{sev} mttm"));
                    assert_stat(&figures.mttr, &r, &format!("{sev} mttr"));
                }
            }
        }
        for svc in ["checkout", "search", "auth"] {
            let group: Vec<&Raw> = counted
                .iter()
                .copied()
                .filter(|r| r.service == Some(svc))
                .collect();
            if let Some(figures) = report.by_service.get(svc) {
                let [_, _, _, r] = expected_figures(&group);
                assert_stat(&figures.mttr, &r, &format!("{svc} mttr"));
            } else {
                assert!(group.is_empty());
            }
        }
        // Recurrence: pairwise, from the raw facts.
        let recurring = counted
            .iter()
            .filter(|later| {
                raws.iter().any(|earlier| {
                    !std::ptr::eq(earlier, **later)
                        && !earlier.cancelled
                        && earlier.declared <= later.declared
                        && later.declared - earlier.declared <= 30 * DAY
                        && ((earlier.service.is_some() && earlier.service == later.service)
                            || (earlier.alert.is_some() && earlier.alert == later.alert))
                })
            })
            .count();
        let rate = report.recurrence_rate.expect("incidents to measure");
        assert!((rate - recurring as f64 / counted.len() as f64).abs() < 1e-9);
        // Update discipline: each update was due; on time when within the cadence of the one
        // before (or the declaration); an incident silent past its deadline at its end (its
        // resolution, or the end of the period) missed one more.
        let (mut on_time, mut due) = (0, 0);
        for raw in &counted {
            let mut last = raw.declared;
            for &update in &raw.updates {
                due += 1;
                if update - last <= cadence(raw.severity) {
                    on_time += 1;
                }
                last = update;
            }
            if raw.resolved.unwrap_or(0) - last > cadence(raw.severity) {
                due += 1;
            }
        }
        let discipline = report.update_discipline.expect("updates were due");
        assert!(
            (discipline - on_time as f64 / due as f64).abs() < 1e-9,
            "{discipline} vs {on_time}/{due}"
        );
        let open: Vec<i64> = counted
            .iter()
            .flat_map(|r| r.corrective.iter().filter(|c| c.1).map(|c| c.0))
            .collect();
        assert_eq!(report.corrective_actions.open, open.len());
        assert_eq!(
            report.corrective_actions.overdue,
            open.iter().filter(|&&due| due < 0).count()
        );
        (counted.len(), scoped.len())
    };

    let overall = report(&views, &query(None, None), &scale);
    let (counted, scoped) = check(&overall, None, None);
    assert!(
        counted > 150 && scoped > counted,
        "the history has cancelled incidents"
    );
    assert!(
        overall.overall.mttd.left_out > 0,
        "and incidents without an impact start"
    );
    assert!(overall.overall.mtta.left_out > overall.overall.mttd.left_out / 4);
    check(
        &report(&views, &query(Some("checkout"), None), &scale),
        Some("checkout"),
        None,
    );
    check(
        &report(&views, &query(None, Some("P0")), &scale),
        None,
        Some("P0"),
    );
    check(
        &report(&views, &query(Some("search"), Some("P2")), &scale),
        Some("search"),
        Some("P2"),
    );
}

#[test]
fn a_report_with_nothing_to_measure_says_null_not_zero() {
    let query = ReportQuery {
        since: t0() - Duration::days(90),
        until: t0(),
        service: None,
        severity: None,
        recurrence_days: 30,
    };
    let empty = report(&[], &query, &SeverityScale::default());
    let json = serde_json::to_value(&empty).unwrap();
    assert_eq!(json["incidents"], 0);
    assert_eq!(
        json["overall"]["mttd"],
        serde_json::json!({"mean_s": null, "median_s": null, "p90_s": null, "count": 0, "left_out": 0})
    );
    assert_eq!(json["recurrence_rate"], serde_json::Value::Null);
    assert_eq!(json["update_discipline"], serde_json::Value::Null);
    assert_eq!(
        json["corrective_actions"],
        serde_json::json!({"open": 0, "overdue": 0})
    );
}
