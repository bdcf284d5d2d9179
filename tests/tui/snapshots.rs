//! The whole screen on a `TestBackend` at a fixed clock, as insta snapshots.

use super::fixture::{draw, feed, model, model_with, theme};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use warroom::domain::AccessRole;
use warroom::prometheus::Error;
use warroom::tui::app::{Effect, Model, Msg, Pane, update};
use warroom::tui::theme::{ColorMode, Theme};

/// Draws the model at a size, after telling it the size (the charts' step depends on it).
fn snapshot(name: &str, model: &Model, theme: &Theme, width: u16, height: u16) -> TestBackend {
    let mut model = model.clone();
    if model.size != (width, height) {
        feed(&mut model, Msg::Resize(width, height));
    }
    let terminal = draw(&model, theme, width, height);
    insta::assert_snapshot!(name, terminal.backend());
    terminal.backend().clone()
}

fn keys(model: &mut Model, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\t' => KeyCode::Tab,
            c => KeyCode::Char(c),
        };
        update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
}

#[test]
fn desk_at_120x40() {
    snapshot("desk_120x40", &model(), &theme(), 120, 40);
}

#[test]
fn desk_at_200x50() {
    snapshot("desk_200x50", &model(), &theme(), 200, 50);
}

#[test]
fn compact_at_80x24_shows_one_pane_per_tab() {
    let mut model = model();
    snapshot("compact_80x24_timeline", &model, &theme(), 80, 24);
    model.desk.focus = Pane::Actions;
    snapshot("compact_80x24_actions", &model, &theme(), 80, 24);
    model.desk.focus = Pane::Roster;
    snapshot("compact_80x24_roster", &model, &theme(), 80, 24);
}

#[test]
fn compact_metrics_and_alerts_tabs() {
    let mut model = model();
    model.desk.focus = Pane::Panels;
    snapshot("compact_80x24_metrics", &model, &theme(), 80, 24);
    model.desk.focus = Pane::Alerts;
    snapshot("compact_80x24_alerts", &model, &theme(), 80, 24);
}

#[test]
fn a_failing_prometheus_keeps_the_data_marked_stale_and_bad_promql_says_why() {
    let mut model = model();
    model.metrics.refresh_all();
    let later = super::fixture::now() + chrono::Duration::seconds(30);
    let effects = update(&mut model, Msg::Tick(later));
    let refreshes: Vec<_> = effects
        .into_iter()
        .filter_map(|effect| match effect {
            Effect::RefreshPanel {
                index,
                generation,
                window,
                purpose,
                ..
            } => Some((index, generation, window, purpose)),
            _ => None,
        })
        .collect();
    assert_eq!(
        refreshes.len(),
        6,
        "every panel refreshes its chart and its evidence once"
    );
    for (index, generation, window, purpose) in refreshes {
        let error = if index == 0 {
            Error::Unreachable {
                url: "http://127.0.0.1:9090".into(),
                reason: "connection refused".into(),
            }
        } else {
            Error::BadQuery {
                error_type: "bad_data".into(),
                message: "1:14: parse error: unexpected \"}\"".into(),
            }
        };
        update(
            &mut model,
            Msg::PanelData {
                index,
                generation,
                window,
                purpose,
                result: Err(error),
            },
        );
    }
    let backend = snapshot("panels_stale_and_bad_query", &model, &theme(), 120, 40);
    let screen = format!("{backend}");
    assert!(screen.contains("stale since 14:00:30"), "{screen}");
    assert!(screen.contains("parse error"), "{screen}");
}

#[test]
fn wall_at_200x50() {
    snapshot(
        "wall_200x50",
        &model_with(true, AccessRole::Viewer),
        &theme(),
        200,
        50,
    );
}

#[test]
fn below_the_minimum_it_says_so() {
    snapshot("too_small_50x12", &model(), &theme(), 50, 12);
}

#[test]
fn without_colour_no_cell_carries_a_colour() {
    let theme = Theme::new(ColorMode::None, false);
    let backend = snapshot("desk_120x40_no_colour", &model(), &theme, 120, 40);
    for cell in backend.buffer().content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
    }
    // The same screen in colour does use colour: the check above can fail.
    let coloured = draw(&model(), &super::fixture::theme(), 120, 40);
    assert!(
        coloured
            .backend()
            .buffer()
            .content()
            .iter()
            .any(|c| c.fg != Color::Reset)
    );
}

