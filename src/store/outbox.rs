//! The notification outbox: deliveries written in the same transaction as the events they
//! are about (so none is sent for an uncommitted change and none is lost by a crash), then
//! worked off by a delivery worker apart from the writer.

use super::StoreError;
use super::row::parse_time;
use crate::domain::Timestamp;
use serde::{Deserialize, Serialize};

/// A notification to deliver, queued by the writer with the events of its commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// Unique, sent as `X-Warroom-Delivery` so that receivers can drop a repeat.
    pub id: String,
    /// The `name` of the `[[notify]]` target.
    pub target: String,
    /// The incident the event belongs to: deliveries of one incident to one target go out in
    /// order.
    pub incident: String,
    /// The event's `seq`.
    pub seq: u64,
    /// The request body, ready to send.
    pub body: String,
    pub created_at: Timestamp,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    /// Waiting for its first attempt or for its next retry.
    Pending,
    Delivered,
    /// Given up after the configured age.
    Dead,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Dead => "dead",
        }
    }

    fn parse(text: &str) -> Option<DeliveryState> {
        [
            DeliveryState::Pending,
            DeliveryState::Delivered,
            DeliveryState::Dead,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// A delivery as the outbox holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: String,
    pub target: String,
    pub incident: String,
    pub seq: u64,
    #[serde(skip_serializing)]
    pub body: String,
    pub created_at: Timestamp,
    pub state: DeliveryState,
    pub attempts: u32,
    /// The last failure: the receiver's status or the transport error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    /// When it was first tried (since it was queued or resent): `give_up_after` counts from
    /// here, so a delivery queued behind a failing one gets its whole time once its turn comes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_attempt_at: Option<Timestamp>,
}

impl DeliveryState {
    fn from_column(text: &str) -> Result<DeliveryState, StoreError> {
        DeliveryState::parse(text)
            .ok_or_else(|| StoreError::Schema(format!("unknown delivery state '{text}'")))
    }
}

/// The outbox's columns in the order both stores read them.
pub(super) const COLUMNS: &str = "id, target, incident, seq, body, created_at, state, attempts, \
                                  last_error, next_attempt_at, finished_at, first_attempt_at";

/// The `WHERE` clause of [`Outbox::recent`]: the dead and the failing ones, or everything.
pub(super) fn recent_filter(failed_only: bool) -> &'static str {
    if failed_only {
        "WHERE state = 'dead' OR (state = 'pending' AND last_error IS NOT NULL)"
    } else {
        ""
    }
}

/// A row of the outbox as both stores read it ([`COLUMNS`]), before its times and state are
/// parsed.
pub(super) struct RawDelivery {
    pub id: String,
    pub target: String,
    pub incident: String,
    pub seq: i64,
    pub body: String,
    pub created_at: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<String>,
    pub finished_at: Option<String>,
    pub first_attempt_at: Option<String>,
}

impl RawDelivery {
    /// The delivery, or an error naming it: the row was written by something else.
    pub fn decode(self) -> Result<Delivery, StoreError> {
        let id = self.id;
        let (seq, attempts) = (self.seq, self.attempts);
        Ok(Delivery {
            seq: u64::try_from(seq)
                .map_err(|_| StoreError::Schema(format!("delivery {id} has seq {seq}")))?,
            attempts: u32::try_from(attempts).map_err(|_| {
                StoreError::Schema(format!("delivery {id} has {attempts} attempts"))
            })?,
            created_at: parse_time(&self.created_at)?,
            state: DeliveryState::from_column(&self.state)?,
            next_attempt_at: self
                .next_attempt_at
                .as_deref()
                .map(parse_time)
                .transpose()?,
            finished_at: self.finished_at.as_deref().map(parse_time).transpose()?,
            first_attempt_at: self
                .first_attempt_at
                .as_deref()
                .map(parse_time)
                .transpose()?,
            target: self.target,
            incident: self.incident,
            body: self.body,
            last_error: self.last_error,
            id,
        })
    }
}

