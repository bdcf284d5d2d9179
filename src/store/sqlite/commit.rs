//! A batch written to the file: its events, the answers kept for idempotency keys, its
//! incidents' snapshot rows and its notifications, in one IMMEDIATE transaction that
//! `synchronous=FULL` makes durable before it returns.

use super::{Sqlite, select};
use crate::domain::{Event, Incident};
use crate::store::followups::FollowupRow;
use crate::store::row::{Row, fixed_time, seq_column};
use crate::store::row_encoder::RowEncoder;
use crate::store::snapshot;
use crate::store::sql::Value;
use crate::store::sql::read;
use crate::store::sql::statements::{EVENTS_AFTER, FOLDED_HEAD, FORGET_BEFORE, INCIDENT};
use crate::store::{Commit, StoreError};
use rusqlite::{Connection, TransactionBehavior, params};
use std::collections::HashMap;

/// Events folded per transaction when a file's snapshot rows catch up with its log.
const FOLD_PAGE: usize = 10_000;
/// How many events the writer's commits fold before they move `folded.head` (and at a clean
/// stop). Moving it on every commit cost a page of its own in the WAL and the commit's fsync
/// (a note's commit now writes two: its event and the incident's row). Left behind, it only
/// makes the next open fold those events again, which leaves every row as it is: a row's
/// `version` is the `seq` of the last event in it, and folding skips the events at or below
/// it. So at most this many are read again at open, and read from the log's tail by
/// `INCIDENT_EVENTS_AFTER` (see `move_folded_head`).
pub(super) const FOLDED_HEAD_STEP: u64 = 1_000;

/// Where `folded.head` stands in the file, and how far this connection's commits folded.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct FoldedHead {
    pub written: u64,
    pub through: u64,
}

