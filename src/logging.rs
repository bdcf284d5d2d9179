//! Logs go to a file in the data directory, never to the screen the TUI draws on.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

fn filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_env("WARROOM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
}

/// The backend logs to stderr (level from `WARROOM_LOG`, default `info`).
pub fn to_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .try_init();
}

/// Sends `tracing` output (level from `WARROOM_LOG`, default `info`) to `dir/warroom.log`,
/// which only its owner may read (0600 in a 0700 directory): it names incidents and people.
/// Returns the file's path so the caller can mention it.
pub fn to_file(dir: &Path) -> std::io::Result<PathBuf> {
    crate::private_files::dir(dir)?;
    let path = dir.join("warroom.log");
    let file = crate::private_files::append(&path)?;
    // A second call (tests) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
    Ok(path)
}
