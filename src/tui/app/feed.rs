//! Following the war room: the incidents as the backend folded them at start, then the feed
//! of events long-polled from there (or handed over folded by an SSH server's shared feed),
//! and the whole log of an incident when it is shown. A failed read marks the link down and
//! retries, further apart each time.

use super::incidents::Incidents;
use super::{Effect, Model, attention, outbox};
use crate::client::ClientError;
use crate::domain::{Event, Incident, IncidentId, Timestamp};
use std::time::Duration;

/// How long one long-poll of the feed waits for news before asking again.
pub const FEED_WAIT: Duration = Duration::from_secs(25);
/// The backend's page size for the feed: a full page means "ask again at once".
pub const FEED_PAGE: usize = 1000;

/// The backend link as the screen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Live,
    Down { since: Timestamp },
}

/// How following the feed goes: only the answers below change it; the header reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedStatus {
    pub link: Link,
    /// Whether the feed has answered once with everything up to now: until then the screen
    /// knows nothing and must not say "all clear", and the history it receives is not news.
    pub synced: bool,
    /// The backend refused our token (HTTP 401 or 403) on the last read: the screen says
    /// so rather than "disconnected", and retrying will not mend it.
    pub refused: Option<u16>,
    /// Failed reads of the feed in a row: how long the next retry waits.
    failures: u32,
}

impl FeedStatus {
    /// A read failed: the link is down since now (if it was not already), and a refusal of
    /// the token is kept to be said. Returns whether the screen shows it differently.
    fn failed(&mut self, error: &ClientError, now: Timestamp) -> bool {
        let refused = match error {
            ClientError::Api {
                status: status @ (401 | 403),
                ..
            } => Some(*status),
            _ => None,
        };
        let changed = !matches!(self.link, Link::Down { .. }) || self.refused != refused;
        if !matches!(self.link, Link::Down { .. }) {
            self.link = Link::Down { since: now };
        }
        self.refused = refused;
        self.failures += 1;
        changed
    }

    /// A read succeeded: the link is live.
    fn answered(&mut self) {
        self.failures = 0;
        self.refused = None;
        self.link = Link::Live;
    }
}

impl Default for FeedStatus {
    fn default() -> Self {
        FeedStatus {
            link: Link::Connecting,
            synced: false,
            refused: None,
            failures: 0,
        }
    }
}

/// Starts from the incidents as the backend has folded them (the open ones and the newest
/// ended), not from the whole history: the logs of the open ones are fetched (an ended one's
/// when it is shown), and the feed is followed from the newest seq among them. Memory and
/// start time do not grow with history.
pub(super) fn on_start(
    model: &mut Model,
    result: Result<Vec<Incident>, ClientError>,
) -> Vec<Effect> {
    match result {
        Ok(incidents) => {
            model.feed.answered();
            let mut effects: Vec<Effect> = model
                .incidents
                .start(incidents, model.now)
                .into_iter()
                .map(Effect::Backfill)
                .collect();
            // Chosen from every incident at once, not from whichever log arrives first.
            model.reselect();
            effects.push(Effect::PollFeed {
                after: model.incidents.cursor,
                wait: Duration::ZERO,
                delay: Duration::ZERO,
            });
            effects
        }
        Err(error) => {
            model.feed.failed(&error, model.now);
            vec![Effect::Start {
                delay: outbox::retry_delay(model.feed.failures),
            }]
        }
    }
}

pub(super) fn on_feed(model: &mut Model, result: Result<Vec<Event>, ClientError>) -> Vec<Effect> {
    match result {
        Ok(events) => {
            // An empty answer changes nothing on screen, unless it ends an outage or is the
            // first whole answer (the screen leaves "no data yet": a wall redraws on nothing else).
            model.dirty = !events.is_empty() || model.feed.link != Link::Live || !model.feed.synced;
            model.feed.answered();
            let full_page = events.len() >= FEED_PAGE;
            let looking_at = model.desk.selected.clone();
            let missing = model.incidents.apply_feed(&events);
            if model.feed.synced {
                attention::on_live_events(model, &events, looking_at.as_ref());
            }
            model.feed.synced |= !full_page;
            model.reselect();
            let mut effects: Vec<Effect> = missing.into_iter().map(Effect::Backfill).collect();
            effects.push(Effect::PollFeed {
                after: model.incidents.cursor,
                wait: if full_page { Duration::ZERO } else { FEED_WAIT },
                delay: Duration::ZERO,
            });
            effects
        }
        Err(error) => {
            model.dirty = model.feed.failed(&error, model.now);
            vec![Effect::PollFeed {
                after: model.incidents.cursor,
                wait: FEED_WAIT,
                delay: outbox::retry_delay(model.feed.failures),
            }]
        }
    }
}

/// Every incident, folded from a feed shared with other sessions (`warroom ssh-serve`).
pub(super) fn on_folded(model: &mut Model, incidents: Incidents) -> Vec<Effect> {
    model.feed.answered();
    let looking_at = model.desk.selected.clone();
    let seen = model.incidents.cursor;
    model
        .incidents
        .adopt(incidents, model.desk.selected.as_ref());
    // What arrived since the last fold rings and shows the banner here as on a desk that
    // reads the feed itself; the first fold is history, not news.
    if model.feed.synced {
        let news = model.incidents.events_after(seen);
        attention::on_live_events(model, &news, looking_at.as_ref());
    }
    // The shared feed of an SSH server folds for its sessions: what it hands over is
    // the backend's answer, so the session knows the room (an all clear is true).
    model.feed.synced = true;
    model.dirty = true;
    model.reselect();
    vec![]
}

pub(super) fn on_backfill(
    model: &mut Model,
    id: IncidentId,
    result: Result<Vec<Event>, ClientError>,
) -> Vec<Effect> {
    match result {
        Ok(events) => {
            model.incidents.backfill(id, events);
            model.reselect();
            vec![]
        }
        // The feed will bring the next change and ask again; no retry storm here.
        Err(_) => vec![],
    }
}
