//! The `:` line's grammar: everything the keys do, typed, for commanders who prefer words.
//!
//! ```text
//! :ack :investigate :mitigate :resolve :close :cancel :reopen   :status <status>
//! :sev P0            :role commander alice [brief…]   :role engineer bob [focus…]
//! :relieve <role> [person]
//! :note <text>       :update <text>                   :decision <text>   :public
//! :action <text> [@owner] [+15m]    :done N   :undone N   :drop N
//! :impact <20m ago | RFC 3339>      :declare P1 <title>   :go INC-7   :merge INC-3
//! :help   :q
//! ```

use crate::domain::{
    Command, IncidentId, NewIncident, NoteKind, Role, SeverityScale, Status, Timestamp,
};
use crate::duration::{parse_duration, parse_when};

/// Every command with its arguments, as `:help` lists them. The first word is the verb tab
/// completes; a test checks that each one parses.
pub const COMMANDS: [(&str, &str); 29] = [
    ("ack", "acknowledge"),
    ("investigate", "investigating"),
    ("mitigate", "mitigated"),
    ("resolve", "resolved (asks, with the evidence)"),
    ("close", "close (asks)"),
    ("cancel", "false alarm (asks)"),
    ("reopen", "back to investigating"),
    ("status <status>", "any status by name"),
    ("sev <severity>", "change the severity"),
    ("role <role> <person> [focus|brief]", "assign a role"),
    ("relieve <role> [person]", "relieve a role"),
    ("note <text>", "a note"),
    ("update <text>", "an internal update"),
    ("decision <text>", "a decision"),
    ("public", "public status-page update"),
    ("action <text> [@owner] [+15m]", "a new action item"),
    ("done <N>", "action item N done"),
    ("undone <N>", "action item N open again"),
    ("drop <N>", "drop action item N"),
    ("impact <20m|RFC 3339> [predicted]", "when the impact began"),
    ("declare <severity> <title>", "declare a new incident"),
    ("go <INC-n>", "switch to an incident"),
    ("merge <INC-n>", "a duplicate of INC-n, which carries on"),
    ("review", "the post-incident review"),
    ("followups", "corrective actions, all incidents"),
    ("report [90d]", "the report over a period"),
    ("messages", "every message in full"),
    ("help", "this list"),
    ("q", "quit"),
];

/// What a command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    /// A command for the selected incident.
    Command(Command),
    Declare(NewIncident),
    Select(IncidentId),
    /// Open the public update composer.
    Compose,
    Help,
    Quit,
    /// Every open incident (`:list`).
    List,
    Review,
    Followups,
    /// The message log.
    Messages,
    /// The report over incidents declared since then (`90d` by default).
    Report(String),
}

