//! `[alert_routing]`: which open incident a new page joins instead of opening another.
//!
//! A page whose group has no incident of its own joins the newest open incident that matches
//! it on every label of `join_on` (by default the service): `service` is matched against the
//! incident's service, any other label against the labels of the alerts attached to it. A
//! page at `join_below` or more severe still opens an incident of its own (`join_below =
//! "P0"`: a P0 page always does), and so does a page without one of the labels. Pure.

use super::{Incident, Labels, MAX_NAME_CHARS, Severity, SeverityScale, clip};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRouting {
    /// The labels a page and an incident must share; joining is off when empty.
    pub join_on: Vec<String>,
    /// Pages at this severity or above open their own incident.
    pub join_below: Option<Severity>,
}

impl Default for AlertRouting {
    fn default() -> Self {
        AlertRouting {
            join_on: vec!["service".into()],
            join_below: None,
        }
    }
}

impl AlertRouting {
    /// The labels (with the page's values) a page of this severity joins on, or `None` when
    /// it opens its own incident. `labels` are the ones every alert of the group shares.
    pub fn join_key(
        &self,
        labels: &Labels,
        severity: &Severity,
        scale: &SeverityScale,
    ) -> Option<Labels> {
        if self.join_on.is_empty() {
            return None;
        }
        if let Some(below) = &self.join_below
            && scale.rank(severity) <= scale.rank(below)
        {
            return None;
        }
        self.labels_key(labels)
    }

    /// The page's values of the `join_on` labels, whatever its severity (endings open
    /// nothing, so `join_below` does not apply to them), or `None` if one is missing.
    pub fn labels_key(&self, labels: &Labels) -> Option<Labels> {
        if self.join_on.is_empty() {
            return None;
        }
        self.join_on
            .iter()
            .map(|name| {
                let value = labels
                    .get(name)
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty())?;
                Some((name.clone(), value.to_string()))
            })
            .collect()
    }

    /// Whether an incident matches a page's join key.
    pub fn matches(key: &Labels, incident: &Incident) -> bool {
        key.iter().all(|(name, value)| {
            if name == "service" {
                incident.service.as_deref() == Some(clip(value, MAX_NAME_CHARS).as_str())
            } else {
                incident
                    .alerts
                    .iter()
                    .any(|a| a.alert.labels.get(name) == Some(value))
            }
        })
    }
}
