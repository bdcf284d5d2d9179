//! Who we are and where the backend is: flags and `WARROOM_*` over the config file.

use super::GlobalArgs;
use crate::client::BackendConfig;
use crate::config::Config;
use std::time::Duration;

/// Resolves the backend settings: a flag or environment variable wins over the config file.
pub fn backend_config(global: &GlobalArgs, config: &Config) -> BackendConfig {
    BackendConfig {
        url: global
            .backend
            .clone()
            .unwrap_or_else(|| config.backend.url.clone()),
        token: global
            .token
            .clone()
            .or_else(|| config.backend.token.clone()),
        actor: global
            .actor
            .clone()
            .or_else(|| config.backend.actor.clone())
            .unwrap_or_else(login_name),
        timeout: Duration::from_secs(config.backend.timeout_secs.max(1)),
    }
}

/// The local login name. Over SSH, `USER` is the SSH user, which is who we want on events.
pub fn login_name() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .map(|name| name.trim().to_string())
        .find(|name| !name.is_empty() && !name.chars().any(char::is_control))
        .unwrap_or_else(|| "unknown".into())
}
