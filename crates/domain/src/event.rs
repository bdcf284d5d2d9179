//! Events: the wire and storage format of everything that happened.

use super::{
    AlertRef, CarriedNote, CorrectiveKind, EarlierIncident, IncidentId, Labels, Lapse,
    PublicUpdate, ReviewEdit, Role, Severity, SnapshotReason, SnapshotValue, Status, Timestamp,
};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The kind of a free-text entry on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoteKind {
    /// An internal status update: resets the update countdown.
    Update,
    Decision,
    #[default]
    Note,
}

impl NoteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Update => "update",
            NoteKind::Decision => "decision",
            NoteKind::Note => "note",
        }
    }
}

impl FromStr for NoteKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "update" => Ok(NoteKind::Update),
            "decision" => Ok(NoteKind::Decision),
            "note" => Ok(NoteKind::Note),
            _ => Err(format!(
                "unknown note kind '{s}' (expected update, decision or note)"
            )),
        }
    }
}

/// One entry of an incident's log. `seq` is global across incidents and strictly increasing,
/// so one number serves as the cursor of both the per-incident and the global feed, and the
/// last `seq` of an incident is its version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub incident: IncidentId,
    pub at: Timestamp,
    pub actor: String,
    /// The way a person acted when it was not directly (`ssh`: through `warroom ssh-serve`,
    /// which vouches for them with a gateway token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    pub kind: EventKind,
    /// When the person acted, as their client recorded it: later than `at` never, earlier
    /// when the command waited in an offline outbox. Absent from clocks and old clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intended_at: Option<Timestamp>,
}

/// What happened. Serialised with a `type` tag in snake_case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Declared {
        title: String,
        severity: Severity,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        summary: Option<String>,
        /// When users started to feel it, if known (often backdated).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        impact_started_at: Option<Timestamp>,
        /// When someone or something noticed.
        detected_at: Timestamp,
        /// Declared by a person, who thereby took it on; a page from Alertmanager starts
        /// triggered, waiting for someone.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        acknowledged: bool,
    },
    StatusChanged {
        from: Status,
        to: Status,
        /// Why, when it was not a person's call (an alert firing again after the resolve).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// Who took command by acknowledging a page while the seat was vacant (`[escalation]
        /// ack_takes_command`): one event, so the timeline cannot show one without the other.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commander: Option<String>,
    },
    SeverityChanged {
        from: Severity,
        to: Severity,
    },
    RoleAssigned {
        role: Role,
        person: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        focus: Option<String>,
    },
    RoleRelieved {
        role: Role,
        person: String,
    },
    /// The commander hands over; the brief is what the incoming commander needs to know.
    CommandTransferred {
        from: String,
        to: String,
        brief: String,
    },
    NoteAdded {
        kind: NoteKind,
        text: String,
    },
    ActionAdded {
        action: u32,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due_at: Option<Timestamp>,
    },
    ActionCompleted {
        action: u32,
    },
    ActionReopened {
        action: u32,
    },
    ActionDropped {
        action: u32,
    },
    ImpactStartSet {
        at: Timestamp,
    },
    /// The summary (the business impact) was written or rewritten; empty when cleared.
    SummarySet {
        summary: String,
    },
    /// An alert joins the incident. `group` is Alertmanager's group key when the alert came
    /// through the webhook: later notifications of that group find the incident by it.
    AlertAttached {
        alert: AlertRef,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
    },
    /// An attached alert stopped firing.
    AlertResolved {
        fingerprint: String,
        name: String,
        ended_at: Timestamp,
    },
    /// Firing alerts of the group beyond the per-incident limit, counted instead of attached
    /// one by one. Recorded when the count changes.
    AlertsCounted {
        more: u32,
    },
    /// Metric values written to the timeline as evidence.
    MetricSnapshot {
        reason: SnapshotReason,
        values: Vec<SnapshotValue>,
        /// When the values were read; absent from snapshots recorded before it was kept.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        as_of: Option<Timestamp>,
    },
    /// The post-incident review changed: only the fields that changed, with their new value.
    ReviewEdited {
        edit: ReviewEdit,
    },
    CorrectiveActionAdded {
        id: u32,
        text: String,
        kind: CorrectiveKind,
        owner: String,
        due_at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ticket: Option<String>,
    },
    CorrectiveActionCompleted {
        id: u32,
    },
    CorrectiveActionDropped {
        id: u32,
    },
    /// A dropped corrective action is open again.
    CorrectiveActionReopened {
        id: u32,
    },
    CorrectiveKindChanged {
        id: u32,
        from: CorrectiveKind,
        to: CorrectiveKind,
    },
    /// Earlier incidents of the same service or alert, found by the backend on declaration.
    RecurrenceLinked {
        earlier: Vec<EarlierIncident>,
    },
    /// A status-page update, published to customers.
    PublicUpdate(PublicUpdate),
    /// The backend's clock noticed a lapse that became due at `due`.
    Lapsed {
        lapse: Lapse,
        due: Timestamp,
    },
    /// A page that would have opened an incident joined this open one instead (same service,
    /// or the labels `[alert_routing] join_on` names); its alerts follow as `alert_attached`.
    AlertJoined {
        /// Alertmanager's group key of the page.
        group: String,
        /// The title the page would have had as an incident of its own.
        title: String,
        severity: Severity,
        /// The labels it matched on, with their values.
        matched: Labels,
    },
    /// This incident was a duplicate of `into`, which carries on: final.
    MergedInto {
        into: IncidentId,
    },
    /// The duplicate `from` was merged into this incident: its notes are carried here; its
    /// alerts and open action items follow as `alert_attached` and `action_added`.
    IncidentMerged {
        from: IncidentId,
        title: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        notes: Vec<CarriedNote>,
    },
    /// An escalation policy took a step: it notified `notify` (names of `[[notify]]`
    /// targets), because nobody acknowledged the page or took command since `episode`.
    Escalated {
        /// 1-based, of `steps`.
        step: u32,
        steps: u32,
        /// 1-based, of `rounds` (a policy's `repeat` + 1).
        round: u32,
        rounds: u32,
        notify: Vec<String>,
        /// The step's mention (`<!here>`), from the config: sent as it is.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mention: Option<String>,
        /// When the page was triggered or the seat fell vacant: what the steps count from.
        episode: Timestamp,
        /// When the step fell due.
        due: Timestamp,
    },
}

