//! What can go wrong with a store, one variant a kind of failure, each message saying what
//! failed and, where a person can do something about it, what.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The SQLite file cannot be opened or set up: a missing directory, no permission, not a
    /// database.
    #[error("cannot open the event log {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    /// `--db` names a database in a form that cannot be used, such as a PostgreSQL URL that
    /// does not parse.
    #[error("{0}")]
    BadLocation(String),
    /// The file cannot keep the log durably: SQLite refused WAL mode, as it does on some
    /// network file systems.
    #[error("{0}")]
    Unsuitable(String),
    /// The store was written by a newer warroom. Its tables are not read, lest they be misread.
    #[error(
        "{store} was written by a newer warroom (schema {found}, this one knows {known}): \
         use that version or a newer one"
    )]
    NewerSchema {
        store: String,
        found: i64,
        known: i64,
    },
    /// A step bringing an older store up to date failed. Every upgrade runs in one
    /// transaction, so the store is as it was.
    #[error("{0}")]
    UpgradeFailed(String),
    /// A stored row that does not parse: the store was damaged or written by something else.
    #[error("{row} is unreadable: {reason}")]
    Corrupt { row: String, reason: String },
    /// A value the store's columns cannot hold (a seq beyond the signed 64-bit range).
    #[error("{0}")]
    Unstorable(String),
    /// An attempt recorded on a delivery the outbox does not hold.
    #[error("no delivery {0} in the outbox")]
    NoSuchDelivery(String),
    /// A task working on the store ended before it answered (it panicked or was cancelled).
    #[error("{task} stopped before it answered: {reason}")]
    TaskDied { task: &'static str, reason: String },
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL refused a statement.
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    /// The database takes no writes (a PostgreSQL standby, or a read-only one).
    #[error("{0}")]
    ReadOnly(String),
    /// The database cannot be reached (connection refused or lost): nothing was stored, or
    /// the outcome of the last commit is unknown. Worth retrying, here or on another replica.
    #[error("the database is unreachable: {0}")]
    Unavailable(String),
    /// Another connection (another process, or one of ours) held the write lock on the file
    /// for longer than the readiness probe waits.
    #[error("the database is locked by another process")]
    Locked,
    /// The disk or the file size limit leaves the log too little room to grow.
    #[error("{0}")]
    NoRoom(String),
}
