//! The follow-ups screen (`F`) through `update()` and the drawn screen: it reads the backend's
//! pages as scrolling nears the end of what it holds, the open ones' pages first and then
//! the closed ones', says a page that failed and asks it again on the next scroll, and holds
//! a bounded number of rows.

use super::fixture::{feed, model, now, screen_text};
use chrono::Duration;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::client::{ClientError, FollowupPage};
use warroom::domain::*;
use warroom::tui::app::followups::{FollowupsView, MOST_ROWS, PAGE, READ_AHEAD, Walk};
use warroom::tui::app::incident_list::past::More;
use warroom::tui::app::{Effect, Model, Msg, Overlay, update};

fn press(model: &mut Model, code: KeyCode) -> Vec<Effect> {
    feed(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// The pages the effects ask for.
fn asked(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::FetchFollowups(path) => Some(path.clone()),
            _ => None,
        })
        .collect()
}

/// `count` follow-ups from number `from` on, one per incident, in the given state.
fn rows(from: u64, count: u64, state: CorrectiveState) -> Vec<Followup> {
    (from..from + count)
        .map(|n| Followup {
            incident: IncidentId::from_number(n),
            incident_title: format!("outage {n}"),
            action: CorrectiveAction {
                id: 1,
                text: format!("fix number {n}"),
                kind: CorrectiveKind::Corrective,
                owner: "bob".into(),
                due_at: now() + Duration::days(n as i64),
                ticket: None,
                state,
                created_at: now(),
                closed_at: None,
            },
            overdue: false,
        })
        .collect()
}

fn answer(rows: Vec<Followup>, next: Option<&str>) -> Result<FollowupPage, ClientError> {
    Ok(FollowupPage {
        rows,
        next: next.map(String::from),
    })
}

fn view(model: &Model) -> &FollowupsView {
    match &model.overlay {
        Overlay::Followups(view) => view,
        other => panic!("the follow-ups screen is not open: {other:?}"),
    }
}

#[test]
fn the_screen_reads_the_open_pages_as_it_scrolls_then_the_closed_ones() {
    let mut model = model();
    let open_first = Walk::Open.first_page();
    assert!(open_first.contains("open=true") && open_first.contains("limit=100"));
    assert_eq!(
        asked(&press(&mut model, KeyCode::Char('F'))),
        std::slice::from_ref(&open_first)
    );
    assert!(screen_text(&model, 120, 40).contains("loading…"));

    // A full page of open ones: nothing more is asked until the screen's bottom nears its end.
    let second = "/v1/followups?limit=100&open=true&after=x";
    let open = CorrectiveState::Open;
    let effects = update(
        &mut model,
        Msg::Followups(open_first, answer(rows(1, PAGE as u64, open), Some(second))),
    );
    assert!(asked(&effects).is_empty());
    let text = screen_text(&model, 120, 40);
    assert!(
        text.contains("INC-1 ") && text.contains("fix number 1"),
        "{text}"
    );
    // The screen shows 37 rows of 40; the next page is asked once 20 are left below them.
    let shown = 37;
    let mut wanted = Vec::new();
    for _ in 0..(PAGE - shown - READ_AHEAD - 1) {
        wanted.extend(asked(&press(&mut model, KeyCode::Down)));
    }
    assert!(wanted.is_empty(), "asked too early: {wanted:?}");
    wanted.extend(asked(&press(&mut model, KeyCode::Down)));
    assert_eq!(wanted, [second], "once");
    for _ in 0..10 {
        assert!(
            asked(&press(&mut model, KeyCode::PageDown)).is_empty(),
            "on its way"
        );
    }
    assert!(screen_text(&model, 120, 40).contains("loading more…"));

    // An answer to a page no longer asked for is dropped.
    update(
        &mut model,
        Msg::Followups(
            "/v1/followups?other".into(),
            answer(rows(900, 5, open), None),
        ),
    );
    assert_eq!(view(&model).rows.len(), PAGE);

    // The open ones' last page, short: the closed ones' first page follows when near the end.
    let effects = update(
        &mut model,
        Msg::Followups(second.into(), answer(rows(101, 10, open), None)),
    );
    let closed_first = Walk::Closed.first_page();
    assert!(closed_first.contains("closed=true"));
    assert_eq!(
        asked(&effects),
        std::slice::from_ref(&closed_first),
        "the bottom is near the end already"
    );
    assert_eq!(view(&model).walk, Walk::Closed);
    let done = CorrectiveState::Done;
    let effects = update(
        &mut model,
        Msg::Followups(closed_first, answer(rows(1, 3, done), None)),
    );
    assert!(asked(&effects).is_empty());
    assert_eq!(view(&model).more, More::Done);
    assert_eq!(view(&model).rows.len(), 113);
    let states: Vec<CorrectiveState> = view(&model).rows.iter().map(|r| r.action.state).collect();
    assert!(states[..110].iter().all(|s| *s == open) && states[110..].iter().all(|s| *s == done));
    for _ in 0..20 {
        press(&mut model, KeyCode::PageDown);
    }
    let text = screen_text(&model, 120, 40);
    assert!(
        text.contains("done") && text.contains("fix number 3"),
        "{text}"
    );
    assert!(!text.contains("loading"), "{text}");
}

