//! The PostgreSQL store: one database shared by several `warroom serve` replicas.
//!
//! # Why the global feed stays gapless in visible order
//! Readers follow `/v1/events?after=N`: once a reader has seen seq N, an event with a smaller
//! seq must never appear later, or the reader skips it for ever. With several writers that is
//! not automatic: if replica A took seq 10 and replica B seq 11, and B committed first, a
//! reader could see 11, move its cursor there, and never see 10.
//!
//! So appends are serialised in the database: every batch runs in one transaction that first
//! takes a transaction-scoped advisory lock ([`WRITER_LOCK`]), then reads the events other
//! replicas committed since this replica last looked ([`Store::begin`]), decides its commands
//! on that current state, numbers its events after the newest seq, inserts them and commits.
//! The lock is released only when the transaction ends, and PostgreSQL makes a committed
//! transaction visible before it releases its locks, so the next writer's read already sees
//! this batch and numbers after it. Seq order is therefore commit order, and at every moment
//! the visible log is a prefix `1..=head` with no holes: a reader can never see seq 11
//! without seq 10. A batch that fails rolls back whole and leaves no hole either, because
//! nothing of it was visible and the next batch numbers from the same head.
//!
//! The price is that writers across replicas take turns, one transaction at a time. Each
//! transaction carries a whole group commit (up to a thousand requests), so the turn-taking
//! costs one lock round trip per batch, not per command.
//!
//! Round trips are what a batch waits on besides the flush, so a batch makes four: `BEGIN`
//! with the lock (one simple query), the read of the other replicas' events, one statement
//! writing the events, the idempotency answers, the outbox rows and the `NOTIFY` together,
//! and `COMMIT`. Statements are prepared once per connection and kept (see
//! [`PostgresStore::prepared`]); preparing on each call would double the trips.
//!
//! Commits send `NOTIFY warroom_events` with the new head in the same transaction, delivered
//! only once it commits; [`listen`] turns those into wake-ups on the other replicas, which
//! then read the new events with [`Store::events_after`].
//!
//! Durability: a commit returns only once PostgreSQL has flushed it (`synchronous_commit` is
//! forced back on if the server turned it off). The log is append-only: triggers refuse
//! `UPDATE`, `DELETE` and `TRUNCATE` on `events`.

use super::postgres_connection::{Connection, classify, describe};
use super::row::{Row, fixed_time, parse_time, seq_column};
use super::snapshot::{self, Resume, SnapshotRow, Which};
use super::{Commit, IdempotencyKey, Remembered, Store, StoreError, StoredResponse};
use crate::domain::{Event, Incident, IncidentId, Timestamp};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::watch;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Statement, ToStatement};

