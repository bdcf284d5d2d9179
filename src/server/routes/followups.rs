//! `GET /v1/followups`: one page of the corrective actions across incidents, soonest due
//! first (then by incident number, then by action id), and the link to the next.
//!
//! A page is at most `limit` actions after the cursor `after=DUE,INC-N,ID` (the last one of
//! the page before), read from the store's follow-ups rows (`store/followups.rs`) with the
//! filters in SQL: the request holds one page, whatever the history. When more match beyond
//! it, `Link: <...>; rel="next"` names the next page, with the same filters.

use super::list::{page_limit, paged_response};
use crate::domain::{Followup, FollowupAsk, FollowupKey};
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::extract::QueryParams;
use crate::server::routes::incidents::read_store;
use crate::server::state::AppState;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

/// `?limit=&after=&open=true&closed=true&overdue=true&owner=NAME`, as sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowupParams {
    limit: Option<String>,
    after: Option<String>,
    #[serde(default)]
    open: bool,
    #[serde(default)]
    closed: bool,
    #[serde(default)]
    overdue: bool,
    owner: Option<String>,
}

impl FollowupParams {
    fn ask(&self) -> FollowupAsk {
        FollowupAsk {
            open: self.open,
            closed: self.closed,
            overdue: self.overdue,
            owner: self.owner.clone(),
        }
    }

    /// The cursor; one that does not parse is refused with its field named.
    fn after(&self) -> Result<Option<FollowupKey>, ApiError> {
        self.after
            .as_deref()
            .filter(|text| !text.trim().is_empty())
            .map(str::parse::<FollowupKey>)
            .transpose()
            .map_err(|reason| ApiError::BadRequest(format!("after: {reason}")))
    }
}

/// The query of the page after `last`: the same filters and size.
fn next(ask: &FollowupAsk, limit: usize, last: FollowupKey) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("limit", &limit.to_string());
    query.extend_pairs(ask.pairs());
    query.append_pair("after", &last.to_string());
    query.finish()
}

/// `GET /v1/followups`.
pub async fn followups_json(
    _: Caller,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<FollowupParams>,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let limit = page_limit(params.limit.clone(), "follow-up")?;
    let after = params.after()?;
    let ask = params.ask();
    // One more than the page, to know whether there is a next. Closed ones are never open:
    // asked for both, nothing matches.
    let mut page: Vec<Followup> = match ask.filter(now) {
        None => Vec::new(),
        Some(filter) => {
            read_store(&state, move |store| {
                store.followups_after(&filter, after, limit + 1, now)
            })
            .await?
        }
    };
    let more = page.len() > limit;
    page.truncate(limit);
    let next = more
        .then(|| page.last().map(|last| next(&ask, limit, last.key())))
        .flatten();
    paged_response(&page, "/v1/followups", next)
}
