//! The backend's notification settings, built from the config's `[[notify]]` and
//! `[notify_delivery]` tables.

use super::slack::SlackText;
use crate::config::{NotifyDelivery, NotifyTarget};
use crate::domain::{Event, EventKind, Incident, Severity, SeverityScale};
use crate::secret::Secret;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Signed JSON of the event and the incident's summary.
    Webhook,
    /// Incoming-webhook JSON (`{"text": ...}`), which Mattermost and Rocket.Chat also take.
    Slack,
}

#[derive(Debug, Clone)]
pub struct Target {
    /// The outbox's and the logs' name for it (never the URL, which may be a secret).
    /// Deliveries queued for a target later removed from the config are marked dead.
    pub name: String,
    pub kind: Kind,
    pub url: reqwest::Url,
    pub secret: Option<Secret>,
    /// `None`: every kind.
    pub events: Option<Vec<String>>,
    pub min_severity: Option<Severity>,
    /// Names on events -> handles on this target.
    pub people: BTreeMap<String, String>,
}

impl Target {
    pub fn wants(&self, event: &Event, incident: &Incident, scale: &SeverityScale) -> bool {
        let kind_ok = self.events.as_ref().is_none_or(|kinds| {
            let tag = event.kind.tag();
            kinds.iter().any(|kind| kind == tag)
        });
        let severity_ok = self
            .min_severity
            .as_ref()
            .is_none_or(|min| scale.rank(&incident.severity) <= scale.rank(min));
        kind_ok && severity_ok
    }

    /// A person as a message names them: their configured handle, live, or their name,
    /// escaped.
    pub fn mention(&self, person: &str) -> SlackText {
        match self.people.get(person) {
            Some(handle) => SlackText::handle(handle),
            None => SlackText::escaped(person),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NotifySettings {
    pub targets: Vec<Target>,
    /// A delivery failing for longer than this is marked dead.
    pub give_up_after: chrono::Duration,
    /// One attempt's limit.
    pub timeout: Duration,
    /// The longest wait between two attempts.
    pub max_retry: Duration,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            targets: Vec::new(),
            give_up_after: chrono::Duration::hours(24),
            timeout: Duration::from_secs(5),
            max_retry: Duration::from_secs(300),
        }
    }
}

impl NotifySettings {
    pub fn build(
        targets: &[NotifyTarget],
        delivery: &NotifyDelivery,
        scale: &SeverityScale,
    ) -> Result<NotifySettings, String> {
        let duration = |field: &str, text: &str| {
            crate::duration::parse_duration(text)
                .map_err(|e| format!("[notify_delivery] {field}: {e}"))
        };
        let give_up = duration("give_up_after", &delivery.give_up_after)?;
        let timeout = duration("timeout", &delivery.timeout)?;
        let max_retry = duration("max_retry_interval", &delivery.max_retry_interval)?;
        if timeout.is_zero() {
            return Err("[notify_delivery] timeout: must be above zero".into());
        }
        let mut built = Vec::new();
        for (index, target) in targets.iter().enumerate() {
            // The URL is never quoted: a Slack webhook's is its secret.
            let at = match &target.name {
                Some(name) => format!("[[notify]] {} ({name:?})", index + 1),
                None => format!("[[notify]] {}", index + 1),
            };
            let kind = match target.kind.as_str() {
                "webhook" => Kind::Webhook,
                "slack" => Kind::Slack,
                other => {
                    return Err(format!("{at}: kind '{other}' is not webhook or slack"));
                }
            };
            let url = reqwest::Url::parse(&target.url).map_err(|e| format!("{at}: url: {e}"))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(format!(
                    "{at}: url: the scheme '{}' is not http or https",
                    url.scheme()
                ));
            }
            if kind == Kind::Webhook && target.secret.as_ref().is_none_or(|s| s.expose().is_empty())
            {
                return Err(format!("{at}: a webhook needs a secret to sign with"));
            }
            if let Some(kinds) = &target.events
                && let Some(unknown) = kinds
                    .iter()
                    .find(|k| !EventKind::TAGS.contains(&k.as_str()))
            {
                return Err(format!(
                    "{at}: events: unknown kind '{unknown}' (known: {})",
                    EventKind::TAGS.join(", ")
                ));
            }
            let min_severity = target
                .min_severity
                .as_deref()
                .map(|s| {
                    scale
                        .parse(s)
                        .map_err(|e| format!("{at}: min_severity: {e}"))
                })
                .transpose()?;
            let name = match &target.name {
                Some(name) if !name.trim().is_empty() => name.trim().to_string(),
                _ => format!(
                    "{}@{}{}",
                    target.kind,
                    url.host_str().unwrap_or(""),
                    url.port().map(|p| format!(":{p}")).unwrap_or_default()
                ),
            };
            if built.iter().any(|t: &Target| t.name == name) {
                return Err(format!(
                    "{at}: another target is also named '{name}': give each a distinct name"
                ));
            }
            built.push(Target {
                name,
                kind,
                url,
                secret: target.secret.clone(),
                events: target.events.clone(),
                min_severity,
                people: target.people.clone(),
            });
        }
        Ok(NotifySettings {
            targets: built,
            give_up_after: chrono::Duration::from_std(give_up)
                .map_err(|_| "[notify_delivery] give_up_after: too long".to_string())?,
            timeout,
            max_retry,
        })
    }

    pub fn target(&self, name: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.name == name)
    }
}
