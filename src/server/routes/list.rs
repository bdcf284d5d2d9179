//! `GET /v1/incidents`: one page of incidents, newest first, and the link to the next.
//!
//! # Pages
//! A page is at most `limit` incidents numbered below the cursor `before=INC-n`, newest first.
//! When more match beyond it, the answer's `Link: <...>; rel="next"` names the next page: the
//! same filters (relative times made absolute, so the walk keeps one period) and `before` the
//! last number of this page. Numbers only grow, so a walk from the first page to the last
//! sees every incident that existed when it began exactly once, however many are declared
//! meanwhile (those come before the first page's cursor, never after).
//!
//! Memory holds every open incident and those ended recently, as current as this replica's
//! feeds; the store holds the others' snapshot rows. A page takes memory's copy of what memory
//! holds and reads the rest from the store a page at a time (`Store::incidents_before`), so
//! no request holds more than a page, whatever the history.

use super::json_response;
use crate::domain::{Incident, IncidentFilter, IncidentId, Status};
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::extract::QueryParams;
use crate::server::routes::incidents::read_store;
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeSet;

/// Incidents in a page when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 100;
/// The most a page holds.
pub const MAX_LIMIT: usize = 1_000;

/// `?limit=&before=&open=&service=&severity=&status=&since=&until=&q=`, as sent. An empty
/// text value (a form's empty field) is not given; `limit`, `before`, `open` and `status`
/// have a grammar, which an empty value does not meet.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    limit: Option<String>,
    before: Option<String>,
    open: Option<String>,
    service: Option<String>,
    severity: Option<String>,
    status: Option<String>,
    since: Option<String>,
    until: Option<String>,
    q: Option<String>,
}

/// A page asked for, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct PageQuery {
    pub filter: IncidentFilter,
    /// Only incidents numbered below this (`u64::MAX`: from the newest).
    pub before: u64,
    pub limit: usize,
}

