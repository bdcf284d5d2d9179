//! The durable, append-only event log behind a trait, so that a PostgreSQL store serving
//! several backend replicas can follow the SQLite one without touching the server.
//!
//! A store only persists: deciding what to write is the server's job. The server resumes
//! at startup from [`Store::resume`] (the incidents it keeps in memory and the newest events,
//! from the folded snapshot rows of `snapshot.rs`, never the whole log); everything it writes goes through
//! [`Store::begin`] then [`Store::commit`], which must be atomic and durable before it returns.
//! Several writers (backend replicas on one PostgreSQL) take turns between those two calls;
//! see `postgres/commit.rs` for why the global feed stays gapless in visible order.
//!
//! Both stores are SQL databases and share what their dialects agree on (`sql/`): the
//! statements that read the log, the snapshot rows, the stored answers and the outbox, and
//! how a row is read. Each keeps its own tables, its batch write and its readiness probes
//! (`sqlite/`, `postgres/`).

mod error;
mod followups;
mod location;
mod outbox;
mod postgres;
mod row;
mod row_encoder;
mod snapshot;
mod sql;
mod sqlite;

pub use error::StoreError;
pub use location::Location;
pub use outbox::{Attempt, Delivery, DeliveryState, NewDelivery, Outbox, Resend, Resent, Standing};
pub use postgres::{PostgresStore, listen};
pub use snapshot::{Resume, Which, ended_at};
pub use sqlite::SqliteStore;

use crate::domain::{
    Event, Followup, FollowupFilter, FollowupKey, Incident, IncidentFigures, IncidentFilter,
    IncidentId, Timestamp,
};
use std::collections::HashMap;

/// Who sent a retried request and under which `Idempotency-Key`. The key is scoped by actor,
/// so two people cannot collide; one person's key names one request, whatever its route.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    pub actor: String,
    pub key: String,
}

/// What a key was first used for, and the answer given then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remembered {
    /// A stable hash of the request's route and body: a retry must match it.
    pub request: String,
    pub stored_at: Timestamp,
    pub response: StoredResponse,
}

/// The answer given the first time, replayed byte for byte on a retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    /// The JSON body.
    pub body: String,
    /// The `Location` header of a `201 Created`.
    pub location: Option<String>,
}

/// One group commit: the events of a batch of requests, the answers to remember and the
/// notifications of those events.
#[derive(Debug, Default)]
pub struct Commit {
    pub events: Vec<Event>,
    pub responses: Vec<(IdempotencyKey, Remembered)>,
    pub deliveries: Vec<NewDelivery>,
    /// Forget the answers stored before this time: they have expired.
    pub forget_before: Option<Timestamp>,
    /// The incidents the events leave, as the writer folded them, by number: their snapshot
    /// rows are written from these instead of being read back and folded again. Events of an
    /// incident missing here are folded by the store itself (see [`snapshot::fold_touched`]).
    pub folded: HashMap<u64, Incident>,
}

impl Commit {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.responses.is_empty()
            && self.deliveries.is_empty()
            && self.forget_before.is_none()
    }
}

/// Opens the store `--db` names: a SQLite file or a PostgreSQL database.
pub fn open(location: &Location) -> Result<Box<dyn Store>, StoreError> {
    Ok(match location {
        Location::Sqlite(path) => Box::new(SqliteStore::open(path)?),
        Location::Postgres(url) => Box::new(PostgresStore::connect(url)?),
    })
}

/// Opens a connection to the notification outbox of the store `--db` names, for the
/// delivery worker.
pub fn open_outbox(location: &Location) -> Result<Box<dyn Outbox>, StoreError> {
    Ok(match location {
        Location::Sqlite(path) => Box::new(SqliteStore::open(path)?),
        Location::Postgres(url) => Box::new(PostgresStore::connect(url)?),
    })
}

