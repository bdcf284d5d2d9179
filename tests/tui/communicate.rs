//! The communicate phase on the desk: the header keeps the public promise in view.

use super::fixture::{draw, events, feed, model, now, theme};
use chrono::Duration;
use warroom::domain::*;
use warroom::tui::app::Msg;

/// An event of INC-1 after the fixture's.
fn next_event(kind: EventKind) -> Event {
    Event {
        seq: events().len() as u64 + 1,
        incident: IncidentId::from_number(1),
        at: now(),
        actor: "alice".into(),
        via: None,
        kind,
        intended_at: None,
    }
}

fn screen_text(model: &warroom::tui::app::Model) -> String {
    super::fixture::screen_text(model, 120, 40)
}

#[test]
fn the_header_shows_the_public_promise_and_flags_it_when_broken() {
    let mut model = model();
    assert!(!screen_text(&model).contains("public update by"));
    let published = next_event(EventKind::PublicUpdate(PublicUpdate {
        state: PublicState::Identified,
        message: "Rolling back.".into(),
        components: [("api".to_string(), ComponentStatus::PartialOutage)].into(),
        next_update_at: Some(now() + Duration::minutes(30)),
        title: None,
        public_id: None,
    }));
    feed(&mut model, Msg::Feed(Ok(vec![published])));
    assert!(screen_text(&model).contains("public update by 14:30"));
    feed(&mut model, Msg::Tick(now() + Duration::minutes(33)));
    let text = screen_text(&model);
    assert!(text.contains("PUBLIC PROMISE BROKEN +03:00"), "{text}");
}

fn press(
    model: &mut warroom::tui::app::Model,
    code: ratatui::crossterm::event::KeyCode,
) -> Vec<warroom::tui::app::Effect> {
    use ratatui::crossterm::event::{KeyEvent, KeyModifiers};
    warroom::tui::app::update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn form_field(model: &warroom::tui::app::Model, label: &str) -> String {
    match &model.overlay {
        warroom::tui::app::Overlay::Form(form) => form
            .fields
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.value().to_string())
            .unwrap_or_default(),
        other => panic!("no form open: {other:?}"),
    }
}

/// The demo incident with a decision naming the root cause.
fn model_with_root_cause() -> warroom::tui::app::Model {
    let mut model = model();
    let decision = next_event(EventKind::NoteAdded {
        kind: NoteKind::Decision,
        text: "Root cause: LB config push #4812 dropped the health checks".into(),
    });
    feed(&mut model, Msg::Feed(Ok(vec![decision])));
    model
}

#[test]
fn the_composer_is_prefilled_refills_on_a_state_change_previews_and_confirms() {
    use ratatui::crossterm::event::KeyCode;
    let mut model = model_with_root_cause();
    press(&mut model, KeyCode::Char('u'));
    assert_eq!(form_field(&model, "State"), "investigating");
    assert_eq!(
        form_field(&model, "Headline"),
        "Checkout Incident: Investigating"
    );
    assert!(
        form_field(&model, "Message")
            .starts_with("We're experiencing elevated error rates on our checkout service.")
    );
    assert_eq!(
        form_field(&model, "Root cause"),
        "LB config push #4812 dropped the health checks"
    );
    assert_eq!(form_field(&model, "Next update"), "30m", "the P1 cadence");

    // Components first (the headline follows the worst), then the state: the template's
    // parts are rewritten for it.
    press(&mut model, KeyCode::BackTab);
    press(&mut model, KeyCode::BackTab);
    for c in "api=partial_outage".chars() {
        press(&mut model, KeyCode::Char(c));
    }
    press(&mut model, KeyCode::BackTab);
    press(&mut model, KeyCode::Right);
    assert_eq!(form_field(&model, "State"), "identified");
    assert_eq!(
        form_field(&model, "Headline"),
        "Checkout Incident: Partial Outage"
    );
    assert!(form_field(&model, "Message").starts_with("We've identified"));

    // Enter asks first, with the preview of what the public reads; nothing is sent yet.
    assert!(press(&mut model, KeyCode::Enter).is_empty());
    let warroom::tui::app::Overlay::Confirm(confirm) = &model.overlay else {
        panic!("no confirmation: {:?}", model.overlay)
    };
    assert!(confirm.prompt.contains("status page"));
    let preview = confirm.detail.join("\n");
    assert!(
        preview.contains("🚨 Checkout Incident: Partial Outage"),
        "{preview}"
    );
    assert!(
        preview.contains("🔍 Root Cause: LB config push #4812"),
        "{preview}"
    );
    assert!(preview.contains("✅ Next Update: 14:30 UTC"), "{preview}");
    assert!(
        preview.contains("Components: api Partial Outage"),
        "{preview}"
    );

    let effects = press(&mut model, KeyCode::Char('y'));
    let (id, command) = super::fixture::sent(&effects).expect("one command sent");
    assert_eq!(id, &IncidentId::from_number(1));
    let Command::PublicUpdate(update) = command else {
        panic!("{command:?}")
    };
    assert_eq!(update.state, PublicState::Identified);
    assert_eq!(update.next_update_at, Some(now() + Duration::minutes(30)));
    assert_eq!(update.components["api"], ComponentStatus::PartialOutage);
    assert_eq!(
        update.title.as_deref(),
        Some("Checkout Incident: Partial Outage")
    );
}

