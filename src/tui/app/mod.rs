//! The Elm Architecture core: [`Model`], [`Msg`], [`update`] and the [`Effect`]s it asks for.
//!
//! `update` is pure and fast: no I/O, no clock reads (the time arrives in `Msg::Tick`), no
//! waiting. Whatever needs the network is returned as an [`Effect`], which the runtime runs as
//! a task that sends a `Msg` back. That keeps input responsive whatever the backend does, and
//! lets tests drive the whole client with plain values.

pub mod command_line;
pub mod form;
pub mod incidents;
pub mod metrics;
pub mod outbox;

use crate::client::{ClientError, CommandAccepted, Identity};
use crate::domain::{
    AccessRole, ActionState, Command, Event, Incident, IncidentId, NoteKind, SeverityLevel,
    SeverityScale, Status, Timestamp,
};
use crate::prometheus::alert::Alert;
use crate::prometheus::client::Error as MetricsError;
use crate::prometheus::series::Series;
use crate::prometheus::step::RangeWindow;
use crate::tui::keymap::{Action, KeyMap};
use command_line::Typed;
use form::{Form, FormOutcome, SeverityPicker, Submission};
use incidents::{Incidents, Tracked};
use metrics::Metrics;
use outbox::{Outbox, Outgoing, Request};
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyEventKind};
use std::time::Duration;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// How long one long-poll of the feed waits for news before asking again.
pub const FEED_WAIT: Duration = Duration::from_secs(25);
/// The backend's page size for the feed: a full page means "ask again at once".
pub const FEED_PAGE: usize = 1000;

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// The 1 s clock: countdowns, and the time every other decision uses.
    Tick(Timestamp),
    Feed(Result<Vec<Event>, ClientError>),
    Backfill(IncidentId, Result<Vec<Event>, ClientError>),
    Severities(Result<Vec<SeverityLevel>, ClientError>),
    Identity(Result<Identity, ClientError>),
    Sent {
        key: String,
        result: Result<Sent, ClientError>,
    },
    /// A panel's range query answered (for the service of `generation`).
    PanelData {
        index: usize,
        generation: u64,
        window: RangeWindow,
        result: Result<Vec<Series>, MetricsError>,
    },
    Alerts(Result<Vec<Alert>, MetricsError>),
    /// SIGTERM or SIGHUP: leave cleanly.
    Terminate,
}

/// The backend's answer to something we sent.
#[derive(Debug, Clone)]
pub enum Sent {
    Command(CommandAccepted),
    Declared(Box<Incident>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Long-poll the global feed after `after`, waiting up to `wait`, starting after `delay`.
    PollFeed {
        after: u64,
        wait: Duration,
        delay: Duration,
    },
    /// Fetch an incident's whole log.
    Backfill(IncidentId),
    FetchSeverities {
        delay: Duration,
    },
    FetchIdentity {
        delay: Duration,
    },
    Send {
        outgoing: Outgoing,
        delay: Duration,
    },
    /// Query one panel's expression over `window`.
    RefreshPanel {
        index: usize,
        generation: u64,
        expr: String,
        window: RangeWindow,
    },
    RefreshAlerts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Panels,
    Alerts,
    Timeline,
    Actions,
    Roster,
}

impl Pane {
    pub const ORDER: [Pane; 5] = [
        Pane::Panels,
        Pane::Alerts,
        Pane::Timeline,
        Pane::Actions,
        Pane::Roster,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Panels => "Metrics",
            Pane::Alerts => "Alerts",
            Pane::Timeline => "Timeline",
            Pane::Actions => "Action items",
            Pane::Roster => "Roster",
        }
    }
}

/// The backend link as the screen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Live,
    Down { since: Timestamp },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    pub at: Timestamp,
}

/// A command that asks first.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub prompt: String,
    /// Evidence under the question (the main panel's verdict before a resolve).
    pub detail: Vec<String>,
    pub incident: IncidentId,
    pub command: Command,
    /// Sent after the command is accepted (the resolve's metric snapshot).
    pub then: Vec<Command>,
    /// What `e` puts on the command line to edit the proposal instead.
    pub edit: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub enum Overlay {
    #[default]
    None,
    Help,
    Confirm(Confirm),
    Severity(SeverityPicker),
    Form(Box<Form>),
    CommandLine(Input),
    Filter(Input),
}

