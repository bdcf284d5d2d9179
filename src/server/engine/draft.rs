//! A batch being decided: each request against the folded state as the batch leaves it, so
//! later requests see the effects of earlier ones. Nothing here is visible to readers until
//! the writer's commit succeeds.

mod alerts;

use super::{BACKEND_ACTOR, Change, DecisionRules, Reply, Request, WriterBounds};
use crate::domain::{
    Acting, Command, EscalationRules, Event, EventKind, Incident, IncidentFigures, IncidentId,
    NewIncident, RECURRENCE_LOOKBACK_DAYS, Recurring, Rejection, SeverityScale, Timestamp,
    check_publisher, decide_as, declare, earlier_incidents, escalations_due, follows, lapses_due,
    merge,
};
use crate::server::error::{ApiError, store_failure};
use crate::server::notify::Routes;
use crate::server::timeline::Timeline;
use crate::store::{Commit, IdempotencyKey, Remembered, Store, StoredResponse};
use axum::http::StatusCode;
use std::collections::HashMap;

/// The domain's two ways to declare: a person's, or a page's.
type Declaration = fn(NewIncident, Timestamp, &SeverityScale) -> Result<Vec<EventKind>, Rejection>;

/// A batch being decided: the incidents it touched, as the batch leaves them, and what it will
/// write. Nothing here is visible to readers until the commit succeeds.
pub(super) struct Draft<'a> {
    log: &'a Timeline,
    scale: &'a SeverityScale,
    routes: &'a Routes,
    limits: &'a WriterBounds,
    rules: &'a DecisionRules,
    store: &'a mut dyn Store,
    pub(super) touched: HashMap<u64, Incident>,
    next_seq: u64,
    next_number: u64,
    /// Responses stored by this batch, so a key repeated within it is answered from here.
    remembered: HashMap<IdempotencyKey, Remembered>,
    pub(super) commit: Commit,
    /// How the request being applied came: marked on the events it records.
    via: Option<&'static str>,
    /// The acting person's time of the command being decided, stamped on its events.
    intended_at: Option<Timestamp>,
}

impl<'a> Draft<'a> {
    pub(super) fn new(
        log: &'a Timeline,
        scale: &'a SeverityScale,
        routes: &'a Routes,
        limits: &'a WriterBounds,
        rules: &'a DecisionRules,
        store: &'a mut dyn Store,
    ) -> Self {
        Draft {
            log,
            scale,
            routes,
            limits,
            rules,
            store,
            touched: HashMap::new(),
            next_seq: log.head() + 1,
            next_number: log.next_number(),
            remembered: HashMap::new(),
            commit: Commit::default(),
            via: None,
            intended_at: None,
        }
    }

    pub(super) fn apply(&mut self, request: Request, now: Timestamp) -> Result<Reply, ApiError> {
        self.via = request.via;
        let keyed = request.idempotency.map(|keyed| {
            let key = IdempotencyKey {
                actor: request.actor.clone(),
                key: keyed.key,
            };
            (key, keyed.request)
        });
        // The stored answer comes first: a retry of a command that went through must not now
        // fail its If-Match against the version that command itself created.
        if let Some((key, fingerprint)) = &keyed
            && let Some(remembered) = self.recall(key, now)?
        {
            if remembered.request != *fingerprint {
                return Err(ApiError::Rejected(Rejection {
                    code: "idempotency_key_reused".into(),
                    message: format!(
                        "the Idempotency-Key '{}' was used for another request; use a new key for a new request",
                        key.key
                    ),
                }));
            }
            return Ok(Reply {
                response: remembered.response,
                replayed: true,
            });
        }
        let response = match request.change {
            Change::Declare(new) => self.declare(new, &request.actor, now)?,
            Change::Command {
                incident,
                command,
                expected_version,
                intended_at,
            } => {
                self.intended_at = intended_at;
                let decided =
                    self.command(&incident, command, expected_version, &request.actor, now);
                self.intended_at = None;
                decided?
            }
            Change::Alertmanager(notification) => self.notify(notification, &request.actor, now)?,
            Change::Escalate { now: clock, rules } => {
                self.escalate(clock, &rules, &request.actor, now)?
            }
        };
        if let Some((key, fingerprint)) = keyed {
            let remembered = Remembered {
                request: fingerprint,
                stored_at: now,
                response: response.clone(),
            };
            self.remembered.insert(key.clone(), remembered.clone());
            self.commit.responses.push((key, remembered));
        }
        Ok(Reply {
            response,
            replayed: false,
        })
    }

