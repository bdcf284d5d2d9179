//! The columns of the tables whose definition both dialects write alike, so that the shared
//! statements read the same columns in both stores: the answers kept for idempotency keys and
//! the notification outbox. Each store wraps them in its own `CREATE TABLE` (SQLite's
//! `SCHEMA`, PostgreSQL's migrations 2 and 3).
//!
//! Both have shipped: a change to a table is a new upgrade step in each store, never an edit
//! here.

/// `idempotency`'s columns, as both stores have had them since schema 3.
macro_rules! idempotency_columns {
    () => {
        "
    actor     TEXT NOT NULL,
    key       TEXT NOT NULL,
    request   TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    status    INTEGER NOT NULL,
    body      TEXT NOT NULL,
    location  TEXT,
    PRIMARY KEY (actor, key)
"
    };
}

/// `outbox`'s columns after `pos` (the insertion order, which each dialect numbers its own
/// way), as both stores have had them since schema 2. Times are fixed-width RFC 3339 text,
/// so they compare as text.
macro_rules! outbox_columns {
    () => {
        "
    id              TEXT NOT NULL UNIQUE,
    target          TEXT NOT NULL,
    incident        TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TEXT,
    finished_at     TEXT,
    first_attempt_at TEXT
"
    };
}

pub(in crate::store) use {idempotency_columns, outbox_columns};
