//! `[escalation]`: when the backend's clock records a lapse.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EscalationSection {
    /// How long a severe incident may go without a commander ("5m").
    pub commander_grace: String,
    /// This severity and the more severe ones need a commander.
    pub commander_needed_from: String,
    /// How often the clock looks ("15s").
    pub check_every: String,
}

impl Default for EscalationSection {
    fn default() -> Self {
        EscalationSection {
            commander_grace: "5m".into(),
            commander_needed_from: "P1".into(),
            check_every: "15s".into(),
        }
    }
}
