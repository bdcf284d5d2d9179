//! The runtime: owns the terminal, runs one `tokio::select!` loop over input, results of
//! effects, the 1 s clock and signals, and draws only when the model changed.
//!
//! Effects run as tasks that send a `Msg` back on a channel, so a slow or dead backend never
//! blocks a key press. The terminal is restored on quit, on error, on SIGTERM/SIGHUP and on
//! panic.

use super::app::{self, Effect, Model, Msg, Options, Sent};
use super::basic_colors::BasicColors;
use super::metric_source::MetricsSource;
use super::outbox_file;
use super::theme::Theme;
use super::view;
use crate::client::{Client, ClientError};
use crate::report::template::Templates;
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
    theme: Theme,
    templates: Templates,
    options: Options,
    outbox: Option<PathBuf>,
) -> anyhow::Result<()> {
    install_panic_hook();
    let mut terminal = enter(theme.colors == super::theme::ColorMode::Ansi16)?;
    let backend = client.base_url().to_string();
    let executor = |tx| Executor {
        client,
        metrics,
        tx,
    };
    let result = event_loop(
        &mut terminal,
        executor,
        theme,
        templates,
        options,
        backend,
        outbox,
    )
    .await;
    leave();
    result
}

async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<BasicColors<Stdout>>>,
    executor: impl FnOnce(mpsc::UnboundedSender<Msg>) -> Executor,
    theme: Theme,
    templates: Templates,
    options: Options,
    backend: String,
    outbox: Option<PathBuf>,
) -> anyhow::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let executor = executor(tx);
    let mut model = Model::new(options, chrono::Utc::now());
    model.ascii = theme.ascii;
    model.backend = backend;
    model.templates = templates;
    let size = terminal.size()?;
    model.size = (size.width, size.height);
    let outbox = outbox.map(|path| OutboxFile {
        path,
        backend: model.backend.clone(),
    });
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
    let mut input = EventStream::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    loop {
        if model.dirty {
            draw(terminal, &model, &theme)?;
            model.dirty = false;
        }
        if model.bell {
            // The attention signal: BEL, after the frame that shows why.
            terminal.backend_mut().write_all(b"\x07")?;
            terminal.backend_mut().flush()?;
            model.bell = false;
        }
        let msg = tokio::select! {
            event = input.next() => match event {
                Some(Ok(event)) => match translate(event) {
                    Some(msg) => msg,
                    None => continue,
                },
                Some(Err(error)) => return Err(error.into()),
                None => Msg::Terminate,
            },
            Some(msg) = rx.recv() => msg,
            _ = clock.tick() => Msg::Tick(chrono::Utc::now()),
            _ = terminate.recv() => Msg::Terminate,
            _ = hangup.recv() => Msg::Terminate,
        };
        let mut effects = app::update(&mut model, msg);
        // On disk before it is sent: a command the backend may apply is never only in memory.
        if let Some(file) = &outbox
            && model.outbox.items != saved
        {
            saved = model.outbox.items.clone();
            if let Err(error) = outbox_file::save(&file.path, &file.backend, &saved) {
                tracing::warn!(path = %file.path.display(), %error, "cannot save the outbox");
                let reason = format!("{}: {error}", file.path.display());
                effects.extend(app::update(&mut model, Msg::OutboxUnsaved(reason)));
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

fn translate(event: TermEvent) -> Option<Msg> {
    match event {
        TermEvent::Key(key) => Some(Msg::Key(key)),
        TermEvent::Paste(text) => Some(Msg::Paste(text)),
        TermEvent::Resize(width, height) => Some(Msg::Resize(width, height)),
        _ => None,
    }
}

/// One frame, wrapped in synchronized output so the terminal never shows half of it.
fn draw(
    terminal: &mut Terminal<CrosstermBackend<BasicColors<Stdout>>>,
    model: &Model,
    theme: &Theme,
) -> std::io::Result<()> {
    execute!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|frame| view::view(model, theme, frame))?;
    execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    terminal.backend_mut().flush()
}

/// Where the outbox is kept, and for which backend.
struct OutboxFile {
    path: PathBuf,
    backend: String,
}

/// OSC 52: the terminal (or tmux, or the SSH client's terminal) puts `text` on its clipboard.
fn copy_to_clipboard(
    terminal: &mut Terminal<CrosstermBackend<BasicColors<Stdout>>>,
    text: &str,
) -> std::io::Result<()> {
    execute!(
        terminal.backend_mut(),
        CopyToClipboard::to_clipboard_from(text)
    )
}

/// Runs effects as tasks that report back with a `Msg`.
struct Executor {
    client: Client,
    metrics: Arc<dyn MetricsSource>,
    tx: mpsc::UnboundedSender<Msg>,
}

impl Executor {
    fn run(&self, effect: Effect) {
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
            let msg = match effect {
                Effect::Start { delay } => {
                    tokio::time::sleep(delay).await;
                    Msg::Started(client.list().await)
                }
                Effect::PollFeed { after, wait, delay } => {
                    tokio::time::sleep(delay).await;
                    Msg::Feed(logged("the event feed", client.feed(after, wait).await))
                }
                Effect::Backfill(id) => {
                    let result = client.incident_log(&id).await;
                    Msg::Backfill(id, logged("the backfill of an incident's log", result))
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
                } => Msg::PanelData {
                    index,
                    generation,
                    window,
                    result: metrics.query_range(index, expr, window).await,
                },
                Effect::RefreshAlerts => Msg::Alerts(metrics.alerts().await),
                Effect::FetchFollowups => Msg::Followups(client.list().await),
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
                Effect::CopyToClipboard(_) => return,
                Effect::LoadHistory => Msg::History(load_history()),
                // Written before any task runs (below): nothing to do here.
                Effect::SaveHistory(_) => return,
            };
            // The loop has ended when the receiver is gone; the result no longer matters.
            let _ = tx.send(msg);
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
/// never leaves half a history.
fn save_history(lines: &[String]) -> Result<(), String> {
    let file = history_file();
    let dir = file.parent().unwrap_or(std::path::Path::new("."));
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut temporary = tempfile::NamedTempFile::new_in(dir)?;
        for line in lines {
            writeln!(temporary, "{line}")?;
        }
        temporary.persist(&file).map_err(|e| e.error)?;
        Ok(())
    };
    write().map_err(|error| format!("cannot write {}: {error}", file.display()))
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
    execute!(
        out,
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide
    )?;
    Ok(Terminal::new(CrosstermBackend::new(BasicColors::new(
        out,
        basic_colors,
    )))?)
}

/// Gives the terminal back as we found it. Safe to call twice.
fn leave() {
    let _ = execute!(
        stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave();
        previous(info);
    }));
}
