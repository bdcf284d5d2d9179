//! The `:` line's grammar: everything the keys do, typed, for commanders who prefer words.
//!
//! ```text
//! :ack :investigate :mitigate :resolve :close :cancel :reopen   :status <status>
//! :sev P0            :role commander alice [brief…]   :role engineer bob [focus…]
//! :relieve <role> [person]
//! :note <text>       :update <text>                   :decision <text>   :public
//! :action <text> [@owner] [+15m]    :done N   :undone N   :drop N
//! :impact <20m ago | RFC 3339>      :declare P1 <title>   :go INC-7   :merge INC-3
//! :summary <text>    :reopen C2 (a dropped corrective action)   :help   :q
//! ```
//!
//! Every verb is a row of [`VERBS`], which `:help` and tab completion read too.

use crate::domain::{
    Command, IncidentId, NewIncident, NoteKind, Role, SeverityScale, Status, Timestamp,
};
use crate::duration::{parse_duration, parse_when};

/// The verbs of the `:` line. [`VERBS`] has one row for each, in this order: the parser
/// finds a typed word there before it reads the rest, so a verb it knows is a verb `:help`
/// lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerbId {
    Ack,
    Investigate,
    Mitigate,
    Resolve,
    Close,
    Cancel,
    Reopen,
    Status,
    Severity,
    Role,
    Relieve,
    Note,
    Update,
    Decision,
    Public,
    Action,
    Done,
    Undone,
    Drop,
    Impact,
    Summary,
    Declare,
    Go,
    Merge,
    List,
    Review,
    Followups,
    Report,
    Messages,
    Help,
    Quit,
}

/// One verb of the `:` line, as `:help` lists it and tab completes it.
#[derive(Debug, Clone, Copy)]
pub struct Verb {
    pub id: VerbId,
    /// The words that call it; the first is the one listed and completed.
    pub words: &'static [&'static str],
    /// Its arguments, after the word.
    pub args: &'static str,
    /// What it does.
    pub does: &'static str,
}

impl Verb {
    /// The word and its arguments: `sev <severity>`.
    pub fn usage(&self) -> String {
        match self.args {
            "" => self.words[0].to_string(),
            args => format!("{} {args}", self.words[0]),
        }
    }

    /// The row of the word typed, whatever its case.
    pub fn find(word: &str) -> Option<&'static Verb> {
        let word = word.to_ascii_lowercase();
        VERBS
            .iter()
            .find(|verb| verb.words.contains(&word.as_str()))
    }
}

const fn verb(
    id: VerbId,
    words: &'static [&'static str],
    args: &'static str,
    does: &'static str,
) -> Verb {
    Verb {
        id,
        words,
        args,
        does,
    }
}

/// Every verb, in the order `:help` lists them (and of [`VerbId`]).
#[rustfmt::skip]
pub const VERBS: [Verb; 31] = {
    use VerbId::*;
    [
        verb(Ack, &["ack", "acknowledge"], "", "acknowledge"),
        verb(Investigate, &["investigate", "investigating"], "", "investigating"),
        verb(Mitigate, &["mitigate", "mitigated"], "", "mitigated"),
        verb(Resolve, &["resolve", "resolved"], "", "resolved (asks, with the evidence)"),
        verb(Close, &["close"], "", "close (asks)"),
        verb(Cancel, &["cancel"], "", "false alarm (asks)"),
        verb(Reopen, &["reopen"], "[C<n>]", "investigating again; C2: undo a drop"),
        verb(Status, &["status"], "<status>", "any status by name"),
        verb(Severity, &["sev", "severity"], "<severity>", "change the severity"),
        verb(Role, &["role"], "<role> <person> [focus|brief]", "assign a role"),
        verb(Relieve, &["relieve"], "<role> [person]", "relieve a role"),
        verb(Note, &["note"], "<text>", "a note"),
        verb(Update, &["update"], "<text>", "an internal update"),
        verb(Decision, &["decision", "decide"], "<text>", "a decision"),
        verb(Public, &["public"], "", "public status-page update"),
        verb(Action, &["action"], "<text> [@owner] [+15m]", "a new action item"),
        verb(Done, &["done"], "<N>", "action item N done"),
        verb(Undone, &["undone"], "<N>", "action item N open again"),
        verb(Drop, &["drop"], "<N>", "drop action item N"),
        verb(Impact, &["impact"], "<20m|RFC 3339> [predicted]", "when the impact began"),
        verb(Summary, &["summary"], "[text]", "the business impact (alone: edit it)"),
        verb(Declare, &["declare"], "<severity> <title>", "declare a new incident"),
        verb(Go, &["go", "goto"], "<INC-n>", "open an incident, however old"),
        verb(Merge, &["merge"], "<INC-n>", "a duplicate of INC-n, which carries on"),
        verb(List, &["list", "ls"], "", "open incidents, then every past one"),
        verb(Review, &["review"], "", "the post-incident review"),
        verb(Followups, &["followups"], "", "corrective actions, all incidents"),
        verb(Report, &["report"], "[90d]", "the report over a period"),
        verb(Messages, &["messages", "msg"], "", "every message in full"),
        verb(Help, &["help", "h"], "", "this list"),
        verb(Quit, &["q", "quit"], "", "quit"),
    ]
};

