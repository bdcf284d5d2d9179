//! The [`Model`]: everything the client knows, as plain values. Only `update` changes it;
//! the views read it. The small helpers here are the ones every part of `update` shares:
//! which incident is on screen, what the person may do, and the notices they are told.

use super::attention::Attention;
use super::command_line::history::History;
use super::deliveries::Deliveries;
use super::desk::Desk;
use super::feed::FeedStatus;
use super::impact::ImpactOffer;
use super::incidents::{Incidents, Tracked};
use super::outbox::Outbox;
use super::overlay::Overlay;
use super::panel_state::Metrics;
use crate::client::Identity;
use crate::domain::{AccessRole, Incident, IncidentId, Severity, SeverityScale, Timestamp};
use crate::tui::keymap::KeyMap;

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

#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    pub at: Timestamp,
}

/// How the client starts.
#[derive(Debug, Clone)]
pub struct Options {
    pub wall: bool,
    pub demo: bool,
    pub keymap: KeyMap,
    pub metrics: Metrics,
    /// The least severe new incident that rings the bell; `None`: no attention signal.
    pub attention_from: Option<Severity>,
}

/// How this client was started, set once before the first message: the runtime fills in
/// what the options do not carry (the terminal's ASCII mode, the backend, the templates,
/// the status page's components).
#[derive(Debug, Clone)]
pub struct Setup {
    /// A wall display: read-only, following the most severe incident.
    pub wall: bool,
    pub demo: bool,
    /// ASCII mode: the composer's template uses its ASCII variant.
    pub ascii: bool,
    /// The public update's templates, the defaults or the config's `[tui.templates]`.
    pub templates: crate::report::template::Templates,
    /// The status page's components (`[status] components`), which the composer offers.
    pub components: Vec<String>,
    pub keymap: KeyMap,
    /// Where the backend is, for "connecting to …".
    pub backend: String,
    /// The least severe new incident that rings the bell; `None`: no attention signal.
    pub attention_from: Option<Severity>,
}

#[derive(Debug, Clone)]
pub struct Model {
    /// How this client was started: the same for the whole session.
    pub setup: Setup,
    pub now: Timestamp,
    pub size: (u16, u16),
    pub identity: Option<Identity>,
    pub scale: SeverityScale,
    pub incidents: Incidents,
    /// The incident on screen, the pane with the focus and where each is scrolled.
    pub desk: Desk,
    /// Whether the backend answers, and whether everything up to now has arrived.
    pub feed: FeedStatus,
    pub outbox: Outbox,
    pub overlay: Overlay,
    pub notice: Option<Notice>,
    /// Notification deliveries being retried or given up on lately.
    pub deliveries: Deliveries,
    /// Every notice of this session with its time, newest last: the full text of a refusal
    /// the status line had to cut (`M`, `:messages`).
    pub messages: Vec<Notice>,
    /// What was typed on the `:` line, this session and before.
    pub history: History,
    pub metrics: Metrics,
    /// The declaration we sent last: select the incident when it comes back.
    pub(super) awaiting_declaration: Option<String>,
    /// The incident just declared here: offer its impact start once the main panel has data.
    pub(super) offer_impact: Option<IncidentId>,
    /// The impact start offered on a line of its own, for `I` to review.
    pub offer: Option<ImpactOffer>,
    pub quit: bool,
    /// Set by `update` when something visible changed; the runtime draws and clears it.
    pub dirty: bool,
    /// The banner of something that must be seen.
    pub attention: Option<Attention>,
    /// Set by `update` to ring the terminal bell; the runtime rings and clears it.
    pub bell: bool,
    /// Whether the pending commands are on disk, to be sent by the next run: not in the demo
    /// nor over SSH (no outbox file), nor after the last save failed. The quit prompt says so.
    pub outbox_on_disk: bool,
}

