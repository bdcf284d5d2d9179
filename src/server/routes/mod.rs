//! The v1 routes. The table is built once, and the OpenAPI test reads the same table, so the
//! document cannot silently miss a route.

mod events;
mod followups;
mod incidents;
mod learn;
mod list;
mod meta;
mod notifications;

use super::engine::Reply;
use super::error::ApiError;
use super::extract::{ALERTMANAGER_BODY_LIMIT, BODY_LIMIT};
use super::limits::Limits;
use super::request_log::RequestLog;
use super::state::AppState;
use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use std::time::Duration;
use tower::ServiceBuilder;

/// The `Retry-After` of a webhook notification that could not be done in time.
const RECEIVER_RETRY_SECONDS: u64 = 5;

/// The router and the `(method, path)` of every route in it.
pub struct Api {
    pub router: Router<AppState>,
    pub routes: Vec<(Method, &'static str)>,
    /// Every route but the long-polls must be done within this.
    request_timeout: Duration,
}

impl Api {
    pub fn new(limits: &Limits) -> Api {
        let api = Api {
            router: Router::new(),
            routes: Vec::new(),
            request_timeout: limits.request_timeout,
        };
        let api = api
            .get("/healthz", meta::healthz)
            .get("/readyz", meta::readyz)
            .get("/metrics", meta::metrics)
            .get("/v1/openapi.json", meta::openapi)
            .get("/v1/severities", meta::severities)
            .get("/v1/whoami", meta::whoami)
            .get("/v1/incidents", list::list)
            .post("/v1/incidents", incidents::declare)
            .get("/v1/incidents/{id}", incidents::show)
            .post("/v1/incidents/{id}/commands", incidents::command)
            .long_poll("/v1/incidents/{id}/events", events::incident_feed)
            .long_poll("/v1/events", events::global_feed)
            .get("/v1/notifications", notifications::log)
            .post("/v1/notifications/{id}/retry", notifications::retry_one)
            .post("/v1/notifications/retry-dead", notifications::retry_dead)
            // A group of hundreds of alerts is one notification, and a page refused for its
            // size is lost: Alertmanager does not retry a 4xx.
            .receiver(
                "/v1/alertmanager",
                crate::server::alertmanager::route::receive,
                ALERTMANAGER_BODY_LIMIT,
            )
            .get("/v1/report", learn::report_json)
            .get("/v1/followups", followups::followups_json)
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
            request_timeout: api.request_timeout,
        }
    }

    /// The service to serve: origin checks before any handler (then CORS for the listed
    /// origins), and a log line per request with its method, route, status, latency and
    /// actor (never a token, never the raw path).
    pub fn into_app(self, state: AppState) -> Router {
        let router = match state.origins.cors() {
            Some(cors) => self.router.layer(cors),
            None => self.router,
        };
        router
            .layer(state.origins.guard())
            .layer(RequestLog)
            .with_state(state)
    }

    fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        let route = self.bounded(get(handler), ApiError::Timeout);
        self.add(Method::GET, path, route)
    }

    fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        let route = self.bounded(post(handler), ApiError::Timeout);
        self.add(Method::POST, path, route)
    }

    /// A long-poll: bounded by its own `wait` (at most a minute), not by the request timeout.
    fn long_poll<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        handler: H,
    ) -> Self {
        self.add(Method::GET, path, get(handler))
    }

    fn add(mut self, method: Method, path: &'static str, route: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, route);
        self.routes.push((method, path));
        self
    }

    /// The route with the request timeout, which covers reading the body (a slow body is
    /// refused) and answering; past it the answer is `timed_out` with a message.
    fn bounded(
        &self,
        route: MethodRouter<AppState>,
        timed_out: fn(String) -> ApiError,
    ) -> MethodRouter<AppState> {
        let limit = self.request_timeout;
        route.layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(
                    move |_: tower::BoxError| async move {
                        timed_out(format!(
                            "the request was not done within {} s",
                            limit.as_secs()
                        ))
                    },
                ))
                .timeout(limit),
        )
    }

    /// A webhook receiver: a POST route with its own body limit instead of [`BODY_LIMIT`],
    /// whose timeout is a 503 with `Retry-After`. Its sender (Alertmanager) retries 5xx
    /// answers only, and a notification it sends again records nothing twice.
    fn receiver<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        handler: H,
        limit: usize,
    ) -> Self {
        let route = self
            .bounded(post(handler), |message| {
                ApiError::RetryLater(RECEIVER_RETRY_SECONDS, message)
            })
            .layer(DefaultBodyLimit::max(limit));
        self.add(Method::POST, path, route)
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
    let body = body.map_err(|err| ApiError::internal("the answer could not be encoded", err))?;
    Ok((status, [(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The writer's answer (first time or replayed) as the HTTP response.
pub(crate) fn reply_response(reply: Reply) -> Result<Response, ApiError> {
    let stored = reply.response;
    let status = StatusCode::from_u16(stored.status).map_err(|_| {
        ApiError::internal(
            "a remembered answer could not be replayed",
            format_args!("a stored response has status {}", stored.status),
        )
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
