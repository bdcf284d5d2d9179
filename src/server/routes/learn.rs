//! After the fact: the postmortem of one incident (from its log: from memory while it holds
//! the whole log, else read from the store), and the report across incidents, computed at the
//! moment of the request from the figures the store keeps beside each snapshot row
//! (`store/snapshot.rs`), streamed one incident at a time: never the log, never every
//! incident at once, so a request's memory does not follow history. The follow-ups are
//! pages of their own (`followups.rs`).

use super::json_response;
use crate::domain::{Event, IncidentId};
use crate::report::{RECURRENCE_WINDOW_DAYS, ReportBuilder, ReportQuery, postmortem};
use crate::server::auth::Caller;
use crate::server::error::ApiError;
use crate::server::extract::{IncidentParam, QueryParams};
use crate::server::routes::incidents::{find, read_store};
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
    let events = stored_log(&state, id, incident.version).await?;
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

/// The whole log of one incident from the store's reading connection, up to the version its
/// folded state was read at: events committed after it are left out, so the log and the
/// folded incident tell the same story.
async fn stored_log(
    state: &AppState,
    id: IncidentId,
    version: u64,
) -> Result<Vec<Event>, ApiError> {
    read_store(state, move |store| {
        let mut events = store.incident_events_after(&id, 0, usize::MAX)?;
        events.retain(|event| event.seq <= version);
        Ok(events)
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
    let scale = state.scale.clone();
    let report = read_store(&state, move |store| {
        let mut report = ReportBuilder::new(query.clone(), &scale);
        store.figures_declared(report.declared_from(), until, &mut |incident| {
            report.add(incident);
            Ok(())
        })?;
        Ok(report.finish())
    })
    .await?;
    json_response(StatusCode::OK, serde_json::to_string(&report))
}

/// The recurrence window: a span such as `30d`.
fn recurrence_span(name: &str, text: &str) -> Result<chrono::Duration, ApiError> {
    crate::duration::parse_duration(text)
        .ok()
        .and_then(|span| chrono::Duration::from_std(span).ok())
        .ok_or_else(|| ApiError::BadRequest(format!("{name} '{text}' is not a span such as 30d")))
}
