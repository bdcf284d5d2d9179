//! Which incidents a list shows (`GET /v1/incidents`, `warroom incident list`, the TUI's
//! list): one rule, so that the backend's pages, the copies it holds in memory and every
//! client agree on what matches.

use crate::{Incident, Severity, Status, Timestamp};

/// The conditions of a list, each `None` (or empty) when not asked for; an incident matches
/// when it meets them all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentFilter {
    /// Open (not yet resolved, closed, cancelled or merged), or ended.
    pub open: Option<bool>,
    /// The service, exactly.
    pub service: Option<String>,
    /// Any of these severities.
    pub severities: Vec<Severity>,
    pub status: Option<Status>,
    /// Declared at or after this time.
    pub since: Option<Timestamp>,
    /// Declared before this time.
    pub until: Option<Timestamp>,
    /// Text found in the title, the id (`INC-12`) or the service, whatever the case.
    pub text: Option<String>,
}

impl IncidentFilter {
    pub fn matches(&self, incident: &Incident) -> bool {
        self.open
            .is_none_or(|open| incident.status.is_open() == open)
            && self
                .service
                .as_ref()
                .is_none_or(|service| incident.service.as_ref() == Some(service))
            && (self.severities.is_empty() || self.severities.contains(&incident.severity))
            && self.status.is_none_or(|status| incident.status == status)
            && self.since.is_none_or(|since| incident.declared_at >= since)
            && self.until.is_none_or(|until| incident.declared_at < until)
            && self
                .text
                .as_deref()
                .is_none_or(|text| mentions(incident, &text.to_lowercase()))
    }
}

/// Whether the title, id or service contains `needle` (already lowercase), ignoring case.
fn mentions(incident: &Incident, needle: &str) -> bool {
    let id = incident.id.to_string();
    [
        Some(incident.title.as_str()),
        Some(id.as_str()),
        incident.service.as_deref(),
    ]
    .into_iter()
    .flatten()
    .any(|haystack| haystack.to_lowercase().contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IncidentId;
    use chrono::TimeZone;

    fn incident(number: u64, title: &str, service: Option<&str>, status: Status) -> Incident {
        let mut incident = Incident::blank(IncidentId::from_number(number));
        incident.title = title.into();
        incident.service = service.map(Into::into);
        incident.status = status;
        incident.severity = Severity::new("P1");
        incident.declared_at = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        incident
    }

    #[test]
    fn no_condition_matches_everything() {
        let resolved = incident(3, "Disk full", None, Status::Resolved);
        assert!(IncidentFilter::default().matches(&resolved));
    }

    #[test]
    fn every_condition_must_hold() {
        let checkout = incident(12, "Checkout ÉCHOUE", Some("checkout"), Status::Mitigated);
        let matching = |filter: IncidentFilter| filter.matches(&checkout);
        assert!(matching(IncidentFilter {
            open: Some(true),
            ..Default::default()
        }));
        assert!(!matching(IncidentFilter {
            open: Some(false),
            ..Default::default()
        }));
        assert!(matching(IncidentFilter {
            service: Some("checkout".into()),
            ..Default::default()
        }));
        assert!(!matching(IncidentFilter {
            service: Some("Checkout".into()),
            ..Default::default()
        }));
        let severities = |names: &[&str]| names.iter().map(|n| Severity::new(*n)).collect();
        assert!(matching(IncidentFilter {
            severities: severities(&["P0", "P1"]),
            ..Default::default()
        }));
        assert!(!matching(IncidentFilter {
            severities: severities(&["P2"]),
            ..Default::default()
        }));
        assert!(matching(IncidentFilter {
            status: Some(Status::Mitigated),
            ..Default::default()
        }));
        assert!(!matching(IncidentFilter {
            status: Some(Status::Resolved),
            ..Default::default()
        }));
        let at = checkout.declared_at;
        assert!(matching(IncidentFilter {
            since: Some(at),
            until: Some(at + chrono::Duration::seconds(1)),
            ..Default::default()
        }));
        assert!(!matching(IncidentFilter {
            until: Some(at),
            ..Default::default()
        }));
        assert!(!matching(IncidentFilter {
            since: Some(at + chrono::Duration::seconds(1)),
            ..Default::default()
        }));
        for text in ["échoue", "CHECKOUT", "inc-12", "eckou"] {
            assert!(
                matching(IncidentFilter {
                    text: Some(text.into()),
                    ..Default::default()
                }),
                "{text}"
            );
        }
        assert!(!matching(IncidentFilter {
            text: Some("inc-13".into()),
            ..Default::default()
        }));
    }
}
