//! Any incident opens, however old: `:go INC-2000`, Enter in the list, Enter on the
//! recurrence line. One this screen holds is shown at once; another's log is read from the
//! backend (an effect), and shown when it arrives, if it is still the one asked for. It is
//! then held like any ended incident on screen: its response record is final (the domain
//! refuses response commands), its review and corrective actions stay editable, and its log
//! is let go of once another incident is on screen (its folded state too, unless it is among
//! the newest ended ones a screen keeps).

use super::{Effect, Model};
use crate::client::ClientError;
use crate::domain::{Event, IncidentId};

/// Shows `id`: at once if it is here, else once its log is read.
pub(super) fn open(model: &mut Model, id: IncidentId) -> Vec<Effect> {
    if model.incidents.get(&id).is_some() {
        model.desk.opening = None;
        model.select(Some(id));
        return vec![];
    }
    model.notify(format!("opening {id}…"), false);
    model.desk.opening = Some(id.clone());
    vec![Effect::Open(id)]
}

/// The log of an incident asked for arrived: shown, if it is still the one waited for.
pub(super) fn on_opened(
    model: &mut Model,
    id: IncidentId,
    result: Result<Vec<Event>, ClientError>,
) -> Vec<Effect> {
    if model.desk.opening.as_ref() != Some(&id) {
        // Another was asked for since (or the person moved on): this one is not held.
        model.dirty = false;
        return vec![];
    }
    model.desk.opening = None;
    match result {
        Ok(events) if !events.is_empty() => {
            model.incidents.backfill(id.clone(), events);
            model.select(Some(id));
            // "opening INC-n…" is done.
            model.notice = None;
        }
        Ok(_) => model.notify(format!("there is no incident {id}"), true),
        Err(error) => model.notify(format!("cannot open {id}: {}", error.reason()), true),
    }
    vec![]
}

/// Opens the incident the recurrence line names first ("this happened before: INC-12 …").
pub(super) fn open_earlier(model: &mut Model) -> Vec<Effect> {
    let earlier = model
        .current()
        .and_then(|tracked| tracked.state.recurs.first())
        .map(|earlier| earlier.incident.clone());
    match earlier {
        Some(id) => open(model, id),
        None => {
            model.dirty = false;
            vec![]
        }
    }
}

/// After a command done here on an ended incident: read what it changed, which the feed of
/// an SSH session's shared fold does not carry for an incident it does not hold.
pub(super) fn catch_up(model: &Model, id: &IncidentId) -> Option<Effect> {
    let tracked = model.incidents.get(id)?;
    (!tracked.state.status.is_open()).then(|| Effect::CatchUp {
        incident: id.clone(),
        after: tracked.state.version,
    })
}

/// What a command changed on an ended incident, read back; a failure changes nothing (the
/// screen shows the incident as it was, and the command's own notice said it was done).
pub(super) fn on_caught_up(
    model: &mut Model,
    id: &IncidentId,
    result: Result<Vec<Event>, ClientError>,
) {
    match result {
        Ok(events) => model.incidents.catch_up(id, &events),
        Err(_) => model.dirty = false,
    }
}
