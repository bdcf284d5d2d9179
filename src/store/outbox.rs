//! The notification outbox: deliveries written in the same transaction as the events they
//! are about (so none is sent for an uncommitted change and none is lost by a crash), then
//! worked off by a delivery worker apart from the writer.

use super::StoreError;
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

    pub(super) fn parse(text: &str) -> Option<DeliveryState> {
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
            .ok_or_else(|| StoreError::Corrupt {
                row: "a count of the outbox".into(),
                reason: format!("unknown delivery standing '{text}'"),
            })
    }
}

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
