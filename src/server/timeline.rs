//! The timeline in memory: every incident folded from the log, and a bounded cache of the
//! most recent events. Memory does not grow with history: an older page of a feed is read
//! from the store (see `routes/events.rs`). The writer is the only one that changes it, and
//! only after a commit; handlers read it under a lock.

use crate::domain::{Event, Incident, IncidentId};
use crate::report::IncidentLog;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// How many recent events a replica keeps when not told otherwise (`--recent-events`): a
/// few days of a busy team's incidents, and a few megabytes. Older pages of the feeds, the
/// postmortem and the report read the store.
pub const DEFAULT_RECENT_EVENTS: usize = 10_000;

#[derive(Debug)]
pub struct Timeline {
    /// The newest events, ascending `seq`, at most `capacity` of them.
    recent: VecDeque<Event>,
    capacity: usize,
    /// The `seq` of the newest event dropped from `recent` (0 when none was): feeds after it
    /// are complete in memory.
    floor: u64,
    /// How many events were dropped from the front of `recent`: an event's position in the
    /// whole log minus this is its index in `recent`.
    dropped: usize,
    head: u64,
    /// Keyed by incident number, so iteration order is declaration order.
    incidents: BTreeMap<u64, Entry>,
    /// Alertmanager group key -> the newest incident of that group (`Incident::alert_group`).
    /// Folded from the log like everything else, so it survives a restart.
    groups: HashMap<String, u64>,
}

#[derive(Debug)]
struct Entry {
    incident: Incident,
    /// Positions in the whole log of this incident's events still in `recent`, ascending.
    recent: VecDeque<usize>,
}

/// What a feed read from memory found: the events, or "older than memory: ask the store".
#[derive(Debug, PartialEq)]
pub enum Page {
    Events(Vec<Event>),
    BeforeMemory,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline::with_capacity(DEFAULT_RECENT_EVENTS)
    }
}

impl Timeline {
    /// An empty timeline keeping at most `capacity` recent events (at least one).
    pub fn with_capacity(capacity: usize) -> Timeline {
        Timeline {
            recent: VecDeque::new(),
            capacity: capacity.max(1),
            floor: 0,
            dropped: 0,
            head: 0,
            incidents: BTreeMap::new(),
            groups: HashMap::new(),
        }
    }

    /// Folds a page of the loaded log, refusing one whose `seq` does not strictly increase
    /// (the cursor of every feed depends on it).
    pub fn fold(&mut self, events: Vec<Event>) -> Result<(), String> {
        for event in events {
            if event.seq <= self.head {
                return Err(format!(
                    "the log is out of order: seq {} follows seq {}",
                    event.seq, self.head
                ));
            }
            self.append(event);
        }
        Ok(())
    }

    /// The `seq` of the newest event, 0 when empty.
    pub fn head(&self) -> u64 {
        self.head
    }

    /// The number the next declared incident gets.
    pub fn next_number(&self) -> u64 {
        self.incidents.keys().next_back().map_or(1, |n| n + 1)
    }

    pub fn incident(&self, id: &IncidentId) -> Option<&Incident> {
        self.incidents
            .get(&id.number())
            .map(|entry| &entry.incident)
    }

    /// The newest incident an Alertmanager group opened or joined.
    pub fn group_incident(&self, group: &str) -> Option<&Incident> {
        let number = self.groups.get(group)?;
        self.incidents.get(number).map(|entry| &entry.incident)
    }

    /// Newest first; only the open ones if asked.
    pub fn incidents(&self, open_only: bool) -> Vec<&Incident> {
        self.incidents
            .values()
            .rev()
            .map(|entry| &entry.incident)
            .filter(|incident| !open_only || incident.status.is_open())
            .collect()
    }

    /// True while memory holds the whole log (no event was dropped for `--recent-events`):
    /// readers may take whole logs from here instead of the store.
    pub fn complete(&self) -> bool {
        self.floor == 0
    }

    /// One incident and the events of its log that memory holds, oldest first: its whole log
    /// while [`Timeline::complete`].
    pub fn incident_log(&self, id: &IncidentId) -> Option<(&Incident, Vec<&Event>)> {
        let entry = self.incidents.get(&id.number())?;
        Some((&entry.incident, self.entry_events(entry).collect()))
    }

