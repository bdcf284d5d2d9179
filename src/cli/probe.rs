//! Whether the backend, Prometheus and Alertmanager answer, and what they say about
//! themselves: what `warroom setup` checks after writing the config and `warroom doctor`
//! reports on.

use crate::client::{BackendConfig, Client, ClientError, Identity};
use crate::prometheus::{AlertmanagerClient, AlertmanagerStatus, Error, PrometheusClient};
use std::time::{Duration, Instant};

/// What the backend answered.
#[derive(Debug)]
pub struct Backend {
    /// The base URL asked (the first replica's).
    pub url: String,
    /// Who the backend says we are: the token's person and role.
    pub identity: Result<Identity, ClientError>,
    /// How far the backend's clock is ahead of ours, from its `Date` header (whole seconds,
    /// so within about a second); `None` when it sent none.
    pub skew: Option<chrono::Duration>,
    /// Whether a request without a token is refused (the backend has a tokens file), so that
    /// Alertmanager must send one.
    pub wants_token: bool,
}

/// Asks the backend who we are, its time, and whether it serves callers without a token.
pub async fn backend(config: &BackendConfig) -> Result<Backend, ClientError> {
    let client = Client::new(config)?;
    let url = client.first_url().to_string();
    let identity = client.whoami().await;
    if let Err(ClientError::Unreachable(reason)) = &identity {
        return Err(ClientError::Unreachable(reason.clone()));
    }
    let http = crate::tls::client_builder()
        .timeout(config.timeout.max(Duration::from_secs(1)))
        .build()
        .map_err(|e| ClientError::Config(format!("cannot build the HTTP client: {e}")))?;
    let asked = chrono::Utc::now();
    let started = Instant::now();
    let health = http
        .get(format!("{url}/healthz"))
        .send()
        .await
        .map_err(|e| unreachable(&url, &e))?;
    // The answer was dated somewhere within the round trip: compare with its middle.
    let middle = asked + chrono::Duration::from_std(started.elapsed() / 2).unwrap_or_default();
    let skew = health
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|date| date.to_str().ok())
        .and_then(|date| chrono::DateTime::parse_from_rfc2822(date).ok())
        .map(|date| date.with_timezone(&chrono::Utc) - middle);
    let anonymous = http
        .get(format!("{url}/v1/whoami"))
        .send()
        .await
        .map_err(|e| unreachable(&url, &e))?;
    Ok(Backend {
        url,
        identity,
        skew,
        wants_token: anonymous.status() == reqwest::StatusCode::UNAUTHORIZED,
    })
}

fn unreachable(url: &str, error: &reqwest::Error) -> ClientError {
    ClientError::Unreachable(format!("{url}: {error}"))
}

/// Prometheus' version: whether the URL is a Prometheus that answers.
pub async fn prometheus(client: &PrometheusClient) -> Result<String, Error> {
    client.version().await
}

/// Alertmanager's version and where it sends pages.
pub async fn alertmanager(client: &AlertmanagerClient) -> Result<AlertmanagerStatus, Error> {
    client.status().await
}

/// The URL Alertmanager must post pages to for the backend at `base`.
pub fn receiver_url(base: &str) -> String {
    format!("{}/v1/alertmanager", base.trim_end_matches('/'))
}

/// Whether `webhook` posts to `wanted` (both URLs): the same scheme, port and path, and the
/// same host, counting every name of this machine's loopback as one.
pub fn same_endpoint(webhook: &str, wanted: &str) -> bool {
    let (Ok(a), Ok(b)) = (reqwest::Url::parse(webhook), reqwest::Url::parse(wanted)) else {
        return false;
    };
    let host = |url: &reqwest::Url| match url.host_str() {
        Some("localhost" | "127.0.0.1" | "[::1]" | "::1") => "loopback".to_string(),
        Some(host) => host.to_ascii_lowercase(),
        None => String::new(),
    };
    a.scheme() == b.scheme()
        && host(&a) == host(&b)
        && a.port_or_known_default() == b.port_or_known_default()
        && a.path().trim_end_matches('/') == b.path().trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_is_matched_to_the_backend_by_host_port_and_path() {
        let wanted = receiver_url("http://127.0.0.1:7700/");
        assert_eq!(wanted, "http://127.0.0.1:7700/v1/alertmanager");
        assert!(same_endpoint(
            "http://localhost:7700/v1/alertmanager",
            &wanted
        ));
        assert!(same_endpoint(
            "http://127.0.0.1:7700/v1/alertmanager/",
            &wanted
        ));
        assert!(!same_endpoint(
            "http://127.0.0.1:7701/v1/alertmanager",
            &wanted
        ));
        assert!(!same_endpoint("http://127.0.0.1:7700/hook", &wanted));
        assert!(!same_endpoint(
            "https://127.0.0.1:7700/v1/alertmanager",
            &wanted
        ));
        assert!(!same_endpoint("not a url", &wanted));
        let prefixed = receiver_url("https://ops.example.com/warroom");
        assert!(same_endpoint(
            "https://OPS.example.com:443/warroom/v1/alertmanager",
            &prefixed
        ));
    }
}
