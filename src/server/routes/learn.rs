//! After the fact: the postmortem of one incident and the report across incidents, both
//! computed from the log in memory at the moment of the request.

use super::json_response;
use crate::report::{RECURRENCE_WINDOW_DAYS, ReportQuery, postmortem, report};
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::extract::{IncidentParam, QueryParams};
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The report's period when `since` is not given.
const DEFAULT_SINCE: &str = "90d";

/// `GET /v1/incidents/{id}/postmortem.md`: a draft until the incident is closed.
pub async fn postmortem_markdown(
    _: Caller,
    State(state): State<AppState>,
    IncidentParam(id): IncidentParam,
) -> Result<Response, ApiError> {
    let markdown = {
        let timeline = state.timeline();
        whole_log_in_memory(&timeline)?;
        let (incident, events) = timeline
            .incident_log(&id)
            .ok_or_else(|| ApiError::NotFound(format!("no incident {id}")))?;
        postmortem(incident, &events)
    };
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        markdown,
    )
        .into_response())
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
    let body = {
        let timeline = state.timeline();
        whole_log_in_memory(&timeline)?;
        serde_json::to_string(&report(&timeline.logs(), &query, &state.scale))
    };
    json_response(StatusCode::OK, body)
}

/// The recurrence window: a span such as `30d`.
fn recurrence_span(name: &str, text: &str) -> Result<chrono::Duration, ApiError> {
    crate::duration::parse_duration(text)
        .ok()
        .and_then(|span| chrono::Duration::from_std(span).ok())
        .ok_or_else(|| ApiError::BadRequest(format!("{name} '{text}' is not a span such as 30d")))
}

/// Reports read whole logs from memory: a replica started with `--recent-events` that has
/// dropped events says so rather than answer from part of the history.
fn whole_log_in_memory(timeline: &crate::server::timeline::Timeline) -> Result<(), ApiError> {
    if timeline.complete() {
        return Ok(());
    }
    Err(ApiError::Unavailable(
        "this replica keeps only the newest events (--recent-events), and reports need the whole log; ask a replica without the bound".into(),
    ))
}
