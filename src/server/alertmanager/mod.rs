//! The receiver of Alertmanager's webhook: its payload, read and checked at the edge
//! ([`payload`]), and the route that hands it to the engine ([`route`]). What a notification
//! does to incidents is the engine's (`engine::alerts`); the mapping from an alert's labels to
//! a severity is the domain's, since the TUI declares from alerts with it too.

pub(super) mod payload;
pub mod route;

pub use payload::Notification;

use crate::config::AlertRoutingSection;
use crate::domain::{AlertRouting, SeverityScale};

/// `[alert_routing]`, checked: label names that are not empty, a severity on the scale.
pub fn routing(
    section: &AlertRoutingSection,
    scale: &SeverityScale,
) -> Result<AlertRouting, String> {
    if let Some(blank) = section.join_on.iter().find(|name| name.trim().is_empty()) {
        return Err(format!(
            "[alert_routing] join_on: {blank:?} is not a label name"
        ));
    }
    let join_below = section
        .join_below
        .as_deref()
        .map(|name| {
            scale
                .parse(name)
                .map_err(|e| format!("[alert_routing] join_below: {e}"))
        })
        .transpose()?;
    Ok(AlertRouting {
        join_on: section
            .join_on
            .iter()
            .map(|n| n.trim().to_string())
            .collect(),
        join_below,
    })
}
