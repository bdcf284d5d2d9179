//! The event feeds: per incident and global, both with long-poll.

use super::json_response;
use crate::domain::Event;
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::extract::{Feed, FeedQuery, IncidentParam, QueryParams};
use crate::server::longpoll;
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use std::sync::atomic::{AtomicU64, Ordering};

/// Events of one incident after `?after=N`, waiting up to `?wait=S` seconds for one.
pub async fn incident_feed(
    _: Caller,
    State(state): State<AppState>,
    IncidentParam(id): IncidentParam,
    QueryParams(query): QueryParams<FeedQuery>,
) -> Result<Response, ApiError> {
    let feed = Feed::from(query);
    respond_when_ready(&state, feed, || {
        state
            .timeline()
            .incident_events_after(&id, feed.after, feed.limit)
            .ok_or_else(|| ApiError::NotFound(format!("no incident {id}")))
    })
    .await
}

/// Events of every incident after `?after=N`: what a wall display or a bot follows.
pub async fn global_feed(
    _: Caller,
    State(state): State<AppState>,
    QueryParams(query): QueryParams<FeedQuery>,
) -> Result<Response, ApiError> {
    let feed = Feed::from(query);
    respond_when_ready(&state, feed, || {
        Ok(state.timeline().events_after(feed.after, feed.limit))
    })
    .await
}

/// Long-polls with `read` for the feed's wait, then answers with what it found.
async fn respond_when_ready(
    state: &AppState,
    feed: Feed,
    read: impl Fn() -> Result<Vec<Event>, ApiError>,
) -> Result<Response, ApiError> {
    if !*state.database.borrow() {
        return Err(ApiError::Unavailable(
            "this replica has lost its database connection and may be behind; try another".into(),
        ));
    }
    let _waiting = Waiting::count(&state.longpoll_waiters);
    let events =
        longpoll::wait_for(state.head.clone(), state.shutdown.clone(), feed.wait, read).await?;
    json_response(StatusCode::OK, serde_json::to_string(&events))
}

/// One long-poll in `/metrics`' waiters, for as long as it lives: counted down however the
/// wait ends, a client hanging up included.
struct Waiting<'a>(&'a AtomicU64);

impl<'a> Waiting<'a> {
    fn count(waiters: &'a AtomicU64) -> Self {
        waiters.fetch_add(1, Ordering::Relaxed);
        Waiting(waiters)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
