//! [`Outbox`] once for both databases; only `due` differs (PostgreSQL's replicas claim what
//! they send, see `postgres/claim.rs`).

use super::statements::{DEAD, DELIVERED, NEXT_DUE, PENDING, RECENT, RECENT_FAILED, RETRY};
use super::{Engine, SqlStore, Value, read};
use crate::domain::Timestamp;
use crate::store::row::fixed_time;
use crate::store::{Attempt, Delivery, Outbox, StoreError};

impl<E: Engine> Outbox for SqlStore<E> {
    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        self.engine.due(now, limit)
    }

    fn record_attempt(&mut self, id: &str, outcome: &Attempt) -> Result<(), StoreError> {
        let (statement, error, at) = match outcome {
            Attempt::Delivered { at } => (&DELIVERED, None, at),
            Attempt::Retry { error, next } => (&RETRY, Some(error), next),
            Attempt::Dead { error, at } => (&DEAD, Some(error), at),
        };
        let at = fixed_time(*at);
        let changed = match error {
            Some(error) => {
                let failed = [Value::Text(id), Value::Text(error), Value::Text(&at)];
                self.engine.execute(statement, &failed)?
            }
            None => {
                let delivered = [Value::Text(id), Value::Text(&at)];
                self.engine.execute(statement, &delivered)?
            }
        };
        if changed != 1 {
            // An attempt recorded on a delivery the outbox does not hold: the caller's mistake.
            return Err(StoreError::NoSuchDelivery(id.to_string()));
        }
        Ok(())
    }

    fn recent(&mut self, failed_only: bool, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        let statement = if failed_only { &RECENT_FAILED } else { &RECENT };
        self.engine
            .rows(statement, &[Value::int(limit)], read::delivery)
    }

    fn next_due(&mut self) -> Result<Option<Timestamp>, StoreError> {
        let next = self.engine.rows(&NEXT_DUE, &[], read::optional_time)?;
        Ok(next.into_iter().flatten().next())
    }

    fn pending(&mut self) -> Result<u64, StoreError> {
        let count = self.engine.rows(&PENDING, &[], read::int)?;
        Ok(count.first().copied().unwrap_or_default().unsigned_abs())
    }
}
