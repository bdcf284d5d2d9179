//! What the server process sets up for itself before it serves.

use anyhow::Context;
use rustix::process::{Resource, getrlimit, setrlimit};

/// Raises the soft limit on open files to the hard limit (every connection is a descriptor;
/// the common default of 1024 is soon reached) and logs the figure.
pub fn raise_open_files_limit() {
    let limit = getrlimit(Resource::Nofile);
    let raised = rustix::process::Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    let shown = |value: Option<u64>| value.map_or("unlimited".to_string(), |n| n.to_string());
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => tracing::info!(
            from = %shown(limit.current),
            to = %shown(limit.maximum),
            "open files limit raised to the hard limit"
        ),
        Err(err) => tracing::warn!(
            %err,
            limit = %shown(limit.current),
            "cannot raise the open files limit"
        ),
    }
}

/// The soft limit on open files (`None`: unlimited), which bounds the connections.
pub fn open_files_limit() -> Option<u64> {
    getrlimit(Resource::Nofile).current
}

/// Ignores SIGXFSZ: over a file-size limit, a write then fails with EFBIG, which the server
/// reports as a failed commit (a 500 and a log line) instead of being killed silently.
pub fn ignore_file_size_signal() -> anyhow::Result<()> {
    // Once tokio handles a signal, its default action (here: terminate) no longer applies.
    let kind = tokio::signal::unix::SignalKind::from_raw(rustix::process::Signal::XFSZ.as_raw());
    let signals = tokio::signal::unix::signal(kind).context("cannot handle SIGXFSZ")?;
    tokio::spawn(async move {
        let mut signals = signals;
        while signals.recv().await.is_some() {
            tracing::error!("a write went over the file size limit (SIGXFSZ)");
        }
    });
    Ok(())
}
