//! The outbox in PostgreSQL: the `outbox` table, written by [`super::Store::commit`] with the
//! events, and read and updated by each replica's delivery worker on a connection of its own.
//!
//! Several replicas run a worker each on the one table, so `due` claims what it hands out: it
//! moves the deliveries' next attempt [`CLAIM`] ahead in the same statement that picks them,
//! and a worker on another replica does not see them as due until the attempt is recorded or
//! the claim runs out (the claiming replica died mid-send). A delivery is then sent by one
//! replica at a time; a receiver still drops the rare repeat by `X-Warroom-Delivery`.

use super::StoreError;
use super::outbox::{Attempt, COLUMNS, Delivery, Outbox, RawDelivery, recent_filter, updated_one};
use super::postgres::PostgresStore;
use super::row::{fixed_time, parse_time};
use crate::domain::Timestamp;

/// How long a claimed delivery is left to the replica that claimed it: well over a delivery
/// attempt's timeout.
const CLAIM: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

impl Outbox for PostgresStore {
    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        // The head of a queue is its lowest pending `pos`; SKIP LOCKED lets two replicas
        // claiming at once take different heads instead of waiting for each other.
        let sql = format!(
            "UPDATE outbox SET next_attempt_at = $3 WHERE pos IN (
                 SELECT pos FROM outbox o
                 WHERE state = 'pending' AND next_attempt_at <= $1
                   AND pos = (SELECT MIN(pos) FROM outbox h
                              WHERE h.state = 'pending' AND h.target = o.target
                                AND h.incident = o.incident)
                 ORDER BY pos LIMIT $2
                 FOR UPDATE SKIP LOCKED)
             RETURNING pos, {COLUMNS}"
        );
        let (now_text, claimed_until) = (fixed_time(now), fixed_time(now + CLAIM));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.run(async |client| {
            client
                .query(&sql, &[&now_text, &limit, &claimed_until])
                .await
        })?;
        let mut due = rows
            .iter()
            .map(|row| Ok((row.get::<_, i64>(0), read(row, 1)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        due.sort_by_key(|(pos, _)| *pos);
        Ok(due.into_iter().map(|(_, delivery)| delivery).collect())
    }

    fn record_attempt(&mut self, id: &str, outcome: &Attempt) -> Result<(), StoreError> {
        let changed = self.run(async |client| match outcome {
            Attempt::Delivered { at } => {
                client
                    .execute(
                        "UPDATE outbox SET state = 'delivered', attempts = attempts + 1,
                         finished_at = $2, next_attempt_at = NULL WHERE id = $1",
                        &[&id, &fixed_time(*at)],
                    )
                    .await
            }
            Attempt::Retry { error, next } => {
                client
                    .execute(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = $2,
                         next_attempt_at = $3 WHERE id = $1",
                        &[&id, error, &fixed_time(*next)],
                    )
                    .await
            }
            Attempt::Dead { error, at } => client
                .execute(
                    "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = $2,
                         finished_at = $3, next_attempt_at = NULL WHERE id = $1",
                    &[&id, error, &fixed_time(*at)],
                )
                .await,
        })?;
        updated_one(id, changed)
    }

    fn recent(&mut self, failed_only: bool, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        let filter = recent_filter(failed_only);
        let sql = format!("SELECT {COLUMNS} FROM outbox {filter} ORDER BY pos DESC LIMIT $1");
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.run(async |client| client.query(&sql, &[&limit]).await)?;
        rows.iter().map(|row| read(row, 0)).collect()
    }

    fn next_due(&mut self) -> Result<Option<Timestamp>, StoreError> {
        let next: Option<String> = self
            .run(async |client| {
                client
                    .query_one(
                        "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'",
                        &[],
                    )
                    .await
            })?
            .get(0);
        next.map(|at| parse_time(&at)).transpose()
    }

    fn pending(&mut self) -> Result<u64, StoreError> {
        let count: i64 = self
            .run(async |client| {
                client
                    .query_one("SELECT count(*) FROM outbox WHERE state = 'pending'", &[])
                    .await
            })?
            .get(0);
        Ok(count.unsigned_abs())
    }
}

/// The delivery whose columns start at `first`.
fn read(row: &tokio_postgres::Row, first: usize) -> Result<Delivery, StoreError> {
    let column = |n: usize| first + n;
    RawDelivery {
        id: row.get(column(0)),
        target: row.get(column(1)),
        incident: row.get(column(2)),
        seq: row.get(column(3)),
        body: row.get(column(4)),
        created_at: row.get(column(5)),
        state: row.get(column(6)),
        attempts: row.get::<_, i32>(column(7)).into(),
        last_error: row.get(column(8)),
        next_attempt_at: row.get(column(9)),
        finished_at: row.get(column(10)),
    }
    .decode()
}