    /// The unexpired answer stored under a key: this batch's, else the store's.
    fn recall(
        &mut self,
        key: &IdempotencyKey,
        now: Timestamp,
    ) -> Result<Option<Remembered>, ApiError> {
        if let Some(remembered) = self.remembered.get(key) {
            return Ok(Some(remembered.clone()));
        }
        let stored = self.store.recall(key).map_err(|err| {
            store_failure(
                &err,
                "the change could not be checked against earlier retries",
            )
        })?;
        Ok(stored.filter(|r| now - r.stored_at < self.limits.idempotency_ttl))
    }

    /// `Ok` is an answer, remembered under the idempotency key: the new incident, or the
    /// domain's refusal as a 422. `Err` is a problem with the request itself (not remembered).
    fn declare(
        &mut self,
        new: NewIncident,
        actor: &str,
        now: Timestamp,
    ) -> Result<StoredResponse, ApiError> {
        let mark = self.mark();
        let mut incident = match self.open(new, declare, actor, now) {
            Ok(incident) => incident,
            Err(rejection) => return Ok(rejected(rejection)),
        };
        if let Err(err) = self.link_recurrence(&mut incident, now) {
            self.rollback(mark);
            return Err(err);
        }
        let body = to_json(&incident)?;
        let location = format!("/v1/incidents/{}", incident.id);
        self.touched.insert(incident.id.number(), incident);
        Ok(StoredResponse {
            status: StatusCode::CREATED.as_u16(),
            body,
            location: Some(location),
        })
    }

    /// Declares an incident under the next number and records its events; `how` is
    /// [`declare`] for a person, `declare_page` for the receiver. The caller keeps the
    /// incident in `touched` once it is done with it.
    fn open(
        &mut self,
        new: NewIncident,
        how: Declaration,
        actor: &str,
        now: Timestamp,
    ) -> Result<Incident, Rejection> {
        let kinds = how(new, now, self.scale)?;
        let mut incident = Incident::blank(IncidentId::from_number(self.next_number));
        self.next_number += 1;
        for kind in kinds {
            self.record(&mut incident, actor, now, kind);
        }
        Ok(incident)
    }

    /// Records which earlier incidents a newly declared one repeats (same service or alert
    /// within the lookback), so every client can say "this happened before". The backend
    /// found them, so the backend is the actor.
    /// Incidents memory no longer holds are read from the store, those declared within the
    /// lookback only.
    fn link_recurrence(&mut self, incident: &mut Incident, now: Timestamp) -> Result<(), ApiError> {
        // Only the figures of the stored incidents it follows are kept: small rows, read one
        // at a time, never every incident of the lookback.
        let mut stored: Vec<IncidentFigures> = Vec::new();
        if self.log.partial() {
            let since = incident.declared_at - chrono::Duration::days(RECURRENCE_LOOKBACK_DAYS);
            let later: &Incident = incident;
            self.store
                .figures_declared(since, later.declared_at, &mut |earlier| {
                    if follows(&earlier, later, RECURRENCE_LOOKBACK_DAYS).is_some() {
                        stored.push(earlier);
                    }
                    Ok(())
                })
                .map_err(|err| store_failure(&err, "earlier incidents could not be read"))?;
        }
        let (touched, log) = (&self.touched, self.log);
        let logged = log
            .incidents(false)
            .into_iter()
            .map(|earlier| earlier as &dyn Recurring)
            .chain(
                stored
                    .iter()
                    .filter(|earlier| log.incident(&earlier.id).is_none())
                    .map(|earlier| earlier as &dyn Recurring),
            )
            .filter(|earlier| !touched.contains_key(&earlier.id().number()));
        let earlier = earlier_incidents(
            incident,
            logged.chain(touched.values().map(|earlier| earlier as &dyn Recurring)),
        );
        if !earlier.is_empty() {
            self.record(
                incident,
                BACKEND_ACTOR,
                now,
                EventKind::RecurrenceLinked { earlier },
            );
        }
        Ok(())
    }

