//! `warroom serve`: the small shared backend every TUI, wall display and script talks to.
//!
//! One writer thread owns the SQLite log and applies changes in group commits (see
//! [`engine`]); readers are served from the folded timeline in memory; long-pollers sleep on
//! the head `seq`. The HTTP contract is `assets/openapi.json` and `docs/api.md`.

mod alertmanager;
mod auth;
mod engine;
mod error;
mod extract;
mod longpoll;
mod metrics;
mod openapi;
mod routes;
mod state;
mod timeline;

pub use engine::StatsSnapshot;
pub use timeline::DEFAULT_RECENT_EVENTS;

use crate::domain::AlertSeverity;
use crate::domain::SeverityScale;
use crate::store::Location;
use anyhow::Context;
use auth::Auth;
use engine::{Engine, Stats};
use state::{AppState, Shared};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use timeline::Timeline;
use tokio::sync::watch;

/// Events read per query while folding the log at startup.
const LOAD_PAGE: usize = 10_000;

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
    /// How many of the newest events to keep in memory; older pages come from the store.
    pub recent_events: usize,
}

/// A server running in background tasks. Dropping it asks it to stop; [`shutdown`] waits.
///
/// [`shutdown`]: RunningServer::shutdown
pub struct RunningServer {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    /// Taken by `shutdown`, which waits for them.
    tasks: Option<Tasks>,
    stats: Arc<Stats>,
}

struct Tasks {
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    writer: std::thread::JoinHandle<()>,
}

impl RunningServer {
    /// The bound address (the real port when listening on port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// How the group commit has been doing so far.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Stops accepting, answers long-pollers, lets requests in flight finish (their changes
    /// are committed), then stops the writer and closes the log.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        self.stop.send_replace(true);
        let Some(Tasks { server, writer }) = self.tasks.take() else {
            return Ok(());
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
            Ok(joined) => joined
                .context("the HTTP server task failed")?
                .context("the HTTP server failed")?,
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
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))
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
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let local_addr = listener.local_addr()?;

    let (db, recent_events) = (opts.db.clone(), opts.recent_events);
    let (store, archive, timeline) = tokio::task::spawn_blocking(move || {
        let mut store = crate::store::open(&db)?;
        // Page by page: memory holds the folded incidents and the newest events, never the
        // whole log.
        let mut timeline = Timeline::with_capacity(recent_events);
        loop {
            let page = store.events_after(timeline.head(), LOAD_PAGE)?;
            if page.is_empty() {
                break;
            }
            timeline.fold(page).map_err(anyhow::Error::msg)?;
        }
        // A second connection for reading what memory no longer holds, beside the writer.
        let archive = crate::store::open(&db)?;
        anyhow::Ok((store, archive, timeline))
    })
    .await?
    .with_context(|| format!("{}", opts.db))?;
    tracing::info!(
        db = %opts.db,
        events = timeline.head(),
        "event log loaded"
    );

    let (head_tx, head) = watch::channel(timeline.head());
    let timeline = Arc::new(RwLock::new(timeline));
    let stats = Arc::new(Stats::default());
    let (engine, writer) = Engine::start(
        store,
        timeline.clone(),
        head_tx,
        opts.scale.clone(),
        stats.clone(),
    )
    .context("cannot start the writer thread")?;
    let (stop, stopping) = watch::channel(false);
    let database = follow_other_replicas(&opts.db, &engine);
    let state = AppState::new(Shared {
        timeline,
        engine,
        head,
        shutdown: stopping.clone(),
        database,
        stats: stats.clone(),
        longpoll_waiters: Default::default(),
        archive: state::Archive::new(archive),
        auth,
        scale: opts.scale,
        alert_severity: opts.alert_severity,
    });
    let app = routes::Api::new().router.with_state(state);
    let mut signal = stopping;
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // An error means the sender is gone, which is also a reason to stop.
                let _ = signal.wait_for(|stopping| *stopping).await;
            })
            .await
    });
    Ok(RunningServer {
        local_addr,
        stop,
        tasks: Some(Tasks { server, writer }),
        stats,
    })
}

/// On PostgreSQL, listens for the other replicas' commits and has the writer read them, so
/// this replica's readers and long-pollers see them. The receiver tells whether the database
/// connection that carries them is up (always, for SQLite, where this process is the writer).
fn follow_other_replicas(db: &Location, engine: &Engine) -> watch::Receiver<bool> {
    let Location::Postgres(url) = db else {
        return watch::channel(true).1;
    };
    let (connected, database) = watch::channel(false);
    let catch_up = engine.catch_up();
    tokio::spawn(crate::store::listen(
        url.clone(),
        move |head| catch_up.request(head),
        connected,
    ));
    database
}

/// Runs the server in the foreground: prints `listening on http://ADDR` as the first line of
/// stdout (scripts and tests read it to find the port), then serves until Ctrl-C or SIGTERM.
pub async fn serve(opts: ServeOptions) -> anyhow::Result<()> {
    let server = start(opts).await?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on http://{}", server.local_addr())?;
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