/// Issue 20 item 6: where colour cannot carry it (`NO_COLOR`, 16 colours), a value over warn
/// or crit says so in text, and the threshold lines are drawn with another marker than
/// the data; in 256 colours the colour says it.
#[test]
fn without_reliable_colour_breaches_are_marked_in_text() {
    // The fixture's /api/checkout is at 12.12% (over crit 5%), /api/cart at 5.91%.
    let breach = "▲CRIT 12.12%";
    for (name, theme) in [
        ("desk_200x50_no_colour", Theme::new(ColorMode::None, false)),
        (
            "desk_200x50_16_colours",
            Theme::new(ColorMode::Ansi16, false),
        ),
    ] {
        let backend = snapshot(name, &model(), &theme, 200, 50);
        let screen = format!("{backend}");
        assert!(screen.contains(breach), "{name}: {screen}");
        // The crit line is a row of dots; the data is braille.
        assert!(screen.contains("••••••••"), "{name}: {screen}");
    }
    let coloured = format!("{}", draw(&model(), &theme(), 200, 50).backend());
    assert!(
        !coloured.contains("▲CRIT") && coloured.contains("12.12%"),
        "{coloured}"
    );
    let ascii = format!(
        "{}",
        draw(&model(), &Theme::new(ColorMode::None, true), 200, 50).backend()
    );
    assert!(ascii.contains("^CRIT 12.12%"), "{ascii}");
}

#[test]
fn ascii_mode_draws_only_ascii() {
    let theme = Theme::new(ColorMode::None, true);
    for (name, model, width, height) in [
        ("desk_120x40_ascii", model(), 120, 40),
        (
            "wall_120x40_ascii",
            model_with(true, AccessRole::Viewer),
            120,
            40,
        ),
    ] {
        let backend = snapshot(name, &model, &theme, width, height);
        for cell in backend.buffer().content() {
            assert!(
                cell.symbol().is_ascii(),
                "{name}: {:?} is not ASCII",
                cell.symbol()
            );
        }
    }
}

#[test]
fn help_overlay() {
    let mut model = model();
    keys(&mut model, "?");
    snapshot("help_80x24", &model, &theme(), 80, 24);
    snapshot("help_120x40", &model, &theme(), 120, 40);
}

#[test]
fn every_form_open() {
    for (name, typed) in [
        ("form_note", "nrolled back lb-2"),
        ("form_decision", "d"),
        ("form_action", "tpage the DB team\terin\t15m"),
        ("form_declare", "DPayments down"),
        ("form_role", "ofrank"),
        ("form_severity", "s"),
        ("form_confirm_resolve", "r"),
        ("form_command_line", ":sev P0"),
        ("form_filter", "/lb-2"),
    ] {
        let mut model = model();
        keys(&mut model, typed);
        snapshot(name, &model, &theme(), 120, 40);
    }
}

/// Issue 24 item 4: a lost backend is said in the header, the width of the screen in the
/// alarm's colour, with what waits to be sent; not only in the status line's corner. Once
/// the feed answers again it is gone.
#[test]
fn a_lost_backend_is_shown_in_the_header() {
    let mut model = model();
    let lost_at = super::fixture::now() + chrono::Duration::seconds(3);
    update(&mut model, Msg::Tick(lost_at));
    let unreachable = warroom::client::ClientError::Unreachable("connection refused".into());
    update(&mut model, Msg::Feed(Err(unreachable)));
    keys(&mut model, ":note rolled back lb-2");
    update(
        &mut model,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    for (name, width, height) in [("lost_120x40", 120, 40), ("lost_80x24", 80, 24)] {
        let screen = snapshot(name, &model, &theme(), width, height);
        let buffer = screen.buffer();
        let top: String = (0..width).map(|x| buffer[(x, 0)].symbol()).collect();
        assert!(
            top.starts_with(" BACKEND LOST since 14:00:03 · 1 change waits to be sent"),
            "{top}"
        );
        assert_eq!(
            buffer[(width - 1, 0)].bg,
            buffer[(1, 0)].bg,
            "the whole line in the alarm's colour"
        );
        assert_ne!(buffer[(1, 0)].bg, Color::Reset);
    }
    feed(&mut model, Msg::Feed(Ok(vec![])));
    let back = format!("{:?}", draw(&model, &theme(), 120, 40).backend());
    assert!(!back.contains("BACKEND LOST"), "{back}");
}