/// An attempt recorded on a delivery the outbox does not hold is the caller's mistake.
pub(super) fn updated_one(id: &str, changed: u64) -> Result<(), StoreError> {
    if changed != 1 {
        return Err(StoreError::Schema(format!(
            "no delivery {id} in the outbox"
        )));
    }
    Ok(())
}

/// What the delivery worker and `notify log` need of the outbox. Calls are short: a worker
/// holds no transaction open across a network request.
pub trait Outbox: Send + 'static {
    /// The oldest pending delivery of each (target, incident) whose time has come: only the
    /// head of each queue, so deliveries of one incident to one target never overtake.
    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>, StoreError>;

    /// Records an attempt's outcome: delivered, retried at `next` after `error`, or dead.
    fn record_attempt(&mut self, id: &str, outcome: &Attempt) -> Result<(), StoreError>;

    /// The newest deliveries first; only the dead and the failing ones if asked.
    fn recent(&mut self, failed_only: bool, limit: usize) -> Result<Vec<Delivery>, StoreError>;

    /// When the earliest pending delivery is next due, to sleep until then.
    fn next_due(&mut self) -> Result<Option<Timestamp>, StoreError>;

    /// How many deliveries wait for a first attempt or a retry: the outbox's depth.
    fn pending(&mut self) -> Result<u64, StoreError>;

    /// The deliveries not (yet) delivered, counted by target and [`Standing`], for `/metrics`.
    /// Delivered ones are left out: they only grow, and counting them would scan the table.
    fn undelivered(&mut self) -> Result<Vec<(String, Standing, u64)>, StoreError>;

    /// Sends again what was given up: one delivery (dead, or pending, then at once) or every
    /// dead one. Each goes back to the head of its queue with its `give_up_after` counted
    /// afresh.
    fn resend(&mut self, which: &Resend, now: Timestamp) -> Result<Resent, StoreError>;
}

/// What `warroom notify retry` resends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resend {
    One(String),
    AllDead,
}

/// A delivery's standing as `/metrics` counts it: a pending delivery whose last attempt
/// failed is `failing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    Pending,
    Failing,
    Dead,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Pending => "pending",
            Standing::Failing => "failing",
            Standing::Dead => "dead",
        }
    }

    pub(super) fn from_column(text: &str) -> Result<Standing, StoreError> {
        [Standing::Pending, Standing::Failing, Standing::Dead]
            .into_iter()
            .find(|standing| standing.as_str() == text)
            .ok_or_else(|| StoreError::Schema(format!("unknown delivery standing '{text}'")))
    }
}

/// The `SELECT` of [`Outbox::undelivered`], the same in both stores.
pub(super) const UNDELIVERED: &str = "
    SELECT target, CASE WHEN state = 'pending' AND last_error IS NOT NULL THEN 'failing'
                        ELSE state END AS standing, count(*)
    FROM outbox WHERE state IN ('pending', 'dead')
    GROUP BY target, standing ORDER BY target, standing";

/// What [`Outbox::resend`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resent {
    /// This many deliveries are pending again (none: there was no dead one).
    Queued(u64),
    /// The one asked for was delivered already: nothing to resend.
    AlreadyDelivered,
    /// No delivery has that id.
    Unknown,
}

/// The statement that resends: dead or pending back to pending, due `?now`, its give-up
/// time counted afresh from its next first attempt. `{filter}` picks which.
pub(super) fn resend_sql(which: &Resend, placeholders: (&str, &str)) -> String {
    let (now, id) = placeholders;
    let filter = match which {
        Resend::One(_) => format!("id = {id} AND state IN ('pending', 'dead')"),
        Resend::AllDead => "state = 'dead'".to_string(),
    };
    format!(
        "UPDATE outbox SET state = 'pending', next_attempt_at = {now}, finished_at = NULL,
         first_attempt_at = NULL WHERE {filter}"
    )
}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered {
        at: Timestamp,
    },
    Retry {
        error: String,
        at: Timestamp,
        next: Timestamp,
    },
    Dead {
        error: String,
        at: Timestamp,
    },
}
