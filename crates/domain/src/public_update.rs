//! Public updates: what customers read on the status page, in the words status pages use.
//! Kept apart from internal notes on purpose: nothing here names a person or quotes a
//! metric, and only the commander or the Communications Lead may publish.

use super::{Incident, MAX_NAME_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS, Rejection, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The most components one update may name: a status page lists a handful, not hundreds.
pub const MAX_COMPONENTS: usize = 64;

/// The incident's state as the public reads it (Statuspage's words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicState {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl PublicState {
    pub const ALL: [PublicState; 4] = [
        PublicState::Investigating,
        PublicState::Identified,
        PublicState::Monitoring,
        PublicState::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PublicState::Investigating => "investigating",
            PublicState::Identified => "identified",
            PublicState::Monitoring => "monitoring",
            PublicState::Resolved => "resolved",
        }
    }

    /// "Investigating", for headings.
    pub fn title(self) -> &'static str {
        match self {
            PublicState::Investigating => "Investigating",
            PublicState::Identified => "Identified",
            PublicState::Monitoring => "Monitoring",
            PublicState::Resolved => "Resolved",
        }
    }
}

impl fmt::Display for PublicState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for PublicState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        PublicState::ALL
            .into_iter()
            .find(|state| state.as_str() == wanted)
            .ok_or_else(|| {
                format!(
                    "unknown public state '{s}' (expected investigating, identified, monitoring or resolved)"
                )
            })
    }
}

/// A component's status, least to most severe (the order `Ord` follows, so the worst of
/// several reports is their `max`). Maintenance ranks below any outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

impl ComponentStatus {
    pub const ALL: [ComponentStatus; 5] = [
        ComponentStatus::Operational,
        ComponentStatus::UnderMaintenance,
        ComponentStatus::DegradedPerformance,
        ComponentStatus::PartialOutage,
        ComponentStatus::MajorOutage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "operational",
            ComponentStatus::UnderMaintenance => "under_maintenance",
            ComponentStatus::DegradedPerformance => "degraded_performance",
            ComponentStatus::PartialOutage => "partial_outage",
            ComponentStatus::MajorOutage => "major_outage",
        }
    }

    /// "Partial Outage", for people.
    pub fn title(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "Operational",
            ComponentStatus::UnderMaintenance => "Under Maintenance",
            ComponentStatus::DegradedPerformance => "Degraded Performance",
            ComponentStatus::PartialOutage => "Partial Outage",
            ComponentStatus::MajorOutage => "Major Outage",
        }
    }
}

impl fmt::Display for ComponentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for ComponentStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        ComponentStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == wanted)
            .ok_or_else(|| {
                format!(
                    "unknown component status '{s}' (expected operational, degraded_performance, partial_outage, major_outage or under_maintenance)"
                )
            })
    }
}

/// One public update. Wire form (inside the command and the event):
/// `{"state":"identified","message":"..","components":{"api":"partial_outage"},"next_update_at":"<RFC 3339>"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicUpdate {
    pub state: PublicState,
    pub message: String,
    #[serde(default)]
    pub components: BTreeMap<String, ComponentStatus>,
    /// When the next public update is promised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_update_at: Option<Timestamp>,
    /// The incident's public name; the internal title never reaches the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The incident's id on the public page: an opaque slug the backend gives every update
    /// (whatever a client sent); the first update's stays the incident's for good, so the
    /// page never shows `INC-n`, which would tell the world how many incidents there were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_id: Option<String>,
}

/// A public id's characters: lowercase ASCII letters and digits, 8 to 32 of them.
pub fn valid_public_id(id: &str) -> bool {
    (8..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// A published update and when it was published, as the incident keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicPost {
    pub seq: u64,
    pub at: Timestamp,
    #[serde(flatten)]
    pub update: PublicUpdate,
}

/// Only the incident's commander or its Communications Lead speaks to the public.
pub fn check_publisher(incident: &Incident, actor: &str) -> Result<(), Rejection> {
    let roles = &incident.roles;
    if roles.commander.as_deref() == Some(actor) || roles.comms.as_deref() == Some(actor) {
        return Ok(());
    }
    Err(Rejection::new(
        "not_publisher",
        format!(
            "only the Incident Commander or the Communications Lead of {} publishes public updates; {actor} is neither",
            incident.id
        ),
    ))
}

/// Checks an update's fields and returns it trimmed.
pub(super) fn checked(update: PublicUpdate, now: Timestamp) -> Result<PublicUpdate, Rejection> {
    let message = super::command::required_text("message", &update.message, MAX_TEXT_CHARS)?;
    if update.components.len() > MAX_COMPONENTS {
        return Err(Rejection::new(
            "invalid_input",
            format!("an update names at most {MAX_COMPONENTS} components"),
        ));
    }
    let mut components = BTreeMap::new();
    for (name, status) in update.components {
        let name = super::command::required_text("component name", &name, MAX_NAME_CHARS)?;
        components.insert(name, status);
    }
    if update.next_update_at.is_some_and(|next| next <= now) {
        return Err(Rejection::new(
            "invalid_time",
            "the next public update cannot be promised for the past",
        ));
    }
    Ok(PublicUpdate {
        state: update.state,
        message,
        components,
        next_update_at: update.next_update_at,
        title: super::command::optional_text("title", update.title.as_deref(), MAX_TITLE_CHARS)?,
        public_id: match update.public_id {
            Some(id) if !valid_public_id(&id) => {
                return Err(Rejection::new(
                    "invalid_input",
                    "a public id is 8 to 32 lowercase letters and digits",
                ));
            }
            id => id,
        },
    })
}

impl Incident {
    /// The public name: the newest title an update gave, or the id.
    pub fn public_title(&self) -> String {
        self.public_updates
            .iter()
            .rev()
            .find_map(|post| post.update.title.clone())
            .unwrap_or_else(|| format!("Incident {}", self.id))
    }

    /// The incident's id on the public page: the one its first public update was given.
    pub fn public_id(&self) -> Option<&str> {
        self.public_updates
            .iter()
            .find_map(|post| post.update.public_id.as_deref())
    }

    /// The newest public update, if any was published.
    pub fn last_public_update(&self) -> Option<&PublicPost> {
        self.public_updates.last()
    }

    /// When the next public update was promised, while one is owed: the incident is open and
    /// its last public state is not `resolved`.
    pub fn public_update_due_at(&self) -> Option<Timestamp> {
        let last = self.last_public_update()?;
        if !self.status.is_open() || last.update.state == PublicState::Resolved {
            return None;
        }
        last.update.next_update_at
    }

    /// Whether the public still sees it as unresolved: its last public state is not
    /// `resolved` and the response is still open.
    pub fn publicly_unresolved(&self) -> bool {
        self.last_public_update()
            .is_some_and(|last| last.update.state != PublicState::Resolved)
            && self.status.is_open()
    }

    /// When the public was told it is over: the `resolved` update, or the internal end.
    pub fn publicly_resolved_at(&self) -> Option<Timestamp> {
        let last = self.last_public_update()?;
        if last.update.state == PublicState::Resolved {
            return Some(last.at);
        }
        if self.status.is_open() {
            return None;
        }
        self.resolved_at.or(self.closed_at).or(Some(last.at))
    }
}
