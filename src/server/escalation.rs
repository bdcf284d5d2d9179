//! The escalation clock: every few seconds it asks the writer to record the lapses that came
//! due ([`crate::domain::lapses_due`]): a vacant commander on a severe incident, an overdue
//! internal update, a broken public promise. The writer decides them with the rest of a batch
//! and records each once, so they are notified like any event. The clock is injectable, so
//! tests can set the time instead of waiting for it.

use super::engine::{BACKEND_ACTOR, Change, Engine, Request};
use crate::config::EscalationSection;
use crate::domain::{EscalationRules, SeverityScale, Timestamp};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Where the clock reads the time.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

#[derive(Clone)]
pub struct EscalationSettings {
    pub rules: EscalationRules,
    pub check_every: Duration,
    pub clock: Clock,
}

impl std::fmt::Debug for EscalationSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EscalationSettings")
            .field("rules", &self.rules)
            .field("check_every", &self.check_every)
            .finish_non_exhaustive()
    }
}

impl Default for EscalationSettings {
    fn default() -> Self {
        EscalationSettings {
            rules: EscalationRules::default(),
            check_every: Duration::from_secs(15),
            clock: Arc::new(chrono::Utc::now),
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
            clock: Arc::new(chrono::Utc::now),
        })
    }
}

/// Looks every `check_every` until the server stops.
pub fn spawn(engine: Engine, settings: EscalationSettings, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(settings.check_every) => {}
                _ = stop.wait_for(|stopping| *stopping) => return,
            }
            let request = Request {
                actor: BACKEND_ACTOR.into(),
                change: Change::Escalate {
                    now: (settings.clock)(),
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
