//! The v1 routes. The table is built once, and the OpenAPI test reads the same table, so the
//! document cannot silently miss a route.

mod events;
mod incidents;
mod learn;
mod meta;

use super::engine::Reply;
use super::error::ApiError;
use super::extract::BODY_LIMIT;
use super::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

/// The router and the `(method, path)` of every route in it.
pub struct Api {
    pub router: Router<AppState>,
    pub routes: Vec<(Method, &'static str)>,
}

impl Api {
    pub fn new() -> Api {
        let api = Api {
            router: Router::new(),
            routes: Vec::new(),
        };
        let api = api
            .get("/healthz", meta::healthz)
            .get("/metrics", meta::metrics)
            .get("/v1/openapi.json", meta::openapi)
            .get("/v1/severities", meta::severities)
            .get("/v1/whoami", meta::whoami)
            .get("/v1/incidents", incidents::list)
            .post("/v1/incidents", incidents::declare)
            .get("/v1/incidents/{id}", incidents::show)
            .post("/v1/incidents/{id}/commands", incidents::command)
            .get("/v1/incidents/{id}/events", events::incident_feed)
            .get("/v1/events", events::global_feed)
            .post(
                "/v1/alertmanager",
                crate::server::alertmanager::route::receive,
            )
            .get("/v1/report", learn::report_json)
            .get(
                "/v1/incidents/{id}/postmortem.md",
                learn::postmortem_markdown,
            );
        Api {
            router: api
                .router
                .fallback(not_found)
                .method_not_allowed_fallback(method_not_allowed)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
            routes: api.routes,
        }
    }

    fn get<H: Handler<T, AppState>, T: 'static>(mut self, path: &'static str, handler: H) -> Self {
        self.router = self.router.route(path, get(handler));
        self.routes.push((Method::GET, path));
        self
    }

    fn post<H: Handler<T, AppState>, T: 'static>(mut self, path: &'static str, handler: H) -> Self {
        self.router = self.router.route(path, post(handler));
        self.routes.push((Method::POST, path));
        self
    }
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no route {method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{} does not take {method}", uri.path()))
}

/// A JSON body serialised by the caller (often under a lock, to hold it briefly).
fn json_response(
    status: StatusCode,
    body: Result<String, serde_json::Error>,
) -> Result<Response, ApiError> {
    let body =
        body.map_err(|err| ApiError::Internal(format!("cannot encode the response: {err}")))?;
    Ok((status, [(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The writer's answer (first time or replayed) as the HTTP response.
pub(crate) fn reply_response(reply: Reply) -> Result<Response, ApiError> {
    let stored = reply.response;
    let status = StatusCode::from_u16(stored.status).map_err(|_| {
        ApiError::Internal(format!("a stored response has status {}", stored.status))
    })?;
    let mut response = json_response(status, Ok(stored.body))?;
    let headers = response.headers_mut();
    if let Some(location) = stored.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    if reply.replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}
