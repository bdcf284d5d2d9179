//! Who may go on logging in: OpenSSH's `MaxStartups` (start:rate:full) and a cap per source
//! address, for the connections that have not authenticated yet ("startups").
//!
//! Every connection is accepted at once and is in the table until it logs in or ends, so the
//! login grace counts from the accept and nobody waits in the kernel's queue behind silent
//! clients. What tells a stalled client from a real login is whose turn it is: a startup
//! *owes* from the moment the server has said something the client has not answered. A
//! silent socket owes from the accept, one that sent only its banner from the server's key
//! exchange on; a real login owes for a round trip at a time, and not at all while the server
//! is working or holding back a refusal.
//!
//! When a connection comes:
//! - if its address has `per_source` startups, the one of them that has owed longest is
//!   closed (none owes: the newcomer is refused);
//! - else if there are `full` startups, the one that has owed longest is closed (none owes:
//!   the newcomer is refused), so there are never more than `full`;
//! - else from `start` startups on, with a chance of `rate` % rising linearly to 100 % at
//!   `full`, the one that has owed longest is closed if it has owed for [`STALLED`].
//!
//! OpenSSH refuses the newcomer, which lets a few silent sockets turn away the next real
//! login; here the newcomer is refused only when every startup of its kind is waiting on the
//! server, and the early drop never touches a login in progress.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How long a startup must have owed the server an answer to be dropped early (between
/// `start` and `full`): far longer than a round trip or a busy client's pause.
pub const STALLED: Duration = Duration::from_secs(1);

/// `start:rate:full`, as OpenSSH's `MaxStartups`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxStartups {
    /// Startups below which none is dropped early.
    pub start: usize,
    /// The chance in percent of an early drop at `start`.
    pub rate: u32,
    /// Startups at which one is always dropped: there are never more.
    pub full: usize,
}

impl Default for MaxStartups {
    /// OpenSSH's 10:30:100 scaled to a server where a startup is a task, not a process:
    /// 16:30:128, far below a 1024-descriptor limit.
    fn default() -> Self {
        MaxStartups {
            start: 16,
            rate: 30,
            full: 128,
        }
    }
}

impl MaxStartups {
    /// The chance in percent that one startup is dropped when another comes while
    /// `pending` are in the table (OpenSSH's formula).
    pub fn drop_chance(&self, pending: usize) -> u32 {
        if pending < self.start {
            0
        } else if pending >= self.full {
            100
        } else {
            let rising =
                (100 - self.rate) as usize * (pending - self.start) / (self.full - self.start);
            self.rate + rising as u32
        }
    }
}

impl std::fmt::Display for MaxStartups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.start, self.rate, self.full)
    }
}

impl FromStr for MaxStartups {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wrong = |why: &str| format!("'{text}': {why}");
        let parts: Vec<&str> = text.trim().split(':').collect();
        let [start, rate, full] = parts.as_slice() else {
            return Err(wrong("not start:rate:full (e.g. 16:30:128)"));
        };
        let number = |part: &str| {
            part.parse::<usize>()
                .map_err(|_| wrong("not start:rate:full (e.g. 16:30:128)"))
        };
        let (start, rate, full) = (number(start)?, number(rate)?, number(full)?);
        if !(1..=100_000).contains(&full) {
            return Err(wrong("full is from 1 to 100000"));
        }
        if start == 0 || start > full {
            return Err(wrong("start is from 1 to full"));
        }
        if rate > 100 {
            return Err(wrong("rate is a percentage, at most 100"));
        }
        Ok(MaxStartups {
            start,
            rate: rate as u32,
            full,
        })
    }
}

/// Why a connection was closed (or refused) before it logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// The login grace ran out.
    Grace,
    /// Its address had too many startups.
    PerSource,
    /// There were too many startups in all.
    MaxStartups,
}

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Closed::Grace => "no login within the login grace",
            Closed::PerSource => {
                "too many connections logging in from this address (max-startups-per-source)"
            }
            Closed::MaxStartups => "too many connections logging in (max-startups)",
        })
    }
}

/// One connection, as the table and its socket see it.
#[derive(Debug)]
pub struct Startup {
    pub source: SocketAddr,
    accepted: Instant,
    /// 1 + milliseconds from `accepted` to when the server began waiting for the client to
    /// answer; 0 while it is the server's turn.
    owing: AtomicU64,
    logged_in: AtomicBool,
    closed: OnceLock<Closed>,
    /// The fingerprint of the last key it offered, for the log.
    key: Mutex<Option<String>>,
}

impl Startup {
    fn new(source: SocketAddr, now: Instant) -> Startup {
        Startup {
            source,
            accepted: now,
            // The server's banner goes out at once: the client owes from the accept.
            owing: AtomicU64::new(1),
            logged_in: AtomicBool::new(false),
            closed: OnceLock::new(),
            key: Mutex::new(None),
        }
    }

    /// The client sent something: it is the server's turn.
    pub fn heard(&self) {
        self.owing.store(0, Ordering::Relaxed);
    }

