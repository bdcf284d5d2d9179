//! Logs go to a file in the data directory, never to the screen the TUI draws on.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// `WARROOM_LOG`: a level (`debug`) or targets with levels (`warn,warroom=debug`); when unset
/// or unreadable, `info`.
fn filter() -> Targets {
    std::env::var("WARROOM_LOG")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO))
}

/// The backend logs to stderr (level from `WARROOM_LOG`, default `info`).
pub fn to_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .finish()
        .with(filter())
        .try_init();
}

/// Sends `tracing` output (level from `WARROOM_LOG`, default `info`) to `dir/warroom.log`.
/// Returns the file's path so the caller can mention it.
pub fn to_file(dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("warroom.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    // A second call (tests) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .finish()
        .with(filter())
        .try_init();
    Ok(path)
}
