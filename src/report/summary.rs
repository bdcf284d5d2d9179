//! The incident summary to paste into a chat or an e-mail: status, severity, impact, roles,
//! open action items, the last public update and when the next updates are due. The same
//! text serves `warroom incident summary` and the TUI's copy key.

use crate::domain::{ActionState, Incident, Role, SeverityScale, Timestamp};
use std::fmt::Write;

/// Plain text, or Slack's mrkdwn (bold with asterisks, which Mattermost also reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryFormat {
    Text,
    Slack,
}

impl std::str::FromStr for SummaryFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(SummaryFormat::Text),
            "slack" => Ok(SummaryFormat::Slack),
            _ => Err(format!(
                "unknown summary format '{s}' (expected text or slack)"
            )),
        }
    }
}

/// [`summary`] made safe for a terminal or a clipboard: everything in it came from the
/// network, so it goes through the sanitizer one line at a time.
pub fn safe_summary(
    incident: &Incident,
    scale: &SeverityScale,
    now: Timestamp,
    format: SummaryFormat,
) -> String {
    crate::sanitize::sanitize_lines(&summary(incident, scale, now, format))
}

pub fn summary(
    incident: &Incident,
    scale: &SeverityScale,
    now: Timestamp,
    format: SummaryFormat,
) -> String {
    let bold = |text: &str| match format {
        SummaryFormat::Slack => format!("*{text}*"),
        SummaryFormat::Text => text.to_string(),
    };
    let time = |at: Timestamp| at.format("%H:%M UTC").to_string();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} [{}] {}: {}",
        bold(&incident.id.to_string()),
        incident.severity,
        incident.status.as_str().to_uppercase(),
        incident.title
    );
    let start = incident.impact_started_at.unwrap_or(incident.detected_at);
    let end = incident.resolved_at.unwrap_or(now);
    let _ = writeln!(
        out,
        "{} since {} ({} min){}",
        bold("Impact"),
        start.format("%Y-%m-%d %H:%M UTC"),
        (end - start).num_minutes().max(0),
        incident
            .service
            .as_deref()
            .map(|s| format!(" on {s}"))
            .unwrap_or_default()
    );
    let mut roles = Vec::new();
    for role in [Role::Commander, Role::Comms, Role::Product, Role::Scribe] {
        match incident.roles.holder(role) {
            Some(person) => roles.push(format!("{}: {person}", role.title())),
            None if role == Role::Commander => roles.push(format!("{}: VACANT", role.title())),
            None => {}
        }
    }
    for engineer in &incident.roles.engineers {
        match engineer.focus.as_str() {
            "" => roles.push(format!("Engineer: {}", engineer.person)),
            focus => roles.push(format!("Engineer: {} ({focus})", engineer.person)),
        }
    }
    let _ = writeln!(out, "{} {}", bold("Roles"), roles.join(", "));
    let open: Vec<_> = incident
        .actions
        .iter()
        .filter(|a| a.state == ActionState::Open)
        .collect();
    if open.is_empty() {
        let _ = writeln!(out, "{} none open", bold("Actions"));
    } else {
        let _ = writeln!(out, "{} {} open", bold("Actions"), open.len());
        for action in open {
            let owner = action
                .owner
                .as_deref()
                .map(|o| format!(" @{o}"))
                .unwrap_or_default();
            let due = action
                .due_at
                .map(|d| format!(" (due {})", time(d)))
                .unwrap_or_default();
            let _ = writeln!(out, "  - #{} {}{owner}{due}", action.id, action.text);
        }
    }
    match incident.last_public_update() {
        Some(post) => {
            let _ = writeln!(
                out,
                "{} {} at {}: {}",
                bold("Public"),
                post.update.state,
                time(post.at),
                post.update.message
            );
        }
        None => {
            let _ = writeln!(out, "{} nothing published yet", bold("Public"));
        }
    }
    let mut next = Vec::new();
    if let Some(due) = incident.update_due_at(scale) {
        next.push(format!("internal {}", time(due)));
    }
    if let Some(due) = incident.public_update_due_at() {
        next.push(format!("public {}", time(due)));
    }
    if !next.is_empty() {
        let _ = writeln!(out, "{} {}", bold("Next update"), next.join(", "));
    }
    out
}