    /// The server sent something at `now`: the client owes an answer, from now unless it
    /// owed one already.
    pub fn spoke(&self, now: Instant) {
        let since = now.saturating_duration_since(self.accepted).as_millis();
        let since = u64::try_from(since).unwrap_or(u64::MAX - 1) + 1;
        let _ = self
            .owing
            .compare_exchange(0, since, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Since when the server has been waiting for the client, if it is.
    pub fn owes_since(&self) -> Option<Instant> {
        match self.owing.load(Ordering::Relaxed) {
            0 => None,
            since => Some(self.accepted + Duration::from_millis(since - 1)),
        }
    }

    pub fn is_logged_in(&self) -> bool {
        self.logged_in.load(Ordering::Acquire)
    }

    /// Why it was closed before logging in, if it was.
    pub fn closed(&self) -> Option<Closed> {
        self.closed.get().copied()
    }

    /// Closes it for `reason`, unless it is closed already (the first reason stays).
    pub fn close(&self, reason: Closed) {
        let _ = self.closed.set(reason);
    }

    /// It offered the key with this fingerprint.
    pub fn offered(&self, fingerprint: &str) {
        *self.key_slot() = Some(fingerprint.to_string());
    }

    /// The fingerprint of the last key it offered.
    pub fn key(&self) -> Option<String> {
        self.key_slot().clone()
    }

    fn key_slot(&self) -> MutexGuard<'_, Option<String>> {
        self.key
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Resolves when the table drops its connection.
pub type Dropped = oneshot::Receiver<()>;

struct Entry {
    startup: Arc<Startup>,
    drop: oneshot::Sender<()>,
}

/// The startups, and the limits they are kept within.
pub struct Admission {
    max: MaxStartups,
    per_source: usize,
    next: AtomicU64,
    table: Mutex<HashMap<u64, Entry>>,
}

/// A connection's place in the table, given up when it logs in or is dropped.
pub struct Ticket {
    admission: Arc<Admission>,
    id: u64,
    pub startup: Arc<Startup>,
}

impl Ticket {
    /// It logged in: the grace and the drops no longer apply, and its place is free.
    pub fn logged_in(&self) {
        self.startup.logged_in.store(true, Ordering::Release);
        self.admission.table().remove(&self.id);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.admission.table().remove(&self.id);
    }
}

/// An address as one source: an IPv4 address mapped into IPv6 is the IPv4 address.
fn source_of(address: SocketAddr) -> IpAddr {
    address.ip().to_canonical()
}

/// What the table does to take one more in.
enum Verdict {
    Admit,
    /// Closes this one first.
    Drop(u64, Closed),
    /// Turns the newcomer away.
    Refuse(Closed),
}

impl Admission {
    pub fn new(max: MaxStartups, per_source: usize) -> Admission {
        Admission {
            max,
            per_source: per_source.max(1),
            next: AtomicU64::new(0),
            table: Mutex::default(),
        }
    }

    fn table(&self) -> MutexGuard<'_, HashMap<u64, Entry>> {
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Connections in the table.
    pub fn pending(&self) -> usize {
        self.table().len()
    }

    /// Takes in a connection from `source` accepted at `now`, closing another if the limits
    /// say so, or says why it is refused; `roll` (0 to 99) is the dice for the early drop.
    pub fn admit(
        self: &Arc<Self>,
        source: SocketAddr,
        now: Instant,
        roll: u32,
    ) -> Result<(Ticket, Dropped), Closed> {
        let mut table = self.table();
        match self.verdict(&table, source_of(source), now, roll) {
            Verdict::Refuse(reason) => return Err(reason),
            Verdict::Drop(id, reason) => {
                if let Some(entry) = table.remove(&id) {
                    entry.startup.close(reason);
                    let _ = entry.drop.send(());
                }
            }
            Verdict::Admit => {}
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let startup = Arc::new(Startup::new(source, now));
        let (drop, dropped) = oneshot::channel();
        table.insert(
            id,
            Entry {
                startup: startup.clone(),
                drop,
            },
        );
        let ticket = Ticket {
            admission: self.clone(),
            id,
            startup,
        };
        Ok((ticket, dropped))
    }

    fn verdict(
        &self,
        table: &HashMap<u64, Entry>,
        source: IpAddr,
        now: Instant,
        roll: u32,
    ) -> Verdict {
        // The startup that has owed the server an answer longest, and since when.
        let longest_owing = |entries: &mut dyn Iterator<Item = (&u64, &Entry)>| {
            entries
                .filter_map(|(id, entry)| Some((entry.startup.owes_since()?, *id)))
                .min()
        };
        let same_source = || {
            table
                .iter()
                .filter(move |(_, entry)| source_of(entry.startup.source) == source)
        };
        let (reason, owing) = if same_source().count() >= self.per_source {
            (Closed::PerSource, longest_owing(&mut same_source()))
        } else if table.len() >= self.max.full {
            (Closed::MaxStartups, longest_owing(&mut table.iter()))
        } else {
            if roll < self.max.drop_chance(table.len())
                && let Some((since, id)) = longest_owing(&mut table.iter())
                && now.saturating_duration_since(since) >= STALLED
            {
                return Verdict::Drop(id, Closed::MaxStartups);
            }
            return Verdict::Admit;
        };
        match owing {
            Some((_, id)) => Verdict::Drop(id, reason),
            None => Verdict::Refuse(reason),
        }
    }
}

#[cfg(test)]
mod tests;
