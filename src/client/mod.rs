//! The typed HTTP client of the backend, shared by the CLI and the TUI.
//!
//! Every call maps the backend's `{"error":{"code","message"}}` into [`ClientError::Api`], and
//! every transport failure into [`ClientError::Unreachable`], so callers can tell "the backend
//! refused" (show the reason) from "the backend is not there" (retry later).
//!
//! The backend URL may list several replicas, comma-separated. A request that finds its
//! replica gone (no connection, a timeout, a 502/503/504) is sent to the next one at once,
//! and the client stays there; every write carries an idempotency key, so sending it again
//! elsewhere applies it at most once.

mod error;
mod followups;
mod notifications;
mod pages;

pub use error::ClientError;
pub use followups::{FollowupPage, FollowupQuery};
pub use notifications::DeliveryRecord;
pub use pages::{ListQuery, MAX_PAGE, Page, Pages};

use crate::domain::{
    ACTOR_HEADER, AccessRole, Command, Event, Incident, IncidentId, NewIncident, ON_BEHALF_HEADER,
    ROLE_HEADER, SeverityLevel, Timestamp,
};
use crate::secret::Secret;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// The largest answer read from the backend: a full page of the biggest events fits many
/// times over, and a broken or hostile server cannot make the client eat all memory.
const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;
/// How long an unused connection stays pooled.
const POOL_IDLE: Duration = Duration::from_secs(5);

/// The backend's answer to an accepted command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandAccepted {
    pub version: u64,
    pub events: Vec<Event>,
}

/// A command's body with the time the person gave it (`intended_at`, beside its fields).
#[derive(Serialize)]
struct GivenAt<'a> {
    #[serde(flatten)]
    command: &'a Command,
    intended_at: Timestamp,
}

/// Who the backend thinks we are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub person: String,
    pub role: crate::domain::AccessRole,
}

/// Where the backend is and who we are to it.
#[derive(Debug, Clone)]
pub struct BackendConfig {
    /// One base URL, or several replicas' separated by commas.
    pub url: String,
    pub token: Option<Secret>,
    /// Sent as `X-Warroom-Actor`; the backend uses it only in open mode.
    pub actor: String,
    /// Timeout of an ordinary request; long-polls add their wait to it.
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    /// The replicas' base URLs, in the order given.
    bases: Arc<[String]>,
    /// The index in `bases` of the replica in use, shared by the clones.
    current: Arc<AtomicUsize>,
    timeout: Duration,
    /// The highest seq of a feed event this client dropped as malformed. The feed is asked
    /// for events after at least this, so a dropped event is never fetched again (a caller's
    /// cursor only counts the events it was given).
    feed_floor: Arc<AtomicU64>,
}

impl Client {
    pub fn new(config: &BackendConfig) -> Result<Self, ClientError> {
        Client::with_headers(config, HeaderMap::new())
    }

    /// A client of a gateway (`warroom ssh-serve`, whose `config.token` is a gateway token)
    /// acting for `person` with at most `role`; the backend caps the role at the gateway's
    /// ceiling.
    pub fn acting_for(
        config: &BackendConfig,
        person: &str,
        role: AccessRole,
    ) -> Result<Self, ClientError> {
        let mut headers = HeaderMap::new();
        let person = HeaderValue::from_str(person).map_err(|_| {
            ClientError::Config(format!("the person {person:?} is not a valid header"))
        })?;
        headers.insert(ON_BEHALF_HEADER, person);
        headers.insert(ROLE_HEADER, HeaderValue::from_static(role.as_str()));
        Client::with_headers(config, headers)
    }

