//! The communicate phase on the desk: the header keeps the public promise in view.

use super::fixture::{draw, events, feed, model, now, theme};
use chrono::Duration;
use warroom::domain::*;
use warroom::tui::app::Msg;

fn screen_text(model: &warroom::tui::app::Model) -> String {
    let terminal = draw(model, &theme(), 120, 40);
    let buffer = terminal.backend().buffer().clone();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

#[test]
fn the_header_shows_the_public_promise_and_flags_it_when_broken() {
    let mut model = model();
    assert!(!screen_text(&model).contains("public update by"));
    let published = Event {
        seq: events().len() as u64 + 1,
        incident: IncidentId::from_number(1),
        at: now(),
        actor: "alice".into(),
        kind: EventKind::PublicUpdate(PublicUpdate {
            state: PublicState::Identified,
            message: "Rolling back.".into(),
            components: [("api".to_string(), ComponentStatus::PartialOutage)].into(),
            next_update_at: Some(now() + Duration::minutes(30)),
            title: None,
        }),
    };
    feed(&mut model, Msg::Feed(Ok(vec![published])));
    assert!(screen_text(&model).contains("public update by 14:30"));
    feed(&mut model, Msg::Tick(now() + Duration::minutes(33)));
    let text = screen_text(&model);
    assert!(text.contains("PUBLIC PROMISE BROKEN +03:00"), "{text}");
}
