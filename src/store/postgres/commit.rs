//! # Why the global feed stays gapless in visible order
//! Readers follow `/v1/events?after=N`: once a reader has seen seq N, an event with a smaller
//! seq must never appear later, or the reader skips it for ever. With several writers that is
//! not automatic: if replica A took seq 10 and replica B seq 11, and B committed first, a
//! reader could see 11, move its cursor there, and never see 10.
//!
//! So appends are serialised in the database: every batch runs in one transaction that first
//! takes a transaction-scoped advisory lock ([`WRITER_LOCK`]), then reads the events other
//! replicas committed since this replica last looked (`Store::begin`), decides its commands
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
//! and `COMMIT` (and the snapshot rows' read and write, `fold_snapshots`; a batch that changes
//! corrective actions writes their follow-ups' rows in one more). Statements are prepared once
//! per connection and kept (see `Postgres::prepared` in `mod.rs`); preparing on each call
//! would double the trips.
//!
//! Commits send `NOTIFY warroom_events` with the new head in the same transaction, delivered
//! only once it commits; `listen.rs` turns those into wake-ups on the other replicas, which
//! then read the new events with `Store::events_after`.

use super::listen::CHANNEL;
use super::{Postgres, classify};
use crate::domain::{Event, Incident};
use crate::store::followups::FollowupRow;
use crate::store::row::{Row, fixed_time, seq_column};
use crate::store::snapshot::{self, SnapshotRow};
use crate::store::sql::statements::{EVENTS_AFTER, FOLDED_HEAD, FORGET_BEFORE};
use crate::store::sql::{Engine, Value, read};
use crate::store::{Commit, StoreError};
use std::collections::HashMap;
use tokio_postgres::{Client, ToStatement};

/// The advisory lock every writer holds from `begin` to `commit`. Any constant works as long
/// as all replicas agree; this one spells "warroom" in ASCII.
pub const WRITER_LOCK: i64 = 0x0077_6172_726f_6f6d;

/// Events folded per transaction when the snapshot rows catch up with the log.
const FOLD_PAGE: i64 = 10_000;

/// The snapshot rows a batch's events touch, locked until the batch commits.
const FOLD_READ: &str = "SELECT number, body FROM incidents WHERE number = ANY($1) FOR UPDATE";

/// Follow-ups' rows written from arrays of their columns (an action already there is
/// replaced: its state or kind changed): a batch's, when it changes corrective actions, and
/// the upgrade's fill (`schema.rs`).
pub(super) const WRITE_FOLLOWUPS: &str = "
INSERT INTO followups (number, id, due_at, state, owner, action)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
ON CONFLICT (number, id) DO UPDATE SET due_at = EXCLUDED.due_at, state = EXCLUDED.state,
    owner = EXCLUDED.owner, action = EXCLUDED.action";

/// The folded rows written back and `folded.head` moved, in one statement.
const FOLD_WRITE: &str = "
WITH written AS (
    INSERT INTO incidents (number, version, open, ended_at, declared_at, alert_group, body,
                           title, service, severity, status, published, followups, figures)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bool[], $4::text[], $5::text[],
                         $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                         $11::text[], $12::bool[], $13::bigint[], $14::text[])
    ON CONFLICT (number) DO UPDATE SET version = EXCLUDED.version, open = EXCLUDED.open,
        ended_at = EXCLUDED.ended_at, declared_at = EXCLUDED.declared_at,
        alert_group = EXCLUDED.alert_group, body = EXCLUDED.body, title = EXCLUDED.title,
        service = EXCLUDED.service, severity = EXCLUDED.severity, status = EXCLUDED.status,
        published = EXCLUDED.published, followups = EXCLUDED.followups,
        figures = EXCLUDED.figures
)
UPDATE folded SET head = $15";

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