/// Resolving an incident whose public still reads "identified" opens the composer on
/// "resolved", prefilled, its components back to operational; without a public update, it
/// does not.
#[test]
fn resolving_asks_for_the_public_resolution_when_the_public_was_told_of_the_incident() {
    use ratatui::crossterm::event::KeyCode;
    let resolve = |model: &mut warroom::tui::app::Model| {
        press(model, KeyCode::Char(':'));
        for c in "resolve".chars() {
            press(model, KeyCode::Char(c));
        }
        press(model, KeyCode::Enter);
        assert!(
            matches!(model.overlay, warroom::tui::app::Overlay::Confirm(_)),
            "{:?}",
            model.overlay
        );
        let effects = press(model, KeyCode::Char('y'));
        let (_, command) = super::fixture::sent(&effects).expect("the resolve is sent");
        assert_eq!(
            command,
            &Command::Transition {
                to: Status::Resolved
            }
        );
    };
    let mut quiet = model();
    resolve(&mut quiet);
    assert!(
        !matches!(quiet.overlay, warroom::tui::app::Overlay::Form(_)),
        "nothing was published: nothing to resolve publicly"
    );

    let mut model = model();
    let published = next_event(EventKind::PublicUpdate(PublicUpdate {
        state: PublicState::Identified,
        message: "Rolling back.".into(),
        components: [("api".to_string(), ComponentStatus::PartialOutage)].into(),
        next_update_at: None,
        title: None,
        public_id: None,
    }));
    feed(&mut model, Msg::Feed(Ok(vec![published])));
    resolve(&mut model);
    assert_eq!(form_field(&model, "State"), "resolved");
    assert_eq!(form_field(&model, "Components"), "api=operational");
    assert_eq!(
        form_field(&model, "Headline"),
        "Checkout Incident: Resolved"
    );
}

/// Choosing "resolved" gives the components back as operational, writes the ✅ message
/// without a promise, and renames the incident publicly to "…: Resolved".
#[test]
fn a_resolved_update_restores_the_components_and_says_resolved_with_a_check_mark() {
    use ratatui::crossterm::event::KeyCode;
    let mut model = model_with_root_cause();
    press(&mut model, KeyCode::Char('u'));
    press(&mut model, KeyCode::BackTab);
    press(&mut model, KeyCode::BackTab);
    for c in "api=partial_outage, web=major_outage".chars() {
        press(&mut model, KeyCode::Char(c));
    }
    press(&mut model, KeyCode::BackTab);
    for _ in 0..3 {
        press(&mut model, KeyCode::Right);
    }
    assert_eq!(form_field(&model, "State"), "resolved");
    assert_eq!(
        form_field(&model, "Components"),
        "api=operational, web=operational"
    );
    assert_eq!(
        form_field(&model, "Headline"),
        "Checkout Incident: Resolved"
    );
    press(&mut model, KeyCode::Enter);
    let warroom::tui::app::Overlay::Confirm(confirm) = &model.overlay else {
        panic!("no confirmation: {:?}", model.overlay)
    };
    let preview = confirm.detail.join("\n");
    assert!(
        preview.contains("✅ Checkout Incident: Resolved"),
        "{preview}"
    );
    assert!(
        !preview.contains('🚨') && !preview.contains("Next Update"),
        "{preview}"
    );
    let effects = press(&mut model, KeyCode::Char('y'));
    let (_, command) = super::fixture::sent(&effects).expect("one command sent");
    let Command::PublicUpdate(update) = command else {
        panic!("{command:?}")
    };
    assert_eq!(update.state, PublicState::Resolved);
    assert!(
        update
            .components
            .values()
            .all(|s| *s == ComponentStatus::Operational)
    );
    assert_eq!(update.title.as_deref(), Some("Checkout Incident: Resolved"));
    assert_eq!(update.next_update_at, None);
}

