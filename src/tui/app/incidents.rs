//! The client's copy of the backend: the incidents worth showing, as the backend folded them,
//! kept current from the global feed with the same domain code the backend uses, so what the
//! screen shows is what the log says.
//!
//! Memory does not grow with history: a screen starts from the open incidents and those
//! ended lately ([`RECENT_MINUTES`], at most [`ENDED_KEPT`]), never the whole list; the open
//! incidents' logs are loaded, but an ended incident's log (which may hold tens of thousands
//! of events) only while it is on screen; the others keep their folded state and the events
//! seen on the feed. A past incident opened by hand (`:go`, the list) is held like any ended
//! one: its log while it is on screen, its folded state while it is among the newest
//! [`ENDED_KEPT`] ended.

use crate::domain::{Event, EventKind, Incident, IncidentId, SeverityScale, Timestamp};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Resolved, closed and cancelled incidents kept in memory besides the open ones: enough for
/// a desk to see what ended lately while a wall display running for days stays bounded.
pub const ENDED_KEPT: usize = 20;

/// How lately an ended incident must have ended for a fresh screen to hold it.
pub const RECENT_MINUTES: i64 = 60;

#[derive(Debug, Clone)]
pub struct Tracked {
    pub state: Incident,
    /// The timeline, oldest first: the whole log once `loaded`, else the events seen on the
    /// feed since the incident was tracked.
    pub events: Vec<Event>,
    /// Whether `events` is the whole log.
    pub loaded: bool,
    /// Whether its log was asked for and not yet given up on: asked once, not on every update.
    asked: bool,
}

impl Tracked {
    /// An incident as the backend folded it, its log not loaded yet.
    fn folded(state: Incident, asked: bool) -> Tracked {
        Tracked {
            state,
            events: Vec::new(),
            loaded: false,
            asked,
        }
    }
}

/// Cheap to clone: each incident is shared until one copy changes it, so the sessions of
/// `warroom ssh-serve` hold one folded state between them.
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    tracked: BTreeMap<IncidentId, Arc<Tracked>>,
    /// The highest `seq` seen on the feed: where the next long-poll resumes.
    pub cursor: u64,
}

/// The incidents a fresh screen holds of those listed: every open one, and the newest
/// [`ENDED_KEPT`] of those that ended less than [`RECENT_MINUTES`] before `now`.
pub fn worth_showing(incidents: &[Incident], now: Timestamp) -> Vec<IncidentId> {
    let recent = |incident: &&Incident| {
        super::model::ended_at(incident).is_some_and(|at| (now - at).num_minutes() < RECENT_MINUTES)
    };
    let mut ended: Vec<&Incident> = incidents.iter().filter(recent).collect();
    ended.sort_by_key(|incident| std::cmp::Reverse(incident.id.number()));
    incidents
        .iter()
        .filter(|incident| incident.status.is_open())
        .chain(ended.into_iter().take(ENDED_KEPT))
        .map(|incident| incident.id.clone())
        .collect()
}

impl Incidents {
    /// Starts from the incidents the backend folded ([`worth_showing`] at `now`), following
    /// the feed from the newest `seq` among them. Returns the open ones, whose logs the
    /// caller fetches; an ended one's log is fetched when it is shown
    /// ([`Incidents::log_wanted`]).
    pub fn start(&mut self, listed: Vec<Incident>, now: Timestamp) -> Vec<IncidentId> {
        self.cursor = listed.iter().map(|i| i.version).max().unwrap_or(0);
        let shown = worth_showing(&listed, now);
        let mut open = Vec::new();
        for incident in listed {
            if !shown.contains(&incident.id) {
                continue;
            }
            let is_open = incident.status.is_open();
            if is_open {
                open.push(incident.id.clone());
            }
            self.tracked.insert(
                incident.id.clone(),
                Arc::new(Tracked::folded(incident, is_open)),
            );
        }
        open.sort_by_key(|id| std::cmp::Reverse(id.number()));
        open
    }

    /// The log to fetch for the incident `shown` on screen, once: when it is tracked but its
    /// log is not loaded nor asked for yet.
    pub fn log_wanted(&mut self, shown: Option<&IncidentId>) -> Option<IncidentId> {
        let id = shown?;
        let tracked = self.tracked.get_mut(id)?;
        if tracked.loaded || tracked.asked {
            return None;
        }
        Arc::make_mut(tracked).asked = true;
        Some(id.clone())
    }

    /// Lets go of the logs of ended incidents other than the one `shown`: they keep their
    /// folded state, and their log is fetched again if they are shown again.
    pub fn unload_ended(&mut self, shown: Option<&IncidentId>) {
        for (id, tracked) in &mut self.tracked {
            if tracked.loaded && !tracked.state.status.is_open() && Some(id) != shown {
                let tracked = Arc::make_mut(tracked);
                tracked.events = Vec::new();
                tracked.loaded = false;
                tracked.asked = false;
            }
        }
    }

