//! The postmortem: deterministic Markdown of one incident's log.
//!
//! Everything comes from the incident as folded and its events in order, with absolute UTC
//! times; nothing reads a clock, so the same log always gives the same bytes and two
//! versions diff cleanly. Before the close it is marked as a draft.

use super::markdown::{bullets, inline, table};
use crate::domain::{
    Event, EventKind, Incident, NoteKind, Role, SnapshotReason, Status, Timestamp, WHY_LEVELS,
};
use crate::duration::{format_span, seconds_between};
use std::fmt::Write;

fn clock(at: Timestamp) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn optional_clock(at: Option<Timestamp>) -> String {
    at.map_or_else(|| "—".into(), clock)
}

/// The postmortem of `incident`, whose log is `events` (oldest first).
pub fn postmortem(incident: &Incident, events: &[&Event]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Postmortem: {} — {}\n",
        incident.id,
        inline(&incident.title)
    );
    match incident.status {
        Status::Closed => {}
        Status::Cancelled => {
            let _ = writeln!(out, "> **Cancelled:** {} was a false alarm.\n", incident.id);
        }
        Status::Merged => {
            let into = incident
                .merged_into
                .as_ref()
                .map_or_else(String::new, ToString::to_string);
            let _ = writeln!(
                out,
                "> **Merged:** {} was a duplicate of {into}; the response and its postmortem are there.\n",
                incident.id
            );
        }
        status => {
            let _ = writeln!(
                out,
                "> **Draft:** {} is {status}, not closed; this postmortem will change.\n",
                incident.id
            );
        }
    }
    overview(&mut out, incident);
    summary_and_impact(&mut out, incident);
    severity_history(&mut out, events);
    updates(&mut out, events);
    public_updates(&mut out, incident);
    timeline(&mut out, events);
    roles(&mut out, incident, events);
    alerts(&mut out, incident);
    snapshots(&mut out, events);
    action_items(&mut out, incident);
    review(&mut out, incident);
    corrective_actions(&mut out, incident);
    recurrence(&mut out, incident);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

fn overview(out: &mut String, incident: &Incident) {
    let mut rows = vec![
        vec!["Severity".into(), inline(incident.severity.as_str())],
        vec!["Status".into(), incident.status.to_string()],
    ];
    if let Some(service) = &incident.service {
        rows.push(vec!["Service".into(), inline(service)]);
    }
    rows.push(vec![
        "Declared".into(),
        format!(
            "{} by {}",
            clock(incident.declared_at),
            inline(&incident.declared_by)
        ),
    ]);
    let commander = incident
        .roles
        .holder(Role::Commander)
        .map_or("—".into(), inline);
    rows.push(vec!["Incident Commander".into(), commander]);
    table(out, &["", ""], &rows);
}

fn summary_and_impact(out: &mut String, incident: &Incident) {
    out.push_str("## Summary\n\n");
    match incident.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(summary) => {
            let _ = writeln!(out, "{}\n", inline(summary));
        }
        None => out.push_str(
            "_No summary was written: the business impact, in a few sentences. Write it in \
             the review (`R`), with `:summary` on the desk or `warroom incident set-summary`._\n\n",
        ),
    }
    out.push_str("## Impact and response times\n\n");
    let start = incident.impact_started_at;
    let detected = Some(incident.detected_at);
    let milestones = [
        ("Impact started", start),
        ("Detected", detected),
        ("Acknowledged", incident.acknowledged_at),
        ("Mitigated", incident.mitigated_at),
        ("Resolved", incident.resolved_at),
        ("Closed", incident.closed_at),
    ];
    let rows: Vec<Vec<String>> = milestones
        .iter()
        .map(|(name, at)| vec![name.to_string(), optional_clock(*at)])
        .collect();
    table(out, &["Milestone", "Time (UTC)"], &rows);
    let between = |from: Option<Timestamp>, to: Option<Timestamp>| match (from, to) {
        // Rounded as the report rounds its figures: the same span reads the same in both.
        (Some(from), Some(to)) => format_span(seconds_between(from, to)),
        _ => "— (a time is missing)".into(),
    };
    let rows = vec![
        vec![
            "Time to detect".into(),
            "impact start → detected".into(),
            between(start, detected),
        ],
        vec![
            "Time to acknowledge".into(),
            "detected → acknowledged".into(),
            between(detected, incident.acknowledged_at),
        ],
        vec![
            "Time to mitigate".into(),
            "impact start → mitigated".into(),
            between(start, incident.mitigated_at),
        ],
        vec![
            "Time to resolve".into(),
            "impact start → resolved".into(),
            between(start, incident.resolved_at),
        ],
    ];
    table(out, &["Measure", "Between", "Duration"], &rows);
}

