//! Commands on their way to the backend. A command stays here, with its idempotency key,
//! until the backend answers: an unreachable backend means "retry later with the same key",
//! so nothing the commander typed is dropped and nothing is applied twice.

use crate::domain::{Command, IncidentId, NewIncident};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Command {
        incident: IncidentId,
        command: Command,
    },
    Declare(NewIncident),
}

/// One request and the key that makes its retries safe.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub key: String,
    pub request: Request,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub outgoing: Outgoing,
    /// What the status line says is on its way ("mitigate INC-3").
    pub summary: String,
    pub attempts: u32,
    /// Why the last attempt failed, while the backend is unreachable.
    pub last_error: Option<String>,
    /// Commands to send to the same incident once this one is accepted (the metric snapshot
    /// after a resolve), so the timeline keeps their order.
    pub then: Vec<Command>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outbox {
    pub items: Vec<Pending>,
}

impl Outbox {
    /// Queues a request under a fresh idempotency key and returns it, to be sent.
    pub fn enqueue(&mut self, request: Request, summary: String, then: Vec<Command>) -> Outgoing {
        let outgoing = Outgoing {
            key: crate::client::idempotency_key(),
            request,
        };
        self.items.push(Pending {
            outgoing: outgoing.clone(),
            summary,
            attempts: 1,
            last_error: None,
            then,
        });
        outgoing
    }

    pub fn take(&mut self, key: &str) -> Option<Pending> {
        let index = self.items.iter().position(|p| p.outgoing.key == key)?;
        Some(self.items.remove(index))
    }

    /// Records a failed attempt and returns the request to send again and when.
    pub fn failed(&mut self, key: &str, reason: String) -> Option<(Outgoing, Duration)> {
        let pending = self.items.iter_mut().find(|p| p.outgoing.key == key)?;
        pending.last_error = Some(reason);
        let delay = retry_delay(pending.attempts);
        pending.attempts += 1;
        Some((pending.outgoing.clone(), delay))
    }
}

/// 0.5 s, 1 s, 2 s, then every 4 s: quick while a blip passes, gentle during an outage.
pub fn retry_delay(attempts: u32) -> Duration {
    Duration::from_millis(500 * 2u64.pow(attempts.saturating_sub(1).min(3)))
}
