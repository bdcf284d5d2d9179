//! The SQLite file's tables, and the steps that bring an older file up to date.

use super::commit::write_followups;
use super::select;
use crate::store::StoreError;
use crate::store::followups::FollowupRow;
use crate::store::row::seq_column;
use crate::store::sql::statements::FIGURES_WITH_FOLLOWUPS;
use crate::store::sql::tables::{idempotency_columns, outbox_columns};
use crate::store::sql::{Value, read};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;

/// Bumped whenever the tables change; a newer file is refused rather than misread.
/// 2: the notifications outbox (issue 11).
/// 3: idempotency keys are scoped by actor alone and remember their request and time.
/// 4: events note how their actor came (`via`, issue 14).
/// 5: events keep the time the person acted (`intended_at`, issue 10).
/// 6: each incident's folded state beside the log (`incidents`, `folded`; see `snapshot.rs`),
///    created by [`SCHEMA`] and filled by `SqliteStore::open` from the log already there.
/// 7: deliveries remember their first attempt (`first_attempt_at`, issue 21).
/// 8: the snapshot rows carry what readers of history select on and the report's figures
///    (`title` … `figures`, issue 19); the rows of an older file are folded again from the log
///    by `SqliteStore::open`, once, so that every row has them.
/// 9: a row per corrective action (`followups`, see `store/followups.rs`), filled once from
///    the figures of a file of schema 8 by the upgrade.
/// 10: each incident's events are found through `timeline`, filled in bulk as `folded.head`
///    moves, instead of the index `events_by_incident`, which every commit wrote a page of
///    per incident it touched (see `commit.rs`); the upgrade fills it up to the head.
pub(super) const SCHEMA_VERSION: i64 = 10;

/// The first schema with snapshot rows: a file from it up to schema 7 has rows without the
/// columns of schema 8, which are dropped in the upgrade and folded again from the log.
const FIRST_SNAPSHOT_SCHEMA: i64 = 6;

/// The schema whose snapshot rows carry the figures (8).
const FIGURES_SCHEMA: i64 = 8;

/// The schema with a row per corrective action (9).
const FOLLOWUPS_SCHEMA: i64 = 9;

/// The schema that finds an incident's events through `timeline` (10).
const TIMELINE_SCHEMA: i64 = 10;

/// The steps that bring an older file up to date: step N takes a file of schema N-1 to N, and
/// a file of schema V runs every step above V, in order, before [`SCHEMA`] creates what is still
/// missing (a fresh file, schema 0, needs only [`SCHEMA`]). Schemas 1 and 2 have no step of
/// their own: what they added is created by [`SCHEMA`]'s `IF NOT EXISTS`, which also absorbs
/// files written by branches that numbered the same tables differently. Append new steps;
/// never edit one that has shipped.
const UPGRADES: &[(i64, &str)] = &[
    // The stored answers are for retries within minutes and the old rows lack the request they
    // answered, so they are dropped rather than guessed at; the log and the outbox are
    // untouched.
    (3, "DROP TABLE IF EXISTS idempotency;"),
    // Events note how their actor came (`via`, issue 14); empty for the old rows.
    (4, "ALTER TABLE events ADD COLUMN via TEXT;"),
    // Events keep the time the person acted (`intended_at`, issue 10). A nullable column: the
    // rows are kept as they are (an append-only log is extended, never rewritten).
    (5, "ALTER TABLE events ADD COLUMN intended_at TEXT;"),
];

