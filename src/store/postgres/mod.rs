//! The PostgreSQL store: one database shared by several `warroom serve` replicas.
//!
//! `commit.rs` says how several writers keep the global feed gapless, `schema.rs` migrates
//! the tables, `claim.rs` shares the outbox between the replicas' workers, `listen.rs` turns
//! other replicas' commits into wake-ups and `connection.rs` drives one connection for the
//! store's blocking callers; the reads are shared with SQLite (`../sql`).
//!
//! Durability: a commit returns only once PostgreSQL has flushed it (`synchronous_commit` is
//! forced back on if the server turned it off). The log is append-only: triggers refuse
//! `UPDATE`, `DELETE` and `TRUNCATE` on `events`.

mod claim;
mod commit;
mod connection;
mod listen;
mod schema;

pub use listen::listen;

use super::sql::read::Columns;
use super::sql::statements::PROBE_WRITE;
use super::sql::{Engine, Query, SqlStore, Value};
use super::{Commit, Delivery, StoreError};
use crate::domain::{Event, Timestamp};
use connection::{Connection, classify};
use futures_util::TryStreamExt;
use std::collections::HashMap;
use std::time::Duration;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Statement};

/// How long to wait for the database to answer a connection, and to answer a ping.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The PostgreSQL store (see [`Postgres`]).
pub type PostgresStore = SqlStore<Postgres>;

/// One connection to the database, opened again when it is lost.
pub struct Postgres {
    config: tokio_postgres::Config,
    /// `None` after the connection was lost; the next call connects again.
    connection: Option<Connection>,
    /// True between `begin` and `commit`: a transaction holding the writers' lock is open.
    in_batch: bool,
    /// The statements prepared on this connection, by their text; emptied when it is opened
    /// again.
    statements: HashMap<&'static str, Statement>,
}

impl SqlStore<Postgres> {
    /// Connects, and migrates the schema to this version (refusing a newer one).
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|err| StoreError::BadLocation(format!("not a PostgreSQL URL: {err}")))?;
        config
            .connect_timeout(CONNECT_TIMEOUT)
            .keepalives_idle(Duration::from_secs(10))
            .application_name("warroom serve");
        let mut engine = Postgres {
            config,
            connection: None,
            in_batch: false,
            statements: HashMap::new(),
        };
        engine.connection()?.run(schema::migrate)?;
        engine.fold_missing()?;
        Ok(SqlStore { engine })
    }
}

impl Postgres {
    /// The connection, opened again if it was lost.
    fn connection(&mut self) -> Result<&mut Connection, StoreError> {
        if self.connection.as_ref().is_none_or(Connection::is_closed) {
            self.in_batch = false;
            self.statements.clear();
            let mut connection = Connection::open(&self.config)?;
            connection.run(schema::ensure_durable_commits)?;
            self.connection = Some(connection);
        }
        self.connection
            .as_mut()
            .ok_or_else(|| StoreError::Unavailable("no connection".into()))
    }

    /// Runs `work` on the connection; a lost connection is dropped so the next call opens a
    /// new one, and an open batch is rolled back on any error.
    fn run<T>(
        &mut self,
        work: impl AsyncFnOnce(&mut Client) -> Result<T, tokio_postgres::Error>,
    ) -> Result<T, StoreError> {
        let outcome = self
            .connection()?
            .run(async |client| work(client).await.map_err(classify));
        if let Err(err) = &outcome {
            self.abandon_batch(err);
        }
        outcome
    }

    /// After `err`: a lost connection is dropped, and an open batch rolled back (its
    /// transaction is aborted anyway; ending it frees the writers' lock now).
    fn abandon_batch(&mut self, err: &StoreError) {
        if matches!(err, StoreError::Unavailable(_)) {
            self.connection = None;
        } else if self.in_batch
            && let Some(connection) = self.connection.as_mut()
        {
            let _ = connection
                .run(async |client| client.batch_execute("ROLLBACK").await.map_err(classify));
        }
        self.in_batch = false;
    }

    /// `sql` prepared on the current connection (opened again first if it was lost), once
    /// per connection: a statement given as text is prepared anew each time, a round trip
    /// of its own.
    fn prepared(&mut self, sql: &'static str) -> Result<Statement, StoreError> {
        self.connection()?;
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.run(async |client| client.prepare(sql).await)?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }
}

