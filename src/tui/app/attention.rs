//! The attention signal: the terminal bell and a reverse-video banner when something opens
//! or lapses that the person at this screen is not looking at. A new incident at or above the
//! configured severity while another is on screen, another incident raised above the one on
//! screen, and every `lapsed` event (commander vacant, update overdue), `alert_joined` (a page
//! joined an open incident) and `escalated` event, ring once (a desk never switches by itself:
//! this is how it learns of them); the banner stays until a key is pressed or
//! [`ATTENTION_SECONDS`] pass, and while it is up a signal about a less severe incident rings
//! without replacing it.

use super::Model;
use crate::domain::{Event, EventKind, Incident, IncidentId, Severity, Timestamp};

/// How long the banner stays when nobody presses a key (a wall has nobody to).
pub const ATTENTION_SECONDS: i64 = 120;

#[derive(Debug, Clone, PartialEq)]
pub struct Attention {
    /// What happened; the view adds how to get there while it is not on screen.
    pub text: String,
    pub incident: IncidentId,
    pub at: Timestamp,
}

/// Looks at a page of the live feed (not the history the first pages bring) for what must be
/// seen. `looking_at` is the incident that was on screen before the page arrived.
pub(super) fn on_live_events(model: &mut Model, events: &[Event], looking_at: Option<&IncidentId>) {
    let Some(threshold) = model.setup.attention_from.clone() else {
        return;
    };
    let me = model
        .identity
        .as_ref()
        .map(|identity| identity.person.as_str());
    for event in events {
        let text = match &event.kind {
            EventKind::Declared {
                severity, title, ..
            } if looking_at != Some(&event.incident)
                && Some(event.actor.as_str()) != me
                && at_or_above(model, severity, &threshold) =>
            {
                format!(
                    "NEW {} {} OPEN: {}",
                    crate::sanitize::sanitize(severity.as_str()),
                    event.incident,
                    crate::sanitize::sanitize(title)
                )
            }
            // Another incident raised above the one on screen: the desk does not switch
            // by itself, so it must be told.
            EventKind::SeverityChanged { to, .. }
                if looking_at.is_some_and(|shown| shown != &event.incident)
                    && Some(event.actor.as_str()) != me
                    && at_or_above(model, to, &threshold)
                    && more_severe_than_shown(model, to, looking_at) =>
            {
                format!(
                    "{} RAISED TO {}",
                    event.incident,
                    crate::sanitize::sanitize(to.as_str())
                )
            }
            EventKind::Lapsed { lapse, .. } => {
                let lapse = crate::domain::Lapse::as_str(*lapse).replace('_', " ");
                format!("{}: {}", event.incident, lapse.to_uppercase())
            }
            // A page joined an open incident instead of opening one: its commander must know,
            // even with it on screen.
            EventKind::AlertJoined {
                title, severity, ..
            } => format!(
                "{}: ALERT JOINED ({}): {}",
                event.incident,
                crate::sanitize::sanitize(severity.as_str()),
                crate::sanitize::sanitize(title)
            ),
            EventKind::Escalated { notify, .. } => format!(
                "{}: ESCALATED TO {}",
                event.incident,
                crate::sanitize::sanitize(&notify.join(", "))
            ),
            _ => continue,
        };
        model.bell = true;
        // A banner still up for a more severe incident stays: two lapses in one page (or a
        // minor one soon after) must not hide the P0's behind the P3's. Equal ones: the newest.
        if model
            .attention
            .as_ref()
            .is_some_and(|shown| more_severe(model, &shown.incident, &event.incident))
        {
            continue;
        }
        model.attention = Some(Attention {
            text,
            incident: event.incident.clone(),
            at: model.now,
        });
    }
}

/// Whether incident `a` is more severe than `b`, as far as this screen knows them.
fn more_severe(model: &Model, a: &IncidentId, b: &IncidentId) -> bool {
    let rank = |id: &IncidentId| {
        model
            .incidents
            .get(id)
            .map(|t| model.scale.rank(&t.state.severity))
    };
    matches!((rank(a), rank(b)), (Some(a), Some(b)) if a < b)
}

/// Clears the banner once it is old.
pub(super) fn expire(model: &mut Model) {
    if model
        .attention
        .as_ref()
        .is_some_and(|a| (model.now - a.at).num_seconds() >= ATTENTION_SECONDS)
    {
        model.attention = None;
        model.dirty = true;
    }
}

/// Whether `severity` is above that of the incident `shown`.
fn more_severe_than_shown(model: &Model, severity: &Severity, shown: Option<&IncidentId>) -> bool {
    shown
        .and_then(|id| model.incidents.get(id))
        .is_some_and(|t| model.scale.rank(severity) < model.scale.rank(&t.state.severity))
}

fn at_or_above(model: &Model, severity: &Severity, threshold: &Severity) -> bool {
    let threshold = model
        .scale
        .parse(threshold.as_str())
        .unwrap_or(threshold.clone());
    model.scale.rank(severity) <= model.scale.rank(&threshold)
}

/// "press [ or l": the keys that reach a more severe incident from the one on screen.
pub fn list_keys(model: &Model) -> String {
    use crate::tui::keymap::Action;
    format!(
        "press {} or {}",
        model.setup.keymap.keys_for(Action::PreviousIncident),
        model.setup.keymap.keys_for(Action::IncidentList)
    )
}

/// The most severe open incident that is more severe than the one on screen: the header
/// names it, so that a new P0 cannot hide behind the P1 being worked on.
pub fn more_severe_open(model: &Model) -> Option<&Incident> {
    let current = model.current()?;
    let rank = model.scale.rank(&current.state.severity);
    model
        .incidents
        .ordered(&model.scale)
        .into_iter()
        .find(|i| i.status.is_open() && model.scale.rank(&i.severity) < rank)
}
