//! Merging a duplicate into the incident that carries on ("merge INC-4 into INC-3").
//!
//! A page for a service already burning, or two people declaring the same outage, leaves two
//! incidents for one problem. Cancelling one as a false alarm would lie in the record and skew
//! the report; merging ends the duplicate as `merged` (final, counted apart) and brings its
//! evidence to the survivor: its notes (carried in the survivor's `incident_merged` event with
//! their authors and times), its alerts and its open action items.

use super::command::required_text;
use super::{
    ActionState, Event, EventKind, Incident, IncidentId, MAX_TEXT_CHARS, NoteKind, Rejection,
    Status, Timestamp, clip,
};
use serde::{Deserialize, Serialize};

/// A note of the duplicate as the survivor keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarriedNote {
    pub at: Timestamp,
    pub actor: String,
    pub kind: NoteKind,
    pub text: String,
}

/// What a merge records: on the duplicate, then on the survivor.
#[derive(Debug, Clone, PartialEq)]
pub struct Merge {
    pub duplicate: Vec<EventKind>,
    pub survivor: Vec<EventKind>,
}

/// The rejection codes that mean "the incidents are not in a state to merge" rather than "the
/// request is malformed": the server answers them 409 Conflict.
pub const MERGE_CONFLICTS: [&str; 2] = ["already_merged", "survivor_ended"];

/// Decides a merge of `duplicate` (whose whole log is `log`) into `survivor`.
///
/// Rules: the survivor must be open (a closed record is final, and a resolved one would be
/// reopened by the duplicate's alerts: reopen it first); the duplicate may be in any state but
/// closed or merged (a cancelled duplicate becomes merged, which is the truer record). The
/// duplicate's alerts join the survivor with their group, so later notifications of that
/// group find the survivor; its open action items are added with new numbers and a prefix
/// naming where they came from.
pub fn merge(duplicate: &Incident, log: &[Event], survivor: &Incident) -> Result<Merge, Rejection> {
    if duplicate.id == survivor.id {
        return Err(Rejection::new(
            "invalid_input",
            format!("{} cannot be merged into itself", duplicate.id),
        ));
    }
    match (duplicate.status, &duplicate.merged_into) {
        (Status::Merged, Some(into)) => {
            return Err(Rejection::new(
                "already_merged",
                format!("{} was merged into {into} already", duplicate.id),
            ));
        }
        (Status::Closed, _) => {
            return Err(Rejection::new(
                "incident_closed",
                format!(
                    "{} is closed: its response record is final and it cannot be merged",
                    duplicate.id
                ),
            ));
        }
        _ => {}
    }
    if !survivor.status.is_open() {
        let why = match (&survivor.status, &survivor.merged_into) {
            (Status::Merged, Some(into)) => {
                format!(
                    "{} was itself merged into {into}: merge into {into}",
                    survivor.id
                )
            }
            (Status::Resolved, _) => format!(
                "{} is resolved: reopen it (investigating) before merging into it",
                survivor.id
            ),
            (status, _) => format!(
                "{} is {status}: a duplicate is merged into an open incident",
                survivor.id
            ),
        };
        return Err(Rejection::new("survivor_ended", why));
    }
    let notes = log
        .iter()
        .filter(|event| event.incident == duplicate.id)
        .filter_map(|event| match &event.kind {
            EventKind::NoteAdded { kind, text } => Some(CarriedNote {
                at: event.at,
                actor: event.actor.clone(),
                kind: *kind,
                text: text.clone(),
            }),
            _ => None,
        })
        .collect();
    let mut carried = vec![EventKind::IncidentMerged {
        from: duplicate.id.clone(),
        title: duplicate.title.clone(),
        notes,
    }];
    for attached in &duplicate.alerts {
        let on_survivor = survivor.alert(&attached.alert.fingerprint);
        if on_survivor.is_some_and(|a| a.resolved_at.is_none() || attached.resolved_at.is_some()) {
            continue;
        }
        carried.push(EventKind::AlertAttached {
            alert: attached.alert.clone(),
            group: duplicate.alert_group.clone(),
        });
        if let Some(ended_at) = attached.resolved_at {
            carried.push(EventKind::AlertResolved {
                fingerprint: attached.alert.fingerprint.clone(),
                name: attached.alert.name.clone(),
                ended_at,
            });
        }
    }
    let first_free = survivor.actions.iter().map(|a| a.id).max().unwrap_or(0) + 1;
    let open = duplicate
        .actions
        .iter()
        .filter(|item| item.state == ActionState::Open);
    for (action, item) in (first_free..).zip(open) {
        let text = clip(
            &format!("{} #{}: {}", duplicate.id, item.id, item.text),
            MAX_TEXT_CHARS,
        );
        carried.push(EventKind::ActionAdded {
            action,
            text: required_text("text", &text, MAX_TEXT_CHARS)?,
            owner: item.owner.clone(),
            due_at: item.due_at,
        });
    }
    Ok(Merge {
        duplicate: vec![EventKind::MergedInto {
            into: survivor.id.clone(),
        }],
        survivor: carried,
    })
}

impl Incident {
    /// Where this incident's story goes on: the survivor it was merged into, if it was.
    pub fn survivor(&self) -> Option<&IncidentId> {
        self.merged_into
            .as_ref()
            .filter(|_| self.status == Status::Merged)
    }
}
