//! `warroom ssh-serve`: the war room over SSH, with the SSH key as the identity.
//!
//! `authorized` maps keys to people and roles, `host_key` is the server's own key, `session`
//! is one connection (its screens and commands), `terminal` writes a screen to its channel,
//! `input` reads keys from it, `feed` is the one backend feed every session shares, and
//! `limits` caps sessions and failed authentications. Each screen runs the local client's
//! own loop (`tui::runtime::event_loop`) with its own `Model`.

pub mod authorized;
mod feed;
pub mod host_key;
mod input;
pub mod limits;
mod session;
mod terminal;

pub use limits::SessionLimits;

use crate::client::{BackendConfig, Client};
use crate::config::TuiSection;
use crate::duration::format_seconds;
use crate::tui::MetricsSetup;
use crate::tui::metric_source::BoxFuture;
use authorized::AuthorizedFile;
use feed::SharedFeed;
use limits::{AuthFailures, Slots};
use russh::server::Config;
use russh::{MethodKind, MethodSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

/// Runs one of the read-only CLI subcommands (`ssh … incident list`) for a person: the words
/// after the host, and a client acting for them. The CLI provides it (this layer does not
/// know its commands); the text is what to print, the error what to say on stderr.
pub type RemoteCommand =
    Arc<dyn Fn(Vec<String>, Client) -> BoxFuture<Result<String, String>> + Send + Sync>;

/// Everything `ssh-serve` needs.
pub struct SshSettings {
    pub listen: SocketAddr,
    pub host_key: PathBuf,
    pub authorized: PathBuf,
    /// The backend, with the gateway token.
    pub backend: BackendConfig,
    pub limits: SessionLimits,
    /// The `[tui]` table: each session builds its theme from it and its own `TERM`, locale
    /// and `NO_COLOR`.
    pub tui: TuiSection,
    pub metrics: MetricsSetup,
    pub commands: RemoteCommand,
}

/// What every connection shares.
struct Shared {
    settings: SshSettings,
    authorized: AuthorizedFile,
    feed: SharedFeed,
    slots: Slots,
    failures: AuthFailures,
}

/// How long a connection turned away after its login grace may take to close.
const FAREWELL: Duration = Duration::from_secs(5);

/// Serves until the process is stopped. Prints the listening address and the host key's
/// fingerprint first, for people to compare with what `ssh` shows them.
pub async fn serve(settings: SshSettings) -> anyhow::Result<()> {
    let key = host_key::load_or_create(&settings.host_key)?;
    let authorized = AuthorizedFile {
        path: settings.authorized.clone(),
    };
    // A broken file at start is a mistake to hear about now, not at the first login.
    authorized.read()?;
    let gateway = Client::new(&settings.backend)?;
    let listener = TcpListener::bind(settings.listen)
        .await
        .map_err(|err| anyhow::anyhow!("cannot listen on {}: {err}", settings.listen))?;
    let address = listener.local_addr()?;
    println!("warroom ssh-serve listening on {address}");
    println!("host key {}", host_key::fingerprint(&key));
    let config = Arc::new(Config {
        methods: MethodSet::from(&[MethodKind::PublicKey][..]),
        keys: vec![key],
        auth_rejection_time: Duration::from_secs(1),
        // OpenSSH probes with "none" first: answering it at once costs nothing.
        auth_rejection_time_initial: Some(Duration::ZERO),
        max_auth_attempts: 6,
        // Sessions have their own idle timeout (the wall has none); dead peers are found by
        // keepalives, and a connection that never logs in by the login grace.
        inactivity_timeout: None,
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 3,
        nodelay: true,
        ..Config::default()
    });
    let shared = Arc::new(Shared {
        feed: SharedFeed::start(gateway),
        settings,
        authorized,
        slots: Slots::default(),
        failures: AuthFailures::default(),
    });
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    // Every connection holds one of these until it has logged in (or its grace is over), so
    // silent or slow clients cannot pile up tasks and descriptors.
    let logging_in = Arc::new(Semaphore::new(shared.settings.limits.max_pending_logins));
    loop {
        let permit = tokio::select! {
            permit = logging_in.clone().acquire_owned() => permit?,
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = terminate.recv() => return Ok(()),
        };
        let (socket, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = terminate.recv() => return Ok(()),
        };
        let limit = shared.settings.limits.auth_failures_per_minute;
        if shared.failures.exhausted(peer.ip(), limit, Instant::now()) {
            tracing::warn!(source = %peer, "refused: too many failed logins in the last minute");
            continue;
        }
        let (authenticated, logged_in) = watch::channel(false);
        let handler = session::Connection::new(shared.clone(), peer, authenticated);
        let grace = shared.settings.limits.login_grace;
        tokio::spawn(serve_connection(
            config.clone(),
            socket,
            handler,
            peer,
            logged_in,
            grace,
            permit,
        ));
    }
}

/// One connection: the handshake and the login must be done within `grace` of the accept
/// (`permit` is held until then); after the login the session runs until it ends.
async fn serve_connection(
    config: Arc<Config>,
    socket: TcpStream,
    handler: session::Connection,
    peer: SocketAddr,
    mut logged_in: watch::Receiver<bool>,
    grace: Duration,
    permit: OwnedSemaphorePermit,
) {
    let deadline = tokio::time::Instant::now() + grace;
    let handshake = russh::server::run_stream(config, socket, handler);
    let session = match tokio::time::timeout_at(deadline, handshake).await {
        Ok(Ok(session)) => session,
        Ok(Err(error)) => {
            tracing::debug!(source = %peer, ?error, "handshake failed");
            return;
        }
        Err(_) => {
            // Dropping the handshake closes the socket.
            tracing::debug!(source = %peer, "no handshake within the login grace");
            return;
        }
    };
    let handle = session.handle();
    let mut session = std::pin::pin!(session);
    let ended = tokio::select! {
        ended = &mut session => ended,
        // The guard `wait_for` gives is not `Send`: keep only whether the login came.
        logged_in = async {
            let login = tokio::time::timeout_at(deadline, logged_in.wait_for(|done| *done));
            matches!(login.await, Ok(Ok(_)))
        } => {
            drop(permit);
            if logged_in {
                session.await
            } else {
                let reason = format!("no login within {}", format_seconds(grace.as_secs() as i64));
                let _ = handle
                    .disconnect(russh::Disconnect::ByApplication, reason, String::new())
                    .await;
                // A peer that does not read the farewell is not waited for.
                match tokio::time::timeout(FAREWELL, session).await {
                    Ok(ended) => ended,
                    Err(_) => return,
                }
            }
        }
    };
    if let Err(error) = ended {
        tracing::debug!(source = %peer, ?error, "connection ended with an error");
    }
}
