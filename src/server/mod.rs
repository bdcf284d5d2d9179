//! `warroom serve`: the small shared backend every TUI, wall display and script talks to.
//!
//! One writer thread owns the SQLite log and applies changes in group commits (see
//! [`engine`]); readers are served from the folded timeline in memory; long-pollers sleep on
//! the head `seq`. The HTTP contract is `assets/openapi.json` and `docs/api.md`.
//!
//! It stays reachable under abuse: connections are capped and time out ([`connections`]),
//! web pages and rebound DNS names are refused ([`cross_origin`]), each caller's changes are
//! rate limited ([`rate_limit`]), and one server at a time writes a database
//! ([`database_lock`]).

mod alertmanager;
mod auth;
pub mod clock;
mod connections;
mod cross_origin;
mod database_lock;
mod engine;
mod error;
pub mod escalation;
mod extract;
mod limits;
mod longpoll;
mod metrics;
mod notify;
mod openapi;
#[cfg(unix)]
mod process;
mod rate_limit;
mod routes;
mod state;
mod status;
mod timeline;

pub use alertmanager::routing as alert_routing;
pub use engine::{DecisionRules, StatsSnapshot, WriterBounds};
pub use limits::{Limits, WriteRate};
pub use timeline::{DEFAULT_KEEP_ENDED, DEFAULT_RECENT_EVENTS};

use crate::domain::{AlertRouting, AlertSeverity, SeverityScale};
use crate::store::Location;
use anyhow::Context;
use auth::Auth;
use cross_origin::OriginPolicy;
use database_lock::DatabaseLock;
use engine::{Engine, Stats, Wakes, WriterSetup};
use rate_limit::RateLimit;
use state::{AppState, Shared};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use timeline::Timeline;
use tokio::sync::watch;

/// How long a stop waits for requests in flight before giving up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    /// A SQLite file or a PostgreSQL URL.
    pub db: Location,
    /// The tokens file; without one the server is in open mode, which is loopback only.
    pub tokens: Option<PathBuf>,
    pub scale: SeverityScale,
    /// The severity of an incident the Alertmanager webhook opens, from the alerts' labels.
    pub alert_severity: AlertSeverity,
    /// Which open incident a page joins instead of opening another.
    pub alert_routing: AlertRouting,
    /// How many of the newest events to keep in memory; older pages come from the store.
    pub recent_events: usize,
    /// How long an ended incident stays folded in memory (`--keep-ended`); older ones are
    /// read from the store when asked for.
    pub keep_ended: chrono::Duration,
    /// The status page, notifications and escalation.
    pub communicate: Communicate,
    /// Web pages allowed to call the API, by `Origin`.
    pub allowed_origins: Vec<String>,
    pub limits: Limits,
    /// What the writer bounds: alerts per incident, how long idempotency answers are kept.
    pub bounds: WriterBounds,
    /// Where every part of the server reads the time: the wall clock but in tests.
    pub clock: clock::Clock,
}

/// What the backend tells the world: the public status page (`[status]`) and where it is
/// served apart from the API.
#[derive(Debug, Clone, Default)]
pub struct Communicate {
    pub page: crate::report::status::PageSettings,
    /// A second address serving only the public status routes; may be non-loopback without
    /// tokens, since it serves nothing but public content.
    pub status_listen: Option<SocketAddr>,
    /// Where notifications go, and how hard the backend tries.
    pub notify: notify::NotifySettings,
    /// When the escalation clock looks for lapses, and the rules it applies.
    pub escalation: escalation::EscalationSettings,
}

impl Communicate {
    /// The backend's settings from the config's `[status]`, `[[notify]]` and
    /// `[notify_delivery]` tables.
    pub fn from_config(
        config: &crate::config::Config,
        scale: &SeverityScale,
    ) -> Result<Communicate, String> {
        let notify = notify::NotifySettings::build(&config.notify, &config.notify_delivery, scale)?;
        Ok(Communicate {
            page: page_settings(&config.status)?,
            status_listen: None,
            escalation: escalation::EscalationSettings::build(
                &config.escalation,
                scale,
                &notify
                    .targets
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>(),
            )?,
            notify,
        })
    }
}

