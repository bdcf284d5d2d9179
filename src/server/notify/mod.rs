//! Outbound notifications. The writer turns each committed event into deliveries for the
//! `[[notify]]` targets whose filters it passes ([`Routes::deliveries`]), written in the same
//! transaction as the event; the [`worker`] sends them, signed, in order per incident and
//! target, with retries, apart from the writer so that a dead or slow receiver never slows a
//! command.

mod opsgenie;
mod pager;
mod pagerduty;
mod payload;
mod settings;
pub mod sign;
pub mod slack;
pub mod worker;

pub use settings::{Kind, NotifySettings, Target};

use crate::domain::{Event, EventKind, Incident, SeverityScale};
use crate::store::NewDelivery;

/// The targets and their filters, as the writer uses them.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    targets: Vec<Target>,
}

impl Routes {
    pub fn new(settings: &NotifySettings) -> Routes {
        Routes {
            targets: settings.targets.clone(),
        }
    }

    /// The deliveries of one event, given the incident as the event leaves it. An escalation
    /// step goes to the targets it names whatever their filters, and like any event to the
    /// others whose filters let it through.
    pub fn deliveries(
        &self,
        event: &Event,
        incident: &Incident,
        scale: &SeverityScale,
    ) -> Vec<NewDelivery> {
        let named: &[String] = match &event.kind {
            EventKind::Escalated { notify, .. } => notify,
            _ => &[],
        };
        self.targets
            .iter()
            .filter(|target| named.contains(&target.name) || target.wants(event, incident, scale))
            .filter_map(|target| {
                let id = uuid::Uuid::new_v4().to_string();
                Some(NewDelivery {
                    body: payload::body(target, &id, event, incident, scale)?,
                    id,
                    target: target.name.clone(),
                    incident: incident.id.to_string(),
                    seq: event.seq,
                    created_at: event.at,
                })
            })
            .collect()
    }
}
