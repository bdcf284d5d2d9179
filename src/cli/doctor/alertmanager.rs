//! Alertmanager's part of the doctor: does it answer, and does a routed receiver send pages
//! to this backend (with the token it wants).

use super::backend::BackendSeen;
use super::{Finding, ok, problem, warn};
use crate::cli::probe;
use crate::cli::setup::snippet;
use crate::prometheus::AlertmanagerStatus;
use crate::sanitize::sanitize;

pub(super) fn alertmanager_findings(
    url: &str,
    answer: Result<AlertmanagerStatus, crate::prometheus::Error>,
    backend: Option<&BackendSeen>,
) -> Vec<Finding> {
    let status = match answer {
        Ok(status) => status,
        Err(error) => {
            return vec![problem(
                "alertmanager",
                format!("{url} does not answer: {}", sanitize(&error.to_string())),
                "correct [alertmanager] url (or --alertmanager, WARROOM_ALERTMANAGER)",
            )];
        }
    };
    let mut findings = vec![ok(
        "alertmanager",
        format!("{url} answers (Alertmanager {})", sanitize(&status.version)),
    )];
    let Some(backend) = backend else {
        return findings;
    };
    let wanted = probe::receiver_url(&backend.url);
    let fix = || {
        format!(
            "add this to alertmanager.yml and reload it (`warroom setup` prints it too):\n{}",
            snippet::alertmanager_yml(&backend.url, backend.token.as_deref(), Some(url))
        )
    };
    let routing = &status.routing;
    let posting: Vec<_> = routing
        .receivers
        .iter()
        .filter_map(|receiver| {
            receiver
                .webhooks
                .iter()
                .find(|hook| {
                    hook.url
                        .as_deref()
                        .is_some_and(|u| probe::same_endpoint(u, &wanted))
                })
                .map(|hook| (receiver, hook))
        })
        .collect();
    let routed = posting
        .iter()
        .find(|(receiver, _)| routing.is_routed(&receiver.name));
    findings.push(match (routed, posting.first()) {
        (Some((receiver, hook)), _) if backend.wants_token && !hook.sends_credentials => problem(
            "pages",
            format!(
                "receiver \"{}\" posts to {wanted} without a token, and the backend refuses \
                 requests without one",
                sanitize(&receiver.name)
            ),
            format!(
                "give its webhook an http_config: authorization: credentials (a responder \
                 token). {}",
                fix()
            ),
        ),
        (Some((receiver, _)), _) => ok(
            "pages",
            format!(
                "Alertmanager's receiver \"{}\" sends pages to {wanted}",
                sanitize(&receiver.name)
            ),
        ),
        (None, Some((receiver, _))) => problem(
            "pages",
            format!(
                "receiver \"{}\" posts to {wanted}, but no route sends alerts to it",
                sanitize(&receiver.name)
            ),
            format!(
                "add `receiver: {}` to a route (as the root's, or a child route with \
                 `continue: true`). {}",
                sanitize(&receiver.name),
                fix()
            ),
        ),
        (None, None) => {
            let hidden = routing
                .receivers
                .iter()
                .any(|r| r.webhooks.iter().any(|hook| hook.url.is_none()));
            let names: Vec<String> = routing
                .receivers
                .iter()
                .map(|r| sanitize(&r.name).to_string())
                .collect();
            if hidden {
                warn(
                    "pages",
                    format!(
                        "Alertmanager hides some webhook URLs, so whether one sends pages to \
                         {wanted} cannot be seen (receivers: {})",
                        names.join(", ")
                    ),
                    "check alertmanager.yml by hand",
                )
            } else {
                problem(
                    "pages",
                    format!(
                        "no receiver of Alertmanager sends pages to {wanted} (receivers: {})",
                        names.join(", ")
                    ),
                    fix(),
                )
            }
        }
    });
    findings
}
