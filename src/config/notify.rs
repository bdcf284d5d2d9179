//! `[[notify]]`: where notifications of timeline events go, and `[notify_delivery]`: how hard
//! the backend tries.

use crate::secret::Secret;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One target of outbound notifications.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyTarget {
    /// How logs and `warroom notify log` name it (the URL may be a secret, as Slack's are).
    /// Defaults to the kind and the host, such as `webhook@127.0.0.1:9999`.
    #[serde(default)]
    pub name: Option<String>,
    /// `webhook` (signed JSON), `slack` (incoming-webhook JSON; Mattermost and Rocket.Chat
    /// take the same), `pagerduty` (Events API v2) or `opsgenie` (Alert API).
    pub kind: String,
    /// Required for `webhook` and `slack`; a pager's defaults to its vendor's endpoint.
    #[serde(default)]
    pub url: Option<String>,
    /// The HMAC-SHA256 key of a `webhook` target.
    #[serde(default)]
    pub secret: Option<Secret>,
    /// A `pagerduty` target's integration key (Events API v2).
    #[serde(default)]
    pub routing_key: Option<Secret>,
    /// An `opsgenie` target's API key (sent as `Authorization: GenieKey ...`).
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// A pager's name for this backend: the alert's source, and part of its stable
    /// `dedup_key` / alias, so that two backends paging one service do not collide.
    #[serde(default)]
    pub source: Option<String>,
    /// Only these event kinds (`declared`, `status_changed`, `public_update`, ...); all when
    /// absent.
    #[serde(default)]
    pub events: Option<Vec<String>>,
    /// Only incidents at this severity or above.
    #[serde(default)]
    pub min_severity: Option<String>,
    /// People's names on events -> their handles on this target (`alice = "@alice"`).
    #[serde(default)]
    pub people: BTreeMap<String, String>,
}

/// `[notify_delivery]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyDelivery {
    /// A delivery still failing after this long is given up and marked dead ("24h").
    pub give_up_after: String,
    /// How long one attempt may take ("5s").
    pub timeout: String,
    /// The longest wait between two attempts; the waits double up to it ("5m").
    pub max_retry_interval: String,
}

impl Default for NotifyDelivery {
    fn default() -> Self {
        NotifyDelivery {
            give_up_after: "24h".into(),
            timeout: "5s".into(),
            max_retry_interval: "5m".into(),
        }
    }
}
