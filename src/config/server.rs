//! `[server]`: what `warroom serve` listens on, where it keeps the log, who may call it, and
//! the severity scale.

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
            alerts_per_incident: 100,
            idempotency_keys_kept: "7d".into(),
        }
    }
}

impl ServerSection {
    pub fn scale(&self) -> Result<SeverityScale, String> {
        SeverityScale::new(self.severities.clone()).map_err(|e| format!("[[server.severity]]: {e}"))
    }
}
