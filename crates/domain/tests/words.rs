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

#[test]
fn roles_are_spelled_titled_and_read_back_with_their_aliases() {
    let spelled: Vec<(&str, &str)> = Role::ALL
        .iter()
        .map(|role| (role.as_str(), role.title()))
        .collect();
    assert_eq!(
        spelled,
        [
            ("commander", "Incident Commander"),
            ("engineer", "Engineers"),
            ("product", "Product Manager"),
            ("comms", "Communications Lead"),
            ("scribe", "Scribe"),
        ]
    );
    for role in Role::ALL {
        assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        assert_eq!(format!("{role:>10}"), format!("{:>10}", role.as_str()));
    }
    for (alias, role) in [
        ("IC", Role::Commander),
        (" eng", Role::Engineer),
        ("pm", Role::Product),
    ] {
        assert_eq!(alias.parse::<Role>(), Ok(role));
    }
    let unknown = "boss".parse::<Role>().unwrap_err();
    assert!(unknown.contains("unknown role 'boss'"), "{unknown}");
}
