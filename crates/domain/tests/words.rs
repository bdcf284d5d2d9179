//! The words the domain gives the wire, the CLI and the timeline: note kinds, severities and
//! the scale, each read back as it was written.

use warroom_domain::*;

#[test]
fn note_kinds_are_spelled_and_read_back() {
    for kind in [NoteKind::Update, NoteKind::Decision, NoteKind::Note] {
        assert_eq!(kind.as_str().parse::<NoteKind>(), Ok(kind));
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
    }
    assert_eq!(" Decision ".parse::<NoteKind>(), Ok(NoteKind::Decision));
    assert_eq!(
        ["update", "decision", "note"].map(|word| word.parse::<NoteKind>().unwrap().as_str()),
        ["update", "decision", "note"]
    );
    let unknown = "memo".parse::<NoteKind>().unwrap_err();
    assert!(unknown.contains("unknown note kind 'memo'"), "{unknown}");
}

#[test]
fn an_engineer_without_a_focus_is_described_without_one() {
    let assigned = |focus: Option<&str>| EventKind::RoleAssigned {
        role: Role::Engineer,
        person: "bob".into(),
        focus: focus.map(String::from),
    };
    assert_eq!(assigned(Some("db")).describe(), "bob is engineer (db)");
    assert_eq!(assigned(Some("")).describe(), "bob is engineer");
    assert_eq!(assigned(None).describe(), "bob is engineer");
    assert_eq!(assigned(None).label(), "role");
    assert_eq!(assigned(None).tag(), "role_assigned");
}

#[test]
fn a_severity_pads_like_text_and_a_scale_travels_as_its_levels() {
    assert_eq!(format!("[{:>4}]", Severity::new("P1")), "[  P1]");
    let scale = SeverityScale::default();
    let wire = serde_json::to_value(&scale).unwrap();
    assert_eq!(wire[0]["name"], "P0");
    assert_eq!(wire.as_array().map(Vec::len), Some(3));
    let back: SeverityScale = serde_json::from_value(wire).unwrap();
    assert_eq!(back, scale);
}
