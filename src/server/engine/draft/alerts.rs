//! The Alertmanager receiver's part of the writer: which incident a notification goes to, and
//! what it records there.
//!
//! A group's alerts go to the newest incident of the group (`Incident::alert_group`) while it
//! is neither closed nor cancelled; a group whose incident was merged into another goes on
//! at the survivor. A firing notification for a group without such an incident joins the
//! newest open incident that matches it (`[alert_routing]`: same service by default; an
//! `alert_joined` event, then its alerts), else opens a triggered one, so a recurrence after
//! the close is a new incident. An
//! alert firing again after the incident was resolved reopens it (the domain's rule). Repeats
//! change nothing: an alert already attached and firing, or already resolved, is skipped, not
//! refused, which makes Alertmanager's retries and repeat notifications harmless. Beyond
//! [`WriterBounds::alerts_per_incident`](crate::server::engine::WriterBounds) the group's new alerts are counted, not
//! attached, so a storm of hundreds cannot bury the timeline.

use super::{Draft, rejected, to_json};
use crate::domain::{
    AlertRouting, Command, EventKind, Incident, IncidentId, Labels, Status, Timestamp, decide,
    declare_page,
};
use crate::server::alertmanager::Notification;
use crate::server::error::ApiError;
use crate::store::StoredResponse;
use axum::http::StatusCode;
use serde::Serialize;

/// The longest chain of merges a group's notification follows to the incident that carries on.
const MAX_MERGE_HOPS: usize = 64;

/// The domain's refusals that mean there is nothing to do: the alert is attached and firing
/// already, resolved already, or (for an ending) was never attached here.
const NOTHING_TO_DO: [&str; 2] = ["unchanged", "unknown_alert"];

/// The answer to a notification.
#[derive(Serialize)]
struct Received {
    /// Where the notification went; `null` when it was recorded nowhere.
    incident: Option<IncidentId>,
    /// Whether this notification opened the incident.
    opened: bool,
    /// Whether this notification joined an open incident of another group (same service).
    joined: bool,
    /// Alerts attached by this notification (new, or firing again).
    attached: usize,
    /// Alerts this notification recorded as resolved.
    resolved: usize,
    /// Firing alerts of the group beyond the per-incident limit: counted, not attached.
    more: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'static str>,
}

/// How far a draft had got, to go back to when a notification is refused halfway.
pub(super) struct Mark {
    events: usize,
    deliveries: usize,
    next_seq: u64,
    next_number: u64,
}

