//! The report and the follow-ups as the backend now reads them, from the figures each store
//! keeps beside its snapshot rows and streams in declaration order, agree with the old way:
//! every incident folded from its whole log, recurrences found by comparing every pair with
//! the domain's `follows`, update discipline by folding each log and asking the domain's own
//! countdown before each event. On a seeded generated history with severity changes,
//! reopenings and cancellations, on SQLite and on PostgreSQL, for several periods, filters
//! and recurrence windows.

use crate::report::{Rng, assert_stat, events_of, expected_stat, generate};
use crate::support;
use crate::t0;
use chrono::Duration;
use std::collections::BTreeMap;
use warroom::domain::*;
use warroom::report::{Figures, Report, ReportBuilder, ReportQuery};
use warroom::store::{Commit, PostgresStore, SqliteStore, Store};

/// Incident logs in time order, numbered 1.., with `seq` increasing across them; some raise
/// or lower their severity before their first update, some are reopened and resolved again.
fn history(seed: u64, count: u64) -> Vec<(Incident, Vec<Event>)> {
    let end = t0();
    let mut rng = Rng(seed ^ 0xF01D);
    let mut seq = 0;
    generate(seed, count)
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            let number = index as u64 + 1;
            let mut events = events_of(number, raw, end, &mut seq);
            let extra = |at: Timestamp, kind: EventKind| Event {
                seq: 0,
                incident: IncidentId::from_number(number),
                at,
                actor: "gen".into(),
                via: None,
                kind,
                intended_at: None,
            };
            let declared = events[0].at;
            if rng.chance(40) {
                let to = Severity::new(["P0", "P1", "P2"][rng.below(3) as usize]);
                let at = declared + Duration::seconds(30);
                events.push(extra(
                    at,
                    EventKind::SeverityChanged {
                        from: Severity::new(raw.severity),
                        to,
                    },
                ));
            }
            if let Some(resolved) = raw.resolved.filter(|&r| r < -4 * 3600)
                && rng.chance(50)
            {
                let at = |s: i64| end + Duration::seconds(resolved + s);
                let move_to = |from, to| EventKind::StatusChanged {
                    from,
                    to,
                    reason: None,
                    commander: None,
                };
                events.push(extra(
                    at(600),
                    move_to(Status::Resolved, Status::Investigating),
                ));
                events.push(extra(
                    at(3000),
                    EventKind::NoteAdded {
                        kind: NoteKind::Update,
                        text: "again".into(),
                    },
                ));
                events.push(extra(
                    at(9000),
                    move_to(Status::Investigating, Status::Resolved),
                ));
            }
            if rng.chance(30) {
                // An action of its own: owners in several cases, dropped, reopened, its kind
                // changed, due before and after the end.
                let at = |minutes: i64| declared + Duration::minutes(minutes);
                let id = 100;
                events.push(extra(
                    at(5),
                    EventKind::CorrectiveActionAdded {
                        id,
                        text: "own".into(),
                        kind: CorrectiveKind::Preventive,
                        owner: ["Bob", "bob", "ALICE"][rng.below(3) as usize].into(),
                        due_at: at(rng.below(60 * 24 * 60)),
                        ticket: None,
                    },
                ));
                if rng.chance(50) {
                    events.push(extra(at(6), EventKind::CorrectiveActionDropped { id }));
                    if rng.chance(50) {
                        events.push(extra(at(7), EventKind::CorrectiveActionReopened { id }));
                    }
                }
                if rng.chance(30) {
                    events.push(extra(
                        at(8),
                        EventKind::CorrectiveKindChanged {
                            id,
                            from: CorrectiveKind::Preventive,
                            to: CorrectiveKind::Detective,
                        },
                    ));
                }
            }
            events.sort_by_key(|event| (event.at, event.seq));
            (IncidentId::from_number(number), events)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .scan(0, |seq, (id, mut events)| {
            for event in &mut events {
                *seq += 1;
                event.seq = *seq;
            }
            Some((Incident::fold(id, &events), events))
        })
        .collect()
}

