//! The timeline in memory: the incidents a replica keeps folded (the open ones and those ended
//! within `--keep-ended`) and a bounded cache of the most recent events. Memory does not grow
//! with history: an older page of a feed, an incident ended long ago, the list of every
//! incident, the postmortem and the report read the store (see `routes/`), whose snapshot rows
//! hold every incident folded (`store/snapshot.rs`). The writer is the only one that changes
//! it, and only after a commit; handlers read it under a lock.

use crate::domain::{Event, Incident, IncidentId, Timestamp};
use crate::store::{Resume, ended_at};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};

/// How many recent events a replica keeps when not told otherwise (`--recent-events`): a
/// few days of a busy team's incidents, and a few megabytes. Older pages of the feeds, the
/// postmortem and the report read the store.
pub const DEFAULT_RECENT_EVENTS: usize = 10_000;

/// How long a replica keeps an ended incident folded in memory when not told otherwise
/// (`--keep-ended`): a week, as long as the status page lists what was resolved.
pub const DEFAULT_KEEP_ENDED: chrono::Duration = chrono::Duration::days(7);

#[derive(Debug)]
pub struct Timeline {
    /// The newest events, ascending `seq`, at most `capacity` of them.
    recent: VecDeque<Event>,
    capacity: usize,
    /// The `seq` of the newest event not in `recent` (0 when none is): feeds after it are
    /// complete in memory.
    floor: u64,
    /// How many events were dropped from the front of `recent` since the timeline began: an
    /// event's position minus this is its index in `recent`.
    dropped: usize,
    head: u64,
    /// The incidents kept in memory, by number, so iteration order is declaration order.
    incidents: BTreeMap<u64, Entry>,
    /// The highest incident number ever declared, kept or not.
    newest_number: u64,
    /// Alertmanager group key -> the newest incident of that group (`Incident::alert_group`),
    /// kept in memory or not: one short entry per group, so it survives a restart.
    groups: HashMap<String, u64>,
    /// How long an ended incident stays in memory after it ended.
    keep_ended: chrono::Duration,
    /// The ended incidents in memory by when they ended, oldest first, for [`Timeline::evict`].
    /// An entry whose incident was reopened (or ended again later) is skipped when it comes up.
    ending: BinaryHeap<Reverse<(Timestamp, u64)>>,
    /// True once some incident is not in memory (ended long ago, or not loaded at startup):
    /// lists and reports must then ask the store.
    partial: bool,
}

#[derive(Debug)]
struct Entry {
    incident: Incident,
    /// Positions of this incident's events still in `recent`, ascending.
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
    /// An empty timeline keeping at most `capacity` recent events (at least one) and ended
    /// incidents for [`DEFAULT_KEEP_ENDED`].
    pub fn with_capacity(capacity: usize) -> Timeline {
        Timeline {
            recent: VecDeque::new(),
            capacity: capacity.max(1),
            floor: 0,
            dropped: 0,
            head: 0,
            incidents: BTreeMap::new(),
            newest_number: 0,
            groups: HashMap::new(),
            keep_ended: DEFAULT_KEEP_ENDED,
            ending: BinaryHeap::new(),
            partial: false,
        }
    }

    /// The same, keeping ended incidents for `keep` after they ended.
    pub fn keeping_ended(self, keep: chrono::Duration) -> Timeline {
        Timeline {
            keep_ended: keep,
            ..self
        }
    }

    /// Where [`Store::resume`](crate::store::Store::resume) left off: the kept incidents as
    /// stored and the newest events, refusing events whose `seq` does not strictly increase
    /// (the cursor of every feed depends on it).
    pub fn resume(mut self, resume: Resume) -> Result<Timeline, String> {
        let Resume {
            incidents,
            tail,
            newest_number,
            groups,
        } = resume;
        self.partial = u64::try_from(incidents.len()).ok() != Some(newest_number);
        self.newest_number = newest_number;
        self.groups = groups.into_iter().collect();
        self.floor = tail.first().map_or(0, |first| first.seq.saturating_sub(1));
        for event in tail {
            if event.seq <= self.head {
                return Err(format!(
                    "the log is out of order: seq {} follows seq {}",
                    event.seq, self.head
                ));
            }
            self.head = event.seq;
            self.recent.push_back(event);
        }
        while self.recent.len() > self.capacity {
            self.drop_oldest();
        }
        for incident in incidents {
            self.admit(incident);
        }
        Ok(self)
    }

    /// The `seq` of the newest event, 0 when empty.
    pub fn head(&self) -> u64 {
        self.head
    }

    /// The number the next declared incident gets.
    pub fn next_number(&self) -> u64 {
        self.newest_number + 1
    }