#[test]
fn an_edited_message_survives_a_state_change_and_ascii_mode_has_no_emoji() {
    use ratatui::crossterm::event::KeyCode;
    let mut model = model_with_root_cause();
    model.setup.ascii = true;
    press(&mut model, KeyCode::Char('u'));
    press(&mut model, KeyCode::Char('!'));
    let typed = form_field(&model, "Message");
    for _ in 0..3 {
        press(&mut model, KeyCode::BackTab);
    }
    press(&mut model, KeyCode::Right);
    assert_eq!(form_field(&model, "Message"), typed, "typed text is kept");
    press(&mut model, KeyCode::Enter);
    let warroom::tui::app::Overlay::Confirm(confirm) = &model.overlay else {
        panic!("no confirmation")
    };
    let preview = confirm.detail.join("\n");
    assert!(
        preview.contains("[!] Checkout Incident: Identified"),
        "{preview}"
    );
    assert!(preview.is_ascii(), "{preview}");
}

#[test]
fn someone_neither_commanding_nor_communicating_is_told_so() {
    use ratatui::crossterm::event::KeyCode;
    let mut model = super::fixture::model_with(false, AccessRole::Responder);
    let relieve = next_event(EventKind::RoleRelieved {
        role: Role::Commander,
        person: "alice".into(),
    });
    feed(&mut model, Msg::Feed(Ok(vec![relieve])));
    press(&mut model, KeyCode::Char('u'));
    assert!(matches!(model.overlay, warroom::tui::app::Overlay::None));
    assert!(screen_text(&model).contains("only the Incident Commander or the Communications Lead"));
}

#[test]
fn the_composer_at_80x24_and_120x40() {
    use ratatui::crossterm::event::KeyCode;
    let mut model = model_with_root_cause();
    press(&mut model, KeyCode::Char('u'));
    for (name, width, height) in [("composer_80x24", 80, 24), ("composer_120x40", 120, 40)] {
        let mut sized = model.clone();
        feed(&mut sized, Msg::Resize(width, height));
        let terminal = draw(&sized, &theme(), width, height);
        insta::assert_snapshot!(name, terminal.backend());
    }
    press(&mut model, KeyCode::Enter);
    let terminal = draw(&model, &theme(), 120, 40);
    insta::assert_snapshot!("composer_preview_120x40", terminal.backend());
}

