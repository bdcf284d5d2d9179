//! `[server]`: what `warroom serve` listens on, where it keeps the log, who may call it, the
//! severity scale, and `[server.limits]`.

use crate::domain::{SeverityLevel, SeverityScale};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// `warroom serve`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSection {
    pub listen: SocketAddr,
    /// Defaults to `warroom.db` in the data directory.
    pub db: Option<PathBuf>,
    pub tokens: Option<PathBuf>,
    /// The severity levels, most severe first.
    #[serde(rename = "severity")]
    pub severities: Vec<SeverityLevel>,
    /// Web pages allowed to call the API, by their `Origin` (`https://status.example.com`).
    /// A request from any other page is refused.
    pub allowed_origins: Vec<String>,
    pub limits: LimitsSection,
    /// Alerts of one Alertmanager group attached to its incident one by one; the rest are
    /// counted ("and 240 more").
    pub alerts_per_incident: usize,
    /// How long the answer to a request with an `Idempotency-Key` is kept for its retries
    /// ("7d").
    pub idempotency_keys_kept: String,
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            listen: SocketAddr::from(([127, 0, 0, 1], 7700)),
            db: None,
            tokens: None,
            severities: SeverityScale::default().levels().to_vec(),
            allowed_origins: Vec::new(),
            limits: LimitsSection::default(),
            alerts_per_incident: 100,
            idempotency_keys_kept: "7d".into(),
        }
    }
}

/// `[server.limits]`: what keeps the backend reachable under load or abuse.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsSection {
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// A connection must send a request's headers within this, also between requests.
    pub header_timeout_secs: u64,
    /// A request (its body and its answer) must be done within this; long-polls excepted.
    pub request_timeout_secs: u64,
    /// Changes (POSTs) one caller may make per minute, on average; 0 means no limit.
    pub writes_per_minute: u32,
    /// Changes one caller may make in a burst above that rate.
    pub write_burst: u32,
    /// Alertmanager notifications one caller may post per minute, on average, apart from
    /// `writes_per_minute`; 0 means no limit.
    pub alertmanager_per_minute: u32,
    /// Notifications one caller may post in a burst above that rate.
    pub alertmanager_burst: u32,
}

impl Default for LimitsSection {
    fn default() -> Self {
        LimitsSection {
            max_connections: 4096,
            header_timeout_secs: 10,
            request_timeout_secs: 15,
            writes_per_minute: 600,
            write_burst: 120,
            alertmanager_per_minute: 6000,
            alertmanager_burst: 3000,
        }
    }
}

impl ServerSection {
    pub fn scale(&self) -> Result<SeverityScale, String> {
        SeverityScale::new(self.severities.clone()).map_err(|e| format!("[[server.severity]]: {e}"))
    }
}
