//! Progress of long store work (`store copy`, `store verify`) on stderr: a bar redrawn in
//! place on a terminal, a plain line every few seconds otherwise (a log, a CI job), so that
//! minutes of copying are never silent. Stdout keeps only the result.

use crate::duration::short;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often a terminal's bar is redrawn at most.
const REDRAW: Duration = Duration::from_millis(100);
/// The bar's width in characters.
const BAR: usize = 24;

pub struct Progress {
    /// What is being done: `copy`, `verify`.
    what: &'static str,
    /// Events in all (the source's newest seq).
    total: u64,
    started: Instant,
    /// When stderr was last written.
    shown: Option<Instant>,
    /// A bar on a terminal, else lines this far apart.
    terminal: bool,
    every: Duration,
    finished: bool,
}

impl Progress {
    /// Progress of `what` over `total` events, drawn as stderr allows; lines (when stderr is
    /// not a terminal) `every` so often.
    pub fn new(what: &'static str, total: u64, every: Duration) -> Progress {
        Progress {
            what,
            total,
            started: Instant::now(),
            shown: None,
            terminal: std::io::stderr().is_terminal(),
            every,
            finished: false,
        }
    }

    /// `done` events are done: shown if it is time to (all done is for [`Progress::finish`]).
    pub fn update(&mut self, done: u64) {
        let due = if self.terminal { REDRAW } else { self.every };
        if done < self.total && self.shown.is_none_or(|shown| shown.elapsed() >= due) {
            self.show(done, false);
        }
    }

    /// All `done` events are done: the bar at its end (and a new line), or the last line.
    pub fn finish(&mut self, done: u64) {
        self.show(done, true);
    }

    fn show(&mut self, done: u64, finished: bool) {
        self.shown = Some(Instant::now());
        self.finished = finished;
        let text = if self.terminal {
            format!(
                "\r{}\x1b[K{}",
                self.bar(done, finished),
                if finished { "\n" } else { "" }
            )
        } else {
            format!("{}\n", self.line(done, finished))
        };
        // Progress is a courtesy: a closed stderr must not stop the work.
        let mut stderr = std::io::stderr().lock();
        let _ = stderr
            .write_all(text.as_bytes())
            .and_then(|()| stderr.flush());
    }

    /// `copy [##########--------------] 42% 420000/1000000 events, 35000/s, 16s left`
    fn bar(&self, done: u64, finished: bool) -> String {
        let filled = (self.fraction(done) * BAR as f64).round() as usize;
        let bar = format!(
            "{}{}",
            "#".repeat(filled.min(BAR)),
            "-".repeat(BAR - filled.min(BAR))
        );
        format!(
            "{} [{bar}] {:.0}% {done}/{} events, {}",
            self.what,
            self.fraction(done) * 100.0,
            self.total,
            self.pace(done, finished)
        )
    }

    /// `copy: 420000 of 1000000 events (42%), 35000 events/s, 16s left`
    fn line(&self, done: u64, finished: bool) -> String {
        format!(
            "{}: {done} of {} events ({:.0}%), {}",
            self.what,
            self.total,
            self.fraction(done) * 100.0,
            self.pace(done, finished)
        )
    }

    fn fraction(&self, done: u64) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            (done as f64 / self.total as f64).min(1.0)
        }
    }

    /// The rate so far and the time left at that rate, or the time taken once finished.
    fn pace(&self, done: u64, finished: bool) -> String {
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = if elapsed > 0.0 {
            done as f64 / elapsed
        } else {
            0.0
        };
        let took = |seconds: f64| short(chrono::Duration::milliseconds((seconds * 1000.0) as i64));
        if finished {
            return format!("{rate:.0} events/s, took {}", took(elapsed));
        }
        if rate <= 0.0 {
            return "starting".into();
        }
        let left = self.total.saturating_sub(done) as f64 / rate;
        format!("{rate:.0} events/s, {} left", took(left))
    }
}

impl Drop for Progress {
    /// Work that stops early (a difference, a failed write) leaves its bar on its own line, so
    /// that the error after it starts a line of its own.
    fn drop(&mut self) {
        if self.terminal && self.shown.is_some() && !self.finished {
            write_stderr("\n");
        }
    }
}

/// Progress is a courtesy: a closed stderr must not stop the work.
fn write_stderr(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.flush());
}