/// When an incident ended: resolved, cancelled or (closed without either) closed.
pub fn ended_at(incident: &Incident) -> Option<Timestamp> {
    if incident.status.is_open() {
        return None;
    }
    incident
        .resolved_at
        .or(incident.cancelled_at)
        .or(incident.closed_at)
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
            setup: Setup {
                wall: options.wall,
                demo: options.demo,
                ascii: false,
                templates: Default::default(),
                components: Vec::new(),
                keymap: options.keymap,
                backend: String::new(),
                attention_from: options.attention_from,
            },
            now,
            size: (80, 24),
            identity: None,
            scale: SeverityScale::default(),
            incidents: Incidents::default(),
            desk: Desk::default(),
            feed: FeedStatus::default(),
            outbox: Outbox::default(),
            overlay: Overlay::None,
            notice: None,
            deliveries: Deliveries::default(),
            messages: Vec::new(),
            history: History::default(),
            metrics: options.metrics,
            awaiting_declaration: None,
            offer_impact: None,
            offer: None,
            quit: false,
            dirty: true,
            attention: None,
            bell: false,
            outbox_on_disk: false,
        }
    }

    /// The incident on screen.
    pub fn current(&self) -> Option<&Tracked> {
        self.desk
            .selected
            .as_ref()
            .and_then(|id| self.incidents.get(id))
    }

    /// Whether the person at the keyboard may send this kind of command (unknown: yes, and
    /// the backend decides).
    pub(super) fn may(&self, needed: AccessRole) -> bool {
        self.identity
            .as_ref()
            .is_none_or(|identity| identity.role.allows(needed))
    }

    pub(super) fn notify(&mut self, text: impl Into<String>, error: bool) {
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

    /// Clears the status line's notice once it has been up long enough (an error longer);
    /// says whether it did.
    pub(super) fn expire_notice(&mut self) -> bool {
        let expired = self.notice.as_ref().is_some_and(|notice| {
            let keep = if notice.error {
                ERROR_SECONDS
            } else {
                NOTICE_SECONDS
            };
            (self.now - notice.at).num_seconds() >= keep
        });
        if expired {
            self.notice = None;
        }
        expired
    }

    /// Picks the incident to show where the screen may choose it. A wall follows the most
    /// severe open incident, and once none is open the one that ended last, for
    /// [`WALL_KEEPS_ENDED_MINUTES`], so the room sees it ended, then all clear: a choice made
    /// from the log and the clock alone, so every wall shows the same whenever it started.
    /// A desk chooses only while nothing is on screen (the most severe open incident, else
    /// the latest): after that only the person changes it, and news elsewhere rings instead.
    pub(super) fn reselect(&mut self) {
        let best = if self.setup.wall {
            self.incidents
                .most_severe_open(&self.scale)
                .or_else(|| self.last_ended_recently())
        } else {
            let shown = self
                .desk
                .selected
                .as_ref()
                .is_some_and(|id| self.incidents.get(id).is_some());
            if shown {
                return;
            }
            self.incidents.most_severe_open(&self.scale).or_else(|| {
                self.incidents
                    .ordered(&self.scale)
                    .first()
                    .map(|i| i.id.clone())
            })
        };
        if best != self.desk.selected {
            self.select(best);
        }
    }

    /// The incident that ended last, if that was less than [`WALL_KEEPS_ENDED_MINUTES`] ago.
    fn last_ended_recently(&self) -> Option<IncidentId> {
        self.incidents
            .ordered(&self.scale)
            .into_iter()
            .filter_map(|incident| Some((ended_at(incident)?, incident)))
            .filter(|(at, _)| (self.now - *at).num_minutes() < WALL_KEEPS_ENDED_MINUTES)
            .max_by_key(|(at, incident)| (*at, incident.id.number()))
            .map(|(_, incident)| incident.id.clone())
    }

    /// The panes tab cycles through: the alerts pane only where an Alertmanager is set.
    pub fn panes(&self) -> Vec<Pane> {
        Pane::ORDER
            .into_iter()
            .filter(|pane| *pane != Pane::Alerts || self.metrics.has_alerts)
            .collect()
    }

    pub(super) fn next_pane(&self) -> Pane {
        let panes = self.panes();
        let index = panes
            .iter()
            .position(|p| *p == self.desk.focus)
            .unwrap_or(0);
        panes[(index + 1) % panes.len()]
    }

    pub(super) fn select(&mut self, id: Option<IncidentId>) {
        self.desk.selected = id;
        self.desk.timeline_scroll = 0;
        self.desk.action_cursor = 0;
    }
}
