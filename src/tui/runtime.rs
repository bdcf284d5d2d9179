//! The runtime: owns the terminal, runs one `tokio::select!` loop over input, results of
//! effects, the 1 s clock and signals, and draws only when the model changed. The loop itself
//! takes any input stream and any writer, so `warroom ssh-serve` runs the same one per SSH
//! session.
//!
//! Effects run as tasks that send a `Msg` back on a channel, so a slow or dead backend never
//! blocks a key press. The terminal is restored on quit, on error, on SIGTERM/SIGHUP and on
//! panic.

use super::app::{self, Effect, Model, Msg, Options, Sent};
use super::basic_colors::BasicColors;
use super::metric_source::MetricsSource;
use super::outbox_file;
use super::settings::TuiSettings;
use super::theme::Theme;
use super::view;
use crate::client::{Client, ClientError};
use futures_util::Stream;
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::clipboard::CopyToClipboard;
use ratatui::crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, Event as TermEvent, EventStream,
};
use ratatui::crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};
use ratatui::layout::Rect;
use std::io::{Stdout, Write, stdout};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

/// Runs the client until the user quits or a signal arrives.
pub async fn run(
    client: Client,
    metrics: Arc<dyn MetricsSource>,
    settings: &TuiSettings,
    options: Options,
    outbox: Option<PathBuf>,
) -> anyhow::Result<()> {
    install_panic_hook();
    let mut terminal = enter(settings.theme.colors == super::theme::ColorMode::Ansi16)?;
    let size = terminal.size()?;
    let backend = SessionBackend {
        url: client.base_url().to_string(),
        outbox,
    };
    let (tx, rx) = mpsc::unbounded_channel::<Msg>();
    let executor = Executor::new(client, metrics, tx);
    let result = match local_input() {
        Ok(input) => {
            let screen = Screen {
                terminal: &mut terminal,
                size: (size.width, size.height),
                fixed: false,
            };
            let effects = (executor, rx);
            event_loop(screen, input, effects, settings, options, backend).await
        }
        Err(error) => Err(error),
    };
    leave();
    result
}

/// The process's own terminal as messages: keys, pastes and resizes, and SIGTERM/SIGHUP as
/// [`Msg::Terminate`].
fn local_input() -> anyhow::Result<impl Stream<Item = anyhow::Result<Msg>> + Unpin> {
    let keys = EventStream::new().filter_map(|event| {
        std::future::ready(match event {
            Ok(event) => translate(event).map(Ok),
            Err(error) => Some(Err(error.into())),
        })
    });
    let terminate = SignalStream::new(signal(SignalKind::terminate())?);
    let hangup = SignalStream::new(signal(SignalKind::hangup())?);
    let signals = futures_util::stream::select(terminate, hangup).map(|()| Ok(Msg::Terminate));
    Ok(futures_util::stream::select(keys, signals))
}

/// A signal as a stream, so it merges with the keys.
struct SignalStream(tokio::signal::unix::Signal);

impl SignalStream {
    fn new(signal: tokio::signal::unix::Signal) -> Self {
        SignalStream(signal)
    }
}

impl Stream for SignalStream {
    type Item = ();
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<()>> {
        self.0.poll_recv(cx)
    }
}

/// Where a session draws: a terminal over any writer (the process's own, or an SSH
/// channel), its size at the start, and whether that size is fixed until a
/// [`Msg::Resize`] says otherwise (a remote terminal cannot be asked for its size).
pub struct Screen<'a, W: Write> {
    pub terminal: &'a mut Terminal<CrosstermBackend<W>>,
    pub size: (u16, u16),
    pub fixed: bool,
}

