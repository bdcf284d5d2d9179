//! `warroom store copy|verify`: move a team's whole log between SQLite and PostgreSQL, and
//! check the move event by event. Both run on plain threads (the stores are synchronous).

use super::StoreCommand;
use super::progress::Progress;
use crate::store::{self, Commit, Location, Store};
use std::time::Duration;

/// Events read and written per transaction: bounded memory whatever the log's size.
const PAGE: usize = 5_000;

/// Runs one store subcommand; `Ok` is what to print, `Err` the one line of the failure.
pub fn run(command: StoreCommand) -> Result<String, String> {
    match command {
        StoreCommand::Copy {
            from,
            to,
            progress_every_ms,
        } => copy(&from, &to, Duration::from_millis(progress_every_ms)),
        StoreCommand::Verify {
            from,
            to,
            progress_every_ms,
        } => verify(&from, &to, Duration::from_millis(progress_every_ms)),
    }
}

fn open(location: &Location) -> Result<Box<dyn Store>, String> {
    store::open(location).map_err(|err| format!("{location}: {err}"))
}

/// The newest seq of a store's log (0 when empty): how many events a walk through it passes,
/// for its progress.
fn head(store: &mut Box<dyn Store>, location: &Location) -> Result<u64, String> {
    // Only the open incidents and the newest event: a small read whatever the log's size.
    let resume = store
        .resume(chrono::DateTime::<chrono::Utc>::MAX_UTC, 1)
        .map_err(|err| format!("{location}: {err}"))?;
    Ok(resume.tail.last().map_or(0, |event| event.seq))
}

fn copy(from: &Location, to: &Location, every: Duration) -> Result<String, String> {
    if from == to {
        return Err(format!("{from} is both the source and the target"));
    }
    let mut source = open(from)?;
    let mut target = open(to)?;
    let existing = target
        .events_after(0, 1)
        .map_err(|err| format!("{to}: {err}"))?;
    if !existing.is_empty() {
        return Err(format!(
            "{to} already holds events: copy into an empty store only"
        ));
    }
    let mut progress = Progress::new("copy", head(&mut source, from)?, every);
    let (mut copied, mut after) = (0, 0);
    loop {
        let page = source
            .events_after(after, PAGE)
            .map_err(|err| format!("{from}: {err}"))?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        copied += page.len();
        let commit = Commit {
            events: page,
            ..Commit::default()
        };
        target.commit(&commit).map_err(|err| {
            format!("{to}: {err} (after {copied} events; the target holds the pages before)")
        })?;
        progress.update(after);
    }
    progress.finish(after);
    Ok(format!("copied {copied} events from {from} to {to}\n"))
}

fn verify(from: &Location, to: &Location, every: Duration) -> Result<String, String> {
    let mut left = open(from)?;
    let mut right = open(to)?;
    let total = head(&mut left, from)?.max(head(&mut right, to)?);
    let mut progress = Progress::new("verify", total, every);
    let (mut compared, mut after) = (0, 0);
    loop {
        let page = |store: &mut Box<dyn Store>, name: &Location| {
            store
                .events_after(after, PAGE)
                .map_err(|err| format!("{name}: {err}"))
        };
        let (ours, theirs) = (page(&mut left, from)?, page(&mut right, to)?);
        for pair in ours.iter().zip(&theirs) {
            if pair.0 != pair.1 {
                return Err(format!(
                    "the logs differ at seq {}: {from} has {}, {to} has {}",
                    pair.0.seq,
                    describe(pair.0),
                    describe(pair.1)
                ));
            }
        }
        if ours.len() != theirs.len() {
            let (longer, shorter) = if ours.len() > theirs.len() {
                (from, to)
            } else {
                (to, from)
            };
            let extra = ours.len().max(theirs.len()) - ours.len().min(theirs.len());
            return Err(format!(
                "{shorter} stops after {} events; {longer} has at least {extra} more",
                compared + ours.len().min(theirs.len())
            ));
        }
        let Some(last) = ours.last() else { break };
        after = last.seq;
        compared += ours.len();
        progress.update(after);
    }
    progress.finish(after);
    Ok(format!(
        "identical: {compared} events, last seq {after}, in {from} and {to}\n"
    ))
}

/// One event in a line, for naming a difference.
fn describe(event: &crate::domain::Event) -> String {
    serde_json::to_string(event).unwrap_or_else(|_| format!("event {}", event.seq))
}