    /// An incident as the log leaves it: from memory, else from the store's snapshot row
    /// (one ended before `--keep-ended`). Not the batch's own changes: see `touched`.
    fn load(&mut self, number: u64) -> Result<Option<Incident>, ApiError> {
        if let Some(incident) = self.log.incident(&IncidentId::from_number(number)) {
            return Ok(Some(incident.clone()));
        }
        if !self.log.partial() {
            return Ok(None);
        }
        self.store
            .incident(number)
            .map_err(|err| store_failure(&err, "the incident could not be read"))
    }

    fn command(
        &mut self,
        id: &IncidentId,
        command: Command,
        expected_version: Option<u64>,
        actor: &str,
        now: Timestamp,
    ) -> Result<StoredResponse, ApiError> {
        if let Command::MergeInto { into } = command {
            return self.merge(id, &into, expected_version, actor, now);
        }
        let mut incident = self.current(id)?;
        let result = self.decide_on(&mut incident, command, expected_version, actor, now);
        self.touched.insert(id.number(), incident);
        result
    }

    /// An incident as the batch leaves it, for a change: the caller puts it back in `touched`.
    fn current(&mut self, id: &IncidentId) -> Result<Incident, ApiError> {
        match self.touched.remove(&id.number()) {
            Some(incident) => Ok(incident),
            None => self
                .load(id.number())?
                .ok_or_else(|| ApiError::NotFound(format!("no incident {id}"))),
        }
    }

    /// `merge_into`: decided on both incidents at once, the duplicate's events first.
    /// `If-Match` is the duplicate's version, the incident the command was posted to.
    fn merge(
        &mut self,
        id: &IncidentId,
        into: &IncidentId,
        expected_version: Option<u64>,
        actor: &str,
        now: Timestamp,
    ) -> Result<StoredResponse, ApiError> {
        let duplicate = self.current(id)?;
        let checked = match expected_version {
            Some(expected) if expected != duplicate.version => {
                Err(ApiError::VersionConflict(format!(
                    "{} is at version {}, not {expected}: reload it and try again",
                    duplicate.id, duplicate.version
                )))
            }
            _ if into == id => Ok(None),
            _ => self.current(into).map(Some),
        };
        let survivor = match checked {
            Ok(survivor) => survivor,
            Err(err) => {
                self.touched.insert(id.number(), duplicate);
                return Err(err);
            }
        };
        self.merge_pair(duplicate, survivor, actor, now)
    }

    /// Records a merge of `duplicate` into `survivor` (`None`: into itself, which the domain
    /// refuses) and puts both back in `touched`.
    fn merge_pair(
        &mut self,
        mut duplicate: Incident,
        survivor: Option<Incident>,
        actor: &str,
        now: Timestamp,
    ) -> Result<StoredResponse, ApiError> {
        let log = match self.whole_log(&duplicate.id) {
            Ok(log) => log,
            Err(err) => {
                if let Some(survivor) = survivor {
                    self.touched.insert(survivor.id.number(), survivor);
                }
                self.touched.insert(duplicate.id.number(), duplicate);
                return Err(err);
            }
        };
        let mut survivor = survivor.unwrap_or_else(|| duplicate.clone());
        let decided = merge(&duplicate, &log, &survivor);
        let response = match decided {
            Err(rejection) => Ok(rejected(rejection)),
            Ok(merged) => {
                let first = self.commit.events.len();
                for kind in merged.duplicate {
                    self.record(&mut duplicate, actor, now, kind);
                }
                for kind in merged.survivor {
                    self.record(&mut survivor, actor, now, kind);
                }
                to_json(&CommandResponse {
                    version: duplicate.version,
                    events: &self.commit.events[first..],
                })
                .map(|body| StoredResponse {
                    status: StatusCode::OK.as_u16(),
                    body,
                    location: None,
                })
            }
        };
        if survivor.id != duplicate.id {
            self.touched.insert(survivor.id.number(), survivor);
        }
        self.touched.insert(duplicate.id.number(), duplicate);
        response
    }

    /// Every event of one incident, this batch's included: from memory while it holds the
    /// whole log, else from the store, page by page.
    fn whole_log(&mut self, id: &IncidentId) -> Result<Vec<Event>, ApiError> {
        const PAGE: usize = 10_000;
        let mut events: Vec<Event> = match self.log.incident_log(id) {
            Some((_, held)) if self.log.complete() => held.into_iter().cloned().collect(),
            _ => {
                let mut events = Vec::new();
                loop {
                    let after = events.last().map_or(0, |e: &Event| e.seq);
                    let page =
                        self.store
                            .incident_events_after(id, after, PAGE)
                            .map_err(|err| {
                                store_failure(&err, "the incident's log could not be read")
                            })?;
                    if page.is_empty() {
                        break events;
                    }
                    events.extend(page);
                }
            }
        };
        events.extend(
            self.commit
                .events
                .iter()
                .filter(|event| event.incident == *id)
                .cloned(),
        );
        Ok(events)
    }