/// One session of the client: draws `Model` on `screen`, feeds it `input` and the results of
/// its effects, and ends when the user quits, the input ends or a [`Msg::Terminate`] comes.
pub async fn event_loop<W: Write>(
    screen: Screen<'_, W>,
    mut input: impl Stream<Item = anyhow::Result<Msg>> + Unpin,
    (executor, mut rx): (Executor, mpsc::UnboundedReceiver<Msg>),
    settings: &TuiSettings,
    options: Options,
    backend: SessionBackend,
) -> anyhow::Result<()> {
    let theme = &settings.theme;
    let Screen {
        terminal,
        size,
        fixed,
    } = screen;
    let mut model = Model::new(options, chrono::Utc::now());
    model.setup.ascii = theme.ascii;
    model.size = size;
    model.setup.backend = backend.url;
    model.setup.templates = settings.templates.clone();
    model.setup.components = settings.components.clone();
    let outbox = backend.outbox.map(|path| OutboxFile {
        path,
        backend: model.setup.backend.clone(),
    });
    model.outbox_on_disk = outbox.is_some();
    let (left, warning) = match &outbox {
        Some(file) => outbox_file::load(&file.path),
        None => (vec![], None),
    };
    // Idempotency keys: a fresh random prefix per run, numbered by `update`.
    let resumed = app::resume(&mut model, crate::client::idempotency_key(), left, warning);
    let mut saved = model.outbox.items.clone();
    for effect in app::init().into_iter().chain(resumed) {
        executor.run(effect);
    }
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        if model.dirty {
            draw(terminal, &model, theme)?;
            model.dirty = false;
        }
        if model.bell {
            // The attention signal: BEL, after the frame that shows why.
            terminal.backend_mut().write_all(b"\x07")?;
            terminal.backend_mut().flush()?;
            model.bell = false;
        }
        let msg = tokio::select! {
            msg = input.next() => match msg {
                Some(msg) => msg?,
                None => Msg::Terminate,
            },
            Some(msg) = rx.recv() => msg,
            _ = clock.tick() => Msg::Tick(chrono::Utc::now()),
        };
        if let (true, Msg::Resize(width, height)) = (fixed, &msg) {
            terminal.resize(Rect::new(0, 0, *width, *height))?;
        }
        let mut effects = app::update(&mut model, msg);
        // On disk before it is sent: a command the backend may apply is never only in memory.
        // A retry changes only its bookkeeping, which need not survive a restart.
        if let Some(file) = &outbox
            && !model.outbox.same_commands(&saved)
        {
            saved = model.outbox.items.clone();
            let result = outbox_file::save(&file.path, &file.backend, &saved).map_err(|error| {
                tracing::warn!(path = %file.path.display(), %error, "cannot save the outbox");
                format!("{}: {error}", file.path.display())
            });
            // Said only when it changes what the model knows: `update` marks the model dirty,
            // and a save after every command need not redraw.
            if result.is_err() || !model.outbox_on_disk {
                effects.extend(app::update(&mut model, Msg::OutboxSaved(result)));
            }
        }
        for effect in effects {
            match effect {
                Effect::CopyToClipboard(text) => copy_to_clipboard(terminal, &text)?,
                effect => executor.run(effect),
            }
        }
        if model.quit {
            return Ok(());
        }
    }
}

/// A terminal event as the model's message; focus and mouse events mean nothing here.
pub fn translate(event: TermEvent) -> Option<Msg> {
    match event {
        TermEvent::Key(key) => Some(Msg::Key(key)),
        TermEvent::Paste(text) => Some(Msg::Paste(text)),
        TermEvent::Resize(width, height) => Some(Msg::Resize(width, height)),
        _ => None,
    }
}

/// One frame, wrapped in synchronized output so the terminal never shows half of it.
fn draw<W: Write>(
    terminal: &mut Terminal<CrosstermBackend<W>>,
    model: &Model,
    theme: &Theme,
) -> std::io::Result<()> {
    execute!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|frame| view::view(model, theme, frame))?;
    execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    terminal.backend_mut().flush()
}

/// Which backend a session talks to (named on screen until it answers), and where the
/// session's unsent commands are kept on disk: nowhere for the demo, a wall or an SSH session.
pub struct SessionBackend {
    pub url: String,
    pub outbox: Option<PathBuf>,
}

/// Where the outbox is kept, and for which backend.
struct OutboxFile {
    path: PathBuf,
    backend: String,
}