pub fn parse(line: &str, scale: &SeverityScale, now: Timestamp) -> Result<Typed, String> {
    let line = line.trim().trim_start_matches(':');
    let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
    let rest = rest.trim();
    let transition = |to| Ok(Typed::Command(Command::Transition { to }));
    let note = |kind, text: &str| {
        if text.is_empty() {
            return Err(format!("usage: :{verb} <text>"));
        }
        Ok(Typed::Command(Command::AddNote {
            kind,
            text: text.to_string(),
        }))
    };
    let number = |what: &str| -> Result<u32, String> {
        rest.trim_start_matches('#')
            .parse()
            .map_err(|_| format!("usage: :{what} <action number>"))
    };
    match verb.to_ascii_lowercase().as_str() {
        "" => Err("type a command, e.g. :sev P0 — :help lists them".into()),
        "ack" | "acknowledge" => transition(Status::Acknowledged),
        "investigate" | "investigating" | "reopen" => transition(Status::Investigating),
        "mitigate" | "mitigated" => transition(Status::Mitigated),
        "resolve" | "resolved" => transition(Status::Resolved),
        "close" => transition(Status::Closed),
        "cancel" => transition(Status::Cancelled),
        "status" => transition(rest.parse()?),
        "sev" | "severity" => Ok(Typed::Command(Command::SetSeverity {
            severity: scale.parse(rest)?,
        })),
        "role" => {
            let mut words = rest.splitn(3, ' ');
            let role: Role = words.next().unwrap_or_default().parse()?;
            let person = words
                .next()
                .filter(|p| !p.is_empty())
                .ok_or("usage: :role <role> <person> [focus or brief]")?;
            let extra = words.next().map(str::trim).filter(|e| !e.is_empty());
            Ok(Typed::Command(Command::AssignRole {
                role,
                person: person.to_string(),
                focus: extra.filter(|_| role == Role::Engineer).map(Into::into),
                brief: extra.filter(|_| role == Role::Commander).map(Into::into),
            }))
        }
        "relieve" => {
            let (role, person) = rest.split_once(' ').unwrap_or((rest, ""));
            Ok(Typed::Command(Command::RelieveRole {
                role: role.parse()?,
                person: Some(person.trim().to_string()).filter(|p| !p.is_empty()),
            }))
        }
        "note" => note(NoteKind::Note, rest),
        "update" => note(NoteKind::Update, rest),
        "public" => Ok(Typed::Compose),
        "decision" | "decide" => note(NoteKind::Decision, rest),
        "action" => parse_action(rest),
        "done" => Ok(Typed::Command(Command::CompleteAction {
            action: number("done")?,
        })),
        "undone" => Ok(Typed::Command(Command::ReopenAction {
            action: number("undone")?,
        })),
        "drop" => Ok(Typed::Command(Command::DropAction {
            action: number("drop")?,
        })),
        "impact" => {
            // `:impact 10:42Z predicted`: a predictive alert fired before the impact began.
            let (rest, after_detection) = match rest.trim().strip_suffix("predicted") {
                Some(rest) => (rest.trim(), true),
                None => (rest, false),
            };
            let at = parse_when(rest, now)
                .map_err(|_| "usage: :impact <age such as 20m> or an RFC 3339 time [predicted]")?;
            Ok(Typed::Command(Command::SetImpactStart {
                at,
                after_detection,
            }))
        }
        "declare" => {
            let (severity, title) = rest
                .split_once(' ')
                .ok_or("usage: :declare <severity> <title>")?;
            Ok(Typed::Declare(NewIncident {
                title: title.trim().to_string(),
                severity: scale.parse(severity)?,
                service: None,
                summary: None,
                started_at: None,
                detected_at: None,
                alerts: vec![],
            }))
        }
        // `:merge INC-3`: this incident is a duplicate of INC-3, which carries on.
        "merge" => {
            let into = rest.trim_start_matches("into ").trim();
            if into.is_empty() {
                return Err("usage: :merge <incident that carries on, e.g. INC-3>".into());
            }
            Ok(Typed::Command(Command::MergeInto {
                into: into.parse().map_err(|e| format!("{e}"))?,
            }))
        }
        "go" | "goto" => Ok(Typed::Select(rest.parse().map_err(|e| format!("{e}"))?)),
        "help" | "h" => Ok(Typed::Help),
        "q" | "quit" => Ok(Typed::Quit),
        "list" | "ls" => Ok(Typed::List),
        "review" => Ok(Typed::Review),
        "followups" => Ok(Typed::Followups),
        "messages" | "msg" => Ok(Typed::Messages),
        "report" => {
            let since = if rest.is_empty() { "90d" } else { rest };
            crate::duration::parse_duration(since)
                .map(|_| Typed::Report(since.to_string()))
                .map_err(|e| format!("usage: :report [90d]: {e}"))
        }
        other => Err(format!("unknown command ':{other}' — :help lists them")),
    }
}

