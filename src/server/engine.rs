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
//!
//! The writer also answers readiness probes (see [`Engine::readiness`]) between batches, so a
//! probe that goes unanswered means the writer is stuck; after a failed commit only a write
//! that goes through (a commit that wrote something, or the probe's own) makes it ready again.

mod alerts;

use super::error::{ApiError, store_failure};
use super::metrics::Histogram;
use super::timeline::Timeline;
use crate::domain::{
    Command, EscalationRules, Event, EventKind, Incident, IncidentId, NewIncident,
    RECURRENCE_LOOKBACK_DAYS, Rejection, SeverityScale, Timestamp, check_publisher, decide,
    declare, earlier_incidents, lapses_due, stable_hash,
};
use crate::server::alertmanager::Notification;
use crate::server::notify::Routes;
use crate::store::{Commit, IdempotencyKey, Remembered, Store, StoredResponse, Which};
use axum::http::StatusCode;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// Requests queued beyond this wait for a free slot: a bound on memory, not on throughput.
const QUEUE: usize = 4096;
/// The most requests in one transaction, so that one batch cannot hold the others up for long.
const MAX_BATCH: usize = 1024;
/// A readiness probe the writer has not answered within this is reported as a stalled writer.
pub(super) const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// A write that went through this recently answers a readiness probe without another: a
/// flood of probes costs at most one small synced write a second.
const WRITE_PROOF: Duration = Duration::from_secs(1);
/// The actor of what the backend records by itself: a recurrence link, the escalation
/// clock's lapses.
pub(super) const BACKEND_ACTOR: &str = "warroom";

/// The bounds the writer keeps, from `[server]` in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterBounds {
    /// Alerts attached to one incident one by one; the group's others are counted.
    pub alerts_per_incident: usize,
    /// How long an idempotency key's answer is kept for retries.
    pub idempotency_ttl: chrono::Duration,
}

impl Default for WriterBounds {
    fn default() -> Self {
        WriterBounds {
            alerts_per_incident: 100,
            idempotency_ttl: chrono::Duration::days(7),
        }
    }
}

/// How often expired idempotency answers are pruned: their lookups already ignore them.
const PRUNE_EVERY: chrono::Duration = chrono::Duration::hours(1);

/// What a caller asks the writer to do.
#[derive(Debug)]
pub enum Change {
    Declare(NewIncident),
    Command {
        incident: IncidentId,
        command: Command,
        /// `If-Match`: the version the caller saw.
        expected_version: Option<u64>,
        /// When the person acted, as their client says: recorded beside the server's time.
        intended_at: Option<Timestamp>,
    },
    /// An Alertmanager notification: decided here, with the rest of the batch, so that two
    /// notifications of a new group arriving together still open one incident.
    Alertmanager(Notification),
    /// The escalation clock's look at every open incident, as of `now`.
    Escalate {
        now: Timestamp,
        rules: EscalationRules,
    },
}

impl Change {
    /// The method and path of the request.
    fn target(&self) -> String {
        match self {
            Change::Declare(_) => "POST /v1/incidents".into(),
            Change::Command { incident, .. } => format!("POST /v1/incidents/{incident}/commands"),
            Change::Alertmanager(_) => "POST /v1/alertmanager".into(),
            Change::Escalate { .. } => "escalation clock".into(),
        }
    }

    /// What an idempotency key is bound to: the route and a stable hash of the body as
    /// parsed (so spacing and field order do not matter). A retry must match it.
    fn request(&self) -> String {
        let body = match self {
            Change::Declare(new) => serde_json::to_string(new),
            Change::Command { command, .. } => serde_json::to_string(command),
            // The receiver and the clock take no keys: their changes are idempotent by
            // construction.
            Change::Alertmanager(_) | Change::Escalate { .. } => Ok(String::new()),
        }
        .unwrap_or_default();
        format!("{} {:016x}", self.target(), stable_hash(body.as_bytes()))
    }
}

#[derive(Debug)]
pub struct Request {
    pub actor: String,
    /// How the actor came (`ssh`), recorded on the request's events.
    pub via: Option<&'static str>,
    pub change: Change,
    pub idempotency_key: Option<String>,
}

