//! Commands on their way to the backend. A command stays here, with its idempotency key,
//! until the backend answers: an unreachable backend means "retry later with the same key",
//! so nothing the commander typed is dropped and nothing is applied twice.
//!
//! The runtime keeps a copy on disk (see `tui::outbox_file`), so quitting or a crash while
//! the backend is away loses nothing either. Commands for one incident go one at a time, first
//! in first out: `m` then `r` after an outage must land in that order, or the resolve is
//! refused. Each declaration is its own lane.

use crate::domain::{Command, IncidentId, NewIncident, Timestamp};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum Request {
    Command {
        incident: IncidentId,
        command: Command,
    },
    Declare(NewIncident),
}

/// One request and the key that makes its retries safe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outgoing {
    pub key: String,
    pub request: Request,
    /// When the person gave the command: the backend records it beside its own time.
    pub intended_at: Timestamp,
}

impl Outgoing {
    /// The requests that must go one after another: one incident's commands, or this one alone.
    fn lane(&self) -> Lane<'_> {
        match &self.request {
            Request::Command { incident, .. } => Lane::Incident(incident),
            Request::Declare(_) => Lane::Alone(&self.key),
        }
    }
}

#[derive(PartialEq)]
enum Lane<'a> {
    Incident(&'a IncidentId),
    Alone(&'a str),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Oldest first.
    pub items: Vec<Pending>,
    /// This run's prefix of idempotency keys, chosen by the runtime at start, so that
    /// `update` stays pure and keys never repeat across runs.
    key_prefix: String,
    issued: u64,
}

impl Outbox {
    /// An outbox holding what an earlier run left, issuing new keys under `key_prefix`.
    pub fn resumed(key_prefix: String, items: Vec<Pending>) -> Outbox {
        Outbox {
            items,
            key_prefix,
            issued: 0,
        }
    }

    /// Queues a request under a fresh idempotency key. Returns it when it may go at once: it
    /// is the first of its lane; otherwise it goes when the ones before it are answered.
    pub fn enqueue(
        &mut self,
        request: Request,
        summary: String,
        then: Vec<Command>,
        intended_at: Timestamp,
    ) -> (String, Option<Outgoing>) {
        self.issued += 1;
        let outgoing = Outgoing {
            key: format!("{}-{}", self.key_prefix, self.issued),
            request,
            intended_at,
        };
        let key = outgoing.key.clone();
        let first = !self
            .items
            .iter()
            .any(|p| p.outgoing.lane() == outgoing.lane());
        self.items.push(Pending {
            outgoing: outgoing.clone(),
            summary,
            attempts: 1,
            last_error: None,
            then,
        });
        (key, first.then_some(outgoing))
    }

    /// The first request of every lane: what to send after a restart.
    pub fn heads(&self) -> Vec<Outgoing> {
        let mut heads: Vec<Outgoing> = Vec::new();
        for pending in &self.items {
            if !heads.iter().any(|h| h.lane() == pending.outgoing.lane()) {
                heads.push(pending.outgoing.clone());
            }
        }
        heads
    }

    /// Removes an answered request; returns it and the next one of its lane, now free to go.
    pub fn take(&mut self, key: &str) -> Option<(Pending, Option<Outgoing>)> {
        let index = self.items.iter().position(|p| p.outgoing.key == key)?;
        let pending = self.items.remove(index);
        let next = self
            .items
            .iter()
            .find(|p| p.outgoing.lane() == pending.outgoing.lane())
            .map(|p| p.outgoing.clone());
        Some((pending, next))
    }

    /// Records a failed attempt and returns the request to send again and when.
    pub fn failed(&mut self, key: &str, reason: String) -> Option<(Outgoing, Duration)> {
        let pending = self.items.iter_mut().find(|p| p.outgoing.key == key)?;
        pending.last_error = Some(reason);
        let delay = retry_delay(pending.attempts);
        pending.attempts += 1;
        Some((pending.outgoing.clone(), delay))
    }

    /// Whether `saved` holds the same commands in the same order: the same keys, requests and
    /// follow-ups. A retry's bookkeeping (attempts, last error) does not count, so the file is
    /// not rewritten and fsynced on every retry during an outage.
    pub fn same_commands(&self, saved: &[Pending]) -> bool {
        self.items.len() == saved.len()
            && self
                .items
                .iter()
                .zip(saved)
                .all(|(now, then)| now.outgoing == then.outgoing && now.then == then.then)
    }

    /// The commands waiting for `incident`, oldest first.
    pub fn for_incident<'a>(
        &'a self,
        incident: &'a IncidentId,
    ) -> impl Iterator<Item = &'a Pending> {
        self.items.iter().filter(move |p| {
            matches!(&p.outgoing.request, Request::Command { incident: i, .. } if i == incident)
        })
    }
}

/// 0.5 s, 1 s, 2 s, then every 4 s: quick while a blip passes, gentle during an outage.
pub fn retry_delay(attempts: u32) -> Duration {
    Duration::from_millis(500 * 2u64.pow(attempts.saturating_sub(1).min(3)))
}
