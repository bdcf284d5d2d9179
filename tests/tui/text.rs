//! Issue 10, part B: text is never dropped, the command line is discoverable, one path for
//! every ending, numbers say what they are, and the wall at every size.

use super::fixture::{draw, events, feed, feed_curves_of, metrics, model, model_with, now, theme};
use chrono::Duration;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::client::ClientError;
use warroom::client::Identity;
use warroom::domain::*;
use warroom::tui::app::outbox::{Outgoing, Request};
use warroom::tui::app::{Effect, Model, Msg, Options, Overlay, update};
use warroom::tui::keymap::{HINT_ORDER, KeyMap};
use warroom::tui::theme::{ColorMode, Theme};

/// A title mixing scripts, an emoji with a skin-tone modifier and combining marks.
const TITLE: &str =
    "決済API 🔥 5xx após o deploy — Café\u{301} checkout 東京リージョン 👍🏽 degradado";
/// The note that lost words at 120 columns.
const NOTE: &str = "回滚已完成 错误率恢复正常 继续观察十五分钟 then verify the cache warms before re\u{301}opening traffic 🚦";
const ACTION: &str =
    "確認する: LB-2 のヘルスチェック設定を元に戻す 🔧 and tell the naïve\u{308} caller";

fn key(model: &mut Model, code: KeyCode) -> Vec<Effect> {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    update(model, Msg::Key(KeyEvent::new(code, modifiers)))
}

fn type_line(model: &mut Model, line: &str) -> Vec<Effect> {
    key(model, KeyCode::Char(':'));
    for c in line.chars() {
        key(model, KeyCode::Char(c));
    }
    key(model, KeyCode::Enter)
}

/// The fixture plus a P0 (INC-3) with the mixed title, a note and an action item in CJK:
/// the wall follows it, as the most severe open incident, and the desk is switched to it.
fn wide_model(wall: bool) -> Model {
    let mut model = model_with(wall, AccessRole::Commander);
    let first = events().len() as u64 + 1;
    let at = now() - Duration::minutes(12);
    let id = IncidentId::from_number(3);
    let kinds = vec![
        EventKind::Declared {
            title: TITLE.into(),
            severity: Severity::new("P0"),
            service: Some("checkout".into()),
            summary: None,
            impact_started_at: None,
            detected_at: at,
            acknowledged: true,
        },
        EventKind::RoleAssigned {
            role: Role::Commander,
            person: "小林".into(),
            focus: None,
        },
        EventKind::NoteAdded {
            kind: NoteKind::Update,
            text: NOTE.into(),
        },
        EventKind::ActionAdded {
            action: 1,
            text: ACTION.into(),
            owner: Some("bob".into()),
            due_at: Some(now() + Duration::minutes(9) + Duration::seconds(20)),
        },
    ];
    let events = kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Event {
            seq: first + i as u64,
            incident: id.clone(),
            at: at + Duration::seconds(i as i64),
            actor: "小林".into(),
            via: None,
            kind,
            intended_at: None,
        })
        .collect();
    feed(&mut model, Msg::Feed(Ok(events)));
    if !wall {
        // A desk stays where it was; shown the P0 here as if switched to (a key would
        // clear the banner these screens keep).
        assert_ne!(model.desk.selected, Some(id.clone()));
        model.desk.selected = Some(id.clone());
        feed(&mut model, Msg::Tick(now()));
    }
    assert_eq!(model.desk.selected, Some(id));
    model
}

/// The drawn cells, row by row.
fn cells(model: &Model, theme: &Theme, width: u16, height: u16) -> Vec<Vec<String>> {
    let mut model = model.clone();
    feed(&mut model, Msg::Resize(width, height));
    let terminal = draw(&model, theme, width, height);
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect()
        })
        .collect()
}

fn screen(model: &Model, theme: &Theme, width: u16, height: u16) -> String {
    cells(model, theme, width, height)
        .iter()
        .map(|row| row.concat())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text inside the bordered pane titled `title`, row by row: what that pane shows,
/// without its neighbours'.
fn pane(cells: &[Vec<String>], title: &str) -> String {
    for (y, row) in cells.iter().enumerate() {
        for x in 0..row.len() {
            if !matches!(row[x].as_str(), "┌" | "╔") || !row[x + 1..].concat().contains(title) {
                continue;
            }
            if !row[x + 1..]
                .concat()
                .trim_start_matches(['─', '═', ' ', '▶'])
                .starts_with(title)
            {
                continue;
            }
            let right = (x + 1..row.len())
                .find(|&r| matches!(row[r].as_str(), "┐" | "╗"))
                .unwrap_or(row.len());
            return cells[y + 1..]
                .iter()
                .take_while(|line| !matches!(line[x].as_str(), "└" | "╚"))
                .map(|line| line[x + 1..right].concat())
                .collect::<Vec<_>>()
                .join("\n");
        }
    }
    panic!("no pane titled {title}");
}

fn snapshot(name: &str, model: &Model, width: u16, height: u16) -> String {
    let mut model = model.clone();
    feed(&mut model, Msg::Resize(width, height));
    let terminal = draw(&model, &theme(), width, height);
    insta::assert_snapshot!(name, terminal.backend());
    screen(&model, &theme(), width, height)
}

/// Every character but whitespace (and a popup's side borders), in order: what a wrapped
/// text must keep.
fn letters(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '│')
        .collect()
}

/// Whether the screen holds `text` whole, however it was wrapped over lines (the gaps a
/// wide character leaves in the buffer and the indents do not count).
fn holds_whole(screen: &str, text: &str) -> bool {
    letters(screen).contains(&letters(text))
}

