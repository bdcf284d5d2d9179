//! One feed for every session: a single long-poll of the backend, folded once, handed to each
//! session as [`Msg::Folded`]. The incidents are shared (cloning [`Incidents`] copies
//! pointers), so twenty sessions cost one client's network and memory plus their view state.

use crate::client::{Client, ClientError};
use crate::tui::app::incidents::{ENDED_KEPT, Incidents};
use crate::tui::app::outbox::retry_delay;
use crate::tui::app::{FEED_PAGE, FEED_WAIT, Msg};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// What the shared feed knows now.
#[derive(Debug, Clone)]
pub enum Shared {
    Connecting,
    Live(Incidents),
    /// The backend does not answer; sessions show the link as down.
    Down(ClientError),
}

/// The receiving end every session subscribes to.
#[derive(Clone)]
pub struct SharedFeed {
    state: watch::Receiver<Shared>,
}

impl SharedFeed {
    /// Starts reading the backend's feed with `client` (the gateway's own identity).
    pub fn start(client: Client) -> SharedFeed {
        let (tx, state) = watch::channel(Shared::Connecting);
        tokio::spawn(follow(client, tx));
        SharedFeed { state }
    }

    /// Sends the current state and every change to one session until it is gone.
    pub fn subscribe(&self, session: mpsc::UnboundedSender<Msg>) {
        let mut state = self.state.clone();
        tokio::spawn(async move {
            loop {
                let msg = match &*state.borrow_and_update() {
                    Shared::Connecting => None,
                    Shared::Live(incidents) => Some(Msg::Folded(incidents.clone())),
                    Shared::Down(error) => Some(Msg::Feed(Err(error.clone()))),
                };
                if let Some(msg) = msg
                    && session.send(msg).is_err()
                {
                    return;
                }
                tokio::select! {
                    changed = state.changed() => if changed.is_err() { return },
                    () = session.closed() => return,
                }
            }
        });
    }
}

/// Long-polls the feed for as long as anyone listens, backfilling incidents whose start was
/// missed, and publishes each new fold.
async fn follow(client: Client, tx: watch::Sender<Shared>) {
    let mut incidents = Incidents::default();
    let mut failures = 0;
    let mut wait = Duration::ZERO;
    // From the incidents the backend folded (the open ones and the newest ended), not from
    // the whole history: the open ones' logs, the ended ones' folded state.
    while !tx.is_closed() {
        match client.open_and_recent(ENDED_KEPT).await {
            Ok(listed) => {
                for id in incidents.start(listed, chrono::Utc::now()) {
                    backfill(&client, &mut incidents, id).await;
                }
                break;
            }
            Err(error) => {
                failures += 1;
                tracing::warn!(reason = ?error.to_string(), "the shared feed cannot start");
                tx.send_replace(Shared::Down(error));
                tokio::time::sleep(retry_delay(failures)).await;
            }
        }
    }
    while !tx.is_closed() {
        match client.feed(incidents.cursor, wait).await {
            Ok(events) => {
                failures = 0;
                wait = if events.len() >= FEED_PAGE {
                    Duration::ZERO
                } else {
                    FEED_WAIT
                };
                for id in incidents.apply_feed(&events) {
                    backfill(&client, &mut incidents, id).await;
                }
                incidents.prune(None);
                // An ended incident keeps its folded state here, not its log (one backfilled
                // because it changed included): the shared fold holds the open incidents' logs
                // only, so its memory does not follow history.
                incidents.unload_ended(None);
                let live = matches!(*tx.borrow(), Shared::Live(_));
                // A full page means history is still being caught up: sessions are handed the
                // room once it is whole, so none of them takes a part of it for all of it.
                let catching_up = !live && events.len() >= FEED_PAGE;
                if (!events.is_empty() || !live) && !catching_up {
                    tx.send_replace(Shared::Live(incidents.clone()));
                }
            }
            Err(error) => {
                failures += 1;
                tracing::warn!(reason = ?error.to_string(), "the shared feed failed");
                tx.send_replace(Shared::Down(error));
                tokio::time::sleep(retry_delay(failures)).await;
                wait = FEED_WAIT;
            }
        }
    }
}

/// Loads one incident's whole log into the shared fold.
async fn backfill(client: &Client, incidents: &mut Incidents, id: crate::domain::IncidentId) {
    match client.incident_log(&id).await {
        Ok(log) => incidents.backfill(id, log),
        Err(error) => tracing::warn!(reason = ?error.to_string(), "backfill failed"),
    }
}
