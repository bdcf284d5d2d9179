//! Web pages must not drive a responder's backend: a browser sends `Origin` with a page's
//! cross-site requests, so one is refused unless the config lists it; and in open mode, where
//! nobody needs a token, a `Host` that is not loopback is refused so that a DNS-rebound name
//! cannot reach the server as if it were the page's own site. A listed origin gets the CORS
//! answers a browser needs to send JSON and read the reply.
//!
//! The check is a plain layer ([`Guard`]) rather than an axum `from_fn` middleware, which
//! cloned the route and boxed two futures on every request; and with no origin listed there
//! is no CORS layer at all (every request with an `Origin` is refused before it, so it only
//! ever added `Vary` headers).

use super::error::ApiError;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::Either;
use std::convert::Infallible;
use std::future::{Ready, ready};
use std::net::IpAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Layer, Service};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// What the server accepts from browsers.
#[derive(Debug, Clone, Default)]
pub struct OriginPolicy {
    /// Origins from the config, lowercased, without a trailing slash.
    allowed: Vec<String>,
    /// Open mode: only loopback `Host`s.
    loopback_hosts_only: bool,
}

impl OriginPolicy {
    pub fn new(allowed: &[String], open_mode: bool) -> Self {
        OriginPolicy {
            allowed: allowed.iter().map(|origin| normalise(origin)).collect(),
            loopback_hosts_only: open_mode,
        }
    }

    /// CORS for the listed origins: preflights answered, and the API's own headers allowed.
    /// None when no origin is listed: no browser page may call the API then.
    pub fn cors(&self) -> Option<CorsLayer> {
        if self.allowed.is_empty() {
            return None;
        }
        let policy = Arc::new(self.clone());
        let cors = CorsLayer::new()
            .allow_origin(AllowOrigin::predicate(move |origin, _| {
                policy.allows(origin)
            }))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_MATCH,
                HeaderName::from_static("idempotency-key"),
                HeaderName::from_static("x-warroom-actor"),
            ])
            .expose_headers([
                header::ETAG,
                header::LOCATION,
                header::RETRY_AFTER,
                HeaderName::from_static("idempotent-replayed"),
            ]);
        Some(cors)
    }

    /// The layer that refuses what [`OriginPolicy::check`] refuses, before any handler.
    pub fn guard(&self) -> Guard {
        Guard(Arc::new(self.clone()))
    }

    fn allows(&self, origin: &HeaderValue) -> bool {
        origin
            .to_str()
            .is_ok_and(|origin| self.allowed.contains(&normalise(origin)))
    }

    pub fn check(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        for origin in headers.get_all(header::ORIGIN) {
            if !self.allows(origin) {
                return Err(ApiError::Forbidden(
                    "requests from web pages are refused unless their origin is listed in \
                     [server] allowed_origins"
                        .into(),
                ));
            }
        }
        if self.loopback_hosts_only
            && let Some(host) = headers.get(header::HOST)
            && !host.to_str().is_ok_and(is_loopback_host)
        {
            return Err(ApiError::Forbidden(
                "without --tokens the server answers only to a loopback Host, such as 127.0.0.1 \
                 or localhost"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// Refuses, before any handler runs, the requests the policy refuses.
#[derive(Clone)]
pub struct Guard(Arc<OriginPolicy>);

impl<S> Layer<S> for Guard {
    type Service = Guarded<S>;

    fn layer(&self, inner: S) -> Guarded<S> {
        Guarded {
            policy: self.0.clone(),
            inner,
        }
    }
}

/// A route behind the [`Guard`].
#[derive(Clone)]
pub struct Guarded<S> {
    policy: Arc<OriginPolicy>,
    inner: S,
}

impl<S> Service<Request> for Guarded<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match self.policy.check(request.headers()) {
            Ok(()) => Either::Right(self.inner.call(request)),
            Err(refusal) => Either::Left(ready(Ok(refusal.into_response()))),
        }
    }
}

fn normalise(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// `localhost`, `*.localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        // [v6]:port
        rest.split_once(']').map_or("", |(address, _)| address)
    } else {
        host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                name
            } else {
                ""
            }
        })
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_loopback_hosts_count_as_loopback() {
        for host in [
            "127.0.0.1",
            "127.0.0.1:7700",
            "127.8.9.1:1",
            "localhost",
            "LocalHost:7700",
            "app.localhost",
            "[::1]:7700",
            "[::1]",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:7700",
            "localhost.evil.example",
            "10.0.0.1:7700",
            "[::2]:1",
            "127.0.0.1:x",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn an_origin_passes_only_when_listed() {
        let policy = OriginPolicy::new(&["https://Status.example.com/".into()], false);
        let mut headers = HeaderMap::new();
        assert!(
            policy.check(&headers).is_ok(),
            "no Origin: not a browser page"
        );
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://status.example.com"),
        );
        assert!(policy.check(&headers).is_ok());
        headers.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(matches!(
            policy.check(&headers),
            Err(ApiError::Forbidden(_))
        ));
    }
}
