//! Escalation policies: who is told, and when, while nobody answers a page.
//!
//! A policy runs while a triggered incident is unacknowledged, and while an open incident's
//! commander seat is vacant. That stretch is an *episode*, known by when it started: the
//! declaration (the page was triggered then), or the later of the vacancy's start and the
//! acknowledgement (a seat left vacant by an acknowledgement that did not take command, or
//! fallen vacant afterwards). Each step falls due `after` the episode started; with `repeat`
//! the steps run again, each round starting when the previous one's last step was due.
//!
//! Each step taken is recorded (an `escalated` event) with its episode, round and step, so
//! it is taken exactly once however often, and on however many replicas, the clock looks.
//! Acknowledging or taking command ends the episode: nothing of it is due any more. Pure: the
//! caller passes "now".

use super::{EventKind, Incident, Severity, Status, Timestamp};
use serde::{Deserialize, Serialize};

/// Longest mention a step may carry, in characters.
pub const MAX_MENTION_CHARS: usize = 200;

/// `[[escalation.policy]]`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationPolicy {
    /// The severities it applies to; every severity when empty.
    pub severities: Vec<Severity>,
    /// How many more times the steps run after the first round.
    pub repeat: u32,
    /// In the order they fall due (`after` never decreases).
    pub steps: Vec<EscalationStep>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EscalationStep {
    /// Since the episode started (in later rounds: since the round started).
    pub after: chrono::Duration,
    /// Names of `[[notify]]` targets.
    pub notify: Vec<String>,
    /// Text sent as it is at the head of the notification (`<!here>`, `@oncall`).
    pub mention: Option<String>,
}

/// A step taken: which episode, round and step (both 1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationRecord {
    pub episode: Timestamp,
    pub round: u32,
    pub step: u32,
}

impl EscalationPolicy {
    /// Whether the policy applies to an incident of this severity.
    pub fn covers(&self, severity: &Severity) -> bool {
        self.severities.is_empty() || self.severities.contains(severity)
    }

    /// How long one round lasts: until its last step.
    fn round_length(&self) -> chrono::Duration {
        self.steps
            .last()
            .map_or(chrono::Duration::zero(), |step| step.after)
    }

    /// Checks the shape a config cannot express: at least one step, `after` never
    /// decreasing, a round that lasts if it repeats, and short mentions.
    pub fn check(&self) -> Result<(), String> {
        if self.steps.is_empty() {
            return Err("a policy needs at least one step".into());
        }
        if let Some(pair) = self.steps.windows(2).find(|w| w[1].after < w[0].after) {
            return Err(format!(
                "the steps must come in the order they fall due ({}s after {}s)",
                pair[1].after.num_seconds(),
                pair[0].after.num_seconds()
            ));
        }
        if self.repeat > 0 && self.round_length() <= chrono::Duration::zero() {
            return Err("a policy that repeats needs a last step after more than 0s".into());
        }
        for (index, step) in self.steps.iter().enumerate() {
            if step.notify.is_empty() {
                return Err(format!("step {}: notify names no target", index + 1));
            }
            if step
                .mention
                .as_ref()
                .is_some_and(|m| m.chars().count() > MAX_MENTION_CHARS)
            {
                return Err(format!(
                    "step {}: the mention is longer than {MAX_MENTION_CHARS} characters",
                    index + 1
                ));
            }
        }
        Ok(())
    }
}

impl Incident {
    /// When the current escalation episode started, or `None` when nobody needs to be
    /// called: the incident is not open, or someone acknowledged the page and commands.
    pub fn escalation_episode(&self) -> Option<Timestamp> {
        if !self.status.is_open() {
            return None;
        }
        if self.status == Status::Triggered {
            return Some(self.declared_at);
        }
        if self.roles.commander.is_some() {
            return None;
        }
        let vacant = self.commander_vacant_since?;
        Some(self.acknowledged_at.map_or(vacant, |ack| vacant.max(ack)))
    }
}

/// The `escalated` events due on this incident at `now` and not taken yet, in the order they
/// fell due, under the first of `policies` that covers its severity.
pub fn escalations_due(
    incident: &Incident,
    now: Timestamp,
    policies: &[EscalationPolicy],
) -> Vec<EventKind> {
    let Some(episode) = incident.escalation_episode() else {
        return Vec::new();
    };
    let Some(policy) = policies.iter().find(|p| p.covers(&incident.severity)) else {
        return Vec::new();
    };
    let (steps, rounds) = (policy.steps.len() as u32, policy.repeat.saturating_add(1));
    let round_length = policy.round_length();
    let mut due = Vec::new();
    for round in 1..=rounds {
        let start = episode + round_length * (round as i32 - 1);
        if start > now {
            break;
        }
        for (index, step) in policy.steps.iter().enumerate() {
            let at = start + step.after;
            let number = index as u32 + 1;
            let taken = incident
                .escalations
                .iter()
                .any(|r| r.episode == episode && r.round == round && r.step == number);
            if at <= now && !taken {
                due.push(EventKind::Escalated {
                    step: number,
                    steps,
                    round,
                    rounds,
                    notify: step.notify.clone(),
                    mention: step.mention.clone(),
                    episode,
                    due: at,
                });
            }
        }
    }
    due
}