#[test]
fn wide_titles_and_notes_read_whole_at_every_size() {
    for (name, wall, width, height) in [
        ("wide_desk_80x24", false, 80, 24),
        ("wide_desk_120x40", false, 120, 40),
        ("wide_desk_200x50", false, 200, 50),
        ("wide_wall_80x24", true, 80, 24),
        ("wide_wall_120x40", true, 120, 40),
        ("wide_wall_200x50", true, 200, 50),
    ] {
        let model = wide_model(wall);
        let shown = snapshot(name, &model, width, height);
        assert!(
            holds_whole(&shown, TITLE),
            "{name}: the title lost text\n{shown}"
        );
        let timeline = pane(&cells(&model, &theme(), width, height), "Timeline");
        assert!(
            holds_whole(&timeline, NOTE),
            "{name}: the note lost text\n{timeline}"
        );
        if !(wall && width < 120) {
            let mut actions = model.clone();
            actions.desk.focus = warroom::tui::app::Pane::Actions;
            let items = pane(&cells(&actions, &theme(), width, height), "Action items");
            assert!(
                holds_whole(&items, ACTION),
                "{name}: the item lost text\n{items}"
            );
        }
    }
}

#[test]
fn a_refusal_longer_than_the_status_line_is_kept_whole_in_the_message_log() {
    let mut model = wide_model(false);
    let verb = "x".repeat(90);
    type_line(&mut model, &verb);
    let notice = model.notice.clone().expect("a refusal");
    assert!(notice.text.contains(&verb));
    let shown = screen(&model, &theme(), 80, 24);
    let status = shown.lines().nth(22).unwrap();
    assert!(status.contains("… (M for more)"), "{status}");
    // The log has it with its time and in full.
    key(&mut model, KeyCode::Char('M'));
    assert!(matches!(model.overlay, Overlay::Messages));
    let log = screen(&model, &theme(), 120, 40);
    assert!(log.contains("14:00:00"), "{log}");
    // Wrapped in the popup, between the panes drawn under it: the whole verb, then the end.
    assert!(letters(&log).contains(&format!("':{verb}'")), "{log}");
    assert!(log.contains(":help lists them"), "{log}");
    // Closing it and starting the next action clears the status line.
    key(&mut model, KeyCode::Esc);
    key(&mut model, KeyCode::Char('j'));
    assert!(model.notice.is_none());
    assert_eq!(model.messages.last(), Some(&notice));
    // `:messages` opens it too.
    type_line(&mut model, "messages");
    assert!(matches!(model.overlay, Overlay::Messages));
}

#[test]
fn tab_completes_commands_roles_severities_statuses_people_and_ids() {
    let mut model = wide_model(false);
    let complete = |model: &mut Model, typed: &str| {
        key(model, KeyCode::Char(':'));
        for c in typed.chars() {
            key(model, KeyCode::Char(c));
        }
        key(model, KeyCode::Tab);
        let Overlay::CommandLine(input) = std::mem::take(&mut model.overlay) else {
            panic!("the command line closed on tab");
        };
        input.input.value().to_string()
    };
    assert_eq!(complete(&mut model, "sta"), "status ");
    assert_eq!(complete(&mut model, "status res"), "status resolved ");
    assert_eq!(complete(&mut model, "role eng"), "role engineer ");
    assert_eq!(
        complete(&mut model, "role engineer b"),
        "role engineer bob "
    );
    assert_eq!(
        complete(&mut model, "role commander 小"),
        "role commander 小林 "
    );
    assert_eq!(complete(&mut model, "sev p"), "sev P");
    assert_eq!(complete(&mut model, "sev P0"), "sev P0 ");
    assert_eq!(complete(&mut model, "go INC-3"), "go INC-3 ");
    assert_eq!(
        complete(&mut model, "action call @ca"),
        "action call @carol "
    );
    // Ambiguous: as far as the choices agree, and the choices on the status line.
    assert_eq!(complete(&mut model, "de"), "dec");
    let choices = model.notice.clone().expect("the choices").text;
    assert!(
        choices.contains("decision") && choices.contains("declare"),
        "{choices}"
    );
    assert_eq!(complete(&mut model, "go I"), "go INC-");
}

#[test]
fn help_lists_every_command_with_its_arguments() {
    let mut model = wide_model(false);
    type_line(&mut model, "help");
    assert!(matches!(model.overlay, Overlay::Commands));
    // Issue 24 item 4: every row of the table the parser reads its verbs from (`:list` was
    // parsed but not listed once), at the smallest screen too.
    for (width, height, with_words) in [(120, 40, true), (100, 30, false), (80, 24, false)] {
        let shown = screen(&model, &theme(), width, height);
        for verb in warroom::tui::app::command_line::VERBS {
            let usage = verb.usage();
            assert!(
                shown.contains(&format!(":{usage}")),
                "{usage} missing at {width}x{height}\n{shown}"
            );
            if with_words {
                assert!(shown.contains(verb.does), "{} missing\n{shown}", verb.does);
            }
        }
        assert!(shown.contains(":list"), "{shown}");
        assert!(shown.contains(":role <role> <person> [focus|brief]"));
    }
}

/// The hint bar's entries, `key word`, in the order shown, and the bar's width without the
/// help and quit on its right.
fn hint_bar(model: &Model, width: u16) -> (Vec<String>, usize) {
    let shown = screen(model, &theme(), width, 40);
    let bar = shown.lines().last().unwrap().to_string();
    let (left, _) = bar.rsplit_once("? help").unwrap();
    let entries = HINT_ORDER
        .iter()
        .filter_map(|action| {
            let key = model.setup.keymap.primary(*action)?.to_string();
            let entry = format!(" {key} {} ", action.info().hint?);
            left.find(&entry).map(|at| (at, entry.trim().to_string()))
        })
        .collect::<std::collections::BTreeMap<_, _>>();
    (
        entries.into_values().collect(),
        left.trim_end().chars().count(),
    )
}