#[test]
fn y_copies_the_summary_through_an_effect_sanitised() {
    let mut model = model();
    // An open action item is in the summary; its text came from someone's keyboard.
    let hostile = next_event(EventKind::ActionAdded {
        action: 99,
        text: "drain \u{1b}]52;c;aGk=\u{7} eu-west".into(),
        owner: Some("bob".into()),
        due_at: None,
    });
    feed(&mut model, Msg::Feed(Ok(vec![hostile])));
    let effects = press(&mut model, ratatui::crossterm::event::KeyCode::Char('y'));
    let copied: Vec<&String> = effects
        .iter()
        .filter_map(|effect| match effect {
            warroom::tui::app::Effect::CopyToClipboard(text) => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(copied.len(), 1, "{effects:?}");
    let text = copied[0];
    let incident = &model.current().unwrap().state;
    assert!(text.starts_with(&format!("{} [", incident.id)), "{text}");
    assert!(text.contains("Roles "), "{text}");
    assert!(text.contains("Next update "), "{text}");
    assert!(
        text.contains("#99 drain \u{FFFD}]52;c;aGk=\u{FFFD} eu-west @bob"),
        "{text}"
    );
    assert!(
        text.chars().all(|c| c == '\n' || !c.is_control()),
        "{text:?}"
    );
    let notice = model.notice.as_ref().expect("a notice says it was sent");
    assert!(notice.text.contains("clipboard"), "{}", notice.text);
}

fn delivery(state: &str, finished_minutes_ago: Option<i64>) -> warroom::client::DeliveryRecord {
    warroom::client::DeliveryRecord {
        id: format!("d-{state}-{finished_minutes_ago:?}"),
        target: "ops-slack".into(),
        incident: "INC-1".into(),
        seq: 1,
        created_at: now() - Duration::hours(3),
        state: state.into(),
        attempts: 4,
        last_error: Some("HTTP 500".into()),
        next_attempt_at: None,
        finished_at: finished_minutes_ago.map(|m| now() - Duration::minutes(m)),
    }
}

#[test]
fn the_header_badges_failing_deliveries_and_polls_again() {
    use warroom::tui::app::Effect;
    use warroom::tui::app::deliveries::POLL_EVERY;
    let mut model = model();
    let records = vec![
        delivery("pending", None),
        delivery("dead", Some(10)),
        // Given up on two hours ago: old news, no badge for it.
        delivery("dead", Some(120)),
    ];
    let effects = feed(&mut model, Msg::Deliveries(Ok(records)));
    assert!(
        effects.contains(&Effect::FetchDeliveries { delay: POLL_EVERY }),
        "{effects:?}"
    );
    let text = screen_text(&model);
    assert!(
        text.contains("NOTIFY 1 dead, 1 retrying (ops-slack)"),
        "{text}"
    );
    feed(
        &mut model,
        Msg::Deliveries(Ok(vec![delivery("dead", Some(120))])),
    );
    assert!(!screen_text(&model).contains("NOTIFY"));
    // The backend down: keep asking, a little slower.
    let down = warroom::client::ClientError::Unreachable("refused".into());
    let effects = feed(&mut model, Msg::Deliveries(Err(down)));
    assert!(
        matches!(effects.as_slice(), [Effect::FetchDeliveries { delay }] if *delay > POLL_EVERY),
        "{effects:?}"
    );
    // A viewer may not read the log: no badge, and no more asking.
    let forbidden = warroom::client::ClientError::Api {
        status: 403,
        code: "forbidden".into(),
        message: "responders only".into(),
    };
    let effects = feed(&mut model, Msg::Deliveries(Err(forbidden)));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::FetchDeliveries { .. })),
        "{effects:?}"
    );
}

fn alert_with_urls(runbook: &str, source: &str) -> Alert {
    Alert {
        labels: [
            ("alertname".to_string(), "CheckoutHighErrorRate".to_string()),
            ("severity".to_string(), "critical".to_string()),
        ]
        .into(),
        annotations: [
            ("summary".to_string(), "5xx above 5%".to_string()),
            ("runbook_url".to_string(), runbook.to_string()),
        ]
        .into(),
        state: AlertState::Firing,
        since: now() - Duration::minutes(3),
        fingerprint: Some("f1".into()),
        generator_url: Some(source.to_string()),
    }
}

/// The cells' symbols that carry an OSC 8 hyperlink, and the screen's text.
fn links_on_screen(model: &warroom::tui::app::Model, hyperlinks: bool) -> (Vec<String>, String) {
    let theme = warroom::tui::theme::Theme {
        hyperlinks,
        ..theme()
    };
    let terminal = draw(model, &theme, 120, 40);
    let buffer = terminal.backend().buffer();
    let mut links = Vec::new();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        let mut skip = 0;
        for x in 0..buffer.area.width {
            let symbol = buffer[(x, y)].symbol();
            if skip > 0 {
                // Covered by a link: the terminal shows its label there.
                skip -= 1;
            } else if symbol.contains('\u{1b}') {
                links.push(symbol.to_string());
                let label = symbol.split('\\').nth(1).unwrap_or_default();
                let label = label.strip_suffix("\u{1b}]8;;\u{1b}").unwrap_or(label);
                text.push_str(label);
                skip = label.chars().count() - 1;
            } else {
                text.push_str(symbol);
            }
        }
        text.push('\n');
    }
    (links, text)
}

