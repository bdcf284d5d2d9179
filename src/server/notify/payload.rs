//! The bodies of notifications: for a `webhook`, the event and the incident's summary as JSON;
//! for `slack`, one line of text in the incoming-webhook shape, led by an escalation step's
//! mention; for a pager, its vendor's event (see [`super::pager`]). All are for responders,
//! so they may name people (and map them to handles); they never go on the public page.

use super::pager;
use super::slack::{SlackText, slack};
use super::{Kind, Target, opsgenie, pagerduty};
use crate::domain::{Event, EventKind, Incident, SeverityScale};
use serde_json::json;

/// The body to queue for `target`, or `None` when the event means nothing to it (a pager
/// hears only of the incident's lifecycle).
pub fn body(
    target: &Target,
    delivery: &str,
    event: &Event,
    incident: &Incident,
    scale: &SeverityScale,
) -> Option<String> {
    Some(match target.kind {
        Kind::Webhook => json!({
            "delivery": delivery,
            "event": event,
            "incident": {
                "id": incident.id,
                "title": incident.title,
                "severity": incident.severity,
                "status": incident.status,
                "service": incident.service,
                "commander": incident.roles.commander,
                "comms": incident.roles.comms,
                "declared_at": incident.declared_at,
                "version": incident.version,
            },
        })
        .to_string(),
        Kind::Slack => json!({ "text": slack_text(target, event, incident).as_str() }).to_string(),
        Kind::PagerDuty => {
            pagerduty::body(target, pager::action(&event.kind)?, event, incident, scale)
        }
        Kind::Opsgenie => {
            opsgenie::body(target, pager::action(&event.kind)?, event, incident, scale)
        }
    })
}

/// `[P1] INC-3 Checkout errors: investigating → identified (carol)`; an assignment mentions
/// the person's handle so that they are notified. Everything but the configured handles is
/// escaped: a title, a note or an alert's annotation cannot ping a channel or disguise a link.
fn slack_text(target: &Target, event: &Event, incident: &Incident) -> SlackText {
    let what = match &event.kind {
        EventKind::RoleAssigned {
            role, person: who, ..
        } => {
            slack![
                target.mention(who),
                SlackText::ours(" is now "),
                SlackText::escaped(role.as_str())
            ]
        }
        EventKind::CommandTransferred { to, .. } => {
            slack![target.mention(to), SlackText::ours(" now commands")]
        }
        kind => SlackText::escaped(&kind.describe()),
    };
    // An escalation step's mention comes from the config and stays live, so that `<!here>`
    // or `<@U123>` notifies people.
    let mention = match &event.kind {
        EventKind::Escalated {
            mention: Some(mention),
            ..
        } => slack![SlackText::handle(mention), SlackText::ours(" ")],
        _ => SlackText::default(),
    };
    slack![
        mention,
        SlackText::escaped(&format!(
            "[{}] {} {}: ",
            incident.severity, incident.id, incident.title
        )),
        what,
        SlackText::ours(" ("),
        SlackText::escaped(&event.actor),
        SlackText::ours(")"),
    ]
}