/// Issue 24 item 4: the hint bar shows every single-key action that fits, in order of use —
/// at 200 columns the public update, the review, pin, impact, the list and the messages too;
/// whatever it leaves out would not fit; a viewer is offered no key that changes an incident.
#[test]
fn the_hint_bar_shows_every_single_key_action_that_fits_in_order_of_use() {
    let desk = model_with(false, AccessRole::Commander);
    let order: Vec<String> = HINT_ORDER
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                desk.setup.keymap.primary(*a).unwrap(),
                a.info().hint.unwrap()
            )
        })
        .collect();
    let mut counts = vec![];
    for width in [80, 120, 160, 200, 300] {
        let (shown, used) = hint_bar(&desk, width);
        let positions: Vec<usize> = shown
            .iter()
            .map(|entry| order.iter().position(|o| o == entry).unwrap())
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "in order of use at {width}: {shown:?}"
        );
        let room = usize::from(width) - "? help  q quit".len() - 1;
        for missing in order.iter().filter(|o| !shown.contains(o)) {
            assert!(
                used + missing.chars().count() + 3 > room,
                "{missing} would fit at {width} ({used} used of {room}): {shown:?}"
            );
        }
        counts.push(shown.len());
    }
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
    let (at_80, _) = hint_bar(&desk, 80);
    for hint in ["n note", "d decision", "t action", ": cmd"] {
        assert!(at_80.iter().any(|h| h == hint), "{hint} at 80: {at_80:?}");
    }
    let (at_200, _) = hint_bar(&desk, 200);
    for hint in [
        "u public",
        "R review",
        "p pin",
        "I impact",
        "l list",
        "M messages",
    ] {
        assert!(
            at_200.iter().any(|h| h == hint),
            "{hint} at 200: {at_200:?}"
        );
    }
    let (at_300, _) = hint_bar(&desk, 300);
    assert_eq!(at_300, order, "every one, when there is room");
    let viewer = model_with(false, AccessRole::Viewer);
    let (seen, _) = hint_bar(&viewer, 300);
    assert!(seen.iter().any(|h| h == "R review"), "{seen:?}");
    assert!(
        !seen
            .iter()
            .any(|h| h == "a ack" || h == "n note" || h == "u public"),
        "{seen:?}"
    );
}

#[test]
fn the_hint_bar_keeps_note_decision_action_and_the_command_line_at_80_columns() {
    let shown = screen(&wide_model(false), &theme(), 80, 24);
    let hints = shown.lines().last().unwrap();
    for hint in ["n note", "d decision", "t action", ": cmd", "? help"] {
        assert!(hints.contains(hint), "{hint} missing: {hints}");
    }
}

#[test]
fn ending_from_the_command_line_asks_the_same_question_as_the_key() {
    for line in ["resolve", "status resolved", "close", "cancel"] {
        let mut by_key = wide_model(false);
        let ending = if line == "close" {
            'C'
        } else if line == "cancel" {
            'X'
        } else {
            'r'
        };
        assert!(key(&mut by_key, KeyCode::Char(ending)).is_empty());
        let mut by_line = wide_model(false);
        let effects = type_line(&mut by_line, line);
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Send { .. })),
            ":{line} sent at once"
        );
        match (&by_key.overlay, &by_line.overlay) {
            (Overlay::Confirm(a), Overlay::Confirm(b)) => {
                assert_eq!(a.prompt, b.prompt);
                assert_eq!(a.detail, b.detail);
                assert_eq!(a.command, b.command);
            }
            other => panic!(":{line}: {other:?}"),
        }
    }
}

#[test]
fn resolving_names_the_open_action_items_and_d_drops_them_first() {
    let mut model = wide_model(false);
    key(&mut model, KeyCode::Char('r'));
    let Overlay::Confirm(confirm) = &model.overlay else {
        panic!("no confirmation");
    };
    let named = confirm.detail.join(" ");
    assert!(named.contains("#1 確認する"), "{named}");
    assert!(named.contains("d drops them"), "{named}");
    let effects = key(&mut model, KeyCode::Char('d'));
    let sent: Vec<&Request> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send { outgoing, .. } => Some(&outgoing.request),
            _ => None,
        })
        .collect();
    let first = format!("{:?}", sent.first().expect("a command sent"));
    assert!(first.contains("DropAction"), "{first}");
    let queued = format!("{:?}", model.outbox.items);
    assert!(queued.contains("Resolved"), "{queued}");
}

/// Answers every command waiting in the outbox as accepted, in order, and returns them.
fn accept_outbox(model: &mut Model) -> Vec<Command> {
    let mut sent = vec![];
    while let Some(pending) = model.outbox.items.first() {
        if let Request::Command { command, .. } = &pending.outgoing.request {
            sent.push(command.clone());
        }
        let answer = warroom::client::CommandAccepted {
            version: 0,
            events: vec![],
        };
        let key = pending.outgoing.key.clone();
        let result = Ok(warroom::tui::app::Sent::Command(answer));
        update(model, Msg::Sent { key, result });
    }
    sent
}

