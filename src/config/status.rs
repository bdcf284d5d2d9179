//! `[status]`: what the public status page shows: its components (with `[status.component.NAME]`
//! for how each is shown) and its scheduled maintenance windows (`[[status.maintenance]]`).

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatusSection {
    /// The page's heading.
    pub title: String,
    /// The components the page lists, in this order. Empty: the components that public
    /// updates name.
    pub components: Vec<String>,
    /// How a listed component is shown, by its name.
    pub component: BTreeMap<String, ComponentSection>,
    /// The page's public address, for the feed's and Statuspage's links.
    pub url: Option<String>,
    /// Planned work, shown as upcoming, in progress and completed by the clock.
    pub maintenance: Vec<MaintenanceSection>,
}

/// `[status.component.api]`: Statuspage's fields of a component.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComponentSection {
    /// What the page calls it; the name by default (updates and the API use the name).
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// Listed under this heading with the other components of the group.
    pub group: Option<String>,
    /// Shown only while it is not operational.
    pub only_show_if_degraded: bool,
}

/// `[[status.maintenance]]`: a window of planned work.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceSection {
    pub name: String,
    /// RFC 3339.
    pub starts_at: String,
    /// RFC 3339, after `starts_at`.
    pub ends_at: String,
    /// The components under maintenance during the window (listed ones only).
    #[serde(default)]
    pub components: Vec<String>,
    /// What customers read about it.
    #[serde(default)]
    pub message: String,
}

impl Default for StatusSection {
    fn default() -> Self {
        StatusSection {
            title: "Status".into(),
            components: Vec::new(),
            component: BTreeMap::new(),
            url: None,
            maintenance: Vec::new(),
        }
    }
}
