//! The durable, append-only event log behind a trait, so that a PostgreSQL store serving
//! several backend replicas can follow the SQLite one without touching the server.
//!
//! A store only persists: deciding what to write is the server's job. The server rebuilds
//! its state at startup by paging through [`Store::events_after`]; everything it writes goes through
//! [`Store::begin`] then [`Store::commit`], which must be atomic and durable before it returns.
//! Several writers (backend replicas on one PostgreSQL) take turns between those two calls;
//! see `postgres.rs` for why the global feed stays gapless in visible order.

mod location;
mod postgres;
mod row;
mod sqlite;

pub use location::Location;
pub use postgres::{PostgresStore, listen};
pub use sqlite::SqliteStore;

use crate::domain::{Event, IncidentId};

/// Who sent a retried request, where, and under which `Idempotency-Key`. The key is scoped by
/// actor and target so that two people (or one person on two incidents) cannot collide.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    pub actor: String,
    /// The request's method and path, such as `POST /v1/incidents/INC-3/commands`.
    pub target: String,
    pub key: String,
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

/// One group commit: the events of a batch of requests and the answers to remember.
#[derive(Debug, Default)]
pub struct Commit {
    pub events: Vec<Event>,
    pub responses: Vec<(IdempotencyKey, StoredResponse)>,
}

impl Commit {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.responses.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the event log {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A row that does not parse: the log was written by something else or damaged.
    #[error("event {seq} in the log is unreadable: {reason}")]
    Corrupt { seq: i64, reason: String },
    #[error("{0}")]
    Schema(String),
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    /// The database cannot be reached (connection refused or lost): nothing was stored, or
    /// the outcome of the last commit is unknown. Worth retrying, here or on another replica.
    #[error("the database is unreachable: {0}")]
    Unavailable(String),
}

/// Opens the store `--db` names: a SQLite file or a PostgreSQL database.
pub fn open(location: &Location) -> Result<Box<dyn Store>, StoreError> {
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

    /// Starts a batch: until the next [`Store::commit`], this writer is the only one that
    /// appends. Returns the events other writers committed after `after` (the caller's
    /// newest seq), so that it decides on the current state and numbers after them. A store
    /// with a single writer has nothing to hand back.
    fn begin(&mut self, after: u64) -> Result<Vec<Event>, StoreError> {
        let _ = after;
        Ok(Vec::new())
    }

    /// The response stored under an idempotency key, if that key was used before.
    fn recall(&mut self, key: &IdempotencyKey) -> Result<Option<StoredResponse>, StoreError>;

    /// Appends the events and remembers the responses in one transaction, and returns only
    /// once that transaction is durable. On error nothing of it is stored. An empty commit
    /// just ends the batch.
    fn commit(&mut self, commit: &Commit) -> Result<(), StoreError>;
}
