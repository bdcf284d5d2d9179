//! One SSH connection: who it is (from the key), its pty and environment, and the screens and
//! commands it opens. A screen runs in its own task; a panic there is caught, that screen is
//! given back and closed, and every other session goes on.

use super::Shared;
use super::admission::Ticket;
use super::authorized::Person;
use super::input::InputParser;
use super::terminal::ChannelWriter;
use crate::client::Client;
use crate::duration::format_seconds;
use crate::tui::app::Msg;
use crate::tui::basic_colors::BasicColors;
use crate::tui::runtime::{
    Executor, Screen, SessionBackend, event_loop, give_back, take_over, translate,
};
use crate::tui::theme::{ColorChoice, ColorMode};
use crate::tui::{ScreenOptions, TuiSettings};
use futures_util::{Stream, StreamExt};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use russh::keys::{Algorithm, HashAlg, PublicKey};
use russh::server::{Auth, ChannelOpenHandle, Handle, Msg as SshMsg, Session};
use russh::{Channel, ChannelId, Pty};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// What a screen hears from its channel.
enum Input {
    Bytes(Vec<u8>),
    Resize(u16, u16),
}

/// A session channel before and after it starts a screen.
#[derive(Default)]
struct Opened {
    term: String,
    size: Option<(u16, u16)>,
    env: HashMap<String, String>,
    input: Option<mpsc::UnboundedSender<Input>>,
}

/// The environment a client may pass with `SendEnv` that means something here.
/// Why an RSA key signing with SHA-1 is refused, and what works instead.
const SHA1_REFUSED: &str = "an RSA signature with SHA-1 (ssh-rsa) is not accepted; an OpenSSH client of 7.2 or later signs the same key with rsa-sha2-512, or make an Ed25519 key (ssh-keygen -t ed25519)";

const ACCEPTED_ENV: [&str; 5] = ["LANG", "LC_ALL", "LC_CTYPE", "NO_COLOR", "COLORTERM"];

pub struct Connection {
    shared: Arc<Shared>,
    peer: SocketAddr,
    /// Its place among the connections logging in, given up at the login.
    ticket: Ticket,
    /// The key's owner, once the key is verified.
    person: Option<(Person, String)>,
    channels: HashMap<ChannelId, Opened>,
}

impl Connection {
    pub fn new(shared: Arc<Shared>, peer: SocketAddr, ticket: Ticket) -> Self {
        Connection {
            shared,
            peer,
            ticket,
            person: None,
            channels: HashMap::new(),
        }
    }

    /// The listed person of `key`, reading the file afresh. A refusal is logged with the
    /// key's fingerprint and the source, and counts a failure against the key from this
    /// address; a key that failed too often from it in the last minute is refused without
    /// a look.
    fn look_up(&self, key: &PublicKey) -> Option<Person> {
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        self.ticket.startup.offered(&fingerprint);
        let address = self.peer.ip().to_canonical();
        let limits = &self.shared.settings.limits;
        let now = Instant::now();
        let failures = &self.shared.failures;
        if let Some(count) =
            failures.exhausted(address, &fingerprint, limits.auth_failures_per_minute, now)
        {
            tracing::warn!(source = %self.peer, key = %fingerprint, failures = count, "ssh key refused: it failed too often from this address in the last minute");
            return None;
        }
        let person = match self.shared.authorized.read() {
            Ok(authorized) => authorized.person(key).cloned(),
            Err(error) => {
                tracing::error!(source = %self.peer, key = %fingerprint, "ssh key refused: the authorized file is broken, nobody gets in: {error:#}");
                return None;
            }
        };
        if person.is_none() {
            tracing::warn!(source = %self.peer, key = %fingerprint, "ssh key refused: not in the authorized file");
            failures.failed(address, &fingerprint, now);
        }
        person
    }

    /// Whether the key is RSA signing with SHA-1 (`ssh-rsa`), which OpenSSH itself turned off
    /// in 8.8: refused, with what to do instead in the log. The same key signing with SHA-2
    /// (`rsa-sha2-256`/`512`, what every OpenSSH since 7.2 sends) is taken.
    fn refuses_sha1(&self, key: &PublicKey, algorithm: &Algorithm) -> bool {
        if *algorithm != (Algorithm::Rsa { hash: None }) {
            return false;
        }
        let fingerprint = key.fingerprint(HashAlg::Sha256);
        tracing::warn!(source = %self.peer, key = %fingerprint, "ssh key refused: {SHA1_REFUSED}");
        true
    }

