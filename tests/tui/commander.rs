//! Issue 10 part A through `update()` and the drawn screen: nothing typed is lost, never a
//! false all-clear, many incidents at once, and the business impact in the header.

use super::fixture::{declared, feed, model, model_with, now};
use chrono::Duration;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::client::{ClientError, CommandAccepted};
use warroom::domain::*;
use warroom::tui::app::outbox::{Outbox, Request};
use warroom::tui::app::{Effect, Model, Msg, Options, Overlay, Sent, resume, update};
use warroom::tui::keymap::KeyMap;

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn press(model: &mut Model, c: char) -> Vec<Effect> {
    update(model, key(KeyCode::Char(c)))
}

fn typed(model: &mut Model, line: &str) -> Vec<Effect> {
    press(model, ':');
    for c in line.chars() {
        press(model, c);
    }
    update(model, key(KeyCode::Enter))
}

fn screen(model: &Model, width: u16, height: u16) -> String {
    super::fixture::screen_text(model, width, height)
}

fn sends(effects: &[Effect]) -> Vec<(String, Request)> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Send { outgoing, .. } => Some((outgoing.key.clone(), outgoing.request.clone())),
            _ => None,
        })
        .collect()
}

/// `m` while the backend is away: the mitigate stays in the outbox, first of INC-1's lane.
fn mitigate_offline(model: &mut Model) {
    let first = sends(&press(model, 'm'));
    answered(model, &first[0].0, Err(unreachable()));
}

fn unreachable() -> ClientError {
    ClientError::Unreachable("connection refused".into())
}

fn accepted() -> Result<Sent, ClientError> {
    Ok(Sent::Command(CommandAccepted {
        version: 99,
        events: vec![],
    }))
}

/// The backend's answer to the command sent under `key`.
fn answered(model: &mut Model, key: &str, result: Result<Sent, ClientError>) -> Vec<Effect> {
    let key = key.to_string();
    update(model, Msg::Sent { key, result })
}

/// The backend's refusal of a command, as a 422 with the domain's code.
fn refused(message: &str) -> ClientError {
    ClientError::Api {
        status: 422,
        code: "invalid_transition".into(),
        message: message.into(),
    }
}

fn inc(n: u64) -> IncidentId {
    IncidentId::from_number(n)
}

// ---- 1. Nothing typed is lost -------------------------------------------------------------

#[test]
fn commands_for_one_incident_go_one_at_a_time_in_order() {
    let mut model = model();
    let first = press(&mut model, 'm');
    assert_eq!(sends(&first).len(), 1, "the first goes at once");
    // The backend is away: the note waits behind the mitigate instead of racing it.
    answered(&mut model, &sends(&first)[0].0, Err(unreachable()));
    let note = typed(&mut model, "note rolled back");
    assert!(sends(&note).is_empty(), "{note:?}");
    assert_eq!(model.outbox.items.len(), 2);
    // Another incident's command has its own lane.
    let other = typed(&mut model, "go 2");
    assert!(other.iter().all(|e| !matches!(e, Effect::Send { .. })));
    let ack = press(&mut model, 'a');
    assert_eq!(sends(&ack).len(), 1);
    // The mitigate lands; only then the note goes, with its own key.
    let next = answered(&mut model, &sends(&first)[0].0, accepted());
    let next = sends(&next);
    assert_eq!(next.len(), 1);
    assert!(matches!(
        &next[0].1,
        Request::Command { incident, command: Command::AddNote { text, .. } }
            if *incident == inc(1) && text == "rolled back"
    ));
    assert_ne!(next[0].0, sends(&first)[0].0);
}

#[test]
fn a_refused_command_lets_the_next_one_go() {
    let mut model = model();
    let first = sends(&press(&mut model, 'm'));
    typed(&mut model, "note after");
    let next = answered(&mut model, &first[0].0, Err(refused("no")));
    assert_eq!(sends(&next).len(), 1);
    assert!(model.notice.as_ref().unwrap().text.contains("refused"));
}

