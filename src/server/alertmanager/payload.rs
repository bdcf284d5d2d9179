//! Alertmanager's webhook notification (payload version 4), read into what the backend's
//! receiver records: the group, its firing alerts as an incident keeps them, the alerts that
//! ended, and the incident to open when the group has none.
//!
//! Text is cut to the domain's limits rather than refused: Alertmanager does not retry a 4xx
//! answer, so a long label, name, fingerprint or group key must not cost the page, and a
//! missing fingerprint is computed the way Alertmanager computes it. Only a payload this
//! reader cannot understand is refused. Pure: the time is passed in.

use crate::domain::{
    Alert, AlertRef, AlertSeverity, AlertState, Labels, MAX_NAME_CHARS, MAX_TITLE_CHARS,
    NewIncident, SeverityScale, Timestamp, clip, cut_with_hash,
};
use serde::Deserialize;
use serde_json::Value;

/// The payload version every Alertmanager release so far sends, and the only one read here.
const VERSION: &str = "4";

/// Longest group key kept as it is; a longer one is kept as its start and a hash.
pub const MAX_GROUP_KEY_CHARS: usize = 256;

/// Group labels named in a title made from an alert's name, at most.
const TITLE_LABELS: usize = 3;

/// One notification, checked: what the receiver records.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// Alertmanager's `groupKey`: every notification of one group carries the same key.
    pub group: String,
    pub firing: Vec<AlertRef>,
    pub resolved: Vec<EndedAlert>,
    /// The incident to open when the group has none taking alerts; `None` when nothing
    /// fires, since alerts that ended are no reason to open one.
    pub incident: Option<NewIncident>,
    /// The labels every alert of the group shares: what a page joins an open incident on.
    pub labels: Labels,
}

/// An alert the notification reports as resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedAlert {
    pub fingerprint: String,
    pub ended_at: Timestamp,
}

/// The fields of the payload warroom uses; the others (`receiver`, `externalURL`,
/// `truncatedAlerts`, ...) are ignored, so a newer Alertmanager adding fields still works.
#[derive(Deserialize)]
struct Payload {
    #[serde(flatten)]
    group: Group,
    alerts: Vec<PayloadAlert>,
}