/// OSC 52: the terminal (or tmux, or the SSH client's terminal) puts `text` on its clipboard.
fn copy_to_clipboard<W: Write>(
    terminal: &mut Terminal<CrosstermBackend<W>>,
    text: &str,
) -> std::io::Result<()> {
    execute!(
        terminal.backend_mut(),
        CopyToClipboard::to_clipboard_from(text)
    )
}

/// Runs effects as tasks that report back with a `Msg`.
pub struct Executor {
    client: Client,
    metrics: Arc<dyn MetricsSource>,
    tx: mpsc::UnboundedSender<Msg>,
    /// A session of `warroom ssh-serve`: its incidents arrive folded from a shared feed
    /// ([`Msg::Folded`]), so it does not read the feed (it fetches only the log of an ended
    /// incident it shows, which the shared fold does not keep); and it keeps nothing on
    /// the server's disk (the `:` line's history would mix people's commands). The
    /// deliveries badge is still fetched by each session: the backend answers by the
    /// person's role (a viewer is refused and not asked again).
    shared_session: bool,
}

impl Executor {
    /// Effects against `client` and `metrics`, their results sent on `tx`.
    pub fn new(
        client: Client,
        metrics: Arc<dyn MetricsSource>,
        tx: mpsc::UnboundedSender<Msg>,
    ) -> Self {
        Executor {
            client,
            metrics,
            tx,
            shared_session: false,
        }
    }

    /// The same, for a session of `warroom ssh-serve` (see `shared_session`).
    pub fn on_shared_feed(self) -> Self {
        Executor {
            shared_session: true,
            ..self
        }
    }

    fn run(&self, effect: Effect) {
        if self.shared_session
            && matches!(
                effect,
                Effect::PollFeed { .. } | Effect::LoadHistory | Effect::SaveHistory(_)
            )
        {
            return;
        }
        // The history is written at once, not in a task: a quit right after Enter would
        // drop a task that had not run yet, and the line with it.
        if let Effect::SaveHistory(lines) = &effect {
            let _ = self.tx.send(Msg::HistorySaved(save_history(lines)));
            return;
        }
        let client = self.client.clone();
        let metrics = self.metrics.clone();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let work = async move {
                Some(match effect {
                    Effect::Start { delay } => {
                        tokio::time::sleep(delay).await;
                        Msg::Started(client.open_and_recent(app::incidents::ENDED_KEPT).await)
                    }
                    Effect::PollFeed { after, wait, delay } => {
                        tokio::time::sleep(delay).await;
                        Msg::Feed(logged("the event feed", client.feed(after, wait).await))
                    }
                    Effect::Backfill(id) => {
                        let result = client.incident_log(&id).await;
                        Msg::Backfill(id, logged("the backfill of an incident's log", result))
                    }
                    Effect::Open(id) => {
                        let result = client.incident_log(&id).await;
                        Msg::Opened(id, logged("opening an incident", result))
                    }
                    Effect::CatchUp { incident, after } => {
                        let result = client
                            .incident_events(&incident, after, Duration::ZERO)
                            .await;
                        Msg::CaughtUp(incident, logged("reading an incident's news", result))
                    }
                    Effect::FetchPage(path) => {
                        let result = client.page(&path).await;
                        Msg::Page(path, logged("a page of the incident list", result))
                    }
                    Effect::SearchPause { edit, delay } => {
                        tokio::time::sleep(delay).await;
                        Msg::SearchPaused(edit)
                    }
                    Effect::FetchSeverities { delay } => {
                        tokio::time::sleep(delay).await;
                        Msg::Severities(logged("the severities", client.severities().await))
                    }
                    Effect::FetchIdentity { delay } => {
                        tokio::time::sleep(delay).await;
                        Msg::Identity(logged("who am I", client.whoami().await))
                    }
                    Effect::Send { outgoing, delay } => {
                        tokio::time::sleep(delay).await;
                        let result = match &outgoing.request {
                            app::outbox::Request::Command { incident, command } => client
                                .command_given_at(
                                    incident,
                                    command,
                                    &outgoing.key,
                                    outgoing.intended_at,
                                )
                                .await
                                .map(Sent::Command),
                            app::outbox::Request::Declare(new) => client
                                .declare(new, &outgoing.key)
                                .await
                                .map(|incident| Sent::Declared(Box::new(incident))),
                        };
                        Msg::Sent {
                            key: outgoing.key,
                            result: logged("sending a change", result),
                        }
                    }
                    Effect::RefreshPanel {
                        index,
                        generation,
                        expr,
                        window,
                        purpose,
                    } => Msg::PanelData {
                        index,
                        generation,
                        window,
                        purpose,
                        result: metrics.query_range(index, expr, window).await,
                    },
                    Effect::RefreshAlerts => Msg::Alerts(metrics.alerts().await),
                    Effect::FetchFollowups(path) => {
                        let result = client.followup_page(&path).await;
                        Msg::Followups(path, logged("a page of the follow-ups", result))
                    }
                    Effect::FetchReport { since } => {
                        Msg::Report(client.report(&[("since", since)]).await.map(Box::new))
                    }
                    Effect::DetectPanels { service } => {
                        Msg::PanelsDetected(metrics.detect_panels(service).await)
                    }
                    Effect::FetchDeliveries { delay } => {
                        tokio::time::sleep(delay).await;
                        Msg::Deliveries(logged(
                            "the notification log",
                            client.notifications(true).await,
                        ))
                    }
                    // The loop writes it on the terminal itself; nothing to wait for here.
                    Effect::CopyToClipboard(_) => return None,
                    Effect::LoadHistory => Msg::History(load_history()),
                    // Written before any task runs (below): nothing to do here.
                    Effect::SaveHistory(_) => return None,
                })
            };
            // The loop has ended when the receiver is gone: the result no longer matters, and
            // the task ends now, not after its delay or request, so a closed SSH session's
            // client and its connections to the backend go with it.
            let msg = tokio::select! {
                msg = work => msg,
                () = tx.closed() => None,
            };
            if let Some(msg) = msg {
                let _ = tx.send(msg);
            }
        });
    }
}