impl Postgres {
    /// Folds into the snapshot rows the events beyond `folded.head` (the whole log once, after
    /// migration 6; afterwards nothing, as every commit folds its own events). Each page in a
    /// transaction holding the writers' lock, so no commit runs beside it.
    pub(super) fn fold_missing(&mut self) -> Result<(), StoreError> {
        self.connection()?.run(async |client| {
            loop {
                let tx = client.transaction().await.map_err(classify)?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITER_LOCK])
                    .await
                    .map_err(classify)?;
                let head: i64 = tx
                    .query_one(FOLDED_HEAD.postgres(), &[])
                    .await
                    .map_err(classify)?
                    .get(0);
                let page = tx
                    .query(EVENTS_AFTER.postgres(), &[&head, &FOLD_PAGE])
                    .await
                    .map_err(classify)?
                    .iter()
                    .map(|row| read::event(row))
                    .collect::<Result<Vec<_>, _>>()?;
                if page.is_empty() {
                    return tx.commit().await.map_err(classify);
                }
                let statements = [FOLD_READ, FOLD_WRITE, WRITE_FOLLOWUPS];
                fold_snapshots(tx.client(), &page, &HashMap::new(), statements).await?;
                tx.commit().await.map_err(classify)?;
            }
        })
    }

    /// [`Store::begin`](crate::store::Store::begin): waits for this writer's turn, then reads
    /// what the others committed after `after`.
    pub(super) fn take_turn(&mut self, after: u64) -> Result<Vec<Event>, StoreError> {
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
        let after = [Value::int(after), Value::int(usize::MAX)];
        self.rows(&EVENTS_AFTER, &after, read::event)
    }

    /// [`Store::commit`](crate::store::Store::commit): the batch in the turn `take_turn` began
    /// (taken here if it was not), all of it or, on error, nothing.
    pub(super) fn write(&mut self, commit: &Commit) -> Result<(), StoreError> {
        if !self.in_batch {
            if commit.is_empty() {
                return Ok(());
            }
            // A commit without `begin` (a copy between stores): take the turn now.
            self.take_turn(u64::MAX)?;
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
                let actions = self.prepared(WRITE_FOLLOWUPS)?;
                let statements = [&read, &write, &actions];
                self.connection()?.run(async |client| {
                    fold_snapshots(client, &commit.events, &commit.folded, statements).await
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
            let prune = self.prepared(FORGET_BEFORE.postgres())?;
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
}

/// Folds `events` into the snapshot rows of the incidents they touch and moves `folded.head`
/// to the last of them, inside the caller's transaction: one read and one write statement,
/// and a third writing the follow-ups' rows of the incidents whose corrective actions the
/// events change, only when there are some.
async fn fold_snapshots<S: ToStatement + ?Sized>(
    client: &Client,
    events: &[Event],
    folded: &HashMap<u64, Incident>,
    [read, write, write_actions]: [&S; 3],
) -> Result<(), StoreError> {
    let Some(last) = events.last() else {
        return Ok(());
    };
    let touched = snapshot::Touched::new(events, folded);
    let numbers = touched.to_read()?;
    let stored = if numbers.is_empty() {
        Vec::new()
    } else {
        client
            .query(read, &[&numbers])
            .await
            .map_err(classify)?
            .iter()
            .map(|row| read::incident(row))
            .collect::<Result<Vec<_>, _>>()?
    };
    let incidents = touched.finish(events, stored);
    let rows = incidents
        .iter()
        .map(|incident| SnapshotRow::encode(incident))
        .collect::<Result<Vec<_>, _>>()?;
    let actions = FollowupRow::of_batch(events, incidents.iter().map(|i| &**i))?;
    let number: Vec<i64> = rows.iter().map(|r| r.number).collect();
    let version: Vec<i64> = rows.iter().map(|r| r.version).collect();
    let open: Vec<bool> = rows.iter().map(|r| r.open).collect();
    let ended_at: Vec<Option<&str>> = rows.iter().map(|r| r.ended_at.as_deref()).collect();
    let declared_at: Vec<&str> = rows.iter().map(|r| r.declared_at.as_str()).collect();
    let group: Vec<Option<&str>> = rows.iter().map(|r| r.alert_group.as_deref()).collect();
    let body: Vec<&str> = rows.iter().map(|r| r.body.as_str()).collect();
    let title: Vec<&str> = rows.iter().map(|r| r.title.as_str()).collect();
    let service: Vec<Option<&str>> = rows.iter().map(|r| r.service.as_deref()).collect();
    let severity: Vec<&str> = rows.iter().map(|r| r.severity.as_str()).collect();
    let status: Vec<&str> = rows.iter().map(|r| r.status).collect();
    let published: Vec<bool> = rows.iter().map(|r| r.published).collect();
    let followups: Vec<i64> = rows.iter().map(|r| r.followups).collect();
    let figures: Vec<&str> = rows.iter().map(|r| r.figures.as_str()).collect();
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
                &title,
                &service,
                &severity,
                &status,
                &published,
                &followups,
                &figures,
                &head,
            ],
        )
        .await
        .map_err(classify)?;
    write_followups(client, write_actions, &actions).await
}

/// Writes follow-ups' rows with [`WRITE_FOLLOWUPS`] (`statement`); none, nothing is sent.
pub(super) async fn write_followups<S: ToStatement + ?Sized>(
    client: &Client,
    statement: &S,
    rows: &[FollowupRow],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let columns = FollowupColumns::of(rows);
    client
        .execute(
            statement,
            &[
                &columns.number,
                &columns.id,
                &columns.due_at,
                &columns.state,
                &columns.owner,
                &columns.action,
            ],
        )
        .await
        .map_err(classify)?;
    Ok(())
}

/// Follow-ups' rows as the arrays [`WRITE_FOLLOWUPS`] takes.
struct FollowupColumns<'r> {
    number: Vec<i64>,
    id: Vec<i64>,
    due_at: Vec<&'r str>,
    state: Vec<&'r str>,
    owner: Vec<&'r str>,
    action: Vec<&'r str>,
}

impl FollowupColumns<'_> {
    fn of(rows: &[FollowupRow]) -> FollowupColumns<'_> {
        FollowupColumns {
            number: rows.iter().map(|r| r.number).collect(),
            id: rows.iter().map(|r| r.id).collect(),
            due_at: rows.iter().map(|r| r.due_at.as_str()).collect(),
            state: rows.iter().map(|r| r.state).collect(),
            owner: rows.iter().map(|r| r.owner.as_str()).collect(),
            action: rows.iter().map(|r| r.action.as_str()).collect(),
        }
    }
}