#[test]
fn runbook_and_source_urls_are_hyperlinks_only_when_safe_and_switched_on() {
    let mut model = model();
    let runbook = "https://runbooks.example/checkout#5xx";
    let source = "http://prometheus:9090/graph?g0.expr=rate(http_requests_total%5B5m%5D)";
    feed(
        &mut model,
        Msg::Alerts(Ok(vec![alert_with_urls(runbook, source)])),
    );
    model.desk.focus = warroom::tui::app::Pane::Alerts;
    let (links, text) = links_on_screen(&model, true);
    // The pane is narrower than the URLs: the labels are cut, the targets whole.
    let link =
        |target: &str, label: &str| format!("\u{1b}]8;;{target}\u{1b}\\{label}\u{1b}]8;;\u{1b}\\");
    assert_eq!(
        links,
        [
            link(runbook, "https://runbooks.example…"),
            link(source, "http://prometheus:9090/g…")
        ],
        "{text}"
    );
    assert!(
        text.contains("runbook  https://runbooks.example…│"),
        "{text}"
    );
    assert!(
        text.contains("source   http://prometheus:9090/g…│"),
        "{text}"
    );

    // Switched off: the same text, no escape sequence.
    let (links, plain) = links_on_screen(&model, false);
    assert!(links.is_empty(), "{links:?}");
    assert_eq!(plain, text);

    // URLs that are not web links, or carry bytes a terminal interprets, stay text.
    let hostile = alert_with_urls(
        "javascript:alert(1)",
        "https://evil.example/\u{1b}]0;pwned\u{7}x",
    );
    feed(&mut model, Msg::Alerts(Ok(vec![hostile])));
    let (links, text) = links_on_screen(&model, true);
    assert!(links.is_empty(), "{links:?}");
    assert!(text.contains("runbook  javascript:alert(1)"), "{text}");
    assert!(
        text.contains("source   https://evil.example/\u{FFFD}]0…"),
        "{text}"
    );
}

/// The composer over a desk whose config lists `[status] components`, its focus on them.
fn composer_with_components() -> warroom::tui::app::Model {
    use ratatui::crossterm::event::KeyCode;
    let mut model = model_with_root_cause();
    model.setup.components = vec!["api".into(), "web".into(), "payments".into()];
    let mut published = next_event(EventKind::PublicUpdate(PublicUpdate {
        state: PublicState::Investigating,
        message: "Looking into it.".into(),
        components: [
            ("web".to_string(), ComponentStatus::DegradedPerformance),
            // Not listed (any more): not offered, not sent.
            ("legacy".to_string(), ComponentStatus::MajorOutage),
        ]
        .into(),
        next_update_at: None,
        title: None,
        public_id: None,
    }));
    published.seq += 1; // after the decision
    feed(&mut model, Msg::Feed(Ok(vec![published])));
    press(&mut model, KeyCode::Char('u'));
    press(&mut model, KeyCode::BackTab);
    press(&mut model, KeyCode::BackTab);
    model
}

#[test]
fn the_component_picker_at_80x24_and_120x40() {
    use ratatui::crossterm::event::KeyCode;
    let mut model = composer_with_components();
    press(&mut model, KeyCode::Char('j'));
    press(&mut model, KeyCode::Char(' '));
    press(&mut model, KeyCode::Char(' '));
    for (name, width, height) in [
        ("component_picker_80x24", 80, 24),
        ("component_picker_120x40", 120, 40),
    ] {
        let mut sized = model.clone();
        feed(&mut sized, Msg::Resize(width, height));
        let terminal = draw(&sized, &theme(), width, height);
        insta::assert_snapshot!(name, terminal.backend());
    }
    let text = screen_text(&model);
    assert!(text.contains("> web"), "{text}");
    assert!(text.contains("< Major Outage >"), "{text}");
    assert!(text.contains("payments  < — >"), "{text}");
    assert!(text.contains("↑/↓ or j/k: component"), "{text}");
}

