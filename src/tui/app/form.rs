//! Forms: a few labelled fields, text (edited with `tui-input`) or a choice, that become one
//! command on Enter. Tab and the arrows move between fields; left/right change a choice.

use super::commands::{bound, declare, send_command};
use super::overlay::{Hint, Overlay};
use super::{Effect, Model};
use crate::domain::{
    Command, CorrectiveKind, IncidentId, NewIncident, NoteKind, Role, SeverityScale, Timestamp,
};
use crate::duration::{parse_duration, parse_when};
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// The keys every form shows under its fields.
pub const HINTS: [Hint; 3] = [
    Hint {
        key: "enter",
        does: "sends",
    },
    Hint {
        key: "tab",
        does: "next field",
    },
    Hint {
        key: "esc",
        does: "cancels",
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Note,
    Action,
    Declare,
    Role,
    Corrective,
    /// The public update composer (see `composer`).
    Public,
}

impl FormKind {
    pub fn title(self) -> &'static str {
        match self {
            FormKind::Note => "Add to the timeline",
            FormKind::Action => "New action item",
            FormKind::Declare => "Declare an incident",
            FormKind::Role => "Assign or relieve a role",
            FormKind::Corrective => "New corrective action",
            FormKind::Public => "Public status-page update",
        }
    }
}

#[derive(Debug, Clone)]
pub enum FieldValue {
    Text(Input),
    Choice {
        options: Vec<String>,
        selected: usize,
    },
    /// The composer's components, each with its status (see `component_picker`).
    Components(super::component_picker::ComponentPicker),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub hint: &'static str,
    pub value: FieldValue,
}

impl Field {
    pub(super) fn text(label: &'static str, hint: &'static str) -> Field {
        Field {
            label,
            hint,
            value: FieldValue::Text(Input::default()),
        }
    }

    pub(super) fn choice(label: &'static str, options: Vec<String>, selected: usize) -> Field {
        Field {
            label,
            hint: "←/→ to change",
            value: FieldValue::Choice { options, selected },
        }
    }

    /// The text typed, or the option chosen.
    pub fn value(&self) -> &str {
        match &self.value {
            FieldValue::Text(input) => input.value(),
            FieldValue::Choice { options, selected } => &options[*selected],
            FieldValue::Components(picker) => picker.text(),
        }
    }
}

/// What a finished form asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Submission {
    Command(Command),
    Declare(NewIncident),
}

/// What a key did to a form.
#[derive(Debug, Clone, PartialEq)]
pub enum FormOutcome {
    Editing,
    Cancelled,
    Submitted(Submission),
}

#[derive(Debug, Clone)]
pub struct Form {
    pub kind: FormKind,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Why the last Enter did not submit.
    pub error: Option<String>,
    /// What a declaration carries besides its fields: the alert it was declared from and
    /// that alert's start as the detection time.
    pub declared_from: Option<NewIncident>,
    /// The composer's template and what it last filled in.
    pub public: Option<Box<super::composer::Context>>,
    /// The incident that was on screen when the form opened: what it sends goes there.
    pub incident: Option<IncidentId>,
}

const NOTE_KINDS: [NoteKind; 3] = [NoteKind::Note, NoteKind::Update, NoteKind::Decision];

impl Form {
    pub fn note(kind: NoteKind) -> Form {
        let kinds = NOTE_KINDS.iter().map(|k| k.as_str().to_string()).collect();
        let selected = NOTE_KINDS.iter().position(|k| *k == kind).unwrap_or(0);
        Form::new(
            FormKind::Note,
            vec![
                Field::choice("Kind", kinds, selected),
                Field::text("Text", "an update resets the update countdown"),
            ],
            1,
        )
    }

    pub fn action() -> Form {
        Form::new(
            FormKind::Action,
            vec![
                Field::text("Action", "what needs doing"),
                Field::text("Owner", "who does it (optional)"),
                Field::text("Time-box", "e.g. 15m, 1h (optional)"),
            ],
            0,
        )
    }

    pub fn declare(scale: &SeverityScale) -> Form {
        let levels: Vec<String> = scale.levels().iter().map(|l| l.name.to_string()).collect();
        let middle = levels.len() / 2;
        Form::new(
            FormKind::Declare,
            vec![
                Field::text("Title", "what users see, in a few words"),
                Field::choice("Severity", levels, middle),
                Field::text("Service", "e.g. checkout (optional)"),
                Field::text("Impact began", "how long ago, e.g. 20m (optional)"),
            ],
            0,
        )
    }