#[test]
fn the_time_the_person_acted_travels_with_the_command() {
    let mut model = model();
    update(&mut model, Msg::Tick(now() + Duration::seconds(42)));
    let effects = typed(&mut model, "note typed at 42s");
    let Some(outgoing) = effects.iter().find_map(|effect| match effect {
        Effect::Send { outgoing, .. } => Some(outgoing),
        _ => None,
    }) else {
        panic!("{effects:?}");
    };
    assert_eq!(outgoing.intended_at, now() + Duration::seconds(42));
}

#[test]
fn keys_are_numbered_under_the_runtime_prefix_so_update_stays_pure() {
    let run = |prefix: &str| {
        let mut model = model();
        resume(&mut model, prefix.into(), vec![], None);
        let effects = press(&mut model, 'm');
        sends(&effects)[0].0.clone()
    };
    // The same messages give the same keys: nothing random inside update.
    assert_eq!(run("run-a"), run("run-a"));
    assert!(run("run-a").starts_with("run-a-"));
    assert_ne!(run("run-a"), run("run-b"));
}

#[test]
fn what_an_earlier_run_left_is_sent_again_first_per_incident_with_its_keys() {
    let mut earlier = model();
    resume(&mut earlier, "old".into(), vec![], None);
    press(&mut earlier, 'm');
    typed(&mut earlier, "note queued offline");
    typed(&mut earlier, "go 2");
    press(&mut earlier, 'a');
    let left = earlier.outbox.items.clone();
    assert_eq!(left.len(), 3);

    let mut model = model();
    let effects = resume(&mut model, "new".into(), left.clone(), None);
    let resent = sends(&effects);
    // One per incident: INC-1's mitigate (its note waits) and INC-2's acknowledge.
    assert_eq!(
        resent
            .iter()
            .map(|(key, _)| key.as_str())
            .collect::<Vec<_>>(),
        vec![left[0].outgoing.key.as_str(), left[2].outgoing.key.as_str()]
    );
    assert!(model.notice.as_ref().unwrap().text.contains("3 command"));
}

#[test]
fn quitting_with_pending_commands_asks_and_says_how_many() {
    let mut model = model();
    mitigate_offline(&mut model);
    typed(&mut model, "note still offline");
    press(&mut model, 'q');
    assert!(!model.quit);
    assert!(matches!(model.overlay, Overlay::QuitPending));
    assert!(screen(&model, 120, 40).contains("2 command(s) not yet acknowledged"));
    // Any other key stays.
    press(&mut model, 'x');
    assert!(!model.quit);
    assert!(matches!(model.overlay, Overlay::None));
    // `:q` asks too; y quits.
    typed(&mut model, "q");
    assert!(matches!(model.overlay, Overlay::QuitPending));
    press(&mut model, 'y');
    assert!(model.quit);
}

#[test]
fn the_question_quits_by_itself_once_the_backend_answers_the_last_command() {
    let mut model = model();
    let first = sends(&press(&mut model, 'm'));
    typed(&mut model, "note on its way");
    press(&mut model, 'q');
    assert!(matches!(model.overlay, Overlay::QuitPending));
    // The mitigate lands: the note is still on its way, so the question stays.
    let next = answered(&mut model, &first[0].0, accepted());
    assert!(!model.quit);
    assert!(screen(&model, 120, 40).contains("1 command(s) not yet acknowledged"));
    // The note lands too: nothing is left to wait for, and the person asked to quit.
    answered(&mut model, &sends(&next)[0].0, accepted());
    assert!(model.quit);
}

#[test]
fn a_refusal_while_the_question_is_open_closes_it_and_is_read_before_quitting() {
    let mut model = model();
    let first = sends(&press(&mut model, 'm'));
    press(&mut model, 'q');
    assert!(matches!(model.overlay, Overlay::QuitPending));
    // A late refusal of something already settled says nothing, so the question stays.
    answered(
        &mut model,
        "an answer already settled",
        Err(refused("late")),
    );
    assert!(matches!(model.overlay, Overlay::QuitPending));
    assert!(!screen(&model, 120, 40).contains("refused"));
    // The only command is refused: nothing is left on its way, but the person has not seen
    // the refusal, so the quit does not go past it.
    answered(&mut model, &first[0].0, Err(refused("not from here")));
    assert!(!model.quit);
    assert!(matches!(model.overlay, Overlay::None));
    assert!(screen(&model, 120, 40).contains("refused"));
    // Asked again, with nothing on its way, it quits at once.
    press(&mut model, 'q');
    assert!(model.quit);
}