/// The status page's settings from `[status]`, every name and time checked.
fn page_settings(
    status: &crate::config::StatusSection,
) -> Result<crate::report::status::PageSettings, String> {
    use crate::report::status::{ComponentSettings, MaintenanceWindow, PageSettings};
    let mut seen = std::collections::HashSet::new();
    for name in &status.components {
        if name.trim().is_empty() || name.chars().count() > crate::domain::MAX_NAME_CHARS {
            return Err(format!(
                "[status] components: '{name}' is not a component name"
            ));
        }
        if !seen.insert(name) {
            return Err(format!("[status] components: '{name}' is listed twice"));
        }
    }
    if let Some(unlisted) = status.component.keys().find(|name| !seen.contains(name)) {
        return Err(format!(
            "[status.component.{unlisted}]: '{unlisted}' is not in [status] components"
        ));
    }
    let components = status
        .components
        .iter()
        .map(|name| {
            let shown = status.component.get(name).cloned().unwrap_or_default();
            ComponentSettings {
                name: name.clone(),
                display_name: shown.display_name,
                description: shown.description,
                group: shown.group,
                only_show_if_degraded: shown.only_show_if_degraded,
            }
        })
        .collect();
    let mut maintenances = Vec::new();
    for (n, window) in status.maintenance.iter().enumerate() {
        let at = format!("[[status.maintenance]] {} ({:?})", n + 1, window.name);
        let time = |field: &str, text: &str| {
            chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| t.to_utc())
                .map_err(|e| format!("{at}: {field}: '{text}' is not an RFC 3339 time: {e}"))
        };
        let (starts_at, ends_at) = (
            time("starts_at", &window.starts_at)?,
            time("ends_at", &window.ends_at)?,
        );
        if ends_at <= starts_at {
            return Err(format!("{at}: ends_at must come after starts_at"));
        }
        if window.name.trim().is_empty() {
            return Err(format!("{at}: name: a window needs a name"));
        }
        if let Some(unknown) = window.components.iter().find(|c| !seen.contains(c)) {
            return Err(format!(
                "{at}: components: '{unknown}' is not in [status] components"
            ));
        }
        maintenances.push(MaintenanceWindow {
            name: window.name.trim().to_string(),
            starts_at,
            ends_at,
            components: window.components.clone(),
            message: window.message.trim().to_string(),
        });
    }
    Ok(PageSettings {
        title: status.title.clone(),
        components,
        url: status.url.clone(),
        maintenances,
    })
}

/// A server running in background tasks. Dropping it asks it to stop; [`shutdown`] waits.
///
/// [`shutdown`]: RunningServer::shutdown
pub struct RunningServer {
    local_addr: SocketAddr,
    status_addr: Option<SocketAddr>,
    stop: watch::Sender<bool>,
    /// Taken by `shutdown`, which waits for them.
    tasks: Option<Tasks>,
    stats: Arc<Stats>,
}

struct Tasks {
    server: tokio::task::JoinHandle<()>,
    writer: std::thread::JoinHandle<()>,
    /// Released once the writer has stopped. None on PostgreSQL, where several replicas
    /// share the database by design (they take turns in the database itself).
    lock: Option<DatabaseLock>,
}

impl RunningServer {
    /// The bound address (the real port when listening on port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The bound `--status-listen` address, if any.
    pub fn status_addr(&self) -> Option<SocketAddr> {
        self.status_addr
    }