/// Where the `:` line's history lives: beside the other data, one line a command.
fn history_file() -> std::path::PathBuf {
    crate::config::data_dir().join("command_history")
}

fn load_history() -> Result<Vec<String>, String> {
    match std::fs::read_to_string(history_file()) {
        Ok(text) => Ok(text.lines().map(str::to_string).collect()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(vec![]),
        Err(error) => Err(format!("cannot read {}: {error}", history_file().display())),
    }
}

/// Written whole to a temporary file and renamed over the old one, so a crash mid-write
/// never leaves half a history; only its owner may read it.
fn save_history(lines: &[String]) -> Result<(), String> {
    let file = history_file();
    let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
    crate::private_files::dir(&crate::config::data_dir())
        .and_then(|()| crate::private_files::write_whole(&file, text.as_bytes()))
        .map_err(|error| format!("cannot write {}: {error}", file.display()))
}

/// Writes a failed request to the log file (the screen shows it only for a moment, if at all).
/// The reason is Debug-quoted: it may carry the backend's text, which must not reach the log raw.
fn logged<T>(what: &str, result: Result<T, ClientError>) -> Result<T, ClientError> {
    if let Err(error) = &result {
        tracing::warn!(reason = ?error.to_string(), "{what} failed");
    }
    result
}

fn enter(basic_colors: bool) -> anyhow::Result<Terminal<CrosstermBackend<BasicColors<Stdout>>>> {
    enable_raw_mode()?;
    let mut out = stdout();
    take_over(&mut out)?;
    Ok(Terminal::new(CrosstermBackend::new(BasicColors::new(
        out,
        basic_colors,
    )))?)
}

/// Takes a terminal over: the alternate screen, bracketed paste, no cursor.
pub fn take_over(out: &mut impl Write) -> std::io::Result<()> {
    execute!(
        out,
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide
    )
}

/// Gives a terminal back as [`take_over`] found it.
pub fn give_back(out: &mut impl Write) -> std::io::Result<()> {
    execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    )
}

/// Gives the terminal back as we found it. Safe to call twice.
fn leave() {
    let _ = give_back(&mut stdout());
    let _ = disable_raw_mode();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave();
        previous(info);
    }));
}
