//! `[escalation]`: when the backend's clock records a lapse, what an acknowledgement means,
//! and the escalation policies (`[[escalation.policy]]`).

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
    /// Acknowledging a page whose commander seat is vacant makes the acknowledger commander.
    pub ack_takes_command: bool,
    /// Whom to call, and when, while a page is unacknowledged or the seat vacant.
    pub policy: Vec<PolicySection>,
}

impl Default for EscalationSection {
    fn default() -> Self {
        EscalationSection {
            commander_grace: "5m".into(),
            commander_needed_from: "P1".into(),
            check_every: "15s".into(),
            ack_takes_command: true,
            policy: Vec::new(),
        }
    }
}

/// `[[escalation.policy]]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySection {
    /// The severities it covers; all when absent.
    #[serde(default)]
    pub severities: Vec<String>,
    /// Run the steps again this many times.
    #[serde(default)]
    pub repeat: u32,
    pub step: Vec<StepSection>,
}

/// `[[escalation.policy.step]]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSection {
    /// Since the page was triggered or the seat fell vacant ("2m").
    pub after: String,
    /// Names of `[[notify]]` targets.
    pub notify: Vec<String>,
    /// Sent as it is at the head of the notification (`<!here>`).
    #[serde(default)]
    pub mention: Option<String>,
}
