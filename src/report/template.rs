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
//! incident, people edit them, and [`Templates::compose`] joins them into the message that is
//! published.
//!
//! Both the message's shape and the body for each state are [`Templates`], which the config's
//! `[tui.templates]` may replace: placeholders in braces (`{headline}`, `{impact}`), checked
//! when the client starts so that a typo is refused with its field, not published.

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

/// The message's shape, Unicode and ASCII, and the body of each state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates {
    message: Template,
    message_ascii: Template,
    /// The message of a `resolved` update: ✅, not 🚨, and no promise of a next update.
    message_resolved: Template,
    message_resolved_ascii: Template,
    investigating: Template,
    identified: Template,
    monitoring: Template,
    resolved: Template,
}

/// The message's placeholders: the composer's fields.
const MESSAGE_PLACEHOLDERS: &[&str] = &["headline", "body", "root_cause", "next_update"];
/// A body's placeholders: what the incident says about the impact.
const BODY_PLACEHOLDERS: &[&str] = &["impact", "service"];

impl Default for Templates {
    fn default() -> Self {
        #[expect(
            clippy::expect_used,
            reason = "the default templates are valid (tested)"
        )]
        let checked = |field: &str, text: &str| {
            Templates::check(field, text).expect("the default templates are valid")
        };
        Templates {
            message: checked(
                "message",
                "🚨 {headline}\n{body}\n🔍 Root Cause: {root_cause}\n✅ Next Update: {next_update}",
            ),
            message_ascii: checked(
                "message_ascii",
                "[!] {headline}\n{body}\n[?] Root Cause: {root_cause}\n[>] Next Update: {next_update}",
            ),
            message_resolved: checked(
                "message_resolved",
                "✅ {headline}\n{body}\n🔍 Root Cause: {root_cause}",
            ),
            message_resolved_ascii: checked(
                "message_resolved_ascii",
                "[OK] {headline}\n{body}\n[?] Root Cause: {root_cause}",
            ),
            investigating: checked(
                "investigating",
                "We're experiencing {impact}. Our team is actively investigating.",
            ),
            identified: checked(
                "identified",
                "We've identified the cause of {impact} and are working on a fix.",
            ),
            monitoring: checked(
                "monitoring",
                "A fix has been applied and we're monitoring the results.",
            ),
            resolved: checked(
                "resolved",
                "This incident has been resolved. Thank you for your patience.",
            ),
        }
    }
}

impl Templates {
    /// The template fields, as `[tui.templates]` names them.
    pub const FIELDS: [&'static str; 8] = [
        "message",
        "message_ascii",
        "message_resolved",
        "message_resolved_ascii",
        "investigating",
        "identified",
        "monitoring",
        "resolved",
    ];

    /// Replaces the template `field` (one of [`Templates::FIELDS`]) with `text`, or says what
    /// is wrong with it.
    pub fn with(mut self, field: &str, text: &str) -> Result<Templates, String> {
        let template = Templates::check(field, text)?;
        let slot = match field {
            "message" => &mut self.message,
            "message_ascii" => &mut self.message_ascii,
            "message_resolved" => &mut self.message_resolved,
            "message_resolved_ascii" => &mut self.message_resolved_ascii,
            "investigating" => &mut self.investigating,
            "identified" => &mut self.identified,
            "monitoring" => &mut self.monitoring,
            "resolved" => &mut self.resolved,
            _ => return Err(unknown_field()),
        };
        *slot = template;
        Ok(self)
    }

    fn check(field: &str, text: &str) -> Result<Template, String> {
        let (known, needed): (&[&str], &[&str]) = match field {
            "message" | "message_ascii" | "message_resolved" | "message_resolved_ascii" => {
                (MESSAGE_PLACEHOLDERS, &["headline", "body"])
            }
            "investigating" | "identified" | "monitoring" | "resolved" => (BODY_PLACEHOLDERS, &[]),
            _ => return Err(unknown_field()),
        };
        if field.ends_with("_ascii") && !text.is_ascii() {
            return Err("the ASCII variant has a character that is not ASCII".into());
        }
        let template = Template::parse(text, known)?;
        if let Some(missing) = needed.iter().find(|name| !template.uses(name)) {
            return Err(format!(
                "{{{missing}}} is missing: the composer's text would be lost"
            ));
        }
        if text.trim().is_empty() {
            return Err("the template is empty".into());
        }
        Ok(template)
    }

