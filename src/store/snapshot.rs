//! Folded incidents kept beside the log, so that a replica starts without folding history.
//!
//! # Why a snapshot row per incident, written by the store
//! A replica keeps in memory only the incidents that are open or ended recently, plus a bounded
//! cache of the newest events (see `server/timeline.rs`). Folding the whole log at startup
//! would make restart time grow with history, so each store keeps, in a table `incidents`, one
//! row per incident: the incident as its events leave it (the domain's [`Incident`] as JSON)
//! with the columns a replica selects on (`open`, `ended_at`, `declared_at`, `alert_group`).
//!
//! The rows are folded by the store itself, in the same transaction as the events they fold:
//! [`Store::commit`](super::Store::commit) reads the rows of the incidents its events touch,
//! applies the events with the domain's own [`Incident::apply`] and writes them back. So a row
//! can never disagree with the log (both commit or neither), and every way events reach a
//! store (the writer, `warroom store copy`, the demo) keeps the rows right without knowing
//! about them. A one-row table `folded` says up to which `seq` the rows are surely folded;
//! opening a store folds whatever lies beyond it (all of the log once, when an older file or
//! database gains the table; afterwards events appended by something other than warroom, such
//! as `scripts/history_bench.py`). Folding is idempotent: a row's `version` is the `seq` of the
//! last event in it, and [`fold`] skips events at or below it. So SQLite moves `folded.head`
//! only every thousand events and at a clean stop (a page less in every commit), and an open
//! after a crash folds those events again to no effect.
//!
//! Startup then reads, in one consistent read ([`Store::resume`](super::Store::resume)), the
//! rows of the open and recently ended incidents, the newest events and the alert groups: its
//! cost follows what is kept, not how long the log is. Anything older is read on demand.
//!
//! The price: each commit reads and rewrites the row of every incident it touches (one query
//! each way per batch in PostgreSQL, a cached statement per incident in SQLite). Not small
//! beside the fsync of the group commit (BENCHMARKS.md, issue 23): SQLite writes each row's
//! page to the WAL, and takes the JSON of an incident whose only change is its version (a
//! note) from what it remembers (`row_encoder.rs`) instead of encoding it again.

use super::StoreError;
use crate::domain::{Event, Incident, IncidentFigures, Timestamp};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What startup needs, read in one consistent view of the store.
#[derive(Debug, Default)]
pub struct Resume {
    /// The open incidents and those ended since the cutoff, ascending number.
    pub incidents: Vec<Incident>,
    /// The newest events, ascending `seq`.
    pub tail: Vec<Event>,
    /// The highest incident number ever declared (0 when none was).
    pub newest_number: u64,
    /// Every Alertmanager group with the newest incident it opened or joined.
    pub groups: Vec<(String, u64)>,
}

/// Which stored incidents to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    All,
    /// Declared at or after this time and with public updates: the status page's history.
    PublishedSince(Timestamp),
}

/// When an incident ended (resolved, closed, called a false alarm or merged, the latest), or
/// `None` while it is open. A replica keeps an ended incident in memory for `--keep-ended`
/// after this.
pub fn ended_at(incident: &Incident) -> Option<Timestamp> {
    if incident.status.is_open() {
        return None;
    }
    [
        incident.resolved_at,
        incident.closed_at,
        incident.cancelled_at,
        incident.merged_at,
    ]
    .into_iter()
    .flatten()
    .max()
    .or(Some(incident.declared_at))
}

/// One incident as the `incidents` table holds it. Times are fixed-width text, so that they
/// compare as text in SQL.
///
/// Beside the body, the columns that readers of history select on without decoding it
/// (schema 8, issue 19): the title, service, severity and status (lists and their filters),
/// whether it has public updates (the status page's history), how many corrective actions it
/// has (the follow-ups) and its [`IncidentFigures`] as JSON (the report, the recurrence rate,
/// update discipline): a few hundred bytes, where the body grows with the incident.
pub struct SnapshotRow {
    pub number: i64,
    pub version: i64,
    pub open: bool,
    pub ended_at: Option<String>,
    pub declared_at: String,
    pub alert_group: Option<String>,
    pub body: String,
    pub title: String,
    pub service: Option<String>,
    pub severity: String,
    pub status: &'static str,
    pub published: bool,
    pub followups: i64,
    pub figures: String,
}

impl SnapshotRow {
    pub fn encode(incident: &Incident) -> Result<SnapshotRow, StoreError> {
        let body = serde_json::to_string(incident).map_err(|err| unstorable(incident, err))?;
        SnapshotRow::with_text(incident, body, encode_figures(incident)?)
    }

    /// The row of `incident`, whose body and figures are already encoded as JSON.
    pub fn with_text(
        incident: &Incident,
        body: String,
        figures: String,
    ) -> Result<SnapshotRow, StoreError> {
        Ok(SnapshotRow {
            number: super::row::seq_column(incident.id.number())?,
            version: super::row::seq_column(incident.version)?,
            open: incident.status.is_open(),
            ended_at: ended_at(incident).map(super::row::fixed_time),
            declared_at: super::row::fixed_time(incident.declared_at),
            alert_group: incident.alert_group.clone(),
            body,
            title: incident.title.clone(),
            service: incident.service.clone(),
            severity: incident.severity.as_str().to_string(),
            status: incident.status.as_str(),
            published: !incident.public_updates.is_empty(),
            followups: i64::try_from(incident.corrective_actions.len()).unwrap_or(i64::MAX),
            figures,
        })
    }
}