    /// An incident memory holds; one that is not held may still be in the store
    /// (see [`Timeline::partial`]).
    pub fn incident(&self, id: &IncidentId) -> Option<&Incident> {
        self.incidents
            .get(&id.number())
            .map(|entry| &entry.incident)
    }

    /// The number of the newest incident an Alertmanager group opened or joined.
    pub fn group_newest(&self, group: &str) -> Option<u64> {
        self.groups.get(group).copied()
    }

    /// The incidents memory holds, newest first; only the open ones if asked (memory holds
    /// every open incident).
    pub fn incidents(&self, open_only: bool) -> Vec<&Incident> {
        self.incidents
            .values()
            .rev()
            .map(|entry| &entry.incident)
            .filter(|incident| !open_only || incident.status.is_open())
            .collect()
    }

    /// How many incidents memory holds folded (`/metrics`).
    pub fn held(&self) -> usize {
        self.incidents.len()
    }

    /// True when some incident is not held in memory: only the store knows them all.
    pub fn partial(&self) -> bool {
        self.partial
    }

    /// True while memory holds every incident and the whole log: readers may take whole
    /// logs from here instead of the store.
    pub fn complete(&self) -> bool {
        self.floor == 0 && !self.partial
    }

    /// One incident and the events of its log that memory holds, oldest first: its whole log
    /// while [`Timeline::complete`].
    pub fn incident_log(&self, id: &IncidentId) -> Option<(&Incident, Vec<&Event>)> {
        let entry = self.incidents.get(&id.number())?;
        Some((&entry.incident, self.entry_events(entry).collect()))
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

    /// Up to `limit` events of one incident with `seq > after`, or `None` if it was never
    /// declared. One memory does not hold (ended before `--keep-ended`) is looked for in the
    /// cache of recent events, a scan that only its watchers pay for.
    pub fn incident_events_after(&self, id: &IncidentId, after: u64, limit: usize) -> Option<Page> {
        if id.number() > self.newest_number {
            return None;
        }
        if after < self.floor {
            return Some(Page::BeforeMemory);
        }
        let Some(entry) = self.incidents.get(&id.number()) else {
            let start = self.recent.partition_point(|event| event.seq <= after);
            let events = self
                .recent
                .range(start..)
                .filter(|event| event.incident == *id)
                .take(limit)
                .cloned()
                .collect();
            return Some(Page::Events(events));
        };
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

    /// The incidents of `events` that existed before them but memory does not hold: the
    /// writer loads them from the store and [`Timeline::admit`]s them before appending.
    pub fn missing(&self, events: &[Event]) -> Vec<u64> {
        let mut missing: Vec<u64> = events
            .iter()
            .map(|event| event.incident.number())
            .filter(|number| *number <= self.newest_number && !self.incidents.contains_key(number))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        missing
    }

    /// Takes an incident into memory as the store has it folded (events at or below its
    /// version are already in it), with the events of it that the cache holds.
    pub fn admit(&mut self, incident: Incident) {
        let number = incident.id.number();
        let recent = self
            .recent
            .iter()
            .enumerate()
            .filter(|(_, event)| event.incident == incident.id)
            .map(|(index, _)| index + self.dropped)
            .collect();
        self.newest_number = self.newest_number.max(number);
        note_group(&mut self.groups, &incident);
        note_ending(&mut self.ending, &incident, None);
        self.incidents.insert(number, Entry { incident, recent });
    }

    /// Appends one event whose `seq` is above the head and folds it into its incident, if
    /// memory holds it or it is new, dropping the oldest cached event beyond the capacity.
    pub fn append(&mut self, event: Event) {
        let number = event.incident.number();
        let position = self.dropped + self.recent.len();
        if number > self.newest_number {
            self.newest_number = number;
            self.incidents.insert(
                number,
                Entry {
                    incident: Incident::blank(event.incident.clone()),
                    recent: VecDeque::new(),
                },
            );
        }
        if let Some(entry) = self.incidents.get_mut(&number) {
            let ended_before = ended_at(&entry.incident);
            if event.seq > entry.incident.version {
                entry.incident.apply(&event);
            }
            entry.recent.push_back(position);
            note_group(&mut self.groups, &entry.incident);
            note_ending(&mut self.ending, &entry.incident, ended_before);
        } else {
            // Not held (the writer could not read it back): the store answers for it.
            self.partial = true;
        }
        self.head = event.seq;
        self.recent.push_back(event);
        while self.recent.len() > self.capacity {
            self.drop_oldest();
        }
    }

    /// Forgets the incidents that ended more than `--keep-ended` before `now`: the store
    /// answers for them from then on.
    pub fn evict(&mut self, now: Timestamp) {
        let cutoff = now - self.keep_ended;
        while let Some(&Reverse((ended, number))) = self.ending.peek()
            && ended < cutoff
        {
            self.ending.pop();
            let still_so = self
                .incidents
                .get(&number)
                .is_some_and(|entry| ended_at(&entry.incident) == Some(ended));
            if still_so {
                self.incidents.remove(&number);
                self.partial = true;
            }
        }
    }

    /// Drops the oldest cached event, and its incident's reference to it.
    fn drop_oldest(&mut self) {
        let Some(oldest) = self.recent.pop_front() else {
            return;
        };
        if let Some(entry) = self.incidents.get_mut(&oldest.incident.number())
            && entry.recent.front() == Some(&self.dropped)
        {
            entry.recent.pop_front();
        }
        self.floor = oldest.seq;
        self.dropped += 1;
    }
}

/// Points the incident's Alertmanager group at it, if it is the group's newest.
fn note_group(groups: &mut HashMap<String, u64>, incident: &Incident) {
    let number = incident.id.number();
    if let Some(group) = &incident.alert_group
        && groups.get(group).is_none_or(|&newest| newest < number)
    {
        groups.insert(group.clone(), number);
    }
}

/// Queues an incident for eviction when it has just ended (or ended again at another time).
fn note_ending(
    ending: &mut BinaryHeap<Reverse<(Timestamp, u64)>>,
    incident: &Incident,
    before: Option<Timestamp>,
) {
    if let Some(ended) = ended_at(incident)
        && before != Some(ended)
    {
        ending.push(Reverse((ended, incident.id.number())));
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AlertRef, EventKind, NoteKind, Status};

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
        let log = rebuild(vec![note(1, 1), note(2, 2), note(5, 1), note(7, 2)]);
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
        ]);
        assert_eq!(log.group_newest("g"), Some(2));
        assert!(log.group_newest("other").is_none());
    }

    #[test]
    fn a_log_out_of_order_is_refused() {
        let resume = |tail| Resume {
            tail,
            ..Resume::default()
        };
        let err = Timeline::default()
            .resume(resume(vec![note(1, 1), note(3, 1), note(3, 1)]))
            .unwrap_err();
        assert_eq!(err, "the log is out of order: seq 3 follows seq 3");
        assert!(
            Timeline::default()
                .resume(resume(vec![note(0, 1)]))
                .is_err()
        );
    }

    fn rebuild(events: Vec<Event>) -> Timeline {
        let mut log = Timeline::default();
        for event in events {
            log.append(event);
        }
        log
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
        for event in [note(1, 1), note(2, 2), note(3, 1), note(4, 1), note(5, 2)] {
            log.append(event);
        }
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

    #[test]
    fn an_incident_ended_before_the_window_leaves_memory_and_comes_back_when_it_changes() {
        let hour = chrono::Duration::hours(1);
        let epoch = chrono::DateTime::UNIX_EPOCH;
        let resolved = |seq, incident| Event {
            kind: EventKind::StatusChanged {
                from: Status::Investigating,
                to: Status::Resolved,
                reason: None,
                commander: None,
            },
            at: epoch + hour,
            ..note(seq, incident)
        };
        let mut log = Timeline::with_capacity(10).keeping_ended(hour);
        for event in [note(1, 1), note(2, 2), resolved(3, 1), note(4, 1)] {
            log.append(event);
        }
        let (one, two) = (IncidentId::from_number(1), IncidentId::from_number(2));
        // Within the hour after INC-1 ended, it stays.
        log.evict(epoch + hour + hour);
        assert_eq!((log.held(), log.partial()), (2, false));
        log.evict(epoch + hour + hour + chrono::Duration::seconds(1));
        assert_eq!((log.held(), log.partial()), (1, true));
        assert!(log.incident(&one).is_none() && log.incident(&two).is_some());
        assert!(!log.complete());
        // Its cached events still answer its feed; the numbering goes on after it.
        assert_eq!(
            seqs(log.incident_events_after(&one, 0, 10).unwrap()),
            [1, 3, 4]
        );
        assert_eq!(log.next_number(), 3);
        // A new event of it: the writer admits it as stored, with its cached events.
        assert_eq!(log.missing(&[note(5, 1), note(6, 2)]), [1]);
        let stored = Incident::fold(
            one.clone(),
            &[note(1, 1), resolved(3, 1), note(4, 1), note(5, 1)],
        );
        log.admit(stored);
        log.append(note(5, 1));
        assert_eq!(log.incident(&one).map(|i| i.version), Some(5));
        assert_eq!(
            seqs(log.incident_events_after(&one, 0, 10).unwrap()),
            [1, 3, 4, 5]
        );
    }
}