/// The advisory lock every writer holds from `begin` to `commit`. Any constant works as long
/// as all replicas agree; this one spells "warroom" in ASCII.
pub const WRITER_LOCK: i64 = 0x0077_6172_726f_6f6d;
/// Held while migrating, so two replicas starting together do not both create the tables.
const MIGRATION_LOCK: i64 = WRITER_LOCK + 1;
/// The channel of the commit notifications.
const CHANNEL: &str = "warroom_events";
/// How long to wait for the database to answer a connection, and to answer a ping.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Versioned migrations, applied in order, each once, in one transaction with its version
/// recorded in `warroom_migrations`. Append new ones; never edit one that has shipped.
const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        "
CREATE TABLE events (
    seq      BIGINT PRIMARY KEY,
    incident TEXT NOT NULL,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    kind     TEXT NOT NULL
);
CREATE INDEX events_by_incident ON events (incident, seq);
CREATE FUNCTION warroom_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the event log is append-only'; END $$;
CREATE TRIGGER events_no_update_or_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION warroom_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION warroom_refuse_change();
CREATE TABLE idempotency (
    actor    TEXT NOT NULL,
    target   TEXT NOT NULL,
    key      TEXT NOT NULL,
    status   INTEGER NOT NULL,
    body     TEXT NOT NULL,
    location TEXT,
    PRIMARY KEY (actor, target, key)
);
",
    ),
    // 2, as SQLite's schema 2: the notification outbox (issue 11), written by `commit` with
    // the events it is about. `pos` is the insertion order; times are fixed-width RFC 3339
    // text, as in SQLite, so they compare as text.
    (
        2,
        "
CREATE TABLE outbox (
    pos             BIGSERIAL PRIMARY KEY,
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
    finished_at     TEXT
);
CREATE INDEX outbox_pending ON outbox (state, target, incident, pos);
",
    ),
    // 3, as SQLite's schema 3: an idempotency key is scoped by actor alone and remembers the
    // request it answered and when. The old answers lack the request, so they are dropped
    // rather than guessed at (they are for retries within minutes).
    (
        3,
        "
DROP TABLE idempotency;
CREATE TABLE idempotency (
    actor     TEXT NOT NULL,
    key       TEXT NOT NULL,
    request   TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    status    INTEGER NOT NULL,
    body      TEXT NOT NULL,
    location  TEXT,
    PRIMARY KEY (actor, key)
);
CREATE INDEX idempotency_age ON idempotency (stored_at);
",
    ),
    // 4, as SQLite's schema 4: events note how their actor came (`via`, issue 14); empty for
    // the rows written before.
    (4, "ALTER TABLE events ADD COLUMN via TEXT;"),
    // 5, as SQLite's schema 5: events keep the time the person acted (`intended_at`, issue
    // 10), null for a command sent at once. Adding a nullable column rewrites no row, so
    // the append-only triggers are not involved.
    (5, "ALTER TABLE events ADD COLUMN intended_at TEXT;"),
    // 6, as SQLite's schema 6: each incident's folded state beside the log (see
    // `snapshot.rs`). The rows of a database that already has events are folded by
    // `connect` after the migration, page by page.
    (
        6,
        "
CREATE TABLE incidents (
    number      BIGINT PRIMARY KEY,
    version     BIGINT NOT NULL,
    open        BOOLEAN NOT NULL,
    ended_at    TEXT,
    declared_at TEXT NOT NULL,
    alert_group TEXT,
    body        TEXT NOT NULL
);
CREATE INDEX incidents_ended ON incidents (open, ended_at);
CREATE INDEX incidents_declared ON incidents (declared_at);
CREATE TABLE folded (
    singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    head BIGINT NOT NULL
);
INSERT INTO folded (head) VALUES (0);
",
    ),
];

/// Events folded per transaction when the snapshot rows catch up with the log.
const FOLD_PAGE: i64 = 10_000;

/// The snapshot rows a batch's events touch, locked until the batch commits.
const FOLD_READ: &str = "SELECT number, body FROM incidents WHERE number = ANY($1) FOR UPDATE";

/// The folded rows written back and `folded.head` moved, in one statement.
const FOLD_WRITE: &str = "
WITH written AS (
    INSERT INTO incidents (number, version, open, ended_at, declared_at, alert_group, body)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bool[], $4::text[], $5::text[], $6::text[], $7::text[])
    ON CONFLICT (number) DO UPDATE SET version = EXCLUDED.version, open = EXCLUDED.open,
        ended_at = EXCLUDED.ended_at, declared_at = EXCLUDED.declared_at,
        alert_group = EXCLUDED.alert_group, body = EXCLUDED.body
)
UPDATE folded SET head = $8";

/// A batch's writes in one statement, whatever its size, so one round trip: its events, the
/// answers kept for idempotency keys (an expired key that was not yet pruned may be used
/// again), the notifications of these events (committed with them or not at all, in the
/// array's order, which `pos` follows), and the `NOTIFY` of the new head for the other
/// replicas when there are events. Empty arrays insert nothing. The sub-statements touch
/// different tables, so their order within the statement does not matter.
const WRITE_BATCH: &str = "
WITH appended AS (
    INSERT INTO events (seq, incident, at, actor, kind, via, intended_at)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
), remembered AS (
    INSERT INTO idempotency (actor, key, request, stored_at, status, body, location)
    SELECT * FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::int[], $13::text[], $14::text[])
    ON CONFLICT (actor, key) DO UPDATE SET request = EXCLUDED.request,
        stored_at = EXCLUDED.stored_at, status = EXCLUDED.status,
        body = EXCLUDED.body, location = EXCLUDED.location
), queued AS (
    INSERT INTO outbox (id, target, incident, seq, body, created_at, next_attempt_at)
    SELECT i, t, n, s, b, c, c
    FROM unnest($15::text[], $16::text[], $17::text[], $18::bigint[], $19::text[], $20::text[])
        WITH ORDINALITY AS d(i, t, n, s, b, c, o)
    ORDER BY o
)
SELECT pg_notify($21::text, $22::text) WHERE $22::text IS NOT NULL";

