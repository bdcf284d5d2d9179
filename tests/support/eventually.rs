//! Waiting for a live pipeline: poll, never sleep a fixed time, which would be either flaky
//! or slow.

use std::time::{Duration, Instant};

/// Polls `probe` every 250 ms until it has a value; fails the test naming `what` after
/// `timeout`.
pub async fn eventually<T>(
    what: &str,
    timeout: Duration,
    mut probe: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {what} after {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