/// How the client starts.
#[derive(Debug, Clone)]
pub struct Options {
    pub wall: bool,
    pub demo: bool,
    pub keymap: KeyMap,
    pub metrics: Metrics,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub wall: bool,
    pub demo: bool,
    pub keymap: KeyMap,
    pub now: Timestamp,
    pub size: (u16, u16),
    pub identity: Option<Identity>,
    pub scale: SeverityScale,
    pub incidents: Incidents,
    pub selected: Option<IncidentId>,
    /// While true the selection follows the most severe open incident; `[`/`]` turn it off.
    pub follow: bool,
    pub link: Link,
    pub outbox: Outbox,
    pub focus: Pane,
    /// Timeline rows scrolled past, from the newest.
    pub timeline_scroll: usize,
    pub timeline_filter: String,
    /// Index into the selected incident's action items.
    pub action_cursor: usize,
    pub overlay: Overlay,
    pub notice: Option<Notice>,
    feed_failures: u32,
    pub metrics: Metrics,
    /// The declaration we sent last: select the incident when it comes back.
    awaiting_declaration: Option<String>,
    /// The incident just declared here: offer its impact start once the main panel has data.
    offer_impact: Option<IncidentId>,
    pub quit: bool,
    /// Set by `update` when something visible changed; the runtime draws and clears it.
    pub dirty: bool,
}

/// How long a notice stays on the status line.
const NOTICE_SECONDS: i64 = 8;
const ERROR_SECONDS: i64 = 30;

impl Model {
    pub fn new(options: Options, now: Timestamp) -> Model {
        Model {
            wall: options.wall,
            demo: options.demo,
            keymap: options.keymap,
            now,
            size: (80, 24),
            identity: None,
            scale: SeverityScale::default(),
            incidents: Incidents::default(),
            selected: None,
            follow: true,
            link: Link::Connecting,
            outbox: Outbox::default(),
            focus: Pane::Timeline,
            timeline_scroll: 0,
            timeline_filter: String::new(),
            action_cursor: 0,
            overlay: Overlay::None,
            notice: None,
            feed_failures: 0,
            metrics: options.metrics,
            awaiting_declaration: None,
            offer_impact: None,
            quit: false,
            dirty: true,
        }
    }

    /// The incident on screen.
    pub fn current(&self) -> Option<&Tracked> {
        self.selected.as_ref().and_then(|id| self.incidents.get(id))
    }

    /// Whether the person at the keyboard may send this kind of command (unknown: yes, and
    /// the backend decides).
    fn may(&self, needed: AccessRole) -> bool {
        self.identity
            .as_ref()
            .is_none_or(|identity| identity.role.allows(needed))
    }

    fn notify(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Some(Notice {
            text: text.into(),
            error,
            at: self.now,
        });
    }

    fn reselect(&mut self) {
        if self.wall || self.follow || self.selected.is_none() {
            let best = self.incidents.most_severe_open(&self.scale).or_else(|| {
                self.incidents
                    .ordered(&self.scale)
                    .first()
                    .map(|i| i.id.clone())
            });
            if best != self.selected {
                self.select(best);
            }
        }
    }

    /// The panes tab cycles through: the alerts pane only where an Alertmanager is set.
    pub fn panes(&self) -> Vec<Pane> {
        Pane::ORDER
            .into_iter()
            .filter(|pane| *pane != Pane::Alerts || self.metrics.has_alerts)
            .collect()
    }

    fn next_pane(&self) -> Pane {
        let panes = self.panes();
        let index = panes.iter().position(|p| *p == self.focus).unwrap_or(0);
        panes[(index + 1) % panes.len()]
    }

    fn select(&mut self, id: Option<IncidentId>) {
        self.selected = id;
        self.timeline_scroll = 0;
        self.action_cursor = 0;
    }
}

/// The effects to run at start: learn the scale and who we are, and read the feed.
pub fn init(_model: &Model) -> Vec<Effect> {
    vec![
        Effect::FetchSeverities {
            delay: Duration::ZERO,
        },
        Effect::FetchIdentity {
            delay: Duration::ZERO,
        },
        Effect::PollFeed {
            after: 0,
            wait: Duration::ZERO,
            delay: Duration::ZERO,
        },
    ]
}

pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    model.dirty = true;
    let mut effects = handle(model, msg);
    // Whatever changed the selection or the clock, the panels follow the incident on screen.
    let service = model.current().and_then(|t| t.state.service.clone());
    model.metrics.follow_service(service.as_deref());
    let columns = crate::tui::view::chart_columns(model);
    effects.extend(model.metrics.due(model.now, columns));
    offer_impact_start(model);
    effects
}

fn handle(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind == KeyEventKind::Press => on_key(model, key),
        Msg::Key(_) => {
            model.dirty = false;
            vec![]
        }
        Msg::Paste(text) => {
            match &mut model.overlay {
                Overlay::Form(form) => form.paste(&text),
                Overlay::CommandLine(input) | Overlay::Filter(input) => {
                    for c in text.chars().filter(|c| !c.is_control()) {
                        input.handle(tui_input::InputRequest::InsertChar(c));
                    }
                    if let Overlay::Filter(input) = &model.overlay {
                        model.timeline_filter = input.value().to_string();
                    }
                }
                _ => model.dirty = false,
            }
            vec![]
        }
        Msg::Resize(width, height) => {
            model.size = (width, height);
            model.metrics.refresh_all();
            vec![]
        }
        Msg::Tick(now) => {
            model.now = now;
            let expired = model.notice.as_ref().is_some_and(|notice| {
                let keep = if notice.error {
                    ERROR_SECONDS
                } else {
                    NOTICE_SECONDS
                };
                (now - notice.at).num_seconds() >= keep
            });
            if expired {
                model.notice = None;
            }
            vec![]
        }
        Msg::Feed(result) => on_feed(model, result),
        Msg::Backfill(id, result) => match result {
            Ok(events) => {
                model.incidents.backfill(id, events);
                model.reselect();
                vec![]
            }
            // The feed will bring the next change and ask again; no retry storm here.
            Err(_) => vec![],
        },
        Msg::Severities(result) => match result.map(SeverityScale::new) {
            Ok(Ok(scale)) => {
                model.scale = scale;
                model.reselect();
                vec![]
            }
            _ => vec![Effect::FetchSeverities {
                delay: Duration::from_secs(5),
            }],
        },
        Msg::Identity(result) => match result {
            Ok(identity) => {
                model.identity = Some(identity);
                vec![]
            }
            Err(error) if error.is_transient() => vec![Effect::FetchIdentity {
                delay: Duration::from_secs(5),
            }],
            Err(error) => {
                model.notify(format!("backend: {}", error.reason()), true);
                vec![]
            }
        },
        Msg::Sent { key, result } => on_sent(model, key, result),
        Msg::PanelData {
            index,
            generation,
            window,
            result,
        } => {
            model
                .metrics
                .on_panel(index, generation, window, result, model.now);
            vec![]
        }
        Msg::Alerts(result) => {
            model.metrics.on_alerts(result, model.now);
            vec![]
        }
        Msg::Terminate => {
            model.quit = true;
            vec![]
        }
    }
}

fn on_feed(model: &mut Model, result: Result<Vec<Event>, ClientError>) -> Vec<Effect> {
    match result {
        Ok(events) => {
            model.feed_failures = 0;
            model.link = Link::Live;
            let full_page = events.len() >= FEED_PAGE;
            if events.is_empty() {
                model.dirty = false;
            }
            let missing = model.incidents.apply_feed(&events);
            model.reselect();
            model.incidents.prune(model.selected.as_ref());
            let mut effects: Vec<Effect> = missing.into_iter().map(Effect::Backfill).collect();
            effects.push(Effect::PollFeed {
                after: model.incidents.cursor,
                wait: if full_page { Duration::ZERO } else { FEED_WAIT },
                delay: Duration::ZERO,
            });
            effects
        }
        Err(_) => {
            if !matches!(model.link, Link::Down { .. }) {
                model.link = Link::Down { since: model.now };
            } else {
                model.dirty = false;
            }
            model.feed_failures += 1;
            vec![Effect::PollFeed {
                after: model.incidents.cursor,
                wait: FEED_WAIT,
                delay: outbox::retry_delay(model.feed_failures),
            }]
        }
    }
}