impl Engine for Postgres {
    fn each(
        &mut self,
        query: &'static Query,
        params: &[Value<'_>],
        visit: &mut dyn FnMut(&dyn Columns) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let statement = self.prepared(query.postgres())?;
        let params = sql_params(params);
        // The rows are read off the socket as they come; the first refusal of `visit` stops
        // the read (the rest of the answer is discarded with the stream).
        let mut refused = None;
        self.run(async |client| {
            let rows = client.query_raw(&statement, params.iter().copied()).await?;
            let mut rows = std::pin::pin!(rows);
            while let Some(row) = rows.try_next().await? {
                if let Err(err) = visit(&row) {
                    refused = Some(err);
                    break;
                }
            }
            Ok(())
        })?;
        refused.map_or(Ok(()), Err)
    }

    fn execute(&mut self, query: &'static Query, params: &[Value<'_>]) -> Result<u64, StoreError> {
        let statement = self.prepared(query.postgres())?;
        let params = sql_params(params);
        self.run(async |client| client.execute(&statement, &params).await)
    }

    fn one_moment<T>(
        &mut self,
        reads: impl FnOnce(&mut Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.in_batch {
            // The batch's transaction is already open (and holds the writers' lock).
            return reads(self);
        }
        // A snapshot of the database: every read sees what its first read saw.
        self.run(async |client| {
            client
                .batch_execute("START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await
        })?;
        match reads(self) {
            Ok(value) => {
                self.run(async |client| client.batch_execute("COMMIT").await)?;
                Ok(value)
            }
            // A lost connection took its transaction with it.
            Err(err @ StoreError::Unavailable(_)) => Err(err),
            Err(err) => {
                let _ = self.run(async |client| client.batch_execute("ROLLBACK").await);
                Err(err)
            }
        }
    }

    fn begin(&mut self, after: u64) -> Result<Vec<Event>, StoreError> {
        self.take_turn(after)
    }

    fn commit(&mut self, commit: &Commit) -> Result<(), StoreError> {
        self.write(commit)
    }

    fn check_writable(&mut self) -> Result<(), StoreError> {
        // The writers' lock is taken in turns by every replica, so it is not asked for here:
        // a probe answers whether this connection works and the database takes writes (a
        // standby or a read-only database does not).
        let read_only: bool = self
            .run(async |client| {
                client
                    .query_one(
                        "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'",
                        &[],
                    )
                    .await
            })?
            .get(0);
        if read_only {
            return Err(StoreError::ReadOnly(
                "the database is read-only (a standby, or transactions are read-only by \
                 default): point --db at the primary"
                    .into(),
            ));
        }
        Ok(())
    }

    fn probe_write(&mut self) -> Result<(), StoreError> {
        // A committed write that leaves the row as it was: it must find room in the table's
        // pages and flush the WAL, as a real commit does. The statements of one simple query
        // are one transaction, rolled back whole if either fails.
        self.run(async |client| client.batch_execute(PROBE_WRITE).await)
    }

    fn checkpoint(&mut self) -> Result<(), StoreError> {
        // PostgreSQL keeps its own files whole; nothing to fold back.
        Ok(())
    }

    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        self.claim_due(now, limit)
    }
}

/// The shared statements' parameters as tokio-postgres takes them.
fn sql_params<'a>(params: &'a [Value<'_>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params
        .iter()
        .map(|value| -> &(dyn ToSql + Sync) {
            match value {
                Value::Int(n) => n,
                Value::Text(text) => text,
            }
        })
        .collect()
}

impl Columns for tokio_postgres::Row {
    fn int(&self, column: usize) -> Result<i64, StoreError> {
        // `INTEGER` columns (an outbox row's attempts, a stored status) are 32-bit here.
        let int4 = self
            .columns()
            .get(column)
            .is_some_and(|c| *c.type_() == Type::INT4);
        if int4 {
            self.try_get::<_, i32>(column).map(i64::from)
        } else {
            self.try_get(column)
        }
        .map_err(classify)
    }

    fn text(&self, column: usize) -> Result<String, StoreError> {
        self.try_get(column).map_err(classify)
    }

    fn optional_text(&self, column: usize) -> Result<Option<String>, StoreError> {
        self.try_get(column).map_err(classify)
    }
}