    /// The declaration form filled in from an alert; the alert goes along when it is sent.
    pub fn declare_from(scale: &SeverityScale, new: NewIncident) -> Form {
        let mut form = Form::declare(scale);
        let fill = |field: &mut Field, text: &str| {
            if let FieldValue::Text(input) = &mut field.value {
                *input = Input::new(text.to_string());
            }
        };
        fill(&mut form.fields[0], &new.title);
        if let FieldValue::Choice { options, selected } = &mut form.fields[1].value {
            *selected = options
                .iter()
                .position(|o| o == new.severity.as_str())
                .unwrap_or(*selected);
        }
        fill(
            &mut form.fields[2],
            new.service.as_deref().unwrap_or_default(),
        );
        form.declared_from = Some(new);
        form
    }

    pub fn role() -> Form {
        let roles = Role::ALL.iter().map(|r| r.as_str().to_string()).collect();
        Form::new(
            FormKind::Role,
            vec![
                Field::choice("Do", vec!["assign".into(), "relieve".into()], 0),
                Field::choice("Role", roles, 0),
                Field::text("Person", "who (to relieve an engineer: which one)"),
                Field::text(
                    "Focus/brief",
                    "engineer's focus, or the brief when command changes hands",
                ),
            ],
            2,
        )
    }

    /// A follow-up that outlives the incident: what, which kind, who, by when, the ticket.
    pub fn corrective() -> Form {
        let kinds = CorrectiveKind::ALL
            .iter()
            .map(|k| k.as_str().to_string())
            .collect();
        Form::new(
            FormKind::Corrective,
            vec![
                Field::text("Action", "what stops the next incident"),
                Field::choice("Kind", kinds, 2),
                Field::text("Owner", "who sees it through"),
                Field::text("Due", "in how long (14d) or a date (2026-12-24)"),
                Field::text("Ticket", "an http(s) link (optional)"),
            ],
            0,
        )
    }

    pub(super) fn new(kind: FormKind, fields: Vec<Field>, focus: usize) -> Form {
        Form {
            kind,
            fields,
            focus,
            error: None,
            declared_from: None,
            public: None,
            incident: None,
        }
    }

    /// The form bound to `incident`, the one on screen as it opens.
    pub fn for_incident(mut self, incident: IncidentId) -> Form {
        self.incident = Some(incident);
        self
    }

    /// Handles one key. `now` and `scale` are needed to turn fields into a command.
    pub fn handle_key(
        &mut self,
        key: KeyEvent,
        scale: &SeverityScale,
        now: Timestamp,
    ) -> FormOutcome {
        let picked = match &mut self.fields[self.focus].value {
            FieldValue::Components(picker) => picker.on_key(key),
            _ => false,
        };
        match (key.code, key.modifiers) {
            _ if picked => {}
            (KeyCode::Esc, _) => return FormOutcome::Cancelled,
            (KeyCode::Enter, _) => {
                return match self.submission(scale, now) {
                    Ok(submission) => FormOutcome::Submitted(submission),
                    Err(reason) => {
                        self.error = Some(reason);
                        FormOutcome::Editing
                    }
                };
            }
            (KeyCode::Tab | KeyCode::Down, _) => self.focus = (self.focus + 1) % self.fields.len(),
            (KeyCode::BackTab | KeyCode::Up, _) => {
                self.focus = (self.focus + self.fields.len() - 1) % self.fields.len()
            }
            _ => {
                let field = &mut self.fields[self.focus];
                match &mut field.value {
                    FieldValue::Choice { options, selected } => match key.code {
                        KeyCode::Left => {
                            *selected = (*selected + options.len() - 1) % options.len()
                        }
                        KeyCode::Right | KeyCode::Char(' ') => {
                            *selected = (*selected + 1) % options.len()
                        }
                        _ => {}
                    },
                    FieldValue::Text(input) => {
                        input.handle_event(&TermEvent::Key(key));
                    }
                    // What the picker did not take moves nothing and types nothing.
                    FieldValue::Components(_) => {}
                }
            }
        }
        if self.kind == FormKind::Public {
            super::composer::refill(self);
        }
        self.error = None;
        FormOutcome::Editing
    }

