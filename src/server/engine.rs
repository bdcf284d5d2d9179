//! The single writer. One thread owns the store and applies every change, in group commits:
//! it drains all queued requests, decides each against the folded state (later requests in a
//! batch see the effects of earlier ones), writes the batch in one transaction (one fsync),
//! and only after the commit publishes the new state, answers the requests and wakes the
//! long-pollers. If the commit fails, memory is left as it was and the whole batch gets a 500
//! (a 503 when the database cannot be reached).
//!
//! With several replicas on one database, each batch first takes the store's turn
//! ([`Store::begin`]) and folds in what the other replicas committed since, so decisions and
//! numbering are made on the current log. Between batches, [`Engine::catch_up`] (called on
//! each commit notification) brings the timeline up to date so readers here see the other
//! replicas' events too.

mod alerts;

use super::error::{ApiError, store_failure};
use super::metrics::Histogram;
use super::timeline::Timeline;
use crate::domain::{
    Command, Event, EventKind, Incident, IncidentId, NewIncident, Rejection, SeverityScale,
    Timestamp, decide, declare, earlier_incidents,
};
use crate::server::alertmanager::Notification;
use crate::store::{Commit, IdempotencyKey, Store, StoredResponse};
use axum::http::StatusCode;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use tokio::sync::{mpsc, oneshot, watch};

/// Requests queued beyond this wait for a free slot: a bound on memory, not on throughput.
const QUEUE: usize = 4096;
/// The most requests in one transaction, so that one batch cannot hold the others up for long.
const MAX_BATCH: usize = 1024;
/// The actor of what the backend records by itself, such as a recurrence link.
const RECURRENCE_ACTOR: &str = "warroom";

/// What a caller asks the writer to do.
#[derive(Debug)]
pub enum Change {
    Declare(NewIncident),
    Command {
        incident: IncidentId,
        command: Command,
        /// `If-Match`: the version the caller saw.
        expected_version: Option<u64>,
    },
    /// An Alertmanager notification: decided here, with the rest of the batch, so that two
    /// notifications of a new group arriving together still open one incident.
    Alertmanager(Notification),
}

impl Change {
    /// The method and path an idempotency key is scoped to.
    fn target(&self) -> String {
        match self {
            Change::Declare(_) => "POST /v1/incidents".into(),
            Change::Command { incident, .. } => format!("POST /v1/incidents/{incident}/commands"),
            Change::Alertmanager(_) => "POST /v1/alertmanager".into(),
        }
    }
}

#[derive(Debug)]
pub struct Request {
    pub actor: String,
    pub change: Change,
    pub idempotency_key: Option<String>,
}

/// The answer to a change: the response to send, and whether it is a replay of a stored one.
#[derive(Debug)]
pub struct Reply {
    pub response: StoredResponse,
    pub replayed: bool,
}

/// What the writer works on: a change to decide, or news that another replica committed up
/// to a seq.
#[expect(
    clippy::large_enum_variant,
    reason = "the queue held whole requests before catch-ups joined it; boxing would add an allocation per command"
)]
enum Job {
    Change(Request, oneshot::Sender<Result<Reply, ApiError>>),
    CatchUp(u64),
}

/// How many events one catch-up read takes at a time.
const CATCH_UP_PAGE: usize = 10_000;

/// Counters of the group commit, for the log and the benchmarks.
#[derive(Debug, Default)]
pub struct Stats {
    commits: AtomicU64,
    requests: AtomicU64,
    largest_batch: AtomicU64,
    /// From taking the store's turn to the durable end of the commit.
    pub commit_seconds: Histogram,
}

/// A copy of [`Stats`] at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Transactions committed.
    pub commits: u64,
    /// Requests answered by those transactions.
    pub requests: u64,
    /// The most requests one transaction carried.
    pub largest_batch: u64,
}

impl Stats {
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            commits: self.commits.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            largest_batch: self.largest_batch.load(Ordering::Relaxed),
        }
    }

    fn record(&self, batch: usize, took: std::time::Duration) {
        self.commit_seconds.record(took);
        let batch = batch as u64;
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.requests.fetch_add(batch, Ordering::Relaxed);
        self.largest_batch.fetch_max(batch, Ordering::Relaxed);
    }
}

/// The handlers' side of the writer.
#[derive(Clone)]
pub struct Engine {
    queue: mpsc::Sender<Job>,
}