    /// How the group commit has been doing so far.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Stops accepting, answers long-pollers, lets requests in flight finish (their changes
    /// are committed), then stops the writer and closes the log.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        self.stop.send_replace(true);
        let Some(Tasks {
            server,
            writer,
            lock,
        }) = self.tasks.take()
        else {
            return Ok(());
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
            Ok(joined) => joined.context("the HTTP server task failed")?,
            Err(_) => anyhow::bail!(
                "requests were still running {}s after the stop",
                SHUTDOWN_GRACE.as_secs()
            ),
        }
        // The handlers held the last handles on the writer's queue; with them gone it drains
        // and exits.
        tokio::task::spawn_blocking(move || writer.join())
            .await
            .context("cannot wait for the writer")?
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?;
        drop(lock);
        Ok(())
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// Opens the log, folds it, binds and serves in background tasks.
pub async fn start(opts: ServeOptions) -> anyhow::Result<RunningServer> {
    let auth = match &opts.tokens {
        Some(path) => Auth::load(path)?,
        None => Auth::Open,
    };
    // A mapping to a severity the scale lacks would refuse every page the webhook opens:
    // better to refuse to start.
    opts.alert_severity
        .validate(&opts.scale)
        .map_err(anyhow::Error::msg)?;
    if auth.is_open() && !opts.listen.ip().is_loopback() {
        anyhow::bail!(
            "refusing to listen on {} without --tokens: open mode is loopback only",
            opts.listen
        );
    }
    // Before anything touches the file: a second server must not even open it.
    let lock = match &opts.db {
        Location::Sqlite(path) => Some(DatabaseLock::acquire(path)?),
        Location::Postgres(_) => None,
    };
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let local_addr = listener.local_addr()?;
    let status_listener = match opts.communicate.status_listen {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr} for the status page"))?,
        ),
        None => None,
    };
    let status_addr = status_listener
        .as_ref()
        .map(tokio::net::TcpListener::local_addr)
        .transpose()?;
    if let Some(addr) = status_addr {
        tracing::info!("status page on http://{addr}/status");
    }

    let (db, recent_events, keep_ended) = (opts.db.clone(), opts.recent_events, opts.keep_ended);
    let now = opts.clock.now();
    let (store, archive, outbox, timeline, history) = tokio::task::spawn_blocking(move || {
        let mut store = crate::store::open(&db)?;
        // Only what memory keeps: the open and recently ended incidents, as the store has
        // them folded, and the newest events. Restart time does not grow with history.
        let resume = store.resume(now - keep_ended, recent_events)?;
        let timeline = Timeline::with_capacity(recent_events)
            .keeping_ended(keep_ended)
            .resume(resume)
            .map_err(anyhow::Error::msg)?;
        // A second connection for reading what memory no longer holds, beside the writer.
        let archive = crate::store::open(&db)?;
        // The delivery worker's own connection: it never waits on the writer's queue.
        let outbox = crate::store::open_outbox(&db)?;
        // The public history beyond memory, for the status page's uptime and history.
        let since = now - chrono::Duration::days(status::HISTORY_DAYS);
        let history = store.incidents(crate::store::Which::PublishedSince(since))?;
        anyhow::Ok((store, archive, outbox, timeline, history))
    })
    .await?
    .with_context(|| format!("{}", opts.db))?;
    let outbox: notify::worker::SharedOutbox = Arc::new(std::sync::Mutex::new(outbox));
    tracing::info!(
        db = %opts.db,
        events = timeline.head(),
        incidents_in_memory = timeline.held(),
        "event log loaded"
    );

    let (head_tx, head) = watch::channel(timeline.head());
    let timeline = Arc::new(RwLock::new(timeline));
    let stats = Arc::new(Stats::default());
    let wakes = Wakes::default();
    let (engine, writer) = Engine::start(WriterSetup {
        store,
        log: timeline.clone(),
        head: head_tx,
        scale: opts.scale.clone(),
        limits: opts.bounds.clone(),
        stats: stats.clone(),
        routes: notify::Routes::new(&opts.communicate.notify),
        rules: DecisionRules {
            ack_takes_command: opts.communicate.escalation.ack_takes_command,
            alert_routing: opts.alert_routing.clone(),
        },
        wakes: wakes.clone(),
        clock: opts.clock.clone(),
    })
    .context("cannot start the writer thread")?;
    let (stop, stopping) = watch::channel(false);
    let database = follow_other_replicas(&opts.db, &engine).await;
    let state = AppState::new(Shared {
        timeline,
        engine,
        head,
        shutdown: stopping.clone(),
        database,
        stats: stats.clone(),
        longpoll_waiters: Default::default(),
        archive: state::Archive::new(archive),
        origins: OriginPolicy::new(&opts.allowed_origins, auth.is_open()),
        auth,
        rate_limit: opts.limits.writes.map(RateLimit::new),
        page_limit: opts.limits.pages.map(RateLimit::new),
        scale: opts.scale,
        alert_severity: opts.alert_severity,
        status_components: opts.communicate.page.component_names(),
        outbox: outbox.clone(),
        outbox_news: wakes.outbox.clone(),
        clock: opts.clock.clone(),
    });
    notify::worker::Worker::new(outbox, opts.communicate.notify.clone(), opts.clock.clone())?
        .spawn(wakes.outbox, stopping.clone());
    escalation::spawn(
        state.engine.clone(),
        opts.communicate.escalation.clone(),
        opts.clock.clone(),
        stopping.clone(),
    );
    let pages = status::StatusPages::new(
        &state.timeline,
        opts.communicate.page.clone(),
        opts.clock.clone(),
        history,
    );
    pages
        .clone()
        .spawn_generator(state.timeline.clone(), wakes.public, stopping.clone());
    // The public status routes are merged after the API's layers: they are read-only public
    // content, so the cross-origin and write limits do not apply; the connection limits and
    // timeouts do, on both addresses.
    let app = routes::Api::new(&opts.limits)
        .into_app(state)
        .merge(status::router(pages.clone()));
    // One cap for both addresses: they draw on the same descriptors.
    #[cfg(unix)]
    let open_files = process::open_files_limit();
    #[cfg(not(unix))]
    let open_files = None;
    let connections = connections::Connections::new(&opts.limits, open_files);
    tracing::info!(
        connections = connections.cap(),
        max_connections = opts.limits.max_connections,
        open_files = open_files.map_or("unlimited".to_string(), |n| n.to_string()),
        "connection cap"
    );
    if let Some(status_listener) = status_listener {
        let public = status::router(pages);
        let (connections, stopping) = (connections.clone(), stopping.clone());
        tokio::spawn(async move {
            connections::serve(status_listener, public, connections, stopping).await;
        });
    }
    let server = tokio::spawn(async move {
        connections::serve(listener, app, connections, stopping).await;
    });
    Ok(RunningServer {
        local_addr,
        status_addr,
        stop,
        tasks: Some(Tasks {
            server,
            writer,
            lock,
        }),
        stats,
    })
}

