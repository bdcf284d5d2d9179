//! Issue 19 item 4: `/` in the incident list, through `update()` and the drawn screen. What is
//! typed is asked of the backend once the line rests (`SEARCH_PAUSE`, which the runtime says
//! with `Msg::SearchPaused`) or at once on Enter, not at every key; an answer to an older
//! search never takes the place of a newer one's.

use super::fixture::{draw, screen_text, theme};
use super::history::{answer, history, inc, list, list_on_first_page, page, pages_asked, press};
use ratatui::crossterm::event::KeyCode;
use warroom::domain::Incident;
use warroom::tui::app::incident_list::SEARCH_PAUSE;
use warroom::tui::app::{Effect, Model, Msg, Overlay, update};

/// The edits among `effects` after which the runtime is to say that the line rested.
fn pauses(effects: &[Effect]) -> Vec<u64> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::SearchPause { edit, delay } => {
                assert_eq!(*delay, SEARCH_PAUSE);
                Some(*edit)
            }
            _ => None,
        })
        .collect()
}

/// Each character of `text` typed on the search line; the effects of all of them.
fn type_text(model: &mut Model, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| press(model, KeyCode::Char(c)))
        .collect()
}

/// The list open on the first page of the history (INC-300 down), the search line open.
fn list_searching() -> Model {
    let mut model = list_on_first_page();
    press(&mut model, KeyCode::Char('/'));
    model
}

#[test]
fn a_search_is_asked_for_once_typing_pauses_and_narrows_the_open_ones() {
    let mut model = list_searching();
    // Typing asks for nothing: each edit only asks to be told when the line has rested.
    let effects = type_text(&mut model, "sea");
    assert!(pages_asked(&effects).is_empty(), "{effects:?}");
    assert_eq!(pauses(&effects), [1, 2, 3]);
    assert!(screen_text(&model, 140, 40).contains("/ sea▏"));
    // The pauses after the first keys come while later ones were typed: they ask nothing.
    for stale in [1, 2] {
        assert!(pages_asked(&update(&mut model, Msg::SearchPaused(stale))).is_empty());
    }
    assert_eq!(
        pages_asked(&update(&mut model, Msg::SearchPaused(3))),
        [history(Some("sea"), None)]
    );
    // Typing on: one request when the line rests again.
    let effects = type_text(&mut model, "rch");
    assert!(pages_asked(&effects).is_empty(), "{effects:?}");
    assert_eq!(pauses(&effects), [4, 5, 6]);
    assert_eq!(
        pages_asked(&update(&mut model, Msg::SearchPaused(6))),
        [history(Some("search"), None)]
    );
    // The answer to "sea", asked before, arrives after "search" was asked: not this one's.
    update(
        &mut model,
        Msg::Page(history(Some("sea"), None), answer(page(299, 1), None)),
    );
    assert!(list(&model).past.rows.is_empty());
    let found: Vec<Incident> = page(299, 10).into_iter().step_by(2).collect();
    update(
        &mut model,
        Msg::Page(history(Some("search"), None), answer(found, None)),
    );
    let text = screen_text(&model, 140, 40);
    // The open ones are narrowed here: INC-2 is "Search suggestions slow", INC-1 is not.
    let open_rows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(" IC ") && l.contains("INC-"))
        .collect();
    assert_eq!(open_rows.len(), 1, "{text}");
    assert!(open_rows[0].contains("INC-2 "), "{text}");
    assert!(
        text.contains("INC-299") && text.contains("INC-291"),
        "{text}"
    );
    assert!(text.contains("/ search▏"), "{text}");
    insta::assert_snapshot!(
        "list_search_140x40",
        draw(&model, &theme(), 140, 40).backend()
    );

    // Enter keeps the search, already asked for, and leaves the line; the arrows move.
    assert!(pages_asked(&press(&mut model, KeyCode::Enter)).is_empty());
    assert!(list(&model).typing.is_none());
    assert!(screen_text(&model, 140, 40).contains("1 open matching \"search\""));
    press(&mut model, KeyCode::Down);
    assert_eq!(list(&model).highlighted, Some(inc(299)));
    // Esc clears the search first (the history is asked for again, at once), then closes.
    let effects = press(&mut model, KeyCode::Esc);
    assert_eq!(pages_asked(&effects), [history(None, None)]);
    assert!(matches!(model.overlay, Overlay::IncidentList(_)));
    press(&mut model, KeyCode::Esc);
    assert!(matches!(model.overlay, Overlay::None));
}

#[test]
fn enter_asks_at_once_and_a_pause_asks_only_for_a_search_not_yet_asked() {
    let mut model = list_searching();
    type_text(&mut model, "old");
    // Enter does not wait for the pause; the pause, when it comes, finds nothing to ask.
    assert_eq!(
        pages_asked(&press(&mut model, KeyCode::Enter)),
        [history(Some("old"), None)]
    );
    assert!(list(&model).typing.is_none());
    assert!(pages_asked(&update(&mut model, Msg::SearchPaused(3))).is_empty());

    // Back on the line, a key that changes nothing asks for no pause; an edit undone before
    // the line rests asks for nothing either: the rows already answer what it holds.
    press(&mut model, KeyCode::Char('/'));
    assert!(pauses(&press(&mut model, KeyCode::Left)).is_empty());
    press(&mut model, KeyCode::End);
    press(&mut model, KeyCode::Backspace);
    let effects = press(&mut model, KeyCode::Char('d'));
    assert_eq!(pauses(&effects), [5]);
    assert!(pages_asked(&update(&mut model, Msg::SearchPaused(5))).is_empty());
    assert_eq!(list(&model).past.text, "old");

    // A pause after the list was closed changes nothing, and draws nothing.
    type_text(&mut model, "er");
    press(&mut model, KeyCode::Esc);
    press(&mut model, KeyCode::Esc);
    assert!(matches!(model.overlay, Overlay::None));
    assert!(pages_asked(&update(&mut model, Msg::SearchPaused(7))).is_empty());
    assert!(matches!(model.overlay, Overlay::None));
    assert!(!model.dirty);
}