/// A handle that asks the writer to read what other replicas committed, without keeping the
/// writer alive: once the handlers' [`Engine`]s are gone the writer stops anyway.
#[derive(Clone)]
pub struct CatchUp(mpsc::WeakSender<Job>);

impl CatchUp {
    /// Asks the writer to read the log up to `head` (`u64::MAX`: whatever is there). Returns
    /// false once the writer has stopped. A full queue drops the request: the batch ahead of
    /// it reads the same events when it takes its turn.
    pub fn request(&self, head: u64) -> bool {
        match self.0.upgrade() {
            Some(queue) => !matches!(
                queue.try_send(Job::CatchUp(head)),
                Err(mpsc::error::TrySendError::Closed(_))
            ),
            None => false,
        }
    }
}

impl Engine {
    /// Starts the writer thread. It stops once every `Engine` clone is dropped and the queue
    /// is drained; the returned handle joins it.
    pub fn start(
        store: Box<dyn Store>,
        log: Arc<RwLock<Timeline>>,
        head: watch::Sender<u64>,
        scale: SeverityScale,
        stats: Arc<Stats>,
    ) -> std::io::Result<(Engine, std::thread::JoinHandle<()>)> {
        let (queue, jobs) = mpsc::channel(QUEUE);
        let writer = Writer {
            store,
            log,
            head,
            scale,
            stats,
        };
        let thread = std::thread::Builder::new()
            .name("warroom-writer".into())
            .spawn(move || writer.run(jobs))?;
        Ok((Engine { queue }, thread))
    }

    /// Changes queued for the writer and not yet taken into a batch.
    pub fn queue_depth(&self) -> u64 {
        (self.queue.max_capacity() - self.queue.capacity()) as u64
    }

    /// The handle a commit listener uses to bring this replica up to date.
    pub fn catch_up(&self) -> CatchUp {
        CatchUp(self.queue.downgrade())
    }

    /// Queues a change and waits until it is durable (or refused).
    pub async fn submit(&self, request: Request) -> Result<Reply, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job::Change(request, reply))
            .await
            .map_err(|_| ApiError::Internal("the writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| ApiError::Internal("the writer stopped before answering".into()))?
    }
}

struct Writer {
    store: Box<dyn Store>,
    log: Arc<RwLock<Timeline>>,
    head: watch::Sender<u64>,
    scale: SeverityScale,
    stats: Arc<Stats>,
}

impl Writer {
    fn run(mut self, mut jobs: mpsc::Receiver<Job>) {
        // While one batch is being fsynced, the next one queues up: that is the grouping.
        while let Some(first) = jobs.blocking_recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            self.process(batch);
        }
        let stats = self.stats.snapshot();
        tracing::info!(
            commits = stats.commits,
            requests = stats.requests,
            largest_batch = stats.largest_batch,
            "writer stopped"
        );
    }

    fn process(&mut self, jobs: Vec<Job>) {
        let mut batch = Vec::with_capacity(jobs.len());
        let mut news = 0;
        for job in jobs {
            match job {
                Job::Change(request, reply) => batch.push((request, reply)),
                Job::CatchUp(head) => news = news.max(head),
            }
        }
        if batch.is_empty() {
            if news > self.head() {
                self.catch_up();
            }
            return;
        }
        let size = batch.len();
        let started = std::time::Instant::now();
        // Take the store's turn and fold in what other replicas committed meanwhile.
        match self.store.begin(self.head()) {
            Ok(theirs) => self.publish(theirs),
            Err(err) => {
                let error =
                    store_failure(&err, "the change could not be saved, nothing was applied");
                tracing::error!(%err, batch = size, "cannot start a commit");
                for (_, reply) in batch {
                    let _ = reply.send(Err(error.clone()));
                }
                return;
            }
        }
        let (commit, answers) = {
            // Only this thread changes the log, so what it reads here stays current until the
            // batch is published below. Readers never panic while holding the lock, so a
            // poisoned lock can only come from here, where no step can panic: carry on.
            let log = self.log.read().unwrap_or_else(PoisonError::into_inner);
            let mut draft = Draft::new(&log, &self.scale, &mut *self.store);
            let answers: Vec<_> = batch
                .into_iter()
                .map(|(request, reply)| (draft.apply(request), reply))
                .collect();
            (draft.commit, answers)
        };
        // An empty commit still ends the batch, giving the turn to the other replicas.
        if let Err(err) = self.store.commit(&commit) {
            tracing::error!(%err, batch = size, "commit failed; nothing was applied");
            let error = store_failure(&err, "the change could not be saved, nothing was applied");
            for (_, reply) in answers {
                let _ = reply.send(Err(error.clone()));
            }
            return;
        }
        if !commit.is_empty() {
            self.stats.record(size, started.elapsed());
            self.publish(commit.events);
        }
        for (answer, reply) in answers {
            // A caller that hung up still had its change applied; there is nobody to tell.
            let _ = reply.send(answer);
        }
    }

    fn head(&self) -> u64 {
        self.log
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .head()
    }

    /// Reads, page by page, what other replicas committed after our head.
    fn catch_up(&mut self) {
        loop {
            match self.store.events_after(self.head(), CATCH_UP_PAGE) {
                Ok(events) if events.is_empty() => return,
                Ok(events) => self.publish(events),
                Err(err) => {
                    // The next commit notification or batch tries again.
                    tracing::warn!(%err, "cannot read the other replicas' events");
                    return;
                }
            }
        }
    }

    /// Makes committed events visible to readers and wakes the long-pollers.
    fn publish(&mut self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        let head = {
            let mut log = self.log.write().unwrap_or_else(PoisonError::into_inner);
            for event in events {
                log.append(event);
            }
            log.head()
        };
        self.head.send_replace(head);
    }
}

