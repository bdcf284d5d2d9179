//! The SQLite store: one file, WAL mode, `synchronous=FULL`, so that a committed transaction
//! survives a crash of the process or the machine.
//!
//! `schema.rs` creates and upgrades the tables, `commit.rs` writes a batch and folds its
//! incidents' snapshot rows, `room.rs` measures the room the file has left to grow; the
//! reads are shared with PostgreSQL (`../sql`).

mod commit;
mod room;
mod schema;
#[cfg(test)]
mod tests;

use super::sql::read::{self, Columns, Read};
use super::sql::statements::{DUE, PROBE_WRITE};
use super::sql::{Engine, Query, SqlStore, Value};
use super::{Commit, Delivery, StoreError};
use crate::domain::Timestamp;
use crate::store::row::fixed_time;
use crate::store::row_encoder::RowEncoder;
use rusqlite::Connection;
use rusqlite::types::ToSqlOutput;
use std::path::Path;
use std::time::Duration;

/// How long a commit waits for a lock another process holds on the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the readiness probe waits for the write lock: long enough to outlast a commit of
/// our own delivery worker (a connection of this process), short enough not to hold the
/// writer, which runs the probe, for long.
const PROBE_TIMEOUT: Duration = Duration::from_millis(250);

/// Statements kept prepared per connection: the writer's commit and reads, the delivery
/// worker's and the routes' reads, each on a connection of its own, stay well below it.
const STATEMENT_CACHE: usize = 32;

/// The SQLite store (see [`Sqlite`]).
pub type SqliteStore = SqlStore<Sqlite>;

/// One connection to the file.
pub struct Sqlite {
    conn: Connection,
    /// How far the snapshot rows are folded: as the file says, and as this connection did.
    folded: commit::FoldedHead,
    /// The rows' JSON of the incidents this connection wrote last.
    rows: RowEncoder,
}

impl SqlStore<Sqlite> {
    /// Opens (creating if needed) the log at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_error)?;
        // First, so that several connections opening the file at once wait for each other
        // (switching to WAL and upgrading both take locks) instead of failing.
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // WAL lets readers run beside the writer; FULL fsyncs the WAL on every commit, which is
        // what "acknowledged only once durable" needs (NORMAL could lose the last commits on a
        // power cut).
        let mode = switch_to_wal(&conn).map_err(open_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unsuitable(format!(
                "{}: SQLite refused WAL mode (got {mode}), without which a commit is not \
                 durable; keep the file on a local file system",
                path.display()
            )));
        }
        conn.execute_batch("PRAGMA synchronous=FULL;")
            .map_err(open_error)?;
        schema::upgrade(&mut conn, path)?;
        let mut engine = Sqlite {
            conn,
            folded: Default::default(),
            rows: Default::default(),
        };
        engine.fold_missing()?;
        Ok(SqlStore { engine })
    }
}

/// Switches the file to WAL and says which mode it is in. The switch reads the header under
/// a shared lock and then needs an exclusive one: two connections switching at once deadlock,
/// and SQLite answers the loser `SQLITE_BUSY` at once instead of calling the busy handler. So
/// a busy answer is retried here until [`BUSY_TIMEOUT`], as the busy handler would have.
fn switch_to_wal(conn: &Connection) -> rusqlite::Result<String> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0)) {
            Err(rusqlite::Error::SqliteFailure(err, _))
                if err.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            answer => return answer,
        }
    }
}

/// The rows `sql` selects, each read by `read`, on a statement kept prepared.
fn select<T>(
    conn: &Connection,
    sql: &str,
    params: &[Value<'_>],
    read: Read<T>,
) -> Result<Vec<T>, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    let mut rows = statement.query(rusqlite::params_from_iter(params))?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        found.push(read(row)?);
    }
    Ok(found)
}

impl Sqlite {
    /// Runs a readiness probe's statements, waiting for the write lock only briefly; a probe
    /// that fails halfway leaves no transaction open.
    fn probe(&mut self, sql: &str) -> Result<(), StoreError> {
        self.conn.busy_timeout(PROBE_TIMEOUT)?;
        let probe = self
            .conn
            .execute_batch(sql)
            .map_err(|err| match err.sqlite_error_code() {
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                    StoreError::Locked
                }
                _ => StoreError::Sqlite(err),
            });
        if probe.is_err() && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        probe
    }
}

impl Engine for Sqlite {
    fn each(
        &mut self,
        query: &'static Query,
        params: &[Value<'_>],
        visit: &mut dyn FnMut(&dyn Columns) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut statement = self.conn.prepare_cached(query.sqlite())?;
        let mut rows = statement.query(rusqlite::params_from_iter(params))?;
        while let Some(row) = rows.next()? {
            visit(row)?;
        }
        Ok(())
    }

    fn execute(&mut self, query: &'static Query, params: &[Value<'_>]) -> Result<u64, StoreError> {
        let mut statement = self.conn.prepare_cached(query.sqlite())?;
        let changed = statement.execute(rusqlite::params_from_iter(params))?;
        Ok(changed as u64)
    }

    fn one_moment<T>(
        &mut self,
        reads: impl FnOnce(&mut Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // A read transaction: every read in it sees the file as its first read found it.
        self.conn.execute_batch("BEGIN")?;
        let read = reads(self);
        let end = if read.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = self.conn.execute_batch(end);
        let value = read?;
        ended?;
        Ok(value)
    }

    fn commit(&mut self, commit: &Commit) -> Result<(), StoreError> {
        self.write(commit)
    }

    fn check_writable(&mut self) -> Result<(), StoreError> {
        // BEGIN IMMEDIATE takes the write lock (refused if another connection holds it for
        // longer than the probe waits) and fails on a read-only file; nothing is written.
        self.probe("BEGIN IMMEDIATE; ROLLBACK;")?;
        match self.conn.path().filter(|path| !path.is_empty()) {
            Some(path) => room::check(Path::new(path)),
            None => Ok(()),
        }
    }

    fn probe_write(&mut self) -> Result<(), StoreError> {
        self.probe(&format!("BEGIN IMMEDIATE; {PROBE_WRITE} COMMIT;"))
    }

    fn checkpoint(&mut self) -> Result<(), StoreError> {
        self.write_folded_head()?;
        // (busy, frames in the WAL, frames checkpointed). Busy means another connection kept
        // the checkpoint from finishing; the data is still durable in the WAL, so the stop
        // goes on, but the file is not whole on its own yet.
        let (busy, frames, done): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })?;
        if busy != 0 {
            tracing::warn!(
                frames,
                done,
                "another connection kept the WAL from being folded into the database file"
            );
        }
        Ok(())
    }

    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        // One delivery worker per file: what is due is sent by it alone, nothing to claim.
        let now = fixed_time(now);
        self.rows(
            &DUE,
            &[Value::Text(&now), Value::int(limit)],
            read::delivery,
        )
    }
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Value::Int(n) => ToSqlOutput::from(n),
            Value::Text(text) => ToSqlOutput::from(text),
        })
    }
}

impl Columns for rusqlite::Row<'_> {
    fn int(&self, column: usize) -> Result<i64, StoreError> {
        Ok(self.get(column)?)
    }

    fn text(&self, column: usize) -> Result<String, StoreError> {
        Ok(self.get(column)?)
    }

    fn optional_text(&self, column: usize) -> Result<Option<String>, StoreError> {
        Ok(self.get(column)?)
    }
}