    /// Starts what the channel asked for: a screen (the desk, or the wall) or a command.
    fn start(&mut self, id: ChannelId, session: &mut Session, what: Start) -> anyhow::Result<()> {
        let Some((person, fingerprint)) = self.person.clone() else {
            session.channel_failure(id)?;
            return Ok(());
        };
        let handle = session.handle();
        let limits = self.shared.settings.limits;
        let Some(slot) = self.shared.slots.take(limits.max_sessions) else {
            session.channel_success(id)?;
            tracing::warn!(person = ?person.name, key = %fingerprint, source = %self.peer, "ssh session refused: every session slot is taken");
            let text = format!(
                "warroom: all {} sessions are taken; try again later\r\n",
                limits.max_sessions
            );
            tokio::spawn(finish(handle, id, text, 1));
            return Ok(());
        };
        session.channel_success(id)?;
        let client = Client::acting_for(&self.shared.settings.backend, &person.name, person.role)?;
        let log = SessionLog {
            person: person.name.clone(),
            fingerprint,
            source: self.peer,
            what: what.name(),
        };
        let shared = self.shared.clone();
        match what {
            Start::Command(words) => {
                tokio::spawn(async move {
                    let _slot = slot;
                    let started = log.started();
                    let (text, status) = match (shared.settings.commands)(words, client).await {
                        Ok(text) => (text, 0),
                        Err(error) => (format!("warroom: {error}\n"), 1),
                    };
                    finish(handle, id, text, status).await;
                    log.ended(started, if status == 0 { "done" } else { "failed" });
                });
            }
            Start::Screen { wall } => {
                let channel = self.channels.entry(id).or_default();
                let (input, keys) = mpsc::unbounded_channel();
                channel.input = Some(input);
                let settings = screen_settings(&shared, channel, wall)?;
                let size = channel
                    .size
                    .unwrap_or_else(|| limits.max_terminal.clamp(80, 24));
                tokio::spawn(async move {
                    let _slot = slot;
                    let started = log.started();
                    let idle = (!wall).then_some(shared.settings.limits.idle);
                    let reason =
                        run_screen(shared, handle, id, client, settings, size, keys, idle).await;
                    log.ended(started, &reason);
                });
            }
        }
        Ok(())
    }
}

enum Start {
    Screen { wall: bool },
    Command(Vec<String>),
}

impl Start {
    fn name(&self) -> &'static str {
        match self {
            Start::Screen { wall: true } => "wall",
            Start::Screen { wall: false } => "screen",
            Start::Command(_) => "command",
        }
    }
}

/// The start and end of a session in the log: who, with which key, from where.
struct SessionLog {
    person: String,
    fingerprint: String,
    source: SocketAddr,
    what: &'static str,
}

impl SessionLog {
    fn started(&self) -> Instant {
        tracing::info!(
            person = ?self.person,
            key = %self.fingerprint,
            source = %self.source,
            what = self.what,
            "ssh session started"
        );
        Instant::now()
    }

    fn ended(&self, started: Instant, reason: &str) {
        tracing::info!(
            person = ?self.person,
            key = %self.fingerprint,
            source = %self.source,
            what = self.what,
            seconds = started.elapsed().as_secs(),
            reason,
            "ssh session ended"
        );
    }
}

/// The session's theme and keys: the `[tui]` table with the client's own `TERM`, locale and
/// `NO_COLOR` (never the server's).
fn screen_settings(shared: &Shared, channel: &Opened, wall: bool) -> anyhow::Result<TuiSettings> {
    let screen = ScreenOptions {
        wall,
        color: color_for(
            &channel.term,
            channel.env.get("COLORTERM").map(String::as_str),
        ),
        ascii: false,
    };
    let env = |name: &str| match name {
        // A client that sends no locale at all is taken to be UTF-8, as terminals are now.
        "LANG"
            if !["LANG", "LC_ALL", "LC_CTYPE"]
                .iter()
                .any(|n| channel.env.contains_key(*n)) =>
        {
            Some("C.UTF-8".to_string())
        }
        _ => channel.env.get(name).cloned(),
    };
    let built =
        TuiSettings::build_with(&screen, &shared.settings.tui, env).map_err(anyhow::Error::msg)?;
    Ok(TuiSettings {
        components: shared.settings.status_components.clone(),
        ..built
    })
}