/// The `figures` column of `incident`'s row.
pub fn encode_figures(incident: &Incident) -> Result<String, StoreError> {
    serde_json::to_string(&IncidentFigures::from(incident)).map_err(|err| unstorable(incident, err))
}

/// An incident that cannot be written as JSON (a map with a key that is not a string, say).
pub fn unstorable(incident: &Incident, err: serde_json::Error) -> StoreError {
    StoreError::Unstorable(format!("cannot store incident {}: {err}", incident.id))
}

/// An incident's figures (or the part `T` of them) from their stored JSON; a row that does not
/// parse names its incident.
pub fn decode_figures<T: serde::de::DeserializeOwned>(
    number: i64,
    figures: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(figures).map_err(|err| StoreError::Corrupt {
        row: format!("the figures of incident {number}"),
        reason: err.to_string(),
    })
}

/// An incident from its stored JSON; a row that does not parse names its incident.
pub fn decode(number: i64, body: &str) -> Result<Incident, StoreError> {
    serde_json::from_str(body).map_err(|err| StoreError::Corrupt {
        row: format!("the snapshot row of incident {number}"),
        reason: err.to_string(),
    })
}

/// Folds `events` into the incidents they touch, starting from `stored` (the rows the store
/// holds for them; an incident without one starts blank). An event at or below an incident's
/// version is already in its row and is skipped. Returns the touched incidents.
pub fn fold<'e>(
    mut stored: BTreeMap<u64, Incident>,
    events: impl IntoIterator<Item = &'e Event>,
) -> Vec<Incident> {
    for event in events {
        let incident = stored
            .entry(event.incident.number())
            .or_insert_with(|| Incident::blank(event.incident.clone()));
        if event.seq > incident.version {
            incident.apply(event);
        }
    }
    stored.into_values().collect()
}

/// The incidents `events` leave, for their snapshot rows, ascending number. Those the writer
/// already `folded` (at the version of their last event here) are taken as they are; the
/// others are read with `read` (their stored rows, given their numbers) and folded here, as
/// for events that reach the store some other way (`warroom store copy`, the demo). So a
/// commit of the writer neither reads nor decodes its incidents back.
pub fn fold_touched<'a>(
    events: &[Event],
    folded: &'a HashMap<u64, Incident>,
    read: impl FnOnce(&[i64]) -> Result<Vec<Incident>, StoreError>,
) -> Result<Vec<Cow<'a, Incident>>, StoreError> {
    let touched = Touched::new(events, folded);
    let numbers = touched.to_read()?;
    let stored = if numbers.is_empty() {
        Vec::new()
    } else {
        read(&numbers)?
    };
    Ok(touched.finish(events, stored))
}

/// [`fold_touched`] in two steps, for a store that reads asynchronously between them: the
/// incidents the writer folded, and the numbers of those whose stored rows must be read.
pub struct Touched<'a> {
    ready: Vec<Cow<'a, Incident>>,
    unfolded: BTreeSet<u64>,
}

impl<'a> Touched<'a> {
    pub fn new(events: &[Event], folded: &'a HashMap<u64, Incident>) -> Touched<'a> {
        let mut last_seq = BTreeMap::new();
        for event in events {
            last_seq.insert(event.incident.number(), event.seq);
        }
        let mut ready = Vec::with_capacity(last_seq.len());
        let mut unfolded = BTreeSet::new();
        for (number, seq) in last_seq {
            match folded.get(&number) {
                Some(incident) if incident.version == seq => ready.push(Cow::Borrowed(incident)),
                _ => {
                    unfolded.insert(number);
                }
            }
        }
        Touched { ready, unfolded }
    }

    /// The numbers whose stored rows [`Touched::finish`] needs; empty when the writer folded
    /// them all.
    pub fn to_read(&self) -> Result<Vec<i64>, StoreError> {
        self.unfolded
            .iter()
            .map(|&number| super::row::seq_column(number))
            .collect()
    }

    /// The touched incidents, ascending number: the `stored` rows (those read for
    /// [`Touched::to_read`]) with their events of `events` folded in, beside the ready ones.
    pub fn finish(self, events: &[Event], stored: Vec<Incident>) -> Vec<Cow<'a, Incident>> {
        let Touched {
            mut ready,
            unfolded,
        } = self;
        if unfolded.is_empty() {
            return ready;
        }
        let stored = stored
            .into_iter()
            .map(|incident| (incident.id.number(), incident))
            .collect();
        let theirs = events
            .iter()
            .filter(|event| unfolded.contains(&event.incident.number()));
        ready.extend(fold(stored, theirs).into_iter().map(Cow::Owned));
        ready.sort_by_key(|incident| incident.id.number());
        ready
    }
}
