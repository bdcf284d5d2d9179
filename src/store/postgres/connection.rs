//! One connection to PostgreSQL for the store's callers, which are blocking threads (the
//! writer thread, the delivery worker's and the routes' `spawn_blocking`, the CLI's copy).
//! The client is tokio-postgres; each connection has a current-thread runtime of its own,
//! which drives the socket while a call waits in [`Connection::run`], as the synchronous
//! `postgres` crate does over this same client (that second API is not needed for it).
//!
//! Calls must not come from an async task: waiting on a runtime inside another panics.

use crate::store::StoreError;
use tokio::runtime::Runtime;
use tokio_postgres::{Client, Config, NoTls};

pub(super) struct Connection {
    client: Client,
    /// Runs the task driving the socket; taken only by `drop`.
    runtime: Option<Runtime>,
}

impl Connection {
    pub(super) fn open(config: &Config) -> Result<Connection, StoreError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| {
                StoreError::Unavailable(format!("cannot start the connection's runtime: {err}"))
            })?;
        let (client, connection) = runtime
            .block_on(config.connect(NoTls))
            .map_err(unavailable)?;
        // A failure of the socket ends this task; the client then reports itself closed and
        // every call fails as a lost connection.
        runtime.spawn(async move {
            let _ = connection.await;
        });
        Ok(Connection {
            client,
            runtime: Some(runtime),
        })
    }

    pub(super) fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// Runs `work` on the client until it is done, driving the connection meanwhile.
    pub(super) fn run<T>(
        &mut self,
        work: impl AsyncFnOnce(&mut Client) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let Some(runtime) = &self.runtime else {
            return Err(StoreError::Unavailable("the connection is closed".into()));
        };
        runtime.block_on(work(&mut self.client))
    }
}

impl Drop for Connection {
    /// Dropping a runtime waits for its blocking threads (the host name lookup's), which a
    /// thread of an async runtime must not do, and the last handle on a shared store may go
    /// on one. Shut down without waiting: the socket closes, which PostgreSQL takes as the
    /// end of the session (rolling back a transaction left open).
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A lost or refused connection (retry, maybe elsewhere) or the database's own refusal.
pub(super) fn classify(err: tokio_postgres::Error) -> StoreError {
    let lost_connection = err.is_closed()
        || std::error::Error::source(&err).is_some_and(|source| source.is::<std::io::Error>())
        || err.code().is_some_and(|code| {
            // Class 08 is "connection exception", 57P0x an administrator's or crash shutdown.
            code.code().starts_with("08") || code.code().starts_with("57P0")
        });
    if lost_connection {
        StoreError::Unavailable(describe(&err))
    } else {
        StoreError::Postgres(describe(&err))
    }
}

fn unavailable(err: tokio_postgres::Error) -> StoreError {
    StoreError::Unavailable(describe(&err))
}

/// The error with the database's message, which `Display` of a `db error` already carries.
pub(super) fn describe(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => db.message().to_string(),
        None => err.to_string(),
    }
}