/// The durable log. Calls come from one writer at a time (hence `&mut self`).
pub trait Store: Send + 'static {
    /// Up to `limit` events with `seq > after`, ascending: what other writers appended, or a
    /// page of the log for a copy.
    fn events_after(&mut self, after: u64, limit: usize) -> Result<Vec<Event>, StoreError>;

    /// Up to `limit` events of one incident with `seq > after`, ascending: a page of an old
    /// incident's log that a replica no longer keeps in memory.
    fn incident_events_after(
        &mut self,
        incident: &IncidentId,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError>;

    /// One incident as its events leave it, from its snapshot row; `None` if it was never
    /// declared.
    fn incident(&mut self, number: u64) -> Result<Option<Incident>, StoreError>;

    /// The stored incidents `which` selects, ascending number.
    fn incidents(&mut self, which: Which) -> Result<Vec<Incident>, StoreError>;

    /// Up to `limit` stored incidents numbered below `before` that `filter` matches, newest
    /// first: a page of a list. The rows are read a page at a time (keyset on the number), so
    /// however far a narrow filter reads down the history, only a page is held.
    fn incidents_before(
        &mut self,
        filter: &IncidentFilter,
        before: u64,
        limit: usize,
    ) -> Result<Vec<Incident>, StoreError>;

    /// The figures of the incidents declared in `[from, until]`, handed to `visit` one at a
    /// time in declaration order (ties by number): what the report reads, without a body or
    /// a log, so that its memory does not follow history. An error of `visit` stops the read.
    fn figures_declared(
        &mut self,
        from: Timestamp,
        until: Timestamp,
        visit: &mut dyn FnMut(IncidentFigures) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// Up to `limit` corrective actions that `filter` matches, after `after` (from the first
    /// when `None`) in the follow-ups' order: soonest due first, then the incident's number,
    /// then the action's id; each judged overdue as at `now`. A page read from the store's
    /// `followups` rows (`followups.rs`), so its memory is the page's, whatever the history.
    fn followups_after(
        &mut self,
        filter: &FollowupFilter,
        after: Option<FollowupKey>,
        limit: usize,
        now: Timestamp,
    ) -> Result<Vec<Followup>, StoreError>;

    /// What a replica starts from, read in one consistent view: the incidents open or ended
    /// at or after `ended_since`, the newest `recent` events, the newest incident number and
    /// the alert groups.
    fn resume(&mut self, ended_since: Timestamp, recent: usize) -> Result<Resume, StoreError>;

    /// Starts a batch: until the next [`Store::commit`], this writer is the only one that
    /// appends. Returns the events other writers committed after `after` (the caller's
    /// newest seq), so that it decides on the current state and numbers after them. A store
    /// with a single writer has nothing to hand back.
    fn begin(&mut self, after: u64) -> Result<Vec<Event>, StoreError> {
        let _ = after;
        Ok(Vec::new())
    }

    /// What is stored under an idempotency key, if that key was used before (and its answer
    /// not yet forgotten).
    fn recall(&mut self, key: &IdempotencyKey) -> Result<Option<Remembered>, StoreError>;

    /// Appends the events, folds them into their incidents' snapshot rows, remembers the
    /// responses, queues the deliveries and forgets expired answers in one transaction, and returns only once that transaction is
    /// durable. On error nothing of it is stored. An empty commit just ends the batch.
    fn commit(&mut self, commit: &Commit) -> Result<(), StoreError>;

    /// Whether a commit could start now: the write lock can be had, the database takes writes
    /// and (SQLite) its disk and the file size limit leave room (see `room.rs`). Writes
    /// nothing. It waits for the lock only briefly (SQLite: 250 ms), long enough for a commit
    /// of the delivery worker's connection to end but short, as the writer runs the probe.
    fn check_writable(&mut self) -> Result<(), StoreError>;

    /// A small write, committed and synced, that leaves the data as it was: the proof that
    /// writes go through (after a failed commit, say), which an empty commit is not, as it
    /// writes nothing and so succeeds on a full disk. Waits for the lock as briefly as
    /// [`Store::check_writable`].
    fn probe_write(&mut self) -> Result<(), StoreError>;

    /// At a clean stop: leaves the durable data in its final place (SQLite folds its WAL back
    /// into the database file).
    fn checkpoint(&mut self) -> Result<(), StoreError>;
}