/// The tables as this version has them, each created if missing. `idempotency` and `outbox`
/// take their columns from `sql/tables.rs`, as PostgreSQL's do (its `BIGINT` has SQLite's
/// integer affinity).
const SCHEMA: &str = concat!(
    "
CREATE TABLE IF NOT EXISTS events (
    seq      INTEGER PRIMARY KEY,
    incident TEXT NOT NULL,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    kind     TEXT NOT NULL,
    via      TEXT,
    intended_at TEXT
);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TABLE IF NOT EXISTS idempotency (",
    idempotency_columns!(),
    ") WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
    pos             INTEGER PRIMARY KEY AUTOINCREMENT,",
    outbox_columns!(),
    ");
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (state, target, incident, pos);
CREATE INDEX IF NOT EXISTS idempotency_age ON idempotency (stored_at);
CREATE TABLE IF NOT EXISTS incidents (
    number      INTEGER PRIMARY KEY,
    version     INTEGER NOT NULL,
    open        INTEGER NOT NULL,
    ended_at    TEXT,
    declared_at TEXT NOT NULL,
    alert_group TEXT,
    body        TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    service     TEXT,
    severity    TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT '',
    published   INTEGER NOT NULL DEFAULT 0,
    followups   INTEGER NOT NULL DEFAULT 0,
    figures     TEXT
);
CREATE INDEX IF NOT EXISTS incidents_ended ON incidents (open, ended_at);
CREATE INDEX IF NOT EXISTS incidents_declared ON incidents (declared_at);
CREATE TABLE IF NOT EXISTS folded (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    head INTEGER NOT NULL
);
INSERT OR IGNORE INTO folded (singleton, head) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS timeline (
    incident TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (incident, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS followups (
    number INTEGER NOT NULL,
    id     INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    state  TEXT NOT NULL,
    owner  TEXT NOT NULL,
    action TEXT NOT NULL,
    PRIMARY KEY (number, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS followups_due ON followups (due_at, number, id);
"
);

/// Brings the file to [`SCHEMA_VERSION`] in one transaction: SQLite's DDL and `user_version`
/// are transactional, so a crash or a failing step leaves the file as it was, never half
/// upgraded. IMMEDIATE takes the write lock before the version is read, so of two
/// connections opening an old file together one upgrades and the other then finds it done.
pub(super) fn upgrade(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let open_error = |source| StoreError::Open {
        path: path.display().to_string(),
        source,
    };
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(open_error)?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(open_error)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            store: path.display().to_string(),
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    if version > 0 {
        for (step, sql) in UPGRADES.iter().filter(|(step, _)| *step > version) {
            tx.execute_batch(sql)
                .map_err(|err| step_failed(path, version, *step, err))?;
        }
    }
    tx.execute_batch(SCHEMA).map_err(open_error)?;
    add_missing_columns(&tx).map_err(open_error)?;
    if (FIRST_SNAPSHOT_SCHEMA..FIGURES_SCHEMA).contains(&version) {
        // Rows without schema 8's columns: folded again from the log by `open`, page by page.
        tx.execute_batch("DELETE FROM incidents; UPDATE folded SET head = 0;")
            .map_err(|err| step_failed(path, version, 8, err))?;
    }
    if (FIGURES_SCHEMA..FOLLOWUPS_SCHEMA).contains(&version) {
        // Rows with figures: the follow-ups' rows are filled from them, here, once. (Older
        // rows were dropped above and are folded again, which writes them.)
        fill_followups(&tx).map_err(|err| step_failed(path, version, 9, err))?;
    }
    if (1..TIMELINE_SCHEMA).contains(&version) {
        // The index is replaced by `timeline`, which holds the events up to the head (those
        // beyond it are indexed as `open` folds them).
        tx.execute_batch(
            "DROP INDEX IF EXISTS events_by_incident;
             INSERT OR IGNORE INTO timeline (incident, seq)
             SELECT incident, seq FROM events WHERE seq <= (SELECT head FROM folded);",
        )
        .map_err(|err| step_failed(path, version, 10, err))?;
    }
    if version != SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(open_error)?;
    }
    tx.commit().map_err(open_error)
}

/// The error of an upgrade whose step `step` failed on a file of schema `version`: the
/// transaction is dropped, so the file is as it was.
fn step_failed(path: &Path, version: i64, step: i64, err: impl std::fmt::Display) -> StoreError {
    StoreError::UpgradeFailed(format!(
        "{}: the upgrade from schema {version} failed at step {step} ({err}); the file is \
         unchanged",
        path.display()
    ))
}

/// Incidents whose figures are read at a time while the follow-ups' rows are filled.
const FILL_PAGE: usize = 500;

/// Writes the `followups` rows of every incident with corrective actions, from the figures
/// beside its snapshot row, a page of incidents at a time.
fn fill_followups(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    let mut after = 0;
    loop {
        let page = [Value::Int(after), Value::int(FILL_PAGE)];
        let incidents = select(tx, FIGURES_WITH_FOLLOWUPS.sqlite(), &page, read::followups)?;
        let Some(last) = incidents.last() else {
            return Ok(());
        };
        after = seq_column(last.id.number())?;
        for incident in incidents {
            let rows = FollowupRow::encode(incident.id.number(), &incident.corrective_actions)?;
            write_followups(tx, &rows)?;
        }
    }
}

/// Columns added to a table after it first shipped, each with its type: added where missing,
/// whatever the file's version says (a file of schema 1 gets its outbox from [`SCHEMA`] only,
/// with them already).
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    // Schema 7: deliveries remember their first attempt, from which `give_up_after` counts.
    ("outbox", "first_attempt_at", "TEXT"),
    // Schema 8: what readers of history select on, and the report's figures (`snapshot.rs`).
    ("incidents", "title", "TEXT NOT NULL DEFAULT ''"),
    ("incidents", "service", "TEXT"),
    ("incidents", "severity", "TEXT NOT NULL DEFAULT ''"),
    ("incidents", "status", "TEXT NOT NULL DEFAULT ''"),
    ("incidents", "published", "INTEGER NOT NULL DEFAULT 0"),
    ("incidents", "followups", "INTEGER NOT NULL DEFAULT 0"),
    ("incidents", "figures", "TEXT"),
];

fn add_missing_columns(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    for (table, column, kind) in ADDED_COLUMNS {
        let present: bool = tx.query_row(
            &format!("SELECT count(*) > 0 FROM pragma_table_info('{table}') WHERE name = ?1"),
            [column],
            |row| row.get(0),
        )?;
        if !present {
            tx.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind};"))?;
        }
    }
    Ok(())
}