/// The answer to a change: the response to send, and whether it is a replay of a stored one.
#[derive(Debug)]
pub struct Reply {
    pub response: StoredResponse,
    pub replayed: bool,
}

/// The domain's two ways to declare: a person's, or a page's.
type Declaration = fn(NewIncident, Timestamp, &SeverityScale) -> Result<Vec<EventKind>, Rejection>;

type Job = (Request, oneshot::Sender<Result<Reply, ApiError>>);

/// How many events one catch-up read takes at a time.
const CATCH_UP_PAGE: usize = 10_000;

/// What the writer's queue carries: changes, readiness probes answered between batches, and
/// news that another replica committed up to a seq.
enum Work {
    /// Boxed: a request is large, a probe is one pointer.
    Change(Box<Job>),
    Probe(oneshot::Sender<Result<(), String>>),
    CatchUp(u64),
}

/// Why the server is not ready to take changes, in an operator's words.
pub type Unready = Vec<String>;

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
    queue: mpsc::Sender<Work>,
    /// The writer's account of its last commit: `Some` says why it failed.
    last_failure: Arc<Mutex<Option<String>>>,
}

/// A handle that asks the writer to read what other replicas committed, without keeping the
/// writer alive: once the handlers' [`Engine`]s are gone the writer stops anyway.
#[derive(Clone)]
pub struct CatchUp(mpsc::WeakSender<Work>);

impl CatchUp {
    /// Asks the writer to read the log up to `head` (`u64::MAX`: whatever is there). Returns
    /// false once the writer has stopped. A full queue drops the request: the batch ahead of
    /// it reads the same events when it takes its turn.
    pub fn request(&self, head: u64) -> bool {
        match self.0.upgrade() {
            Some(queue) => !matches!(
                queue.try_send(Work::CatchUp(head)),
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
        limits: WriterBounds,
        stats: Arc<Stats>,
        routes: Routes,
    ) -> std::io::Result<(Engine, std::thread::JoinHandle<()>)> {
        let (queue, jobs) = mpsc::channel(QUEUE);
        let last_failure = Arc::new(Mutex::new(None));
        let writer = Writer {
            store,
            log,
            head,
            scale,
            limits,
            stats,
            routes,
            last_failure: last_failure.clone(),
            wrote_at: None,
            pruned_at: None,
        };
        let thread = std::thread::Builder::new()
            .name("warroom-writer".into())
            .spawn(move || writer.run(jobs))?;
        Ok((
            Engine {
                queue,
                last_failure,
            },
            thread,
        ))
    }

    /// Whether changes can be saved now: the writer answers within [`PROBE_TIMEOUT`], a write
    /// went through within [`WRITE_PROOF`] or the probe's own write does, and no commit has
    /// failed since the last write that went through. `Err` lists what is wrong.
    pub async fn readiness(&self) -> Result<(), Unready> {
        let mut unready = Unready::new();
        let (reply, answer) = oneshot::channel();
        let probe = async {
            self.queue
                .send(Work::Probe(reply))
                .await
                .map_err(|_| "the writer has stopped".to_string())?;
            answer
                .await
                .map_err(|_| "the writer stopped before answering".to_string())?
        };
        match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => unready.push(reason),
            Err(_) => unready.push(format!(
                "the writer has not answered for {} s: it is stalled or overloaded",
                PROBE_TIMEOUT.as_secs()
            )),
        }
        // Read after the probe, which clears it when its write goes through.
        if let Some(failure) = self
            .last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            unready.push(format!("the last commit failed: {failure}"));
        }
        if unready.is_empty() {
            Ok(())
        } else {
            Err(unready)
        }
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
        let not_saved = "the change could not be saved, the server is stopping";
        self.queue
            .send(Work::Change(Box::new((request, reply))))
            .await
            .map_err(|_| ApiError::internal(not_saved, "the writer has stopped"))?;
        answer
            .await
            .map_err(|_| ApiError::internal(not_saved, "the writer stopped before answering"))?
    }
}