/// What the payload says of the group as a whole.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Group {
    group_key: String,
    #[serde(default)]
    group_labels: Labels,
    #[serde(default)]
    common_labels: Labels,
    #[serde(default)]
    common_annotations: Labels,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PayloadAlert {
    status: PayloadStatus,
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    starts_at: Timestamp,
    ends_at: Option<Timestamp>,
    /// Relays and older senders leave it out.
    #[serde(default)]
    fingerprint: Option<String>,
    #[serde(default, rename = "generatorURL")]
    generator_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum PayloadStatus {
    Firing,
    Resolved,
}

/// Reads a payload. The version is checked before anything else, so that a payload of
/// another version is refused for its version and not for some field it lacks. An incident
/// opened from the group gets the most severe (on `scale`) of the severities `mapping` gives
/// its firing alerts.
pub fn read(
    payload: Value,
    mapping: &AlertSeverity,
    scale: &SeverityScale,
    now: Timestamp,
) -> Result<Notification, String> {
    match payload.get("version") {
        Some(Value::String(version)) if version == VERSION => {}
        // Some relays send the number.
        Some(Value::Number(version)) if version.to_string() == VERSION => {}
        Some(other) => {
            return Err(format!(
                "payload version {other} is not supported: warroom reads version {VERSION}"
            ));
        }
        None => return Err("not an Alertmanager webhook payload: it has no version".into()),
    }
    // The path (`alerts[2].startsAt`) tells the sender which of many alerts is wrong.
    let payload: Payload = serde_path_to_error::deserialize(payload)
        .map_err(|err| format!("not an Alertmanager webhook payload: {err}"))?;
    if payload.group.group_key.is_empty() {
        return Err("groupKey is empty".into());
    }
    if payload.alerts.is_empty() {
        return Err("the notification has no alerts".into());
    }
    let mut firing = Vec::new();
    let mut resolved = Vec::new();
    for raw in payload.alerts {
        let alert = Alert {
            labels: raw.labels,
            annotations: raw.annotations,
            state: AlertState::Firing,
            since: raw.starts_at,
            fingerprint: raw.fingerprint,
            generator_url: raw.generator_url,
        };
        match raw.status {
            // The end Alertmanager knows, else now: no end, Go's zero time (year 1) or any
            // other end before the start means unknown, and an end ahead of our clock is now.
            PayloadStatus::Resolved => resolved.push(EndedAlert {
                fingerprint: alert.to_ref().fingerprint,
                ended_at: raw
                    .ends_at
                    .filter(|&ended| ended >= raw.starts_at)
                    .map_or(now, |ended| ended.min(now)),
            }),
            PayloadStatus::Firing => firing.push(alert),
        }
    }
    let incident = payload.group.new_incident(&firing, mapping, scale, now);
    Ok(Notification {
        group: cut_with_hash(&payload.group.group_key, MAX_GROUP_KEY_CHARS),
        firing: firing.iter().map(Alert::to_ref).collect(),
        resolved,
        incident,
        labels: payload.group.common_labels,
    })
}

impl Group {
    /// The triggered incident the group opens: detected when its earliest alert started (a
    /// clock ahead of ours cannot put detection in the future), with the group's service.
    fn new_incident(
        &self,
        firing: &[Alert],
        mapping: &AlertSeverity,
        scale: &SeverityScale,
        now: Timestamp,
    ) -> Option<NewIncident> {
        let first = firing.first()?;
        let severity = firing
            .iter()
            .map(|alert| mapping.severity_for(&alert.labels))
            .min_by_key(|severity| scale.rank(severity))?;
        let detected_at = firing.iter().map(|alert| alert.since).min()?.min(now);
        Some(NewIncident {
            title: self.title(first),
            severity,
            service: self
                .common_labels
                .get("service")
                .map(|service| clip(service, MAX_NAME_CHARS))
                .filter(|service| !service.is_empty()),
            summary: None,
            started_at: None,
            detected_at: Some(detected_at),
            alerts: Vec::new(),
        })
    }

    /// The group's `summary`, else the first alert's summary or description, else its name
    /// and a few group labels, which tell one group of the same alert from another.
    fn title(&self, first: &Alert) -> String {
        let summary = self
            .common_annotations
            .get("summary")
            .map(|text| text.trim())
            .filter(|text| !text.is_empty());
        if let Some(summary) = summary {
            return clip(summary, MAX_TITLE_CHARS);
        }
        if first.title() != first.name() {
            return clip(first.title(), MAX_TITLE_CHARS);
        }
        let labels: Vec<String> = self
            .group_labels
            .iter()
            .filter(|(name, _)| name.as_str() != "alertname")
            .take(TITLE_LABELS)
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let name = first.display_name();
        if labels.is_empty() {
            name
        } else {
            clip(&format!("{name} ({})", labels.join(", ")), MAX_TITLE_CHARS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Severity;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn now() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0).unwrap()
    }

    fn alert(status: &str, fingerprint: &str, severity: &str, starts: &str) -> Value {
        json!({
            "status": status,
            "labels": {"alertname": "HighErrorRatio", "severity": severity, "endpoint": fingerprint},
            "annotations": {},
            "startsAt": starts,
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus/graph",
            "fingerprint": fingerprint,
        })
    }

    fn payload(alerts: Vec<Value>, common_annotations: Value) -> Value {
        json!({
            "version": "4",
            "groupKey": "{}:{alertname=\"HighErrorRatio\"}",
            "truncatedAlerts": 0,
            "status": "firing",
            "receiver": "warroom",
            "groupLabels": {"alertname": "HighErrorRatio", "service": "checkout"},
            "commonLabels": {"alertname": "HighErrorRatio", "service": "checkout"},
            "commonAnnotations": common_annotations,
            "externalURL": "http://alertmanager",
            "alerts": alerts,
        })
    }

    fn read_default(payload: Value) -> Result<Notification, String> {
        read(
            payload,
            &AlertSeverity::default(),
            &SeverityScale::default(),
            now(),
        )
    }

    #[test]
    fn a_firing_group_reads_into_the_incident_it_opens() {
        let notification = read_default(payload(
            vec![
                alert("firing", "a", "warning", "2026-11-25T13:58:00Z"),
                alert("firing", "b", "critical", "2026-11-25T13:55:00Z"),
                alert("resolved", "c", "critical", "2026-11-25T13:50:00Z"),
            ],
            json!({"summary": "  5xx above 5%  "}),
        ))
        .unwrap();
        assert_eq!(notification.group, "{}:{alertname=\"HighErrorRatio\"}");
        let fingerprints: Vec<_> = notification.firing.iter().map(|a| &a.fingerprint).collect();
        assert_eq!(fingerprints, ["a", "b"]);
        assert_eq!(notification.firing[0].name, "HighErrorRatio");
        assert_eq!(notification.firing[0].summary, None);
        let ended = &notification.resolved[0];
        assert_eq!(ended.fingerprint, "c");
        assert_eq!(ended.ended_at, now(), "Go's zero time is no end");
        let incident = notification.incident.unwrap();
        assert_eq!(incident.title, "5xx above 5%");
        assert_eq!(
            incident.severity,
            Severity::new("P0"),
            "the most severe alert"
        );
        assert_eq!(incident.service.as_deref(), Some("checkout"));
        assert_eq!(
            incident.detected_at,
            Some(Utc.with_ymd_and_hms(2026, 11, 25, 13, 55, 0).unwrap()),
            "the earliest firing start"
        );
    }

    #[test]
    fn titles_fall_back_to_the_alert_then_its_name_and_group_labels() {
        let title = |annotations: Value, common: Value| {
            let mut firing = alert("firing", "a", "warning", "2026-11-25T13:58:00Z");
            firing["annotations"] = annotations;
            read_default(payload(vec![firing], common))
                .unwrap()
                .incident
                .unwrap()
                .title
        };
        let described = json!({"description": "errors on /pay"});
        assert_eq!(title(described, json!({})), "errors on /pay");
        assert_eq!(
            title(json!({}), json!({"summary": " "})),
            "HighErrorRatio (service=checkout)"
        );
        let long = "x".repeat(500);
        let clipped = title(json!({"summary": long}), json!({}));
        assert_eq!(clipped.chars().count(), MAX_TITLE_CHARS);
        assert!(clipped.ends_with("..."));
    }

    #[test]
    fn endings_alone_open_nothing_and_keep_their_end() {
        let mut ended = alert("resolved", "a", "critical", "2026-11-25T13:00:00Z");
        ended["endsAt"] = json!("2026-11-25T13:30:00Z");
        let mut ahead = alert("resolved", "b", "critical", "2026-11-25T13:00:00Z");
        ahead["endsAt"] = json!("2026-11-25T15:00:00Z");
        let notification = read_default(payload(vec![ended, ahead], json!({}))).unwrap();
        assert_eq!(notification.incident, None);
        let ends: Vec<_> = notification.resolved.iter().map(|e| e.ended_at).collect();
        assert_eq!(
            ends,
            [
                Utc.with_ymd_and_hms(2026, 11, 25, 13, 30, 0).unwrap(),
                now()
            ]
        );
    }

    #[test]
    fn a_start_ahead_of_our_clock_is_detected_now() {
        let ahead = alert("firing", "a", "critical", "2026-11-25T14:05:00Z");
        let incident = read_default(payload(vec![ahead], json!({})))
            .unwrap()
            .incident;
        assert_eq!(incident.unwrap().detected_at, Some(now()));
    }

    #[test]
    fn wild_but_well_formed_payloads_are_read() {
        let firing = || alert("firing", "a", "critical", "2026-11-25T13:00:00Z");
        let mut numeric = payload(vec![firing()], json!({}));
        numeric["version"] = json!(4);
        assert!(read_default(numeric).is_ok(), "version 4 as a number");
        let mut anonymous = firing();
        anonymous.as_object_mut().unwrap().remove("fingerprint");
        let mut blank = firing();
        blank["fingerprint"] = json!(" ");
        let read = read_default(payload(vec![anonymous, blank], json!({}))).unwrap();
        // Both have the same labels, so the same derived fingerprint.
        let derived: Vec<_> = read.firing.iter().map(|a| a.fingerprint.as_str()).collect();
        assert_eq!(derived, ["ba8f973fef2f1bd9", "ba8f973fef2f1bd9"]);
        let mut long_key = payload(vec![firing()], json!({}));
        long_key["groupKey"] = json!(format!("{}\n{}", "g".repeat(300), "h".repeat(300)));
        let group = read_default(long_key).unwrap().group;
        assert_eq!(group.chars().count(), MAX_GROUP_KEY_CHARS);
        assert!(group.starts_with("ggg") && group.contains('…'));
        let mut other_tail = payload(vec![firing()], json!({}));
        other_tail["groupKey"] = json!(format!("{}\n{}", "g".repeat(300), "i".repeat(300)));
        assert_ne!(
            read_default(other_tail).unwrap().group,
            group,
            "the hash tells them apart"
        );
    }

    #[test]
    fn payloads_it_cannot_read_are_refused_with_the_reason() {
        let refused = |payload: Value| read_default(payload).unwrap_err();
        let firing = || alert("firing", "a", "critical", "2026-11-25T13:00:00Z");
        let mut old = payload(vec![firing()], json!({}));
        old["version"] = json!("3");
        assert_eq!(
            refused(old),
            "payload version \"3\" is not supported: warroom reads version 4"
        );
        assert!(refused(json!([1])).contains("no version"));
        let mut keyless = payload(vec![firing()], json!({}));
        keyless.as_object_mut().unwrap().remove("groupKey");
        assert!(refused(keyless).contains("missing field `groupKey`"));
        assert_eq!(
            refused(payload(vec![], json!({}))),
            "the notification has no alerts"
        );
        let mut odd = firing();
        odd["status"] = json!("sleeping");
        assert!(refused(payload(vec![odd], json!({}))).contains("unknown variant `sleeping`"));
        let mut undated = firing();
        undated["startsAt"] = json!("yesterday");
        assert!(
            refused(payload(vec![undated], json!({}))).contains("startsAt"),
            "names the field"
        );
    }
}