/// A batch being decided: the incidents it touched, as the batch leaves them, and what it will
/// write. Nothing here is visible to readers until the commit succeeds.
struct Draft<'a> {
    log: &'a Timeline,
    scale: &'a SeverityScale,
    store: &'a mut dyn Store,
    touched: HashMap<u64, Incident>,
    next_seq: u64,
    next_number: u64,
    /// Responses stored by this batch, so a key repeated within it is answered from here.
    remembered: HashMap<IdempotencyKey, StoredResponse>,
    commit: Commit,
}

impl<'a> Draft<'a> {
    fn new(log: &'a Timeline, scale: &'a SeverityScale, store: &'a mut dyn Store) -> Self {
        Draft {
            log,
            scale,
            store,
            touched: HashMap::new(),
            next_seq: log.head() + 1,
            next_number: log.next_number(),
            remembered: HashMap::new(),
            commit: Commit::default(),
        }
    }

    fn apply(&mut self, request: Request) -> Result<Reply, ApiError> {
        let key = request.idempotency_key.map(|key| IdempotencyKey {
            actor: request.actor.clone(),
            target: request.change.target(),
            key,
        });
        // The stored answer comes first: a retry of a command that went through must not now
        // fail its If-Match against the version that command itself created.
        if let Some(key) = &key
            && let Some(response) = self.recall(key)?
        {
            return Ok(Reply {
                response,
                replayed: true,
            });
        }
        let now = chrono::Utc::now();
        let response = match request.change {
            Change::Declare(new) => self.declare(new, &request.actor, now)?,
            Change::Command {
                incident,
                command,
                expected_version,
            } => self.command(&incident, command, expected_version, &request.actor, now)?,
            Change::Alertmanager(notification) => self.notify(notification, &request.actor, now)?,
        };
        if let Some(key) = key {
            self.remembered.insert(key.clone(), response.clone());
            self.commit.responses.push((key, response.clone()));
        }
        Ok(Reply {
            response,
            replayed: false,
        })
    }

    fn recall(&mut self, key: &IdempotencyKey) -> Result<Option<StoredResponse>, ApiError> {
        if let Some(response) = self.remembered.get(key) {
            return Ok(Some(response.clone()));
        }
        self.store
            .recall(key)
            .map_err(|err| store_failure(&err, "cannot read idempotency keys"))
    }

    /// `Ok` is an answer, remembered under the idempotency key: the new incident, or the
    /// domain's refusal as a 422. `Err` is a problem with the request itself (not remembered).
    fn declare(
        &mut self,
        new: NewIncident,
        actor: &str,
        now: Timestamp,
    ) -> Result<StoredResponse, ApiError> {
        let mut incident = match self.open(new, actor, now) {
            Ok(incident) => incident,
            Err(rejection) => return Ok(rejected(rejection)),
        };
        self.link_recurrence(&mut incident, now);
        let body = to_json(&incident)?;
        let location = format!("/v1/incidents/{}", incident.id);
        self.touched.insert(incident.id.number(), incident);
        Ok(StoredResponse {
            status: StatusCode::CREATED.as_u16(),
            body,
            location: Some(location),
        })
    }