impl Draft<'_> {
    /// Records a notification: all of it, or (if the domain refuses a part) none of it.
    pub(super) fn notify(
        &mut self,
        notification: Notification,
        actor: &str,
        now: Timestamp,
    ) -> Result<StoredResponse, ApiError> {
        let Notification {
            group,
            firing,
            resolved,
            incident: new,
            labels,
        } = notification;
        let takes_alerts =
            |incident: &Incident| !matches!(incident.status, Status::Closed | Status::Cancelled);
        let mark = self.mark();
        let routing = &self.rules.alert_routing;
        let join_key = new
            .as_ref()
            .and_then(|new| routing.join_key(&labels, &new.severity, self.scale));
        let group_incident = self.group_incident(&group)?;
        let (mut incident, opened, joined) = match (group_incident, new) {
            (Some(incident), _) if takes_alerts(&incident) => (incident, false, false),
            (_, Some(new)) => match join_key.and_then(|key| self.joinable(key, &[])) {
                Some((mut incident, matched)) => {
                    let joined = EventKind::AlertJoined {
                        group: group.clone(),
                        title: new.title,
                        severity: new.severity,
                        matched,
                    };
                    self.record(&mut incident, actor, now, joined);
                    (incident, false, true)
                }
                None => match self.open(new, declare_page, actor, now) {
                    Ok(incident) => (incident, true, false),
                    Err(rejection) => return Ok(rejected(rejection)),
                },
            },
            // Only endings, for a cancelled incident: they still belong on its timeline.
            (Some(incident), None) if incident.status == Status::Cancelled => {
                (incident, false, false)
            }
            (incident, None) => {
                // Endings of a group that joined another incident: found by its labels and
                // the alerts it attached there.
                let ending: Vec<&str> = resolved.iter().map(|e| e.fingerprint.as_str()).collect();
                let key = routing.labels_key(&labels);
                match key.and_then(|key| self.joinable(key, &ending)) {
                    Some((joined, _)) if incident.is_none() => (joined, false, true),
                    _ => {
                        let note = match incident {
                            Some(_) => {
                                "the group's incident is closed and its record final: nothing was recorded"
                            }
                            None => "no incident belongs to this group: nothing was recorded",
                        };
                        return answer(&Received {
                            incident: None,
                            opened: false,
                            joined: false,
                            attached: 0,
                            resolved: 0,
                            more: 0,
                            note: Some(note),
                        });
                    }
                }
            }
        };
        let limit = self.limits.alerts_per_incident;
        let mut more: u32 = 0;
        let mut room = limit.saturating_sub(incident.alerts.len());
        let mut attaching = Vec::new();
        for alert in firing {
            // Known alerts (firing again, or repeats) are always looked at; new ones while
            // there is room.
            if incident.alert(&alert.fingerprint).is_none() {
                if room == 0 {
                    more = more.saturating_add(1);
                    continue;
                }
                room -= 1;
            }
            attaching.push(Command::AttachAlert {
                alert,
                group: Some(group.clone()),
            });
        }
        let ending = resolved.into_iter().map(|ended| Command::ResolveAlert {
            fingerprint: ended.fingerprint,
            ended_at: ended.ended_at,
        });
        let (mut attached, mut ended) = (0, 0);
        for command in attaching.into_iter().chain(ending) {
            let counter = match command {
                Command::AttachAlert { .. } => &mut attached,
                _ => &mut ended,
            };
            match decide(&incident, command, now, self.scale) {
                Ok(kinds) => {
                    *counter += 1;
                    for kind in kinds {
                        self.record(&mut incident, actor, now, kind);
                    }
                }
                Err(rejection) if NOTHING_TO_DO.contains(&rejection.code.as_str()) => {}
                Err(rejection) => {
                    self.rollback(mark);
                    return Ok(rejected(rejection));
                }
            }
        }
        if more != incident.more_alerts {
            self.record(&mut incident, actor, now, EventKind::AlertsCounted { more });
        }
        if opened {
            // Only now are its alerts attached, which the recurrence check compares.
            if let Err(err) = self.link_recurrence(&mut incident, now) {
                self.rollback(mark);
                return Err(err);
            }
        }
        let received = Received {
            incident: Some(incident.id.clone()),
            opened,
            joined,
            attached,
            resolved: ended,
            more,
            note: None,
        };
        self.touched.insert(incident.id.number(), incident);
        answer(&received)
    }

    /// The newest incident of the group as the batch leaves it: one the batch opened or
    /// changed, else the log's; for a merged one, the incident it was merged into.
    fn group_incident(&mut self, group: &str) -> Result<Option<Incident>, ApiError> {
        let logged = self.log.group_newest(group);
        let drafted = self
            .touched
            .values()
            .filter(|incident| incident.alert_group.as_deref() == Some(group))
            .map(|incident| incident.id.number())
            .max();
        let Some(mut newest) = logged.max(drafted) else {
            return Ok(None);
        };
        // Merges form a chain at worst as long as the incidents, each a step to a newer
        // state of the response; the bound only guards against a log edited by hand.
        for _ in 0..MAX_MERGE_HOPS {
            let incident = match self.touched.get(&newest) {
                Some(incident) => Some(incident.clone()),
                None => self.load(newest)?,
            };
            match incident.as_ref().and_then(Incident::survivor) {
                Some(survivor) => newest = survivor.number(),
                None => return Ok(incident),
            }
        }
        Ok(None)
    }

    /// The newest open incident that matches a page's join key and, when `ending` names
    /// alerts, has one of them attached; with the labels it matched on.
    fn joinable(&self, key: Labels, ending: &[&str]) -> Option<(Incident, Labels)> {
        let drafted = self.touched.values();
        let logged = self
            .log
            .incidents(true)
            .into_iter()
            .filter(|incident| !self.touched.contains_key(&incident.id.number()));
        drafted
            .chain(logged)
            .filter(|incident| incident.status.is_open())
            .filter(|incident| AlertRouting::matches(&key, incident))
            .filter(|incident| {
                ending.is_empty() || ending.iter().any(|f| incident.alert(f).is_some())
            })
            .max_by_key(|incident| incident.id.number())
            .map(|incident| (incident.clone(), key))
    }

    pub(super) fn mark(&self) -> Mark {
        Mark {
            events: self.commit.events.len(),
            deliveries: self.commit.deliveries.len(),
            next_seq: self.next_seq,
            next_number: self.next_number,
        }
    }

    /// Forgets the events recorded since `mark`. Incidents are changed on copies that only
    /// reach `touched` on success, so there is nothing else to undo.
    pub(super) fn rollback(&mut self, mark: Mark) {
        self.commit.events.truncate(mark.events);
        self.commit.deliveries.truncate(mark.deliveries);
        self.next_seq = mark.next_seq;
        self.next_number = mark.next_number;
    }
}