/// Issue 24 item 3: `y` (or `k`) on a resolve with open action items keeps them open on the
/// incident: the resolve alone is sent (with its snapshot), nothing dropped, nothing made a
/// corrective action; once the backend records it the incident is resolved with its item
/// still open, and the close asks about it again.
#[test]
fn y_keeps_the_open_action_items_open_on_the_resolved_incident() {
    for keep in ['y', 'k'] {
        let mut model = wide_model(false);
        key(&mut model, KeyCode::Char('r'));
        let Overlay::Confirm(confirm) = &model.overlay else {
            panic!("no confirmation");
        };
        let said = confirm.detail.join(" ");
        assert!(said.contains("y or k keeps them open here"), "{said}");
        let hints: Vec<String> = confirm.hints().iter().map(|h| h.to_string()).collect();
        assert_eq!(hints, ["y/k keep open", "c carry", "d drop", "n cancel"]);
        key(&mut model, KeyCode::Char(keep));
        let sent = accept_outbox(&mut model);
        assert_eq!(
            sent[0],
            Command::Transition {
                to: Status::Resolved
            }
        );
        assert!(
            sent[1..]
                .iter()
                .all(|c| matches!(c, Command::RecordSnapshot { .. })),
            "{keep}: only the resolve and its snapshot: {sent:?}"
        );
        let id = IncidentId::from_number(3);
        let resolved = Event {
            seq: model.current().map_or(0, |t| t.state.version) + 1,
            incident: id.clone(),
            at: now(),
            actor: "小林".into(),
            via: None,
            kind: EventKind::StatusChanged {
                from: Status::Acknowledged,
                to: Status::Resolved,
                reason: None,
                commander: None,
            },
            intended_at: None,
        };
        feed(&mut model, Msg::Feed(Ok(vec![resolved])));
        let state = &model.incidents.get(&id).unwrap().state;
        assert_eq!(state.status, Status::Resolved);
        let open: Vec<&str> = state
            .actions
            .iter()
            .filter(|a| a.state == ActionState::Open)
            .map(|a| a.text.as_str())
            .collect();
        assert_eq!(
            open,
            [ACTION],
            "the item stays open on the resolved incident"
        );
        assert!(state.corrective_actions.is_empty());
        key(&mut model, KeyCode::Char('C'));
        let Overlay::Confirm(close) = &model.overlay else {
            panic!("no confirmation");
        };
        assert!(
            close.detail.join(" ").contains(ACTION),
            "{:?}",
            close.detail
        );
    }
}

/// `c` on a resolve with open action items carries them into the review: after the resolve
/// is accepted, one `add_corrective_action` each, with the item's text and owner, due in two
/// weeks; the review then holds them, and the close that follows does not ask again.
#[test]
fn c_carries_the_open_action_items_into_the_review_once() {
    let mut model = wide_model(false);
    key(&mut model, KeyCode::Char('r'));
    let Overlay::Confirm(confirm) = &model.overlay else {
        panic!("no confirmation");
    };
    assert!(
        confirm
            .detail
            .join(" ")
            .contains("c carries them to the review"),
        "{:?}",
        confirm.detail
    );
    key(&mut model, KeyCode::Char('c'));
    let mut sent = accept_outbox(&mut model);
    // The resolve, its metric snapshot, then the carried item.
    assert!(
        matches!(sent[1], Command::RecordSnapshot { .. }),
        "{sent:?}"
    );
    sent.remove(1);
    assert_eq!(
        sent,
        [
            Command::Transition {
                to: Status::Resolved
            },
            Command::AddCorrectiveAction {
                text: ACTION.into(),
                kind: CorrectiveKind::Corrective,
                owner: "bob".into(),
                due_at: model.now + Duration::days(CARRIED_DUE_DAYS),
                ticket: None,
            }
        ]
    );
    // The backend records both; the close then names no action item and has no `d`.
    let id = IncidentId::from_number(3);
    let next = model.current().map_or(0, |t| t.state.version) + 1;
    let recorded = [
        EventKind::StatusChanged {
            from: Status::Acknowledged,
            to: Status::Resolved,
            reason: None,
            commander: None,
        },
        EventKind::CorrectiveActionAdded {
            id: 1,
            text: ACTION.into(),
            kind: CorrectiveKind::Corrective,
            owner: "bob".into(),
            due_at: model.now + Duration::days(CARRIED_DUE_DAYS),
            ticket: None,
        },
    ];
    let events = recorded
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Event {
            seq: next + i as u64,
            incident: id.clone(),
            at: now(),
            actor: "小林".into(),
            via: None,
            kind,
            intended_at: None,
        })
        .collect();
    feed(&mut model, Msg::Feed(Ok(events)));
    key(&mut model, KeyCode::Char('C'));
    let Overlay::Confirm(confirm) = &model.overlay else {
        panic!("no confirmation");
    };
    assert!(
        confirm.prompt.starts_with("Close INC-3"),
        "{}",
        confirm.prompt
    );
    assert!(
        !confirm.detail.join(" ").contains("Open action items"),
        "{:?}",
        confirm.detail
    );
    assert_eq!(confirm.settle, None);
}

/// The requests the effects send now.
fn sends(effects: Vec<Effect>) -> Vec<Outgoing> {
    effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Send { outgoing, .. } => Some(outgoing),
            _ => None,
        })
        .collect()
}

#[test]
fn a_refused_drop_does_not_lose_the_resolve_and_it_is_dated_by_the_key() {
    let mut model = wide_model(false);
    let pressed = model.now;
    key(&mut model, KeyCode::Char('r'));
    let effects = key(&mut model, KeyCode::Char('d'));
    let sent = sends(effects);
    assert_eq!(
        sent.len(),
        1,
        "one command of the incident at a time: {sent:?}"
    );
    assert!(
        matches!(
            &sent[0].request,
            Request::Command {
                command: Command::DropAction { .. },
                ..
            }
        ),
        "{sent:?}"
    );
    // The drop is refused a minute later (someone completed the item meanwhile).
    update(&mut model, Msg::Tick(pressed + Duration::minutes(1)));
    let effects = update(
        &mut model,
        Msg::Sent {
            key: sent[0].key.clone(),
            result: Err(ClientError::Api {
                status: 409,
                code: "conflict".into(),
                message: "action item #1 is done".into(),
            }),
        },
    );
    let next = sends(effects);
    assert_eq!(next.len(), 1, "{next:?}");
    assert!(
        matches!(
            &next[0].request,
            Request::Command {
                command: Command::Transition {
                    to: Status::Resolved
                },
                ..
            }
        ),
        "the resolve still goes: {next:?}"
    );
    assert_eq!(next[0].intended_at, pressed, "dated by the key press");
}

