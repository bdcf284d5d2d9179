//! The snapshot rows' JSON, remembered for the incidents written last.
//!
//! Most events (a note above all) change nothing in an incident but its `version`, yet every
//! commit writes the incident's row again: about 1.2 KB of JSON, body and figures, whose
//! encoding (its times above all) was 14 % of the writer thread's CPU with 16 clients posting
//! notes to 16 incidents (BENCHMARKS.md, issue 23). So the encoder remembers, for each of the
//! last incidents it encoded, the incident and its text with the version left out; an
//! incident equal to the remembered one but for its version is written as the remembered text
//! with its version put in. The result is the same text, byte for byte, as encoding afresh
//! (tested below, and by every store test, which read the rows back).

use super::StoreError;
use super::snapshot::{SnapshotRow, encode_figures, unstorable};
use crate::domain::Incident;
use std::collections::HashMap;

/// The version the remembered incidents are encoded with. A JSON string holds no unescaped
/// `"` (so `\"version\":…` inside a title is not a match), and no other number in an incident
/// is 2^64 - 1, so the one `"version":18446744073709551615` in the text is the version's.
const PLACEHOLDER: u64 = u64::MAX;

/// How many incidents are remembered: a war room writes a handful at a time; when more are
/// remembered (a fold of the whole log), all are forgotten and remembering starts again.
const REMEMBERED: usize = 64;

#[derive(Default)]
pub struct RowEncoder {
    remembered: HashMap<u64, Encoded>,
}

/// An incident, its version set to [`PLACEHOLDER`], and its row's text around the version.
struct Encoded {
    incident: Incident,
    before_version: String,
    after_version: String,
    figures: String,
}

impl RowEncoder {
    /// `incident`'s snapshot row, as [`SnapshotRow::encode`] writes it.
    pub fn encode(&mut self, incident: &Incident) -> Result<SnapshotRow, StoreError> {
        let number = incident.id.number();
        let kept = self
            .remembered
            .remove(&number)
            .and_then(|mut encoded| encoded.describes(incident).then_some(encoded));
        let encoded = match kept {
            Some(encoded) => encoded,
            None => Encoded::new(incident)?,
        };
        let row = encoded.row(incident);
        if self.remembered.len() >= REMEMBERED {
            self.remembered.clear();
        }
        self.remembered.insert(number, encoded);
        row
    }
}

impl Encoded {
    fn new(incident: &Incident) -> Result<Encoded, StoreError> {
        let mut unversioned = incident.clone();
        unversioned.version = PLACEHOLDER;
        let text = serde_json::to_string(&unversioned).map_err(|err| unstorable(incident, err))?;
        let digits = PLACEHOLDER.to_string();
        let version = format!("\"version\":{digits}");
        let at = text.find(&version).ok_or_else(|| {
            StoreError::Unstorable(format!(
                "cannot store incident {}: its JSON has no version",
                incident.id
            ))
        })?;
        let digits_at = at + version.len() - digits.len();
        Ok(Encoded {
            before_version: text[..digits_at].to_string(),
            after_version: text[at + version.len()..].to_string(),
            figures: encode_figures(incident)?,
            incident: unversioned,
        })
    }

    /// Whether `incident` is the remembered one but for its version. Compared with the
    /// version made equal, then put back: no copy of the incident.
    fn describes(&mut self, incident: &Incident) -> bool {
        self.incident.version = incident.version;
        let same = self.incident == *incident;
        self.incident.version = PLACEHOLDER;
        same
    }

