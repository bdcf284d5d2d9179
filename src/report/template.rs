//! The default text of a public update, in the shape public API status posts use:
//!
//! ```text
//! 🚨 API Incident: Partial Outage
//! We're experiencing elevated error rates on our payment API. Our team is actively investigating.
//! 🔍 Root Cause: Database connection pool exhaustion
//! ✅ Next Update: 15:00 UTC
//! ```
//!
//! with an ASCII variant for terminals without Unicode. The composer fills the parts from the
//! incident, people edit them, and [`compose`] joins them into the message that is published.

use crate::domain::{
    ComponentStatus, Event, EventKind, Incident, NoteKind, PublicState, Timestamp,
};

/// The editable parts of a public update's message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageParts {
    pub headline: String,
    pub body: String,
    /// Empty when unknown.
    pub root_cause: String,
    /// `HH:MM UTC`, empty for no promise.
    pub next_update: String,
}

/// The parts as the template gives them for `state`, from what the incident knows.
pub fn default_parts(
    incident: &Incident,
    events: &[Event],
    state: PublicState,
    worst: Option<ComponentStatus>,
    next_update: Option<Timestamp>,
) -> MessageParts {
    let subject = incident
        .service
        .as_deref()
        .map(|s| format!("{} Incident", capitalised(s)))
        .unwrap_or_else(|| "Service Incident".into());
    let headline = match (state, worst) {
        (PublicState::Resolved, _) => format!("{subject}: Resolved"),
        (_, Some(status)) if status != ComponentStatus::Operational => {
            format!("{subject}: {}", status.title())
        }
        _ => format!("{subject}: {}", state.title()),
    };
    let impact = incident
        .service
        .as_deref()
        .map(|s| format!("elevated error rates on our {s} service"))
        .unwrap_or_else(|| "degraded service".into());
    let body = match state {
        PublicState::Investigating => {
            format!("We're experiencing {impact}. Our team is actively investigating.")
        }
        PublicState::Identified => {
            format!("We've identified the cause of {impact} and are working on a fix.")
        }
        PublicState::Monitoring => {
            "A fix has been applied and we're monitoring the results.".to_string()
        }
        PublicState::Resolved => {
            "This incident has been resolved. Thank you for your patience.".to_string()
        }
    };
    MessageParts {
        headline,
        body,
        root_cause: root_cause(events).unwrap_or_default(),
        next_update: match state {
            PublicState::Resolved => String::new(),
            _ => next_update
                .map(|at| at.format("%H:%M UTC").to_string())
                .unwrap_or_default(),
        },
    }
}

/// The message as published: one part a line, the optional ones left out when empty.
pub fn compose(parts: &MessageParts, ascii: bool) -> String {
    let (alarm, cause, next) = if ascii {
        ("[!]", "[?]", "[>]")
    } else {
        ("🚨", "🔍", "✅")
    };
    let mut lines = vec![
        format!("{alarm} {}", parts.headline.trim()),
        parts.body.trim().to_string(),
    ];
    if !parts.root_cause.trim().is_empty() {
        lines.push(format!("{cause} Root Cause: {}", parts.root_cause.trim()));
    }
    if !parts.next_update.trim().is_empty() {
        lines.push(format!("{next} Next Update: {}", parts.next_update.trim()));
    }
    lines.retain(|line| !line.is_empty());
    lines.join("\n")
}

/// The root cause, when a decision names it: the newest decision that says "root cause",
/// from after those words.
fn root_cause(events: &[Event]) -> Option<String> {
    events.iter().rev().find_map(|event| match &event.kind {
        EventKind::NoteAdded {
            kind: NoteKind::Decision,
            text,
        } => {
            // ASCII lower-casing keeps byte offsets, so `at` indexes `text` too.
            let at = text.to_ascii_lowercase().find("root cause")?;
            let rest = text[at + "root cause".len()..]
                .trim_start_matches([':', ' ', '-', '—'])
                .trim();
            Some(rest.to_string()).filter(|r| !r.is_empty())
        }
        _ => None,
    })
}

fn capitalised(text: &str) -> String {
    if text.len() <= 3 {
        return text.to_uppercase();
    }
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