/// On PostgreSQL, listens for the other replicas' commits and has the writer read them, so
/// this replica's readers and long-pollers see them. The receiver tells whether the database
/// connection that carries them is up (always, for SQLite, where this process is the writer).
///
/// Waits (boundedly) for that connection before the server takes requests: until it is up,
/// the feed routes answer 503, and a replica that has just said "listening" must not refuse
/// its first reader because a busy machine was slow to open a second connection.
async fn follow_other_replicas(db: &Location, engine: &Engine) -> watch::Receiver<bool> {
    const FIRST_CONNECTION: Duration = Duration::from_secs(10);
    let Location::Postgres(url) = db else {
        return watch::channel(true).1;
    };
    let (connected, mut database) = watch::channel(false);
    let catch_up = engine.catch_up();
    tokio::spawn(crate::store::listen(
        url.clone(),
        move |head| catch_up.request(head),
        connected,
    ));
    let up = tokio::time::timeout(FIRST_CONNECTION, database.wait_for(|up| *up))
        .await
        .is_ok_and(|seen| seen.is_ok());
    if !up {
        tracing::warn!(
            "the connection for other replicas' commits is not up yet; the feed answers 503 until it is"
        );
    }
    database
}

/// Runs the server in the foreground: prints `listening on http://ADDR` as the first line of
/// stdout (scripts and tests read it to find the port), then serves until Ctrl-C or SIGTERM.
pub async fn serve(opts: ServeOptions) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        process::raise_open_files_limit();
        process::ignore_file_size_signal()?;
    }
    let server = start(opts).await?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on http://{}", server.local_addr())?;
        if let Some(addr) = server.status_addr() {
            writeln!(stdout, "status page on http://{addr}/status")?;
        }
        stdout.flush()?;
    }
    stop_signal().await?;
    tracing::info!("stopping");
    server.shutdown().await
}

#[cfg(unix)]
async fn stop_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).context("cannot watch for SIGTERM")?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.context("cannot watch for Ctrl-C"),
        _ = terminate.recv() => Ok(()),
    }
}

#[cfg(not(unix))]
async fn stop_signal() -> anyhow::Result<()> {
    tokio::signal::ctrl_c()
        .await
        .context("cannot watch for Ctrl-C")
}
