//! The demo's scripted incident: a load-balancer config push that makes the checkout API
//! return 5xx, with a few engineers already on it. Pure: the same script seeds the demo's
//! backend, the snapshot tests and the render benchmark.

use crate::domain::{
    Command, Event, Incident, IncidentId, NewIncident, NoteKind, Role, Severity, SeverityScale,
    Status, Timestamp, decide, declare,
};
use chrono::Duration;

/// One scripted step: who does what, how many seconds after the declaration.
#[derive(Debug, Clone)]
pub struct Step {
    pub offset_seconds: i64,
    pub actor: String,
    pub command: Command,
}

pub const TITLE: &str = "Checkout API returning 5xx after LB config push";
pub const SERVICE: &str = "checkout";

/// How long before "now" the seeded incident was declared.
pub const DECLARED_AGO_SECONDS: i64 = 14 * 60;

/// The declaration: impact began four minutes before anyone noticed.
pub fn declaration(declared_at: Timestamp) -> NewIncident {
    NewIncident {
        title: TITLE.into(),
        severity: Severity::new("P1"),
        service: Some(SERVICE.into()),
        summary: Some("5xx on /api/checkout and /api/cart behind lb-2".into()),
        started_at: Some(declared_at - Duration::minutes(4)),
        detected_at: Some(declared_at),
        alerts: vec![],
    }
}

fn step(offset_seconds: i64, actor: &str, command: Command) -> Step {
    Step {
        offset_seconds,
        actor: actor.into(),
        command,
    }
}

fn note(kind: NoteKind, text: &str) -> Command {
    Command::AddNote {
        kind,
        text: text.into(),
    }
}

fn assign(role: Role, person: &str, focus: Option<&str>) -> Command {
    Command::AssignRole {
        role,
        person: person.into(),
        focus: focus.map(Into::into),
        brief: None,
    }
}

fn action(text: &str, owner: &str, minutes: u64) -> Command {
    Command::AddAction {
        text: text.into(),
        owner: Some(owner.into()),
        due_at: None,
        due_in: Some(minutes * 60),
    }
}

/// What already happened when the demo opens; `commander` is the person at the keyboard.
pub fn seed(commander: &str) -> Vec<Step> {
    // erin declared it, and so acknowledged it.
    vec![
        step(45, "erin", assign(Role::Commander, commander, None)),
        step(
            70,
            commander,
            assign(Role::Engineer, "bob", Some("load balancer")),
        ),
        step(
            75,
            commander,
            assign(Role::Engineer, "erin", Some("checkout service")),
        ),
        step(80, commander, assign(Role::Comms, "carol", None)),
        step(
            150,
            "bob",
            note(NoteKind::Note, "5xx only behind lb-2; lb-1 healthy"),
        ),
        step(
            180,
            commander,
            Command::Transition {
                to: Status::Investigating,
            },
        ),
        step(
            200,
            commander,
            action("Diff lb-2 config against last known good", "bob", 20),
        ),
        step(
            230,
            commander,
            action("Draft status page update", "carol", 15),
        ),
        step(
            300,
            "erin",
            note(
                NoteKind::Decision,
                "Hold all deploys to checkout until resolved",
            ),
        ),
        step(
            420,
            "carol",
            note(
                NoteKind::Update,
                "Checkout degraded for ~12% of requests; LB config suspected. Next update in 30 min.",
            ),
        ),
        step(
            600,
            "bob",
            note(
                NoteKind::Note,
                "config push #4812 changed lb-2 health-check path",
            ),
        ),
    ]
}

/// What the responders say while the demo runs, one line every half minute or so.
pub fn live_chatter() -> Vec<(String, Command)> {
    let say = |who: &str, kind, text: &str| (who.to_string(), note(kind, text));
    vec![
        say(
            "erin",
            NoteKind::Note,
            "error budget burning at 14x; p99 latency normal",
        ),
        say(
            "bob",
            NoteKind::Note,
            "rollback of #4812 staged on lb-2, waiting for a go",
        ),
        say(
            "carol",
            NoteKind::Note,
            "support reports failed payments from EU customers",
        ),
        say(
            "bob",
            NoteKind::Note,
            "lb-2 draining connections before the rollback",
        ),
        say(
            "erin",
            NoteKind::Note,
            "no errors from checkout pods themselves; it is the LB",
        ),
    ]
}

/// The seed folded through the domain with the times it would have had: for tests and
/// benchmarks that need the demo's state without a backend.
pub fn seeded_events(now: Timestamp, commander: &str) -> Vec<Event> {
    let scale = SeverityScale::default();
    let declared_at = now - Duration::seconds(DECLARED_AGO_SECONDS);
    let id = IncidentId::from_number(1);
    #[expect(
        clippy::expect_used,
        reason = "the scripted declaration is valid (tested)"
    )]
    let declared =
        declare(declaration(declared_at), declared_at, &scale).expect("the script declares");
    let mut state = Incident::blank(id.clone());
    let mut events = Vec::new();
    let mut push = |state: &mut Incident, at, actor: &str, kind| {
        let event = Event {
            seq: events.len() as u64 + 1,
            incident: id.clone(),
            at,
            actor: actor.to_string(),
            via: None,
            kind,
            intended_at: None,
        };
        state.apply(&event);
        events.push(event);
    };
    for kind in declared {
        push(&mut state, declared_at, "erin", kind);
    }
    for step in seed(commander) {
        let at = declared_at + Duration::seconds(step.offset_seconds);
        #[expect(clippy::expect_used, reason = "the script's steps are valid (tested)")]
        let kinds = decide(&state, step.command, at, &scale).expect("the script is valid");
        for kind in kinds {
            push(&mut state, at, &step.actor, kind);
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_seed_is_a_valid_history() {
        let now = chrono::Utc
            .with_ymd_and_hms(2026, 11, 25, 14, 0, 0)
            .unwrap();
        let events = seeded_events(now, "you");
        let state = Incident::fold(IncidentId::from_number(1), &events);
        assert_eq!(state.status, Status::Investigating);
        assert_eq!(state.roles.commander.as_deref(), Some("you"));
        assert_eq!(state.roles.engineers.len(), 2);
        assert_eq!(state.actions.len(), 2);
        assert!(events.iter().all(|e| e.at <= now));
    }
}