fn answer(received: &Received) -> Result<StoredResponse, ApiError> {
    Ok(StoredResponse {
        status: StatusCode::OK.as_u16(),
        body: to_json(received)?,
        location: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AlertRef, NewIncident, Severity, SeverityScale};
    use crate::server::timeline::Timeline;
    use crate::store::SqliteStore;

    /// A fixed moment for the tests to decide at: they do not depend on the wall clock.
    fn moment() -> Timestamp {
        Timestamp::UNIX_EPOCH + chrono::Duration::days(20_000)
    }

    fn page(group: &str, fingerprints: &[&str], labels: usize) -> Notification {
        let alert = |fingerprint: &&str| AlertRef {
            fingerprint: fingerprint.to_string(),
            name: "HighErrorRatio".into(),
            summary: None,
            labels: (0..labels).map(|i| (format!("l{i}"), "v".into())).collect(),
            starts_at: Timestamp::UNIX_EPOCH,
        };
        Notification {
            group: group.into(),
            firing: fingerprints.iter().map(alert).collect(),
            resolved: vec![],
            labels: Labels::new(),
            incident: Some(NewIncident {
                title: "errors".into(),
                severity: Severity::new("P1"),
                service: None,
                summary: None,
                started_at: None,
                detected_at: Some(Timestamp::UNIX_EPOCH),
                alerts: vec![],
            }),
        }
    }

    /// Runs `test` on a draft over an empty log.
    fn with_draft(test: impl FnOnce(&mut Draft)) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("log.db")).unwrap();
        let (timeline, scale) = (Timeline::default(), SeverityScale::default());
        let limits = crate::server::engine::WriterBounds {
            alerts_per_incident: 3,
            ..Default::default()
        };
        test(&mut Draft::new(
            &timeline,
            &scale,
            &Default::default(),
            &limits,
            &Default::default(),
            &mut store,
        ));
    }

    #[test]
    fn a_batch_sees_the_incident_its_earlier_notification_opened() {
        with_draft(|draft| {
            let now = moment();
            let first = draft.notify(page("g", &["a"], 1), "am", now).unwrap();
            let second = draft.notify(page("g", &["a", "b"], 1), "am", now).unwrap();
            assert!(first.body.contains(r#""incident":"INC-1","opened":true"#));
            assert!(
                second
                    .body
                    .contains(r#""incident":"INC-1","opened":false,"joined":false,"attached":1"#)
            );
            assert_eq!(draft.commit.events.len(), 3, "declared, a, b");
        });
    }

    /// A page of group `group` for `service`, firing `fingerprints` (or, with none, the
    /// ending of `a`).
    fn service_page(group: &str, service: &str, fingerprints: &[&str]) -> Notification {
        let mut page = page(group, fingerprints, 0);
        page.labels = Labels::from([("service".to_string(), service.to_string())]);
        if let Some(new) = &mut page.incident {
            new.service = Some(service.into());
        }
        if fingerprints.is_empty() {
            page.incident = None;
            page.resolved = vec![crate::server::alertmanager::payload::EndedAlert {
                fingerprint: "a".into(),
                ended_at: Timestamp::UNIX_EPOCH,
            }];
        }
        page
    }

    #[test]
    fn a_page_joins_the_open_incident_of_its_service_and_its_endings_follow() {
        with_draft(|draft| {
            let now = moment();
            draft
                .notify(service_page("g1", "checkout", &["x"]), "am", now)
                .unwrap();
            let joined = draft
                .notify(service_page("g2", "checkout", &["a"]), "am", now)
                .unwrap();
            assert!(
                joined
                    .body
                    .contains(r#""incident":"INC-1","opened":false,"joined":true,"attached":1"#),
                "{}",
                joined.body
            );
            let kinds: Vec<&str> = draft.commit.events.iter().map(|e| e.kind.tag()).collect();
            assert_eq!(
                kinds,
                [
                    "declared",
                    "alert_attached",
                    "alert_joined",
                    "alert_attached"
                ]
            );
            // g2 has no incident of its own: its ending is found by its labels and alert.
            let ended = draft
                .notify(service_page("g2", "checkout", &[]), "am", now)
                .unwrap();
            assert!(ended.body.contains(r#""resolved":1"#), "{}", ended.body);
            let other = draft
                .notify(service_page("g3", "search", &["s"]), "am", now)
                .unwrap();
            assert!(
                other.body.contains(r#""incident":"INC-2","opened":true"#),
                "{}",
                other.body
            );
        });
    }

    #[test]
    fn alerts_beyond_the_limit_are_counted_and_the_count_follows_the_group() {
        with_draft(|draft| {
            let now = moment();
            let fingerprints: Vec<String> = (0..7).map(|i| format!("f{i}")).collect();
            let all: Vec<&str> = fingerprints.iter().map(String::as_str).collect();
            let first = draft.notify(page("g", &all, 1), "am", now).unwrap();
            assert!(
                first.body.contains(r#""attached":3,"resolved":0,"more":4"#),
                "{}",
                first.body
            );
            let incident = draft.touched.get(&1).unwrap();
            assert_eq!((incident.alerts.len(), incident.more_alerts), (3, 4));
            let counted = draft.commit.events.last().unwrap().kind.describe();
            assert_eq!(
                counted,
                "and 4 more alerts of the group firing, not attached one by one"
            );
            // A repeat records nothing new; a smaller storm updates the count.
            let events = draft.commit.events.len();
            draft.notify(page("g", &all, 1), "am", now).unwrap();
            assert_eq!(draft.commit.events.len(), events);
            draft.notify(page("g", &all[..5], 1), "am", now).unwrap();
            assert_eq!(draft.touched.get(&1).unwrap().more_alerts, 2);
        });
    }

    #[test]
    fn a_refused_alert_leaves_nothing_of_its_notification() {
        with_draft(|draft| {
            let now = moment();
            let mut doomed = page("g", &["a", "b"], 1);
            doomed.firing[1].labels = (0..65).map(|i| (format!("l{i}"), "v".into())).collect();
            let refused = draft.notify(doomed, "am", now).unwrap();
            assert_eq!(refused.status, 422, "{}", refused.body);
            assert!(refused.body.contains("invalid_input"), "{}", refused.body);
            assert!(draft.commit.events.is_empty());
            assert!(draft.touched.is_empty());
            // The next notification gets the number and the seqs the refused one gave back.
            draft.notify(page("g", &["a"], 1), "am", now).unwrap();
            let seqs: Vec<_> = draft
                .commit
                .events
                .iter()
                .map(|e| (e.seq, e.incident.number()))
                .collect();
            assert_eq!(seqs, [(1, 1), (2, 1)]);
        });
    }
}
