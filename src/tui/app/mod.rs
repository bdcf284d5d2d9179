//! The Elm Architecture core: [`Model`], [`Msg`], [`update`] and the [`Effect`]s it asks for.
//!
//! `update` is pure and fast: no I/O, no clock reads (the time arrives in `Msg::Tick`), no
//! waiting. Whatever needs the network is returned as an [`Effect`], which the runtime runs as
//! a task that sends a `Msg` back. That keeps input responsive whatever the backend does, and
//! lets tests drive the whole client with plain values.

pub mod attention;
pub mod command_line;
mod commands;
pub mod completion;
mod composer;
pub mod deliveries;
pub mod form;
pub mod history;
pub mod incident_list;
pub mod incidents;
mod keys;
pub mod learn;
pub mod outbox;
pub mod panel_state;
pub mod review;

use crate::client::{ClientError, CommandAccepted, Identity};
use crate::domain::Alert;
use crate::domain::{
    AccessRole, Command, Event, Incident, IncidentId, SeverityLevel, SeverityScale, Timestamp,
};
use crate::panels::detect::{DetectError, Detection};
use crate::prometheus::{Error as MetricsError, RangeWindow, Series};
use crate::tui::keymap::KeyMap;
use form::{Form, SeverityPicker};
use incidents::{Incidents, Tracked};
use learn::{FollowupsView, Loaded, ReportView};
use outbox::{Outbox, Outgoing, Pending, Request};
use panel_state::Metrics;
use ratatui::crossterm::event::{KeyEvent, KeyEventKind};
use review::ReviewScreen;
use std::time::Duration;
use tui_input::Input;

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
    /// Every incident's folded state, to start from instead of replaying the whole log.
    Started(Result<Vec<Incident>, ClientError>),
    Feed(Result<Vec<Event>, ClientError>),
    /// Every incident, folded from a feed shared with other sessions (`warroom ssh-serve`):
    /// replaces this session's copy, which then reads no feed of its own.
    Folded(Incidents),
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
    /// Every incident, for the follow-ups screen.
    Followups(Result<Vec<Incident>, ClientError>),
    Report(Result<Box<crate::report::Report>, ClientError>),
    /// The first run's panel detection answered.
    PanelsDetected(Result<Detection, DetectError>),
    /// The notification deliveries that failed, for the header's badge.
    Deliveries(Result<Vec<crate::client::DeliveryRecord>, ClientError>),
    /// The `:` line's history as read from disk (a missing file is an empty history).
    History(Result<Vec<String>, String>),
    /// The history written back, or why it could not be.
    HistorySaved(Result<(), String>),
    /// SIGTERM or SIGHUP: leave cleanly.
    Terminate,
    /// The outbox written to disk, or why it could not be.
    OutboxSaved(Result<(), String>),
}

