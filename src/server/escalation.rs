//! The escalation clock: every few seconds it asks the writer to record the lapses that came
//! due ([`crate::domain::lapses_due`]): a vacant commander on a severe incident, an overdue
//! internal update, a broken public promise; and the steps of the escalation policies that
//! came due ([`crate::domain::escalations_due`]). The writer decides them with the rest of a
//! batch, after folding in what other replicas committed, and records each once, so they are
//! notified like any event and no replica repeats another's step. It reads the server's
//! [`Clock`], so tests set the time instead of waiting for it.

use super::clock::Clock;
use super::engine::{BACKEND_ACTOR, Change, Engine, Request};
use crate::config::{EscalationSection, PolicySection};
use crate::domain::{EscalationPolicy, EscalationRules, EscalationStep, SeverityScale};
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone)]
pub struct EscalationSettings {
    pub rules: EscalationRules,
    pub check_every: Duration,
    /// Acknowledging a page whose seat is vacant takes command (the writer applies it).
    pub ack_takes_command: bool,
}

impl Default for EscalationSettings {
    fn default() -> Self {
        EscalationSettings {
            rules: EscalationRules::default(),
            check_every: Duration::from_secs(15),
            ack_takes_command: true,
        }
    }
}

impl EscalationSettings {
    /// `targets` are the names of the `[[notify]]` targets, which the steps must name.
    pub fn build(
        section: &EscalationSection,
        scale: &SeverityScale,
        targets: &[&str],
    ) -> Result<EscalationSettings, String> {
        let duration = |field: &str, text: &str| {
            crate::duration::parse_duration(text).map_err(|e| format!("[escalation] {field}: {e}"))
        };
        let grace = duration("commander_grace", &section.commander_grace)?;
        let check_every = duration("check_every", &section.check_every)?;
        if check_every.is_zero() {
            return Err("[escalation] check_every: must be above zero".into());
        }
        let needed = scale
            .parse(&section.commander_needed_from)
            .map_err(|e| format!("[escalation] commander_needed_from: {e}"))?;
        let policies = section
            .policy
            .iter()
            .enumerate()
            .map(|(index, policy)| {
                build_policy(policy, scale, targets)
                    .map_err(|e| format!("[[escalation.policy]] {}: {e}", index + 1))
            })
            .collect::<Result<_, _>>()?;
        Ok(EscalationSettings {
            rules: EscalationRules {
                commander_grace: chrono::Duration::from_std(grace)
                    .map_err(|_| "[escalation] commander_grace: too long".to_string())?,
                commander_needed_from: needed,
                policies,
            },
            check_every,
            ack_takes_command: section.ack_takes_command,
        })
    }
}

/// One policy, checked: known severities and targets, durations that parse, steps in order.
fn build_policy(
    section: &PolicySection,
    scale: &SeverityScale,
    targets: &[&str],
) -> Result<EscalationPolicy, String> {
    let severities = section
        .severities
        .iter()
        .map(|name| scale.parse(name).map_err(|e| format!("severities: {e}")))
        .collect::<Result<_, _>>()?;
    let mut steps = Vec::new();
    for (index, step) in section.step.iter().enumerate() {
        let at = format!("step {}", index + 1);
        let after = crate::duration::parse_duration(&step.after)
            .map_err(|e| format!("{at}: after: {e}"))?;
        let after =
            chrono::Duration::from_std(after).map_err(|_| format!("{at}: after: too long"))?;
        if let Some(unknown) = step.notify.iter().find(|n| !targets.contains(&n.as_str())) {
            return Err(format!(
                "{at}: notify: no [[notify]] target is named '{unknown}' (named: {})",
                if targets.is_empty() {
                    "none".to_string()
                } else {
                    targets.join(", ")
                }
            ));
        }
        let mention = step
            .mention
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string);
        if mention
            .as_ref()
            .is_some_and(|m| m.chars().any(char::is_control))
        {
            return Err(format!("{at}: mention: control characters are not allowed"));
        }
        steps.push(EscalationStep {
            after,
            notify: step.notify.clone(),
            mention,
        });
    }
    let policy = EscalationPolicy {
        severities,
        repeat: section.repeat,
        steps,
    };
    policy.check()?;
    Ok(policy)
}

/// Looks every `check_every` until the server stops.
pub fn spawn(
    engine: Engine,
    settings: EscalationSettings,
    clock: Clock,
    mut stop: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(settings.check_every) => {}
                _ = stop.wait_for(|stopping| *stopping) => return,
            }
            let request = Request {
                actor: BACKEND_ACTOR.into(),
                change: Change::Escalate {
                    now: clock.now(),
                    rules: settings.rules.clone(),
                },
                idempotency: None,
                via: None,
            };
            if let Err(err) = engine.submit(request).await {
                tracing::error!(%err, "the escalation clock could not record lapses");
            }
        }
    });
}
