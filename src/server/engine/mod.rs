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
//!
//! Here: the handlers' side (the queue, [`Request`] and [`Reply`]); the thread in
//! [`writer`]; how one batch is decided in [`draft`].

mod draft;
mod writer;

use super::error::ApiError;
use super::metrics::Histogram;
use crate::domain::{
    AlertRouting, Command, EscalationRules, IncidentId, NewIncident, Timestamp, stable_hash,
};
use crate::server::alertmanager::Notification;
use crate::store::StoredResponse;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use writer::Writer;
pub use writer::{Wakes, WriterSetup};

/// Requests queued beyond this wait for a free slot: a bound on memory, not on throughput.
const QUEUE: usize = 4096;
/// A readiness probe the writer has not answered within this is reported as a stalled writer.
pub(super) const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
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

/// How the writer decides what the domain leaves to the backend's config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRules {
    /// `[escalation] ack_takes_command`.
    pub ack_takes_command: bool,
    /// `[alert_routing]`: which open incident a page joins.
    pub alert_routing: AlertRouting,
}

impl Default for DecisionRules {
    fn default() -> Self {
        DecisionRules {
            ack_takes_command: true,
            alert_routing: AlertRouting::default(),
        }
    }
}

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

#[derive(Debug)]
pub struct Request {
    pub actor: String,
    /// How the actor came (`ssh`), recorded on the request's events.
    pub via: Option<&'static str>,
    pub change: Change,
    /// The caller's `Idempotency-Key`, bound to the request it came with.
    pub idempotency: Option<KeyedRequest>,
}

/// An `Idempotency-Key` and what it is bound to: a retry must carry the same key and the same
/// request. The HTTP layer names the request (see [`KeyedRequest::bind`]); the writer only compares the names. The receiver and the
/// escalation clock take no keys: their changes are idempotent by construction.
#[derive(Debug)]
pub struct KeyedRequest {
    pub key: String,
    pub request: String,
}

impl KeyedRequest {
    /// Binds `key` to the request named `name` (say its method and route) with this body: a
    /// stable hash of the body as parsed, so that spacing and field order do not matter.
    pub fn bind(key: String, name: &str, body: &impl serde::Serialize) -> KeyedRequest {
        let body = serde_json::to_string(body).unwrap_or_default();
        KeyedRequest {
            key,
            request: format!("{name} {:016x}", stable_hash(body.as_bytes())),
        }
    }
}

/// The answer to a change: the response to send, and whether it is a replay of a stored one.
#[derive(Debug)]
pub struct Reply {
    pub response: StoredResponse,
    pub replayed: bool,
}

type Job = (Request, oneshot::Sender<Result<Reply, ApiError>>);

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
    pub fn start(setup: WriterSetup) -> std::io::Result<(Engine, std::thread::JoinHandle<()>)> {
        let (queue, jobs) = mpsc::channel(QUEUE);
        let last_failure = Arc::new(Mutex::new(None));
        let writer = Writer::new(setup, last_failure.clone());
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
    /// went through within [`writer::WRITE_PROOF`] or the probe's own write does, and no commit has
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
