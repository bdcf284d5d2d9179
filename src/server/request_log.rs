//! One log line per request, once it is answered: its method, route, status, latency and the
//! actor the request named, if it got that far (never a token, never the raw path).
//!
//! Written here rather than with tower-http's `TraceLayer`: its span per request formatted
//! the span's fields when it opened and the whole span again for the line under it, about
//! 10 µs of the ~55 µs of server CPU a durable command cost (BENCHMARKS.md, issue 23). Here
//! the line is one event, formatted once, and nothing at all is done when `info` is off.

use axum::extract::{MatchedPath, Request};
use axum::http::request::Parts;
use axum::response::Response;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;
use tower::{Layer, Service};

/// Who the request is from, once the extractor that identifies callers knows.
#[derive(Clone, Default)]
struct Actor(Arc<OnceLock<String>>);

/// Names the request's actor in its log line (see [`crate::server::extract`]).
pub fn name_actor(parts: &Parts, person: &str) {
    if let Some(actor) = parts.extensions.get::<Actor>() {
        let _ = actor.0.set(person.to_string());
    }
}

/// The layer that logs each request of the routes it wraps.
#[derive(Clone, Copy, Default)]
pub struct RequestLog;

impl<S> Layer<S> for RequestLog {
    type Service = Logged<S>;

    fn layer(&self, inner: S) -> Logged<S> {
        Logged { inner }
    }
}

/// A route whose requests are logged.
#[derive(Clone)]
pub struct Logged<S> {
    inner: S,
}

impl<S> Service<Request> for Logged<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        if !tracing::enabled!(tracing::Level::INFO) {
            return Box::pin(self.inner.call(request));
        }
        let started = Instant::now();
        let method = request.method().clone();
        let route = request.extensions().get::<MatchedPath>().cloned();
        let actor = Actor::default();
        request.extensions_mut().insert(actor.clone());
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = answer.await?;
            tracing::info!(
                method = %method,
                route = route.as_ref().map_or("(no route)", MatchedPath::as_str),
                status = response.status().as_u16(),
                latency = ?started.elapsed(),
                // Debug-formatted, so that whatever a name holds is quoted and escaped.
                actor = actor.0.get().map(tracing::field::debug),
                "request"
            );
            Ok(response)
        })
    }
}