// Each row sits at its verb's place: checked when the program is compiled.
const _: () = {
    let mut index = 0;
    while index < VERBS.len() {
        assert!(VERBS[index].id as usize == index);
        index += 1;
    }
};

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
    /// `:summary` alone: the line again, holding the summary as it stands, to edit.
    EditSummary,
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
    if verb.is_empty() {
        return Err("type a command, e.g. :sev P0 — :help lists them".into());
    }
    let Some(known) = Verb::find(verb) else {
        return Err(format!("unknown command ':{verb}' — :help lists them"));
    };
    match known.id {
        VerbId::Ack => transition(Status::Acknowledged),
        VerbId::Investigate => transition(Status::Investigating),
        VerbId::Reopen if rest.is_empty() => transition(Status::Investigating),
        VerbId::Reopen => Ok(Typed::Command(Command::ReopenCorrectiveAction {
            id: corrective_number(rest).ok_or(
                "usage: :reopen (the incident) or :reopen C<n> (a dropped corrective action)",
            )?,
        })),
        VerbId::Mitigate => transition(Status::Mitigated),
        VerbId::Resolve => transition(Status::Resolved),
        VerbId::Close => transition(Status::Closed),
        VerbId::Cancel => transition(Status::Cancelled),
        VerbId::Status => transition(rest.parse()?),
        VerbId::Severity => Ok(Typed::Command(Command::SetSeverity {
            severity: scale.parse(rest)?,
        })),
        VerbId::Role => {
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
        VerbId::Relieve => {
            let (role, person) = rest.split_once(' ').unwrap_or((rest, ""));
            Ok(Typed::Command(Command::RelieveRole {
                role: role.parse()?,
                person: Some(person.trim().to_string()).filter(|p| !p.is_empty()),
            }))
        }
        VerbId::Note => note(NoteKind::Note, rest),
        VerbId::Update => note(NoteKind::Update, rest),
        VerbId::Public => Ok(Typed::Compose),
        VerbId::Decision => note(NoteKind::Decision, rest),
        VerbId::Action => parse_action(rest),
        VerbId::Done => Ok(Typed::Command(Command::CompleteAction {
            action: number("done")?,
        })),
        VerbId::Undone => Ok(Typed::Command(Command::ReopenAction {
            action: number("undone")?,
        })),
        VerbId::Drop => Ok(Typed::Command(Command::DropAction {
            action: number("drop")?,
        })),
        VerbId::Impact => {
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
        VerbId::Summary if rest.is_empty() => Ok(Typed::EditSummary),
        VerbId::Summary => Ok(Typed::Command(Command::SetSummary {
            summary: rest.to_string(),
        })),
        VerbId::Declare => {
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
        VerbId::Merge => {
            let into = rest.trim_start_matches("into ").trim();
            if into.is_empty() {
                return Err("usage: :merge <incident that carries on, e.g. INC-3>".into());
            }
            Ok(Typed::Command(Command::MergeInto {
                into: into.parse().map_err(|e| format!("{e}"))?,
            }))
        }
        VerbId::Go => Ok(Typed::Select(rest.parse().map_err(|e| format!("{e}"))?)),
        VerbId::Help => Ok(Typed::Help),
        VerbId::Quit => Ok(Typed::Quit),
        VerbId::List => Ok(Typed::List),
        VerbId::Review => Ok(Typed::Review),
        VerbId::Followups => Ok(Typed::Followups),
        VerbId::Messages => Ok(Typed::Messages),
        VerbId::Report => {
            let since = if rest.is_empty() { "90d" } else { rest };
            crate::duration::parse_duration(since)
                .map(|_| Typed::Report(since.to_string()))
                .map_err(|e| format!("usage: :report [90d]: {e}"))
        }
    }
}

/// A corrective action's number as the review shows it, `C2` (the `C` is what tells it from
/// the incident's own `:reopen`).
fn corrective_number(text: &str) -> Option<u32> {
    text.strip_prefix(['C', 'c'])?
        .parse()
        .ok()
        .filter(|n| *n > 0)
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
    fn every_word_of_the_table_is_one_the_parser_knows_and_only_those() {
        let mut words = Vec::new();
        for verb in VERBS {
            for word in verb.words {
                words.push(*word);
                if let Err(reason) = parse(word, &SeverityScale::default(), now()) {
                    assert!(!reason.starts_with("unknown command"), "{word}: {reason}");
                }
            }
        }
        let count = words.len();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), count, "a word calls two verbs");
        // `:list` was parsed but not listed once; now a word is parsed by its row.
        for unlisted in ["lst", "summarize", "kind"] {
            let reason = parse(unlisted, &SeverityScale::default(), now()).unwrap_err();
            assert!(
                reason.starts_with("unknown command"),
                "{unlisted}: {reason}"
            );
        }
    }

    #[test]
    fn reopen_alone_is_the_incident_and_with_a_c_number_a_corrective_action() {
        assert_eq!(
            command(":reopen c2"),
            Command::ReopenCorrectiveAction { id: 2 }
        );
        let scale = SeverityScale::default();
        let error = parse(":reopen 2", &scale, now()).unwrap_err();
        assert!(error.starts_with("usage: :reopen"), "{error}");
        assert_eq!(
            command(":summary A third of payments failed"),
            Command::SetSummary {
                summary: "A third of payments failed".into()
            }
        );
        assert_eq!(parse(":summary", &scale, now()), Ok(Typed::EditSummary));
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