/// The backend's answer to something we sent.
#[derive(Debug, Clone)]
pub enum Sent {
    Command(CommandAccepted),
    Declared(Box<Incident>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// List every incident (folded by the backend), starting after `delay`.
    Start {
        delay: Duration,
    },
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
    /// Every incident with its corrective actions, for the follow-ups screen.
    FetchFollowups,
    /// The report over incidents declared since `since` (`90d`).
    FetchReport {
        since: String,
    },
    /// Ask Prometheus which panels fit its metrics, preferring the labels holding `service`.
    DetectPanels {
        service: Option<String>,
    },
    /// Read the failed notification deliveries after `delay`.
    FetchDeliveries {
        delay: Duration,
    },
    /// Put the text on the terminal's clipboard (OSC 52). The runtime writes it between
    /// frames, on the terminal it draws on.
    CopyToClipboard(String),
    /// Read the `:` line's history from the data directory.
    LoadHistory,
    /// Write the `:` line's history back.
    SaveHistory(Vec<String>),
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
    /// A resolve or close with open action items: how `y` carries them and `d` drops them.
    pub settle: Option<Box<SettleActions>>,
}

/// The open action items a resolve or close would leave behind, settled either way.
#[derive(Debug, Clone, PartialEq)]
pub struct SettleActions {
    /// What `y` sends after the ending: each item copied into the review as a corrective
    /// action.
    pub carry: Vec<Command>,
    /// What `d` sends before the ending instead: each item dropped.
    pub drop: Vec<Command>,
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
    Review(Box<ReviewScreen>),
    Followups(FollowupsView),
    Report(ReportView),
    /// Quitting with commands not yet acknowledged: `y` quits, any other key stays.
    QuitPending,
    IncidentList(incident_list::IncidentList),
    /// The message log, newest first.
    Messages,
    /// Every `:` command with its arguments.
    Commands,
}

/// How the client starts.
#[derive(Debug, Clone)]
pub struct Options {
    pub wall: bool,
    pub demo: bool,
    pub keymap: KeyMap,
    pub metrics: Metrics,
    /// The least severe new incident that rings the bell; `None`: no attention signal.
    pub attention_from: Option<crate::domain::Severity>,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub wall: bool,
    pub demo: bool,
    /// ASCII mode: the composer's template uses its ASCII variant.
    pub ascii: bool,
    /// The public update's templates, the defaults or the config's `[tui.templates]`.
    pub templates: crate::report::template::Templates,
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
    /// Notification deliveries being retried or given up on lately.
    pub deliveries: deliveries::Deliveries,
    /// Every notice of this session with its time, newest last: the full text of a refusal
    /// the status line had to cut (`M`, `:messages`).
    pub messages: Vec<Notice>,
    /// What was typed on the `:` line, this session and before.
    pub history: history::History,
    feed_failures: u32,
    pub metrics: Metrics,
    /// The declaration we sent last: select the incident when it comes back.
    awaiting_declaration: Option<String>,
    /// The incident just declared here: offer its impact start once the main panel has data.
    offer_impact: Option<IncidentId>,
    pub quit: bool,
    /// Set by `update` when something visible changed; the runtime draws and clears it.
    pub dirty: bool,
    /// Where the backend is, for "connecting to …".
    pub backend: String,
    /// Whether the feed has answered once with everything up to now: until then the screen
    /// knows nothing and must not say "all clear", and the history it receives is not news.
    pub synced: bool,
    pub attention_from: Option<crate::domain::Severity>,
    /// The banner of something that must be seen.
    pub attention: Option<attention::Attention>,
    /// Set by `update` to ring the terminal bell; the runtime rings and clears it.
    pub bell: bool,
    /// Whether the pending commands are on disk, to be sent by the next run: not in the demo
    /// nor over SSH (no outbox file), nor after the last save failed. The quit prompt says so.
    pub outbox_on_disk: bool,
}

/// How long a wall keeps showing the incident it followed after it ended.
const WALL_KEEPS_ENDED_MINUTES: i64 = 15;
/// Notices the message log keeps.
const MESSAGES_KEPT: usize = 200;

/// How long a notice stays on the status line.
const NOTICE_SECONDS: i64 = 8;
const ERROR_SECONDS: i64 = 30;

impl Model {
    pub fn new(options: Options, now: Timestamp) -> Model {
        Model {
            wall: options.wall,
            demo: options.demo,
            ascii: false,
            templates: Default::default(),
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
            deliveries: deliveries::Deliveries::default(),
            messages: Vec::new(),
            history: history::History::default(),
            feed_failures: 0,
            metrics: options.metrics,
            awaiting_declaration: None,
            offer_impact: None,
            quit: false,
            dirty: true,
            backend: String::new(),
            synced: false,
            attention_from: options.attention_from,
            attention: None,
            bell: false,
            outbox_on_disk: false,
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
        let notice = Notice {
            text: text.into(),
            error,
            at: self.now,
        };
        if self.messages.len() == MESSAGES_KEPT {
            self.messages.remove(0);
        }
        self.messages.push(notice.clone());
        self.notice = Some(notice);
    }

    fn reselect(&mut self) {
        if self.wall || self.follow || self.selected.is_none() {
            // A desk with nothing open still shows the latest incident. A wall shows the
            // incident it followed for a while after it ends, so the room sees it resolved,
            // then all clear; it never picks an ended incident to show.
            let best = self.incidents.most_severe_open(&self.scale).or_else(|| {
                if self.wall {
                    self.current()
                        .filter(|t| self.recently_ended(&t.state))
                        .map(|t| t.state.id.clone())
                } else {
                    self.incidents
                        .ordered(&self.scale)
                        .first()
                        .map(|i| i.id.clone())
                }
            });
            if best != self.selected {
                self.select(best);
            }
        }
    }

    /// Whether an ended incident ended less than [`WALL_KEEPS_ENDED_MINUTES`] ago.
    fn recently_ended(&self, incident: &Incident) -> bool {
        let ended = incident
            .resolved_at
            .or(incident.cancelled_at)
            .or(incident.closed_at);
        ended.is_some_and(|at| (self.now - at).num_minutes() < WALL_KEEPS_ENDED_MINUTES)
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

/// The effects to run at start: learn the scale and who we are, read the feed, and watch
/// the notification outbox.
pub fn init() -> Vec<Effect> {
    vec![
        Effect::FetchSeverities {
            delay: Duration::ZERO,
        },
        Effect::FetchIdentity {
            delay: Duration::ZERO,
        },
        Effect::Start {
            delay: Duration::ZERO,
        },
        Effect::FetchDeliveries {
            delay: Duration::ZERO,
        },
        Effect::LoadHistory,
    ]
}

/// Starts the outbox with what an earlier run left on disk (and why it could not be read, if
/// so), issuing new idempotency keys under `key_prefix`, which the runtime draws at random so
/// that `update` stays pure. Returns the sends of each incident's first waiting command.
pub fn resume(
    model: &mut Model,
    key_prefix: String,
    left: Vec<Pending>,
    warning: Option<String>,
) -> Vec<Effect> {
    model.outbox = Outbox::resumed(key_prefix, left);
    if let Some(warning) = warning {
        model.notify(warning, true);
    } else if !model.outbox.items.is_empty() {
        let count = model.outbox.items.len();
        model.notify(
            format!("sending {count} command(s) left from last time"),
            false,
        );
    }
    model
        .outbox
        .heads()
        .into_iter()
        .map(|outgoing| Effect::Send {
            outgoing,
            delay: Duration::ZERO,
        })
        .collect()
}

pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    model.dirty = true;
    let mut effects = handle(model, msg);
    // Whatever changed the selection, only the incident on screen keeps an ended log, and
    // its log is fetched if it is not here.
    model.incidents.unload_ended(model.selected.as_ref());
    effects.extend(
        model
            .incidents
            .log_wanted(model.selected.as_ref())
            .map(Effect::Backfill),
    );
    // Whatever changed the selection or the clock, the panels follow the incident on screen.
    let service = model.current().and_then(|t| t.state.service.clone());
    model.metrics.follow_service(service.as_deref());
    let columns = crate::tui::layout::chart_columns(model);
    effects.extend(model.metrics.due(model.now, columns));
    effects.extend(model.metrics.detect_if_empty());
    commands::offer_impact_start(model);
    effects
}

fn handle(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind == KeyEventKind::Press => {
            // A key press is the person at the screen: the banner has been seen. A key that
            // does nothing else still redraws, or the cleared banner would stay on screen.
            let seen = model.attention.take().is_some();
            let effects = keys::on_key(model, key);
            model.dirty |= seen;
            effects
        }
        Msg::Key(_) => {
            model.dirty = false;
            vec![]
        }
        Msg::Paste(text) => {
            match &mut model.overlay {
                Overlay::Form(form) => form.paste(&text),
                Overlay::Review(screen) => screen.paste(&text),
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
            let before = std::mem::replace(&mut model.now, now);
            model.dirty = crate::tui::layout::tick_changes_screen(model, before);
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
                model.dirty = true;
            }
            attention::expire(model);
            if model.wall {
                let followed = model.selected.clone();
                model.reselect();
                model.dirty |= model.selected != followed;
            }
            vec![]
        }
        Msg::Started(result) => on_start(model, result),
        Msg::Feed(result) => on_feed(model, result),
        Msg::Folded(incidents) => {
            model.feed_failures = 0;
            model.link = Link::Live;
            // The shared feed of an SSH server folds for its sessions: what it hands over is
            // the backend's answer, so the session knows the room (an all clear is true).
            model.synced = true;
            model.dirty = true;
            model.incidents = incidents;
            model.reselect();
            vec![]
        }
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
        Msg::History(Ok(lines)) => {
            model.history.loaded(lines);
            model.dirty = false;
            vec![]
        }
        Msg::History(Err(why)) | Msg::HistorySaved(Err(why)) => {
            model.notify(format!("command history: {why}"), true);
            vec![]
        }
        Msg::HistorySaved(Ok(())) => {
            model.dirty = false;
            vec![]
        }
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
            model.dirty = model
                .metrics
                .on_panel(index, generation, window, result, model.now);
            vec![]
        }
        Msg::Alerts(result) => {
            model.dirty = model.metrics.on_alerts(result, model.now);
            vec![]
        }
        Msg::Followups(result) => {
            match &mut model.overlay {
                Overlay::Followups(view) => view.load(result.map_err(|e| e.reason()), model.now),
                _ => model.dirty = false,
            }
            vec![]
        }
        Msg::Report(result) => {
            match &mut model.overlay {
                Overlay::Report(view) => {
                    view.report = match result {
                        Ok(report) => Loaded::Ready(report),
                        Err(error) => Loaded::Failed(error.reason()),
                    }
                }
                _ => model.dirty = false,
            }
            vec![]
        }
        Msg::PanelsDetected(result) => {
            model.metrics.on_detected(result);
            vec![]
        }
        Msg::Deliveries(result) => deliveries::on_deliveries(model, result),
        Msg::Terminate => {
            model.quit = true;
            vec![]
        }
        Msg::OutboxSaved(Ok(())) => {
            model.outbox_on_disk = true;
            vec![]
        }
        Msg::OutboxSaved(Err(reason)) => {
            model.outbox_on_disk = false;
            model.notify(
                format!("pending commands are not saved to disk ({reason}): do not quit yet"),
                true,
            );
            vec![]
        }
    }
}

/// Starts from the incidents as the backend has folded them, not from the whole history:
/// the logs of the open ones are fetched (an ended one's when it is shown), and the feed is
/// followed from the newest seq among them. Memory and start time do not grow with history.
fn on_start(model: &mut Model, result: Result<Vec<Incident>, ClientError>) -> Vec<Effect> {
    match result {
        Ok(incidents) => {
            model.feed_failures = 0;
            model.link = Link::Live;
            let mut effects: Vec<Effect> = model
                .incidents
                .start(incidents)
                .into_iter()
                .map(Effect::Backfill)
                .collect();
            effects.push(Effect::PollFeed {
                after: model.incidents.cursor,
                wait: Duration::ZERO,
                delay: Duration::ZERO,
            });
            effects
        }
        Err(_) => {
            if !matches!(model.link, Link::Down { .. }) {
                model.link = Link::Down { since: model.now };
            }
            model.feed_failures += 1;
            vec![Effect::Start {
                delay: outbox::retry_delay(model.feed_failures),
            }]
        }
    }
}

fn on_feed(model: &mut Model, result: Result<Vec<Event>, ClientError>) -> Vec<Effect> {
    match result {
        Ok(events) => {
            model.feed_failures = 0;
            // An empty answer changes nothing on screen, unless it ends an outage or is the
            // first whole answer (the screen leaves "no data yet": a wall redraws on nothing else).
            model.dirty = !events.is_empty() || model.link != Link::Live || !model.synced;
            model.link = Link::Live;
            let full_page = events.len() >= FEED_PAGE;
            let looking_at = model.selected.clone();
            let missing = model.incidents.apply_feed(&events);
            if model.synced {
                attention::on_live_events(model, &events, looking_at.as_ref());
            }
            model.synced |= !full_page;
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
            let Some((pending, next)) = model.outbox.take(&key) else {
                return vec![];
            };
            let mut effects = commands::sends(next);
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
                    model.notify(commands::done_line(&pending.summary, &sent), false);
                    incident.clone()
                }
                (_, Request::Declare(_)) => return effects,
            };
            for command in pending.then {
                effects.extend(commands::send_command(
                    model,
                    incident.clone(),
                    command,
                    vec![],
                ));
            }
            effects
        }
        Err(error) if error.is_transient() => match model.outbox.failed(&key, error.reason()) {
            Some((outgoing, delay)) => vec![Effect::Send { outgoing, delay }],
            None => vec![],
        },
        Err(error) => {
            // Refused: the next command of the incident goes on; the refusal is said.
            let Some((pending, next)) = model.outbox.take(&key) else {
                return vec![];
            };
            model.notify(
                format!("refused ({}): {}", pending.summary, error.reason()),
                true,
            );
            commands::sends(next)
        }
    }
}