pub struct PostgresStore {
    config: tokio_postgres::Config,
    /// `None` after the connection was lost; the next call connects again.
    connection: Option<Connection>,
    /// True between `begin` and `commit`: a transaction holding [`WRITER_LOCK`] is open.
    in_batch: bool,
    /// The statements prepared on this connection, by their text; emptied when it is opened
    /// again.
    statements: HashMap<&'static str, Statement>,
}

impl PostgresStore {
    /// Connects, and migrates the schema to this version (refusing a newer one).
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|err| StoreError::Schema(format!("not a PostgreSQL URL: {err}")))?;
        config
            .connect_timeout(CONNECT_TIMEOUT)
            .keepalives_idle(Duration::from_secs(10))
            .application_name("warroom serve");
        let mut store = PostgresStore {
            config,
            connection: None,
            in_batch: false,
            statements: HashMap::new(),
        };
        store.connection()?.run(migrate)?;
        store.fold_missing()?;
        Ok(store)
    }

    /// Folds into the snapshot rows the events beyond `folded.head` (the whole log once, after
    /// migration 6; afterwards nothing, as every commit folds its own events). Each page in a
    /// transaction holding the writers' lock, so no commit runs beside it.
    fn fold_missing(&mut self) -> Result<(), StoreError> {
        self.connection()?.run(async |client| {
            loop {
                let tx = client.transaction().await.map_err(classify)?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITER_LOCK])
                    .await
                    .map_err(classify)?;
                let head: i64 = tx
                    .query_one("SELECT head FROM folded", &[])
                    .await
                    .map_err(classify)?
                    .get(0);
                let page = tx
                    .query(
                        "SELECT seq, incident, at, actor, kind, via, intended_at FROM events
                         WHERE seq > $1 ORDER BY seq LIMIT $2",
                        &[&head, &FOLD_PAGE],
                    )
                    .await
                    .map_err(classify)?
                    .iter()
                    .map(|row| event_row(row).decode())
                    .collect::<Result<Vec<_>, _>>()?;
                if page.is_empty() {
                    return tx.commit().await.map_err(classify);
                }
                fold_snapshots(tx.client(), &page, &HashMap::new(), [FOLD_READ, FOLD_WRITE])
                    .await?;
                tx.commit().await.map_err(classify)?;
            }
        })
    }

    /// The connection, opened again if it was lost.
    fn connection(&mut self) -> Result<&mut Connection, StoreError> {
        if self.connection.as_ref().is_none_or(Connection::is_closed) {
            self.in_batch = false;
            self.statements.clear();
            let mut connection = Connection::open(&self.config)?;
            connection.run(ensure_durable_commits)?;
            self.connection = Some(connection);
        }
        self.connection
            .as_mut()
            .ok_or_else(|| StoreError::Unavailable("no connection".into()))
    }

    /// Runs `work` on the connection; a lost connection is dropped so the next call opens a
    /// new one, and an open batch is rolled back on any error.
    pub(super) fn run<T>(
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

    /// The events a query selects, as `(seq, incident, at, actor, kind, via, intended_at)` rows.
    fn select(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Event>, StoreError> {
        let statement = self.prepared(sql)?;
        let rows = self.run(async |client| client.query(&statement, params).await)?;
        rows.iter().map(|row| event_row(row).decode()).collect()
    }

    /// The incidents a query selects, as `(number, body)` rows.
    fn select_incidents(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Incident>, StoreError> {
        let rows = self.run(async |client| client.query(sql, params).await)?;
        incident_rows(&rows)
    }
}

/// An event row as `(seq, incident, at, actor, kind, via, intended_at)`.
fn event_row(row: &tokio_postgres::Row) -> Row {
    Row {
        seq: row.get(0),
        incident: row.get(1),
        at: row.get(2),
        actor: row.get(3),
        kind: row.get(4),
        via: row.get(5),
        intended_at: row.get(6),
    }
}

/// Incidents from `(number, body)` rows.
fn incident_rows(rows: &[tokio_postgres::Row]) -> Result<Vec<Incident>, StoreError> {
    rows.iter()
        .map(|row| snapshot::decode(row.get(0), row.get(1)))
        .collect()
}

/// Folds `events` into the snapshot rows of the incidents they touch and moves `folded.head`
/// to the last of them, inside the caller's transaction: one read and one write statement.
async fn fold_snapshots<S: ToStatement + ?Sized>(
    client: &Client,
    events: &[Event],
    folded: &HashMap<u64, Incident>,
    [read, write]: [&S; 2],
) -> Result<(), StoreError> {
    let Some(last) = events.last() else {
        return Ok(());
    };
    let touched = snapshot::Touched::new(events, folded);
    let numbers = touched.to_read()?;
    let stored = if numbers.is_empty() {
        Vec::new()
    } else {
        incident_rows(&client.query(read, &[&numbers]).await.map_err(classify)?)?
    };
    let rows = touched
        .finish(events, stored)
        .iter()
        .map(|incident| SnapshotRow::encode(incident))
        .collect::<Result<Vec<_>, _>>()?;
    let number: Vec<i64> = rows.iter().map(|r| r.number).collect();
    let version: Vec<i64> = rows.iter().map(|r| r.version).collect();
    let open: Vec<bool> = rows.iter().map(|r| r.open).collect();
    let ended_at: Vec<Option<&str>> = rows.iter().map(|r| r.ended_at.as_deref()).collect();
    let declared_at: Vec<&str> = rows.iter().map(|r| r.declared_at.as_str()).collect();
    let group: Vec<Option<&str>> = rows.iter().map(|r| r.alert_group.as_deref()).collect();
    let body: Vec<&str> = rows.iter().map(|r| r.body.as_str()).collect();
    let head = seq_column(last.seq)?;
    client
        .execute(
            write,
            &[
                &number,
                &version,
                &open,
                &ended_at,
                &declared_at,
                &group,
                &body,
                &head,
            ],
        )
        .await
        .map_err(classify)?;
    Ok(())
}

impl Store for PostgresStore {
    fn events_after(&mut self, after: u64, limit: usize) -> Result<Vec<Event>, StoreError> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.select(
            "SELECT seq, incident, at, actor, kind, via, intended_at FROM events
             WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&after, &limit],
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
             WHERE incident = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&incident.to_string(), &after, &limit],
        )
    }

    fn incident(&mut self, number: u64) -> Result<Option<Incident>, StoreError> {
        let number = seq_column(number)?;
        let mut found = self.select_incidents(
            "SELECT number, body FROM incidents WHERE number = $1",
            &[&number],
        )?;
        Ok(found.pop())
    }

    fn incidents(&mut self, which: Which) -> Result<Vec<Incident>, StoreError> {
        match which {
            Which::All => {
                self.select_incidents("SELECT number, body FROM incidents ORDER BY number", &[])
            }
            Which::DeclaredSince(at) => self.select_incidents(
                "SELECT number, body FROM incidents WHERE declared_at >= $1 ORDER BY number",
                &[&fixed_time(at)],
            ),
        }
    }

    fn resume(&mut self, ended_since: Timestamp, recent: usize) -> Result<Resume, StoreError> {
        let (since, recent) = (
            fixed_time(ended_since),
            i64::try_from(recent).unwrap_or(i64::MAX),
        );
        // One snapshot of the database: the rows, the events and the groups are of one moment
        // even while other replicas commit.
        let (incidents, tail, newest, groups) = self.run(async |client| {
            let tx = client
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await?;
            let incidents = tx
                .query(
                    "SELECT number, body FROM incidents WHERE open OR ended_at >= $1 ORDER BY number",
                    &[&since],
                )
                .await?;
            let tail = tx
                .query(
                    "SELECT seq, incident, at, actor, kind, via, intended_at FROM events
                     ORDER BY seq DESC LIMIT $1",
                    &[&recent],
                )
                .await?;
            let newest: i64 = tx
                .query_one("SELECT coalesce(max(number), 0) FROM incidents", &[])
                .await?
                .get(0);
            let groups = tx
                .query(
                    "SELECT alert_group, max(number) FROM incidents
                     WHERE alert_group IS NOT NULL GROUP BY alert_group",
                    &[],
                )
                .await?;
            tx.commit().await?;
            Ok((incidents, tail, newest, groups))
        })?;
        let mut tail = tail
            .iter()
            .map(|row| event_row(row).decode())
            .collect::<Result<Vec<_>, _>>()?;
        tail.reverse();
        Ok(Resume {
            incidents: incident_rows(&incidents)?,
            tail,
            newest_number: u64::try_from(newest).unwrap_or_default(),
            groups: groups
                .iter()
                .map(|row| {
                    let number: i64 = row.get(1);
                    (row.get(0), u64::try_from(number).unwrap_or_default())
                })
                .collect(),
        })
    }

    fn begin(&mut self, after: u64) -> Result<Vec<Event>, StoreError> {
        if self.in_batch {
            // A batch that never reached commit (it cannot happen in the writer, but a store
            // must not keep the lock because of a caller's slip).
            self.run(async |client| client.batch_execute("ROLLBACK").await)?;
            self.in_batch = false;
        }
        // One round trip: the lock is a constant, so both go as one simple query.
        let take_turn = format!("BEGIN; SELECT pg_advisory_xact_lock({WRITER_LOCK})");
        let take_turn = async |client: &mut Client| client.batch_execute(&take_turn).await;
        match self.run(take_turn) {
            // An idle connection may have been closed by the server or a proxy since the
            // last batch: nothing was written, so one try on a fresh connection is safe.
            Err(StoreError::Unavailable(_)) => self.run(take_turn)?,
            other => other?,
        }
        self.in_batch = true;
        self.events_after(after, usize::MAX)
    }

    fn recall(&mut self, key: &IdempotencyKey) -> Result<Option<Remembered>, StoreError> {
        let statement = self.prepared(
            "SELECT request, stored_at, status, body, location FROM idempotency
             WHERE actor = $1 AND key = $2",
        )?;
        let row =
            self.run(async |client| client.query_opt(&statement, &[&key.actor, &key.key]).await)?;
        row.map(|row| {
            let status: i32 = row.get(2);
            let stored_at: String = row.get(1);
            Ok(Remembered {
                request: row.get(0),
                stored_at: parse_time(&stored_at)?,
                response: StoredResponse {
                    status: u16::try_from(status).map_err(|_| {
                        StoreError::Schema(format!("a stored response has status {status}"))
                    })?,
                    body: row.get(3),
                    location: row.get(4),
                },
            })
        })
        .transpose()
    }

    fn commit(&mut self, commit: &Commit) -> Result<(), StoreError> {
        if !self.in_batch {
            if commit.is_empty() {
                return Ok(());
            }
            // A commit without `begin` (a copy between stores): take the turn now.
            self.begin(u64::MAX)?;
        }
        let rows = commit
            .events
            .iter()
            .map(Row::encode)
            .collect::<Result<Vec<_>, _>>()?;
        let head = rows.last().map(|row| row.seq);
        let column = |pick: fn(&Row) -> &String| rows.iter().map(pick).collect::<Vec<_>>();
        let seqs: Vec<i64> = rows.iter().map(|row| row.seq).collect();
        let (incidents, ats, actors, kinds) = (
            column(|r| &r.incident),
            column(|r| &r.at),
            column(|r| &r.actor),
            column(|r| &r.kind),
        );
        let vias: Vec<Option<&str>> = rows.iter().map(|row| row.via.as_deref()).collect();
        let intended: Vec<Option<&str>> = rows.iter().map(|r| r.intended_at.as_deref()).collect();
        let responses = &commit.responses;
        let actor: Vec<&str> = responses.iter().map(|(k, _)| k.actor.as_str()).collect();
        let key: Vec<&str> = responses.iter().map(|(k, _)| k.key.as_str()).collect();
        let request: Vec<&str> = responses.iter().map(|(_, r)| r.request.as_str()).collect();
        let stored_at: Vec<String> = responses
            .iter()
            .map(|(_, r)| fixed_time(r.stored_at))
            .collect();
        let status: Vec<i32> = responses
            .iter()
            .map(|(_, r)| i32::from(r.response.status))
            .collect();
        let body: Vec<&str> = responses
            .iter()
            .map(|(_, r)| r.response.body.as_str())
            .collect();
        let location: Vec<Option<&str>> = responses
            .iter()
            .map(|(_, r)| r.response.location.as_deref())
            .collect();
        // Their incidents' snapshot rows first, in the batch's transaction.
        if !commit.events.is_empty() {
            let folded = self.prepared(FOLD_READ).and_then(|read| {
                let write = self.prepared(FOLD_WRITE)?;
                self.connection()?.run(async |client| {
                    fold_snapshots(client, &commit.events, &commit.folded, [&read, &write]).await
                })
            });
            if let Err(err) = folded {
                self.abandon_batch(&err);
                return Err(err);
            }
        }
        let forget_before = commit.forget_before.map(fixed_time);
        let deliveries = &commit.deliveries;
        let delivery_id: Vec<&str> = deliveries.iter().map(|d| d.id.as_str()).collect();
        let delivery_target: Vec<&str> = deliveries.iter().map(|d| d.target.as_str()).collect();
        let delivery_incident: Vec<&str> = deliveries.iter().map(|d| d.incident.as_str()).collect();
        let delivery_seq = deliveries
            .iter()
            .map(|d| seq_column(d.seq))
            .collect::<Result<Vec<i64>, _>>()?;
        let delivery_body: Vec<&str> = deliveries.iter().map(|d| d.body.as_str()).collect();
        let delivery_created: Vec<String> = deliveries
            .iter()
            .map(|d| fixed_time(d.created_at))
            .collect();
        let head = head.map(|seq| seq.to_string());
        if let Some(cutoff) = &forget_before {
            let prune = self.prepared("DELETE FROM idempotency WHERE stored_at < $1")?;
            self.run(async |client| client.execute(&prune, &[cutoff]).await)?;
        }
        // A batch of refusals alone has nothing to write, only the turn to give back.
        let nothing = seqs.is_empty() && key.is_empty() && delivery_id.is_empty();
        let write = if nothing {
            None
        } else {
            Some(self.prepared(WRITE_BATCH)?)
        };
        self.run(async |client| {
            if let Some(write) = &write {
                client
                    .execute(
                        write,
                        &[
                            &seqs,
                            &incidents,
                            &ats,
                            &actors,
                            &kinds,
                            &vias,
                            &intended,
                            &actor,
                            &key,
                            &request,
                            &stored_at,
                            &status,
                            &body,
                            &location,
                            &delivery_id,
                            &delivery_target,
                            &delivery_incident,
                            &delivery_seq,
                            &delivery_body,
                            &delivery_created,
                            &CHANNEL,
                            &head,
                        ],
                    )
                    .await?;
            }
            client.batch_execute("COMMIT").await
        })?;
        self.in_batch = false;
        Ok(())
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
            return Err(StoreError::Postgres(
                "the database is read-only (a standby?)".into(),
            ));
        }
        Ok(())
    }

    fn probe_write(&mut self) -> Result<(), StoreError> {
        // A committed write that leaves the row as it was: it must find room in the table's
        // pages and flush the WAL, as a real commit does. Two statements of one simple query
        // are one transaction, rolled back whole if either fails.
        self.run(async |client| {
            client
                .batch_execute(
                    "UPDATE folded SET head = head + 1; UPDATE folded SET head = head - 1",
                )
                .await
        })
    }

    fn checkpoint(&mut self) -> Result<(), StoreError> {
        // PostgreSQL keeps its own files whole; nothing to fold back.
        Ok(())
    }
}

