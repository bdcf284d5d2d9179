//! The response's own clock: time to detect, to acknowledge and to resolve, per incident.
//!
//! Definitions, as commanders use them:
//! - time to detect: from the impact start to detection (unknown without an impact start);
//! - time to acknowledge: from detection to the first acknowledgement;
//! - time to resolve: from the impact start (else detection) to resolution.

use super::{Incident, Timestamp};
use chrono::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseTimes {
    pub to_detect: Option<Duration>,
    pub to_acknowledge: Option<Duration>,
    pub to_resolve: Option<Duration>,
}

impl ResponseTimes {
    pub fn of(incident: &Incident) -> ResponseTimes {
        let between = |from: Option<Timestamp>, to: Option<Timestamp>| {
            Some(to? - from?).filter(|d| *d >= Duration::zero())
        };
        let detected = Some(incident.detected_at);
        let start = incident.impact_started_at.or(detected);
        ResponseTimes {
            to_detect: between(incident.impact_started_at, detected),
            to_acknowledge: between(detected, incident.acknowledged_at),
            to_resolve: between(start, incident.resolved_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Event, EventKind, IncidentId, Severity, Status};
    use chrono::TimeZone;

    #[test]
    fn times_run_from_impact_to_detection_to_ack_to_resolution() {
        let t = |m: i64| {
            chrono::Utc
                .with_ymd_and_hms(2026, 11, 25, 14, 0, 0)
                .unwrap()
                + Duration::minutes(m)
        };
        let id = IncidentId::from_number(1);
        let event = |seq, at, kind| Event {
            seq,
            incident: id.clone(),
            at,
            actor: "a".into(),
            via: None,
            kind,
            intended_at: None,
        };
        let declared = EventKind::Declared {
            title: "x".into(),
            severity: Severity::new("P1"),
            service: None,
            summary: None,
            impact_started_at: Some(t(-7)),
            detected_at: t(0),
            acknowledged: false,
        };
        let mut incident = Incident::fold(id.clone(), &[event(1, t(1), declared)]);
        assert_eq!(
            ResponseTimes::of(&incident),
            ResponseTimes {
                to_detect: Some(Duration::minutes(7)),
                to_acknowledge: None,
                to_resolve: None
            }
        );
        let ack = EventKind::StatusChanged {
            from: Status::Triggered,
            to: Status::Acknowledged,
            reason: None,
            commander: None,
        };
        incident.apply(&event(2, t(3), ack));
        let resolve = EventKind::StatusChanged {
            from: Status::Acknowledged,
            to: Status::Resolved,
            reason: None,
            commander: None,
        };
        incident.apply(&event(3, t(40), resolve));
        let times = ResponseTimes::of(&incident);
        assert_eq!(times.to_acknowledge, Some(Duration::minutes(3)));
        assert_eq!(times.to_resolve, Some(Duration::minutes(47)));
    }
}