/// The colours a `TERM` promises; `None` leaves it to `[tui] color`.
fn color_for(term: &str, colorterm: Option<&str>) -> Option<ColorChoice> {
    if matches!(colorterm, Some("truecolor" | "24bit")) {
        return Some(ColorChoice::Truecolor);
    }
    match term {
        "dumb" => Some(ColorChoice::Never),
        "linux" | "vt100" | "vt102" | "vt220" | "ansi" | "cons25" => Some(ColorChoice::Ansi16),
        term if term.contains("256color") => Some(ColorChoice::Ansi256),
        _ => None,
    }
}

/// Runs one screen until it quits, goes idle, loses its client or panics; gives the
/// terminal back and closes the channel. Returns why it ended, for the log.
#[allow(clippy::too_many_arguments)]
async fn run_screen(
    shared: Arc<Shared>,
    handle: Handle,
    id: ChannelId,
    client: Client,
    settings: TuiSettings,
    size: (u16, u16),
    keys: mpsc::UnboundedReceiver<Input>,
    idle: Option<Duration>,
) -> String {
    let (writer, sender) = ChannelWriter::start(handle.clone(), id);
    let mut restore = writer.another();
    let screen = tokio::spawn(async move {
        let mut out = writer.another();
        take_over(&mut out)?;
        // 16-colour terminals get the palette's basic colours, as the local client does.
        let basic = settings.theme.colors == ColorMode::Ansi16;
        let mut terminal = Terminal::with_options(
            CrosstermBackend::new(BasicColors::new(writer, basic)),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, size.0, size.1)),
            },
        )?;
        let backend = SessionBackend {
            url: client.base_url().to_string(),
            // Commands typed over SSH are not kept on the server's disk between sessions.
            outbox: None,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        shared.feed.subscribe(tx.clone());
        let source = shared.settings.metrics.source.clone();
        let executor = Executor::new(client, source, tx).on_shared_feed();
        let options = shared.settings.metrics.options(&settings, false);
        let screen = Screen {
            terminal: &mut terminal,
            size,
            fixed: true,
        };
        event_loop(
            screen,
            input(keys, idle),
            (executor, rx),
            &settings,
            options,
            backend,
        )
        .await
    });
    let (reason, goodbye) = match screen.await {
        Ok(Ok(())) => ("quit".to_string(), String::new()),
        Ok(Err(error)) => {
            let reason = format!("{error:#}");
            (reason.clone(), format!("warroom: {reason}\r\n"))
        }
        Err(panic) => {
            tracing::error!(
                ?panic,
                "an ssh session panicked; it is closed, the others go on"
            );
            (
                "panic".to_string(),
                "warroom: this session failed and was closed\r\n".to_string(),
            )
        }
    };
    let _ = give_back(&mut restore);
    let _ = std::io::Write::write_all(&mut restore, goodbye.as_bytes());
    restore.close();
    // Everything written is sent before the channel closes.
    let _ = sender.await;
    let status = u32::from(reason != "quit");
    let _ = handle.exit_status_request(id, status).await;
    let _ = handle.eof(id).await;
    let _ = handle.close(id).await;
    reason
}

/// A screen's input: keys and pastes from the channel's bytes, and resizes; an error once
/// nothing was typed for `idle`. Window changes already waiting behind one are folded into
/// the last of them, so a storm of them (a window being dragged, or a client sending
/// thousands) costs one redraw, not one each.
fn input(
    keys: mpsc::UnboundedReceiver<Input>,
    idle: Option<Duration>,
) -> impl Stream<Item = anyhow::Result<Msg>> + Unpin {
    // The channel, the key parser, and what was taken from the channel while folding
    // window changes but is not one.
    type State = (mpsc::UnboundedReceiver<Input>, InputParser, Option<Input>);
    let batches = futures_util::stream::unfold(
        (keys, InputParser::default(), None),
        move |(mut keys, mut parser, held): State| async move {
            let next = match (held, idle) {
                (Some(held), _) => Some(held),
                (None, Some(limit)) => match tokio::time::timeout(limit, keys.recv()).await {
                    Ok(next) => next,
                    Err(_) => {
                        let closed = anyhow::anyhow!(
                            "closed after {} idle",
                            format_seconds(limit.as_secs() as i64)
                        );
                        return Some((vec![Err(closed)], (keys, parser, None)));
                    }
                },
                (None, None) => keys.recv().await,
            };
            let mut held = None;
            let batch: Vec<anyhow::Result<Msg>> = match next? {
                Input::Bytes(bytes) => parser
                    .feed(&bytes)
                    .into_iter()
                    .filter_map(translate)
                    .map(Ok)
                    .collect(),
                Input::Resize(mut width, mut height) => {
                    while let Ok(waiting) = keys.try_recv() {
                        match waiting {
                            Input::Resize(w, h) => (width, height) = (w, h),
                            other => {
                                held = Some(other);
                                break;
                            }
                        }
                    }
                    vec![Ok(Msg::Resize(width, height))]
                }
            };
            Some((batch, (keys, parser, held)))
        },
    );
    Box::pin(batches.flat_map(futures_util::stream::iter))
}

