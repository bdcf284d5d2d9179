//! The timeline in memory: every event, and every incident folded from them. The writer is
//! the only one that changes it, and only after a commit; handlers read it under a lock.

use crate::domain::{Event, Incident, IncidentId};
use crate::report::IncidentLog;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Default)]
pub struct Timeline {
    /// All events, in ascending `seq`: the global feed.
    events: Vec<Event>,
    /// Keyed by incident number, so iteration order is declaration order.
    incidents: BTreeMap<u64, Entry>,
    /// Alertmanager group key -> the newest incident of that group (`Incident::alert_group`).
    /// Folded from the log like everything else, so it survives a restart.
    groups: HashMap<String, u64>,
}

#[derive(Debug)]
struct Entry {
    incident: Incident,
    /// Positions in `events` of this incident's events, ascending.
    events: Vec<usize>,
}

impl Timeline {
    /// Folds a loaded log, refusing one whose `seq` does not strictly increase (the cursor of
    /// every feed depends on it).
    pub fn rebuild(events: Vec<Event>) -> Result<Timeline, String> {
        let mut log = Timeline::default();
        for event in events {
            if event.seq <= log.head() {
                return Err(format!(
                    "the log is out of order: seq {} follows seq {}",
                    event.seq,
                    log.head()
                ));
            }
            log.append(event);
        }
        Ok(log)
    }

    /// The `seq` of the newest event, 0 when empty.
    pub fn head(&self) -> u64 {
        self.events.last().map_or(0, |event| event.seq)
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

    /// One incident and its whole log, oldest event first.
    pub fn incident_log(&self, id: &IncidentId) -> Option<(&Incident, Vec<&Event>)> {
        let entry = self.incidents.get(&id.number())?;
        let events = entry
            .events
            .iter()
            .map(|&index| &self.events[index])
            .collect();
        Some((&entry.incident, events))
    }

    /// Every incident with its log, in declaration order: what the report reads.
    pub fn logs(&self) -> Vec<IncidentLog<'_>> {
        self.incidents
            .values()
            .map(|entry| IncidentLog {
                incident: &entry.incident,
                events: entry
                    .events
                    .iter()
                    .map(|&index| &self.events[index])
                    .collect(),
            })
            .collect()
    }

    /// Up to `limit` events with `seq > after`, across all incidents.
    pub fn events_after(&self, after: u64, limit: usize) -> Vec<Event> {
        let start = self.events.partition_point(|event| event.seq <= after);
        self.events[start..].iter().take(limit).cloned().collect()
    }

    /// Up to `limit` events of one incident with `seq > after`, or `None` if it does not exist.
    pub fn incident_events_after(
        &self,
        id: &IncidentId,
        after: u64,
        limit: usize,
    ) -> Option<Vec<Event>> {
        let entry = self.incidents.get(&id.number())?;
        let start = entry
            .events
            .partition_point(|&index| self.events[index].seq <= after);
        Some(
            entry.events[start..]
                .iter()
                .take(limit)
                .map(|&index| self.events[index].clone())
                .collect(),
        )
    }

    /// Appends one event whose `seq` is above the head and folds it into its incident.
    pub fn append(&mut self, event: Event) {
        let index = self.events.len();
        let number = event.incident.number();
        let entry = self.incidents.entry(number).or_insert_with(|| Entry {
            incident: Incident::blank(event.incident.clone()),
            events: Vec::new(),
        });
        entry.incident.apply(&event);
        entry.events.push(index);
        if let Some(group) = &entry.incident.alert_group
            && self.groups.get(group).is_none_or(|&newest| newest < number)
        {
            self.groups.insert(group.clone(), number);
        }
        self.events.push(event);
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
            kind: EventKind::NoteAdded {
                kind: NoteKind::Note,
                text: format!("{seq}"),
            },
            intended_at: None,
        }
    }

    #[test]
    fn feeds_page_by_seq_per_incident_and_globally() {
        let log = Timeline::rebuild(vec![note(1, 1), note(2, 2), note(5, 1), note(7, 2)]).unwrap();
        assert_eq!(log.head(), 7);
        assert_eq!(log.next_number(), 3);
        let seqs = |events: Vec<Event>| events.iter().map(|e| e.seq).collect::<Vec<_>>();
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
        let log = Timeline::rebuild(vec![
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
        let err = Timeline::rebuild(vec![note(1, 1), note(3, 1), note(3, 1)]).unwrap_err();
        assert_eq!(err, "the log is out of order: seq 3 follows seq 3");
        assert!(Timeline::rebuild(vec![note(0, 1)]).is_err());
    }
}
