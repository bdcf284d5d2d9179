//! The writer thread: takes the queued changes in batches, has a [`Draft`] decide each batch,
//! commits it in one transaction and only then publishes it to the readers (see the module
//! above for the whole story).

use super::draft::Draft;
use super::{DecisionRules, Job, Stats, Work, WriterBounds};
use crate::domain::{Event, Incident, IncidentId, SeverityScale, Timestamp};
use crate::report::status;
use crate::server::clock::Clock;
use crate::server::error::store_failure;
use crate::server::notify::Routes;
use crate::server::timeline::Timeline;
use crate::store::Store;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};

/// The most requests in one transaction, so that one batch cannot hold the others up for long.
const MAX_BATCH: usize = 1024;
/// A write that went through this recently answers a readiness probe without another: a
/// flood of probes costs at most one small synced write a second.
pub(super) const WRITE_PROOF: Duration = Duration::from_secs(1);
/// How often expired idempotency answers are pruned: their lookups already ignore them.
const PRUNE_EVERY: chrono::Duration = chrono::Duration::hours(1);
/// How many events one catch-up read takes at a time.
const CATCH_UP_PAGE: usize = 10_000;

/// What the writer thread owns, and whom it tells about its commits.
pub struct WriterSetup {
    pub store: Box<dyn Store>,
    /// The folded state readers are served from; only the writer changes it.
    pub log: Arc<RwLock<Timeline>>,
    /// The `seq` of the newest published event: long-pollers wait on it.
    pub head: watch::Sender<u64>,
    pub scale: SeverityScale,
    pub limits: WriterBounds,
    pub stats: Arc<Stats>,
    /// Which events notify which targets.
    pub routes: Routes,
    /// What an acknowledgement means, and which incident a page joins.
    pub rules: DecisionRules,
    pub wakes: Wakes,
    /// Where the writer reads the time it stamps events with.
    pub clock: Clock,
}

pub(super) struct Writer {
    setup: WriterSetup,
    last_failure: Arc<Mutex<Option<String>>>,
    /// When a write last went through: a commit that wrote something, or a probe's write.
    wrote_at: Option<std::time::Instant>,
    /// When expired idempotency answers were last pruned.
    pruned_at: Option<Timestamp>,
}

impl Writer {
    pub(super) fn new(setup: WriterSetup, last_failure: Arc<Mutex<Option<String>>>) -> Writer {
        Writer {
            setup,
            last_failure,
            wrote_at: None,
            pruned_at: None,
        }
    }

