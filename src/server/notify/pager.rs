//! What a paging system (`pagerduty`, `opsgenie`) hears of an incident: only its lifecycle.
//! A page is raised when the incident is declared (or reopened), acknowledged when someone
//! takes it on, and resolved when it ends; every other event stays in warroom. The alert is
//! keyed by the incident, so the vendor sees one alert per incident however often it changes.

use super::Target;
use crate::domain::{EventKind, Incident, Severity, SeverityScale, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagerAction {
    Trigger,
    Acknowledge,
    Resolve,
}

/// The pager's action on an event of this kind, if any.
pub fn action(kind: &EventKind) -> Option<PagerAction> {
    use Status::*;
    match kind {
        EventKind::Declared { .. } => Some(PagerAction::Trigger),
        EventKind::StatusChanged { from, to, .. } => match (from, to) {
            // A resolved incident is resolved on the pager already; closing adds nothing.
            (Resolved, Closed) => None,
            (_, Resolved | Closed | Cancelled) => Some(PagerAction::Resolve),
            // Reopened: page again.
            (Resolved | Closed | Cancelled, _) => Some(PagerAction::Trigger),
            // Anyone moving a triggered incident on has taken it.
            (Triggered, _) => Some(PagerAction::Acknowledge),
            _ => None,
        },
        // A duplicate merged into another incident is over on the pager too: the survivor
        // carries its page.
        EventKind::MergedInto { .. } => Some(PagerAction::Resolve),
        // An escalation step that names a pager pages (the same alert key: a repeat of an
        // open page is one alert on the pager).
        EventKind::Escalated { .. } => Some(PagerAction::Trigger),
        _ => None,
    }
}

/// The alert's key on the pager: the same for every event of the incident (PagerDuty's
/// `dedup_key`, Opsgenie's `alias`), and distinct between backends with distinct `source`s.
pub fn alert_key(target: &Target, incident: &Incident) -> String {
    format!("{}:{}", target.source, incident.id)
}

/// How severe the incident is on a scale of the vendor's, counted from the top of ours:
/// 0 for the most severe level, at most `last`.
pub fn level(scale: &SeverityScale, severity: &Severity, last: usize) -> usize {
    scale.rank(severity).min(last)
}

/// `[P1] INC-3 Checkout errors`, cut to `max` characters (the vendors' limits).
pub fn headline(incident: &Incident, max: usize) -> String {
    cut(
        &format!("[{}] {} {}", incident.severity, incident.id, incident.title),
        max,
    )
}

/// `text` in at most `max` characters, with an ellipsis where it was cut: the vendors
/// refuse (PagerDuty) or silently truncate (Opsgenie) longer fields.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moved(from: Status, to: Status) -> Option<PagerAction> {
        action(&EventKind::StatusChanged {
            from,
            to,
            reason: None,
            commander: None,
        })
    }

    #[test]
    fn the_lifecycle_maps_to_trigger_acknowledge_resolve_and_nothing_else_pages() {
        use PagerAction::*;
        use Status::*;
        assert_eq!(moved(Triggered, Acknowledged), Some(Acknowledge));
        assert_eq!(moved(Triggered, Investigating), Some(Acknowledge));
        assert_eq!(moved(Acknowledged, Investigating), None);
        assert_eq!(moved(Investigating, Mitigated), None);
        assert_eq!(moved(Mitigated, Resolved), Some(Resolve));
        assert_eq!(moved(Triggered, Resolved), Some(Resolve));
        assert_eq!(moved(Triggered, Cancelled), Some(Resolve));
        assert_eq!(moved(Investigating, Closed), Some(Resolve));
        assert_eq!(
            moved(Resolved, Closed),
            None,
            "resolved on the pager already"
        );
        assert_eq!(moved(Resolved, Investigating), Some(Trigger), "reopened");
        let note = EventKind::NoteAdded {
            kind: crate::domain::NoteKind::Update,
            text: "looking".into(),
        };
        assert_eq!(action(&note), None);
        let merged = EventKind::MergedInto {
            into: "INC-3".parse().unwrap(),
        };
        assert_eq!(
            action(&merged),
            Some(Resolve),
            "the survivor carries the page"
        );
    }

    #[test]
    fn cut_keeps_short_text_and_ends_long_text_with_an_ellipsis_within_the_limit() {
        assert_eq!(cut("checkout", 8), "checkout");
        assert_eq!(cut("checkout", 5), "chec…");
        let long = "é".repeat(2000);
        let cut_long = cut(&long, 1024);
        assert_eq!(cut_long.chars().count(), 1024);
        assert!(cut_long.ends_with('…'));
    }
}
