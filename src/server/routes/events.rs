//! The event feeds: per incident and global, both with long-poll. The newest events are
//! served from memory; a page older than memory holds is read from the store.

use super::json_response;
use crate::domain::{Event, IncidentId};
use crate::server::auth::Caller;
use crate::server::error::{ApiError, store_failure};
use crate::server::extract::{Feed, FeedQuery, IncidentParam, QueryParams};
use crate::server::longpoll;
use crate::server::state::AppState;
use crate::server::timeline::Page;
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
    respond_when_ready(&state, Feed::from(query), Some(id)).await
}

/// Events of every incident after `?after=N`: what a wall display or a bot follows.
pub async fn global_feed(
    _: Caller,
    State(state): State<AppState>,
    QueryParams(query): QueryParams<FeedQuery>,
) -> Result<Response, ApiError> {
    respond_when_ready(&state, Feed::from(query), None).await
}

/// Long-polls memory for the feed's wait, then answers with what it found, or with a page
/// from the store when the cursor is older than memory.
async fn respond_when_ready(
    state: &AppState,
    feed: Feed,
    incident: Option<IncidentId>,
) -> Result<Response, ApiError> {
    if !*state.database.borrow() {
        return Err(ApiError::Unavailable(
            "this replica has lost its database connection and may be behind; try another".into(),
        ));
    }
    if let Some(id) = &incident {
        let held = state.timeline().incident(id).is_some();
        if !held {
            // Ended before `--keep-ended`: the store has its log (or it does not exist).
            super::incidents::find(state, id).await?;
            let events = from_store(state, incident.clone(), feed).await?;
            if !events.is_empty() || feed.wait.is_zero() {
                return json_response(StatusCode::OK, serde_json::to_string(&events));
            }
        }
    }
    let read = || {
        let timeline = state.timeline();
        match &incident {
            Some(id) => timeline
                .incident_events_after(id, feed.after, feed.limit)
                .ok_or_else(|| ApiError::NotFound(format!("no incident {id}"))),
            None => Ok(timeline.events_after(feed.after, feed.limit)),
        }
    };
    let news = |page: &Page| !matches!(page, Page::Events(events) if events.is_empty());
    let _waiting = Waiting::count(&state.longpoll_waiters);
    let page = longpoll::wait_for(
        state.head.clone(),
        state.shutdown.clone(),
        feed.wait,
        read,
        news,
    )
    .await?;
    let events = match page {
        Page::Events(events) => events,
        Page::BeforeMemory => from_store(state, incident, feed).await?,
    };
    json_response(StatusCode::OK, serde_json::to_string(&events))
}

/// A page older than memory, from the store's reading connection.
async fn from_store(
    state: &AppState,
    incident: Option<IncidentId>,
    feed: Feed,
) -> Result<Vec<Event>, ApiError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        state
            .archive
            .read(|store| match &incident {
                Some(id) => store.incident_events_after(id, feed.after, feed.limit),
                None => store.events_after(feed.after, feed.limit),
            })
            .map_err(|err| store_failure(&err, "cannot read the log"))
    })
    .await
    .map_err(|err| ApiError::Internal(format!("the store read failed: {err}")))?
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
