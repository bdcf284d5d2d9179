//! The client's copy of the backend: every incident folded from the global feed with the same
//! domain code the backend uses, so what the screen shows is what the log says.

use crate::domain::{Event, EventKind, Incident, IncidentId, SeverityScale};
use std::collections::BTreeMap;

/// Resolved, closed and cancelled incidents kept in memory besides the open ones: enough for
/// `[`/`]` to browse recent history while a wall display running for days stays bounded.
pub const ENDED_KEPT: usize = 20;

#[derive(Debug, Clone)]
pub struct Tracked {
    pub state: Incident,
    /// The timeline, oldest first.
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Default)]
pub struct Incidents {
    tracked: BTreeMap<IncidentId, Tracked>,
    /// The highest `seq` seen on the feed: where the next long-poll resumes.
    pub cursor: u64,
}

/// The incidents a fresh screen shows: every open one and the newest [`ENDED_KEPT`] ended.
pub fn worth_showing(incidents: &[Incident]) -> Vec<IncidentId> {
    let mut ended: Vec<&Incident> = incidents.iter().filter(|i| !i.status.is_open()).collect();
    ended.sort_by_key(|incident| std::cmp::Reverse(incident.id.number()));
    incidents
        .iter()
        .filter(|incident| incident.status.is_open())
        .chain(ended.into_iter().take(ENDED_KEPT))
        .map(|incident| incident.id.clone())
        .collect()
}

impl Incidents {
    /// Applies a page of the global feed. Returns the incidents whose earlier history is not
    /// here (dropped to bound memory, then changed again): the caller fetches their whole log.
    pub fn apply_feed(&mut self, events: &[Event]) -> Vec<IncidentId> {
        let mut missing = Vec::new();
        for event in events {
            self.cursor = self.cursor.max(event.seq);
            match self.tracked.get_mut(&event.incident) {
                Some(tracked) if event.seq > tracked.state.version => {
                    tracked.state.apply(event);
                    tracked.events.push(event.clone());
                }
                Some(_) => {} // seen already (a backfill raced the feed)
                None if matches!(event.kind, EventKind::Declared { .. }) => {
                    let mut state = Incident::blank(event.incident.clone());
                    state.apply(event);
                    let tracked = Tracked {
                        state,
                        events: vec![event.clone()],
                    };
                    self.tracked.insert(event.incident.clone(), tracked);
                }
                None => {
                    if !missing.contains(&event.incident) {
                        missing.push(event.incident.clone());
                    }
                }
            }
        }
        missing
    }

    /// Replaces an incident with its complete log.
    pub fn backfill(&mut self, id: IncidentId, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        self.cursor = self
            .cursor
            .max(events.iter().map(|e| e.seq).max().unwrap_or(0));
        let state = Incident::fold(id.clone(), &events);
        self.tracked.insert(id, Tracked { state, events });
    }

    pub fn get(&self, id: &IncidentId) -> Option<&Tracked> {
        self.tracked.get(id)
    }

    /// Most severe first, then newest: the order of `[`/`]` and of the wall's choice.
    pub fn ordered(&self, scale: &SeverityScale) -> Vec<&Incident> {
        let mut all: Vec<&Incident> = self.tracked.values().map(|t| &t.state).collect();
        all.sort_by_key(|incident| {
            (
                !incident.status.is_open(),
                scale.rank(&incident.severity),
                std::cmp::Reverse(incident.id.number()),
            )
        });
        all
    }

    /// The incident a wall follows: the most severe open one, newest on a tie.
    pub fn most_severe_open(&self, scale: &SeverityScale) -> Option<IncidentId> {
        self.ordered(scale)
            .into_iter()
            .find(|incident| incident.status.is_open())
            .map(|incident| incident.id.clone())
    }

    pub fn open_count(&self) -> usize {
        self.tracked
            .values()
            .filter(|t| t.state.status.is_open())
            .count()
    }

    /// Forgets ended incidents beyond the newest [`ENDED_KEPT`], except `keep`.
    pub fn prune(&mut self, keep: Option<&IncidentId>) {
        let mut ended: Vec<IncidentId> = self
            .tracked
            .values()
            .filter(|t| !t.state.status.is_open() && Some(&t.state.id) != keep)
            .map(|t| t.state.id.clone())
            .collect();
        if ended.len() <= ENDED_KEPT {
            return;
        }
        ended.sort_by_key(|id| std::cmp::Reverse(id.number()));
        for id in &ended[ENDED_KEPT..] {
            self.tracked.remove(id);
        }
    }
}