fn on_sent(model: &mut Model, key: String, result: Result<Sent, ClientError>) -> Vec<Effect> {
    match result {
        Ok(sent) => {
            let Some(pending) = model.outbox.take(&key) else {
                return vec![];
            };
            let incident = match (&sent, &pending.outgoing.request) {
                (Sent::Declared(incident), _) => {
                    if model.awaiting_declaration.as_deref() == Some(key.as_str()) {
                        model.awaiting_declaration = None;
                        model.follow = false;
                        model.select(Some(incident.id.clone()));
                        model.offer_impact = Some(incident.id.clone());
                    }
                    model.notify(format!("declared {}", incident.id), false);
                    incident.id.clone()
                }
                (_, Request::Command { incident, .. }) => {
                    model.notify(format!("done: {}", pending.summary), false);
                    incident.clone()
                }
                (_, Request::Declare(_)) => return vec![],
            };
            pending
                .then
                .into_iter()
                .flat_map(|command| send_command(model, incident.clone(), command, vec![]))
                .collect()
        }
        Err(error) if error.is_transient() => match model.outbox.failed(&key, error.reason()) {
            Some((outgoing, delay)) => vec![Effect::Send { outgoing, delay }],
            None => vec![],
        },
        Err(error) => {
            let summary = model
                .outbox
                .take(&key)
                .map(|p| p.summary)
                .unwrap_or_default();
            model.notify(format!("refused ({summary}): {}", error.reason()), true);
            vec![]
        }
    }
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    match std::mem::take(&mut model.overlay) {
        Overlay::None => {}
        overlay => return on_overlay_key(model, overlay, key),
    }
    let Some(action) = model.keymap.action(&key) else {
        model.dirty = false;
        return vec![];
    };
    if action.mutates() && model.wall {
        model.dirty = false;
        return vec![];
    }
    match action {
        Action::Quit => {
            model.quit = true;
            vec![]
        }
        Action::Help => {
            model.overlay = Overlay::Help;
            vec![]
        }
        Action::Focus => {
            model.focus = model.next_pane();
            vec![]
        }
        Action::Filter => {
            model.overlay = Overlay::Filter(Input::new(model.timeline_filter.clone()));
            vec![]
        }
        Action::CommandLine => {
            model.overlay = Overlay::CommandLine(Input::default());
            vec![]
        }
        Action::NextIncident | Action::PreviousIncident => {
            step_incident(model, action == Action::NextIncident);
            vec![]
        }
        Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
            scroll(model, action);
            vec![]
        }
        Action::Declare => {
            if model.may(AccessRole::Responder) {
                model.overlay = Overlay::Form(Box::new(Form::declare(&model.scale)));
            } else {
                refuse_locally(model, AccessRole::Responder);
            }
            vec![]
        }
        Action::Acknowledge => transition(model, Status::Acknowledged),
        Action::Investigate => transition(model, Status::Investigating),
        Action::Mitigate => transition(model, Status::Mitigated),
        Action::Resolve | Action::Close | Action::Cancel => {
            let (to, verb) = match action {
                Action::Resolve => (Status::Resolved, "Resolve"),
                Action::Close => (Status::Closed, "Close"),
                _ => (Status::Cancelled, "Cancel as a false alarm"),
            };
            if let Some(id) = incident_for(model, AccessRole::Commander) {
                let (title, impact_start) = model
                    .current()
                    .map(|t| (t.state.title.clone(), t.state.impact_started_at))
                    .unwrap_or_default();
                let evidence = (to == Status::Resolved)
                    .then(|| model.metrics.resolve_evidence(model.now, impact_start))
                    .flatten();
                let (detail, then) = match evidence {
                    Some((verdict, values)) if !values.is_empty() => {
                        let snapshot = Command::RecordSnapshot {
                            reason: crate::domain::SnapshotReason::Resolve,
                            values,
                        };
                        (vec![verdict], vec![snapshot])
                    }
                    Some((verdict, _)) => (vec![verdict], vec![]),
                    None => (vec![], vec![]),
                };
                model.overlay = Overlay::Confirm(Confirm {
                    prompt: format!("{verb} {id} \"{}\"?", crate::sanitize::sanitize(&title)),
                    detail,
                    incident: id,
                    command: Command::Transition { to },
                    then,
                    edit: None,
                });
            }
            vec![]
        }
        Action::Severity => {
            if incident_for(model, AccessRole::Commander).is_some() {
                let current = model.current().map(|t| t.state.severity.clone());
                if let Some(current) = current {
                    model.overlay = Overlay::Severity(SeverityPicker::new(&current, &model.scale));
                }
            }
            vec![]
        }
        Action::Role => {
            if incident_for(model, AccessRole::Commander).is_some() {
                model.overlay = Overlay::Form(Box::new(Form::role()));
            }
            vec![]
        }
        Action::Note | Action::Decision => {
            if incident_for(model, AccessRole::Responder).is_some() {
                let kind = if action == Action::Note {
                    NoteKind::Note
                } else {
                    NoteKind::Decision
                };
                model.overlay = Overlay::Form(Box::new(Form::note(kind)));
            }
            vec![]
        }
        Action::NewAction => {
            if incident_for(model, AccessRole::Responder).is_some() {
                model.overlay = Overlay::Form(Box::new(Form::action()));
            }
            vec![]
        }
        Action::ToggleAction => toggle_action(model),
        Action::Pin => pin(model),
        Action::ImpactStart => {
            if incident_for(model, AccessRole::Commander).is_some() && !propose_impact(model) {
                model.notify(
                    "no threshold breach on the main panel to date the impact by",
                    true,
                );
            }
            vec![]
        }
        Action::DeclareFromAlert => {
            if !model.may(AccessRole::Responder) {
                refuse_locally(model, AccessRole::Responder);
            } else if let Some(alert) = model.metrics.selected_alert() {
                let new = model.metrics.declaration_from(alert);
                model.overlay = Overlay::Form(Box::new(Form::declare_from(&model.scale, new)));
            } else {
                model.notify("no firing alert selected (focus the alerts pane)", true);
            }
            vec![]
        }
    }
}

