//! The metrics layer's settings: the panels, the alert-to-severity mapping and the impact
//! windows, checked from the config file's raw tables.

use super::{ImpactWindows, Panel, validate_panels};
use crate::config::{Config, ValueError, default_panels};
use crate::domain::{AlertSeverity, SeverityScale};

/// The checked metrics settings the TUI runs with.
#[derive(Debug, Clone)]
pub struct MetricsSettings {
    pub panels: Vec<Panel>,
    /// No `[[panels]]` of the user's (or exactly the defaults): when these draw nothing, the
    /// TUI detects panels that fit the Prometheus once, for the session.
    pub detect_if_empty: bool,
    pub alert_severity: AlertSeverity,
    pub impact: ImpactWindows,
}

impl MetricsSettings {
    /// Checks `[[panels]]`, `[alert_severity]` (against the backend's `scale`) and
    /// `[impact]`; errors name the panel and the field.
    pub fn from_config(config: &Config, scale: &SeverityScale) -> Result<Self, ValueError> {
        let panels = validate_panels(&config.panels)?;
        config.alert_severity.validate(scale).map_err(ValueError)?;
        let impact = ImpactWindows::from_config(&config.impact)?;
        Ok(MetricsSettings {
            panels,
            detect_if_empty: config.panels == default_panels(),
            alert_severity: config.alert_severity.clone(),
            impact,
        })
    }
}