/// `:action roll back the LB @bob +15m`: trailing `@owner` and `+time-box` words are options.
fn parse_action(rest: &str) -> Result<Typed, String> {
    let mut owner = None;
    let mut due_in = None;
    let mut words: Vec<&str> = rest.split_whitespace().collect();
    while let Some(last) = words.last() {
        if let Some(name) = last.strip_prefix('@').filter(|n| !n.is_empty()) {
            owner = Some(name.to_string());
        } else if let Some(time_box) = last.strip_prefix('+') {
            due_in = Some(
                parse_duration(time_box)
                    .map_err(|e| e.to_string())?
                    .as_secs(),
            );
        } else {
            break;
        }
        words.pop();
    }
    if words.is_empty() {
        return Err("usage: :action <text> [@owner] [+15m]".into());
    }
    Ok(Typed::Command(Command::AddAction {
        text: words.join(" "),
        owner,
        due_at: None,
        due_in,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> Timestamp {
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 25, 14, 0, 0)
            .unwrap()
    }

    fn command(line: &str) -> Command {
        match parse(line, &SeverityScale::default(), now()) {
            Ok(Typed::Command(command)) => command,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn every_listed_command_is_one_the_parser_knows() {
        for (usage, _) in COMMANDS {
            let verb = usage.split(' ').next().unwrap();
            if let Err(reason) = parse(verb, &SeverityScale::default(), now()) {
                assert!(!reason.starts_with("unknown command"), "{verb}: {reason}");
            }
        }
    }

    #[test]
    fn the_documented_examples_parse() {
        assert_eq!(
            command(":sev p0"),
            Command::SetSeverity {
                severity: crate::domain::Severity::new("P0")
            }
        );
        assert_eq!(
            command(":role commander alice"),
            Command::AssignRole {
                role: Role::Commander,
                person: "alice".into(),
                focus: None,
                brief: None
            }
        );
        assert_eq!(
            command(":role engineer bob load balancer"),
            Command::AssignRole {
                role: Role::Engineer,
                person: "bob".into(),
                focus: Some("load balancer".into()),
                brief: None
            }
        );
        assert_eq!(
            command(":note checked the dashboards"),
            Command::AddNote {
                kind: NoteKind::Note,
                text: "checked the dashboards".into()
            }
        );
        assert_eq!(
            command(":action roll back LB @bob +15m"),
            Command::AddAction {
                text: "roll back LB".into(),
                owner: Some("bob".into()),
                due_at: None,
                due_in: Some(900)
            }
        );
        assert_eq!(command(":done #2"), Command::CompleteAction { action: 2 });
        assert_eq!(
            command(":impact 20m ago"),
            Command::SetImpactStart {
                at: now() - chrono::Duration::minutes(20),
                after_detection: false,
            }
        );
        assert_eq!(
            command(":impact 2026-11-25T14:10:00Z predicted"),
            Command::SetImpactStart {
                at: "2026-11-25T14:10:00Z".parse().unwrap(),
                after_detection: true,
            }
        );
        assert_eq!(
            command(":reopen"),
            Command::Transition {
                to: Status::Investigating
            }
        );
    }

    #[test]
    fn mistakes_get_a_usage_line() {
        let scale = SeverityScale::default();
        let error = |line: &str| parse(line, &scale, now()).unwrap_err();
        assert!(error(":sev P9").contains("unknown severity"));
        assert!(error(":role pilot bob").contains("unknown role"));
        assert_eq!(
            error(":role commander"),
            "usage: :role <role> <person> [focus or brief]"
        );
        assert_eq!(error(":note"), "usage: :note <text>");
        assert_eq!(error(":done x"), "usage: :done <action number>");
        assert!(error(":frobnicate").starts_with("unknown command ':frobnicate'"));
        assert!(error(":go INC-x").contains("not an incident id"));
    }

    #[test]
    fn app_level_commands() {
        let scale = SeverityScale::default();
        assert_eq!(parse(":q", &scale, now()), Ok(Typed::Quit));
        assert_eq!(
            parse("go 7", &scale, now()),
            Ok(Typed::Select(IncidentId::from_number(7)))
        );
        assert!(matches!(
            parse(":declare P1 Checkout down", &scale, now()),
            Ok(Typed::Declare(NewIncident { ref title, .. })) if title == "Checkout down"
        ));
    }
}