#[test]
fn quitting_with_nothing_pending_does_not_ask() {
    let mut model = model();
    press(&mut model, 'q');
    assert!(model.quit);
}

#[test]
fn pending_commands_show_in_the_timeline_where_they_will_land() {
    let mut model = model();
    mitigate_offline(&mut model);
    typed(&mut model, "note rolled back");
    let text = screen(&model, 120, 40);
    let note = text
        .lines()
        .position(|l| l.contains("PENDING") && l.contains("rolled back"))
        .expect(&text);
    let mitigate = text
        .lines()
        .position(|l| l.contains("PENDING") && l.contains("mitigated"))
        .expect(&text);
    // Newest first, above the entries already recorded.
    assert!(note < mitigate, "{text}");
}

#[test]
fn the_timeline_shows_when_a_late_command_was_given() {
    let mut model = model();
    let landed = Event {
        seq: 500,
        incident: inc(1),
        at: now(),
        actor: "alice".into(),
        via: None,
        kind: EventKind::NoteAdded {
            kind: NoteKind::Note,
            text: "typed during the outage".into(),
        },
        intended_at: Some(now() - Duration::minutes(3)),
    };
    let prompt = Event {
        seq: 501,
        via: None,
        intended_at: Some(now() - Duration::seconds(2)),
        kind: EventKind::NoteAdded {
            kind: NoteKind::Note,
            text: "typed online".into(),
        },
        ..landed.clone()
    };
    feed(&mut model, Msg::Feed(Ok(vec![landed, prompt])));
    let text = screen(&model, 160, 40);
    assert!(text.contains("(given 13:57:00 UTC)"), "{text}");
    let online = text.lines().find(|l| l.contains("typed online")).unwrap();
    assert!(!online.contains("given"), "{online}");
}

// ---- 2. Never a false all-clear -----------------------------------------------------------

fn fresh(wall: bool) -> Model {
    let options = Options {
        wall,
        demo: false,
        keymap: KeyMap::default(),
        metrics: super::fixture::metrics(false, false),
        attention_from: None,
    };
    let mut model = Model::new(options, now());
    model.setup.backend = "http://10.0.0.9:7070".into();
    model
}

#[test]
fn a_client_that_never_reached_the_backend_says_so() {
    for wall in [false, true] {
        let mut model = fresh(wall);
        update(&mut model, Msg::Feed(Err(unreachable())));
        let text = screen(&model, 120, 40);
        assert!(!text.contains("ALL CLEAR"), "{text}");
        assert!(!text.contains("no open incidents"), "{text}");
        assert!(
            text.contains("cannot reach http://10.0.0.9:7070 — no data yet"),
            "{text}"
        );
    }
    let model = fresh(true);
    assert!(screen(&model, 120, 40).contains("connecting to http://10.0.0.9:7070 — no data yet"));
}

#[test]
fn the_first_empty_answer_after_the_start_redraws_the_wall() {
    // The start (GET /v1/incidents) already set the link live; the feed's first answer is
    // empty on a quiet backend, and the wall redraws on nothing else.
    let mut wall = fresh(true);
    update(&mut wall, Msg::Started(Ok(vec![])));
    wall.dirty = false;
    update(&mut wall, Msg::Feed(Ok(vec![])));
    assert!(wall.dirty, "the screen must leave \"no data yet\"");
    assert!(screen(&wall, 120, 40).contains("ALL CLEAR"));
    wall.dirty = false;
    update(&mut wall, Msg::Feed(Ok(vec![])));
    assert!(!wall.dirty, "a later empty answer changes nothing");
}

