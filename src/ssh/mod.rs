//! `warroom ssh-serve`: the war room over SSH, with the SSH key as the identity.
//!
//! `authorized` maps keys to people and roles, `host_key` is the server's own key, `session`
//! is one connection (its screens and commands), `terminal` writes a screen to its channel,
//! `input` reads keys from it, `feed` is the one backend feed every session shares,
//! `limits` caps sessions, screen sizes and failed authentications, `admission` decides
//! which connections still logging in may stay, and `grace` closes those that take too
//! long. Each screen runs the local client's own loop (`tui::runtime::event_loop`) with its
//! own `Model`.

pub mod admission;
pub mod authorized;
mod feed;
mod grace;
pub mod host_key;
mod input;
pub mod limits;
mod session;
mod terminal;

pub use limits::SessionLimits;

use crate::client::{BackendConfig, Client};
use crate::config::TuiSection;
use crate::tui::MetricsSetup;
use crate::tui::metric_source::BoxFuture;
use admission::{Admission, Startup};
use authorized::AuthorizedFile;
use feed::SharedFeed;
use grace::Guarded;
use limits::{AuthFailures, Slots};
use russh::keys::Algorithm;
use russh::server::Config;
use russh::{MethodKind, MethodSet, Preferred};
use std::borrow::Cow;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

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
    /// `[status] components`, which the composer offers.
    pub status_components: Vec<String>,
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

/// Serves until the process is stopped. Prints the listening address and the host key's
/// fingerprint first, for people to compare with what `ssh` shows them.
pub async fn serve(settings: SshSettings) -> anyhow::Result<()> {
    return_screens_on_close();
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
        // What `server-sig-algs` tells clients they may sign with: russh's list without
        // `ssh-rsa` (RSA with SHA-1), which the session refuses anyway.
        preferred: Preferred {
            key: Cow::Owned(
                Preferred::DEFAULT
                    .key
                    .iter()
                    .filter(|algorithm| **algorithm != (Algorithm::Rsa { hash: None }))
                    .cloned()
                    .collect(),
            ),
            ..Preferred::DEFAULT
        },
        ..Config::default()
    });
    let shared = Arc::new(Shared {
        feed: SharedFeed::start(gateway),
        settings,
        authorized,
        slots: Slots::default(),
        failures: AuthFailures::default(),
    });
    let limits = shared.settings.limits;
    let admission = Arc::new(Admission::new(
        limits.max_startups,
        limits.max_startups_per_source,
    ));
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
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
        // The grace counts from here, whatever the client sends.
        let deadline = tokio::time::Instant::now() + limits.login_grace;
        let (ticket, dropped) = match admission.admit(peer, Instant::now(), fastrand::u32(0..100)) {
            Ok(admitted) => admitted,
            Err(reason) => {
                tracing::warn!(source = %peer, %reason, "ssh connection refused");
                continue;
            }
        };
        let startup = ticket.startup.clone();
        let socket = Guarded::new(socket, startup.clone(), dropped, deadline);
        let handler = session::Connection::new(shared.clone(), peer, ticket);
        tokio::spawn(serve_connection(config.clone(), socket, handler, startup));
    }
}

/// A session's screen buffers are megabytes (48 bytes a cell, two of them, 500x200 by
/// default). glibc serves blocks that large with their own mappings, given back to the
/// system when freed, but after the first is freed it raises that threshold to the block's
/// size and keeps twice as much unused memory per thread, so closed sessions' screens stayed
/// in the process (about 12 MB after a few dozen sessions of varied sizes, measured). A fixed
/// threshold keeps large blocks mapped on their own and returned at once.
fn return_screens_on_close() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets the allocator's parameters; called before any session.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

/// One connection, from the handshake to the end of its last session; one closed before it
/// logged in (grace, admission) is logged with why, its source and the last key it offered.
async fn serve_connection(
    config: Arc<Config>,
    socket: Guarded<TcpStream>,
    handler: session::Connection,
    startup: Arc<Startup>,
) {
    let ended = match russh::server::run_stream(config, socket, handler).await {
        Ok(session) => session.await,
        Err(error) => Err(error),
    };
    let key = startup.key();
    let key = key.as_deref().unwrap_or("none");
    if let Some(reason) = startup.closed() {
        tracing::warn!(source = %startup.source, key = %key, %reason, "ssh connection refused");
    } else if !startup.is_logged_in() && key != "none" {
        // Its keys were refused (each logged), or a listed key's signature was wrong (which
        // the SSH library refuses without asking): the client gave up.
        tracing::info!(source = %startup.source, key = %key, "ssh connection closed by the client before logging in");
    } else if let Err(error) = ended {
        tracing::debug!(source = %startup.source, ?error, "connection ended with an error");
    }
}