#[test]
fn picked_statuses_become_the_update_s_components() {
    use ratatui::crossterm::event::KeyCode;
    let mut model = composer_with_components();
    assert_eq!(
        form_field(&model, "Components"),
        "web=degraded_performance",
        "the last update's status of a listed component, and nothing unlisted"
    );
    // api: two steps (operational, degraded performance); web: on to partial outage;
    // payments: back from "none" to under maintenance.
    press(&mut model, KeyCode::Right);
    press(&mut model, KeyCode::Char(' '));
    press(&mut model, KeyCode::Down);
    press(&mut model, KeyCode::Right);
    press(&mut model, KeyCode::Char('j'));
    press(&mut model, KeyCode::Left);
    assert_eq!(
        form_field(&model, "Components"),
        "api=degraded_performance, web=partial_outage, payments=under_maintenance"
    );
    // The headline follows the worst status picked; ↓ on the last component moves on to it.
    press(&mut model, KeyCode::Down);
    assert_eq!(
        form_field(&model, "Headline"),
        "Checkout Incident: Partial Outage"
    );
    let warroom::tui::app::Overlay::Form(form) = &model.overlay else {
        panic!("{:?}", model.overlay)
    };
    assert_eq!(form.fields[form.focus].label, "Headline");
    press(&mut model, KeyCode::Enter);
    let warroom::tui::app::Overlay::Confirm(confirm) = &model.overlay else {
        panic!("no confirmation: {:?}", model.overlay)
    };
    let preview = confirm.detail.join("\n");
    assert!(
        preview.contains(
            "Components: api Degraded Performance, payments Under Maintenance, web Partial Outage"
        ),
        "{preview}"
    );
    let effects = press(&mut model, KeyCode::Char('y'));
    let (_, command) = super::fixture::sent(&effects).expect("one command sent");
    let Command::PublicUpdate(update) = command else {
        panic!("{command:?}")
    };
    assert_eq!(
        update.components,
        [
            ("api".to_string(), ComponentStatus::DegradedPerformance),
            ("web".to_string(), ComponentStatus::PartialOutage),
            ("payments".to_string(), ComponentStatus::UnderMaintenance),
        ]
        .into()
    );
}

#[test]
fn resolved_sets_every_picked_component_operational() {
    use ratatui::crossterm::event::KeyCode;
    let mut model = composer_with_components();
    press(&mut model, KeyCode::Char('j'));
    press(&mut model, KeyCode::Char('j'));
    for _ in 0..4 {
        press(&mut model, KeyCode::Right);
    }
    assert_eq!(
        form_field(&model, "Components"),
        "web=degraded_performance, payments=major_outage"
    );
    press(&mut model, KeyCode::BackTab);
    for _ in 0..3 {
        press(&mut model, KeyCode::Right);
    }
    assert_eq!(form_field(&model, "State"), "resolved");
    assert_eq!(
        form_field(&model, "Components"),
        "web=operational, payments=operational",
        "named ones restored, unnamed ones still left out"
    );
    assert_eq!(
        form_field(&model, "Headline"),
        "Checkout Incident: Resolved"
    );
    // A status picked after that stays picked: resolved, with payments under maintenance.
    press(&mut model, KeyCode::Tab);
    press(&mut model, KeyCode::Left);
    assert_eq!(form_field(&model, "Components"), "web=operational");
    press(&mut model, KeyCode::Left);
    assert_eq!(
        form_field(&model, "Components"),
        "web=operational, payments=under_maintenance"
    );
}

/// Letters that are desk hotkeys (quit, note, resolve, declare) do nothing to the desk while
/// the picker has the keyboard.
#[test]
fn keys_typed_in_the_picker_never_reach_the_desk() {
    use ratatui::crossterm::event::KeyCode;
    let mut model = composer_with_components();
    let before = form_field(&model, "Components");
    for c in ['q', 'n', 'r', 'D', 'm', '?', ':', 'u', 'y'] {
        let effects = press(&mut model, KeyCode::Char(c));
        assert!(effects.is_empty(), "{c}: {effects:?}");
        assert!(!model.quit, "{c}");
        let warroom::tui::app::Overlay::Form(form) = &model.overlay else {
            panic!("{c} closed the composer: {:?}", model.overlay)
        };
        assert_eq!(form.focus, 1, "{c} moved the focus");
    }
    assert_eq!(form_field(&model, "Components"), before);
}

#[test]
fn without_configured_components_the_composer_says_so_and_takes_them_typed() {
    use ratatui::crossterm::event::KeyCode;
    let mut model = model_with_root_cause();
    press(&mut model, KeyCode::Char('u'));
    press(&mut model, KeyCode::BackTab);
    press(&mut model, KeyCode::BackTab);
    let text = screen_text(&model);
    assert!(
        text.contains("no [status] components in the config: type name=status"),
        "{text}"
    );
}