#[test]
fn once_answered_the_wall_says_all_clear_even_when_the_link_drops_later() {
    let mut model = fresh(true);
    update(&mut model, Msg::Feed(Ok(vec![])));
    assert!(screen(&model, 120, 40).contains("ALL CLEAR"));
    update(&mut model, Msg::Feed(Err(unreachable())));
    let text = screen(&model, 120, 40);
    assert!(text.contains("showing the last known state"), "{text}");
}

#[test]
fn a_fresh_wall_with_only_closed_incidents_shows_all_clear() {
    let mut model = fresh(true);
    let mut events = vec![declared(1, 1, "P1", "Old outage", "alice")];
    for (seq, to) in [(2, Status::Resolved), (3, Status::Closed)] {
        events.push(Event {
            seq,
            kind: EventKind::StatusChanged {
                from: Status::Acknowledged,
                to,
                reason: None,
                commander: None,
            },
            ..events[0].clone()
        });
    }
    update(&mut model, Msg::Feed(Ok(events)));
    // Just ended: shown as ended for a while, as on a wall that watched it end.
    assert_eq!(model.desk.selected, Some(inc(1)));
    let text = screen(&model, 120, 40);
    assert!(
        text.contains("Old outage") && text.contains("CLOSED"),
        "{text}"
    );
    update(&mut model, Msg::Tick(now() + Duration::minutes(16)));
    assert_eq!(model.desk.selected, None);
    let text = screen(&model, 120, 40);
    assert!(text.contains("ALL CLEAR"), "{text}");
    assert!(!text.contains("Old outage"), "{text}");
}

// ---- 3. Many incidents at once ------------------------------------------------------------

#[test]
fn a_new_p0_while_looking_at_a_p1_rings_and_is_named() {
    let mut model = model();
    assert_eq!(model.desk.selected, Some(inc(1)));
    // Chosen by the person: the P1 stays on screen.
    typed(&mut model, "go 1");
    feed(
        &mut model,
        Msg::Feed(Ok(vec![declared(
            900,
            9,
            "P0",
            "Payments down",
            "pagerduty",
        )])),
    );
    assert!(model.bell, "the bell rings");
    assert_eq!(model.desk.selected, Some(inc(1)));
    let text = screen(&model, 120, 40);
    assert!(text.contains("NEW P0 INC-9 OPEN: Payments down"), "{text}");
    assert!(text.contains("P0 INC-9 open — press [ or l"), "{text}");
    // A key is the person seeing it: the banner goes, the header keeps naming the P0.
    model.bell = false;
    press(&mut model, 'j');
    let text = screen(&model, 120, 40);
    assert!(!text.contains("NEW P0"), "{text}");
    assert!(text.contains("P0 INC-9 open — press [ or l"), "{text}");
}

#[test]
fn a_key_that_does_nothing_else_still_redraws_the_seen_banner_away() {
    let p0 = declared(900, 9, "P0", "Payments down", "pagerduty");
    // An unbound key on the desk, and a key the incident list ignores.
    for open_list in [false, true] {
        let mut model = model();
        if open_list {
            press(&mut model, 'l');
        }
        feed(&mut model, Msg::Feed(Ok(vec![p0.clone()])));
        assert!(model.attention.is_some());
        update(&mut model, key(KeyCode::F(12)));
        assert!(model.attention.is_none());
        assert!(
            model.dirty,
            "the banner left the model, so the screen must redraw"
        );
        // With no banner to clear, the same key still redraws nothing.
        update(&mut model, key(KeyCode::F(12)));
        assert!(!model.dirty);
    }
}

#[test]
fn history_minor_incidents_and_ones_i_declared_do_not_ring() {
    let mut model = model();
    // The first feed brought history: no bell for it.
    assert!(!model.bell && model.attention.is_none());
    feed(
        &mut model,
        Msg::Feed(Ok(vec![declared(900, 9, "P2", "Minor", "bob")])),
    );
    assert!(!model.bell, "below the configured P1");
    feed(
        &mut model,
        Msg::Feed(Ok(vec![declared(901, 10, "P0", "Mine", "alice")])),
    );
    assert!(!model.bell, "alice declared it herself");
}

