//! After the fact: the postmortem of one incident and the report across incidents, both
//! computed at the moment of the request from the folded incidents and their logs: from
//! memory while it holds the whole log, else read from the store (a replica keeps only the
//! newest events, `--recent-events`).

use super::json_response;
use crate::domain::{Event, Incident, IncidentId};
use crate::report::{IncidentLog, RECURRENCE_WINDOW_DAYS, ReportQuery, postmortem, report};
use crate::server::auth::Caller;
use crate::server::error::{ApiError, store_failure};
use crate::server::extract::{IncidentParam, QueryParams};
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;

/// The report's period when `since` is not given.
const DEFAULT_SINCE: &str = "90d";

/// `GET /v1/incidents/{id}/postmortem.md`: a draft until the incident is closed.
pub async fn postmortem_markdown(
    _: Caller,
    State(state): State<AppState>,
    IncidentParam(id): IncidentParam,
) -> Result<Response, ApiError> {
    let (incident, head) = {
        let timeline = state.timeline();
        let (incident, events) = timeline
            .incident_log(&id)
            .ok_or_else(|| ApiError::NotFound(format!("no incident {id}")))?;
        if timeline.complete() {
            // Memory holds the whole log: written from it, nothing copied.
            return Ok(markdown_response(postmortem(incident, &events)));
        }
        (incident.clone(), timeline.head())
    };
    let events = stored_logs(&state, vec![id.clone()], head)
        .await?
        .remove(&id)
        .unwrap_or_default();
    let events: Vec<&Event> = events.iter().collect();
    Ok(markdown_response(postmortem(&incident, &events)))
}

fn markdown_response(markdown: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        markdown,
    )
        .into_response()
}

/// Every incident, folded, with the log of each that `covers` picks (the others' events are
/// left out): from memory while it holds the whole log, else from the store's reading
/// connection, so that a report on old incidents costs memory only while it is computed.
async fn logs(
    state: &AppState,
    covers: impl Fn(&Incident) -> bool,
) -> Result<Vec<(Incident, Vec<Event>)>, ApiError> {
    let (mut logs, complete, head) = {
        let timeline = state.timeline();
        let logs: Vec<(Incident, Vec<Event>)> = timeline
            .logs()
            .into_iter()
            .map(|log| {
                let events = if covers(log.incident) {
                    log.events.into_iter().cloned().collect()
                } else {
                    Vec::new()
                };
                (log.incident.clone(), events)
            })
            .collect();
        (logs, timeline.complete(), timeline.head())
    };
    if complete {
        return Ok(logs);
    }
    let wanted: Vec<IncidentId> = logs
        .iter()
        .filter(|(incident, _)| covers(incident))
        .map(|(incident, _)| incident.id.clone())
        .collect();
    let mut read = stored_logs(state, wanted, head).await?;
    for (incident, events) in &mut logs {
        if let Some(stored) = read.remove(&incident.id) {
            *events = stored;
        }
    }
    Ok(logs)
}

/// The whole logs of the `wanted` incidents from the store's reading connection, up to the
/// event `head`: events committed after the incidents were folded are left out, so the log
/// and the folded incident tell the same story.
async fn stored_logs(
    state: &AppState,
    wanted: Vec<IncidentId>,
    head: u64,
) -> Result<HashMap<IncidentId, Vec<Event>>, ApiError> {
    let state = state.clone();
    let mut read = tokio::task::spawn_blocking(move || {
        state.archive.read(|store| {
            wanted
                .into_iter()
                .map(|id| {
                    let events = store.incident_events_after(&id, 0, usize::MAX)?;
                    Ok((id, events))
                })
                .collect::<Result<HashMap<_, _>, _>>()
        })
    })
    .await
    .map_err(|err| ApiError::internal("cannot read the log", err))?
    .map_err(|err| store_failure(&err, "cannot read the log"))?;
    for events in read.values_mut() {
        events.retain(|event| event.seq <= head);
    }
    Ok(read)
}

/// `?since=90d&service=S&severity=P1&recurrence=30d`, as sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    since: Option<String>,
    service: Option<String>,
    severity: Option<String>,
    recurrence: Option<String>,
}

/// `GET /v1/report`.
pub async fn report_json(
    _: Caller,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<Response, ApiError> {
    let until = chrono::Utc::now();
    let since_text = params.since.as_deref().unwrap_or(DEFAULT_SINCE);
    let since = crate::duration::parse_when(since_text, until)
        .map_err(|e| ApiError::BadRequest(format!("since: {e}")))?;
    if since > until {
        return Err(ApiError::BadRequest(format!(
            "since {since_text} is in the future"
        )));
    }
    let recurrence_days = match params.recurrence.as_deref() {
        None => RECURRENCE_WINDOW_DAYS,
        Some(text) => {
            let window = recurrence_span("recurrence", text)?;
            if window.num_seconds() % 86_400 != 0 {
                return Err(ApiError::BadRequest(format!(
                    "recurrence {text} is not a whole number of days (use 30d)"
                )));
            }
            window.num_days()
        }
    };
    let severity = params
        .severity
        .as_deref()
        .map(|s| state.scale.parse(s))
        .transpose()
        .map_err(ApiError::BadRequest)?;
    let query = ReportQuery {
        since,
        until,
        service: params.service.filter(|s| !s.trim().is_empty()),
        severity,
        recurrence_days,
    };
    // Only the incidents the period covers need their events; the others are compared as
    // folded incidents (recurrence).
    let logs = logs(&state, |incident| incident.declared_at >= since).await?;
    let logs: Vec<IncidentLog<'_>> = logs
        .iter()
        .map(|(incident, events)| IncidentLog {
            incident,
            events: events.iter().collect(),
        })
        .collect();
    json_response(
        StatusCode::OK,
        serde_json::to_string(&report(&logs, &query, &state.scale)),
    )
}

/// The recurrence window: a span such as `30d`.
fn recurrence_span(name: &str, text: &str) -> Result<chrono::Duration, ApiError> {
    crate::duration::parse_duration(text)
        .ok()
        .and_then(|span| chrono::Duration::from_std(span).ok())
        .ok_or_else(|| ApiError::BadRequest(format!("{name} '{text}' is not a span such as 30d")))
}