/// The old report: the whole logs folded, pairs compared, each log folded again for update
/// discipline.
fn old_fold(logs: &[(Incident, Vec<Event>)], query: &ReportQuery, scale: &SeverityScale) -> Report {
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
    let seconds =
        |from: Option<Timestamp>, to: Option<Timestamp>| Some((to? - from?).num_seconds());
    type Spans = Vec<[Option<i64>; 4]>;
    let (mut overall, mut by_severity, mut by_service): (
        Spans,
        BTreeMap<String, Spans>,
        BTreeMap<String, Spans>,
    ) = Default::default();
    let (mut incidents, mut cancelled, mut merged, mut recurring) = (0, 0, 0, 0);
    let (mut on_time, mut due, mut open, mut overdue) = (0, 0, 0, 0);
    for (incident, events) in logs.iter().filter(|(incident, _)| in_scope(incident)) {
        match incident.status {
            Status::Cancelled => cancelled += 1,
            Status::Merged => merged += 1,
            _ => {
                incidents += 1;
                let detected = Some(incident.detected_at);
                let start = incident.impact_started_at;
                let spans = [
                    seconds(start, detected),
                    seconds(detected, incident.acknowledged_at),
                    seconds(start, incident.mitigated_at),
                    seconds(start, incident.resolved_at),
                ];
                overall.push(spans);
                by_severity
                    .entry(incident.severity.as_str().into())
                    .or_default()
                    .push(spans);
                if let Some(service) = &incident.service {
                    by_service.entry(service.clone()).or_default().push(spans);
                }
                if logs
                    .iter()
                    .any(|(earlier, _)| follows(earlier, incident, query.recurrence_days).is_some())
                {
                    recurring += 1;
                }
                let mut state = Incident::blank(incident.id.clone());
                for event in events {
                    let deadline = state.update_due_at(scale);
                    match &event.kind {
                        EventKind::NoteAdded {
                            kind: NoteKind::Update,
                            ..
                        } => {
                            if let Some(deadline) = deadline {
                                due += 1;
                                on_time += usize::from(event.at <= deadline);
                            }
                        }
                        EventKind::StatusChanged { to, .. }
                            if !to.is_open() && deadline.is_some_and(|d| d < event.at) =>
                        {
                            due += 1
                        }
                        _ => {}
                    }
                    state.apply(event);
                }
                due += usize::from(state.update_due_at(scale).is_some_and(|d| d < query.until));
                for action in &incident.corrective_actions {
                    if action.state == CorrectiveState::Open {
                        open += 1;
                        overdue += usize::from(action.is_overdue(query.until));
                    }
                }
            }
        }
    }
    let figures = |spans: &Spans| {
        let [mttd, mtta, mttm, mttr] = std::array::from_fn(|figure| {
            let values: Vec<i64> = spans.iter().filter_map(|s| s[figure]).collect();
            let left_out = spans.len() - values.len();
            expected_stat(values, left_out)
        });
        Figures {
            mttd,
            mtta,
            mttm,
            mttr,
        }
    };
    let share = |part: usize, whole: usize| (whole > 0).then(|| part as f64 / whole as f64);
    Report {
        since: query.since,
        until: query.until,
        incidents,
        cancelled,
        merged,
        overall: figures(&overall),
        by_severity: by_severity
            .iter()
            .map(|(k, v)| (k.clone(), figures(v)))
            .collect(),
        by_service: by_service
            .iter()
            .map(|(k, v)| (k.clone(), figures(v)))
            .collect(),
        recurrence_rate: share(recurring, incidents),
        recurrence_window_days: query.recurrence_days,
        update_discipline: share(on_time, due),
        corrective_actions: warroom::report::CorrectiveCounts { open, overdue },
    }
}

/// The report as `GET /v1/report` computes it: the store's figures, streamed.
fn streamed(store: &mut dyn Store, query: &ReportQuery, scale: &SeverityScale) -> Report {
    let mut report = ReportBuilder::new(query.clone(), scale);
    store
        .figures_declared(report.declared_from(), query.until, &mut |incident| {
            report.add(incident);
            Ok(())
        })
        .unwrap();
    report.finish()
}

#[track_caller]
fn assert_same(new: &Report, old: &Report, what: &str) {
    assert_eq!(
        (new.incidents, new.cancelled, new.merged),
        (old.incidents, old.cancelled, old.merged),
        "{what}: counts"
    );
    let groups = |report: &Report| {
        let mut groups = vec![("overall".to_string(), report.overall)];
        groups.extend(
            report
                .by_severity
                .iter()
                .map(|(k, v)| (format!("severity {k}"), *v)),
        );
        groups.extend(
            report
                .by_service
                .iter()
                .map(|(k, v)| (format!("service {k}"), *v)),
        );
        groups
    };
    let (new_groups, old_groups) = (groups(new), groups(old));
    assert_eq!(
        new_groups.iter().map(|g| &g.0).collect::<Vec<_>>(),
        old_groups.iter().map(|g| &g.0).collect::<Vec<_>>(),
        "{what}: groups"
    );
    for ((name, new), (_, old)) in new_groups.iter().zip(&old_groups) {
        for (figure, a, e) in [
            ("mttd", new.mttd, old.mttd),
            ("mtta", new.mtta, old.mtta),
            ("mttm", new.mttm, old.mttm),
            ("mttr", new.mttr, old.mttr),
        ] {
            assert_stat(&a, &e, &format!("{what}: {name} {figure}"));
        }
    }
    for (figure, a, e) in [
        ("recurrence", new.recurrence_rate, old.recurrence_rate),
        (
            "update discipline",
            new.update_discipline,
            old.update_discipline,
        ),
    ] {
        match (a, e) {
            (Some(a), Some(e)) => assert!((a - e).abs() < 1e-12, "{what}: {figure} {a} != {e}"),
            (a, e) => assert_eq!(a, e, "{what}: {figure}"),
        }
    }
    assert_eq!(
        new.corrective_actions, old.corrective_actions,
        "{what}: corrective"
    );
}