    fn body(&self, state: PublicState) -> &Template {
        match state {
            PublicState::Investigating => &self.investigating,
            PublicState::Identified => &self.identified,
            PublicState::Monitoring => &self.monitoring,
            PublicState::Resolved => &self.resolved,
        }
    }

    /// The message as published: the parts in the message template, a line left out when
    /// a part it names is empty (no root cause yet, no promise).
    pub fn compose(&self, parts: &MessageParts, ascii: bool, state: PublicState) -> String {
        let template = match (state == PublicState::Resolved, ascii) {
            (false, false) => &self.message,
            (false, true) => &self.message_ascii,
            (true, false) => &self.message_resolved,
            (true, true) => &self.message_resolved_ascii,
        };
        template.fill(|name| match name {
            "headline" => parts.headline.trim(),
            "body" => parts.body.trim(),
            "root_cause" => parts.root_cause.trim(),
            _ => parts.next_update.trim(),
        })
    }
}

fn unknown_field() -> String {
    format!("unknown template (use {})", Templates::FIELDS.join(", "))
}

/// One template: literal text and placeholders, checked once.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Template(Vec<Piece>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// Always one of the names the template was checked against.
    Placeholder(&'static str),
    LineBreak,
}

impl Template {
    /// Reads `{name}` placeholders among `known`; `{{` and `}}` are literal braces.
    fn parse(text: &str, known: &[&'static str]) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        name.push(c);
                    }
                    if !closed {
                        return Err("a '{' is not closed (write {{ for a brace)".into());
                    }
                    let Some(found) = known.iter().find(|k| **k == name) else {
                        let listed: Vec<String> =
                            known.iter().map(|k| format!("{{{k}}}")).collect();
                        return Err(format!(
                            "unknown placeholder {{{name}}} (use {})",
                            listed.join(", ")
                        ));
                    };
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    pieces.push(Piece::Placeholder(found));
                }
                '}' => return Err("a '}' is not opened (write }} for a brace)".into()),
                '\n' => {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    pieces.push(Piece::LineBreak);
                }
                c if c.is_control() && c != '\t' => {
                    return Err(format!("a control character ({:?}) is not allowed", c));
                }
                c => literal.push(c),
            }
        }
        pieces.push(Piece::Text(literal));
        pieces.retain(|piece| !matches!(piece, Piece::Text(text) if text.is_empty()));
        Ok(Template(pieces))
    }

    fn uses(&self, name: &str) -> bool {
        self.0
            .iter()
            .any(|piece| matches!(piece, Piece::Placeholder(used) if *used == name))
    }

    /// The text with each placeholder's value; a line naming an empty value is left out, and
    /// so is a line with nothing on it.
    fn fill<'a>(&self, value: impl Fn(&str) -> &'a str) -> String {
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut empty_value = false;
        let mut end_line = |line: &mut String, empty_value: &mut bool| {
            let done = std::mem::take(line);
            if !std::mem::take(empty_value) && !done.trim().is_empty() {
                lines.push(done.trim_end().to_string());
            }
        };
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => line.push_str(text),
                Piece::Placeholder(name) => {
                    let text = value(name);
                    empty_value |= text.is_empty();
                    line.push_str(text);
                }
                Piece::LineBreak => end_line(&mut line, &mut empty_value),
            }
        }
        end_line(&mut line, &mut empty_value);
        lines.join("\n")
    }
}

