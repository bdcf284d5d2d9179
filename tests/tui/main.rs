//! The TUI: `update()` driven with plain messages, and the screen drawn on a `TestBackend`.

mod fixture;
mod review;
mod snapshots;
mod update;