fn severity_history(out: &mut String, events: &[&Event]) {
    out.push_str("## Severity history\n\n");
    let rows: Vec<Vec<String>> = events
        .iter()
        .filter_map(|event| {
            let (severity, how) = match &event.kind {
                EventKind::Declared { severity, .. } => (severity, "declared".to_string()),
                EventKind::SeverityChanged { from, to } => {
                    (to, format!("from {}", inline(from.as_str())))
                }
                _ => return None,
            };
            Some(vec![
                clock(event.at),
                inline(severity.as_str()),
                how,
                inline(&event.actor),
            ])
        })
        .collect();
    table(out, &["Time (UTC)", "Severity", "How", "By"], &rows);
}

fn updates(out: &mut String, events: &[&Event]) {
    out.push_str("## Internal updates\n\n");
    let rows: Vec<Vec<String>> = events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::NoteAdded {
                kind: NoteKind::Update,
                text,
            } => Some(vec![clock(event.at), inline(&event.actor), inline(text)]),
            _ => None,
        })
        .collect();
    if rows.is_empty() {
        out.push_str("_No internal update was posted._\n\n");
    } else {
        table(out, &["Time (UTC)", "By", "Update"], &rows);
    }
}

/// What customers were told, as published: state, components, message and the promise.
fn public_updates(out: &mut String, incident: &Incident) {
    out.push_str("## Public updates\n\n");
    let rows: Vec<Vec<String>> = incident
        .public_updates
        .iter()
        .map(|post| {
            let components: Vec<String> = post
                .update
                .components
                .iter()
                .map(|(name, status)| format!("{name}: {status}"))
                .collect();
            vec![
                clock(post.at),
                post.update.state.to_string(),
                inline(&components.join(", ")),
                inline(&post.update.message),
                optional_clock(post.update.next_update_at),
            ]
        })
        .collect();
    if rows.is_empty() {
        out.push_str("_No public update was published._\n\n");
    } else {
        table(
            out,
            &[
                "Time (UTC)",
                "State",
                "Components",
                "Message",
                "Next update",
            ],
            &rows,
        );
    }
}

fn timeline(out: &mut String, events: &[&Event]) {
    out.push_str("## Timeline\n\n");
    let mut rows: Vec<Vec<String>> = Vec::new();
    for event in events {
        rows.push(vec![
            clock(event.at),
            inline(&event.actor),
            event.kind.label().to_string(),
            inline(&event.kind.describe()),
        ]);
        // A merged duplicate's notes, each with its own author and time, under the merge.
        if let EventKind::IncidentMerged { from, notes, .. } = &event.kind {
            rows.extend(notes.iter().map(|note| {
                vec![
                    clock(note.at),
                    inline(&note.actor),
                    note.kind.as_str().to_string(),
                    format!("(on {from}) {}", inline(&note.text)),
                ]
            }));
        }
    }
    table(out, &["Time (UTC)", "Actor", "Kind", "What"], &rows);
}

