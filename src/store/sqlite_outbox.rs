//! The outbox in SQLite: the `outbox` table, written by [`super::Store::commit`] with the
//! events, and read and updated by the delivery worker on a connection of its own.

use super::StoreError;
use super::outbox::{
    Attempt, COLUMNS, Delivery, Outbox, RawDelivery, Resend, Resent, Standing, UNDELIVERED,
    recent_filter, resend_sql, updated_one,
};
use super::row::{fixed_time, parse_time};
use super::sqlite::SqliteStore;
use crate::domain::Timestamp;
use rusqlite::{OptionalExtension, Row, params};

impl Outbox for SqliteStore {
    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        // `pos` is the insertion order; the head of a queue is its lowest pending `pos`.
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox o
             WHERE state = 'pending' AND next_attempt_at <= ?1
               AND pos = (SELECT MIN(pos) FROM outbox h
                          WHERE h.state = 'pending' AND h.target = o.target
                            AND h.incident = o.incident)
             ORDER BY pos LIMIT ?2"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map(params![fixed_time(now), limit as i64], read)?;
        rows.map(|row| row?).collect()
    }

    fn record_attempt(&mut self, id: &str, outcome: &Attempt) -> Result<(), StoreError> {
        let changed = match outcome {
            Attempt::Delivered { at } => self.conn.execute(
                "UPDATE outbox SET state = 'delivered', attempts = attempts + 1,
                 finished_at = ?2, next_attempt_at = NULL WHERE id = ?1",
                params![id, fixed_time(*at)],
            )?,
            Attempt::Retry { error, at, next } => self.conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2,
                 next_attempt_at = ?3, first_attempt_at = coalesce(first_attempt_at, ?4)
                 WHERE id = ?1",
                params![id, error, fixed_time(*next), fixed_time(*at)],
            )?,
            Attempt::Dead { error, at } => self.conn.execute(
                "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?2,
                 finished_at = ?3, next_attempt_at = NULL,
                 first_attempt_at = coalesce(first_attempt_at, ?3) WHERE id = ?1",
                params![id, error, fixed_time(*at)],
            )?,
        };
        updated_one(id, changed as u64)
    }

    fn recent(&mut self, failed_only: bool, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        let filter = recent_filter(failed_only);
        let sql = format!("SELECT {COLUMNS} FROM outbox {filter} ORDER BY pos DESC LIMIT ?1");
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map(params![limit as i64], read)?;
        rows.map(|row| row?).collect()
    }

    fn next_due(&mut self) -> Result<Option<Timestamp>, StoreError> {
        let next: Option<String> = self.conn.query_row(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'",
            [],
            |row| row.get(0),
        )?;
        next.map(|at| parse_time(&at)).transpose()
    }

    fn pending(&mut self) -> Result<u64, StoreError> {
        let count: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE state = 'pending'",
            [],
            |row| row.get(0),
        )?;
        Ok(count.unsigned_abs())
    }

    fn undelivered(&mut self) -> Result<Vec<(String, Standing, u64)>, StoreError> {
        let mut statement = self.conn.prepare_cached(UNDELIVERED)?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })?;
        rows.map(|row| {
            let (target, standing, count) = row?;
            Ok((
                target,
                Standing::from_column(&standing)?,
                count.unsigned_abs(),
            ))
        })
        .collect()
    }

    fn resend(&mut self, which: &Resend, now: Timestamp) -> Result<Resent, StoreError> {
        let sql = resend_sql(which, ("?1", "?2"));
        let changed = match which {
            Resend::One(id) => self.conn.execute(&sql, params![fixed_time(now), id])?,
            Resend::AllDead => self.conn.execute(&sql, params![fixed_time(now)])?,
        };
        if changed > 0 {
            return Ok(Resent::Queued(changed as u64));
        }
        let Resend::One(id) = which else {
            return Ok(Resent::Queued(0));
        };
        let state: Option<String> = self
            .conn
            .query_row("SELECT state FROM outbox WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .optional()?;
        Ok(match state {
            Some(_) => Resent::AlreadyDelivered,
            None => Resent::Unknown,
        })
    }
}

/// One row; an unreadable one is an error inside the row's result, not a panic.
fn read(row: &Row<'_>) -> rusqlite::Result<Result<Delivery, StoreError>> {
    let raw = RawDelivery {
        id: row.get(0)?,
        target: row.get(1)?,
        incident: row.get(2)?,
        seq: row.get(3)?,
        body: row.get(4)?,
        created_at: row.get(5)?,
        state: row.get(6)?,
        attempts: row.get(7)?,
        last_error: row.get(8)?,
        next_attempt_at: row.get(9)?,
        finished_at: row.get(10)?,
        first_attempt_at: row.get(11)?,
    };
    Ok(raw.decode())
}
