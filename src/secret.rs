//! Passwords and tokens: read from the config or the environment like strings, never printed
//! by `Debug`, so a logged config, client or settings struct does not leak them.

use serde::Deserialize;

/// A password or token: read from the config like a string, never printed by `Debug`, so
/// a logged config or client does not leak it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<hidden>")
    }
}