/// The parts as the templates give them for `state`; the headline names the state (or the
/// worst component status), and the page takes it as the incident's public name, so the name
/// follows the incident to "…: Resolved"., from what the incident knows.
pub fn default_parts(
    templates: &Templates,
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
    let service = incident.service.as_deref().unwrap_or("our service");
    let body = templates.body(state).fill(|name| match name {
        "impact" => impact.as_str(),
        _ => service,
    });
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(root_cause: &str, next_update: &str) -> MessageParts {
        MessageParts {
            headline: "API Incident: Partial Outage".into(),
            body: "We're experiencing elevated error rates on our payment API.".into(),
            root_cause: root_cause.into(),
            next_update: next_update.into(),
        }
    }

    #[test]
    fn the_default_message_has_the_shape_of_public_status_posts() {
        let templates = Templates::default();
        assert_eq!(
            templates.compose(
                &parts("Database pool exhaustion", "15:00 UTC"),
                false,
                PublicState::Identified
            ),
            "🚨 API Incident: Partial Outage\n\
             We're experiencing elevated error rates on our payment API.\n\
             🔍 Root Cause: Database pool exhaustion\n\
             ✅ Next Update: 15:00 UTC"
        );
        // No root cause known, no promise: those lines are left out.
        assert_eq!(
            templates.compose(&parts("", ""), true, PublicState::Identified),
            "[!] API Incident: Partial Outage\n\
             We're experiencing elevated error rates on our payment API."
        );
    }

    #[test]
    fn a_configured_template_replaces_the_default_and_keeps_literal_braces() {
        let templates = Templates::default()
            .with(
                "message",
                "{headline} {{status}}\n{body}\nNext: {next_update} (ETA)",
            )
            .unwrap()
            .with("investigating", "Looking into {impact} on {service}.")
            .unwrap();
        assert_eq!(
            templates.compose(
                &parts("ignored", "16:00 UTC"),
                false,
                PublicState::Identified
            ),
            "API Incident: Partial Outage {status}\n\
             We're experiencing elevated error rates on our payment API.\n\
             Next: 16:00 UTC (ETA)"
        );
        let body = templates
            .body(PublicState::Investigating)
            .fill(|name| if name == "impact" { "errors" } else { "api" });
        assert_eq!(body, "Looking into errors on api.");
        // The ASCII variant is still the default one.
        assert!(
            templates
                .compose(&parts("", ""), true, PublicState::Monitoring)
                .starts_with("[!] API")
        );
    }

    #[test]
    fn a_resolved_update_says_so_with_a_check_mark_and_promises_nothing() {
        let templates = Templates::default();
        let mut resolved = parts("Database pool exhaustion", "");
        resolved.headline = "API Incident: Resolved".into();
        assert_eq!(
            templates.compose(&resolved, false, PublicState::Resolved),
            "✅ API Incident: Resolved\n\
             We're experiencing elevated error rates on our payment API.\n\
             🔍 Root Cause: Database pool exhaustion"
        );
        assert!(
            templates
                .compose(&resolved, true, PublicState::Resolved)
                .starts_with("[OK] API Incident: Resolved")
        );
    }

    #[test]
    fn broken_templates_are_refused_with_the_reason() {
        let refused = |field: &str, text: &str| Templates::default().with(field, text).unwrap_err();
        assert_eq!(
            refused("message", "{headline}\n{bdy}"),
            "unknown placeholder {bdy} (use {headline}, {body}, {root_cause}, {next_update})"
        );
        assert_eq!(
            refused("message", "{headline}"),
            "{body} is missing: the composer's text would be lost"
        );
        assert_eq!(
            refused("identified", "fixing {impact"),
            "a '{' is not closed (write {{ for a brace)"
        );
        assert_eq!(
            refused("identified", "fixing impact}"),
            "a '}' is not opened (write }} for a brace)"
        );
        assert_eq!(
            refused("message_ascii", "🚨 {headline}\n{body}"),
            "the ASCII variant has a character that is not ASCII"
        );
        assert!(refused("resolved", "done\u{1b}[2J").contains("control character"));
        assert!(refused("investigating", " ").contains("empty"));
        assert!(refused("monitoring", "{headline}").contains("unknown placeholder"));
        assert!(refused("footer", "x").starts_with("unknown template (use message, "));
    }
}
