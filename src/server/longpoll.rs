//! Long-poll: answer as soon as there is something newer than the client's cursor, or with
//! nothing once its wait is over. Waiters sleep on the head `seq` the writer publishes after
//! each commit, so an idle wall display costs nothing, and all of them wake together.

use super::error::ApiError;
use std::time::Duration;
use tokio::sync::watch;

/// Reads with `read` until `found` says it found something, the wait is over or the server
/// stops; answers with the last read.
pub async fn wait_for<T>(
    mut head: watch::Receiver<u64>,
    mut shutdown: watch::Receiver<bool>,
    wait: Duration,
    read: impl Fn() -> Result<T, ApiError>,
    found: impl Fn(&T) -> bool,
) -> Result<T, ApiError> {
    // Mark the current head as seen *before* reading, so a commit that lands between the read
    // and the wait still wakes us.
    head.borrow_and_update();
    let page = read()?;
    if found(&page) || wait.is_zero() {
        return Ok(page);
    }
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        tokio::select! {
            changed = head.changed() => {
                // The writer is gone: the server is stopping.
                if changed.is_err() {
                    return read();
                }
            }
            () = tokio::time::sleep_until(deadline) => return read(),
            // A stopping server answers its waiters at once instead of holding shutdown up.
            _ = shutdown.wait_for(|stopping| *stopping) => return read(),
        }
        let page = read()?;
        if found(&page) {
            return Ok(page);
        }
    }
}
