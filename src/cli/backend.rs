//! Who we are and where the backend is: flags and `WARROOM_*` over the config file.

use super::GlobalArgs;
use crate::client::BackendConfig;
use crate::config::Config;
use crate::secret::Secret;
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
            .map(Secret::new)
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
/// Containers often set no `USER`; the home directory's name is the next best guess.
pub fn login_name() -> String {
    let home_name = || {
        std::env::var("HOME").ok().and_then(|home| {
            std::path::Path::new(&home)
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
    };
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .chain(home_name())
        .map(|name| name.trim().to_string())
        .find(|name| !name.is_empty() && !name.chars().any(char::is_control))
        .unwrap_or_else(|| "unknown".into())
}