    fn with_headers(config: &BackendConfig, mut headers: HeaderMap) -> Result<Self, ClientError> {
        let bases = config
            .url
            .split(',')
            .map(|url| url.trim().trim_end_matches('/').to_string())
            .filter(|url| !url.is_empty())
            .collect::<Vec<_>>();
        if bases.is_empty() {
            return Err(ClientError::Config("no backend URL given".into()));
        }
        if let Some(bad) = bases
            .iter()
            .find(|base| !(base.starts_with("http://") || base.starts_with("https://")))
        {
            return Err(ClientError::Config(format!(
                "backend URL '{bad}' must start with http:// or https://"
            )));
        }
        if let Some(token) = config
            .token
            .as_ref()
            .map(Secret::expose)
            .filter(|t| !t.is_empty())
        {
            let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| ClientError::Config("the token holds invalid characters".into()))?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let actor = HeaderValue::from_str(&config.actor).map_err(|_| {
            ClientError::Config(format!(
                "the actor name {:?} is not a valid header",
                config.actor
            ))
        })?;
        headers.insert(ACTOR_HEADER, actor);
        let http = crate::tls::client_builder()
            .default_headers(headers)
            .connect_timeout(config.timeout)
            // Below the backend's 10 s header timeout, which closes idle connections: the
            // client drops a pooled connection before the server can close it under a request.
            .pool_idle_timeout(POOL_IDLE)
            .build()
            .map_err(|e| ClientError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            http,
            bases: bases.into(),
            current: Arc::default(),
            timeout: config.timeout,
            feed_floor: Arc::default(),
        })
    }

    /// The first replica given: what names this backend whichever replica is in use, so
    /// that what is kept per backend (the TUI's outbox) is found again after a failover.
    pub fn first_url(&self) -> &str {
        &self.bases[0]
    }

    /// The replica in use.
    pub fn base_url(&self) -> &str {
        &self.bases[self.current.load(Ordering::Relaxed) % self.bases.len()]
    }

    pub async fn incident(&self, id: &IncidentId) -> Result<Incident, ClientError> {
        self.get(&format!("/v1/incidents/{id}"), self.timeout).await
    }

    pub async fn severities(&self) -> Result<Vec<SeverityLevel>, ClientError> {
        self.get("/v1/severities", self.timeout).await
    }

    pub async fn whoami(&self) -> Result<Identity, ClientError> {
        self.get("/v1/whoami", self.timeout).await
    }

    /// Declares an incident. The idempotency key makes a retry after a lost answer safe.
    pub async fn declare(
        &self,
        new: &NewIncident,
        idempotency_key: &str,
    ) -> Result<Incident, ClientError> {
        let request = |base: &str| {
            self.http
                .post(format!("{base}/v1/incidents"))
                .header("idempotency-key", idempotency_key)
                .json(new)
        };
        self.send(request, self.timeout).await
    }

    /// Sends a command. `if_match` makes it conditional on the incident's version.
    pub async fn command(
        &self,
        id: &IncidentId,
        command: &Command,
        idempotency_key: &str,
        if_match: Option<u64>,
    ) -> Result<CommandAccepted, ClientError> {
        let request = |base: &str| {
            let request = self
                .http
                .post(format!("{base}/v1/incidents/{id}/commands"))
                .header("idempotency-key", idempotency_key)
                .json(command);
            match if_match {
                Some(version) => request.header("if-match", version.to_string()),
                None => request,
            }
        };
        self.send(request, self.timeout).await
    }

    /// Sends a command the person gave at `intended_at`, which the backend records beside its
    /// own time: the TUI's outbox, whose commands may wait out an outage, sends this way.
    pub async fn command_given_at(
        &self,
        id: &IncidentId,
        command: &Command,
        idempotency_key: &str,
        intended_at: Timestamp,
    ) -> Result<CommandAccepted, ClientError> {
        let request = |base: &str| {
            self.http
                .post(format!("{base}/v1/incidents/{id}/commands"))
                .header("idempotency-key", idempotency_key)
                .json(&GivenAt {
                    command,
                    intended_at,
                })
        };
        self.send(request, self.timeout).await
    }

    /// Events of one incident after `after`; waits up to `wait` for the first one.
    pub async fn incident_events(
        &self,
        id: &IncidentId,
        after: u64,
        wait: Duration,
    ) -> Result<Vec<Event>, ClientError> {
        let path = format!(
            "/v1/incidents/{id}/events?after={after}&wait={}",
            wait.as_secs()
        );
        let items = self.get(&path, self.timeout + wait).await?;
        Ok(events(items, None))
    }

    /// An incident's whole log, however many pages the backend serves it in.
    pub async fn incident_log(&self, id: &IncidentId) -> Result<Vec<Event>, ClientError> {
        let mut log: Vec<Event> = Vec::new();
        loop {
            let after = log.last().map_or(0, |event| event.seq);
            let page = self.incident_events(id, after, Duration::ZERO).await?;
            if page.is_empty() {
                return Ok(log);
            }
            log.extend(page);
        }
    }

    /// The postmortem Markdown of one incident, rendered by the backend from its log.
    pub async fn postmortem(&self, id: &IncidentId) -> Result<String, ClientError> {
        let path = format!("/v1/incidents/{id}/postmortem.md");
        let request = |base: &str| self.http.get(format!("{base}{path}"));
        let answer = self.send_raw(request, self.timeout).await?;
        String::from_utf8(answer.body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// The report across incidents (`since`, `service`, `severity`, `recurrence` as the
    /// backend reads them), decoded as the caller's type (the report module's `Report`).
    pub async fn report<T: DeserializeOwned>(
        &self,
        query: &[(&str, String)],
    ) -> Result<T, ClientError> {
        // Encoded once; each replica gets the same query.
        let url = reqwest::Url::parse_with_params("http://backend/v1/report", query)
            .map_err(|e| ClientError::Config(format!("cannot build the report URL: {e}")))?;
        let query = url.query().unwrap_or_default().to_string();
        let request = |base: &str| self.http.get(format!("{base}/v1/report?{query}"));
        self.send(request, self.timeout).await
    }

    /// The global feed: events of every incident after `after`, waiting up to `wait`.
    /// Events the client cannot read (a malformed id from a misbehaving backend) are dropped
    /// and logged; the valid ones around them are kept.
    pub async fn feed(&self, after: u64, wait: Duration) -> Result<Vec<Event>, ClientError> {
        let after = after.max(self.feed_floor.load(Ordering::Relaxed));
        let path = format!("/v1/events?after={after}&wait={}", wait.as_secs());
        let items = self.get(&path, self.timeout + wait).await?;
        Ok(events(items, Some(&self.feed_floor)))
    }

    /// The newest deliveries of the notification outbox; only failing and dead ones if asked.
    pub async fn notifications(&self, failed: bool) -> Result<Vec<DeliveryRecord>, ClientError> {
        let path = format!("/v1/notifications?failed={failed}&limit=200");
        self.get(&path, self.timeout).await
    }

    /// Resends a dead (or failing) delivery, or every dead one (`None`); how many were resent.
    pub async fn retry_notifications(&self, id: Option<&uuid::Uuid>) -> Result<u64, ClientError> {
        #[derive(Deserialize)]
        struct Resent {
            resent: u64,
        }
        let path = match id {
            Some(id) => format!("/v1/notifications/{id}/retry"),
            None => "/v1/notifications/retry-dead".to_string(),
        };
        let request = |base: &str| self.http.post(format!("{base}{path}"));
        let answer: Resent = self.send(request, self.timeout).await?;
        Ok(answer.resent)
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        timeout: Duration,
    ) -> Result<T, ClientError> {
        self.send(|base| self.http.get(format!("{base}{path}")), timeout)
            .await
    }

    /// [`Client::send_raw`], the body read as JSON.
    async fn send<T: DeserializeOwned>(
        &self,
        request: impl Fn(&str) -> reqwest::RequestBuilder,
        timeout: Duration,
    ) -> Result<T, ClientError> {
        let answer = self.send_raw(request, timeout).await?;
        serde_json::from_slice(&answer.body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// Sends the request built for the replica in use; if that replica is gone, to each of
    /// the others in turn, staying with the first that answers. A 2xx answer, or the
    /// backend's error.
    async fn send_raw(
        &self,
        request: impl Fn(&str) -> reqwest::RequestBuilder,
        timeout: Duration,
    ) -> Result<Answer, ClientError> {
        let first = self.current.load(Ordering::Relaxed);
        let mut failure = None;
        for attempt in 0..self.bases.len() {
            let index = (first + attempt) % self.bases.len();
            let base = &self.bases[index];
            match Self::send_once(request(base), base, timeout).await {
                Err(error) if replica_gone(&error) => {
                    if self.bases.len() > 1 {
                        tracing::warn!(%base, reason = %error, "backend replica failed; trying the next");
                    }
                    failure = Some(error);
                }
                answer => {
                    if index != first {
                        self.current.store(index, Ordering::Relaxed);
                    }
                    return answer;
                }
            }
        }
        // Next time, start from the one after the replica that failed first.
        self.current
            .store((first + 1) % self.bases.len(), Ordering::Relaxed);
        Err(failure.unwrap_or_else(|| ClientError::Unreachable("no backend".into())))
    }

    /// One replica's answer: a 2xx, or the backend's error.
    async fn send_once(
        request: reqwest::RequestBuilder,
        base: &str,
        timeout: Duration,
    ) -> Result<Answer, ClientError> {
        let response = request
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| ClientError::unreachable(base, &e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_capped(response, base).await?;
        if status.is_success() {
            Ok(Answer { headers, body })
        } else {
            Err(ClientError::from_error_body(status.as_u16(), &body))
        }
    }
}

/// A 2xx answer of the backend.
struct Answer {
    headers: HeaderMap,
    body: Vec<u8>,
}

/// The body, refused once it grows past [`MAX_RESPONSE_BYTES`].
async fn read_capped(mut response: reqwest::Response, base: &str) -> Result<Vec<u8>, ClientError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ClientError::unreachable(base, &e))?
    {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(ClientError::Decode(format!(
                "the answer is larger than {} MiB",
                MAX_RESPONSE_BYTES / (1024 * 1024)
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A failure another replica may not have: no answer, or a gateway or the replica itself
/// saying it cannot serve. A refusal (4xx) or a 500 would be the same everywhere.
fn replica_gone(error: &ClientError) -> bool {
    match error {
        ClientError::Unreachable(_) => true,
        ClientError::Api { status, .. } => matches!(status, 502..=504),
        ClientError::Config(_) | ClientError::Decode(_) => false,
    }
}

/// Reads a JSON array element by element, keeping what reads and logging what does not, with
/// the element's `seq` when it has one. The reason is logged with `Debug`, which escapes
/// control characters: network text never reaches the log raw.
fn each_valid<T: DeserializeOwned>(items: Vec<serde_json::Value>, what: &str) -> Vec<T> {
    items
        .into_iter()
        .filter_map(|item| {
            let seq = item.get("seq").and_then(serde_json::Value::as_u64);
            match serde_json::from_value(item) {
                Ok(value) => Some(value),
                Err(error) => {
                    tracing::warn!(what, ?seq, reason = ?error.to_string(), "dropped a malformed item from the backend");
                    None
                }
            }
        })
        .collect()
}

/// Events from a page; a dropped event's seq raises `floor`, so the feed moves past it.
fn events(items: Vec<serde_json::Value>, floor: Option<&AtomicU64>) -> Vec<Event> {
    let highest = items
        .iter()
        .filter_map(|item| item.get("seq").and_then(serde_json::Value::as_u64))
        .max();
    let events: Vec<Event> = each_valid(items, "event");
    if let (Some(floor), Some(highest)) = (floor, highest) {
        let kept = events.last().map_or(0, |event| event.seq);
        if highest > kept {
            floor.fetch_max(highest, Ordering::Relaxed);
        }
    }
    events
}

/// A fresh idempotency key: random, so keys from different clients never collide.
pub fn idempotency_key() -> String {
    uuid::Uuid::new_v4().to_string()
}
