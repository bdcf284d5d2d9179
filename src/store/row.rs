//! An event as both stores keep it: `seq` as a signed 64-bit integer, the time as RFC 3339
//! text (nanoseconds survive, which a SQL timestamp would cut) and the kind as its JSON, so
//! that a copy between stores gives back exactly the events it read.

use super::StoreError;
use crate::domain::{Event, EventKind, IncidentId, Timestamp};

pub struct Row {
    pub seq: i64,
    pub incident: String,
    pub at: String,
    pub actor: String,
    pub kind: String,
    /// How the actor came (`ssh`), when not directly.
    pub via: Option<String>,
    /// When the person acted, if the command waited in an outbox (schema 5); `None` otherwise.
    pub intended_at: Option<String>,
}

impl Row {
    pub fn encode(event: &Event) -> Result<Row, StoreError> {
        let kind = serde_json::to_string(&event.kind).map_err(|err| {
            StoreError::Unstorable(format!("cannot store event {}: {err}", event.seq))
        })?;
        Ok(Row {
            seq: seq_column(event.seq)?,
            incident: event.incident.to_string(),
            at: format_time(event.at),
            actor: event.actor.clone(),
            kind,
            via: event.via.clone(),
            intended_at: event.intended_at.map(format_time),
        })
    }

    /// The event, or [`StoreError::Corrupt`] naming its seq: the row was written by
    /// something else or damaged.
    pub fn decode(self) -> Result<Event, StoreError> {
        let seq = self.seq;
        let corrupt = |reason: String| StoreError::Corrupt {
            row: format!("event {seq} in the log"),
            reason,
        };
        let incident = IncidentId::try_from(self.incident).map_err(|e| corrupt(e.to_string()))?;
        let at = parse_time(&self.at).map_err(corrupt)?;
        let kind: EventKind =
            serde_json::from_str(&self.kind).map_err(|err| corrupt(format!("bad kind: {err}")))?;
        let intended_at = self
            .intended_at
            .map(|text| parse_time(&text).map_err(|reason| corrupt(format!("intended: {reason}"))))
            .transpose()?;
        let seq = u64::try_from(seq).map_err(|_| corrupt("negative seq".into()))?;
        Ok(Event {
            seq,
            incident,
            at,
            actor: self.actor,
            via: self.via,
            kind,
            intended_at,
        })
    }
}

/// A seq as the stores' signed 64-bit columns hold it; one beyond `i64::MAX` is refused
/// rather than wrapped to a negative number.
pub fn seq_column(seq: u64) -> Result<i64, StoreError> {
    i64::try_from(seq)
        .map_err(|_| StoreError::Unstorable(format!("seq {seq} does not fit a 64-bit column")))
}

/// A time as the stores write it: RFC 3339 in UTC with as many digits as it has.
pub fn format_time(at: Timestamp) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Fixed-width UTC, so that the outbox's times compare correctly as text in SQL.
pub fn fixed_time(at: Timestamp) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// A time as the stores write it; what is wrong with it, if it does not parse, for the
/// caller to name the row it came from.
pub fn parse_time(text: &str) -> Result<Timestamp, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|at| at.to_utc())
        .map_err(|err| format!("bad time '{text}': {err}"))
}
