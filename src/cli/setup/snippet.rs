//! The Alertmanager configuration that sends pages to this backend: printed by `warroom
//! setup` for people to paste (or, on a new Alertmanager, to use as the whole file) and
//! quoted by `warroom doctor` when no receiver sends to the backend.

use crate::cli::probe::receiver_url;

/// The receiver's name in the snippet.
pub const RECEIVER: &str = "warroom";

/// `alertmanager.yml` text: a route and a receiver posting to `backend`'s
/// `/v1/alertmanager`, with `token` as the bearer token when the backend wants one.
/// `alertmanager` (its URL, if known) fills in the reload command.
pub fn alertmanager_yml(backend: &str, token: Option<&str>, alertmanager: Option<&str>) -> String {
    let reload = alertmanager.map_or_else(
        || "POST to its /-/reload".to_string(),
        |url| format!("curl -X POST {}/-/reload", url.trim_end_matches('/')),
    );
    // JSON strings are YAML double-quoted strings: nothing in a URL or a token can break out.
    let quoted = |text: &str| serde_json::to_string(text).unwrap_or_default();
    let mut yml = format!(
        "# Alertmanager: send pages to warroom, where each group opens (or joins) an incident.\n\
         # On a new Alertmanager this is the whole alertmanager.yml. On one with a route already,\n\
         # add the receiver to `receivers:`, and under your `route:` add as its first child route\n\
         #   routes:\n\
         #     - receiver: {RECEIVER}\n\
         #       continue: true\n\
         # so your other receivers still get every alert. Then reload: {reload}\n\
         route:\n  \
           receiver: {RECEIVER}\n  \
           group_by: [alertname, service]\n  \
           group_wait: 10s\n  \
           group_interval: 1m\n  \
           repeat_interval: 4h\n\
         receivers:\n  \
           - name: {RECEIVER}\n    \
             webhook_configs:\n      \
               - url: {}\n        \
                 send_resolved: true   # so that ends are recorded\n        \
                 max_alerts: 0         # all of them\n",
        quoted(&receiver_url(backend)),
    );
    if let Some(token) = token {
        yml.push_str(&format!(
            "        http_config:\n          \
               authorization:\n            \
                 type: Bearer\n            \
                 # Better: a responder token of its own, in a file (credentials_file: PATH).\n            \
                 credentials: {}\n",
            quoted(token)
        ));
    }
    yml
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prometheus::routing::Routing;

    #[test]
    fn the_snippet_reads_back_as_a_routed_receiver_of_the_backend() {
        let yml = alertmanager_yml(
            "http://127.0.0.1:7700/",
            Some("t0k\"en"),
            Some("http://127.0.0.1:9093"),
        );
        assert!(
            yml.contains("curl -X POST http://127.0.0.1:9093/-/reload"),
            "{yml}"
        );
        let routing = Routing::from_config(&yml);
        assert!(routing.is_routed(RECEIVER), "{yml}");
        let hook = &routing.receivers[0].webhooks[0];
        assert_eq!(
            hook.url.as_deref(),
            Some("http://127.0.0.1:7700/v1/alertmanager")
        );
        assert!(hook.sends_credentials);
        assert!(yml.contains(r#"credentials: "t0k\"en""#), "{yml}");

        let open = alertmanager_yml("http://b:7700", None, None);
        assert!(!open.contains("authorization"), "{open}");
        assert!(!Routing::from_config(&open).receivers[0].webhooks[0].sends_credentials);
    }
}
