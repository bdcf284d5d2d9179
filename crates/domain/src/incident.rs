//! The folded state of one incident.

use super::{
    ActionItem, ActionState, AttachedAlert, CorrectiveAction, CorrectiveState, EarlierIncident,
    EscalationRecord, Event, EventKind, IncidentId, LapseRecord, NoteKind, PublicPost, Review,
    Role, Roster, Severity, SeverityScale, Status, Timestamp, UpdateMark,
};
use serde::{Deserialize, Serialize};

/// An incident as its events leave it. Only [`Incident::apply`] changes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: IncidentId,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub service: Option<String>,
    pub summary: Option<String>,
    /// The `seq` of the last event applied; the value `If-Match` compares against.
    pub version: u64,
    pub declared_by: String,
    pub declared_at: Timestamp,
    pub impact_started_at: Option<Timestamp>,
    pub detected_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    /// The first mitigation. A reopening keeps it: an incident that was ever mitigated stays
    /// so in the record (and is no false alarm).
    pub mitigated_at: Option<Timestamp>,
    /// The current resolution; a reopening clears it (the earlier one stays in the log).
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// When it was called a false alarm; a reopening clears it.
    #[serde(default)]
    pub cancelled_at: Option<Timestamp>,
    /// The last person who held command, once anyone has: after that every new commander
    /// takes over from someone and needs a brief, even when the seat was vacant meanwhile.
    #[serde(default)]
    pub last_commander: Option<String>,
    /// Firing alerts of its group beyond the per-incident limit: counted, not attached.
    #[serde(default)]
    pub more_alerts: u32,
    /// The last internal `update` note, or the declaration: the update countdown runs from it.
    pub last_update_at: Timestamp,
    pub roles: Roster,
    pub actions: Vec<ActionItem>,
    /// Alerts attached to the incident, in the order they joined.
    #[serde(default)]
    pub alerts: Vec<AttachedAlert>,
    /// The Alertmanager group that opened or joined this incident, if any.
    #[serde(default)]
    pub alert_group: Option<String>,
    /// The post-incident review; editable after the close.
    #[serde(default)]
    pub review: Review,
    /// Follow-ups that outlive the incident; editable after the close.
    #[serde(default)]
    pub corrective_actions: Vec<CorrectiveAction>,
    /// Earlier incidents this one repeats, as found when it was declared.
    #[serde(default)]
    pub recurs: Vec<EarlierIncident>,
    /// The status-page updates published so far, oldest first.
    #[serde(default)]
    pub public_updates: Vec<PublicPost>,
    /// Since when nobody commands, while nobody does.
    #[serde(default)]
    pub commander_vacant_since: Option<Timestamp>,
    /// The lapses the backend's clock recorded.
    #[serde(default)]
    pub lapses: Vec<LapseRecord>,
    /// The escalation steps taken, so each is taken once.
    #[serde(default)]
    pub escalations: Vec<EscalationRecord>,
    /// The survivor this duplicate was merged into: where its id points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<IncidentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_at: Option<Timestamp>,
    /// The duplicates merged into this incident, in the order they were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<IncidentId>,
    /// Each internal update posted while open, and each end of the open incident, with the
    /// countdown it ran on: what update discipline is measured from (see `figures.rs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub update_marks: Vec<UpdateMark>,
}

impl Incident {
    /// The state before any event: a placeholder that the `declared` event fills in.
    pub fn blank(id: IncidentId) -> Self {
        let epoch = Timestamp::UNIX_EPOCH;
        Incident {
            id,
            title: String::new(),
            severity: Severity::new(""),
            status: Status::Triggered,
            service: None,
            summary: None,
            version: 0,
            declared_by: String::new(),
            declared_at: epoch,
            impact_started_at: None,
            detected_at: epoch,
            acknowledged_at: None,
            mitigated_at: None,
            resolved_at: None,
            closed_at: None,
            cancelled_at: None,
            last_commander: None,
            more_alerts: 0,
            last_update_at: epoch,
            roles: Roster::default(),
            actions: Vec::new(),
            alerts: Vec::new(),
            alert_group: None,
            review: Review::default(),
            corrective_actions: Vec::new(),
            recurs: Vec::new(),
            public_updates: Vec::new(),
            commander_vacant_since: None,
            lapses: Vec::new(),
            escalations: Vec::new(),
            merged_into: None,
            merged_at: None,
            merged_from: Vec::new(),
            update_marks: Vec::new(),
        }
    }