fn pin(model: &mut Model) -> Vec<Effect> {
    let Some(id) = incident_for(model, AccessRole::Responder) else {
        return vec![];
    };
    let values = model.metrics.pin();
    if values.is_empty() {
        model.notify("no panel has data to pin yet", true);
        return vec![];
    }
    let command = Command::RecordSnapshot {
        reason: crate::domain::SnapshotReason::Pin,
        values,
    };
    send_command(model, id, command, vec![])
}

/// Opens the impact-start proposal for the selected incident; false when there is none.
fn propose_impact(model: &mut Model) -> bool {
    let (Some(id), Some(proposal), Some(main)) = (
        model.selected.clone(),
        model.metrics.propose_impact_start(model.now),
        model.metrics.main_panel(),
    ) else {
        return false;
    };
    let at = proposal.breach.at;
    let mut detail = vec![format!(
        "First breach of {}: {} at {}.",
        main.panel.title,
        crate::sanitize::sanitize(&proposal.breach.series),
        main.panel.unit.format(proposal.breach.value)
    )];
    if proposal.at_window_start {
        detail.push("It was breaching at the start of the lookback: it may be earlier.".into());
    }
    detail.push("y accepts · e edits · n keeps the current start".into());
    model.overlay = Overlay::Confirm(Confirm {
        prompt: format!(
            "Impact on {id} started at {} UTC?",
            at.format("%Y-%m-%d %H:%M:%S")
        ),
        detail,
        incident: id,
        command: Command::SetImpactStart { at },
        then: vec![],
        edit: Some(format!("impact {}", at.format("%Y-%m-%dT%H:%M:%SZ"))),
    });
    true
}

/// After declaring here, offer the impact start as soon as the main panel can tell it.
fn offer_impact_start(model: &mut Model) {
    let ready = model.offer_impact.is_some()
        && model.offer_impact == model.selected
        && matches!(model.overlay, Overlay::None)
        && model
            .metrics
            .main_panel()
            .is_some_and(|slot| slot.state.data().is_some());
    if ready {
        model.offer_impact = None;
        propose_impact(model);
    }
}

