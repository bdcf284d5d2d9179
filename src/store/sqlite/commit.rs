//! A batch written to the file: its events, the answers kept for idempotency keys, its
//! incidents' snapshot rows and its notifications, in one IMMEDIATE transaction that
//! `synchronous=FULL` makes durable before it returns.

use super::{Sqlite, select};
use crate::domain::{Event, Incident};
use crate::store::followups::FollowupRow;
use crate::store::row::{Row, fixed_time, seq_column};
use crate::store::snapshot::{self, SnapshotRow};
use crate::store::sql::Value;
use crate::store::sql::read;
use crate::store::sql::statements::{EVENTS_AFTER, FOLDED_HEAD, FORGET_BEFORE, INCIDENT};
use crate::store::{Commit, StoreError};
use rusqlite::{Connection, TransactionBehavior, params};
use std::collections::HashMap;

/// Events folded per transaction when a file's snapshot rows catch up with its log.
const FOLD_PAGE: usize = 10_000;

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
            fold_snapshots(&tx, &commit.events, &commit.folded)?;
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
                return Ok(());
            }
            fold_snapshots(&tx, &events, &HashMap::new())?;
            tx.commit()?;
        }
    }
}

/// The one value of a one-row answer; none reads as 0.
fn first(values: Vec<i64>) -> i64 {
    values.first().copied().unwrap_or_default()
}

/// Folds `events` into the snapshot rows of the incidents they touch (taking those the writer
/// `folded` as they are) and moves `folded.head` to the last of them, inside the caller's
/// transaction.
fn fold_snapshots(
    conn: &Connection,
    events: &[Event],
    folded: &HashMap<u64, Incident>,
) -> Result<(), StoreError> {
    let Some(last) = events.last() else {
        return Ok(());
    };
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
    let mut write = conn.prepare_cached(
        "INSERT OR REPLACE INTO incidents
         (number, version, open, ended_at, declared_at, alert_group, body,
          title, service, severity, status, published, followups, figures)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    for incident in &incidents {
        let row = SnapshotRow::encode(incident)?;
        write.execute(params![
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
    }
    write_followups(
        conn,
        &FollowupRow::of_batch(events, incidents.iter().map(|i| &**i))?,
    )?;
    conn.prepare_cached("UPDATE folded SET head = ?1")?
        .execute(params![seq_column(last.seq)?])?;
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