    /// Pasted text goes into the focused text field, on one line.
    pub fn paste(&mut self, text: &str) {
        if let FieldValue::Text(input) = &mut self.fields[self.focus].value {
            for c in text.chars() {
                let c = if c.is_control() { ' ' } else { c };
                input.handle(tui_input::InputRequest::InsertChar(c));
            }
        }
    }

    pub(super) fn field(&self, label: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.label == label)
            .map(Field::value)
            .unwrap_or_default()
            .trim()
    }

    pub(super) fn optional(&self, label: &str) -> Option<String> {
        Some(self.field(label).to_string()).filter(|v| !v.is_empty())
    }

    fn required(&self, label: &str) -> Result<String, String> {
        self.optional(label)
            .ok_or_else(|| format!("{} is empty", label.to_lowercase()))
    }

    fn submission(&self, scale: &SeverityScale, now: Timestamp) -> Result<Submission, String> {
        let command = match self.kind {
            FormKind::Note => Command::AddNote {
                kind: self.field("Kind").parse()?,
                text: self.required("Text")?,
            },
            FormKind::Action => Command::AddAction {
                text: self.required("Action")?,
                owner: self.optional("Owner"),
                due_at: None,
                due_in: self
                    .optional("Time-box")
                    .map(|d| parse_duration(&d).map(|d| d.as_secs()))
                    .transpose()
                    .map_err(|e| e.to_string())?,
            },
            FormKind::Declare => {
                let started_at = self
                    .optional("Impact began")
                    .map(|when| parse_when(&when, now))
                    .transpose()
                    .map_err(|e| e.to_string())?;
                let base = self.declared_from.clone();
                return Ok(Submission::Declare(NewIncident {
                    title: self.required("Title")?,
                    severity: scale.parse(self.field("Severity"))?,
                    service: self.optional("Service"),
                    summary: base.as_ref().and_then(|b| b.summary.clone()),
                    started_at,
                    detected_at: base.as_ref().and_then(|b| b.detected_at),
                    alerts: base.map(|b| b.alerts).unwrap_or_default(),
                }));
            }
            FormKind::Public => super::composer::command(self, now)?,
            FormKind::Role => {
                let role: Role = self.field("Role").parse()?;
                let person = self.optional("Person");
                let extra = self.optional("Focus/brief");
                if self.field("Do") == "relieve" {
                    Command::RelieveRole { role, person }
                } else {
                    Command::AssignRole {
                        role,
                        person: person.ok_or("person is empty")?,
                        focus: extra.clone().filter(|_| role == Role::Engineer),
                        brief: extra.filter(|_| role == Role::Commander),
                    }
                }
            }
            FormKind::Corrective => Command::AddCorrectiveAction {
                text: self.required("Action")?,
                kind: self.field("Kind").parse()?,
                owner: self.required("Owner")?,
                due_at: due_date(&self.required("Due")?, now)?,
                ticket: self.optional("Ticket"),
            },
        };
        Ok(Submission::Command(command))
    }
}

/// A key for the form over the desk: kept editing, cancelled, or sent as what it asks for
/// (a public update asks once more, showing what the public will read).
pub(super) fn on_key(model: &mut Model, mut form: Box<Form>, key: KeyEvent) -> Vec<Effect> {
    match form.handle_key(key, &model.scale, model.now) {
        FormOutcome::Editing => {
            model.overlay = Overlay::Form(form);
            vec![]
        }
        FormOutcome::Cancelled => vec![],
        FormOutcome::Submitted(Submission::Declare(new)) => declare(model, new),
        FormOutcome::Submitted(Submission::Command(command @ Command::PublicUpdate(_))) => {
            if let Some(id) = bound(model, command.required_access(), form.incident) {
                super::composer::confirm(model, id, command);
            }
            vec![]
        }
        FormOutcome::Submitted(Submission::Command(command)) => {
            match bound(model, command.required_access(), form.incident) {
                Some(id) => send_command(model, id, command, vec![]),
                None => vec![],
            }
        }
    }
}

/// A due date as people type it: a span from now (`14d`), a day (`2026-12-24`, its start in
/// UTC) or an RFC 3339 time.
fn due_date(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    if let Ok(span) = parse_duration(text) {
        return chrono::Duration::from_std(span)
            .map(|span| now + span)
            .map_err(|e| e.to_string());
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&chrono::Utc))
        .map_err(|_| format!("due '{text}' is not a span (14d), a day (2026-12-24) or a time"))
}
