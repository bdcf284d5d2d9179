//! Web pages must not drive a responder's backend: a browser sends `Origin` with a page's
//! cross-site requests, so one is refused unless the config lists it; and in open mode, where
//! nobody needs a token, a `Host` that is not loopback is refused so that a DNS-rebound name
//! cannot reach the server as if it were the page's own site. A listed origin gets the CORS
//! answers a browser needs to send JSON and read the reply.

use super::error::ApiError;
use super::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;
use std::sync::Arc;
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
    pub fn cors(&self) -> CorsLayer {
        let policy = Arc::new(self.clone());
        CorsLayer::new()
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
            ])
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

/// The middleware: refuses before any handler runs.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match state.origins.check(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(refusal) => refusal.into_response(),
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
