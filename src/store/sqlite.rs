//! The SQLite store: one file, WAL mode, `synchronous=FULL`, so that a committed transaction
//! survives a crash of the process or the machine.

use super::row::{Row, fixed_time, parse_time, seq_column};
use super::snapshot::{self, Resume, SnapshotRow, Which};
use super::{Commit, IdempotencyKey, Remembered, Store, StoreError, StoredResponse};
use crate::domain::{Event, Incident, IncidentId, Timestamp};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// How long a commit waits for a lock another process holds on the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the readiness probe waits for the write lock: long enough to outlast a commit of
/// our own delivery worker (a connection of this process), short enough not to hold the
/// writer, which runs the probe, for long.
const PROBE_TIMEOUT: Duration = Duration::from_millis(250);

/// Bumped whenever the tables change; a newer file is refused rather than misread.
/// 2: the notifications outbox (issue 11).
/// 3: idempotency keys are scoped by actor alone and remember their request and time.
/// 4: events note how their actor came (`via`, issue 14).
/// 5: events keep the time the person acted (`intended_at`, issue 10).
/// 6: each incident's folded state beside the log (`incidents`, `folded`; see `snapshot.rs`),
///    created by [`SCHEMA`] and filled by [`SqliteStore::open`] from the log already there.
const SCHEMA_VERSION: i64 = 6;

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

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    seq      INTEGER PRIMARY KEY,
    incident TEXT NOT NULL,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    kind     TEXT NOT NULL,
    via      TEXT,
    intended_at TEXT
);
CREATE INDEX IF NOT EXISTS events_by_incident ON events (incident, seq);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TABLE IF NOT EXISTS idempotency (
    actor     TEXT NOT NULL,
    key       TEXT NOT NULL,
    request   TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    status    INTEGER NOT NULL,
    body      TEXT NOT NULL,
    location  TEXT,
    PRIMARY KEY (actor, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
    pos             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    target          TEXT NOT NULL,
    incident        TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TEXT,
    finished_at     TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (state, target, incident, pos);
CREATE INDEX IF NOT EXISTS idempotency_age ON idempotency (stored_at);
CREATE TABLE IF NOT EXISTS incidents (
    number      INTEGER PRIMARY KEY,
    version     INTEGER NOT NULL,
    open        INTEGER NOT NULL,
    ended_at    TEXT,
    declared_at TEXT NOT NULL,
    alert_group TEXT,
    body        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_ended ON incidents (open, ended_at);
CREATE INDEX IF NOT EXISTS incidents_declared ON incidents (declared_at);
CREATE TABLE IF NOT EXISTS folded (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    head INTEGER NOT NULL
);
INSERT OR IGNORE INTO folded (singleton, head) VALUES (1, 0);
";

/// The readiness probe's write. The two updates leave the row as it was but dirty its page,
/// which the commit must write to the WAL and sync, so a full disk refuses it as it refuses a
/// real commit (a rollback writes nothing, nor does an empty commit, nor an update to the
/// same value).
const PROBE_WRITE: &str = "BEGIN IMMEDIATE;
UPDATE folded SET head = head + 1;
UPDATE folded SET head = head - 1;
COMMIT;";

/// Events folded per transaction when a file's snapshot rows catch up with its log.
const FOLD_PAGE: usize = 10_000;

pub struct SqliteStore {
    pub(super) conn: Connection,
}

impl SqliteStore {
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
        // WAL lets readers run beside the writer; FULL fsyncs the WAL on every commit, which is
        // what "acknowledged only once durable" needs (NORMAL could lose the last commits on a
        // power cut).
        let mode = switch_to_wal(&conn).map_err(open_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Schema(format!(
                "{}: SQLite refused WAL mode (got {mode})",
                path.display()
            )));
        }
        conn.execute_batch("PRAGMA synchronous=FULL;")
            .map_err(open_error)?;
        upgrade(&mut conn, path)?;
        let mut store = SqliteStore { conn };
        store.fold_missing()?;
        Ok(store)
    }

    /// Folds into the snapshot rows the events beyond `folded.head`: the whole log once, when
    /// an older file gains the rows; afterwards only events appended by something other than
    /// warroom. Page by page, each page in its own transaction, so memory stays bounded and
    /// an interrupted fold resumes where it stopped.
    fn fold_missing(&mut self) -> Result<(), StoreError> {
        loop {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let head: i64 = tx.query_row("SELECT head FROM folded", [], |row| row.get(0))?;
            let page = select_events(
                &tx,
                "SELECT seq, incident, at, actor, kind, via, intended_at FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                params![head, FOLD_PAGE as i64],
            )?;
            if page.is_empty() {
                return Ok(());
            }
            fold_snapshots(&tx, &page)?;
            tx.commit()?;
        }
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

/// The events a query selects, as `(seq, incident, at, actor, kind, via, intended_at)` rows.
fn select_events(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Event>, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement.query_map(params, |row| {
        Ok(Row {
            seq: row.get(0)?,
            incident: row.get(1)?,
            at: row.get(2)?,
            actor: row.get(3)?,
            kind: row.get(4)?,
            via: row.get(5)?,
            intended_at: row.get(6)?,
        })
    })?;
    let mut events = Vec::new();
    for row in rows {
        events.push(row?.decode()?);
    }
    Ok(events)
}

/// Folds `events` into the snapshot rows of the incidents they touch and moves `folded.head`
/// to the last of them, inside the caller's transaction.
fn fold_snapshots(conn: &Connection, events: &[Event]) -> Result<(), StoreError> {
    let Some(last) = events.last() else {
        return Ok(());
    };
    let mut stored = BTreeMap::new();
    {
        let mut read = conn.prepare_cached("SELECT body FROM incidents WHERE number = ?1")?;
        for number in snapshot::touched(events) {
            let body: Option<String> = read
                .query_row(params![number], |row| row.get(0))
                .optional()?;
            if let Some(body) = body {
                let incident = snapshot::decode(number, &body)?;
                stored.insert(incident.id.number(), incident);
            }
        }
    }
    let mut write = conn.prepare_cached(
        "INSERT OR REPLACE INTO incidents
         (number, version, open, ended_at, declared_at, alert_group, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for incident in snapshot::fold(stored, events) {
        let row = SnapshotRow::encode(&incident)?;
        write.execute(params![
            row.number,
            row.version,
            row.open,
            row.ended_at,
            row.declared_at,
            row.alert_group,
            row.body
        ])?;
    }
    conn.prepare_cached("UPDATE folded SET head = ?1")?
        .execute(params![seq_column(last.seq)?])?;
    Ok(())
}

/// The incidents a query selects, as `(number, body)` rows.
fn select_incidents(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Incident>, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement.query_map(params, |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut incidents = Vec::new();
    for row in rows {
        let (number, body) = row?;
        incidents.push(snapshot::decode(number, &body)?);
    }
    Ok(incidents)
}

/// Brings the file to [`SCHEMA_VERSION`] in one transaction: SQLite's DDL and `user_version`
/// are transactional, so a crash or a failing step leaves the file as it was, never half
/// upgraded. IMMEDIATE takes the write lock before the version is read, so of two
/// connections opening an old file together one upgrades and the other then finds it done.
fn upgrade(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
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
        return Err(StoreError::Schema(format!(
            "{} was written by a newer warroom (schema {version}, this one knows {SCHEMA_VERSION})",
            path.display()
        )));
    }
    if version > 0 {
        for (step, sql) in UPGRADES.iter().filter(|(step, _)| *step > version) {
            tx.execute_batch(sql).map_err(|err| {
                StoreError::Schema(format!(
                    "{}: the upgrade from schema {version} failed at step {step} ({err}); \
                     the file is unchanged",
                    path.display()
                ))
            })?;
        }
    }
    tx.execute_batch(SCHEMA).map_err(open_error)?;
    if version != SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(open_error)?;
    }
    tx.commit().map_err(open_error)
}

impl SqliteStore {
    /// The events a query selects, as `(seq, incident, at, actor, kind, via, intended_at)` rows.
    fn select(
        &mut self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Event>, StoreError> {
        select_events(&self.conn, sql, params)
    }

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

impl Store for SqliteStore {
    fn events_after(&mut self, after: u64, limit: usize) -> Result<Vec<Event>, StoreError> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.select(
            "SELECT seq, incident, at, actor, kind, via, intended_at FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            params![after, limit],
        )
    }

    fn incident_events_after(
        &mut self,
        incident: &IncidentId,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.select(
            "SELECT seq, incident, at, actor, kind, via, intended_at FROM events
             WHERE incident = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            params![incident.to_string(), after, limit],
        )
    }

    fn incident(&mut self, number: u64) -> Result<Option<Incident>, StoreError> {
        let number = seq_column(number)?;
        let mut found = select_incidents(
            &self.conn,
            "SELECT number, body FROM incidents WHERE number = ?1",
            params![number],
        )?;
        Ok(found.pop())
    }

    fn incidents(&mut self, which: Which) -> Result<Vec<Incident>, StoreError> {
        match which {
            Which::All => select_incidents(
                &self.conn,
                "SELECT number, body FROM incidents ORDER BY number",
                [],
            ),
            Which::DeclaredSince(at) => select_incidents(
                &self.conn,
                "SELECT number, body FROM incidents WHERE declared_at >= ?1 ORDER BY number",
                params![fixed_time(at)],
            ),
        }
    }

    fn resume(&mut self, ended_since: Timestamp, recent: usize) -> Result<Resume, StoreError> {
        // One read transaction: the rows, the events and the groups are of one moment.
        let tx = self.conn.transaction()?;
        let incidents = select_incidents(
            &tx,
            "SELECT number, body FROM incidents WHERE open OR ended_at >= ?1 ORDER BY number",
            params![fixed_time(ended_since)],
        )?;
        let mut tail = select_events(
            &tx,
            "SELECT seq, incident, at, actor, kind, via, intended_at FROM events ORDER BY seq DESC LIMIT ?1",
            params![i64::try_from(recent).unwrap_or(i64::MAX)],
        )?;
        tail.reverse();
        let newest: i64 = tx.query_row(
            "SELECT coalesce(max(number), 0) FROM incidents",
            [],
            |row| row.get(0),
        )?;
        let groups = {
            let mut statement = tx.prepare_cached(
                "SELECT alert_group, max(number) FROM incidents
                 WHERE alert_group IS NOT NULL GROUP BY alert_group",
            )?;
            let rows = statement.query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })?;
            let mut groups = Vec::new();
            for row in rows {
                let (group, number) = row?;
                groups.push((group, u64::try_from(number).unwrap_or_default()));
            }
            groups
        };
        tx.commit()?;
        Ok(Resume {
            incidents,
            tail,
            newest_number: u64::try_from(newest).unwrap_or_default(),
            groups,
        })
    }

    fn recall(&mut self, key: &IdempotencyKey) -> Result<Option<Remembered>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT request, stored_at, status, body, location FROM idempotency
             WHERE actor = ?1 AND key = ?2",
        )?;
        let found = statement
            .query_row(params![key.actor, key.key], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    StoredResponse {
                        status: row.get(2)?,
                        body: row.get(3)?,
                        location: row.get(4)?,
                    },
                ))
            })
            .optional()?;
        let Some((request, stored_at, response)) = found else {
            return Ok(None);
        };
        let stored_at = parse_time(&stored_at)?;
        Ok(Some(Remembered {
            request,
            stored_at,
            response,
        }))
    }

    fn commit(&mut self, commit: &Commit) -> Result<(), StoreError> {
        if commit.is_empty() {
            return Ok(());
        }
        // IMMEDIATE takes the write lock up front, so a busy database fails here rather than
        // half way through the batch.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut insert_event = tx.prepare_cached(
                "INSERT INTO events (seq, incident, at, actor, kind, via, intended_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for event in &commit.events {
                let row = Row::encode(event)?;
                insert_event.execute(params![
                    row.seq,
                    row.incident,
                    row.at,
                    row.actor,
                    row.kind,
                    row.via,
                    row.intended_at
                ])?;
            }
            if let Some(cutoff) = commit.forget_before {
                // Fixed-width times, written and compared alike, so that text order is time
                // order (as in PostgreSQL).
                tx.prepare_cached("DELETE FROM idempotency WHERE stored_at < ?1")?
                    .execute(params![fixed_time(cutoff)])?;
            }
            // REPLACE: an expired key that was not yet pruned may be used again.
            let mut insert_response = tx.prepare_cached(
                "INSERT OR REPLACE INTO idempotency
                 (actor, key, request, stored_at, status, body, location)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for (key, remembered) in &commit.responses {
                let response = &remembered.response;
                insert_response.execute(params![
                    key.actor,
                    key.key,
                    remembered.request,
                    fixed_time(remembered.stored_at),
                    response.status,
                    response.body,
                    response.location
                ])?;
            }
            // Their incidents' snapshot rows, folded in the same transaction.
            fold_snapshots(&tx, &commit.events)?;
            // The notifications of these events, in the same transaction: committed with them
            // or not at all.
            let mut insert_delivery = tx.prepare_cached(
                "INSERT INTO outbox (id, target, incident, seq, body, created_at, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            )?;
            for delivery in &commit.deliveries {
                insert_delivery.execute(params![
                    delivery.id,
                    delivery.target,
                    delivery.incident,
                    seq_column(delivery.seq)?,
                    delivery.body,
                    fixed_time(delivery.created_at)
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn check_writable(&mut self) -> Result<(), StoreError> {
        // BEGIN IMMEDIATE takes the write lock (refused if another connection holds it for
        // longer than the probe waits) and fails on a read-only file; nothing is written.
        self.probe("BEGIN IMMEDIATE; ROLLBACK;")?;
        match self.conn.path().filter(|path| !path.is_empty()) {
            Some(path) => super::room::check(Path::new(path)),
            None => Ok(()),
        }
    }

    fn probe_write(&mut self) -> Result<(), StoreError> {
        self.probe(PROBE_WRITE)
    }

    fn checkpoint(&mut self) -> Result<(), StoreError> {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventKind, NoteKind};
    use crate::store::{DeliveryState, NewDelivery, Outbox};

    fn note(seq: u64, incident: u64, text: &str) -> Event {
        Event {
            seq,
            incident: IncidentId::from_number(incident),
            at: chrono::DateTime::parse_from_rfc3339("2025-01-02T03:04:05.123456789Z")
                .unwrap()
                .to_utc(),
            actor: "alice".into(),
            via: None,
            kind: EventKind::NoteAdded {
                kind: NoteKind::Note,
                text: text.into(),
            },
            intended_at: None,
        }
    }

    fn key(k: &str) -> IdempotencyKey {
        IdempotencyKey {
            actor: "alice".into(),
            key: k.into(),
        }
    }

    fn remembered(status: u16, stored_at: &str) -> Remembered {
        Remembered {
            request: "POST /v1/incidents 0123456789abcdef".into(),
            stored_at: stored_at.parse().unwrap(),
            response: StoredResponse {
                status,
                body: r#"{"id":"INC-1"}"#.into(),
                location: Some("/v1/incidents/INC-1".into()),
            },
        }
    }

    /// A store in a fresh file holding one committed note, seq 1, "kept".
    fn store_with_one_note() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("log.db")).unwrap();
        let commit = Commit {
            events: vec![note(1, 1, "kept")],
            ..Commit::default()
        };
        store.commit(&commit).unwrap();
        (dir, store)
    }

    /// The tables as a schema-3 file had them (before `via` and `intended_at`), holding one
    /// event, one stored answer ("k", 201) and one delivery ("d1").
    const SCHEMA_3_FILE: &str = "
        CREATE TABLE events (seq INTEGER PRIMARY KEY, incident TEXT NOT NULL,
            at TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL);
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        CREATE TABLE idempotency (actor TEXT NOT NULL, key TEXT NOT NULL,
            request TEXT NOT NULL, stored_at TEXT NOT NULL, status INTEGER NOT NULL,
            body TEXT NOT NULL, location TEXT, PRIMARY KEY (actor, key)) WITHOUT ROWID;
        CREATE TABLE outbox (pos INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE, target TEXT NOT NULL, incident TEXT NOT NULL,
            seq INTEGER NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT, next_attempt_at TEXT, finished_at TEXT);
        CREATE INDEX outbox_pending ON outbox (state, target, incident, pos);
        CREATE INDEX idempotency_age ON idempotency (stored_at);
        INSERT INTO events VALUES (1, 'INC-1', '2025-01-02T03:04:05.123456789Z', 'alice',
            '{\"type\":\"note_added\",\"kind\":\"note\",\"text\":\"kept\"}');
        INSERT INTO idempotency VALUES ('alice', 'k', 'POST /v1/incidents 0123456789abcdef',
            '2026-11-25T14:00:00Z', 201, '{\"id\":\"INC-1\"}', '/v1/incidents/INC-1');
        INSERT INTO outbox (id, target, incident, seq, body, created_at, next_attempt_at)
            VALUES ('d1', 'ops', 'INC-1', 1, '{}', '2025-01-02T03:04:05.000000000Z',
                    '2025-01-02T03:04:05.000000000Z');
        PRAGMA user_version = 3;
    ";

    /// A schema-3 file at `path` as [`SCHEMA_3_FILE`] describes it, then `extra` run on it.
    fn write_schema_3_file(path: &Path, extra: &str) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(SCHEMA_3_FILE).unwrap();
        conn.execute_batch(extra).unwrap();
    }

    fn user_version(path: &Path) -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap()
    }

    fn event_columns(path: &Path) -> Vec<String> {
        let conn = Connection::open(path).unwrap();
        let mut statement = conn
            .prepare("SELECT name FROM pragma_table_info('events')")
            .unwrap();
        statement
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn an_upgrade_failing_part_way_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        // Step 4 (via) succeeds, then step 5 finds its column already there and fails.
        write_schema_3_file(&path, "ALTER TABLE events ADD COLUMN intended_at TEXT;");
        let before = event_columns(&path);
        let err = SqliteStore::open(&path).err().unwrap().to_string();
        assert!(err.contains("failed at step 5"), "{err}");
        assert!(err.contains("the file is unchanged"), "{err}");
        assert_eq!(user_version(&path), 3);
        assert_eq!(event_columns(&path), before, "step 4 was rolled back");
        let answers: i64 = Connection::open(&path)
            .unwrap()
            .query_row("SELECT count(*) FROM idempotency", [], |row| row.get(0))
            .unwrap();
        assert_eq!(answers, 1, "the stored answer is still there");
    }

    #[test]
    fn connections_opening_an_old_file_at_once_all_succeed() {
        for _ in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("log.db");
            write_schema_3_file(&path, "");
            let start = std::sync::Barrier::new(3);
            let opened: Vec<Result<SqliteStore, StoreError>> = std::thread::scope(|scope| {
                let openers: Vec<_> = (0..3)
                    .map(|_| {
                        scope.spawn(|| {
                            start.wait();
                            SqliteStore::open(&path)
                        })
                    })
                    .collect();
                openers.into_iter().map(|t| t.join().unwrap()).collect()
            });
            for store in opened {
                let mut store = store.unwrap();
                assert_eq!(
                    store.events_after(0, usize::MAX).unwrap(),
                    vec![note(1, 1, "kept")]
                );
            }
            assert_eq!(user_version(&path), SCHEMA_VERSION);
        }
    }

    #[test]
    fn how_an_actor_came_survives_and_a_schema_3_file_gains_the_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        write_schema_3_file(&path, "");
        let mut store = SqliteStore::open(&path).unwrap();
        let via_ssh = Event {
            via: Some("ssh".into()),
            ..note(2, 1, "from a bastion")
        };
        let commit = Commit {
            events: vec![via_ssh.clone()],
            ..Commit::default()
        };
        store.commit(&commit).unwrap();
        drop(store);
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            store.events_after(0, usize::MAX).unwrap(),
            vec![note(1, 1, "kept"), via_ssh]
        );
        // Schema 3's answers already had their request and time: they are kept, as is the
        // outbox.
        assert_eq!(
            store.recall(&key("k")).unwrap(),
            Some(remembered(201, "2026-11-25T14:00:00Z"))
        );
        let deliveries = store.recent(false, 10).unwrap();
        assert_eq!(deliveries.len(), 1, "{deliveries:?}");
        assert_eq!(deliveries[0].id, "d1");
        assert_eq!(deliveries[0].seq, 1);
        assert_eq!(deliveries[0].state, DeliveryState::Pending);
    }

    #[test]
    fn an_event_keeps_the_time_the_person_acted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        let typed = parse_time("2026-11-25T13:58:07Z").unwrap();
        let event = Event {
            intended_at: Some(typed),
            ..note(1, 1, "typed offline")
        };
        {
            let mut store = SqliteStore::open(&path).unwrap();
            let commit = Commit {
                events: vec![event.clone(), note(2, 1, "typed online")],
                ..Commit::default()
            };
            store.commit(&commit).unwrap();
        }
        let loaded = SqliteStore::open(&path)
            .unwrap()
            .events_after(0, usize::MAX)
            .unwrap();
        assert_eq!(loaded[0].intended_at, Some(typed));
        assert_eq!(loaded[1].intended_at, None);
    }

    #[test]
    fn committed_events_and_responses_survive_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        let response = remembered(201, "2026-11-25T14:00:00Z");
        {
            let mut store = SqliteStore::open(&path).unwrap();
            let commit = Commit {
                events: vec![note(1, 1, "first"), note(2, 2, "second")],
                responses: vec![(key("k1"), response.clone())],
                ..Commit::default()
            };
            store.commit(&commit).unwrap();
        }
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            store.events_after(0, usize::MAX).unwrap(),
            vec![note(1, 1, "first"), note(2, 2, "second")]
        );
        assert_eq!(store.recall(&key("k1")).unwrap(), Some(response));
        assert_eq!(store.recall(&key("k2")).unwrap(), None);
        let mut other_actor = key("k1");
        other_actor.actor = "bob".into();
        assert_eq!(store.recall(&other_actor).unwrap(), None);
    }

    /// INC-1 resolved at `resolved`, INC-2 resolved at `later`, INC-3 open: notes, then the
    /// status changes.
    fn three_incidents(resolved: &str, later: &str) -> Vec<Event> {
        let ended = |seq, incident, at: &str| Event {
            at: parse_time(at).unwrap(),
            kind: EventKind::StatusChanged {
                from: crate::domain::Status::Investigating,
                to: crate::domain::Status::Resolved,
                reason: None,
                commander: None,
            },
            ..note(seq, incident, "")
        };
        vec![
            note(1, 1, "one"),
            note(2, 2, "two"),
            note(3, 3, "three"),
            ended(4, 1, resolved),
            ended(5, 2, later),
        ]
    }

    #[test]
    fn snapshot_rows_fold_the_log_and_a_resume_reads_only_what_memory_keeps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        let mut store = SqliteStore::open(&path).unwrap();
        let events = three_incidents("2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z");
        store
            .commit(&Commit {
                events: events.clone(),
                ..Commit::default()
            })
            .unwrap();
        let one = store.incident(1).unwrap().expect("INC-1's row");
        assert_eq!(one, Incident::fold(IncidentId::from_number(1), &events));
        assert_eq!(store.incident(4).unwrap(), None);
        // Ended before the cutoff: INC-1 stays in the store; the open INC-3 and INC-2 (ended
        // after it) are read, with the newest two events.
        let resume = store
            .resume(parse_time("2026-03-01T00:00:00Z").unwrap(), 2)
            .unwrap();
        let numbers: Vec<u64> = resume.incidents.iter().map(|i| i.id.number()).collect();
        assert_eq!(numbers, [2, 3]);
        let tail: Vec<u64> = resume.tail.iter().map(|e| e.seq).collect();
        assert_eq!(tail, [4, 5]);
        assert_eq!(resume.newest_number, 3);
        assert_eq!(store.incidents(Which::All).unwrap().len(), 3);
    }

    #[test]
    fn a_schema_5_file_and_events_appended_behind_warroom_are_folded_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        let events = three_incidents("2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z");
        {
            let mut store = SqliteStore::open(&path).unwrap();
            store
                .commit(&Commit {
                    events: events[..3].to_vec(),
                    ..Commit::default()
                })
                .unwrap();
            // Back to schema 5, without the rows; then two events appended by hand.
            store
                .conn
                .execute_batch("DROP TABLE incidents; DROP TABLE folded; PRAGMA user_version = 5;")
                .unwrap();
            for event in &events[3..] {
                let row = Row::encode(event).unwrap();
                store
                    .conn
                    .execute(
                        "INSERT INTO events (seq, incident, at, actor, kind) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![row.seq, row.incident, row.at, row.actor, row.kind],
                    )
                    .unwrap();
            }
        }
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(user_version(&path), SCHEMA_VERSION);
        for number in 1..=3 {
            let id = IncidentId::from_number(number);
            assert_eq!(
                store.incident(number).unwrap(),
                Some(Incident::fold(id, &events)),
                "INC-{number}"
            );
        }
    }

    #[test]
    fn the_log_is_in_wal_mode_with_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("log.db")).unwrap();
        let pragma = |name: &str| -> String {
            store
                .conn
                .query_row(&format!("PRAGMA {name}"), [], |row| {
                    row.get::<_, rusqlite::types::Value>(0)
                })
                .map(|value| format!("{value:?}"))
                .unwrap()
        };
        assert_eq!(pragma("journal_mode"), "Text(\"wal\")");
        // 2 is FULL: every commit fsyncs the WAL.
        assert_eq!(pragma("synchronous"), "Integer(2)");
    }

    #[test]
    fn a_failed_commit_stores_nothing_of_its_batch() {
        let (_dir, mut store) = store_with_one_note();
        // seq 1 again violates the primary key after seq 2 was inserted in the same batch.
        let clash = Commit {
            events: vec![note(2, 1, "lost"), note(1, 1, "clash")],
            responses: vec![(key("k"), remembered(200, "2026-11-25T14:00:00Z"))],
            ..Commit::default()
        };
        assert!(store.commit(&clash).is_err());
        assert_eq!(
            store.events_after(0, usize::MAX).unwrap(),
            vec![note(1, 1, "kept")]
        );
        assert_eq!(store.recall(&key("k")).unwrap(), None);
    }

    #[test]
    fn a_delivery_whose_seq_does_not_fit_the_column_fails_its_commit_whole() {
        let (_dir, mut store) = store_with_one_note();
        let commit = Commit {
            events: vec![note(2, 1, "lost")],
            deliveries: vec![NewDelivery {
                id: "d1".into(),
                target: "ops".into(),
                incident: "INC-1".into(),
                seq: u64::MAX,
                body: "{}".into(),
                created_at: "2026-11-25T14:00:00Z".parse().unwrap(),
            }],
            ..Commit::default()
        };
        let err = store.commit(&commit).unwrap_err().to_string();
        assert!(err.contains("does not fit a 64-bit column"), "{err}");
        assert_eq!(
            store.events_after(0, usize::MAX).unwrap(),
            vec![note(1, 1, "kept")]
        );
        let deliveries: i64 = store
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |row| row.get(0))
            .unwrap();
        assert_eq!(deliveries, 0, "no wrapped seq was stored");
    }

    #[test]
    fn expired_answers_are_forgotten_in_the_commit_that_says_so() {
        let (_dir, mut store) = store_with_one_note();
        let commit = Commit {
            responses: vec![
                (key("old"), remembered(200, "2026-11-01T00:00:00Z")),
                (key("new"), remembered(200, "2026-11-20T00:00:00Z")),
            ],
            ..Commit::default()
        };
        store.commit(&commit).unwrap();
        let prune = Commit {
            forget_before: Some("2026-11-10T00:00:00Z".parse().unwrap()),
            ..Commit::default()
        };
        assert!(!prune.is_empty(), "a prune alone is a commit");
        store.commit(&prune).unwrap();
        assert_eq!(store.recall(&key("old")).unwrap(), None);
        assert!(store.recall(&key("new")).unwrap().is_some());
        // An expired key used again replaces the old answer.
        let again = Commit {
            responses: vec![(key("new"), remembered(201, "2026-11-25T00:00:00Z"))],
            ..Commit::default()
        };
        store.commit(&again).unwrap();
        assert_eq!(
            store.recall(&key("new")).unwrap().unwrap().response.status,
            201
        );
    }

    #[test]
    fn an_answer_stored_within_the_second_before_the_cutoff_is_forgotten() {
        let (_dir, mut store) = store_with_one_note();
        let commit = Commit {
            responses: vec![
                (key("whole"), remembered(200, "2026-11-25T14:00:00Z")),
                (key("tenth"), remembered(200, "2026-11-25T14:00:00.1Z")),
                (key("later"), remembered(200, "2026-11-25T14:00:00.6Z")),
            ],
            ..Commit::default()
        };
        store.commit(&commit).unwrap();
        // As variable-width text, "14:00:00Z" and "14:00:00.1Z" sort after "14:00:00.5Z".
        let prune = Commit {
            forget_before: Some("2026-11-25T14:00:00.5Z".parse().unwrap()),
            ..Commit::default()
        };
        store.commit(&prune).unwrap();
        assert_eq!(store.recall(&key("whole")).unwrap(), None);
        assert_eq!(store.recall(&key("tenth")).unwrap(), None);
        assert!(store.recall(&key("later")).unwrap().is_some());
    }

    #[test]
    fn a_file_of_schema_4_gains_the_time_the_person_acted_and_keeps_how_they_came() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE events (seq INTEGER PRIMARY KEY, incident TEXT NOT NULL,
                     at TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL, via TEXT);
                 INSERT INTO events VALUES (1, 'INC-1', '2025-01-02T03:04:05.123456789Z', 'alice',
                     '{\"type\":\"note_added\",\"kind\":\"note\",\"text\":\"kept\"}', 'ssh');",
            )
            .unwrap();
            conn.pragma_update(None, "user_version", 4).unwrap();
        }
        let mut store = SqliteStore::open(&path).unwrap();
        let typed = parse_time("2026-11-25T13:58:07Z").unwrap();
        let offline = Event {
            intended_at: Some(typed),
            ..note(2, 1, "typed offline")
        };
        let commit = Commit {
            events: vec![offline.clone()],
            ..Commit::default()
        };
        store.commit(&commit).unwrap();
        let kept = Event {
            via: Some("ssh".into()),
            ..note(1, 1, "kept")
        };
        assert_eq!(
            store.events_after(0, usize::MAX).unwrap(),
            vec![kept, offline]
        );
    }

    #[test]
    fn a_file_of_schema_1_or_2_keeps_its_log_and_outbox_and_drops_its_old_answers() {
        for version in [1, 2] {
            an_old_file_is_upgraded(version);
        }
    }

    fn an_old_file_is_upgraded(version: i64) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        {
            let conn = Connection::open(&path).unwrap();
            if version == 2 {
                conn.execute_batch(
                    "CREATE TABLE outbox (pos INTEGER PRIMARY KEY AUTOINCREMENT,
                         id TEXT NOT NULL UNIQUE, target TEXT NOT NULL, incident TEXT NOT NULL,
                         seq INTEGER NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
                         state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
                         last_error TEXT, next_attempt_at TEXT, finished_at TEXT);
                     INSERT INTO outbox (id, target, incident, seq, body, created_at)
                         VALUES ('d1', 'ops', 'INC-1', 1, '{}', '2025-01-02T03:04:05Z');",
                )
                .unwrap();
            }
            conn.pragma_update(None, "user_version", version).unwrap();
            conn.execute_batch(
                "CREATE TABLE events (seq INTEGER PRIMARY KEY, incident TEXT NOT NULL,
                     at TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL);
                 CREATE TABLE idempotency (actor TEXT NOT NULL, target TEXT NOT NULL,
                     key TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
                     location TEXT, PRIMARY KEY (actor, target, key)) WITHOUT ROWID;
                 INSERT INTO idempotency VALUES ('alice', 'POST /v1/incidents', 'k', 201, '{}', NULL);
                 INSERT INTO events VALUES (1, 'INC-1', '2025-01-02T03:04:05.123456789Z', 'alice',
                     '{\"type\":\"note_added\",\"kind\":\"note\",\"text\":\"kept\"}');",
            )
            .unwrap();
        }
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            store.events_after(0, usize::MAX).unwrap(),
            vec![note(1, 1, "kept")]
        );
        assert_eq!(store.recall(&key("k")).unwrap(), None, "schema {version}");
        let deliveries: i64 = store
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |row| row.get(0))
            .unwrap();
        assert_eq!(deliveries, i64::from(version == 2), "schema {version}");
        let upgraded: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(upgraded, SCHEMA_VERSION);
    }

    #[test]
    fn the_probe_waits_out_a_short_write_and_reports_a_long_one_as_locked() {
        let (dir, mut store) = store_with_one_note();
        let mut other = Connection::open(dir.path().join("log.db")).unwrap();
        // Another connection (the delivery worker's, say) writing for a moment.
        let held = std::sync::Barrier::new(2);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let tx = other
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .unwrap();
                held.wait();
                std::thread::sleep(Duration::from_millis(50));
                tx.commit().unwrap();
            });
            held.wait();
            store.check_writable().unwrap();
        });
        // A lock held for longer than the probe waits.
        let tx = other
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .unwrap();
        assert!(matches!(store.check_writable(), Err(StoreError::Locked)));
        drop(tx);
        store.check_writable().unwrap();
    }

    #[test]
    fn a_checkpoint_kept_busy_by_a_reader_still_lets_the_stop_go_on() {
        let (dir, mut store) = store_with_one_note();
        let mut reader = Connection::open(dir.path().join("log.db")).unwrap();
        let snapshot = reader.transaction().unwrap();
        let _: i64 = snapshot
            .query_row("SELECT count(*) FROM events", [], |row| row.get(0))
            .unwrap();
        // Not the 5 s a commit waits: the reader will not leave during the test.
        store.conn.busy_timeout(Duration::ZERO).unwrap();
        store.checkpoint().unwrap();
        let wal = dir.path().join("log.db-wal");
        assert!(
            wal.metadata().unwrap().len() > 0,
            "the WAL was not truncated"
        );
        drop(snapshot);
        store.checkpoint().unwrap();
        assert_eq!(wal.metadata().unwrap().len(), 0, "now it is");
    }

    #[test]
    fn the_log_refuses_updates_and_deletes() {
        let (_dir, mut store) = store_with_one_note();
        let update = store
            .conn
            .execute("UPDATE events SET actor = 'mallory'", []);
        assert!(update.unwrap_err().to_string().contains("append-only"));
        assert!(store.conn.execute("DELETE FROM events", []).is_err());
        assert_eq!(store.events_after(0, usize::MAX).unwrap().len(), 1);
    }

    #[test]
    fn an_unreadable_row_is_reported_with_its_seq() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("log.db")).unwrap();
        store
            .conn
            .execute(
                "INSERT INTO events (seq, incident, at, actor, kind) VALUES (7, 'INC-1', '2025-01-01T00:00:00Z', 'a', '{\"type\":\"exploded\"}')",
                [],
            )
            .unwrap();
        let err = store.events_after(0, usize::MAX).unwrap_err().to_string();
        assert!(err.starts_with("event 7 in the log is unreadable"), "{err}");
    }

    #[test]
    fn a_file_from_a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let err = SqliteStore::open(&path).err().unwrap().to_string();
        assert!(err.contains("newer warroom"), "{err}");
    }
}