    fn decide_on(
        &mut self,
        incident: &mut Incident,
        command: Command,
        expected_version: Option<u64>,
        actor: &str,
        now: Timestamp,
    ) -> Result<StoredResponse, ApiError> {
        if let Some(expected) = expected_version
            && expected != incident.version
        {
            return Err(ApiError::VersionConflict(format!(
                "{} is at version {}, not {expected}: reload it and try again",
                incident.id, incident.version
            )));
        }
        // Who may speak to the public depends on the incident's roster, which the domain's
        // `decide` does not see the actor against; the rule itself lives in the domain.
        if matches!(command, Command::PublicUpdate(_))
            && let Err(rejection) = check_publisher(incident, actor)
        {
            return Err(ApiError::Forbidden(rejection.message));
        }
        let acting = Acting {
            person: actor,
            ack_takes_command: self.rules.ack_takes_command,
        };
        let kinds = match decide_as(incident, command, acting, now, self.scale) {
            Ok(kinds) => kinds,
            Err(rejection) => return Ok(rejected(rejection)),
        };
        let first = self.commit.events.len();
        for kind in kinds {
            self.record(incident, actor, now, kind);
        }
        let body = to_json(&CommandResponse {
            version: incident.version,
            events: &self.commit.events[first..],
        })?;
        Ok(StoredResponse {
            status: StatusCode::OK.as_u16(),
            body,
            location: None,
        })
    }

    /// Records the lapses and escalation steps due at `clock` on every open incident.
    fn escalate(
        &mut self,
        clock: Timestamp,
        rules: &EscalationRules,
        actor: &str,
        now: Timestamp,
    ) -> Result<StoredResponse, ApiError> {
        let open: Vec<IncidentId> = self
            .log
            .incidents(true)
            .into_iter()
            .map(|incident| incident.id.clone())
            .collect();
        let mut recorded = 0;
        for id in open {
            let number = id.number();
            let Some(mut incident) = self
                .touched
                .remove(&number)
                .or_else(|| self.log.incident(&id).cloned())
            else {
                continue;
            };
            let due = lapses_due(&incident, clock, rules, self.scale)
                .into_iter()
                .chain(escalations_due(&incident, clock, &rules.policies));
            for kind in due {
                self.record(&mut incident, actor, now, kind);
                recorded += 1;
            }
            self.touched.insert(number, incident);
        }
        Ok(StoredResponse {
            status: StatusCode::OK.as_u16(),
            body: format!("{{\"recorded\":{recorded}}}"),
            location: None,
        })
    }

    /// Gives an event the next `seq`, folds it into the draft incident and queues it with its
    /// notifications.
    fn record(&mut self, incident: &mut Incident, actor: &str, now: Timestamp, kind: EventKind) {
        let event = Event {
            seq: self.next_seq,
            incident: incident.id.clone(),
            at: now,
            actor: actor.to_string(),
            via: self.via.map(str::to_string),
            kind,
            intended_at: self.intended_at,
        };
        self.next_seq += 1;
        incident.apply(&event);
        let deliveries = self.routes.deliveries(&event, incident, self.scale);
        self.commit.deliveries.extend(deliveries);
        self.commit.events.push(event);
    }
}

/// The body of a command's `200`: the incident's version after it, and its events.
#[derive(serde::Serialize)]
struct CommandResponse<'a> {
    version: u64,
    events: &'a [Event],
}

/// The domain's refusal as the answer to remember: a 422 with the rejection's own code.
fn rejected(rejection: Rejection) -> StoredResponse {
    let error = ApiError::Rejected(rejection);
    StoredResponse {
        status: error.status().as_u16(),
        body: error.body(),
        location: None,
    }
}

fn to_json(value: &impl serde::Serialize) -> Result<String, ApiError> {
    serde_json::to_string(value)
        .map_err(|err| ApiError::internal("the answer could not be encoded", err))
}

#[cfg(test)]
mod tests;