    /// Folds a log. Events of other incidents are a caller's bug, so they are skipped.
    pub fn fold<'a>(id: IncidentId, events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut incident = Incident::blank(id);
        for event in events {
            incident.apply(event);
        }
        incident
    }

    /// Applies one event. Events were validated by `decide` when they were written, so this
    /// never refuses; an event that no longer makes sense (an unknown action id) is a no-op.
    pub fn apply(&mut self, event: &Event) {
        if event.incident != self.id {
            return;
        }
        self.version = event.seq;
        let at = event.at;
        self.mark_update(event);
        match &event.kind {
            EventKind::Declared {
                title,
                severity,
                service,
                summary,
                impact_started_at,
                detected_at,
                acknowledged,
            } => {
                self.title = title.clone();
                self.severity = severity.clone();
                self.service = service.clone();
                self.summary = summary.clone();
                self.impact_started_at = *impact_started_at;
                self.detected_at = *detected_at;
                self.declared_by = event.actor.clone();
                self.declared_at = at;
                self.last_update_at = at;
                if *acknowledged {
                    self.status = Status::Acknowledged;
                    self.acknowledged_at = Some(at);
                }
            }
            EventKind::StatusChanged { to, commander, .. } => {
                self.change_status(*to, at);
                if let Some(commander) = commander {
                    self.roles.commander = Some(commander.clone());
                    self.last_commander = Some(commander.clone());
                }
            }
            EventKind::SeverityChanged { to, .. } => self.severity = to.clone(),
            EventKind::RoleAssigned {
                role,
                person,
                focus,
            } => {
                if *role == Role::Commander {
                    self.last_commander = Some(person.clone());
                }
                self.roles.assign(*role, person, focus.as_deref())
            }
            EventKind::RoleRelieved { role, person } => self.roles.relieve(*role, person),
            EventKind::CommandTransferred { to, .. } => {
                self.roles.commander = Some(to.clone());
                self.last_commander = Some(to.clone());
            }
            EventKind::NoteAdded { kind, .. } => {
                if *kind == NoteKind::Update {
                    self.last_update_at = at;
                }
            }
            EventKind::ActionAdded {
                action,
                text,
                owner,
                due_at,
            } => self.actions.push(ActionItem {
                id: *action,
                text: text.clone(),
                owner: owner.clone(),
                due_at: *due_at,
                state: ActionState::Open,
                created_at: at,
                closed_at: None,
            }),
            EventKind::ActionCompleted { action } => {
                self.set_action_state(*action, ActionState::Done, at)
            }
            EventKind::ActionReopened { action } => {
                self.set_action_state(*action, ActionState::Open, at)
            }
            EventKind::ActionDropped { action } => {
                self.set_action_state(*action, ActionState::Dropped, at)
            }
            EventKind::ImpactStartSet { at: started } => self.impact_started_at = Some(*started),
            EventKind::SummarySet { summary } => {
                self.summary = Some(summary.clone()).filter(|s| !s.is_empty())
            }
            EventKind::AlertAttached { alert, group } => {
                if self.alert_group.is_none() {
                    self.alert_group.clone_from(group);
                }
                match self.alert_mut(&alert.fingerprint) {
                    // The same alert firing again after it resolved.
                    Some(attached) => {
                        attached.alert = alert.clone();
                        attached.resolved_at = None;
                    }
                    None => self.alerts.push(AttachedAlert {
                        alert: alert.clone(),
                        resolved_at: None,
                    }),
                }
            }
            EventKind::AlertResolved {
                fingerprint,
                ended_at,
                ..
            } => {
                if let Some(attached) = self.alert_mut(fingerprint) {
                    attached.resolved_at = Some(*ended_at);
                }
            }
            EventKind::AlertsCounted { more } => self.more_alerts = *more,
            EventKind::MetricSnapshot { .. } => {}
            EventKind::ReviewEdited { edit } => edit.apply_to(&mut self.review),
            EventKind::CorrectiveActionAdded {
                id,
                text,
                kind,
                owner,
                due_at,
                ticket,
            } => self.corrective_actions.push(CorrectiveAction {
                id: *id,
                text: text.clone(),
                kind: *kind,
                owner: owner.clone(),
                due_at: *due_at,
                ticket: ticket.clone(),
                state: CorrectiveState::Open,
                created_at: at,
                closed_at: None,
            }),
            EventKind::CorrectiveActionCompleted { id } => {
                self.close_corrective(*id, CorrectiveState::Done, at)
            }
            EventKind::CorrectiveActionDropped { id } => {
                self.close_corrective(*id, CorrectiveState::Dropped, at)
            }
            EventKind::CorrectiveActionReopened { id } => {
                if let Some(action) = self.corrective_action_mut(*id) {
                    action.state = CorrectiveState::Open;
                    action.closed_at = None;
                }
            }
            EventKind::CorrectiveKindChanged { id, to, .. } => {
                if let Some(action) = self.corrective_action_mut(*id) {
                    action.kind = *to;
                }
            }
            EventKind::RecurrenceLinked { earlier } => self.recurs.clone_from(earlier),
            EventKind::PublicUpdate(update) => self.public_updates.push(PublicPost {
                seq: event.seq,
                at,
                update: update.clone(),
            }),
            EventKind::Lapsed { lapse, due } => self.lapses.push(LapseRecord {
                lapse: *lapse,
                due: *due,
            }),
            // The alerts follow as their own events.
            EventKind::AlertJoined { .. } => {}
            EventKind::MergedInto { into } => {
                self.status = Status::Merged;
                self.merged_into = Some(into.clone());
                self.merged_at = Some(at);
            }
            EventKind::IncidentMerged { from, .. } => self.merged_from.push(from.clone()),
            EventKind::Escalated {
                episode,
                round,
                step,
                ..
            } => self.escalations.push(EscalationRecord {
                episode: *episode,
                round: *round,
                step: *step,
            }),
        }
        self.commander_vacant_since = match (&self.roles.commander, self.commander_vacant_since) {
            (Some(_), _) => None,
            (None, Some(since)) => Some(since),
            (None, None) => Some(at),
        };
    }

    /// Records an [`UpdateMark`] when `event` posts an internal update or ends the incident
    /// while it is open, before the event changes the countdown.
    fn mark_update(&mut self, event: &Event) {
        let posted = match &event.kind {
            EventKind::NoteAdded {
                kind: NoteKind::Update,
                ..
            } => true,
            EventKind::StatusChanged { to, .. } if !to.is_open() => false,
            _ => return,
        };
        if self.status.is_open() {
            self.update_marks.push(UpdateMark {
                severity: self.severity.clone(),
                since: self.last_update_at,
                at: event.at,
                posted,
            });
        }
    }

    fn close_corrective(&mut self, id: u32, state: CorrectiveState, at: Timestamp) {
        if let Some(action) = self.corrective_action_mut(id) {
            action.state = state;
            action.closed_at = Some(at);
        }
    }

    fn corrective_action_mut(&mut self, id: u32) -> Option<&mut CorrectiveAction> {
        self.corrective_actions.iter_mut().find(|a| a.id == id)
    }

    pub(crate) fn corrective_action(&self, id: u32) -> Option<&CorrectiveAction> {
        self.corrective_actions.iter().find(|a| a.id == id)
    }

    fn change_status(&mut self, to: Status, at: Timestamp) {
        if to == Status::Investigating {
            // Reopening: the incident is no longer resolved or cancelled. The first
            // mitigation stays: it happened, and it makes the incident no false alarm.
            self.resolved_at = None;
            self.cancelled_at = None;
        }
        // The first move out of triggered is a person taking the page on, whatever the move
        // (mitigating or even cancelling it acknowledges it too). Nothing goes back to
        // triggered, so this happens once.
        if self.status == Status::Triggered {
            self.acknowledged_at = Some(at);
        }
        if matches!(to, Status::Mitigated | Status::Resolved) && self.mitigated_at.is_none() {
            self.mitigated_at = Some(at);
        }
        match to {
            Status::Resolved => self.resolved_at = Some(at),
            Status::Closed => self.closed_at = Some(at),
            Status::Cancelled => self.cancelled_at = Some(at),
            _ => {}
        }
        self.status = to;
    }

    fn set_action_state(&mut self, id: u32, state: ActionState, at: Timestamp) {
        if let Some(item) = self.actions.iter_mut().find(|item| item.id == id) {
            item.state = state;
            item.closed_at = (state != ActionState::Open).then_some(at);
        }
    }

    pub fn alert(&self, fingerprint: &str) -> Option<&AttachedAlert> {
        self.alerts
            .iter()
            .find(|a| a.alert.fingerprint == fingerprint)
    }

    fn alert_mut(&mut self, fingerprint: &str) -> Option<&mut AttachedAlert> {
        self.alerts
            .iter_mut()
            .find(|a| a.alert.fingerprint == fingerprint)
    }

    pub fn action(&self, id: u32) -> Option<&ActionItem> {
        self.actions.iter().find(|item| item.id == id)
    }

    /// When the next internal update is due, or `None` once the incident is no longer open.
    pub fn update_due_at(&self, scale: &SeverityScale) -> Option<Timestamp> {
        if !self.status.is_open() {
            return None;
        }
        scale
            .update_interval(&self.severity)
            .map(|interval| self.last_update_at + interval)
    }
}
