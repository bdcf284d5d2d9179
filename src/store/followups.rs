//! The follow-ups as rows: one per corrective action, in a table `followups` beside the
//! snapshot rows (schema 9), so that `GET /v1/followups` reads a page in the list's order
//! from an index (due, incident, id) instead of every incident's figures.
//!
//! # When the rows are written
//! In the transaction that writes the incident's snapshot row, and only for an incident whose
//! corrective actions the batch's events change ([`EventKind::changes_corrective_actions`]):
//! a note on a live incident, what most commits carry, writes nothing here. Actions are never
//! removed, so an upsert of every action of such an incident keeps its rows exact.
//!
//! A row keeps the action as JSON (what a page answers), its state and its owner lower-cased
//! (ASCII only, as the filter compares), what a page selects on. The incident's title is read
//! from its snapshot row when a page is read, so a new title rewrites nothing here.
//!
//! [`EventKind::changes_corrective_actions`]: crate::domain::EventKind::changes_corrective_actions

use super::StoreError;
use super::row::{fixed_time, seq_column};
use crate::domain::{
    CorrectiveAction, Event, Followup, FollowupFilter, FollowupKey, FollowupStates, Incident,
    IncidentId,
};
use std::collections::BTreeSet;

/// One corrective action as the `followups` table holds it.
pub struct FollowupRow {
    pub number: i64,
    pub id: i64,
    pub due_at: String,
    pub state: &'static str,
    pub owner: String,
    pub action: String,
}

impl FollowupRow {
    /// The rows of incident `number`'s corrective actions.
    pub fn encode(
        number: u64,
        actions: &[CorrectiveAction],
    ) -> Result<Vec<FollowupRow>, StoreError> {
        let number = seq_column(number)?;
        actions
            .iter()
            .map(|action| {
                let json = serde_json::to_string(action).map_err(|err| {
                    StoreError::Unstorable(format!(
                        "cannot store corrective action {} of incident {number}: {err}",
                        action.id
                    ))
                })?;
                Ok(FollowupRow {
                    number,
                    id: i64::from(action.id),
                    due_at: fixed_time(action.due_at),
                    state: action.state.as_str(),
                    owner: action.owner.to_ascii_lowercase(),
                    action: json,
                })
            })
            .collect()
    }

    /// The rows to write for a batch: every action of each incident whose actions `events`
    /// change, of `incidents` (the batch's folded incidents).
    pub fn of_batch<'i>(
        events: &[Event],
        incidents: impl IntoIterator<Item = &'i Incident>,
    ) -> Result<Vec<FollowupRow>, StoreError> {
        let changed: BTreeSet<u64> = events
            .iter()
            .filter(|event| event.kind.changes_corrective_actions())
            .map(|event| event.incident.number())
            .collect();
        let mut rows = Vec::new();
        if changed.is_empty() {
            return Ok(rows);
        }
        for incident in incidents {
            let number = incident.id.number();
            if changed.contains(&number) {
                rows.extend(FollowupRow::encode(number, &incident.corrective_actions)?);
            }
        }
        Ok(rows)
    }
}

/// A page asked of the table: the statement's parameters after the cursor, as text and
/// integers both stores take.
pub struct PageParams {
    pub after_due: String,
    pub after_incident: i64,
    pub after_action: i64,
    pub states: &'static str,
    pub due_before: String,
    pub owner: String,
}

impl PageParams {
    pub fn new(filter: &FollowupFilter, after: Option<FollowupKey>) -> Result<Self, StoreError> {
        // Before the first page: '' sorts below every time.
        let (after_due, after_incident, after_action) = match after {
            None => (String::new(), 0, 0),
            Some(key) => (
                fixed_time(key.due_at),
                seq_column(key.incident)?,
                i64::from(key.action),
            ),
        };
        Ok(PageParams {
            after_due,
            after_incident,
            after_action,
            states: match filter.states {
                FollowupStates::Any => "any",
                FollowupStates::Open => "open",
                FollowupStates::Closed => "closed",
            },
            due_before: filter.due_before.map(fixed_time).unwrap_or_default(),
            owner: filter
                .owner
                .as_deref()
                .map(str::to_ascii_lowercase)
                .unwrap_or_default(),
        })
    }
}

/// A follow-up from `(number, title, action)`; `overdue` is for the reader to set.
pub fn decode(number: i64, title: String, action: &str) -> Result<Followup, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        row: format!("a corrective action of incident {number}"),
        reason,
    };
    let incident = u64::try_from(number)
        .map(IncidentId::from_number)
        .map_err(|_| corrupt(format!("number {number}")))?;
    let action: CorrectiveAction =
        serde_json::from_str(action).map_err(|err| corrupt(err.to_string()))?;
    Ok(Followup {
        incident,
        incident_title: title,
        action,
        overdue: false,
    })
}
