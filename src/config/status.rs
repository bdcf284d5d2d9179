//! `[status]`: what the public status page shows.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatusSection {
    /// The page's heading.
    pub title: String,
    /// The components the page lists, in this order. Empty: the components that public
    /// updates name.
    pub components: Vec<String>,
    /// The page's public address, for the feed's and Statuspage's links.
    pub url: Option<String>,
}

impl Default for StatusSection {
    fn default() -> Self {
        StatusSection {
            title: "Status".into(),
            components: Vec::new(),
            url: None,
        }
    }
}