#[test]
fn durations_carry_units_and_action_items_stop_counting_once_resolved() {
    let mut model = wide_model(false);
    let shown = screen(&model, &theme(), 120, 40);
    assert!(shown.contains("impact 12m"), "{shown}");
    assert!(shown.contains("⏱ 9m left"), "{shown}");
    assert!(shown.contains("next update in "), "{shown}");
    let resolved = Event {
        seq: 10_000,
        incident: IncidentId::from_number(3),
        at: now(),
        actor: "小林".into(),
        via: None,
        kind: EventKind::StatusChanged {
            from: Status::Acknowledged,
            to: Status::Resolved,
            reason: None,
            commander: None,
        },
        intended_at: None,
    };
    feed(&mut model, Msg::Feed(Ok(vec![resolved])));
    feed(&mut model, Msg::Tick(now() + Duration::minutes(30)));
    let shown = screen(&model, &theme(), 120, 40);
    assert!(shown.contains("#1 @bob"), "{shown}");
    assert!(
        !shown.contains("left @bob") && !shown.contains("OVERDUE"),
        "{shown}"
    );
}

#[test]
fn panel_titles_shorten_the_name_and_keep_the_threshold() {
    for width in [100, 120, 140] {
        let shown = screen(&wide_model(false), &theme(), width, 40);
        assert!(shown.contains("crit 5.00%"), "{width}:\n{shown}");
    }
    // The small wall keeps the main panel, with its line.
    let shown = screen(&wide_model(true), &theme(), 80, 24);
    assert!(shown.contains("crit 5.00%"), "{shown}");
}

#[test]
fn the_resolve_evidence_names_its_line() {
    let mut model = model();
    key(&mut model, KeyCode::Char('r'));
    let Overlay::Confirm(confirm) = &model.overlay else {
        panic!("no confirmation");
    };
    let evidence = confirm.detail.join(" ");
    assert!(
        evidence.contains("warn line") || evidence.contains("crit line"),
        "{evidence}"
    );
}

#[test]
fn a_small_wall_keeps_the_countdown_the_main_panel_and_the_latest_entries() {
    let model = model_with(true, AccessRole::Viewer);
    let shown = snapshot("wall_80x24", &model, 80, 24);
    assert!(shown.contains("NEXT UPDATE"), "{shown}");
    let lines: Vec<&str> = shown.lines().collect();
    let panel_top = lines
        .iter()
        .position(|l| l.starts_with("┌ 5xx"))
        .expect("the main panel");
    let timeline_top = lines
        .iter()
        .position(|l| l.starts_with("┌ Timeline"))
        .expect("the timeline");
    assert!(timeline_top - panel_top - 2 >= 6, "{shown}");
    assert!(lines[timeline_top].len() >= 78, "full width: {shown}");
    let entries = lines[timeline_top + 1..]
        .iter()
        .filter(|l| l.starts_with("│1") && l.contains(':'))
        .count();
    assert!(entries >= 5, "{shown}");
    assert!(
        !shown.contains("adds one") && !shown.contains("press"),
        "{shown}"
    );
}

#[test]
fn a_roomy_wall_shows_the_severity_large_and_a_utc_clock() {
    let shown = screen(&wide_model(true), &theme(), 200, 50);
    assert!(shown.contains(" UTC"), "{shown}");
    // P0 in five-row type: the P's bowl is drawn on the second row of the header.
    assert!(
        shown.lines().nth(2).unwrap().starts_with("█ █ █ █"),
        "{shown}"
    );
}

