//! The response roles and the roster that holds them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A response role. Wire names: `commander`, `engineer`, `product`, `comms`, `scribe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Incident Commander: exactly one, may be vacant.
    Commander,
    /// Engineers: many, each with a focus.
    Engineer,
    /// Product Manager: business impact.
    Product,
    /// Communications Lead: status page and stakeholders.
    Comms,
    Scribe,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Commander,
        Role::Engineer,
        Role::Product,
        Role::Comms,
        Role::Scribe,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Commander => "commander",
            Role::Engineer => "engineer",
            Role::Product => "product",
            Role::Comms => "comms",
            Role::Scribe => "scribe",
        }
    }

    /// The name a war room uses out loud.
    pub fn title(self) -> &'static str {
        match self {
            Role::Commander => "Incident Commander",
            Role::Engineer => "Engineers",
            Role::Product => "Product Manager",
            Role::Comms => "Communications Lead",
            Role::Scribe => "Scribe",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        let alias = match wanted.as_str() {
            "ic" => "commander",
            "eng" => "engineer",
            "pm" => "product",
            other => other,
        };
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == alias)
            .ok_or_else(|| {
                format!("unknown role '{s}' (expected one of: commander, engineer, product, comms, scribe)")
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engineer {
    pub person: String,
    /// What this engineer is looking at ("database", "load balancer"); may be empty.
    #[serde(default)]
    pub focus: String,
}

/// Who holds which role right now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub commander: Option<String>,
    pub engineers: Vec<Engineer>,
    pub product: Option<String>,
    pub comms: Option<String>,
    pub scribe: Option<String>,
}

impl Roster {
    /// The holder of a single-person role (`None` for engineers, who are many).
    pub fn holder(&self, role: Role) -> Option<&str> {
        self.single_slot(role)
            .and_then(|slot| slot.as_ref())
            .map(String::as_str)
    }

    fn single_slot(&self, role: Role) -> Option<&Option<String>> {
        match role {
            Role::Commander => Some(&self.commander),
            Role::Product => Some(&self.product),
            Role::Comms => Some(&self.comms),
            Role::Scribe => Some(&self.scribe),
            Role::Engineer => None,
        }
    }

    pub(crate) fn assign(&mut self, role: Role, person: &str, focus: Option<&str>) {
        let person = person.to_string();
        match role {
            Role::Commander => self.commander = Some(person),
            Role::Product => self.product = Some(person),
            Role::Comms => self.comms = Some(person),
            Role::Scribe => self.scribe = Some(person),
            Role::Engineer => {
                let focus = focus.unwrap_or_default().to_string();
                match self.engineers.iter_mut().find(|e| e.person == person) {
                    Some(engineer) => engineer.focus = focus,
                    None => self.engineers.push(Engineer { person, focus }),
                }
            }
        }
    }

    pub(crate) fn relieve(&mut self, role: Role, person: &str) {
        match role {
            Role::Commander => self.commander = None,
            Role::Product => self.product = None,
            Role::Comms => self.comms = None,
            Role::Scribe => self.scribe = None,
            Role::Engineer => self.engineers.retain(|e| e.person != person),
        }
    }

    /// The single-person roles nobody holds, in roster order.
    pub fn vacant(&self) -> Vec<Role> {
        Role::ALL
            .into_iter()
            .filter(|&role| match role {
                Role::Engineer => self.engineers.is_empty(),
                single => self.holder(single).is_none(),
            })
            .collect()
    }
}
