//! Rows read the same way in both stores: [`Columns`] is what a result row of either database
//! offers, and the readers here turn the rows of the shared statements into values, so that a
//! row that does not parse is reported alike whichever store holds it.

use crate::domain::{Event, Followup, Incident, IncidentFigures, IncidentFollowups, Timestamp};
use crate::store::outbox::{Delivery, DeliveryState, Standing};
use crate::store::row::{Row, parse_time};
use crate::store::{Remembered, StoreError, StoredResponse, snapshot};

/// A result row, read by column number.
pub trait Columns {
    fn int(&self, column: usize) -> Result<i64, StoreError>;
    fn text(&self, column: usize) -> Result<String, StoreError>;
    fn optional_text(&self, column: usize) -> Result<Option<String>, StoreError>;
}

/// How the rows of one statement are read.
pub type Read<T> = fn(&dyn Columns) -> Result<T, StoreError>;

/// The rows of one statement, each as its [`Read`] made it.
pub type Rows<T> = Result<Vec<T>, StoreError>;

/// An event from `(seq, incident, at, actor, kind, via, intended_at)`.
pub fn event(row: &dyn Columns) -> Result<Event, StoreError> {
    Row {
        seq: row.int(0)?,
        incident: row.text(1)?,
        at: row.text(2)?,
        actor: row.text(3)?,
        kind: row.text(4)?,
        via: row.optional_text(5)?,
        intended_at: row.optional_text(6)?,
    }
    .decode()
}

/// An incident from its snapshot row's `(number, body)`.
pub fn incident(row: &dyn Columns) -> Result<Incident, StoreError> {
    snapshot::decode(row.int(0)?, &row.text(1)?)
}

/// An incident's figures from `(number, figures)`.
pub fn figures(row: &dyn Columns) -> Result<IncidentFigures, StoreError> {
    snapshot::decode_figures(row.int(0)?, &row.text(1)?)
}

/// An incident's corrective actions from `(number, figures)`.
pub fn followups(row: &dyn Columns) -> Result<IncidentFollowups, StoreError> {
    snapshot::decode_figures(row.int(0)?, &row.text(1)?)
}

/// A follow-up from its row's `(number, title, action)`, not yet judged overdue.
pub fn followup(row: &dyn Columns) -> Result<Followup, StoreError> {
    crate::store::followups::decode(row.int(0)?, row.text(1)?, &row.text(2)?)
}

/// An answer kept for an idempotency key, from `(request, stored_at, status, body, location)`.
pub fn remembered(row: &dyn Columns) -> Result<Remembered, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        row: "an answer kept for an idempotency key".into(),
        reason,
    };
    let status = row.int(2)?;
    Ok(Remembered {
        request: row.text(0)?,
        stored_at: parse_time(&row.text(1)?).map_err(corrupt)?,
        response: StoredResponse {
            status: u16::try_from(status).map_err(|_| corrupt(format!("status {status}")))?,
            body: row.text(3)?,
            location: row.optional_text(4)?,
        },
    })
}

/// A delivery from the outbox's columns in `statements.rs`'s order.
pub fn delivery(row: &dyn Columns) -> Result<Delivery, StoreError> {
    delivery_from(row, 0)
}

/// A claimed delivery: its `pos`, then the delivery.
pub fn claimed(row: &dyn Columns) -> Result<(i64, Delivery), StoreError> {
    Ok((row.int(0)?, delivery_from(row, 1)?))
}

/// The delivery whose columns start at `first`; one that does not parse names its id.
fn delivery_from(row: &dyn Columns, first: usize) -> Result<Delivery, StoreError> {
    let id = row.text(first)?;
    let corrupt = |reason: String| StoreError::Corrupt {
        row: format!("delivery {id} in the outbox"),
        reason,
    };
    let time = |column: usize| -> Result<Option<Timestamp>, StoreError> {
        let text = row.optional_text(first + column)?;
        text.map(|text| parse_time(&text).map_err(corrupt))
            .transpose()
    };
    let (seq, attempts, state) = (
        row.int(first + 3)?,
        row.int(first + 7)?,
        row.text(first + 6)?,
    );
    Ok(Delivery {
        target: row.text(first + 1)?,
        incident: row.text(first + 2)?,
        seq: u64::try_from(seq).map_err(|_| corrupt(format!("seq {seq}")))?,
        body: row.text(first + 4)?,
        created_at: parse_time(&row.text(first + 5)?).map_err(corrupt)?,
        state: DeliveryState::parse(&state)
            .ok_or_else(|| corrupt(format!("unknown state '{state}'")))?,
        attempts: u32::try_from(attempts).map_err(|_| corrupt(format!("{attempts} attempts")))?,
        last_error: row.optional_text(first + 8)?,
        next_attempt_at: time(9)?,
        finished_at: time(10)?,
        first_attempt_at: time(11)?,
        id,
    })
}

/// A count of undelivered deliveries: target, standing, count.
pub fn standing_count(row: &dyn Columns) -> Result<(String, Standing, u64), StoreError> {
    Ok((
        row.text(0)?,
        Standing::from_column(&row.text(1)?)?,
        row.int(2)?.unsigned_abs(),
    ))
}

/// The one text of a row (a delivery's state).
pub fn text(row: &dyn Columns) -> Result<String, StoreError> {
    row.text(0)
}

/// The one integer of a row (a count, the newest number).
pub fn int(row: &dyn Columns) -> Result<i64, StoreError> {
    row.int(0)
}

/// The one time of a row, or `None` where it is null (the earliest next attempt of an empty
/// outbox).
pub fn optional_time(row: &dyn Columns) -> Result<Option<Timestamp>, StoreError> {
    let text = row.optional_text(0)?;
    text.map(|text| {
        parse_time(&text).map_err(|reason| StoreError::Corrupt {
            row: "a time in the outbox".into(),
            reason,
        })
    })
    .transpose()
}

/// An alert group and the newest incident it opened or joined.
pub fn group(row: &dyn Columns) -> Result<(String, u64), StoreError> {
    Ok((row.text(0)?, u64::try_from(row.int(1)?).unwrap_or_default()))
}