#[test]
fn a_lapse_rings_and_the_wall_stays_quiet_unless_asked() {
    let lapse = Event {
        seq: 900,
        incident: inc(2),
        at: now(),
        actor: "escalation".into(),
        via: None,
        kind: EventKind::Lapsed {
            lapse: Lapse::CommanderVacant,
            due: now(),
        },
        intended_at: None,
    };
    let mut desk = model();
    feed(&mut desk, Msg::Feed(Ok(vec![lapse.clone()])));
    assert!(desk.bell);
    assert!(screen(&desk, 120, 40).contains("INC-2: COMMANDER VACANT"));
    // The banner leaves by itself on a screen nobody touches.
    update(&mut desk, Msg::Tick(now() + Duration::minutes(3)));
    assert!(desk.attention.is_none());

    let mut wall = model_with(true, AccessRole::Viewer);
    feed(&mut wall, Msg::Feed(Ok(vec![lapse])));
    assert!(!wall.bell && wall.attention.is_none());
}

#[test]
fn the_banner_keeps_the_more_severe_of_two_lapses_whatever_their_order() {
    let lapse = |seq: u64, n: u64, lapse: Lapse| Event {
        seq,
        incident: inc(n),
        at: now(),
        actor: "escalation".into(),
        via: None,
        kind: EventKind::Lapsed { lapse, due: now() },
        intended_at: None,
    };
    // INC-1 is the P1, INC-2 the P2; the desk shows INC-1.
    let p1 = lapse(900, 1, Lapse::InternalUpdateOverdue);
    let p2 = lapse(901, 2, Lapse::CommanderVacant);
    for page in [vec![p1.clone(), p2.clone()], vec![p2.clone(), p1.clone()]] {
        let mut desk = model();
        feed(&mut desk, Msg::Feed(Ok(page)));
        assert!(desk.bell);
        let banner = desk.attention.as_ref().expect("a banner");
        assert_eq!(banner.incident, inc(1), "{}", banner.text);
    }
    // A less severe lapse after the P1's banner rings but does not replace it; a lapse of an
    // equally severe incident does (the newest).
    let mut desk = model();
    feed(&mut desk, Msg::Feed(Ok(vec![p1.clone()])));
    desk.bell = false;
    feed(
        &mut desk,
        Msg::Feed(Ok(vec![lapse(902, 2, Lapse::InternalUpdateOverdue)])),
    );
    assert!(desk.bell);
    assert_eq!(desk.attention.as_ref().unwrap().incident, inc(1));
    feed(
        &mut desk,
        Msg::Feed(Ok(vec![lapse(903, 1, Lapse::CommanderVacant)])),
    );
    assert!(
        desk.attention
            .as_ref()
            .unwrap()
            .text
            .contains("COMMANDER VACANT")
    );
}

#[test]
fn the_incident_list_orders_by_severity_and_switches_with_enter() {
    let mut model = model();
    feed(
        &mut model,
        Msg::Feed(Ok(vec![declared(900, 9, "P0", "Payments down", "bob")])),
    );
    for open in [
        |m: &mut Model| {
            press(m, 'l');
        },
        |m: &mut Model| {
            typed(m, "list");
        },
    ] {
        let mut model = model.clone();
        model.desk.selected = Some(inc(2));
        open(&mut model);
        assert!(matches!(model.overlay, Overlay::IncidentList(_)));
        let text = screen(&model, 140, 40);
        let row = |id: &str| {
            text.lines()
                .position(|l| l.contains(id) && l.contains("IC "))
        };
        let (p0, p1, p2) = (row("INC-9"), row("INC-1"), row("INC-2"));
        assert!(p0 < p1 && p1 < p2, "{text}");
        let inc1 = text
            .lines()
            .find(|l| l.contains("INC-1") && l.contains("IC "))
            .unwrap();
        assert!(inc1.contains("alice") && inc1.contains("update"), "{inc1}");
        assert!(text.contains("VACANT"), "{text}");
        // The cursor starts on the incident on screen (INC-2, third); up twice, Enter.
        update(&mut model, key(KeyCode::Up));
        update(&mut model, key(KeyCode::Up));
        update(&mut model, key(KeyCode::Enter));
        assert!(matches!(model.overlay, Overlay::None));
        assert_eq!(model.desk.selected, Some(inc(9)));
    }
}

