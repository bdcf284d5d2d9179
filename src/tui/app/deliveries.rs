//! The notification outbox as the header shows it: a badge while deliveries are being
//! retried or have died lately, so that a commander learns that Slack is not hearing the
//! room before the customers do.
//!
//! The backend's `GET /v1/notifications?failed=true` is polled by an effect, off the UI loop,
//! every [`POLL_EVERY`]; a backend that refuses it (a viewer's token, an older backend) is
//! not asked again.

use super::{Effect, Model};
use crate::client::{ClientError, DeliveryRecord};
use crate::domain::Timestamp;
use std::collections::BTreeSet;
use std::time::Duration;

/// How often the outbox is asked.
pub const POLL_EVERY: Duration = Duration::from_secs(15);
/// How often after a failure that may pass (the backend down, a timeout).
const RETRY_EVERY: Duration = Duration::from_secs(30);
/// How long a dead delivery keeps the badge up: it was given up on, so it stays dead in the
/// log, but an hour-old failure is not news any more.
pub const DEAD_SHOWN_FOR: chrono::Duration = chrono::Duration::hours(1);

/// The deliveries that need attention, as last read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deliveries {
    /// Pending deliveries that failed at least once and wait for their next attempt.
    pub retrying: usize,
    /// Deliveries given up on within [`DEAD_SHOWN_FOR`].
    pub dead: usize,
    /// The targets' names (as the config names them, never their URLs).
    pub targets: BTreeSet<String>,
}

impl Deliveries {
    /// Counts what needs attention among the failed deliveries the backend listed.
    pub fn from_records(records: &[DeliveryRecord], now: Timestamp) -> Deliveries {
        let mut deliveries = Deliveries::default();
        for record in records {
            let counted = match record.state.as_str() {
                "pending" => {
                    deliveries.retrying += 1;
                    true
                }
                "dead"
                    if record
                        .finished_at
                        .is_none_or(|at| now - at <= DEAD_SHOWN_FOR) =>
                {
                    deliveries.dead += 1;
                    true
                }
                _ => false,
            };
            if counted {
                deliveries.targets.insert(record.target.clone());
            }
        }
        deliveries
    }

    /// The badge's words, or `None` when every delivery is fine.
    pub fn badge(&self) -> Option<String> {
        let counts = match (self.dead, self.retrying) {
            (0, 0) => return None,
            (dead, 0) => format!("{dead} dead"),
            (0, retrying) => format!("{retrying} retrying"),
            (dead, retrying) => format!("{dead} dead, {retrying} retrying"),
        };
        let targets: Vec<&str> = self.targets.iter().map(String::as_str).collect();
        Some(format!("NOTIFY {counts} ({})", targets.join(", ")))
    }
}

/// The poll's answer: keep the counts and ask again later.
pub(super) fn on_deliveries(
    model: &mut Model,
    result: Result<Vec<DeliveryRecord>, ClientError>,
) -> Vec<Effect> {
    match result {
        Ok(records) => {
            let read = Deliveries::from_records(&records, model.now);
            model.dirty = read != model.deliveries;
            model.deliveries = read;
            vec![Effect::FetchDeliveries { delay: POLL_EVERY }]
        }
        Err(error) if error.is_transient() => {
            model.dirty = false;
            vec![Effect::FetchDeliveries { delay: RETRY_EVERY }]
        }
        // Not ours to read (a viewer) or not there (an older backend): no badge, no retries.
        Err(_) => {
            model.dirty = model.deliveries != Deliveries::default();
            model.deliveries = Deliveries::default();
            vec![]
        }
    }
}
