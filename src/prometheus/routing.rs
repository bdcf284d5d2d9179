//! Where an Alertmanager sends its pages, read from the configuration it runs (the
//! `config.original` of `/api/v2/status`): its receivers, their webhooks, and which receivers
//! a route uses at all.

use super::yaml::{self, Yaml};

/// The receivers of a running Alertmanager and the routes that use them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Routing {
    pub receivers: Vec<Receiver>,
    /// The receivers named by the route tree (the root and every child route).
    pub routed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receiver {
    pub name: String,
    pub webhooks: Vec<Webhook>,
}

/// One `webhook_configs` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Where it posts; `None` when Alertmanager hides it (`<secret>`, newer versions) or the
    /// URL is read from a file.
    pub url: Option<String>,
    /// Whether it sends an `Authorization` (a bearer token, or basic auth).
    pub sends_credentials: bool,
}

impl Routing {
    /// Reads the configuration text Alertmanager answers with.
    pub fn from_config(text: &str) -> Routing {
        let document = yaml::parse(text);
        let receivers = document
            .get("receivers")
            .map(Yaml::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|receiver| {
                let name = receiver.get("name")?.text()?.to_string();
                let webhooks = receiver
                    .get("webhook_configs")
                    .map(Yaml::items)
                    .unwrap_or_default()
                    .iter()
                    .map(webhook)
                    .collect();
                Some(Receiver { name, webhooks })
            })
            .collect();
        let mut routed = Vec::new();
        if let Some(route) = document.get("route") {
            route_receivers(route, &mut routed);
        }
        Routing { receivers, routed }
    }

    /// Whether some route sends alerts to the receiver called `name`.
    pub fn is_routed(&self, name: &str) -> bool {
        self.routed.iter().any(|routed| routed == name)
    }
}

fn webhook(config: &Yaml) -> Webhook {
    let url = config
        .get("url")
        .and_then(Yaml::text)
        .filter(|url| !url.is_empty() && *url != "<secret>")
        .map(str::to_string);
    let http = config.get("http_config");
    let has = |path: &[&str]| {
        let mut node = http;
        for key in path {
            node = node.and_then(|n| n.get(key));
        }
        node.is_some()
    };
    let sends_credentials = has(&["authorization", "credentials"])
        || has(&["authorization", "credentials_file"])
        || has(&["bearer_token"])
        || has(&["bearer_token_file"])
        || has(&["basic_auth"]);
    Webhook {
        url,
        sends_credentials,
    }
}

fn route_receivers(route: &Yaml, found: &mut Vec<String>) {
    if let Some(name) = route.get("receiver").and_then(Yaml::text)
        && !found.iter().any(|known| known == name)
    {
        found.push(name.to_string());
    }
    for child in route.get("routes").map(Yaml::items).unwrap_or_default() {
        route_receivers(child, found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receivers_webhooks_and_routes_are_read() {
        let text = "route:\n  receiver: blackhole\n  routes:\n  - receiver: warroom\n    routes:\n    \
                    - receiver: deep\nreceivers:\n- name: blackhole\n- name: warroom\n  \
                    webhook_configs:\n  - http_config:\n      authorization:\n        type: Bearer\n        \
                    credentials: <secret>\n    url: http://127.0.0.1:7700/v1/alertmanager\n  - url: <secret>\n\
                    - name: unused\n  webhook_configs:\n  - url: http://x/hook\n";
        let routing = Routing::from_config(text);
        assert_eq!(routing.routed, ["blackhole", "warroom", "deep"]);
        assert!(routing.is_routed("warroom") && !routing.is_routed("unused"));
        let warroom = &routing.receivers[1];
        assert_eq!(
            warroom.webhooks,
            [
                Webhook {
                    url: Some("http://127.0.0.1:7700/v1/alertmanager".into()),
                    sends_credentials: true
                },
                Webhook {
                    url: None,
                    sends_credentials: false
                }
            ]
        );
        assert!(routing.receivers[0].webhooks.is_empty());
        assert_eq!(Routing::from_config("not: [yaml"), Routing::default());
    }
}