impl PageQuery {
    /// Reads the parameters; a value that does not parse is refused with its field named.
    fn read(params: ListParams, state: &AppState) -> Result<PageQuery, ApiError> {
        let given = |value: Option<String>| value.filter(|text| !text.trim().is_empty());
        let refuse =
            |field: &str, reason: String| ApiError::BadRequest(format!("{field}: {reason}"));
        let limit = page_limit(params.limit, "incident")?;
        let before = params
            .before
            .map(IncidentId::try_from)
            .transpose()
            .map_err(|err| refuse("before", err.to_string()))?
            .map_or(u64::MAX, |id| id.number());
        let open = params
            .open
            .map(|text| match text.as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(refuse(
                    "open",
                    format!("'{text}' is neither true nor false"),
                )),
            })
            .transpose()?;
        let severities = given(params.severity)
            .map(|text| {
                text.split(',')
                    .filter(|name| !name.trim().is_empty())
                    .map(|name| state.scale.parse(name))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .map_err(|reason| refuse("severity", reason))?
            .unwrap_or_default();
        let status = params
            .status
            .map(|text| text.parse::<Status>())
            .transpose()
            .map_err(|reason| refuse("status", reason))?;
        let now = state.clock.now();
        let when = |field: &str, value: Option<String>| {
            given(value)
                .map(|text| crate::duration::parse_when(&text, now))
                .transpose()
                .map_err(|err| refuse(field, err.to_string()))
        };
        let filter = IncidentFilter {
            open,
            service: given(params.service),
            severities,
            status,
            since: when("since", params.since)?,
            until: when("until", params.until)?,
            text: given(params.q),
        };
        Ok(PageQuery {
            filter,
            before,
            limit,
        })
    }

    /// The query of the page after `last`: the same filters, the times absolute.
    fn next(&self, last: &IncidentId) -> String {
        let filter = &self.filter;
        let time =
            |at: crate::domain::Timestamp| at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        let severities: Vec<&str> = filter.severities.iter().map(|s| s.as_str()).collect();
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("limit", &self.limit.to_string());
        let pairs = [
            ("open", filter.open.map(|open| open.to_string())),
            ("service", filter.service.clone()),
            (
                "severity",
                (!severities.is_empty()).then(|| severities.join(",")),
            ),
            (
                "status",
                filter.status.map(|status| status.as_str().to_string()),
            ),
            ("since", filter.since.map(time)),
            ("until", filter.until.map(time)),
            ("q", filter.text.clone()),
            ("before", Some(last.to_string())),
        ];
        for (name, value) in pairs {
            if let Some(value) = value {
                query.append_pair(name, &value);
            }
        }
        query.finish()
    }
}

/// `GET /v1/incidents`.
pub async fn list(
    _: Caller,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<ListParams>,
) -> Result<Response, ApiError> {
    let query = PageQuery::read(params, &state)?;
    let (page, more) = page(&state, &query).await?;
    let next = more
        .then(|| page.last().map(|last| query.next(&last.id)))
        .flatten();
    paged_response(&page, "/v1/incidents", next)
}

/// `limit=` of a list: 1 to [`MAX_LIMIT`] `items`, [`DEFAULT_LIMIT`] when not given.
pub(super) fn page_limit(limit: Option<String>, items: &str) -> Result<usize, ApiError> {
    let refuse = |reason: String| ApiError::BadRequest(format!("limit: {reason}"));
    let Some(text) = limit else {
        return Ok(DEFAULT_LIMIT);
    };
    match text.parse::<usize>() {
        Ok(limit @ 1..=MAX_LIMIT) => Ok(limit),
        Ok(0) => Err(refuse(format!("a page holds at least 1 {items}"))),
        Ok(_) => Err(refuse(format!(
            "{text} is above the most a page holds ({MAX_LIMIT}); \
             follow the Link header to the next page"
        ))),
        Err(_) => Err(refuse(format!(
            "'{text}' is not a whole number from 1 to {MAX_LIMIT}"
        ))),
    }
}

/// A page as the JSON array of `page`, with `Link: <path?next>; rel="next"` when there is a
/// next page (`next`: its query).
pub(super) fn paged_response<T: serde::Serialize>(
    page: &[T],
    path: &str,
    next: Option<String>,
) -> Result<Response, ApiError> {
    let mut response = json_response(StatusCode::OK, serde_json::to_string(page))?;
    if let Some(next) = next {
        let link = format!("<{path}?{next}>; rel=\"next\"");
        let link = HeaderValue::from_str(&link)
            .map_err(|err| ApiError::internal("the next page's link could not be written", err))?;
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(response)
}

/// The page `query` asks for, and whether more incidents match beyond it.
async fn page(state: &AppState, query: &PageQuery) -> Result<(Vec<Incident>, bool), ApiError> {
    // One more than the page, to know whether there is a next.
    let wanted = query.limit + 1;
    let (mut page, held, partial) = {
        let timeline = state.timeline();
        let below: Vec<&Incident> = timeline
            .incidents(false)
            .into_iter()
            .filter(|incident| incident.id.number() < query.before)
            .collect();
        let held: BTreeSet<u64> = below.iter().map(|incident| incident.id.number()).collect();
        let matching: Vec<Incident> = below
            .into_iter()
            .filter(|incident| query.filter.matches(incident))
            .take(wanted)
            .cloned()
            .collect();
        (matching, held, timeline.partial())
    };
    // Memory holds every incident, or every open one, which is all that is asked for.
    if partial && query.filter.open != Some(true) {
        page.extend(stored(state, query, wanted, held).await?);
        page.sort_by_key(|incident| std::cmp::Reverse(incident.id.number()));
    }
    let more = page.len() > query.limit;
    page.truncate(query.limit);
    Ok((page, more))
}

/// The newest `wanted` stored incidents the query matches, leaving out those memory holds
/// (its copy is the current one, matching or not).
async fn stored(
    state: &AppState,
    query: &PageQuery,
    wanted: usize,
    held: BTreeSet<u64>,
) -> Result<Vec<Incident>, ApiError> {
    let filter = query.filter.clone();
    let before = query.before;
    read_store(state, move |store| {
        let mut found = Vec::new();
        let mut cursor = before;
        // Each read is a page; another follows only when held incidents took places in it.
        loop {
            let rows = store.incidents_before(&filter, cursor, wanted)?;
            let full = rows.len() == wanted;
            let Some(last) = rows.last() else { break };
            cursor = last.id.number();
            found.extend(
                rows.into_iter()
                    .filter(|incident| !held.contains(&incident.id.number())),
            );
            if !full || found.len() >= wanted {
                break;
            }
        }
        found.truncate(wanted);
        Ok(found)
    })
    .await
}