impl EventKind {
    /// Every kind's wire tag (the `type` field), in declaration order: what a notification
    /// filter may name. [`EventKind::tag`] gives one event's.
    pub const TAGS: [&'static str; 30] = [
        "declared",
        "status_changed",
        "severity_changed",
        "role_assigned",
        "role_relieved",
        "command_transferred",
        "note_added",
        "action_added",
        "action_completed",
        "action_reopened",
        "action_dropped",
        "impact_start_set",
        "summary_set",
        "alert_attached",
        "alert_resolved",
        "alerts_counted",
        "metric_snapshot",
        "review_edited",
        "corrective_action_added",
        "corrective_action_completed",
        "corrective_action_dropped",
        "corrective_action_reopened",
        "corrective_kind_changed",
        "recurrence_linked",
        "public_update",
        "lapsed",
        "alert_joined",
        "merged_into",
        "incident_merged",
        "escalated",
    ];

    /// The wire tag of this kind: its `type` field.
    pub fn tag(&self) -> &'static str {
        match self {
            EventKind::Declared { .. } => "declared",
            EventKind::StatusChanged { .. } => "status_changed",
            EventKind::SeverityChanged { .. } => "severity_changed",
            EventKind::RoleAssigned { .. } => "role_assigned",
            EventKind::RoleRelieved { .. } => "role_relieved",
            EventKind::CommandTransferred { .. } => "command_transferred",
            EventKind::NoteAdded { .. } => "note_added",
            EventKind::ActionAdded { .. } => "action_added",
            EventKind::ActionCompleted { .. } => "action_completed",
            EventKind::ActionReopened { .. } => "action_reopened",
            EventKind::ActionDropped { .. } => "action_dropped",
            EventKind::ImpactStartSet { .. } => "impact_start_set",
            EventKind::SummarySet { .. } => "summary_set",
            EventKind::AlertAttached { .. } => "alert_attached",
            EventKind::AlertResolved { .. } => "alert_resolved",
            EventKind::AlertsCounted { .. } => "alerts_counted",
            EventKind::MetricSnapshot { .. } => "metric_snapshot",
            EventKind::ReviewEdited { .. } => "review_edited",
            EventKind::CorrectiveActionAdded { .. } => "corrective_action_added",
            EventKind::CorrectiveActionCompleted { .. } => "corrective_action_completed",
            EventKind::CorrectiveActionDropped { .. } => "corrective_action_dropped",
            EventKind::CorrectiveActionReopened { .. } => "corrective_action_reopened",
            EventKind::CorrectiveKindChanged { .. } => "corrective_kind_changed",
            EventKind::RecurrenceLinked { .. } => "recurrence_linked",
            EventKind::PublicUpdate(_) => "public_update",
            EventKind::Lapsed { .. } => "lapsed",
            EventKind::AlertJoined { .. } => "alert_joined",
            EventKind::MergedInto { .. } => "merged_into",
            EventKind::IncidentMerged { .. } => "incident_merged",
            EventKind::Escalated { .. } => "escalated",
        }
    }

    /// Whether [`Incident::apply`](crate::Incident::apply) changes the incident's corrective
    /// actions for this kind: a store rewrites an incident's rows of the follow-ups only for
    /// a batch with such an event, so that the commits of everything else cost nothing extra.
    /// Keep in step with the arms of `apply` that touch `corrective_actions`.
    pub fn changes_corrective_actions(&self) -> bool {
        matches!(
            self,
            EventKind::CorrectiveActionAdded { .. }
                | EventKind::CorrectiveActionCompleted { .. }
                | EventKind::CorrectiveActionDropped { .. }
                | EventKind::CorrectiveActionReopened { .. }
                | EventKind::CorrectiveKindChanged { .. }
        )
    }

    /// The short name shown in a timeline column.
    pub fn label(&self) -> &'static str {
        match self {
            EventKind::Declared { .. } => "declared",
            EventKind::StatusChanged { .. } => "status",
            EventKind::SeverityChanged { .. } => "severity",
            EventKind::RoleAssigned { .. } => "role",
            EventKind::RoleRelieved { .. } => "role",
            EventKind::CommandTransferred { .. } => "handover",
            EventKind::NoteAdded { kind, .. } => kind.as_str(),
            EventKind::ActionAdded { .. } => "action",
            EventKind::ActionCompleted { .. } => "action",
            EventKind::ActionReopened { .. } => "action",
            EventKind::ActionDropped { .. } => "action",
            EventKind::ImpactStartSet { .. } => "impact",
            EventKind::SummarySet { .. } => "summary",
            EventKind::AlertAttached { .. }
            | EventKind::AlertResolved { .. }
            | EventKind::AlertsCounted { .. } => "alert",
            EventKind::MetricSnapshot { .. } => "metrics",
            EventKind::ReviewEdited { .. } => "review",
            EventKind::CorrectiveActionAdded { .. }
            | EventKind::CorrectiveActionCompleted { .. }
            | EventKind::CorrectiveActionDropped { .. }
            | EventKind::CorrectiveActionReopened { .. }
            | EventKind::CorrectiveKindChanged { .. } => "followup",
            EventKind::RecurrenceLinked { .. } => "recurs",
            EventKind::PublicUpdate(_) => "public",
            EventKind::Lapsed { .. } => "lapse",
            EventKind::AlertJoined { .. } => "alert",
            EventKind::MergedInto { .. } | EventKind::IncidentMerged { .. } => "merge",
            EventKind::Escalated { .. } => "escalate",
        }
    }

    /// One line for humans: the timeline, the CLI and the postmortem all use it.
    pub fn describe(&self) -> String {
        match self {
            EventKind::Declared {
                title, severity, ..
            } => format!("declared {severity}: {title}"),
            EventKind::StatusChanged {
                from,
                to,
                reason,
                commander,
            } => match (reason, commander) {
                (Some(reason), _) => format!("{from} → {to}: {reason}"),
                (None, Some(commander)) => {
                    format!("{from} → {to}; {commander} takes command")
                }
                (None, None) => format!("{from} → {to}"),
            },
            EventKind::SeverityChanged { from, to } => format!("severity {from} → {to}"),
            EventKind::RoleAssigned {
                role,
                person,
                focus,
            } => match focus.as_deref() {
                Some(focus) if !focus.is_empty() => format!("{person} is {role} ({focus})"),
                _ => format!("{person} is {role}"),
            },
            EventKind::RoleRelieved { role, person } => format!("{person} relieved as {role}"),
            EventKind::CommandTransferred { from, to, brief } => {
                format!("command {from} → {to}: {brief}")
            }
            EventKind::NoteAdded { text, .. } => text.clone(),
            EventKind::ActionAdded {
                action,
                text,
                owner,
                ..
            } => match owner {
                Some(owner) => format!("#{action} {text} (@{owner})"),
                None => format!("#{action} {text}"),
            },
            EventKind::ActionCompleted { action } => format!("#{action} done"),
            EventKind::ActionReopened { action } => format!("#{action} reopened"),
            EventKind::ActionDropped { action } => format!("#{action} dropped"),
            EventKind::ImpactStartSet { at } => {
                format!("impact started {}", at.format("%Y-%m-%d %H:%M:%S UTC"))
            }
            EventKind::SummarySet { summary } if summary.is_empty() => "summary cleared".into(),
            EventKind::SummarySet { summary } => format!("summary: {summary}"),
            EventKind::AlertAttached { alert, .. } => match &alert.summary {
                Some(summary) => format!("{} firing: {summary}", alert.name),
                None => format!("{} firing", alert.name),
            },
            EventKind::AlertResolved { name, .. } => format!("{name} resolved"),
            EventKind::AlertsCounted { more: 0 } => {
                "no alerts of the group beyond the attached ones are firing".into()
            }
            EventKind::AlertsCounted { more } => {
                format!("and {more} more alerts of the group firing, not attached one by one")
            }
            EventKind::MetricSnapshot {
                reason,
                values,
                as_of,
            } => {
                let what = match reason {
                    SnapshotReason::Pin => "pinned",
                    SnapshotReason::Resolve => "at resolve",
                };
                let what = match as_of {
                    Some(as_of) => format!("{what} as of {}", as_of.format("%H:%M:%S")),
                    None => what.to_string(),
                };
                let shown: Vec<String> = values
                    .iter()
                    .map(|v| match &v.before {
                        Some(before) => format!("{} {}: {before} → {}", v.panel, v.series, v.value),
                        None => format!("{} {}: {}", v.panel, v.series, v.value),
                    })
                    .collect();
                format!("{what}: {}", shown.join("; "))
            }
            EventKind::ReviewEdited { edit } => {
                format!("review edited: {}", edit.fields().join(", "))
            }
            EventKind::CorrectiveActionAdded {
                id,
                text,
                kind,
                owner,
                due_at,
                ..
            } => format!(
                "corrective action C{id} ({kind}) {text} (@{owner}, due {})",
                due_at.format("%Y-%m-%d")
            ),
            EventKind::CorrectiveActionCompleted { id } => format!("corrective action C{id} done"),
            EventKind::CorrectiveActionDropped { id } => {
                format!("corrective action C{id} dropped")
            }
            EventKind::CorrectiveActionReopened { id } => {
                format!("corrective action C{id} reopened")
            }
            EventKind::CorrectiveKindChanged { id, from, to } => {
                format!("corrective action C{id} is {to} (was {from})")
            }
            EventKind::RecurrenceLinked { earlier } => {
                let named: Vec<String> = earlier
                    .iter()
                    .map(|e| {
                        let open = match e.open_corrective_actions {
                            0 => String::new(),
                            1 => ", 1 corrective action open".into(),
                            n => format!(", {n} corrective actions open"),
                        };
                        format!(
                            "{} (same {}, declared {}{open})",
                            e.incident,
                            e.matched_on.as_str(),
                            e.declared_at.format("%Y-%m-%d")
                        )
                    })
                    .collect();
                format!("this happened before: {}", named.join(", "))
            }
            EventKind::PublicUpdate(update) => {
                format!("public {}: {}", update.state, update.message)
            }
            EventKind::Lapsed { lapse, due } => {
                format!("{} (due {})", lapse.describe(), due.format("%H:%M:%S UTC"))
            }
            EventKind::AlertJoined {
                title,
                severity,
                matched,
                ..
            } => {
                let on: Vec<String> = matched.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("alert joined ({severity}, {}): {title}", on.join(", "))
            }
            EventKind::MergedInto { into } => format!("merged into {into} as a duplicate"),
            EventKind::IncidentMerged { from, title, notes } => match notes.len() {
                0 => format!("{from} merged in: {title}"),
                1 => format!("{from} merged in: {title} (1 note carried)"),
                n => format!("{from} merged in: {title} ({n} notes carried)"),
            },
            EventKind::Escalated {
                step,
                steps,
                round,
                rounds,
                notify,
                ..
            } => {
                let repeat = if *rounds > 1 {
                    format!(", round {round} of {rounds}")
                } else {
                    String::new()
                };
                format!(
                    "escalated to {} (step {step} of {steps}{repeat})",
                    notify.join(", ")
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_use_a_type_tag_on_the_wire() {
        let kind = EventKind::StatusChanged {
            from: Status::Triggered,
            to: Status::Acknowledged,
            reason: None,
            commander: None,
        };
        let json = serde_json::to_value(&kind).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "status_changed", "from": "triggered", "to": "acknowledged"})
        );
        assert_eq!(serde_json::from_value::<EventKind>(json).unwrap(), kind);
    }
}