struct Writer {
    store: Box<dyn Store>,
    log: Arc<RwLock<Timeline>>,
    head: watch::Sender<u64>,
    scale: SeverityScale,
    limits: WriterBounds,
    stats: Arc<Stats>,
    /// Which events notify which targets.
    routes: Routes,
    last_failure: Arc<Mutex<Option<String>>>,
    /// When a write last went through: a commit that wrote something, or a probe's write.
    wrote_at: Option<std::time::Instant>,
    /// When expired idempotency answers were last pruned.
    pruned_at: Option<Timestamp>,
}

impl Writer {
    fn run(mut self, mut jobs: mpsc::Receiver<Work>) {
        // While one batch is being fsynced, the next one queues up: that is the grouping.
        while let Some(first) = jobs.blocking_recv() {
            let mut batch = Vec::new();
            let mut probes = Vec::new();
            let mut news = 0;
            let mut next = Some(first);
            while let Some(work) = next.take() {
                match work {
                    Work::Change(job) => batch.push(*job),
                    Work::Probe(reply) => probes.push(reply),
                    Work::CatchUp(head) => news = news.max(head),
                }
                if batch.len() < MAX_BATCH {
                    next = jobs.try_recv().ok();
                }
            }
            if !batch.is_empty() {
                // Taking the store's turn reads the other replicas' news anyway.
                self.process(batch);
            } else if news > self.head() {
                self.catch_up();
            }
            if !probes.is_empty() {
                let writable = self.check_writable();
                for reply in probes {
                    let _ = reply.send(writable.clone());
                }
            }
        }
        // A clean stop folds the WAL back into the database, so the file is whole on its own.
        if let Err(err) = self.store.checkpoint() {
            tracing::warn!(%err, "cannot checkpoint the log at the stop");
        }
        let stats = self.stats.snapshot();
        tracing::info!(
            commits = stats.commits,
            requests = stats.requests,
            largest_batch = stats.largest_batch,
            "writer stopped"
        );
    }

    /// A readiness probe's answer: the store could start a commit (the lock, the room), and a
    /// write went through within [`WRITE_PROOF`] with no commit failing since, or the store's
    /// own small write goes through now, which clears the failure. An empty commit proves
    /// nothing (it writes nothing, so it succeeds on a full disk), hence the probe's write.
    fn check_writable(&mut self) -> Result<(), String> {
        self.store.check_writable().map_err(|err| err.to_string())?;
        let failed = self.last_failure().is_some();
        if failed || self.wrote_at.is_none_or(|at| at.elapsed() >= WRITE_PROOF) {
            self.store.probe_write().map_err(|err| err.to_string())?;
            self.wrote();
        }
        Ok(())
    }

    /// A write went through: the store takes writes again.
    fn wrote(&mut self) {
        self.wrote_at = Some(std::time::Instant::now());
        *self.last_failure() = None;
    }

