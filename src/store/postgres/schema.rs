//! The PostgreSQL tables, created and upgraded by versioned migrations.

use super::classify;
use super::commit::{WRITE_FOLLOWUPS, WRITER_LOCK, write_followups};
use super::connection::describe;
use crate::store::StoreError;
use crate::store::followups::FollowupRow;
use crate::store::row::seq_column;
use crate::store::sql::read;
use crate::store::sql::statements::FIGURES_WITH_FOLLOWUPS;
use crate::store::sql::tables::{idempotency_columns, outbox_columns};
use tokio_postgres::Client;

/// Held while migrating, so two replicas starting together do not both create the tables.
const MIGRATION_LOCK: i64 = WRITER_LOCK + 1;

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
        concat!(
            "
CREATE TABLE outbox (
    pos             BIGSERIAL PRIMARY KEY,",
            outbox_columns!(),
            ");
CREATE INDEX outbox_pending ON outbox (state, target, incident, pos);
"
        ),
    ),
    // 3, as SQLite's schema 3: an idempotency key is scoped by actor alone and remembers the
    // request it answered and when. The old answers lack the request, so they are dropped
    // rather than guessed at (they are for retries within minutes).
    (
        3,
        concat!(
            "
DROP TABLE idempotency;
CREATE TABLE idempotency (",
            idempotency_columns!(),
            ");
CREATE INDEX idempotency_age ON idempotency (stored_at);
"
        ),
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
    // 7, as SQLite's schema 7: deliveries remember their first attempt, from which
    // `give_up_after` counts (issue 21).
    (
        7,
        "ALTER TABLE outbox ADD COLUMN IF NOT EXISTS first_attempt_at TEXT;",
    ),
    // 8, as SQLite's schema 8: the snapshot rows carry what readers of history select on and
    // the report's figures (issue 19). The rows written before lack them, so they are dropped
    // and `connect` folds them again from the log, page by page, once. The report reads in
    // declaration order, hence the index's second column.
    (
        8,
        "
ALTER TABLE incidents
    ADD COLUMN title     TEXT NOT NULL DEFAULT '',
    ADD COLUMN service   TEXT,
    ADD COLUMN severity  TEXT NOT NULL DEFAULT '',
    ADD COLUMN status    TEXT NOT NULL DEFAULT '',
    ADD COLUMN published BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN followups BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN figures   TEXT;
DROP INDEX incidents_declared;
CREATE INDEX incidents_declared ON incidents (declared_at, number);
DELETE FROM incidents;
UPDATE folded SET head = 0;
",
    ),
    // 9, as SQLite's schema 9: a row per corrective action (see `store/followups.rs`),
    // filled by `fill_followups` from the figures in the same transaction. Its times compare
    // byte by byte whatever the database's collation.
    (
        FOLLOWUPS_MIGRATION,
        "
CREATE TABLE followups (
    number BIGINT NOT NULL,
    id     BIGINT NOT NULL,
    due_at TEXT COLLATE \"C\" NOT NULL,
    state  TEXT NOT NULL,
    owner  TEXT NOT NULL,
    action TEXT NOT NULL,
    PRIMARY KEY (number, id)
);
CREATE INDEX followups_due ON followups (due_at, number, id);
",
    ),
];

/// The migration that adds the follow-ups' rows.
const FOLLOWUPS_MIGRATION: i32 = 9;

/// Incidents whose figures are read at a time while the follow-ups' rows are filled.
const FILL_PAGE: i64 = 500;

/// Writes the `followups` rows of every incident with corrective actions, from the figures
/// beside its snapshot row, a page of incidents at a time, inside the migration's
/// transaction. (A database migrated from before 8 has no rows yet: `connect` folds them
/// from the log, which writes these too.)
async fn fill_followups(tx: &tokio_postgres::Transaction<'_>) -> Result<(), StoreError> {
    let mut after = 0_i64;
    loop {
        let incidents = tx
            .query(FIGURES_WITH_FOLLOWUPS.postgres(), &[&after, &FILL_PAGE])
            .await
            .map_err(classify)?
            .iter()
            .map(|row| read::followups(row))
            .collect::<Result<Vec<_>, _>>()?;
        let Some(last) = incidents.last() else {
            return Ok(());
        };
        after = seq_column(last.id.number())?;
        let mut rows = Vec::new();
        for incident in &incidents {
            rows.extend(FollowupRow::encode(
                incident.id.number(),
                &incident.corrective_actions,
            )?);
        }
        write_followups(tx.client(), WRITE_FOLLOWUPS, &rows).await?;
    }
}

/// Creates or upgrades the tables, under a lock so that replicas starting together take turns.
pub(super) async fn migrate(client: &mut Client) -> Result<(), StoreError> {
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
        return Err(StoreError::NewerSchema {
            store: "the database".into(),
            found: current.into(),
            known: latest.into(),
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql).await.map_err(|err| {
            StoreError::UpgradeFailed(format!(
                "migration {version} failed: {}; the database is unchanged",
                describe(&err)
            ))
        })?;
        tx.execute(
            "INSERT INTO warroom_migrations (version) VALUES ($1)",
            &[version],
        )
        .await
        .map_err(classify)?;
    }
    if current < FOLLOWUPS_MIGRATION {
        fill_followups(&tx).await.map_err(|err| {
            StoreError::UpgradeFailed(format!(
                "migration {FOLLOWUPS_MIGRATION} failed filling the follow-ups: {err}; \
                 the database is unchanged"
            ))
        })?;
    }
    tx.commit().await.map_err(classify)
}

/// An answer only after commit means only after the commit is flushed: a server (or role)
/// configured with `synchronous_commit = off` is overridden for this session.
pub(super) async fn ensure_durable_commits(client: &mut Client) -> Result<(), StoreError> {
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