impl Sqlite {
    /// [`Store::commit`](crate::store::Store::commit): all of `commit` or, on error, nothing.
    pub(super) fn write(&mut self, commit: &Commit) -> Result<(), StoreError> {
        if commit.is_empty() {
            return Ok(());
        }
        // IMMEDIATE takes the write lock up front, so a busy database fails here rather than
        // half way through the batch.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut moved = None;
        {
            for event in &commit.events {
                append_event(&tx, event)?;
            }
            if let Some(cutoff) = commit.forget_before {
                // Fixed-width times, written and compared alike, so that text order is time
                // order (as in PostgreSQL).
                tx.prepare_cached(FORGET_BEFORE.sqlite())?
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
            fold_snapshots(&tx, &mut self.rows, &commit.events, &commit.folded)?;
            if let Some(last) = commit.events.last()
                && last.seq >= self.folded.written + FOLDED_HEAD_STEP
            {
                move_folded_head(&tx, last.seq)?;
                moved = Some(last.seq);
            }
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
        if let Some(last) = commit.events.last() {
            self.folded.through = self.folded.through.max(last.seq);
        }
        if let Some(head) = moved {
            self.folded.written = head;
        }
        Ok(())
    }

    /// Writes down, at a clean stop, how far this connection's commits folded the rows (see
    /// [`FOLDED_HEAD_STEP`]).
    pub(super) fn write_folded_head(&mut self) -> Result<(), StoreError> {
        if self.folded.through > self.folded.written {
            move_folded_head(&self.conn, self.folded.through)?;
            self.folded.written = self.folded.through;
        }
        Ok(())
    }

    /// Folds into the snapshot rows the events beyond `folded.head`: the whole log once, when
    /// an older file gains the rows; afterwards only events appended by something other than
    /// warroom. Page by page, each page in its own transaction, so memory stays bounded and
    /// an interrupted fold resumes where it stopped.
    pub(super) fn fold_missing(&mut self) -> Result<(), StoreError> {
        loop {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let head = first(select(&tx, FOLDED_HEAD.sqlite(), &[], read::int)?);
            let page = [Value::Int(head), Value::int(FOLD_PAGE)];
            let events = select(&tx, EVENTS_AFTER.sqlite(), &page, read::event)?;
            if events.is_empty() {
                let head = u64::try_from(head).unwrap_or_default();
                self.folded = FoldedHead {
                    written: head,
                    through: head,
                };
                return Ok(());
            }
            fold_snapshots(&tx, &mut self.rows, &events, &HashMap::new())?;
            if let Some(last) = events.last() {
                move_folded_head(&tx, last.seq)?;
            }
            tx.commit()?;
        }
    }
}

/// The one value of a one-row answer; none reads as 0.
fn first(values: Vec<i64>) -> i64 {
    values.first().copied().unwrap_or_default()
}

/// Folds `events` into the snapshot rows of the incidents they touch (taking those the writer
/// `folded` as they are), inside the caller's transaction.
fn fold_snapshots(
    conn: &Connection,
    rows: &mut RowEncoder,
    events: &[Event],
    folded: &HashMap<u64, Incident>,
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let incidents = snapshot::fold_touched(events, folded, |numbers| {
        let mut stored = Vec::new();
        for &number in numbers {
            let row = select(
                conn,
                INCIDENT.sqlite(),
                &[Value::Int(number)],
                read::incident,
            )?;
            stored.extend(row);
        }
        Ok(stored)
    })?;
    // An existing row is updated, not replaced: REPLACE deletes and reinserts the row in every
    // index, and SQLite rewrites an index entry for each column a SET names, changed or not;
    // every index page touched is one more page in the WAL and in the commit's fsync. So the
    // upsert's SET leaves out the indexed columns (when an incident opened, ended, was
    // declared), and a second statement sets them only where they changed (a new row already
    // has them): a note's commit writes two pages fewer.
    let mut upsert = conn.prepare_cached(
        "INSERT INTO incidents
         (number, version, open, ended_at, declared_at, alert_group, body,
          title, service, severity, status, published, followups, figures)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (number) DO UPDATE SET version = excluded.version,
          alert_group = excluded.alert_group, body = excluded.body, title = excluded.title,
          service = excluded.service, severity = excluded.severity, status = excluded.status,
          published = excluded.published, followups = excluded.followups,
          figures = excluded.figures",
    )?;
    let mut reindex = conn.prepare_cached(
        "UPDATE incidents SET open = ?2, ended_at = ?3, declared_at = ?4
         WHERE number = ?1 AND (open IS NOT ?2 OR ended_at IS NOT ?3 OR declared_at IS NOT ?4)",
    )?;
    for incident in &incidents {
        let row = rows.encode(incident)?;
        upsert.execute(params![
            row.number,
            row.version,
            row.open,
            row.ended_at,
            row.declared_at,
            row.alert_group,
            row.body,
            row.title,
            row.service,
            row.severity,
            row.status,
            row.published,
            row.followups,
            row.figures
        ])?;
        reindex.execute(params![row.number, row.open, row.ended_at, row.declared_at])?;
    }
    write_followups(
        conn,
        &FollowupRow::of_batch(events, incidents.iter().map(|i| &**i))?,
    )?;
    Ok(())
}

/// Appends `event` to the log, as it is: nothing else (the caller folds it, or, in a test,
/// leaves it for the next open to fold, as for an event appended by another program).
pub(super) fn append_event(conn: &Connection, event: &Event) -> Result<(), StoreError> {
    let row = Row::encode(event)?;
    conn.prepare_cached(
        "INSERT INTO events (seq, incident, at, actor, kind, via, intended_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        row.seq,
        row.incident,
        row.at,
        row.actor,
        row.kind,
        row.via,
        row.intended_at
    ])?;
    Ok(())
}

/// Moves `folded.head` to `seq`, inside the caller's transaction, and adds the events it
/// passes to `timeline`, which holds each incident's events up to the head (readers find
/// those beyond it by scanning the short tail of the log, see `INCIDENT_EVENTS_AFTER`).
///
/// Why a table filled in bulk rather than an index on `events (incident, seq)`: an index is
/// written in every commit, a page for each incident the commit touches (each incident's
/// entries end on a page of their own), and every page is one more in the WAL and through
/// the commit's fsync: a commit of 8 notes on 8 incidents wrote 12.95 pages with it and 4.58
/// without (`tests/timeline.rs`; BENCHMARKS.md, issue 23). Here the entries of a thousand
/// events are written at once.
fn move_folded_head(conn: &Connection, seq: u64) -> Result<(), StoreError> {
    let seq = seq_column(seq)?;
    conn.prepare_cached(
        "INSERT OR IGNORE INTO timeline (incident, seq)
         SELECT incident, seq FROM events WHERE seq > (SELECT head FROM folded) AND seq <= ?1",
    )?
    .execute(params![seq])?;
    conn.prepare_cached("UPDATE folded SET head = ?1")?
        .execute(params![seq])?;
    Ok(())
}

/// Writes follow-ups' rows (an action already there is replaced: its state or kind changed).
pub(super) fn write_followups(conn: &Connection, rows: &[FollowupRow]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut write = conn.prepare_cached(
        "INSERT OR REPLACE INTO followups (number, id, due_at, state, owner, action)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for row in rows {
        write.execute(params![
            row.number, row.id, row.due_at, row.state, row.owner, row.action
        ])?;
    }
    Ok(())
}