#[test]
fn a_page_that_fails_is_said_and_asked_again_on_the_next_scroll() {
    let mut model = model();
    let first = Walk::Open.first_page();
    press(&mut model, KeyCode::Char('F'));
    let refused = ClientError::Unreachable("connection refused".into());
    assert!(update(&mut model, Msg::Followups(first.clone(), Err(refused))).is_empty());
    let text = screen_text(&model, 120, 40);
    assert!(
        text.contains("cannot load: ") && text.contains("connection refused"),
        "{text}"
    );
    assert_eq!(
        asked(&press(&mut model, KeyCode::Down)),
        std::slice::from_ref(&first)
    );

    // A later page that fails keeps the rows and says so below them.
    let second = "/v1/followups?limit=100&open=true&after=y";
    update(
        &mut model,
        Msg::Followups(
            first,
            answer(rows(1, 5, CorrectiveState::Open), Some(second)),
        ),
    );
    let refused = ClientError::Unreachable("connection refused".into());
    assert!(update(&mut model, Msg::Followups(second.into(), Err(refused))).is_empty());
    let text = screen_text(&model, 120, 40);
    assert!(
        text.contains("fix number 5") && text.contains("cannot load more"),
        "{text}"
    );
    assert_eq!(asked(&press(&mut model, KeyCode::Up)), [second]);
}

#[test]
fn the_screen_holds_a_bounded_number_of_rows_and_says_where_the_rest_are() {
    let mut model = model();
    let mut next = Walk::Open.first_page();
    let mut from = 1;
    press(&mut model, KeyCode::Char('F'));
    while view(&model).more != More::Capped {
        let after = format!("/v1/followups?limit=100&open=true&after={from}");
        let page = answer(rows(from, PAGE as u64, CorrectiveState::Open), Some(&after));
        let mut wanted = asked(&update(&mut model, Msg::Followups(next.clone(), page)));
        from += PAGE as u64;
        while wanted.is_empty() && view(&model).more != More::Capped {
            wanted = asked(&press(&mut model, KeyCode::PageDown));
        }
        if let Some(page) = wanted.pop() {
            next = page;
        }
    }
    assert_eq!(view(&model).rows.len(), MOST_ROWS);
    assert!(asked(&press(&mut model, KeyCode::PageDown)).is_empty());
    for _ in 0..30 {
        press(&mut model, KeyCode::PageDown);
    }
    let text = screen_text(&model, 120, 40);
    assert!(
        text.contains("`warroom followups` lists them all"),
        "{text}"
    );
}

#[test]
fn a_row_shows_what_the_cli_prints_for_it_ticket_and_overdue_included() {
    let mut model = model();
    press(&mut model, KeyCode::Char('F'));
    let mut row = rows(1, 1, CorrectiveState::Open).remove(0);
    row.action.ticket = Some("OPS-\u{1b}[31m42".into());
    row.overdue = true;
    feed(
        &mut model,
        Msg::Followups(Walk::Open.first_page(), answer(vec![row.clone()], None)),
    );
    let screen = screen_text(&model, 120, 30);
    // The CLI's line for the same row, less the escape the sanitizer takes out.
    let line = warroom::report::followup_line(&row);
    assert!(
        line.contains("OVERDUE  OPS-") && !line.contains('\u{1b}'),
        "{line}"
    );
    assert!(screen.contains(line.trim_end()), "{line}\n{screen}");
}
