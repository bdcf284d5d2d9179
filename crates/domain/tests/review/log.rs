//! An incident's log in memory, written through `declare` and `decide` as the backend does,
//! and the commands the review tests send. Shared with `tests/learn` (by path), which
//! renders the same logs as postmortems and reports.

use chrono::{Duration, TimeZone, Utc};
use warroom_domain::*;

pub fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0).unwrap()
}

pub fn minutes(m: i64) -> Timestamp {
    t0() + Duration::minutes(m)
}

/// One incident's log in memory, written through `declare` and `decide` as the backend does.
pub struct Log {
    pub events: Vec<Event>,
    pub state: Incident,
    pub scale: SeverityScale,
}

impl Log {
    /// An incident alice declared: it starts acknowledged.
    pub fn declared(number: u64, new: NewIncident, at: Timestamp) -> Log {
        Log::opened(number, new, at, "alice", declare)
    }

    /// An incident a page opened: it starts triggered, for a person to acknowledge.
    pub fn paged(number: u64, new: NewIncident, at: Timestamp) -> Log {
        Log::opened(number, new, at, "alertmanager", declare_page)
    }

    fn opened(
        number: u64,
        new: NewIncident,
        at: Timestamp,
        actor: &str,
        how: fn(NewIncident, Timestamp, &SeverityScale) -> Result<Vec<EventKind>, Rejection>,
    ) -> Log {
        let scale = SeverityScale::default();
        let kinds = how(new, at, &scale).expect("a valid declaration");
        let mut log = Log {
            events: vec![],
            state: Incident::blank(IncidentId::from_number(number)),
            scale,
        };
        log.append(actor, at, kinds);
        log
    }

    pub fn checkout() -> Log {
        Log::declared(1, Log::checkout_incident(), t0())
    }

    /// The checkout incident as its page opened it.
    pub fn checkout_paged() -> Log {
        Log::paged(1, Log::checkout_incident(), t0())
    }

    fn checkout_incident() -> NewIncident {
        NewIncident {
            title: "Checkout API returning 5xx".into(),
            severity: Severity::new("P1"),
            service: Some("checkout".into()),
            summary: Some("Payments fail for a third of users after an LB config push.".into()),
            started_at: Some(minutes(-7)),
            detected_at: None,
            alerts: vec![],
        }
    }

    pub fn append(&mut self, actor: &str, at: Timestamp, kinds: Vec<EventKind>) {
        for kind in kinds {
            let event = Event {
                seq: self.events.len() as u64 + 1,
                incident: self.state.id.clone(),
                at,
                actor: actor.into(),
                via: None,
                kind,
                intended_at: None,
            };
            self.state.apply(&event);
            self.events.push(event);
        }
    }

    pub fn run(&mut self, actor: &str, at: i64, command: Command) -> Result<(), Rejection> {
        let at = minutes(at);
        let kinds = decide(&self.state, command, at, &self.scale)?;
        self.append(actor, at, kinds);
        Ok(())
    }

    #[track_caller]
    pub fn ok(&mut self, actor: &str, at: i64, command: Command) {
        if let Err(rejection) = self.run(actor, at, command) {
            panic!("refused: {rejection:?}");
        }
    }

    #[track_caller]
    pub fn refused(&mut self, command: Command) -> Rejection {
        let before = self.state.clone();
        let rejection = self
            .run("alice", 600, command)
            .expect_err("the command should be refused");
        assert_eq!(self.state, before, "a refusal must not change the state");
        rejection
    }

    pub fn refs(&self) -> Vec<&Event> {
        self.events.iter().collect()
    }
}

pub fn strings(items: &[&str]) -> Option<Vec<String>> {
    Some(items.iter().map(|s| s.to_string()).collect())
}

pub fn set_whys(whys: &[&str]) -> Command {
    Command::SetReview {
        whys: strings(whys),
        root_cause: None,
        contributing_factors: None,
        went_well: None,
        went_badly: None,
    }
}

pub fn corrective(text: &str, kind: CorrectiveKind, due_days: i64) -> Command {
    Command::AddCorrectiveAction {
        text: text.into(),
        kind,
        owner: "bob".into(),
        due_at: t0() + Duration::days(due_days),
        ticket: Some("https://tickets.example/OPS-1".into()),
    }
}

pub fn close(log: &mut Log) {
    for (at, status) in [
        (10, Status::Mitigated),
        (20, Status::Resolved),
        (30, Status::Closed),
    ] {
        log.ok("carol", at, Command::Transition { to: status });
    }
}
