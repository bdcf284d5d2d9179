//! What the SQLite and PostgreSQL stores share.
//!
//! Each database is an [`Engine`]: it runs a statement and reads in one consistent view, and it
//! does its own way what the two dialects do not share (the batch write and the turn-taking
//! around it, readiness, the outbox's claim). A store is a [`SqlStore`] over an engine: the
//! reads of the log, of the snapshot rows, of the stored answers and most of the outbox are
//! written once (`store.rs`, `outbox.rs`), with the statements of `statements.rs`, and every
//! row is read by the readers of `read.rs`.

mod outbox;
mod query;
pub mod read;
pub mod statements;
mod store;
pub mod tables;

pub use query::{Query, Value};

use super::{Commit, Delivery, StoreError};
use crate::domain::{Event, Timestamp};
use read::{Columns, Read, Rows};

/// A store over one database: SQLite's file or PostgreSQL's connection. Generic over the
/// engine so that [`Store`](super::Store) and [`Outbox`](super::Outbox) are implemented once
/// for both; `SqliteStore` and `PostgresStore` name the two.
pub struct SqlStore<E> {
    pub(super) engine: E,
}

/// One database as the shared store code uses it.
pub trait Engine: Send + 'static {
    /// Each row `query` selects with `params`, handed to `visit` as it is read, so that a
    /// reader that aggregates holds one row at a time rather than the whole answer. An error
    /// of `visit` stops the read and is returned.
    fn each(
        &mut self,
        query: &'static Query,
        params: &[Value<'_>],
        visit: &mut dyn FnMut(&dyn Columns) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// The rows `query` selects with `params`, each read by `read`.
    fn rows<T>(&mut self, query: &'static Query, params: &[Value<'_>], read: Read<T>) -> Rows<T> {
        let mut found = Vec::new();
        self.each(query, params, &mut |row| {
            found.push(read(row)?);
            Ok(())
        })?;
        Ok(found)
    }

    /// Runs `query` with `params`; how many rows it changed.
    fn execute(&mut self, query: &'static Query, params: &[Value<'_>]) -> Result<u64, StoreError>;

    /// Runs `reads` in one read transaction, so that they see the database of one moment even
    /// while others write.
    fn one_moment<T>(
        &mut self,
        reads: impl FnOnce(&mut Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError>;

    /// [`Store::begin`](super::Store::begin): a store with a single writer has nothing to do.
    fn begin(&mut self, after: u64) -> Result<Vec<Event>, StoreError> {
        let _ = after;
        Ok(Vec::new())
    }

    /// [`Store::commit`](super::Store::commit), in the dialect's own statements.
    fn commit(&mut self, commit: &Commit) -> Result<(), StoreError>;

    /// [`Store::check_writable`](super::Store::check_writable).
    fn check_writable(&mut self) -> Result<(), StoreError>;

    /// [`Store::probe_write`](super::Store::probe_write).
    fn probe_write(&mut self) -> Result<(), StoreError>;

    /// [`Store::checkpoint`](super::Store::checkpoint).
    fn checkpoint(&mut self) -> Result<(), StoreError>;

    /// [`Outbox::due`](super::Outbox::due).
    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>, StoreError>;
}
