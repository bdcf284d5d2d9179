//! The messages of The Elm Architecture: [`Msg`], what happened (a key, the clock, a
//! backend's answer), and [`Effect`], what `update` asks the runtime to do. An effect that
//! needs the network runs as a task that answers with a `Msg`, so `update` never waits.

use super::incidents::Incidents;
use super::outbox::Outgoing;
use crate::client::{ClientError, CommandAccepted, Identity, Page};
use crate::domain::{Alert, Event, Incident, IncidentId, SeverityLevel, Timestamp};
use crate::panels::Purpose;
use crate::panels::detect::{DetectError, Detection};
use crate::prometheus::{Error as MetricsError, RangeWindow, Series};
use ratatui::crossterm::event::KeyEvent;
use std::time::Duration;

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// The 1 s clock: countdowns, and the time every other decision uses.
    Tick(Timestamp),
    /// The open incidents and the newest ended ones, folded: what a screen starts from
    /// instead of replaying the whole log.
    Started(Result<Vec<Incident>, ClientError>),
    Feed(Result<Vec<Event>, ClientError>),
    /// Every incident, folded from a feed shared with other sessions (`warroom ssh-serve`):
    /// replaces this session's copy, which then reads no feed of its own.
    Folded(Incidents),
    Backfill(IncidentId, Result<Vec<Event>, ClientError>),
    /// The log of an incident asked for by hand (`:go`, the list), however old.
    Opened(IncidentId, Result<Vec<Event>, ClientError>),
    /// An incident's events after the version held, read after a command done here.
    CaughtUp(IncidentId, Result<Vec<Event>, ClientError>),
    /// A page of the incident list, and the path it was read from.
    Page(String, Result<Page, ClientError>),
    /// The list's search line has rested since its edit number so-and-so.
    SearchPaused(u64),
    Severities(Result<Vec<SeverityLevel>, ClientError>),
    Identity(Result<Identity, ClientError>),
    Sent {
        key: String,
        result: Result<Sent, ClientError>,
    },
    /// A panel's range query for `purpose` answered (for the service of `generation`).
    PanelData {
        index: usize,
        generation: u64,
        window: RangeWindow,
        purpose: Purpose,
        result: Result<Vec<Series>, MetricsError>,
    },
    Alerts(Result<Vec<Alert>, MetricsError>),
    /// A page of the corrective actions across incidents (at this path), for the follow-ups
    /// screen.
    Followups(String, Result<crate::client::FollowupPage, ClientError>),
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
    /// List the open incidents and the newest ended ones (folded by the backend), starting
    /// after `delay`.
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
    /// Fetch the whole log of an incident to open it, however old.
    Open(IncidentId),
    /// Fetch an incident's events after `after`.
    CatchUp {
        incident: IncidentId,
        after: u64,
    },
    /// Fetch the page of the incident list at this path (`/v1/incidents?…`).
    FetchPage(String),
    /// Say after `delay` that the list's search line may have rested since edit number
    /// `edit` (`Msg::SearchPaused`); `update` knows whether another edit came meanwhile.
    SearchPause {
        edit: u64,
        delay: Duration,
    },
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
    /// Query one panel's expression over `window`, for its chart or its evidence.
    RefreshPanel {
        index: usize,
        generation: u64,
        expr: String,
        window: RangeWindow,
        purpose: Purpose,
    },
    RefreshAlerts,
    /// Fetch the page of the follow-ups at this path (`/v1/followups?…`).
    FetchFollowups(String),
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