fn agrees_with_the_old_fold(store: &mut dyn Store) {
    let logs = history(0xC0FF_EE19, 600);
    let events: Vec<Event> = logs.iter().flat_map(|(_, events)| events.clone()).collect();
    let mut by_seq = events.clone();
    by_seq.sort_by_key(|event| event.seq);
    for chunk in by_seq.chunks(1_000) {
        store
            .commit(&Commit {
                events: chunk.to_vec(),
                ..Commit::default()
            })
            .unwrap();
    }
    let scales = [
        SeverityScale::default(),
        // A cadence changed after the fact judges the same marks anew.
        // (P2 without a level: its updates were never due.)
        serde_json::from_value(serde_json::json!([
            {"name": "P0", "description": "all", "update_every_minutes": 5},
            {"name": "P1", "description": "some", "update_every_minutes": 90}
        ]))
        .unwrap(),
    ];
    let mut measured = 0;
    for scale in &scales {
        for since_days in [30, 90, 365] {
            for (service, severity) in [(None, None), (Some("checkout"), None), (None, Some("P1"))]
            {
                for recurrence_days in [30, 7] {
                    let query = ReportQuery {
                        since: t0() - Duration::days(since_days),
                        until: t0(),
                        service: service.map(String::from),
                        severity: severity.map(Severity::new),
                        recurrence_days,
                    };
                    let what = format!("{since_days}d {service:?} {severity:?} {recurrence_days}d");
                    let old = old_fold(&logs, &query, scale);
                    assert_same(&streamed(store, &query, scale), &old, &what);
                    measured += old.incidents;
                }
            }
        }
    }
    assert!(measured > 1_000, "the history gives figures to compare");
    let overall = old_fold(
        &logs,
        &ReportQuery {
            since: t0() - Duration::days(365),
            until: t0(),
            service: None,
            severity: None,
            recurrence_days: 30,
        },
        &scales[0],
    );
    assert!(overall.cancelled > 0 && overall.overall.mttd.left_out > 0);
    assert!(overall.recurrence_rate.is_some_and(|r| r > 0.0 && r < 1.0));
    assert!(
        overall
            .update_discipline
            .is_some_and(|d| d > 0.0 && d < 1.0)
    );

    // The follow-ups, walked a page of 7 at a time: for each filter, every corrective action
    // of every incident the filter matches, in the list's order, each once.
    let now = t0();
    let every: Vec<Followup> = logs
        .iter()
        .flat_map(|(incident, _)| {
            incident.corrective_actions.iter().map(|action| Followup {
                incident: incident.id.clone(),
                incident_title: incident.title.clone(),
                action: action.clone(),
                overdue: action.is_overdue(now),
            })
        })
        .collect();
    let filters = [
        FollowupFilter::default(),
        FollowupFilter {
            states: FollowupStates::Open,
            ..FollowupFilter::default()
        },
        FollowupFilter {
            states: FollowupStates::Closed,
            ..FollowupFilter::default()
        },
        FollowupFilter {
            states: FollowupStates::Open,
            due_before: Some(now),
            ..FollowupFilter::default()
        },
        FollowupFilter {
            owner: Some("BOB".into()),
            ..FollowupFilter::default()
        },
        FollowupFilter {
            states: FollowupStates::Closed,
            owner: Some("alice".into()),
            ..FollowupFilter::default()
        },
    ];
    for filter in &filters {
        let mut expected: Vec<Followup> = every
            .iter()
            .filter(|f| filter.matches(&f.action))
            .cloned()
            .collect();
        expected.sort_by_key(Followup::key);
        assert!(expected.len() > 7, "{filter:?} spans pages");
        let mut walked = Vec::new();
        let mut after = None;
        loop {
            let page = store.followups_after(filter, after, 7, now).unwrap();
            assert!(page.len() <= 7);
            let Some(last) = page.last() else { break };
            after = Some(last.key());
            walked.extend(page);
        }
        assert_eq!(walked.len(), expected.len(), "{filter:?}");
        assert_eq!(walked, expected, "{filter:?}");
    }
    let kinds = every.iter().filter(|f| f.action.id == 100);
    assert!(
        kinds
            .clone()
            .any(|f| f.action.kind == CorrectiveKind::Detective)
            && kinds
                .clone()
                .any(|f| f.action.state == CorrectiveState::Dropped)
            && kinds.clone().any(
                |f| f.action.closed_at.is_none() && f.action.kind == CorrectiveKind::Preventive
            ),
        "the history changes actions in every way"
    );
}

#[test]
fn the_report_and_follow_ups_from_sqlite_agree_with_the_old_fold() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("log.db")).unwrap();
    agrees_with_the_old_fold(&mut store);
}

#[test]
fn the_report_and_follow_ups_from_postgres_agree_with_the_old_fold() {
    let mut store = PostgresStore::connect(&support::postgres::database()).unwrap();
    agrees_with_the_old_fold(&mut store);
}
