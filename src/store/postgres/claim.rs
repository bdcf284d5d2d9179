//! The outbox shared by the replicas' delivery workers.
//!
//! Several replicas run a worker each on the one table, so `due` claims what it hands out: it
//! moves the deliveries' next attempt [`CLAIM`] ahead in the same statement that picks them,
//! and a worker on another replica does not see them as due until the attempt is recorded or
//! the claim runs out (the claiming replica died mid-send). A delivery is then sent by one
//! replica at a time; a receiver still drops the rare repeat by `X-Warroom-Delivery`.

use super::Postgres;
use crate::domain::Timestamp;
use crate::store::row::fixed_time;
use crate::store::sql::statements::CLAIM_DUE;
use crate::store::sql::{Engine, Value, read};
use crate::store::{Delivery, StoreError};

/// How long a claimed delivery is left to the replica that claimed it: well over a delivery
/// attempt's timeout.
const CLAIM: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

impl Postgres {
    /// [`Outbox::due`](crate::store::Outbox::due), claimed for this replica. SKIP LOCKED lets
    /// two replicas claiming at once take different deliveries instead of waiting for each
    /// other.
    pub(super) fn claim_due(
        &mut self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        let (now, claimed_until) = (fixed_time(now), fixed_time(now + CLAIM));
        let claim = [
            Value::Text(&now),
            Value::int(limit),
            Value::Text(&claimed_until),
        ];
        let mut due = self.rows(&CLAIM_DUE, &claim, read::claimed)?;
        due.sort_by_key(|(pos, _)| *pos);
        Ok(due.into_iter().map(|(_, delivery)| delivery).collect())
    }
}
