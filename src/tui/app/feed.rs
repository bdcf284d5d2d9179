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
    /// Failed reads of the feed in a row: how long the next retry waits.
    failures: u32,
}

impl Default for FeedStatus {
    fn default() -> Self {
        FeedStatus {
            link: Link::Connecting,
            synced: false,
            failures: 0,
        }
    }
}

/// Starts from the incidents as the backend has folded them, not from the whole history:
/// the logs of the open ones are fetched (an ended one's when it is shown), and the feed is
/// followed from the newest seq among them. Memory and start time do not grow with history.
pub(super) fn on_start(
    model: &mut Model,
    result: Result<Vec<Incident>, ClientError>,
) -> Vec<Effect> {
    match result {
        Ok(incidents) => {
            model.feed.failures = 0;
            model.feed.link = Link::Live;
            let mut effects: Vec<Effect> = model
                .incidents
                .start(incidents)
                .into_iter()
                .map(Effect::Backfill)
                .collect();
            effects.push(Effect::PollFeed {
                after: model.incidents.cursor,
                wait: Duration::ZERO,
                delay: Duration::ZERO,
            });
            effects
        }
        Err(_) => {
            if !matches!(model.feed.link, Link::Down { .. }) {
                model.feed.link = Link::Down { since: model.now };
            }
            model.feed.failures += 1;
            vec![Effect::Start {
                delay: outbox::retry_delay(model.feed.failures),
            }]
        }
    }
}

pub(super) fn on_feed(model: &mut Model, result: Result<Vec<Event>, ClientError>) -> Vec<Effect> {
    match result {
        Ok(events) => {
            model.feed.failures = 0;
            // An empty answer changes nothing on screen, unless it ends an outage or is the
            // first whole answer (the screen leaves "no data yet": a wall redraws on nothing else).
            model.dirty = !events.is_empty() || model.feed.link != Link::Live || !model.feed.synced;
            model.feed.link = Link::Live;
            let full_page = events.len() >= FEED_PAGE;
            let looking_at = model.desk.selected.clone();
            let missing = model.incidents.apply_feed(&events);
            if model.feed.synced {
                attention::on_live_events(model, &events, looking_at.as_ref());
            }
            model.feed.synced |= !full_page;
            model.reselect();
            model.incidents.prune(model.desk.selected.as_ref());
            let mut effects: Vec<Effect> = missing.into_iter().map(Effect::Backfill).collect();
            effects.push(Effect::PollFeed {
                after: model.incidents.cursor,
                wait: if full_page { Duration::ZERO } else { FEED_WAIT },
                delay: Duration::ZERO,
            });
            effects
        }
        Err(_) => {
            if !matches!(model.feed.link, Link::Down { .. }) {
                model.feed.link = Link::Down { since: model.now };
            } else {
                model.dirty = false;
            }
            model.feed.failures += 1;
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
    model.feed.failures = 0;
    model.feed.link = Link::Live;
    // The shared feed of an SSH server folds for its sessions: what it hands over is
    // the backend's answer, so the session knows the room (an all clear is true).
    model.feed.synced = true;
    model.dirty = true;
    model.incidents = incidents;
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