    /// The row of `incident`, which this describes: the text with its version put in.
    fn row(&self, incident: &Incident) -> Result<SnapshotRow, StoreError> {
        let body = format!(
            "{}{}{}",
            self.before_version, incident.version, self.after_version
        );
        SnapshotRow::with_text(incident, body, self.figures.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Event, EventKind, IncidentId, NoteKind, Role, Severity, Status};

    fn event(seq: u64, kind: EventKind) -> Event {
        Event {
            seq,
            incident: IncidentId::from_number(1),
            at: format!("2025-01-02T03:04:{:02}.123456789Z", seq % 60)
                .parse()
                .unwrap(),
            actor: "alice".into(),
            via: None,
            kind,
            intended_at: None,
        }
    }

    fn note(seq: u64, text: &str) -> Event {
        event(
            seq,
            EventKind::NoteAdded {
                kind: NoteKind::Note,
                text: text.into(),
            },
        )
    }

    #[test]
    fn every_row_is_the_text_a_fresh_encoding_gives() {
        // A title and notes holding the placeholder's own text, quotes and braces; events that
        // change only the version (notes) between events that change more.
        let tricky = r#"a "version":18446744073709551615, } { \" title"#;
        let kinds = [
            EventKind::Declared {
                title: tricky.into(),
                severity: Severity::new("P2"),
                service: Some(r#"{"version":1}"#.into()),
                summary: Some(tricky.into()),
                impact_started_at: None,
                detected_at: "2025-01-02T03:00:00Z".parse().unwrap(),
                acknowledged: true,
            },
            EventKind::RoleAssigned {
                role: Role::Commander,
                person: "bob".into(),
                focus: None,
            },
            EventKind::StatusChanged {
                from: Status::Investigating,
                to: Status::Mitigated,
                reason: Some(tricky.into()),
                commander: None,
            },
        ];
        let mut encoder = RowEncoder::default();
        let mut incident = Incident::blank(IncidentId::from_number(1));
        let mut seq = 0;
        for kind in kinds {
            for text in ["", tricky, "a note"] {
                for event in [event(seq + 1, kind.clone()), note(seq + 2, text)] {
                    seq = event.seq;
                    let only_the_version = matches!(event.kind, EventKind::NoteAdded { .. });
                    let kept = encoder
                        .remembered
                        .get(&1)
                        .map(|e| e.before_version.as_ptr());
                    incident.apply(&event);
                    let fresh = SnapshotRow::encode(&incident).unwrap();
                    let remembered = encoder.encode(&incident).unwrap();
                    assert_eq!(remembered.body, fresh.body, "after event {seq}");
                    assert_eq!(remembered.figures, fresh.figures, "after event {seq}");
                    assert_eq!(remembered.version, fresh.version);
                    // A note changes only the version: the remembered text served it.
                    let now = encoder
                        .remembered
                        .get(&1)
                        .map(|e| e.before_version.as_ptr());
                    if only_the_version {
                        assert!(kept.is_some() && now == kept, "event {seq}");
                    }
                }
            }
        }
    }

    #[test]
    fn an_incident_that_changes_is_encoded_afresh_and_others_are_kept_apart() {
        let mut encoder = RowEncoder::default();
        let mut one = Incident::blank(IncidentId::from_number(1));
        let mut two = Incident::blank(IncidentId::from_number(2));
        one.apply(&note(1, "n"));
        two.apply(&Event {
            incident: IncidentId::from_number(2),
            ..note(2, "n")
        });
        encoder.encode(&one).unwrap();
        encoder.encode(&two).unwrap();
        one.title = "renamed".into();
        one.version = 3;
        let row = encoder.encode(&one).unwrap();
        assert_eq!(row.body, SnapshotRow::encode(&one).unwrap().body);
        assert_eq!(row.title, "renamed");
        two.version = 4;
        assert_eq!(
            encoder.encode(&two).unwrap().body,
            SnapshotRow::encode(&two).unwrap().body
        );
        // More incidents than are remembered: all forgotten, each still right.
        for number in 10..10 + 2 * REMEMBERED as u64 {
            let other = Incident::blank(IncidentId::from_number(number));
            assert_eq!(
                encoder.encode(&other).unwrap().body,
                SnapshotRow::encode(&other).unwrap().body
            );
        }
        assert!(encoder.remembered.len() <= REMEMBERED);
    }
}