    /// Every incident with the events memory holds, in declaration order: what the report
    /// reads (whole logs while [`Timeline::complete`]).
    pub fn logs(&self) -> Vec<IncidentLog<'_>> {
        self.incidents
            .values()
            .map(|entry| IncidentLog {
                incident: &entry.incident,
                events: self.entry_events(entry).collect(),
            })
            .collect()
    }

    fn entry_events<'a>(&'a self, entry: &'a Entry) -> impl Iterator<Item = &'a Event> + 'a {
        entry
            .recent
            .iter()
            .map(move |&position| &self.recent[position - self.dropped])
    }

    /// Up to `limit` events with `seq > after`, across all incidents.
    pub fn events_after(&self, after: u64, limit: usize) -> Page {
        if after < self.floor {
            return Page::BeforeMemory;
        }
        let start = self.recent.partition_point(|event| event.seq <= after);
        Page::Events(self.recent.range(start..).take(limit).cloned().collect())
    }

    /// Up to `limit` events of one incident with `seq > after`, or `None` if it does not exist.
    pub fn incident_events_after(&self, id: &IncidentId, after: u64, limit: usize) -> Option<Page> {
        let entry = self.incidents.get(&id.number())?;
        if after < self.floor {
            return Some(Page::BeforeMemory);
        }
        let start = entry
            .recent
            .partition_point(|&position| self.recent[position - self.dropped].seq <= after);
        let events = entry
            .recent
            .range(start..)
            .take(limit)
            .map(|&position| self.recent[position - self.dropped].clone())
            .collect();
        Some(Page::Events(events))
    }

    /// Appends one event whose `seq` is above the head and folds it into its incident,
    /// dropping the oldest cached event beyond the capacity.
    pub fn append(&mut self, event: Event) {
        let number = event.incident.number();
        let entry = self.incidents.entry(number).or_insert_with(|| Entry {
            incident: Incident::blank(event.incident.clone()),
            recent: VecDeque::new(),
        });
        entry.incident.apply(&event);
        entry.recent.push_back(self.dropped + self.recent.len());
        if let Some(group) = &entry.incident.alert_group
            && self.groups.get(group).is_none_or(|&newest| newest < number)
        {
            self.groups.insert(group.clone(), number);
        }
        self.head = event.seq;
        self.recent.push_back(event);
        while self.recent.len() > self.capacity {
            let Some(oldest) = self.recent.pop_front() else {
                break;
            };
            self.floor = oldest.seq;
            self.dropped += 1;
            if let Some(entry) = self.incidents.get_mut(&oldest.incident.number()) {
                entry.recent.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AlertRef, EventKind, NoteKind};

    fn note(seq: u64, incident: u64) -> Event {
        Event {
            seq,
            incident: IncidentId::from_number(incident),
            at: chrono::DateTime::UNIX_EPOCH,
            actor: "a".into(),
            via: None,
            kind: EventKind::NoteAdded {
                kind: NoteKind::Note,
                text: format!("{seq}"),
            },
            intended_at: None,
        }
    }

    #[test]
    fn feeds_page_by_seq_per_incident_and_globally() {
        let log = rebuild(vec![note(1, 1), note(2, 2), note(5, 1), note(7, 2)]).unwrap();
        assert_eq!(log.head(), 7);
        assert_eq!(log.next_number(), 3);
        assert_eq!(seqs(log.events_after(1, 2)), [2, 5]);
        let one = IncidentId::from_number(1);
        assert_eq!(seqs(log.incident_events_after(&one, 1, 10).unwrap()), [5]);
        assert_eq!(log.incident(&one).map(|i| i.version), Some(5));
        assert!(
            log.incident_events_after(&IncidentId::from_number(3), 0, 10)
                .is_none()
        );
    }

    #[test]
    fn a_group_belongs_to_its_newest_incident() {
        let attach = |seq, incident, group: &str| Event {
            kind: EventKind::AlertAttached {
                alert: AlertRef {
                    fingerprint: format!("f{seq}"),
                    name: "Down".into(),
                    summary: None,
                    labels: Default::default(),
                    starts_at: chrono::DateTime::UNIX_EPOCH,
                },
                group: Some(group.into()),
            },
            ..note(seq, incident)
        };
        // INC-1 takes an alert of the group after INC-2 opened for it: INC-2 is still newest.
        let log = rebuild(vec![
            attach(1, 1, "g"),
            attach(2, 2, "g"),
            attach(3, 1, "g"),
        ])
        .unwrap();
        let newest = log.group_incident("g").map(|incident| incident.id.number());
        assert_eq!(newest, Some(2));
        assert!(log.group_incident("other").is_none());
    }

    #[test]
    fn a_log_out_of_order_is_refused() {
        let err = rebuild(vec![note(1, 1), note(3, 1), note(3, 1)]).unwrap_err();
        assert_eq!(err, "the log is out of order: seq 3 follows seq 3");
        assert!(rebuild(vec![note(0, 1)]).is_err());
    }

    fn rebuild(events: Vec<Event>) -> Result<Timeline, String> {
        let mut log = Timeline::default();
        log.fold(events)?;
        Ok(log)
    }

    fn seqs(page: Page) -> Vec<u64> {
        match page {
            Page::Events(events) => events.iter().map(|e| e.seq).collect(),
            Page::BeforeMemory => panic!("expected events in memory"),
        }
    }

    #[test]
    fn memory_keeps_every_incident_but_only_the_newest_events() {
        let mut log = Timeline::with_capacity(3);
        log.fold(vec![
            note(1, 1),
            note(2, 2),
            note(3, 1),
            note(4, 1),
            note(5, 2),
        ])
        .unwrap();
        let (one, two) = (IncidentId::from_number(1), IncidentId::from_number(2));
        // Every incident is folded from all of its events...
        assert_eq!(log.incident(&one).map(|i| i.version), Some(4));
        assert_eq!(log.incident(&two).map(|i| i.version), Some(5));
        // ...but only seq 3 to 5 are kept: a feed from before them goes to the store.
        assert_eq!(seqs(log.events_after(2, 10)), [3, 4, 5]);
        assert_eq!(log.events_after(1, 10), Page::BeforeMemory);
        assert_eq!(
            seqs(log.incident_events_after(&one, 2, 10).unwrap()),
            [3, 4]
        );
        assert_eq!(seqs(log.incident_events_after(&two, 2, 10).unwrap()), [5]);
        assert_eq!(
            log.incident_events_after(&two, 0, 10),
            Some(Page::BeforeMemory)
        );
    }
}
