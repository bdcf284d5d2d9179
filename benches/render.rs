//! Render plus diff of one war-room frame: `terminal.draw(|f| view(..))`, which draws the
//! whole model into a fresh buffer, diffs it against the previous frame and hands the changed
//! cells to the backend.
//!
//! Run: `cargo bench --bench render`. Issue 3's target is a p50 of at most 0.3 ms for the
//! full 200x50 desk. Criterion's `time:` line is its estimate of the mean; the median is
//! `median` in `target/criterion/<name>/new/estimates.json`.
//!
//! Each iteration draws the other of two models one second apart, so the countdowns differ
//! from the frame before and the diff has cells to send, as under the runtime's 1 s clock.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

// The tests' frozen war room (the demo incident plus a minor one, panels fed with the demo's
// synthetic series). The tests use all of it; this bench only builds and draws models.
#[allow(dead_code)]
#[path = "../tests/tui/fixture.rs"]
mod fixture;

use chrono::Duration;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::backend::{Backend, CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::hint::black_box;
use warroom::domain::AccessRole;
use warroom::tui::app::{Model, Msg};
use warroom::tui::view::view;

/// The model at `width`x`height` (panels refetched for that width, as after a resize), and
/// the same model one clock tick later.
fn pair(wall: bool, width: u16, height: u16) -> [Model; 2] {
    let role = if wall {
        AccessRole::Viewer
    } else {
        AccessRole::Commander
    };
    let mut model = fixture::model_with(wall, role);
    fixture::feed(&mut model, Msg::Resize(width, height));
    let mut later = model.clone();
    fixture::feed(&mut later, Msg::Tick(fixture::now() + Duration::seconds(1)));
    [model, later]
}

fn bench_frames<B: Backend>(
    c: &mut Criterion,
    name: &str,
    models: [Model; 2],
    mut terminal: Terminal<B>,
) {
    let theme = fixture::theme();
    let mut next = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            let model = &models[next];
            next ^= 1;
            terminal
                .draw(|frame| view(black_box(model), &theme, frame))
                .expect("a frame");
        })
    });
}

fn test_terminal(width: u16, height: u16) -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(width, height)).expect("a terminal")
}

fn frames(c: &mut Criterion) {
    let desk = pair(false, 200, 50);
    bench_frames(c, "desk 200x50", desk.clone(), test_terminal(200, 50));
    bench_frames(
        c,
        "compact 80x24",
        pair(false, 80, 24),
        test_terminal(80, 24),
    );
    bench_frames(
        c,
        "wall 200x50",
        pair(true, 200, 50),
        test_terminal(200, 50),
    );
    // The runtime's backend: the changed cells encoded as escape sequences (into a sink)
    // rather than copied into TestBackend's buffer. A sink has no size: the viewport is fixed.
    let crossterm = Terminal::with_options(
        CrosstermBackend::new(std::io::sink()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 200, 50)),
        },
    )
    .expect("a terminal");
    bench_frames(c, "desk 200x50, crossterm escapes", desk, crossterm);
}

criterion_group!(benches, frames);
criterion_main!(benches);