fn on_overlay_key(model: &mut Model, overlay: Overlay, key: KeyEvent) -> Vec<Effect> {
    match overlay {
        Overlay::None => vec![],
        Overlay::Help => vec![], // any key closes the help
        Overlay::Confirm(confirm) => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                send_command(model, confirm.incident, confirm.command, confirm.then)
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => vec![],
            KeyCode::Char('e') if confirm.edit.is_some() => {
                let line = confirm.edit.unwrap_or_default();
                model.overlay = Overlay::CommandLine(Input::new(line));
                vec![]
            }
            _ => {
                model.overlay = Overlay::Confirm(confirm);
                model.dirty = false;
                vec![]
            }
        },
        Overlay::Severity(mut picker) => match picker.handle_key(key, &model.scale) {
            None => {
                model.overlay = Overlay::Severity(picker);
                vec![]
            }
            Some(None) => vec![],
            Some(Some(severity)) => match model.selected.clone() {
                Some(id) => send_command(model, id, Command::SetSeverity { severity }, vec![]),
                None => vec![],
            },
        },
        Overlay::Form(mut form) => match form.handle_key(key, &model.scale, model.now) {
            FormOutcome::Editing => {
                model.overlay = Overlay::Form(form);
                vec![]
            }
            FormOutcome::Cancelled => vec![],
            FormOutcome::Submitted(Submission::Declare(new)) => declare(model, new),
            FormOutcome::Submitted(Submission::Command(command)) => {
                match incident_for(model, command.required_access()) {
                    Some(id) => send_command(model, id, command, vec![]),
                    None => vec![],
                }
            }
        },
        Overlay::Filter(mut input) => {
            match key.code {
                KeyCode::Esc => model.timeline_filter.clear(),
                KeyCode::Enter => {}
                _ => {
                    input.handle_event(&TermEvent::Key(key));
                    model.timeline_filter = input.value().to_string();
                    model.overlay = Overlay::Filter(input);
                }
            }
            model.timeline_scroll = 0;
            vec![]
        }
        Overlay::CommandLine(mut input) => match key.code {
            KeyCode::Esc => vec![],
            KeyCode::Enter => run_typed(model, input.value()),
            _ => {
                input.handle_event(&TermEvent::Key(key));
                model.overlay = Overlay::CommandLine(input);
                vec![]
            }
        },
    }
}

fn run_typed(model: &mut Model, line: &str) -> Vec<Effect> {
    match command_line::parse(line, &model.scale, model.now) {
        Err(reason) => {
            model.notify(reason, true);
            vec![]
        }
        Ok(Typed::Quit) => {
            model.quit = true;
            vec![]
        }
        Ok(Typed::Help) => {
            model.overlay = Overlay::Help;
            vec![]
        }
        Ok(Typed::Select(id)) => {
            if model.incidents.get(&id).is_some() {
                model.follow = false;
                model.select(Some(id));
            } else {
                model.notify(
                    format!("{id} is not here (it may be an old, ended incident)"),
                    true,
                );
            }
            vec![]
        }
        Ok(Typed::Declare(new)) => {
            if model.may(AccessRole::Responder) {
                declare(model, new)
            } else {
                refuse_locally(model, AccessRole::Responder);
                vec![]
            }
        }
        Ok(Typed::Command(command)) => match incident_for(model, command.required_access()) {
            Some(id) => send_command(model, id, command, vec![]),
            None => vec![],
        },
    }
}

/// The selected incident's id, if there is one and we may act on it; otherwise says why.
fn incident_for(model: &mut Model, needed: AccessRole) -> Option<IncidentId> {
    if !model.may(needed) {
        refuse_locally(model, needed);
        return None;
    }
    let id = model.selected.clone();
    if id.is_none() {
        let declare = model.keymap.keys_for(Action::Declare);
        model.notify(
            format!("no incident selected — press {declare} to declare one"),
            true,
        );
    }
    id
}

fn refuse_locally(model: &mut Model, needed: AccessRole) {
    let role = model
        .identity
        .as_ref()
        .map_or(AccessRole::Viewer, |i| i.role);
    model.notify(format!("you are a {role}: this needs {needed}"), true);
}

fn transition(model: &mut Model, to: Status) -> Vec<Effect> {
    match incident_for(model, AccessRole::Commander) {
        Some(id) => send_command(model, id, Command::Transition { to }, vec![]),
        None => vec![],
    }
}

fn toggle_action(model: &mut Model) -> Vec<Effect> {
    let Some(id) = incident_for(model, AccessRole::Responder) else {
        return vec![];
    };
    let item = model
        .current()
        .and_then(|t| t.state.actions.get(model.action_cursor))
        .map(|item| (item.id, item.state));
    match item {
        Some((action, ActionState::Open)) => {
            send_command(model, id, Command::CompleteAction { action }, vec![])
        }
        Some((action, _)) => send_command(model, id, Command::ReopenAction { action }, vec![]),
        None => {
            let key = model.keymap.keys_for(Action::NewAction);
            model.notify(
                format!("no action item selected — press {key} to add one"),
                true,
            );
            vec![]
        }
    }
}

