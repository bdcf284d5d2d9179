//! `[prometheus]` and `[alertmanager]`: where the war room's eyes are and how to
//! authenticate to them, as written. The outbound clients (`crate::prometheus`) check them.

use crate::secret::Secret;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// `[prometheus]` or `[alertmanager]`: where the server is and how to authenticate.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Base URL, e.g. `https://prometheus.internal:9090` (a path prefix is kept).
    pub url: String,
    /// Whole-request timeout; a panel waits at most this long before it goes stale.
    #[serde(default = "default_timeout")]
    pub timeout: String,
    pub basic_auth: Option<BasicAuth>,
    /// Sent as `Authorization: Bearer <token>`; exclusive with `basic_auth`.
    pub bearer_token: Option<Secret>,
    /// Extra headers on every request, e.g. `X-Scope-OrgID` for a multi-tenant proxy.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A PEM file of CA certificates trusted in addition to the system's roots.
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    pub user: String,
    pub password: Secret,
}

fn default_timeout() -> String {
    "10s".into()
}

impl ServerConfig {
    /// A config for `url` with the defaults: 10 s timeout, no auth, no extra headers.
    pub fn new(url: impl Into<String>) -> Self {
        ServerConfig {
            url: url.into(),
            timeout: default_timeout(),
            basic_auth: None,
            bearer_token: None,
            headers: BTreeMap::new(),
            ca_file: None,
        }
    }
}
