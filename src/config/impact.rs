//! `[impact]` as written: the windows used to propose the impact start and to confirm a
//! resolve. The panel layer checks them into `crate::panels::ImpactWindows`.

use serde::Deserialize;

/// `[impact]`: the windows used to propose the impact start and to confirm a resolve.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpactConfig {
    /// How far back from now to look for the start of the breach.
    #[serde(default = "default_lookback")]
    pub lookback: String,
    /// How long the main panel must have stayed under its threshold before resolving.
    #[serde(default = "default_resolve_quiet")]
    pub resolve_quiet: String,
    /// The step of the evidence queries (impact start, resolve verdict, snapshots, the value
    /// beside a chart): the scrape interval, whatever the chart's width.
    #[serde(default = "default_evidence_step")]
    pub evidence_step: String,
}

fn default_evidence_step() -> String {
    "15s".into()
}

fn default_lookback() -> String {
    "6h".into()
}

fn default_resolve_quiet() -> String {
    "10m".into()
}

impl Default for ImpactConfig {
    fn default() -> Self {
        ImpactConfig {
            lookback: default_lookback(),
            resolve_quiet: default_resolve_quiet(),
            evidence_step: default_evidence_step(),
        }
    }
}