fn send_command(
    model: &mut Model,
    incident: IncidentId,
    command: Command,
    then: Vec<Command>,
) -> Vec<Effect> {
    let summary = format!("{} {incident}", describe_command(&command));
    let outgoing = Outgoing {
        key: crate::client::idempotency_key(),
        request: Request::Command { incident, command },
    };
    model.outbox.push(outgoing.clone(), summary, then);
    vec![Effect::Send {
        outgoing,
        delay: Duration::ZERO,
    }]
}

fn declare(model: &mut Model, new: crate::domain::NewIncident) -> Vec<Effect> {
    let summary = format!("declare {} \"{}\"", new.severity, new.title);
    let outgoing = Outgoing {
        key: crate::client::idempotency_key(),
        request: Request::Declare(new),
    };
    model.awaiting_declaration = Some(outgoing.key.clone());
    model.outbox.push(outgoing.clone(), summary, vec![]);
    vec![Effect::Send {
        outgoing,
        delay: Duration::ZERO,
    }]
}

/// A few words for the status line: "mitigate", "severity P0", "note".
pub fn describe_command(command: &Command) -> String {
    match command {
        Command::Transition { to } => format!("→ {to}"),
        Command::SetSeverity { severity } => format!("severity {severity}"),
        Command::AssignRole { role, person, .. } => format!("{person} as {role}"),
        Command::RelieveRole { role, .. } => format!("relieve {role}"),
        Command::AddNote { kind, .. } => kind.as_str().to_string(),
        Command::AddAction { .. } => "new action item".into(),
        Command::CompleteAction { action } => format!("#{action} done"),
        Command::ReopenAction { action } => format!("#{action} reopened"),
        Command::DropAction { action } => format!("#{action} dropped"),
        Command::SetImpactStart { .. } => "impact start".into(),
        Command::AttachAlert { alert, .. } => format!("attach {}", alert.name),
        Command::ResolveAlert { .. } => "alert resolved".into(),
        Command::RecordSnapshot { .. } => "metric snapshot".into(),
    }
}

fn step_incident(model: &mut Model, forward: bool) {
    let order: Vec<IncidentId> = model
        .incidents
        .ordered(&model.scale)
        .into_iter()
        .map(|i| i.id.clone())
        .collect();
    if order.is_empty() || model.wall {
        model.dirty = false;
        return;
    }
    let index = model
        .selected
        .as_ref()
        .and_then(|id| order.iter().position(|o| o == id))
        .unwrap_or(0);
    let next = if forward {
        (index + 1) % order.len()
    } else {
        (index + order.len() - 1) % order.len()
    };
    model.follow = false;
    model.select(Some(order[next].clone()));
}

fn scroll(model: &mut Model, action: Action) {
    let page = usize::from(model.size.1 / 2).max(1);
    match model.focus {
        Pane::Alerts => {
            let count = model.metrics.alerts.alerts.len();
            let cursor = &mut model.metrics.alerts.selected;
            *cursor = match action {
                Action::Up | Action::PageUp => cursor.saturating_sub(1),
                _ => (*cursor + 1).min(count.saturating_sub(1)),
            };
        }
        Pane::Actions => {
            let count = model.current().map_or(0, |t| t.state.actions.len());
            let cursor = &mut model.action_cursor;
            *cursor = match action {
                Action::Up => cursor.saturating_sub(1),
                Action::Down => (*cursor + 1).min(count.saturating_sub(1)),
                Action::PageUp => cursor.saturating_sub(page),
                _ => (*cursor + page).min(count.saturating_sub(1)),
            };
        }
        _ => {
            let count = model.current().map_or(0, |t| t.events.len());
            let scroll = &mut model.timeline_scroll;
            *scroll = match action {
                Action::Up => scroll.saturating_sub(1),
                Action::Down => (*scroll + 1).min(count.saturating_sub(1)),
                Action::PageUp => scroll.saturating_sub(page),
                _ => (*scroll + page).min(count.saturating_sub(1)),
            };
        }
    }
}