/// Creates or upgrades the tables, under a lock so that replicas starting together take turns.
async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let latest = MIGRATIONS.last().map_or(0, |(version, _)| *version);
    let tx = client.transaction().await.map_err(classify)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(classify)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS warroom_migrations (
             version    INTEGER PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .await
    .map_err(classify)?;
    let current: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM warroom_migrations",
            &[],
        )
        .await
        .map_err(classify)?
        .get(0);
    if current > latest {
        return Err(StoreError::Schema(format!(
            "the database was migrated by a newer warroom (schema {current}, this one knows {latest})"
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql).await.map_err(|err| {
            StoreError::Schema(format!("migration {version} failed: {}", describe(&err)))
        })?;
        tx.execute(
            "INSERT INTO warroom_migrations (version) VALUES ($1)",
            &[version],
        )
        .await
        .map_err(classify)?;
    }
    tx.commit().await.map_err(classify)
}

/// An answer only after commit means only after the commit is flushed: a server (or role)
/// configured with `synchronous_commit = off` is overridden for this session.
async fn ensure_durable_commits(client: &mut Client) -> Result<(), StoreError> {
    let setting: String = client
        .query_one("SHOW synchronous_commit", &[])
        .await
        .map_err(classify)?
        .get(0);
    if setting == "off" {
        tracing::warn!("synchronous_commit is off on the server; this session turns it on");
        client
            .batch_execute("SET synchronous_commit = on")
            .await
            .map_err(classify)?;
    }
    Ok(())
}

/// Follows the commits of every replica: calls `on_commit` with the new head each time one
/// commits, and with `u64::MAX` ("look, something may have been missed") each time the
/// connection is (re)established. `connected` tells whether the wake-ups are flowing; the
/// connection is pinged so that a silent network failure is noticed. Runs until `on_commit`
/// returns false.
pub async fn listen(
    url: String,
    on_commit: impl Fn(u64) -> bool + Send + 'static,
    connected: watch::Sender<bool>,
) {
    let config: tokio_postgres::Config = match url.parse() {
        Ok(config) => config,
        Err(err) => {
            tracing::error!(%err, "cannot listen for commits: not a PostgreSQL URL");
            return;
        }
    };
    loop {
        let outcome = listen_once(&config, &on_commit, &connected).await;
        connected.send_replace(false);
        match outcome {
            Ok(()) => return,
            Err(err) => {
                tracing::warn!(reason = %err, "lost the database's commit notifications; reconnecting")
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// One connection's worth of [`listen`]: `Ok` when `on_commit` asked to stop.
async fn listen_once(
    config: &tokio_postgres::Config,
    on_commit: &impl Fn(u64) -> bool,
    connected: &watch::Sender<bool>,
) -> Result<(), String> {
    let connecting = tokio::time::timeout(CONNECT_TIMEOUT, config.connect(tokio_postgres::NoTls));
    let (client, mut connection) = connecting
        .await
        .map_err(|_| "connecting timed out".to_string())?
        .map_err(|err| err.to_string())?;
    let (heads, mut notified) = tokio::sync::mpsc::unbounded_channel();
    // The connection object drives the socket and hands out the notifications.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(tokio_postgres::AsyncMessage::Notification(note)) => {
                    let head = note.payload().parse().unwrap_or(u64::MAX);
                    if heads.send(head).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(reason = %err, "the notification connection failed");
                    return;
                }
            }
        }
    });
    let result = async {
        client
            .batch_execute(&format!("LISTEN {CHANNEL}"))
            .await
            .map_err(|err| err.to_string())?;
        connected.send_replace(true);
        if !on_commit(u64::MAX) {
            return Ok(());
        }
        let mut ping = tokio::time::interval(CONNECT_TIMEOUT);
        loop {
            tokio::select! {
                head = notified.recv() => match head {
                    Some(head) => if !on_commit(head) { return Ok(()) },
                    None => return Err("the connection closed".to_string()),
                },
                _ = ping.tick() => {
                    tokio::time::timeout(CONNECT_TIMEOUT, client.simple_query("SELECT 1"))
                        .await
                        .map_err(|_| "the database did not answer a ping".to_string())?
                        .map_err(|err| err.to_string())?;
                }
            }
        }
    }
    .await;
    driver.abort();
    result
}
