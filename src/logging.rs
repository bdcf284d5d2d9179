//! Logs go to a file in the data directory, never to the screen the TUI draws on.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

fn filter() -> Targets {
    targets(std::env::var("WARROOM_LOG").ok().as_deref())
}

/// `WARROOM_LOG`: a level (`debug`) or targets with levels (`warn,warroom::server=debug`);
/// when unset or unreadable, `info`.
fn targets(setting: Option<&str>) -> Targets {
    setting
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

/// Sends `tracing` output (level from `WARROOM_LOG`, default `info`) to `dir/warroom.log`,
/// which only its owner may read (0600 in a 0700 directory): it names incidents and people.
/// Returns the file's path so the caller can mention it.
pub fn to_file(dir: &Path) -> std::io::Result<PathBuf> {
    crate::private_files::dir(dir)?;
    let path = dir.join("warroom.log");
    let file = crate::private_files::append(&path)?;
    // A second call (tests) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .finish()
        .with(filter())
        .try_init();
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn the_setting_is_a_level_or_targets_with_levels_and_info_otherwise() {
        for fallback in [targets(None), targets(Some("warroom=loud"))] {
            assert!(fallback.would_enable("warroom::server", &Level::INFO));
            assert!(!fallback.would_enable("warroom::server", &Level::DEBUG));
        }
        let debug = targets(Some("debug"));
        assert!(debug.would_enable("hyper", &Level::DEBUG));
        assert!(!debug.would_enable("hyper", &Level::TRACE));
        let mixed = targets(Some("warn,warroom::server=debug"));
        assert!(mixed.would_enable("warroom::server::engine", &Level::DEBUG));
        assert!(!mixed.would_enable("warroom::tui", &Level::INFO));
        assert!(mixed.would_enable("hyper", &Level::WARN));
    }
}