/// Item 8: at 200x50 the title is large too, beside the severity, in capitals; where the
/// font cannot draw it whole (too long for the bands a wall has, or CJK) the wall keeps it
/// in normal size, whole, on the title line.
#[test]
fn a_grand_wall_draws_the_title_large_when_the_font_can_draw_it_whole() {
    // "Checkout API returning 5xx after LB config push": CHECKOUT's top row beside P1's.
    let big_checkout = "███ █ █ ███ ███ █ █ ███ █ █ ███";
    let wall = model_with(true, AccessRole::Viewer);
    let shown = screen(&wall, &theme(), 200, 50);
    let first = shown.lines().nth(1).unwrap();
    assert!(first.starts_with("███  █     ███ █ █"), "{shown}");
    assert!(first.contains(big_checkout), "{shown}");
    // The same title at 160x45 has one band, too narrow for it: the severity alone.
    let shown = screen(&wall, &theme(), 160, 45);
    let first = shown.lines().nth(1).unwrap();
    assert_eq!(first.trim_end(), "███  █", "{shown}");
    assert!(shown.contains("Checkout API returning 5xx after LB config push"));
    // A CJK and emoji title: normal size, whole, under the big severity.
    let shown = screen(&wide_model(true), &theme(), 200, 50);
    assert_eq!(
        shown.lines().nth(1).unwrap().trim_end(),
        "███ ███",
        "{shown}"
    );
    assert!(holds_whole(&shown, TITLE), "{shown}");
    // A longer title takes the second band at 200x50, wrapped at a space.
    let mut wall = model_with(true, AccessRole::Viewer);
    let long = "Payments API: 5xx on every card checkout (EU, US) after the 14:02 deploy";
    let declared = Event {
        seq: events().len() as u64 + 1,
        incident: IncidentId::from_number(3),
        kind: EventKind::Declared {
            title: long.into(),
            severity: Severity::new("P0"),
            service: Some("payments".into()),
            summary: None,
            impact_started_at: None,
            detected_at: now(),
            acknowledged: true,
        },
        ..events()[0].clone()
    };
    feed(&mut wall, Msg::Feed(Ok(vec![declared])));
    let shown = screen(&wall, &theme(), 200, 50);
    let rows: Vec<&str> = shown.lines().collect();
    // PAYMENTS' top row in the first band; the second band, six rows down, is not empty;
    // the title line under both bands keeps the text as typed.
    assert!(
        rows[1].contains("███  █  █ █ █   █ ███ █  █ ███ ███"),
        "{shown}"
    );
    assert!(rows[6].trim().is_empty(), "{shown}");
    assert!(rows[7].contains('█'), "{shown}");
    // Under the title's bands, the status and IC VACANT in large type, then the title line.
    assert!(rows[12].trim().is_empty(), "{shown}");
    let band =
        |rows: &[&str]| -> usize { rows[13..18].iter().map(|r| r.matches('█').count()).sum() };
    assert!(rows[13..18].iter().all(|r| r.contains('█')), "{shown}");
    assert!(rows[18].contains(long), "{shown}");
    // With a commander the band holds the status alone: IC VACANT took ink of its own.
    let commander = Event {
        seq: events().len() as u64 + 2,
        incident: IncidentId::from_number(3),
        kind: EventKind::RoleAssigned {
            role: Role::Commander,
            person: "alice".into(),
            focus: None,
        },
        ..events()[0].clone()
    };
    let vacant_ink = band(&rows);
    feed(&mut wall, Msg::Feed(Ok(vec![commander])));
    let taken = screen(&wall, &theme(), 200, 50);
    let rows: Vec<&str> = taken.lines().collect();
    assert!(band(&rows) > 0 && band(&rows) < vacant_ink - 50, "{taken}");
}

#[test]
fn the_wall_never_hints_at_keys_it_ignores() {
    let mut model = model_with(true, AccessRole::Viewer);
    feed(&mut model, Msg::Tick(now()));
    let shown = screen(&model, &theme(), 200, 50);
    assert!(!shown.contains("adds one"), "{shown}");
    assert!(!shown.contains("(])"), "{shown}");
}

#[test]
fn without_colour_the_focused_pane_has_a_double_border() {
    let plain = Theme::new(ColorMode::None, false);
    let shown = screen(&wide_model(false), &plain, 120, 40);
    assert!(shown.contains("╔▶ Timeline"), "{shown}");
    assert_eq!(shown.matches('╔').count(), 1, "{shown}");
    let coloured = screen(&wide_model(false), &theme(), 120, 40);
    assert!(!coloured.contains('╔'));
}

#[test]
fn a_desk_without_panels_still_counts_its_own_lines() {
    // The header grows with a wrapped title; nothing below it is pushed off screen.
    let options = Options {
        wall: false,
        demo: false,
        keymap: KeyMap::default(),
        metrics: metrics(false, false),
        attention_from: None,
    };
    let mut model = Model::new(options, now());
    let identity = Identity {
        person: "alice".into(),
        role: AccessRole::Commander,
    };
    feed(&mut model, Msg::Identity(Ok(identity)));
    let mut all = events();
    all.extend(
        wide_model(false)
            .incidents
            .get(&IncidentId::from_number(3))
            .unwrap()
            .events
            .clone(),
    );
    feed(&mut model, Msg::Feed(Ok(all)));
    let shown = screen(&model, &theme(), 100, 30);
    assert!(holds_whole(&shown, TITLE), "{shown}");
    assert!(shown.lines().last().unwrap().contains("? help"), "{shown}");
}

#[test]
fn declaring_from_an_alert_an_open_incident_holds_switches_to_it() {
    let mut model = model();
    model.desk.focus = warroom::tui::app::Pane::Alerts;
    let alert = model
        .metrics
        .selected_alert()
        .expect("a firing alert")
        .to_ref();
    let attached = Event {
        seq: 10_000,
        incident: IncidentId::from_number(2),
        at: now(),
        actor: "dan".into(),
        via: None,
        kind: EventKind::AlertAttached { alert, group: None },
        intended_at: None,
    };
    feed(&mut model, Msg::Feed(Ok(vec![attached])));
    assert_eq!(model.desk.selected, Some(IncidentId::from_number(1)));
    let effects = key(&mut model, KeyCode::Char('A'));
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Send { .. })),
        "{effects:?}"
    );
    assert!(
        matches!(model.overlay, Overlay::None),
        "{:?}",
        model.overlay
    );
    assert_eq!(model.desk.selected, Some(IncidentId::from_number(2)));
    assert!(model.notice.unwrap().text.contains("already on INC-2"));
}

#[test]
fn up_and_down_walk_the_command_history_which_is_kept_on_disk() {
    let mut model = wide_model(false);
    let effects = update(&mut model, Msg::History(Ok(vec!["go INC-1".into()])));
    assert!(effects.iter().all(|e| !matches!(e, Effect::SaveHistory(_))));
    let effects = type_line(&mut model, "go INC-2");
    let saved = effects.iter().find_map(|e| match e {
        Effect::SaveHistory(lines) => Some(lines.clone()),
        _ => None,
    });
    assert_eq!(
        saved,
        Some(vec!["go INC-1".to_string(), "go INC-2".to_string()])
    );
    key(&mut model, KeyCode::Char(':'));
    key(&mut model, KeyCode::Up);
    key(&mut model, KeyCode::Up);
    let Overlay::CommandLine(input) = &model.overlay else {
        panic!("{:?}", model.overlay);
    };
    assert_eq!(input.input.value(), "go INC-1");
    key(&mut model, KeyCode::Down);
    key(&mut model, KeyCode::Down);
    let Overlay::CommandLine(input) = &model.overlay else {
        panic!("{:?}", model.overlay);
    };
    assert_eq!(input.input.value(), "");
    // A history that cannot be read or written says so.
    update(&mut model, Msg::HistorySaved(Err("disk full".into())));
    assert!(model.notice.unwrap().text.contains("disk full"));
}