    pub(super) fn run(mut self, mut jobs: mpsc::Receiver<Work>) {
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
        if let Err(err) = self.setup.store.checkpoint() {
            tracing::warn!(%err, "cannot checkpoint the log at the stop");
        }
        let stats = self.setup.stats.snapshot();
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
        self.setup
            .store
            .check_writable()
            .map_err(|err| err.to_string())?;
        let failed = self.last_failure().is_some();
        if failed || self.wrote_at.is_none_or(|at| at.elapsed() >= WRITE_PROOF) {
            self.setup
                .store
                .probe_write()
                .map_err(|err| err.to_string())?;
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
        match self.setup.store.begin(self.head()) {
            Ok(theirs) => self.publish(theirs, Published::Theirs),
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
        let (mut commit, answers, decided) = {
            // Only this thread changes the log, so what it reads here stays current until the
            // batch is published below. Readers never panic while holding the lock, so a
            // poisoned lock can only come from here, where no step can panic: carry on.
            let log = self
                .setup
                .log
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            let now = self.setup.clock.now();
            let mut draft = Draft::new(
                &log,
                &self.setup.scale,
                &self.setup.routes,
                &self.setup.limits,
                &self.setup.rules,
                &mut *self.setup.store,
            );
            if self.pruned_at.is_none_or(|at| now - at >= PRUNE_EVERY) {
                draft.commit.forget_before = Some(now - self.setup.limits.idempotency_ttl);
            }
            let answers: Vec<_> = batch
                .into_iter()
                .map(|(request, reply)| (draft.apply(request, now), reply))
                .collect();
            (draft.commit, answers, draft.touched)
        };
        let pruning = commit.forget_before.is_some();
        // The store writes the snapshot rows from the incidents as decided here.
        commit.folded = decided;
        // An empty commit still ends the batch, giving the turn to the other replicas.
        if let Err(err) = self.setup.store.commit(&commit) {
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
            self.setup.stats.record(size, started.elapsed());
            if pruning {
                self.pruned_at = Some(self.setup.clock.now());
            }
            let deliveries = !commit.deliveries.is_empty();
            self.publish(
                commit.events,
                Published::Ours {
                    decided: commit.folded,
                    deliveries,
                },
            );
        }
        for (answer, reply) in answers {
            // A caller that hung up still had its change applied; there is nobody to tell.
            let _ = reply.send(answer);
        }
    }

    fn head(&self) -> u64 {
        self.setup
            .log
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .head()
    }

    /// Reads, page by page, what other replicas committed after our head.
    fn catch_up(&mut self) {
        loop {
            match self.setup.store.events_after(self.head(), CATCH_UP_PAGE) {
                Ok(events) if events.is_empty() => return,
                Ok(events) => self.publish(events, Published::Theirs),
                Err(err) => {
                    // The next commit notification or batch tries again.
                    tracing::warn!(%err, "cannot read the other replicas' events");
                    return;
                }
            }
        }
    }

    /// Makes committed events visible to readers and wakes the long-pollers, the delivery
    /// worker (when there may be deliveries to send) and the status page (when an incident on
    /// it changed). An incident memory no longer holds comes back into it first: as this batch
    /// decided it, else as the store has it folded (another replica's events). Then the ended
    /// incidents past `--keep-ended` leave memory.
    fn publish(&mut self, events: Vec<Event>, published: Published) {
        if events.is_empty() {
            return;
        }
        let (mut decided, deliveries) = match published {
            Published::Ours {
                decided,
                deliveries,
            } => (decided, deliveries),
            Published::Theirs => (HashMap::new(), true),
        };
        let missing = self
            .setup
            .log
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .missing(&events);
        let mut returning = Vec::new();
        for number in missing {
            match decided
                .remove(&number)
                .map(Ok)
                .or_else(|| self.setup.store.incident(number).transpose())
            {
                Some(Ok(incident)) => returning.push(incident),
                // Not held, then: its events are cached, and the store answers for it.
                None => {}
                Some(Err(err)) => {
                    tracing::warn!(%err, incident = number, "cannot read an incident back into memory")
                }
            }
        }
        let (head, public) = {
            let mut log = self
                .setup
                .log
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            for incident in returning {
                log.admit(incident);
            }
            let touched: BTreeSet<IncidentId> =
                events.iter().map(|event| event.incident.clone()).collect();
            for event in events {
                log.append(event);
            }
            let public = touched
                .iter()
                .any(|id| log.incident(id).is_some_and(status::shows));
            log.evict(self.setup.clock.now());
            (log.head(), public)
        };
        self.setup.head.send_replace(head);
        if deliveries {
            self.setup.wakes.outbox.notify_one();
        }
        if public {
            self.setup.wakes.public.notify_one();
        }
    }
}

/// Where published events come from.
enum Published {
    /// This writer's commit: the incidents as the batch decided them, and whether the commit
    /// queued deliveries.
    Ours {
        decided: HashMap<u64, Incident>,
        deliveries: bool,
    },
    /// Other replicas' commits, read from the store: any of them may have queued deliveries.
    Theirs,
}

/// Whom the writer wakes after publishing, besides the long-pollers (who wait on the head).
#[derive(Debug, Clone, Default)]
pub struct Wakes {
    /// The delivery worker: there may be deliveries to send.
    pub outbox: Arc<Notify>,
    /// The status page's generator: an incident the public page shows changed.
    pub public: Arc<Notify>,
}
