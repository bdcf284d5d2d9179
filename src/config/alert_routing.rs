//! `[alert_routing]`: which open incident a page joins instead of opening another.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertRoutingSection {
    /// The labels a page and an open incident must share for the page to join it (`service`
    /// is matched against the incident's service); `[]` turns joining off.
    pub join_on: Vec<String>,
    /// Pages at this severity or more severe open their own incident ("P0").
    pub join_below: Option<String>,
}

impl Default for AlertRoutingSection {
    fn default() -> Self {
        AlertRoutingSection {
            join_on: vec!["service".into()],
            join_below: None,
        }
    }
}