    fn last_failure(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn process(&mut self, batch: Vec<Job>) {
        let size = batch.len();
        let started = std::time::Instant::now();
        // Take the store's turn and fold in what other replicas committed meanwhile.
        match self.store.begin(self.head()) {
            Ok(theirs) => self.publish(theirs, HashMap::new()),
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
        let (commit, answers, decided) = {
            // Only this thread changes the log, so what it reads here stays current until the
            // batch is published below. Readers never panic while holding the lock, so a
            // poisoned lock can only come from here, where no step can panic: carry on.
            let log = self.log.read().unwrap_or_else(PoisonError::into_inner);
            let now = chrono::Utc::now();
            let mut draft = Draft::new(
                &log,
                &self.scale,
                &self.routes,
                &self.limits,
                &mut *self.store,
            );
            if self.pruned_at.is_none_or(|at| now - at >= PRUNE_EVERY) {
                draft.commit.forget_before = Some(now - self.limits.idempotency_ttl);
            }
            let answers: Vec<_> = batch
                .into_iter()
                .map(|(request, reply)| (draft.apply(request, now), reply))
                .collect();
            (draft.commit, answers, draft.touched)
        };
        let pruning = commit.forget_before.is_some();
        // An empty commit still ends the batch, giving the turn to the other replicas.
        if let Err(err) = self.store.commit(&commit) {
            let failure = store_failure(
                &err,
                &format!("the change could not be saved, nothing was applied (batch of {size})"),
            );
            *self.last_failure() = Some(failure.to_string());
            for (_, reply) in answers {
                let _ = reply.send(Err(failure.clone()));
            }
            return;
        }
        if !commit.is_empty() {
            self.wrote();
            self.stats.record(size, started.elapsed());
            if pruning {
                self.pruned_at = Some(chrono::Utc::now());
            }
            self.publish(commit.events, decided);
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
                Ok(events) => self.publish(events, HashMap::new()),
                Err(err) => {
                    // The next commit notification or batch tries again.
                    tracing::warn!(%err, "cannot read the other replicas' events");
                    return;
                }
            }
        }
    }

    /// Makes committed events visible to readers and wakes the long-pollers. An incident
    /// memory no longer holds comes back into it first: as this batch `decided` it, else as
    /// the store has it folded (another replica's events). Then the ended incidents past
    /// `--keep-ended` leave memory.
    fn publish(&mut self, events: Vec<Event>, mut decided: HashMap<u64, Incident>) {
        if events.is_empty() {
            return;
        }
        let missing = self
            .log
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .missing(&events);
        let mut returning = Vec::new();
        for number in missing {
            match decided
                .remove(&number)
                .map(Ok)
                .or_else(|| self.store.incident(number).transpose())
            {
                Some(Ok(incident)) => returning.push(incident),
                // Not held, then: its events are cached, and the store answers for it.
                None => {}
                Some(Err(err)) => {
                    tracing::warn!(%err, incident = number, "cannot read an incident back into memory")
                }
            }
        }
        let head = {
            let mut log = self.log.write().unwrap_or_else(PoisonError::into_inner);
            for incident in returning {
                log.admit(incident);
            }
            for event in events {
                log.append(event);
            }
            log.evict(chrono::Utc::now());
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
    routes: &'a Routes,
    limits: &'a WriterBounds,
    store: &'a mut dyn Store,
    touched: HashMap<u64, Incident>,
    next_seq: u64,
    next_number: u64,
    /// Responses stored by this batch, so a key repeated within it is answered from here.
    remembered: HashMap<IdempotencyKey, Remembered>,
    commit: Commit,
    /// How the request being applied came: marked on the events it records.
    via: Option<&'static str>,
    /// The acting person's time of the command being decided, stamped on its events.
    intended_at: Option<Timestamp>,
}

impl<'a> Draft<'a> {
    fn new(
        log: &'a Timeline,
        scale: &'a SeverityScale,
        routes: &'a Routes,
        limits: &'a WriterBounds,
        store: &'a mut dyn Store,
    ) -> Self {
        Draft {
            log,
            scale,
            routes,
            limits,
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

    fn apply(&mut self, request: Request, now: Timestamp) -> Result<Reply, ApiError> {
        self.via = request.via;
        let key = request.idempotency_key.map(|key| IdempotencyKey {
            actor: request.actor.clone(),
            key,
        });
        let fingerprint = request.change.request();
        // The stored answer comes first: a retry of a command that went through must not now
        // fail its If-Match against the version that command itself created.
        if let Some(key) = &key
            && let Some(remembered) = self.recall(key, now)?
        {
            if remembered.request != fingerprint {
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
        if let Some(key) = key {
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
        let stored = if self.log.partial() {
            let since = incident.declared_at - chrono::Duration::days(RECURRENCE_LOOKBACK_DAYS);
            self.store
                .incidents(Which::DeclaredSince(since))
                .map_err(|err| store_failure(&err, "earlier incidents could not be read"))?
        } else {
            Vec::new()
        };
        let (touched, log) = (&self.touched, self.log);
        let logged = log
            .incidents(false)
            .into_iter()
            .chain(
                stored
                    .iter()
                    .filter(|earlier| log.incident(&earlier.id).is_none()),
            )
            .filter(|earlier| !touched.contains_key(&earlier.id.number()));
        let earlier = earlier_incidents(incident, logged.chain(touched.values()));
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
        let number = id.number();
        let mut incident = match self.touched.remove(&number) {
            Some(incident) => incident,
            None => self
                .load(number)?
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
        // Who may speak to the public depends on the incident's roster, which the domain's
        // `decide` does not see the actor against; the rule itself lives in the domain.
        if matches!(command, Command::PublicUpdate(_))
            && let Err(rejection) = check_publisher(incident, actor)
        {
            return Err(ApiError::Forbidden(rejection.message));
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

    /// Records the lapses due at `clock` on every open incident.
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
            for kind in lapses_due(&incident, clock, rules, self.scale) {
                self.record(&mut incident, actor, now, kind);
                recorded += 1;
            }
            self.touched.insert(number, incident);
        }
        Ok(StoredResponse {
            status: StatusCode::OK.as_u16(),
            body: format!("{{\"lapses\":{recorded}}}"),
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
                intended_at: None,
            },
            idempotency_key: Some(key.into()),
            via: None,
        }
    }

    #[test]
    fn later_requests_in_a_batch_see_earlier_ones() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("log.db")).unwrap();
        let (timeline, scale) = (Timeline::default(), SeverityScale::default());
        let routes = Routes::default();
        let limits = WriterBounds::default();
        let mut draft = Draft::new(&timeline, &scale, &routes, &limits, &mut store);
        let now = chrono::Utc::now();

        let declared = draft
            .apply(
                Request {
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
                    via: None,
                },
                now,
            )
            .unwrap();
        assert_eq!(declared.response.status, 201);
        // The incident declared a moment ago in this batch exists, at version 1.
        let ack = Command::Transition {
            to: Status::Investigating,
        };
        let first = draft
            .apply(command(1, ack.clone(), Some(1), "k"), now)
            .unwrap();
        assert_eq!((first.response.status, first.replayed), (200, false));
        // The same key within the batch replays, even though version 1 is now stale.
        let again = draft
            .apply(command(1, ack.clone(), Some(1), "k"), now)
            .unwrap();
        assert!(again.replayed);
        assert_eq!(again.response, first.response);
        let note = Command::AddNote {
            kind: NoteKind::Note,
            text: "stale".into(),
        };
        let stale = draft.apply(command(1, note.clone(), Some(1), "k2"), now);
        assert!(matches!(stale, Err(ApiError::VersionConflict(m)) if m.contains("version 2")));
        let missing = draft.apply(command(2, note.clone(), None, "k3"), now);
        assert!(matches!(missing, Err(ApiError::NotFound(_))));

        let seqs: Vec<_> = draft.commit.events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2]);
        assert_eq!(draft.commit.responses.len(), 1, "errors are not remembered");
        assert_eq!(timeline.head(), 0, "nothing is visible before the commit");

        // The key is bound to its request: another body, or another route, is refused.
        let cancel = Command::Transition {
            to: Status::Cancelled,
        };
        for reuse in [command(1, cancel, None, "k"), command(2, ack, None, "k")] {
            let refused = draft.apply(reuse, now).unwrap_err();
            assert_eq!(refused.code(), "idempotency_key_reused");
            assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        }
        assert_eq!(draft.commit.events.len(), 2, "a reused key changes nothing");
    }

    #[test]
    fn stored_answers_expire() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("log.db")).unwrap();
        let (timeline, scale) = (Timeline::default(), SeverityScale::default());
        let limits = WriterBounds {
            alerts_per_incident: 100,
            idempotency_ttl: chrono::Duration::hours(1),
        };
        let declare = |key: &str| Request {
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
            idempotency_key: Some(key.into()),
            via: None,
        };
        let then = chrono::Utc::now() - chrono::Duration::hours(2);
        let routes = Routes::default();
        let mut draft = Draft::new(&timeline, &scale, &routes, &limits, &mut store);
        draft.apply(declare("k"), then).unwrap();
        let commit = std::mem::take(&mut draft.commit);
        store.commit(&commit).unwrap();
        let mut draft = Draft::new(&timeline, &scale, &routes, &limits, &mut store);
        let within = draft.apply(declare("k"), then + chrono::Duration::minutes(59));
        assert!(within.unwrap().replayed);
        let after = draft.apply(declare("k"), then + chrono::Duration::minutes(61));
        assert!(!after.unwrap().replayed, "an expired key is a new request");
    }
}
