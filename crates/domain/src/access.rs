//! Who may do what. The backend enforces it; clients use it to grey out keys.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The header an open-mode client names its person with (the backend has no tokens file).
/// Part of the access contract, so the client that sends it and the server that reads it
/// share one spelling.
pub const ACTOR_HEADER: &str = "x-warroom-actor";

/// The header a gateway token names the person it acts for with (`warroom ssh-serve`, for the
/// owner of an SSH key). Any other token that sends it is refused.
pub const ON_BEHALF_HEADER: &str = "x-warroom-on-behalf-of";

/// The role a gateway asks for on the person's behalf; the backend caps it at the gateway's
/// ceiling.
pub const ROLE_HEADER: &str = "x-warroom-role";

/// How the events of a person acting through a gateway are marked.
pub const VIA_SSH: &str = "ssh";

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

    /// This role, lowered to `ceiling` if it is above it.
    pub fn capped(self, ceiling: AccessRole) -> AccessRole {
        self.min(ceiling)
    }
}

impl std::str::FromStr for AccessRole {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "viewer" => Ok(AccessRole::Viewer),
            "responder" => Ok(AccessRole::Responder),
            "commander" => Ok(AccessRole::Commander),
            "admin" => Ok(AccessRole::Admin),
            other => Err(format!(
                "unknown role '{other}' (expected viewer, responder, commander or admin)"
            )),
        }
    }
}

impl fmt::Display for AccessRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
