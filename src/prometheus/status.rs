//! What Prometheus and Alertmanager say about themselves: their version, Prometheus' alerting
//! rules and the Alertmanagers it sends to, and Alertmanager's configuration. `warroom setup`
//! and `warroom doctor` read these to check a setup.

use super::routing::Routing;
use serde::Deserialize;

/// `data` of Prometheus' `/api/v1/status/buildinfo`.
#[derive(Debug, Deserialize)]
pub(super) struct BuildInfo {
    pub version: String,
}

/// One alerting rule Prometheus evaluates.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AlertingRule {
    pub name: String,
    /// The PromQL, as Prometheus prints it back.
    pub query: String,
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
}

/// `data` of `/api/v1/rules?type=alert`.
#[derive(Debug, Deserialize)]
pub(super) struct RuleGroups {
    groups: Vec<RuleGroup>,
}

#[derive(Debug, Deserialize)]
struct RuleGroup {
    #[serde(default)]
    rules: Vec<AlertingRule>,
}

impl RuleGroups {
    pub(super) fn into_rules(self) -> Vec<AlertingRule> {
        self.groups.into_iter().flat_map(|g| g.rules).collect()
    }
}

/// `data` of `/api/v1/alertmanagers`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Alertmanagers {
    #[serde(default)]
    active_alertmanagers: Vec<Target>,
}

#[derive(Debug, Deserialize)]
struct Target {
    url: String,
}

impl Alertmanagers {
    pub(super) fn into_urls(self) -> Vec<String> {
        self.active_alertmanagers
            .into_iter()
            .map(|t| t.url)
            .collect()
    }
}

/// Alertmanager's `/api/v2/status`, as read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawAlertmanagerStatus {
    version_info: VersionInfo,
    config: RawConfig,
}

#[derive(Debug, Deserialize)]
struct VersionInfo {
    version: String,
}

#[derive(Debug, Deserialize)]
struct RawConfig {
    original: String,
}

/// A running Alertmanager: its version and where it sends pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertmanagerStatus {
    pub version: String,
    pub routing: Routing,
}

impl RawAlertmanagerStatus {
    pub(super) fn read(self) -> AlertmanagerStatus {
        AlertmanagerStatus {
            version: self.version_info.version,
            routing: Routing::from_config(&self.config.original),
        }
    }
}