    /// Declares an incident under the next number and records its events. The caller keeps
    /// the incident in `touched` once it is done with it.
    fn open(
        &mut self,
        new: NewIncident,
        actor: &str,
        now: Timestamp,
    ) -> Result<Incident, Rejection> {
        let kinds = declare(new, now, self.scale)?;
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
    fn link_recurrence(&mut self, incident: &mut Incident, now: Timestamp) {
        let touched = &self.touched;
        let logged = self
            .log
            .incidents(false)
            .into_iter()
            .filter(|earlier| !touched.contains_key(&earlier.id.number()));
        let earlier = earlier_incidents(incident, logged.chain(touched.values()));
        if !earlier.is_empty() {
            self.record(
                incident,
                RECURRENCE_ACTOR,
                now,
                EventKind::RecurrenceLinked { earlier },
            );
        }
    }

    fn command(
        &mut self,
        id: &IncidentId,
        command: Command,
        expected_version: Option<u64>,
        actor: &str,
        now: Timestamp,
    ) -> Result<StoredResponse, ApiError> {
        let number = id.number();
        let mut incident = match self.touched.remove(&number) {
            Some(incident) => incident,
            None => self
                .log
                .incident(id)
                .cloned()
                .ok_or_else(|| ApiError::NotFound(format!("no incident {id}")))?,
        };
        let result = self.decide_on(&mut incident, command, expected_version, actor, now);
        self.touched.insert(number, incident);
        result
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
        let kinds = match decide(incident, command, now, self.scale) {
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

    /// Gives an event the next `seq`, folds it into the draft incident and queues it.
    fn record(&mut self, incident: &mut Incident, actor: &str, now: Timestamp, kind: EventKind) {
        let event = Event {
            seq: self.next_seq,
            incident: incident.id.clone(),
            at: now,
            actor: actor.to_string(),
            kind,
        };
        self.next_seq += 1;
        incident.apply(&event);
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
        .map_err(|err| ApiError::Internal(format!("cannot encode the response: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{NoteKind, Severity, Status};
    use crate::store::SqliteStore;

    fn command(incident: u64, command: Command, version: Option<u64>, key: &str) -> Request {
        Request {
            actor: "alice".into(),
            change: Change::Command {
                incident: IncidentId::from_number(incident),
                command,
                expected_version: version,
            },
            idempotency_key: Some(key.into()),
        }
    }

    #[test]
    fn later_requests_in_a_batch_see_earlier_ones() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("log.db")).unwrap();
        let (timeline, scale) = (Timeline::default(), SeverityScale::default());
        let mut draft = Draft::new(&timeline, &scale, &mut store);

        let declared = draft
            .apply(Request {
                actor: "alice".into(),
                change: Change::Declare(NewIncident {
                    title: "disk full".into(),
                    severity: Severity::new("P1"),
                    service: None,
                    summary: None,
                    started_at: None,
                    detected_at: None,
                    alerts: vec![],
                }),
                idempotency_key: None,
            })
            .unwrap();
        assert_eq!(declared.response.status, 201);
        // The incident declared a moment ago in this batch exists, at version 1.
        let ack = Command::Transition {
            to: Status::Acknowledged,
        };
        let first = draft.apply(command(1, ack.clone(), Some(1), "k")).unwrap();
        assert_eq!((first.response.status, first.replayed), (200, false));
        // The same key within the batch replays, even though version 1 is now stale.
        let again = draft.apply(command(1, ack, Some(1), "k")).unwrap();
        assert!(again.replayed);
        assert_eq!(again.response, first.response);
        let note = Command::AddNote {
            kind: NoteKind::Note,
            text: "stale".into(),
        };
        let stale = draft.apply(command(1, note.clone(), Some(1), "k2"));
        assert!(matches!(stale, Err(ApiError::VersionConflict(m)) if m.contains("version 2")));
        let missing = draft.apply(command(2, note, None, "k3"));
        assert!(matches!(missing, Err(ApiError::NotFound(_))));

        let seqs: Vec<_> = draft.commit.events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2]);
        assert_eq!(draft.commit.responses.len(), 1, "errors are not remembered");
        assert_eq!(timeline.head(), 0, "nothing is visible before the commit");
    }
}
