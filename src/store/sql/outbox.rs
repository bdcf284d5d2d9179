//! [`Outbox`] once for both databases; only `due` differs (PostgreSQL's replicas claim what
//! they send, see `postgres/claim.rs`).

use super::statements::{
    DEAD, DELIVERED, DELIVERY_STATE, NEXT_DUE, PENDING, RECENT, RECENT_FAILED, RESEND_DEAD,
    RESEND_ONE, RETRY, UNDELIVERED,
};
use super::{Engine, SqlStore, Value, read};
use crate::domain::Timestamp;
use crate::store::row::fixed_time;
use crate::store::{Attempt, Delivery, Outbox, Resend, Resent, Standing, StoreError};

impl<E: Engine> Outbox for SqlStore<E> {
    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        self.engine.due(now, limit)
    }

    fn record_attempt(&mut self, id: &str, outcome: &Attempt) -> Result<(), StoreError> {
        let changed = match outcome {
            Attempt::Delivered { at } => {
                let at = fixed_time(*at);
                self.engine
                    .execute(&DELIVERED, &[Value::Text(id), Value::Text(&at)])?
            }
            Attempt::Retry { error, at, next } => {
                let (at, next) = (fixed_time(*at), fixed_time(*next));
                let retry = [
                    Value::Text(id),
                    Value::Text(error),
                    Value::Text(&next),
                    Value::Text(&at),
                ];
                self.engine.execute(&RETRY, &retry)?
            }
            Attempt::Dead { error, at } => {
                let at = fixed_time(*at);
                let dead = [Value::Text(id), Value::Text(error), Value::Text(&at)];
                self.engine.execute(&DEAD, &dead)?
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

    fn undelivered(&mut self) -> Result<Vec<(String, Standing, u64)>, StoreError> {
        self.engine.rows(&UNDELIVERED, &[], read::standing_count)
    }

    fn resend(&mut self, which: &Resend, now: Timestamp) -> Result<Resent, StoreError> {
        let now = fixed_time(now);
        let changed = match which {
            Resend::One(id) => self
                .engine
                .execute(&RESEND_ONE, &[Value::Text(&now), Value::Text(id)])?,
            Resend::AllDead => self.engine.execute(&RESEND_DEAD, &[Value::Text(&now)])?,
        };
        if changed > 0 {
            return Ok(Resent::Queued(changed));
        }
        let Resend::One(id) = which else {
            return Ok(Resent::Queued(0));
        };
        let state = self
            .engine
            .rows(&DELIVERY_STATE, &[Value::Text(id)], read::text)?;
        Ok(if state.is_empty() {
            Resent::Unknown
        } else {
            Resent::AlreadyDelivered
        })
    }
}
