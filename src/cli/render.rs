//! Human-readable text for the incident subcommands. Everything from the network goes
//! through the sanitiser; `--json` output is serde's, which escapes control characters.

use crate::domain::{ActionState, Event, Incident, ResponseTimes, Role, SeverityScale, Timestamp};
use crate::duration::short;
use crate::sanitize::sanitize;
use std::fmt::Write;

/// `--json` output: pretty JSON and a final newline.
pub fn json<T: serde::Serialize>(value: &T) -> String {
    #[expect(
        clippy::expect_used,
        reason = "our records serialise: string map keys and derived impls that cannot fail"
    )]
    let mut text = serde_json::to_string_pretty(value).expect("records serialise");
    text.push('\n');
    text
}

fn clock(at: Timestamp) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn optional_clock(at: Option<Timestamp>) -> String {
    at.map_or_else(|| "—".into(), clock)
}

/// The heading of `incident list`'s table.
pub fn incident_table_header() -> String {
    format!(
        "{:<8} {:<4} {:<13} {:>6}  {}\n",
        "ID", "SEV", "STATUS", "AGE", "TITLE"
    )
}

/// One line per incident, in the order given, under [`incident_table_header`].
pub fn incident_rows(incidents: &[Incident], now: Timestamp) -> String {
    let mut out = String::new();
    for incident in incidents {
        let started = incident.impact_started_at.unwrap_or(incident.declared_at);
        let _ = writeln!(
            out,
            "{:<8} {:<4} {:<13} {:>6}  {}",
            incident.id,
            sanitize(incident.severity.as_str()),
            incident.status,
            short(now - started),
            sanitize(&incident.title)
        );
    }
    out
}

/// The whole incident: state, roster, action items and the timeline, oldest first.
pub fn incident_details(
    incident: &Incident,
    events: &[Event],
    scale: &SeverityScale,
    now: Timestamp,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  {}  {}  {}",
        incident.id,
        sanitize(incident.severity.as_str()),
        incident.status,
        sanitize(&incident.title)
    );
    if let Some(service) = &incident.service {
        let _ = writeln!(out, "service:        {}", sanitize(service));
    }
    if let Some(summary) = &incident.summary {
        let _ = writeln!(out, "summary:        {}", sanitize(summary));
    }
    let _ = writeln!(
        out,
        "declared:       {} by {}",
        clock(incident.declared_at),
        sanitize(&incident.declared_by)
    );
    for (label, at) in [
        ("impact started", incident.impact_started_at),
        ("detected", Some(incident.detected_at)),
        ("acknowledged", incident.acknowledged_at),
        ("mitigated", incident.mitigated_at),
        ("resolved", incident.resolved_at),
        ("closed", incident.closed_at),
    ] {
        let _ = writeln!(out, "{:<15} {}", format!("{label}:"), optional_clock(at));
    }
    if let Some(due) = incident.update_due_at(scale) {
        let when = if due < now {
            format!("OVERDUE by {}", short(now - due))
        } else {
            format!("in {}", short(due - now))
        };
        let _ = writeln!(out, "next update:    {} ({when})", clock(due));
    }
    let times = ResponseTimes::of(incident);
    let show = |d: Option<chrono::Duration>| d.map_or_else(|| "—".to_string(), short);
    let _ = writeln!(
        out,
        "response:       detect {} · acknowledge {} · resolve {}",
        show(times.to_detect),
        show(times.to_acknowledge),
        show(times.to_resolve)
    );
    let _ = writeln!(out, "version:        {}", incident.version);

    out.push_str("\nRoles\n");
    for role in Role::ALL {
        let holders = match role {
            Role::Engineer => incident
                .roles
                .engineers
                .iter()
                .map(|e| match e.focus.as_str() {
                    "" => sanitize(&e.person).to_string(),
                    focus => format!("{} ({})", sanitize(&e.person), sanitize(focus)),
                })
                .collect::<Vec<_>>()
                .join(", "),
            single => incident
                .roles
                .holder(single)
                .map(|p| sanitize(p).to_string())
                .unwrap_or_default(),
        };
        let shown = if holders.is_empty() {
            "— vacant".into()
        } else {
            holders
        };
        let _ = writeln!(out, "  {:<20} {shown}", role.title());
    }

    out.push_str("\nAction items\n");
    if incident.actions.is_empty() {
        out.push_str("  none\n");
    }
    for item in &incident.actions {
        let mark = match item.state {
            ActionState::Open => "[ ]",
            ActionState::Done => "[x]",
            ActionState::Dropped => "[-]",
        };
        let mut line = format!("  {mark} #{} {}", item.id, sanitize(&item.text));
        if let Some(owner) = &item.owner {
            let _ = write!(line, "  @{}", sanitize(owner));
        }
        if let Some(due) = item.due_at {
            let _ = write!(line, "  due {}", clock(due));
            if item.is_overdue(now) {
                line.push_str("  OVERDUE");
            }
        }
        let _ = writeln!(out, "{line}");
    }

    out.push_str("\nTimeline\n");
    for event in events {
        let _ = writeln!(out, "  {}", timeline_line(event));
    }
    out
}

/// `2026-11-25 14:03:00 UTC  alice  status  triggered → acknowledged`
pub fn timeline_line(event: &Event) -> String {
    format!(
        "{}  {}  {}  {}",
        clock(event.at),
        sanitize(&event.actor),
        event.kind.label(),
        sanitize(&event.kind.describe())
    )
}
