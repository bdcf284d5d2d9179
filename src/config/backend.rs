//! `[backend]`: where the TUI and the CLI find the backend, and who they are to it.

use crate::secret::Secret;
use serde::Deserialize;

/// Where clients find the backend.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackendSection {
    pub url: String,
    pub token: Option<Secret>,
    /// The name recorded on events in open mode; defaults to the login name.
    pub actor: Option<String>,
    pub timeout_secs: u64,
}

impl Default for BackendSection {
    fn default() -> Self {
        BackendSection {
            url: "http://127.0.0.1:7700".into(),
            token: None,
            actor: None,
            timeout_secs: 10,
        }
    }
}
