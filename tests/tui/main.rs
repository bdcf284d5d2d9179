//! The TUI: `update()` driven with plain messages, and the screen drawn on a `TestBackend`.

mod commander;
mod communicate;
mod fixture;
mod hostile;
mod review;
mod snapshots;
mod text;
mod update;
