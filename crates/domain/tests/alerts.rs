//! What an incident keeps of an alert: its name, title and fingerprint, its labels cut to the
//! domain's limits, and the small helpers that cut text. The expected fingerprints were
//! computed outside Rust (FNV-1a 64 in Python over Alertmanager's byte layout).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

use chrono::{TimeZone, Utc};
use warroom_domain::*;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

fn alert(pairs: &[(&str, &str)], annotations: &[(&str, &str)]) -> Alert {
    Alert {
        labels: labels(pairs),
        annotations: labels(annotations),
        state: AlertState::Firing,
        since: Utc.with_ymd_and_hms(2026, 11, 30, 14, 0, 0).unwrap(),
        fingerprint: None,
        generator_url: None,
    }
}

#[test]
fn an_alert_is_named_by_its_alertname_and_titled_by_its_annotations() {
    let bare = alert(&[("alertname", "HighErrorRate")], &[]);
    assert_eq!(bare.name(), "HighErrorRate");
    assert_eq!(bare.display_name(), "HighErrorRate");
    assert_eq!(bare.title(), "HighErrorRate", "no annotation: the name");

    let described = alert(
        &[("alertname", "HighErrorRate")],
        &[("summary", "  "), ("description", " 5xx above 2% ")],
    );
    assert_eq!(
        described.title(),
        "5xx above 2%",
        "a blank summary gives way"
    );
    let summarised = alert(
        &[("alertname", "HighErrorRate")],
        &[("summary", "Checkout failing"), ("description", "other")],
    );
    assert_eq!(summarised.title(), "Checkout failing");

    let unnamed = alert(&[("service", "checkout")], &[]);
    assert_eq!(unnamed.name(), "");
    assert_eq!(unnamed.display_name(), "unnamed alert");
    let long = alert(&[("alertname", &"A".repeat(MAX_TITLE_CHARS + 10))], &[]);
    assert_eq!(long.display_name().chars().count(), MAX_TITLE_CHARS);
    assert!(long.display_name().ends_with("..."));
}

#[test]
fn to_ref_keeps_a_summary_only_when_it_says_more_than_the_name() {
    let bare = alert(&[("alertname", "HighErrorRate")], &[]).to_ref();
    assert_eq!(bare.name, "HighErrorRate");
    assert_eq!(bare.summary, None);
    let summarised = alert(
        &[("alertname", "HighErrorRate")],
        &[("summary", "Checkout failing")],
    )
    .to_ref();
    assert_eq!(summarised.summary.as_deref(), Some("Checkout failing"));
    assert_eq!(
        summarised.starts_at,
        Utc.with_ymd_and_hms(2026, 11, 30, 14, 0, 0).unwrap()
    );
    assert_eq!(summarised.labels, labels(&[("alertname", "HighErrorRate")]));
}

#[test]
fn a_missing_or_blank_fingerprint_is_computed_as_alertmanager_does() {
    let pairs = [("alertname", "HighErrorRate"), ("service", "checkout")];
    assert_eq!(label_fingerprint(&labels(&pairs)), "e2c3a7f7be80496b");
    assert_eq!(label_fingerprint(&Labels::new()), "cbf29ce484222325");

    let mut relayed = alert(&pairs, &[]);
    assert_eq!(relayed.to_ref().fingerprint, "e2c3a7f7be80496b");
    relayed.fingerprint = Some("   ".into());
    assert_eq!(relayed.to_ref().fingerprint, "e2c3a7f7be80496b", "blank");
    relayed.fingerprint = Some(" 0123abcd ".into());
    assert_eq!(relayed.to_ref().fingerprint, "0123abcd", "given, trimmed");
    relayed.fingerprint = Some("x".repeat(300));
    let long = relayed.to_ref().fingerprint;
    assert_eq!(long.chars().count(), MAX_NAME_CHARS);
    assert!(long.ends_with("…e78ddf9f1ba85555"), "{long}");
}

#[test]
fn cut_with_hash_and_clip_keep_what_fits_exactly() {
    assert_eq!(cut_with_hash("short", 5), "short");
    let cut = cut_with_hash("abcdefghijklmnopqrstuvwxyz0123456789", 20);
    assert_eq!(cut.chars().count(), 20);
    assert!(cut.starts_with("abc") && cut.contains('…'), "{cut}");
    assert_ne!(
        cut,
        cut_with_hash("abcdefghijklmnopqrstuvwxyz012345678X", 20),
        "a shared start stays apart"
    );

    assert_eq!(clip("  fits  ", 4), "fits");
    assert_eq!(clip("abcdefgh", 8), "abcdefgh");
    assert_eq!(clip("abcdefghi", 8), "abcde...");
    assert_eq!(
        clip("abcd efghi", 8),
        "abcd...",
        "no space before the marker"
    );
    assert_eq!(stable_hash(b""), 0xcbf2_9ce4_8422_2325);
}