#[test]
fn a_p0_arriving_while_the_list_is_open_does_not_move_what_enter_switches_to() {
    let mut model = model();
    model.desk.selected = Some(inc(2));
    press(&mut model, 'l');
    // The cursor is on INC-2; a P0 declared elsewhere goes to the top of the list.
    feed(
        &mut model,
        Msg::Feed(Ok(vec![declared(900, 9, "P0", "Payments down", "bob")])),
    );
    let text = screen(&model, 140, 40);
    let highlighted = text
        .lines()
        .find(|l| l.contains("▶") && l.contains("IC "))
        .unwrap();
    assert!(highlighted.contains("INC-2"), "{text}");
    update(&mut model, key(KeyCode::Enter));
    assert_eq!(model.desk.selected, Some(inc(2)));
}

#[test]
fn the_incident_list_counts_pending_commands() {
    let mut model = model();
    mitigate_offline(&mut model);
    typed(&mut model, "note offline");
    press(&mut model, 'l');
    let text = screen(&model, 140, 40);
    let inc1 = text
        .lines()
        .find(|l| l.contains("INC-1") && l.contains("IC "))
        .unwrap();
    assert!(inc1.contains("2 pending"), "{inc1}");
}

#[test]
fn the_wall_lists_the_other_open_incidents_under_the_followed_one() {
    let mut wall = model_with(true, AccessRole::Viewer);
    feed(
        &mut wall,
        Msg::Feed(Ok(vec![declared(900, 9, "P0", "Payments down", "bob")])),
    );
    assert_eq!(wall.desk.selected, Some(inc(9)));
    let text = screen(&wall, 160, 45);
    assert!(text.contains("ALSO OPEN (2)"), "{text}");
    let strip: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("INC-1") || l.contains("INC-2"))
        .collect();
    assert!(
        strip
            .iter()
            .any(|l| l.contains("INC-1") && l.contains("P1")),
        "{text}"
    );
    assert!(
        strip
            .iter()
            .any(|l| l.contains("INC-2") && l.contains("P2")),
        "{text}"
    );
}

// ---- 9. The business impact in the header -------------------------------------------------

#[test]
fn the_business_impact_given_at_declaration_is_in_the_header() {
    let model = model();
    let text = screen(&model, 120, 40);
    let header: Vec<&str> = text.lines().take(4).collect();
    assert!(
        header
            .iter()
            .any(|l| l.contains("Business impact: 5xx on /api/checkout and /api/cart behind lb-2")),
        "{text}"
    );
}

#[test]
fn the_outbox_survives_a_round_trip_through_its_file_format() {
    let mut outbox = Outbox::resumed("k".into(), vec![]);
    outbox.enqueue(
        Request::Declare(NewIncident {
            title: "declared offline".into(),
            severity: Severity::new("P1"),
            service: None,
            summary: Some("card payments fail".into()),
            started_at: None,
            detected_at: None,
            alerts: vec![],
        }),
        "declare".into(),
        vec![],
        now(),
    );
    let json = serde_json::to_string(&outbox.items).unwrap();
    let back: Vec<warroom::tui::app::outbox::Pending> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, outbox.items);
}

#[test]
fn the_outbox_needs_saving_when_its_commands_change_not_when_one_is_retried() {
    let mut model = model();
    let saved = model.outbox.items.clone();
    let first = sends(&press(&mut model, 'm'));
    assert!(!model.outbox.same_commands(&saved), "a new command");
    let saved = model.outbox.items.clone();
    for _ in 0..3 {
        answered(&mut model, &first[0].0, Err(unreachable()));
    }
    assert_ne!(model.outbox.items, saved, "the retries were counted");
    assert!(model.outbox.same_commands(&saved), "the same commands");
    answered(&mut model, &first[0].0, accepted());
    assert!(!model.outbox.same_commands(&saved), "one was answered");
}

