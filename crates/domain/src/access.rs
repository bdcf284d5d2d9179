//! Who may do what. The backend enforces it; clients use it to grey out keys.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The header an open-mode client names its person with (the backend has no tokens file).
/// Part of the access contract, so the client that sends it and the server that reads it
/// share one spelling.
pub const ACTOR_HEADER: &str = "x-warroom-actor";

/// A person's access level, from a token. Each level includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessRole {
    /// Reads everything, changes nothing (the wall display, a stakeholder).
    Viewer,
    /// Declares incidents, adds notes and action items.
    Responder,
    /// Drives status, severity and roles.
    Commander,
    /// Everything.
    Admin,
}

impl AccessRole {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessRole::Viewer => "viewer",
            AccessRole::Responder => "responder",
            AccessRole::Commander => "commander",
            AccessRole::Admin => "admin",
        }
    }

    pub fn allows(self, needed: AccessRole) -> bool {
        self >= needed
    }
}

impl fmt::Display for AccessRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