#[test]
fn labels_are_kept_exactly_when_they_fit_and_counted_when_they_do_not() {
    let exact = labels(&[
        ("alertname", "HighErrorRate"),
        (
            &"n".repeat(MAX_LABEL_NAME_CHARS),
            &"v".repeat(MAX_LABEL_VALUE_CHARS),
        ),
    ]);
    let mut many = alert(&[], &[]);
    many.labels = exact.clone();
    assert_eq!(
        many.to_ref().labels,
        exact,
        "at the limits: kept as they are"
    );

    many.labels = labels(&[
        ("alertname", "HighErrorRate"),
        (&"n".repeat(MAX_LABEL_NAME_CHARS + 1), "v"),
        ("service", &"v".repeat(MAX_LABEL_VALUE_CHARS + 1)),
    ]);
    let kept = many.to_ref().labels;
    assert_eq!(kept.len(), 3);
    assert!(
        kept.keys()
            .all(|name| name.chars().count() <= MAX_LABEL_NAME_CHARS)
    );
    assert_eq!(kept["service"].chars().count(), MAX_LABEL_VALUE_CHARS);
    assert!(kept["service"].ends_with("..."));

    // Exactly as many as are kept: no count.
    many.labels = (0..MAX_LABELS - 1)
        .map(|i| (format!("l{i:03}"), "v".to_string()))
        .chain([("alertname".to_string(), "Z".to_string())])
        .collect();
    let kept = many.to_ref().labels;
    assert_eq!(kept.len(), MAX_LABELS);
    assert!(!kept.contains_key("warroom_dropped_labels"));

    // Two more than fit: alertname kept first, one place for the count of the rest.
    many.labels = (0..MAX_LABELS + 1)
        .map(|i| (format!("l{i:03}"), "v".to_string()))
        .chain([("alertname".to_string(), "Z".to_string())])
        .collect();
    let kept = many.to_ref().labels;
    assert_eq!(kept.len(), MAX_LABELS);
    assert_eq!(kept["alertname"], "Z");
    assert_eq!(kept["warroom_dropped_labels"], "3");
}

#[test]
fn access_roles_are_spelled_and_ordered() {
    let all = [
        AccessRole::Viewer,
        AccessRole::Responder,
        AccessRole::Commander,
        AccessRole::Admin,
    ];
    let spelled: Vec<String> = all.iter().map(|role| format!("{role:>10}")).collect();
    assert_eq!(
        spelled,
        ["    viewer", " responder", " commander", "     admin"],
        "Display pads like a str"
    );
    for role in all {
        let wire = serde_json::to_value(role).unwrap();
        assert_eq!(wire, role.as_str(), "the wire and as_str agree");
    }
    // Who allows whom, written out: each level includes the ones before it.
    let allowed = [
        (AccessRole::Viewer, [true, false, false, false]),
        (AccessRole::Responder, [true, true, false, false]),
        (AccessRole::Commander, [true, true, true, false]),
        (AccessRole::Admin, [true, true, true, true]),
    ];
    for (role, row) in allowed {
        for (other, expected) in all.into_iter().zip(row) {
            assert_eq!(role.allows(other), expected, "{role} allows {other}");
        }
    }
    assert!(AccessRole::Commander.allows(AccessRole::Responder));
    assert!(!AccessRole::Viewer.allows(AccessRole::Responder));
}

#[test]
fn an_action_item_is_overdue_only_while_open_and_past_its_time_box() {
    let at = |minute| Utc.with_ymd_and_hms(2026, 11, 30, 14, minute, 0).unwrap();
    let mut item = ActionItem {
        id: 1,
        text: "roll back".into(),
        owner: Some("bob".into()),
        due_at: Some(at(10)),
        state: ActionState::Open,
        created_at: at(0),
        closed_at: None,
    };
    assert!(!item.is_overdue(at(9)));
    assert!(!item.is_overdue(at(10)), "due at, not past");
    assert!(item.is_overdue(at(11)));
    item.state = ActionState::Done;
    assert!(!item.is_overdue(at(11)));
    item.state = ActionState::Open;
    item.due_at = None;
    assert!(!item.is_overdue(at(59)), "no time-box, never overdue");
}