    /// Applies a page of the global feed. Returns the incidents whose earlier history is not
    /// here and that are open again (an ended one not held, reopened): the caller fetches
    /// their whole log. The other news of an incident not held (a review edited, a corrective
    /// action done, long after) is not the screen's: it is read when that incident is opened.
    pub fn apply_feed(&mut self, events: &[Event]) -> Vec<IncidentId> {
        let mut missing = Vec::new();
        for event in events {
            self.cursor = self.cursor.max(event.seq);
            match self.tracked.get_mut(&event.incident) {
                Some(tracked) if event.seq > tracked.state.version => {
                    let tracked = Arc::make_mut(tracked);
                    tracked.state.apply(event);
                    tracked.events.push(event.clone());
                    // A log that could not be fetched is asked for again on news, as shown.
                    tracked.asked &= tracked.loaded;
                }
                Some(_) => {} // seen already (a backfill raced the feed)
                None if matches!(event.kind, EventKind::Declared { .. }) => {
                    let mut state = Incident::blank(event.incident.clone());
                    state.apply(event);
                    let tracked = Tracked {
                        state,
                        events: vec![event.clone()],
                        loaded: true,
                        asked: false,
                    };
                    self.tracked
                        .insert(event.incident.clone(), Arc::new(tracked));
                }
                None if reopens(&event.kind) && !missing.contains(&event.incident) => {
                    missing.push(event.incident.clone());
                }
                None => {}
            }
        }
        missing
    }

    /// Replaces an incident with its complete log. The feed's cursor stays: the log may hold
    /// events newer than it, and moving past them would skip other incidents' events in
    /// between (the feed brings them again, and they are recognised as seen).
    pub fn backfill(&mut self, id: IncidentId, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        let state = Incident::fold(id.clone(), &events);
        let tracked = Tracked {
            state,
            events,
            loaded: true,
            asked: false,
        };
        self.tracked.insert(id, Arc::new(tracked));
    }

    /// The events newer than `cursor` held here, oldest first: what a fold handed over by a
    /// shared feed brought since the last one.
    pub fn events_after(&self, cursor: u64) -> Vec<Event> {
        let mut news: Vec<Event> = self
            .tracked
            .values()
            .flat_map(|t| t.events.iter().rev().take_while(|e| e.seq > cursor))
            .cloned()
            .collect();
        news.sort_by_key(|event| event.seq);
        news
    }

    /// Takes `shared`, a fold made elsewhere (`warroom ssh-serve`'s shared feed), keeping the
    /// logs this copy loaded, or asked for, that the shared fold lets go of (an ended
    /// incident's, fetched to be shown here), as long as nothing happened to them since; and
    /// the incident `shown` here if the shared fold does not hold it (a past one opened here).
    pub fn adopt(&mut self, mut shared: Incidents, shown: Option<&IncidentId>) {
        for (id, mine) in &self.tracked {
            match shared.tracked.get_mut(id) {
                Some(theirs)
                    if (mine.loaded || mine.asked)
                        && !theirs.loaded
                        && mine.state.version == theirs.state.version =>
                {
                    *theirs = Arc::clone(mine);
                }
                None if Some(id) == shown => {
                    shared.tracked.insert(id.clone(), Arc::clone(mine));
                }
                _ => {}
            }
        }
        *self = shared;
    }

    /// Applies the events of `id` after the version held (its whole log after that, oldest
    /// first, as the backend answered a catch-up): what a command done here changed on an
    /// incident the feed of this screen may not carry (a past one, over SSH). The feed's
    /// cursor stays, as for [`Incidents::backfill`].
    pub fn catch_up(&mut self, id: &IncidentId, events: &[Event]) {
        let Some(tracked) = self.tracked.get_mut(id) else {
            return;
        };
        let news: Vec<&Event> = events
            .iter()
            .filter(|event| event.seq > tracked.state.version)
            .collect();
        if news.is_empty() {
            return;
        }
        let tracked = Arc::make_mut(tracked);
        for event in news {
            tracked.state.apply(event);
            tracked.events.push(event.clone());
        }
    }

    pub fn get(&self, id: &IncidentId) -> Option<&Tracked> {
        self.tracked.get(id).map(Arc::as_ref)
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

    /// Forgets ended incidents beyond the newest [`ENDED_KEPT`], except `keep` (the one on
    /// screen, however old).
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

/// Whether an event makes an incident open again (a resolved or cancelled one reopened).
fn reopens(kind: &EventKind) -> bool {
    matches!(kind, EventKind::StatusChanged { to, .. } if to.is_open())
}