/// Writes a command's output (on stderr when it failed), its exit status, and closes its
/// channel.
async fn finish(handle: Handle, id: ChannelId, text: String, status: u32) {
    const STDERR: u32 = 1;
    let _ = match status {
        0 => handle.data(id, text.into_bytes()).await,
        _ => handle.extended_data(id, STDERR, text.into_bytes()).await,
    };
    let _ = handle.exit_status_request(id, status).await;
    let _ = handle.eof(id).await;
    let _ = handle.close(id).await;
}

impl russh::server::Handler for Connection {
    type Error = anyhow::Error;

    /// Only public keys are offered; a key nobody listed is refused here, before its owner
    /// has to prove anything.
    async fn auth_publickey_offered(
        &mut self,
        _user: &str,
        offer: russh::server::PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        if self.refuses_sha1(offer.public_key, offer.algorithm) {
            return Ok(Auth::reject());
        }
        Ok(match self.look_up(offer.public_key) {
            Some(_) => Auth::Accept,
            None => Auth::reject(),
        })
    }

    async fn auth_publickey(
        &mut self,
        _user: &str,
        key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        if self.refuses_sha1(key.public_key, key.algorithm) {
            return Ok(Auth::reject());
        }
        let Some(person) = self.look_up(key.public_key) else {
            return Ok(Auth::reject());
        };
        let fingerprint = key.public_key.fingerprint(HashAlg::Sha256).to_string();
        self.person = Some((person, fingerprint));
        self.ticket.logged_in();
        Ok(Auth::Accept)
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<SshMsg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.insert(channel.id(), Opened::default());
        reply.accept().await;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn pty_request(
        &mut self,
        id: ChannelId,
        term: &str,
        columns: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let most = self.shared.settings.limits.max_terminal;
        let channel = self.channels.entry(id).or_default();
        channel.term = term.chars().take(64).collect();
        // 0 means the client does not know (no terminal of its own): the default size then.
        channel.size = (columns > 0 && rows > 0).then(|| most.clamp(columns, rows));
        session.channel_success(id)?;
        Ok(())
    }

    async fn env_request(
        &mut self,
        id: ChannelId,
        name: &str,
        value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let channel = self.channels.entry(id).or_default();
        if ACCEPTED_ENV.contains(&name) && value.len() <= 128 {
            channel.env.insert(name.to_string(), value.to_string());
            session.channel_success(id)?;
        } else {
            session.channel_failure(id)?;
        }
        Ok(())
    }

    async fn shell_request(
        &mut self,
        id: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.start(id, session, Start::Screen { wall: false })
    }

    async fn exec_request(
        &mut self,
        id: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let words: Vec<String> = String::from_utf8_lossy(data)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let what = match words.as_slice() {
            [] => Start::Screen { wall: false },
            [wall] if wall == "wall" => Start::Screen { wall: true },
            _ => Start::Command(words),
        };
        self.start(id, session, what)
    }

    async fn data(
        &mut self,
        id: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(input) = self.channels.get(&id).and_then(|c| c.input.as_ref()) {
            let _ = input.send(Input::Bytes(data.to_vec()));
        }
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        id: ChannelId,
        columns: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let size = self
            .shared
            .settings
            .limits
            .max_terminal
            .clamp(columns, rows);
        let channel = self.channels.entry(id).or_default();
        channel.size = Some(size);
        if let Some(input) = &channel.input {
            let _ = input.send(Input::Resize(size.0, size.1));
        }
        Ok(())
    }

    /// The client closed the channel (or, below, its input): dropping the channel's input
    /// ends the screen's loop.
    async fn channel_close(
        &mut self,
        id: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.remove(&id);
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        id: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channel_close(id, session).await
    }
}

#[cfg(test)]
mod tests;
