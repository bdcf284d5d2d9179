//! After the fact: the postmortem of one incident and the report across incidents, both
//! computed at the moment of the request from the folded incidents and their logs: from
//! memory while it holds every incident and the whole log, else read from the store (a
//! replica keeps only the newest events, `--recent-events`, and the incidents ended within
//! `--keep-ended`).

use super::json_response;
use crate::domain::{Event, Incident, IncidentId};
use crate::report::{IncidentLog, RECURRENCE_WINDOW_DAYS, ReportQuery, postmortem, report};
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::extract::{IncidentParam, QueryParams};
use crate::server::routes::incidents::{every_incident, find, read_store};
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
    {
        let timeline = state.timeline();
        if timeline.complete()
            && let Some((incident, events)) = timeline.incident_log(&id)
        {
            // Memory holds the whole log: written from it, nothing copied.
            return Ok(markdown_response(postmortem(incident, &events)));
        }
    }
    let incident = find(&state, &id).await?;
    let events = stored_logs(&state, vec![(id.clone(), incident.version)])
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
/// left out): from memory while it holds every incident and the whole log, else from the
/// store's reading connection, so that a report on old incidents costs memory only while it
/// is computed.
async fn logs(
    state: &AppState,
    covers: impl Fn(&Incident) -> bool,
) -> Result<Vec<(Incident, Vec<Event>)>, ApiError> {
    let held = {
        let timeline = state.timeline();
        timeline.complete().then(|| {
            timeline
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
                .collect::<Vec<_>>()
        })
    };
    if let Some(logs) = held {
        return Ok(logs);
    }
    let mut incidents = every_incident(state).await?;
    incidents.reverse();
    let wanted = incidents
        .iter()
        .filter(|incident| covers(incident))
        .map(|incident| (incident.id.clone(), incident.version))
        .collect();
    let mut read = stored_logs(state, wanted).await?;
    Ok(incidents
        .into_iter()
        .map(|incident| {
            let events = read.remove(&incident.id).unwrap_or_default();
            (incident, events)
        })
        .collect())
}

/// The whole logs of the `wanted` incidents from the store's reading connection, each up to
/// the version its folded state was read at: events committed after it are left out, so the
/// log and the folded incident tell the same story.
async fn stored_logs(
    state: &AppState,
    wanted: Vec<(IncidentId, u64)>,
) -> Result<HashMap<IncidentId, Vec<Event>>, ApiError> {
    read_store(state, move |store| {
        wanted
            .iter()
            .map(|(id, version)| {
                let mut events = store.incident_events_after(id, 0, usize::MAX)?;
                events.retain(|event| event.seq <= *version);
                Ok((id.clone(), events))
            })
            .collect::<Result<HashMap<_, _>, _>>()
    })
    .await
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

impl ReportParams {
    /// The parameters actually given: `?severity=` (a form's empty field) is no filter, and
    /// an empty `since` or `recurrence` their default.
    fn given(self) -> ReportParams {
        let given = |value: Option<String>| value.filter(|text| !text.trim().is_empty());
        ReportParams {
            since: given(self.since),
            service: given(self.service),
            severity: given(self.severity),
            recurrence: given(self.recurrence),
        }
    }
}

/// `GET /v1/report`.
pub async fn report_json(
    _: Caller,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<Response, ApiError> {
    let params = params.given();
    let until = state.clock.now();
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
        service: params.service,
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