fn roles(out: &mut String, incident: &Incident, events: &[&Event]) {
    out.push_str("## Roles and hand-offs\n\n");
    let rows: Vec<Vec<String>> = Role::ALL
        .iter()
        .map(|&role| {
            let holders = match role {
                Role::Engineer => incident
                    .roles
                    .engineers
                    .iter()
                    .map(|e| match e.focus.as_str() {
                        "" => inline(&e.person),
                        focus => format!("{} ({})", inline(&e.person), inline(focus)),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                single => incident
                    .roles
                    .holder(single)
                    .map(inline)
                    .unwrap_or_default(),
            };
            let shown = if holders.is_empty() {
                "— vacant".into()
            } else {
                holders
            };
            vec![role.title().to_string(), shown]
        })
        .collect();
    table(out, &["Role", "At the end"], &rows);
    let changes: Vec<Vec<String>> = events
        .iter()
        .filter_map(|event| {
            let (change, brief) = match &event.kind {
                EventKind::CommandTransferred { from, to, brief } => (
                    format!("command {} → {}", inline(from), inline(to)),
                    inline(brief),
                ),
                EventKind::RoleAssigned { .. } | EventKind::RoleRelieved { .. } => {
                    (inline(&event.kind.describe()), String::new())
                }
                _ => return None,
            };
            Some(vec![clock(event.at), inline(&event.actor), change, brief])
        })
        .collect();
    if !changes.is_empty() {
        table(out, &["Time (UTC)", "By", "Change", "Brief"], &changes);
    }
}

fn alerts(out: &mut String, incident: &Incident) {
    if incident.alerts.is_empty() {
        return;
    }
    out.push_str("## Alerts\n\n");
    let rows: Vec<Vec<String>> = incident
        .alerts
        .iter()
        .map(|attached| {
            vec![
                inline(&attached.alert.name),
                attached
                    .alert
                    .summary
                    .as_deref()
                    .map(inline)
                    .unwrap_or_default(),
                clock(attached.alert.starts_at),
                optional_clock(attached.resolved_at),
            ]
        })
        .collect();
    table(
        out,
        &["Alert", "Summary", "Started (UTC)", "Ended (UTC)"],
        &rows,
    );
}

fn snapshots(out: &mut String, events: &[&Event]) {
    out.push_str("## Metric snapshots\n\n");
    let mut any = false;
    for event in events {
        let EventKind::MetricSnapshot {
            reason,
            values,
            as_of,
        } = &event.kind
        else {
            continue;
        };
        any = true;
        let why = match reason {
            SnapshotReason::Pin => "pinned",
            SnapshotReason::Resolve => "at resolve",
        };
        let as_of = as_of
            .map(|at| format!(", values as of {}", at.format("%H:%M:%S")))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "### {} — {why} by {}{as_of}\n",
            clock(event.at),
            inline(&event.actor)
        );
        let rows: Vec<Vec<String>> = values
            .iter()
            .map(|v| {
                vec![
                    inline(&v.panel),
                    inline(&v.series),
                    v.before.as_deref().map(inline).unwrap_or_default(),
                    inline(&v.value),
                    if v.breached { "yes" } else { "no" }.into(),
                ]
            })
            .collect();
        table(
            out,
            &["Panel", "Series", "Worst before", "Value", "Over threshold"],
            &rows,
        );
    }
    if !any {
        out.push_str("_No metric snapshot was taken._\n\n");
    }
}

fn action_items(out: &mut String, incident: &Incident) {
    out.push_str("## Action items during the response\n\n");
    if incident.actions.is_empty() {
        out.push_str("_None._\n\n");
        return;
    }
    let rows: Vec<Vec<String>> = incident
        .actions
        .iter()
        .map(|item| {
            vec![
                format!("#{}", item.id),
                inline(&item.text),
                item.owner.as_deref().map(inline).unwrap_or_default(),
                optional_clock(item.due_at),
                item.state.as_str().into(),
            ]
        })
        .collect();
    table(out, &["#", "Action", "Owner", "Time-box", "State"], &rows);
}

fn review(out: &mut String, incident: &Incident) {
    let review = &incident.review;
    out.push_str("## Five whys\n\n");
    let levels = review.whys.len().max(WHY_LEVELS);
    for level in 0..levels {
        match review.whys.get(level) {
            Some(why) => {
                let _ = writeln!(out, "{}. {}", level + 1, inline(why));
            }
            None => {
                let _ = writeln!(out, "{}. _not answered yet_", level + 1);
            }
        }
    }
    out.push('\n');
    out.push_str("## Root cause\n\n");
    if review.root_cause.is_empty() {
        out.push_str("_Not written yet._\n\n");
    } else {
        let _ = writeln!(out, "{}\n", inline(&review.root_cause));
    }
    out.push_str("## Contributing factors\n\n");
    bullets(out, &review.contributing_factors, "None written yet.");
    out.push_str("## What went well\n\n");
    bullets(out, &review.went_well, "Not written yet.");
    out.push_str("## What went badly\n\n");
    bullets(out, &review.went_badly, "Not written yet.");
}

fn corrective_actions(out: &mut String, incident: &Incident) {
    out.push_str("## Corrective actions\n\n");
    if incident.corrective_actions.is_empty() {
        out.push_str("_None yet._\n\n");
        return;
    }
    let rows: Vec<Vec<String>> = incident
        .corrective_actions
        .iter()
        .map(|action| {
            vec![
                format!("C{}", action.id),
                action.kind.to_string(),
                inline(&action.text),
                inline(&action.owner),
                action.due_at.format("%Y-%m-%d").to_string(),
                action
                    .ticket
                    .as_deref()
                    .map(ticket_link)
                    .unwrap_or_default(),
                action.state.to_string(),
            ]
        })
        .collect();
    table(
        out,
        &["#", "Kind", "Action", "Owner", "Due", "Ticket", "State"],
        &rows,
    );
}

fn recurrence(out: &mut String, incident: &Incident) {
    if incident.recurs.is_empty() {
        return;
    }
    out.push_str("## This happened before\n\n");
    for earlier in &incident.recurs {
        let _ = writeln!(
            out,
            "- {} — {} (same {}, declared {})",
            earlier.incident,
            inline(&earlier.title),
            earlier.matched_on.as_str(),
            clock(earlier.declared_at)
        );
    }
    out.push('\n');
}

/// A ticket URL as an autolink. `checked_ticket` let no space or control character in; the
/// three characters that would end the link or split the table cell are percent-encoded.
fn ticket_link(url: &str) -> String {
    let encoded = url
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace('|', "%7C");
    format!("<{encoded}>")
}
