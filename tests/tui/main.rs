//! The TUI: `update()` driven with plain messages, and the screen drawn on a `TestBackend`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod bound;
mod commander;
mod communicate;
mod fixture;
mod followups;
mod history;
mod hostile;
mod review;
mod search;
mod snapshots;
mod text;
mod update;