#[test]
fn a_wall_shows_an_incident_resolved_under_its_eyes_for_a_while_then_all_clear() {
    let mut wall = fresh(true);
    let open = declared(1, 1, "P1", "Checkout down", "alice");
    update(&mut wall, Msg::Feed(Ok(vec![open.clone()])));
    assert_eq!(wall.desk.selected, Some(inc(1)));
    let resolved = Event {
        seq: 2,
        kind: EventKind::StatusChanged {
            from: Status::Acknowledged,
            to: Status::Resolved,
            reason: None,
            commander: None,
        },
        ..open
    };
    update(&mut wall, Msg::Feed(Ok(vec![resolved])));
    assert_eq!(
        wall.desk.selected,
        Some(inc(1)),
        "the room sees it resolved"
    );
    update(&mut wall, Msg::Tick(now() + Duration::minutes(16)));
    assert_eq!(wall.desk.selected, None);
    assert!(screen(&wall, 120, 40).contains("ALL CLEAR"));
}

#[test]
fn an_outbox_that_cannot_be_saved_is_said_on_screen() {
    let mut model = model();
    update(
        &mut model,
        Msg::OutboxSaved(Err("/data/outbox/x.json: disk full".into())),
    );
    let notice = model.notice.as_ref().unwrap();
    assert!(notice.error);
    assert!(notice.text.contains("disk full") && notice.text.contains("do not quit"));
}

#[test]
fn the_quit_prompt_says_kept_on_disk_only_while_the_outbox_is() {
    let quit_prompt = |model: &Model| {
        let mut model = model.clone();
        press(&mut model, 'q');
        assert!(matches!(model.overlay, Overlay::QuitPending));
        screen(&model, 120, 40)
    };
    let kept = "kept on disk";
    let lost = "quitting now loses them";
    // The demo and an SSH session keep no outbox file.
    let mut model = model();
    mitigate_offline(&mut model);
    let text = quit_prompt(&model);
    assert!(text.contains(lost) && !text.contains(kept), "{text}");
    // A desk with an outbox file, as the runtime starts it.
    model.outbox_on_disk = true;
    let text = quit_prompt(&model);
    assert!(text.contains(kept) && !text.contains(lost), "{text}");
    update(&mut model, Msg::OutboxSaved(Err("disk full".into())));
    let text = quit_prompt(&model);
    assert!(text.contains(lost) && !text.contains(kept), "{text}");
    update(&mut model, Msg::OutboxSaved(Ok(())));
    assert!(quit_prompt(&model).contains(kept));
}

#[test]
fn a_desk_never_switches_by_itself_a_new_p0_rings_and_offers_the_switch() {
    let mut model = model();
    let shown = model.desk.selected.clone();
    assert!(shown.is_some());
    feed(
        &mut model,
        Msg::Feed(Ok(vec![declared(
            900,
            9,
            "P0",
            "Payments down",
            "pagerduty",
        )])),
    );
    assert_eq!(model.desk.selected, shown, "the desk stays where it was");
    assert!(model.bell);
    let text = screen(&model, 120, 40);
    let banner = text.lines().next().unwrap();
    assert!(
        banner.contains("NEW P0 INC-9 OPEN: Payments down") && banner.contains("press [ or l"),
        "{text}"
    );
    // The wall follows the most severe open incident.
    let mut wall = model_with(true, AccessRole::Viewer);
    feed(
        &mut wall,
        Msg::Feed(Ok(vec![declared(
            900,
            9,
            "P0",
            "Payments down",
            "pagerduty",
        )])),
    );
    assert_eq!(wall.desk.selected, Some(inc(9)));
}

#[test]
fn a_small_wall_lists_the_others_on_one_line() {
    let wall = model_with(true, AccessRole::Viewer);
    let text = screen(&wall, 100, 32);
    let strip = text
        .lines()
        .find(|l| l.contains("ALSO OPEN (1):"))
        .expect(&text);
    assert!(strip.contains("INC-2") && strip.contains("P2"), "{strip}");
}