/// Declares here and brings the declaration back through the feed as `declared`.
fn declared_here(declared: EventKind) -> Model {
    let mut model = model();
    key(&mut model, KeyCode::Char('D'));
    for c in "Checkout again".chars() {
        key(&mut model, KeyCode::Char(c));
    }
    let effects = key(&mut model, KeyCode::Enter);
    let [Effect::Send { outgoing, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let declaration = Event {
        incident: IncidentId::from_number(3),
        seq: 1000,
        kind: declared,
        ..events()[0].clone()
    };
    // The backend answers with the incident as declared, then the feed brings its event.
    let incident = Incident::fold(
        IncidentId::from_number(3),
        std::slice::from_ref(&declaration),
    );
    let sent = Msg::Sent {
        key: outgoing.key.clone(),
        result: Ok(warroom::tui::app::Sent::Declared(Box::new(incident))),
    };
    // The panel shows INC-1's breach, which began four minutes before INC-3 was detected.
    let inc1 = Incident::fold(IncidentId::from_number(1), &events());
    feed_curves_of(&mut model, sent, &inc1);
    feed_curves_of(&mut model, Msg::Feed(Ok(vec![declaration])), &inc1);
    assert_eq!(model.desk.selected, Some(IncidentId::from_number(3)));
    model
}

#[test]
fn the_impact_start_is_offered_only_from_a_panel_filtered_by_the_incidents_service() {
    // With its service, and no start known: offered.
    let mut offered = declared_here(fixture_declaration(Some("checkout"), None));
    assert!(
        matches!(offered.overlay, Overlay::None),
        "no dialog opens by itself"
    );
    assert!(offered.offer.is_some());
    let proposal = take_offer(&mut offered);
    assert!(matches!(proposal.command, Command::SetImpactStart { .. }));
    // Without a service the panels show every service: no proposal.
    let unfiltered = declared_here(fixture_declaration(None, None));
    assert!(unfiltered.offer.is_none(), "{:?}", unfiltered.offer);
}

/// The offer's line names `I`; `I` opens the proposal and the line goes.
fn take_offer(model: &mut Model) -> warroom::tui::app::confirm::Confirm {
    let text = super::fixture::screen_text(model, 120, 40);
    assert!(text.contains("by the panel? I to review"), "{text}");
    key(model, KeyCode::Char('I'));
    assert!(model.offer.is_none());
    let Overlay::Confirm(proposal) = &model.overlay else {
        panic!("the proposal: {:?}", model.overlay)
    };
    proposal.clone()
}

/// The fixture's declaration with another service and impact start.
fn fixture_declaration(service: Option<&str>, impact_started_at: Option<Timestamp>) -> EventKind {
    let EventKind::Declared {
        title,
        severity,
        summary,
        detected_at,
        acknowledged,
        ..
    } = events()[0].kind.clone()
    else {
        panic!("the fixture starts with a declaration")
    };
    EventKind::Declared {
        title,
        severity,
        service: service.map(Into::into),
        summary,
        impact_started_at,
        detected_at,
        acknowledged,
    }
}

/// A desk whose main panel is checked from `panels_toml` (`[[panels]]` tables), on the
/// fixture's incidents, as alice the commander; the main panel shows a breach from `breach`.
fn desk_with_panels(panels_toml: &str, breach: Timestamp) -> Model {
    let config = warroom::config::Config::parse(panels_toml, "test.toml").expect("a config");
    let settings =
        warroom::panels::MetricsSettings::from_config(&config, &SeverityScale::default())
            .expect("valid panels");
    let options = Options {
        wall: false,
        demo: false,
        keymap: KeyMap::default(),
        metrics: warroom::tui::app::panel_state::Metrics::new(settings, true, false),
        attention_from: None,
    };
    let mut model = Model::new(options, now());
    model.size = (120, 40);
    let identity = Identity {
        person: "alice".into(),
        role: AccessRole::Commander,
    };
    let mut effects = update(&mut model, Msg::Identity(Ok(identity)));
    effects.extend(update(&mut model, Msg::Feed(Ok(events()))));
    answer_panels(&mut model, effects, &|window| {
        breaching_from(window, breach)
    });
    model
}

/// Answers every panel refresh among `effects` (and those the answers bring): the main
/// panel (index 0) with `main(window)`, hand-fed, the others with nothing.
fn answer_panels(
    model: &mut Model,
    effects: Vec<Effect>,
    main: &dyn Fn(&warroom::prometheus::RangeWindow) -> Vec<warroom::prometheus::Series>,
) {
    for effect in effects {
        if let Effect::RefreshPanel {
            index,
            generation,
            window,
            purpose,
            ..
        } = effect
        {
            let result = Ok(if index == 0 { main(&window) } else { vec![] });
            let msg = Msg::PanelData {
                index,
                generation,
                window,
                purpose,
                result,
            };
            let more = update(model, msg);
            answer_panels(model, more, main);
        }
    }
}

/// One `/pay` series over `window`: 0.2% until `breach`, 20% from then on.
fn breaching_from(
    window: &warroom::prometheus::RangeWindow,
    breach: Timestamp,
) -> Vec<warroom::prometheus::Series> {
    let points = (window.start..=window.end)
        .step_by(window.step.as_secs() as usize)
        .map(|t| (t as f64, if t >= breach.timestamp() { 0.2 } else { 0.002 }))
        .collect();
    let labels = [("endpoint".to_string(), "/pay".to_string())].into();
    vec![warroom::prometheus::Series { labels, points }]
}

/// Declares INC-3 on `checkout` here with `impact_started_at`, the main panel showing a
/// breach from `breach`: returns the desk once the panel has answered.
fn declared_with_breach(
    panels_toml: &str,
    impact_started_at: Option<Timestamp>,
    breach: Timestamp,
) -> Model {
    let mut model = desk_with_panels(panels_toml, breach);
    key(&mut model, KeyCode::Char('D'));
    for c in "Checkout again".chars() {
        key(&mut model, KeyCode::Char(c));
    }
    let effects = key(&mut model, KeyCode::Enter);
    let Some(Effect::Send { outgoing, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    let declaration = Event {
        incident: IncidentId::from_number(3),
        seq: 1000,
        kind: fixture_declaration(Some("checkout"), impact_started_at),
        ..events()[0].clone()
    };
    let incident = Incident::fold(
        IncidentId::from_number(3),
        std::slice::from_ref(&declaration),
    );
    let sent = Msg::Sent {
        key: outgoing.key.clone(),
        result: Ok(warroom::tui::app::Sent::Declared(Box::new(incident))),
    };
    let mut effects = update(&mut model, sent);
    effects.extend(update(&mut model, Msg::Feed(Ok(vec![declaration]))));
    effects.extend(update(&mut model, Msg::Tick(now())));
    answer_panels(&mut model, effects, &|window| {
        breaching_from(window, breach)
    });
    assert_eq!(model.desk.selected, Some(IncidentId::from_number(3)));
    assert!(model.metrics.main_panel().unwrap().state.data().is_some());
    model
}

/// Item 7: the impact start is offered only when it adds information — a breach that
/// began where the incident already says the impact began is not offered; one 20 minutes
/// earlier is, with its own time.
#[test]
fn the_impact_start_is_offered_only_when_the_breach_says_something_new() {
    let default_panels = "";
    let known = now() - Duration::minutes(15);
    let same = declared_with_breach(default_panels, Some(known), known);
    assert!(
        same.offer.is_none(),
        "offered what is known: {:?}",
        same.offer
    );
    let earlier = known - Duration::minutes(20);
    let mut offered = declared_with_breach(default_panels, Some(known), earlier);
    let proposal = take_offer(&mut offered);
    let Command::SetImpactStart { at, .. } = proposal.command else {
        panic!("{:?}", proposal.command)
    };
    let step = offered
        .metrics
        .main_panel()
        .unwrap()
        .state
        .data()
        .unwrap()
        .window
        .step;
    let step = Duration::from_std(step).unwrap();
    assert!(at >= earlier && at < earlier + step, "{at} for {earlier}");
}

/// Item 7: a main panel over every service (no `$service`) would date another service's
/// breach: it is never offered, though the incident has a service and the breach is new.
#[test]
fn the_impact_start_is_never_offered_from_a_panel_over_every_service() {
    let over_every_service = r#"
[[panels]]
title = "5xx error ratio, all services"
expr = 'sum by (endpoint) (rate(http_requests_total{code=~"5.."}[1m])) / sum by (endpoint) (rate(http_requests_total[1m]))'
unit = "ratio"
legend = "{{endpoint}}"
warn = 0.01
crit = 0.05
main = true
"#;
    let known = now() - Duration::minutes(15);
    let earlier = known - Duration::minutes(20);
    let model = declared_with_breach(over_every_service, Some(known), earlier);
    assert!(
        model.offer.is_none(),
        "offered from every service's series: {:?}",
        model.offer
    );
    // The same breach from the default, `$service`-filtered panel is offered (above); `I`
    // still proposes it from this panel when the commander asks.
    assert!(model.metrics.propose_impact_start(model.now).is_some());
}

#[test]
fn the_value_beside_a_chart_is_the_evidence_not_the_last_chart_bucket() {
    // A 6 h chart 120 columns wide steps minutes apart and is asked again only every step;
    // the evidence is asked at every 15 s boundary.
    let panels = r#"
        [[panels]]
        title = "Payment errors"
        expr = 'payments_error_ratio{service="$service"}'
        unit = "ratio"
        warn = 0.01
        range = "6h"
        legend = "{{endpoint}}"
    "#;
    // The breach begins a minute after the first answers, so only a later query can see it.
    let breach = now() + Duration::seconds(60);
    let mut model = desk_with_panels(panels, breach);
    let chart_step = model
        .metrics
        .main_panel()
        .unwrap()
        .state
        .data()
        .unwrap()
        .window
        .step;
    assert!(
        chart_step >= std::time::Duration::from_secs(120),
        "{chart_step:?}"
    );
    let effects = update(&mut model, Msg::Tick(now() + Duration::seconds(100)));
    let asked: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::RefreshPanel { purpose, .. } => Some(*purpose),
            _ => None,
        })
        .collect();
    assert_eq!(
        asked,
        [warroom::panels::Purpose::Evidence],
        "the chart is not due"
    );
    answer_panels(&mut model, effects, &|window| {
        breaching_from(window, breach)
    });
    // The chart's newest bucket (14:00:00) is under the line; the value beside it is the
    // evidence's, 14:01:30, over it.
    let chart = model.metrics.main_panel().unwrap().state.data().unwrap();
    assert_eq!(chart.series[0].current(), Some(0.002));
    let text = super::fixture::screen_text(&model, 120, 40);
    assert!(text.contains("/pay 20.00%"), "{text}");
}
