//! The escalation clock: every few seconds it asks the writer to record the lapses that came
//! due ([`crate::domain::lapses_due`]): a vacant commander on a severe incident, an overdue
//! internal update, a broken public promise. The writer decides them with the rest of a batch
//! and records each once, so they are notified like any event. It reads the server's
//! [`Clock`], so tests set the time instead of waiting for it.

use super::clock::Clock;
use super::engine::{BACKEND_ACTOR, Change, Engine, Request};
use crate::config::EscalationSection;
use crate::domain::{EscalationRules, SeverityScale};
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone)]
pub struct EscalationSettings {
    pub rules: EscalationRules,
    pub check_every: Duration,
}

impl Default for EscalationSettings {
    fn default() -> Self {
        EscalationSettings {
            rules: EscalationRules::default(),
            check_every: Duration::from_secs(15),
        }
    }
}

impl EscalationSettings {
    pub fn build(
        section: &EscalationSection,
        scale: &SeverityScale,
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
        Ok(EscalationSettings {
            rules: EscalationRules {
                commander_grace: chrono::Duration::from_std(grace)
                    .map_err(|_| "[escalation] commander_grace: too long".to_string())?,
                commander_needed_from: needed,
            },
            check_every,
        })
    }
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
