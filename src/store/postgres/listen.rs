//! Other replicas' commits as wake-ups: each commit sends `NOTIFY` with its new head (see
//! `commit.rs`), and [`listen`] hands those to this replica, which then reads the new events.

use super::CONNECT_TIMEOUT;
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::watch;

/// The channel of the commit notifications.
pub(super) const CHANNEL: &str = "warroom_events";

/// Follows the commits of every replica: calls `on_commit` with the new head each time one
/// commits, and with `u64::MAX` ("look, something may have been missed") each time the
/// connection is (re)established. `connected` tells whether the wake-ups are flowing; the
/// connection is pinged so that a silent network failure is noticed. Runs until `on_commit`
/// returns false.
pub async fn listen(
    url: String,
    on_commit: impl Fn(u64) -> bool + Send + 'static,
    connected: watch::Sender<bool>,
) {
    let config: tokio_postgres::Config = match url.parse() {
        Ok(config) => config,
        Err(err) => {
            tracing::error!(%err, "cannot listen for commits: not a PostgreSQL URL");
            return;
        }
    };
    loop {
        let outcome = listen_once(&config, &on_commit, &connected).await;
        connected.send_replace(false);
        match outcome {
            Ok(()) => return,
            Err(err) => {
                tracing::warn!(reason = %err, "lost the database's commit notifications; reconnecting")
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// One connection's worth of [`listen`]: `Ok` when `on_commit` asked to stop.
async fn listen_once(
    config: &tokio_postgres::Config,
    on_commit: &impl Fn(u64) -> bool,
    connected: &watch::Sender<bool>,
) -> Result<(), String> {
    let connecting = tokio::time::timeout(CONNECT_TIMEOUT, config.connect(tokio_postgres::NoTls));
    let (client, mut connection) = connecting
        .await
        .map_err(|_| "connecting timed out".to_string())?
        .map_err(|err| err.to_string())?;
    let (heads, mut notified) = tokio::sync::mpsc::unbounded_channel();
    // The connection object drives the socket and hands out the notifications.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(tokio_postgres::AsyncMessage::Notification(note)) => {
                    let head = note.payload().parse().unwrap_or(u64::MAX);
                    if heads.send(head).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(reason = %err, "the notification connection failed");
                    return;
                }
            }
        }
    });
    let result = async {
        client
            .batch_execute(&format!("LISTEN {CHANNEL}"))
            .await
            .map_err(|err| err.to_string())?;
        connected.send_replace(true);
        if !on_commit(u64::MAX) {
            return Ok(());
        }
        let mut ping = tokio::time::interval(CONNECT_TIMEOUT);
        loop {
            tokio::select! {
                head = notified.recv() => match head {
                    Some(head) => if !on_commit(head) { return Ok(()) },
                    None => return Err("the connection closed".to_string()),
                },
                _ = ping.tick() => {
                    tokio::time::timeout(CONNECT_TIMEOUT, client.simple_query("SELECT 1"))
                        .await
                        .map_err(|_| "the database did not answer a ping".to_string())?
                        .map_err(|err| err.to_string())?;
                }
            }
        }
    }
    .await;
    driver.abort();
    result
}
