//! Declaring an incident: by a person, or by a page from Alertmanager.

use super::*;

/// Validates a person's declaration and returns its events: `declared`, then one
/// `alert_attached` per alert. The incident starts acknowledged: whoever declares it has
/// taken it on.
pub fn declare(
    new: NewIncident,
    now: Timestamp,
    scale: &SeverityScale,
) -> Result<Vec<EventKind>, Rejection> {
    declare_as(new, true, now, scale)
}

/// Like [`declare`], for the incident a page opens (the Alertmanager receiver): it starts
/// triggered, and is acknowledged by the first person who moves it on.
pub fn declare_page(
    new: NewIncident,
    now: Timestamp,
    scale: &SeverityScale,
) -> Result<Vec<EventKind>, Rejection> {
    declare_as(new, false, now, scale)
}

pub(super) fn declare_as(
    new: NewIncident,
    acknowledged: bool,
    now: Timestamp,
    scale: &SeverityScale,
) -> Result<Vec<EventKind>, Rejection> {
    let title = required_text("title", &new.title, MAX_TITLE_CHARS)?;
    let severity = known_severity(&new.severity, scale)?;
    let service = optional_text("service", new.service.as_deref(), MAX_NAME_CHARS)?;
    let summary = optional_text("summary", new.summary.as_deref(), MAX_TEXT_CHARS)?;
    let detected_at = new.detected_at.unwrap_or(now);
    if detected_at > now {
        return Err(Rejection::new(
            "invalid_time",
            "detection cannot be in the future",
        ));
    }
    if let Some(started) = new.started_at {
        check_impact_start(started, false, detected_at, now)?;
    }
    let mut events = vec![EventKind::Declared {
        title,
        severity,
        service,
        summary,
        impact_started_at: new.started_at,
        detected_at,
        acknowledged,
    }];
    for alert in new.alerts {
        events.push(EventKind::AlertAttached {
            alert: checked_alert(alert)?,
            group: None,
        });
    }
    Ok(events)
}
