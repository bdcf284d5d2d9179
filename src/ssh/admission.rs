//! Who may go on logging in: OpenSSH's `MaxStartups` (start:rate:full) and a cap per source
//! address, for the connections that have not authenticated yet ("startups").
//!
//! Every connection is accepted at once and is in the table until it logs in or ends, so the
//! login grace counts from the accept and nobody waits in the kernel's queue behind silent
//! clients. When a connection comes and its address already has `per_source` startups, one
//! of those is dropped; otherwise, with `start` or more startups in all, one is dropped with
//! a chance of `rate` % rising linearly to 100 % at `full`, so there are never more than
//! `full`. The one dropped is the quietest (the longest since its client last sent a byte),
//! never the newcomer. OpenSSH refuses the newcomer, which lets a few silent sockets turn
//! away the next real login; a real login talks every few milliseconds until it is done, so
//! it is not the quietest, while a socket that only connected or only sent its banner soon is.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;
use tokio::sync::oneshot;

/// `start:rate:full`, as OpenSSH's `MaxStartups`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxStartups {
    /// Startups below which none is dropped.
    pub start: usize,
    /// The chance in percent of a drop at `start`.
    pub rate: u32,
    /// Startups at which one is always dropped: there are never more.
    pub full: usize,
}

impl Default for MaxStartups {
    /// OpenSSH's 10:30:100, with the 64 startups this server allowed before as `full`.
    fn default() -> Self {
        MaxStartups {
            start: 10,
            rate: 30,
            full: 64,
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
            return Err(wrong("not start:rate:full (e.g. 10:30:64)"));
        };
        let number = |part: &str| {
            part.parse::<usize>()
                .map_err(|_| wrong("not start:rate:full (e.g. 10:30:64)"))
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

/// Why a connection was closed before it logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// The login grace ran out.
    Grace,
    /// Its address had too many startups and it was the quietest of them.
    PerSource,
    /// There were too many startups in all and it was the quietest.
    MaxStartups,
}

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Closed::Grace => "no login within the login grace",
            Closed::PerSource => {
                "the quietest of too many connections logging in from its address (max-startups-per-source)"
            }
            Closed::MaxStartups => {
                "the quietest of too many connections logging in (max-startups)"
            }
        })
    }
}

/// One connection, as the table and its socket see it.
#[derive(Debug)]
pub struct Startup {
    pub source: SocketAddr,
    accepted: Instant,
    /// Milliseconds from `accepted` to the last byte from the client.
    heard: AtomicU64,
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
            heard: AtomicU64::new(0),
            logged_in: AtomicBool::new(false),
            closed: OnceLock::new(),
            key: Mutex::new(None),
        }
    }

    /// The client sent something at `now`.
    pub fn heard(&self, now: Instant) {
        let since = now.saturating_duration_since(self.accepted).as_millis();
        self.heard
            .fetch_max(u64::try_from(since).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// When the client last sent something (or connected).
    pub fn quiet_since(&self) -> Instant {
        let heard = std::time::Duration::from_millis(self.heard.load(Ordering::Relaxed));
        self.accepted + heard
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

    /// Takes in a connection from `source` accepted at `now`, dropping another if the
    /// limits say so; `roll` (0 to 99) is the dice for the early drop.
    pub fn admit(
        self: &Arc<Self>,
        source: SocketAddr,
        now: Instant,
        roll: u32,
    ) -> (Ticket, Dropped) {
        let mut table = self.table();
        if let Some((id, reason)) = self.victim(&table, source_of(source), roll)
            && let Some(entry) = table.remove(&id)
        {
            entry.startup.close(reason);
            let _ = entry.drop.send(());
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
        (ticket, dropped)
    }

    /// Which startup goes to make room for one more from `source`, and why.
    fn victim(
        &self,
        table: &HashMap<u64, Entry>,
        source: IpAddr,
        roll: u32,
    ) -> Option<(u64, Closed)> {
        let quietest = |entries: &mut dyn Iterator<Item = (&u64, &Entry)>| {
            entries
                .min_by_key(|(id, entry)| (entry.startup.quiet_since(), **id))
                .map(|(id, _)| *id)
        };
        let same_source = || {
            table
                .iter()
                .filter(move |(_, entry)| source_of(entry.startup.source) == source)
        };
        if same_source().count() >= self.per_source {
            return quietest(&mut same_source()).map(|id| (id, Closed::PerSource));
        }
        if roll < self.max.drop_chance(table.len()) {
            return quietest(&mut table.iter()).map(|id| (id, Closed::MaxStartups));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::Duration;

    fn address(host: u8, port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, host], port))
    }

    #[test]
    fn max_startups_parse_and_say_what_is_wrong() {
        assert_eq!("10:30:64".parse(), Ok(MaxStartups::default()));
        assert_eq!(MaxStartups::default().to_string(), "10:30:64");
        for (text, why) in [
            ("10", "start:rate:full"),
            ("a:30:64", "start:rate:full"),
            ("0:30:64", "start is from 1 to full"),
            ("65:30:64", "start is from 1 to full"),
            ("10:101:64", "at most 100"),
            ("1:30:0", "full is from 1"),
        ] {
            let error = text.parse::<MaxStartups>().unwrap_err();
            assert!(error.contains(why), "{text}: {error}");
        }
    }

    #[test]
    fn the_drop_chance_rises_from_rate_at_start_to_all_at_full() {
        let max = MaxStartups {
            start: 10,
            rate: 30,
            full: 100,
        };
        assert_eq!(max.drop_chance(9), 0);
        assert_eq!(max.drop_chance(10), 30);
        assert_eq!(max.drop_chance(55), 65);
        assert_eq!(max.drop_chance(100), 100);
        assert_eq!(max.drop_chance(1000), 100);
    }

    #[test]
    fn a_talking_login_outlives_silent_sockets_from_its_own_address() {
        let admission = Arc::new(Admission::new(MaxStartups::default(), 3));
        let start = Instant::now();
        let silent: Vec<_> = (0..3)
            .map(|i| admission.admit(address(1, i), start, 99))
            .collect();
        // A real login comes later and talks; three more silent sockets come after it.
        let (login, _) = admission.admit(address(1, 100), start + Duration::from_millis(10), 99);
        login.startup.heard(start + Duration::from_millis(30));
        let later: Vec<_> = (0..3)
            .map(|i| admission.admit(address(1, 200 + i), start + Duration::from_millis(20), 99))
            .collect();
        for (ticket, _) in &silent {
            assert_eq!(ticket.startup.closed(), Some(Closed::PerSource));
        }
        // The login spoke last: of the later three, the first went to make room.
        assert_eq!(later[0].0.startup.closed(), Some(Closed::PerSource));
        assert_eq!(login.startup.closed(), None);
        let (_next, _) = admission.admit(address(1, 300), start + Duration::from_millis(40), 99);
        assert_eq!(later[1].0.startup.closed(), Some(Closed::PerSource));
        assert_eq!(login.startup.closed(), None);
        login.logged_in();
        assert_eq!(admission.pending(), 2);
    }

    #[test]
    fn another_address_is_not_dropped_for_one_that_fills_its_share() {
        let admission = Arc::new(Admission::new(MaxStartups::default(), 2));
        let start = Instant::now();
        let (bastion, _) = admission.admit(address(2, 1), start, 99);
        let flood: Vec<_> = (0..50)
            .map(|i| {
                admission.admit(
                    address(3, i),
                    start + Duration::from_millis(u64::from(i) + 1),
                    99,
                )
            })
            .collect();
        assert_eq!(bastion.startup.closed(), None);
        assert_eq!(
            flood
                .iter()
                .filter(|(t, _)| t.startup.closed().is_none())
                .count(),
            2
        );
    }

    #[test]
    fn a_dropped_startup_hears_it() {
        let admission = Arc::new(Admission::new(MaxStartups::default(), 1));
        let now = Instant::now();
        let (first, mut dropped) = admission.admit(address(1, 1), now, 0);
        assert!(dropped.try_recv().is_err(), "not dropped yet");
        let (_second, _) = admission.admit(address(1, 2), now, 0);
        assert_eq!(dropped.try_recv(), Ok(()));
        assert_eq!(first.startup.closed(), Some(Closed::PerSource));
        drop(first);
        assert_eq!(admission.pending(), 1);
    }

    #[derive(Debug, Clone)]
    enum Step {
        Arrive { host: u8, roll: u32 },
        Talk(usize),
        LogIn(usize),
        Leave(usize),
        Wait(u64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0u8..4, 0u32..100).prop_map(|(host, roll)| Step::Arrive { host, roll }),
            2 => any::<usize>().prop_map(Step::Talk),
            1 => any::<usize>().prop_map(Step::LogIn),
            1 => any::<usize>().prop_map(Step::Leave),
            2 => (0u64..500).prop_map(Step::Wait),
        ]
    }

    proptest! {
        /// Whatever comes, talks, logs in and leaves: the table holds at most `full`, an
        /// address at most its share, the newcomer is never the one dropped, nobody is
        /// dropped below `start` and its share, and the one dropped was the quietest of
        /// those it was chosen from.
        #[test]
        fn the_table_keeps_its_limits_and_drops_only_the_quietest(
            start in 1usize..6,
            rate in 0u32..=100,
            extra in 0usize..6,
            per_source in 1usize..5,
            steps in proptest::collection::vec(step(), 1..120),
        ) {
            let max = MaxStartups { start, rate, full: start + extra };
            let admission = Arc::new(Admission::new(max, per_source));
            let begin = Instant::now();
            let mut now = begin;
            let mut tickets: Vec<Ticket> = Vec::new();
            let mut serial = 0u16;
            for step in steps {
                let open: Vec<usize> = (0..tickets.len())
                    .filter(|&i| tickets[i].startup.closed().is_none() && !tickets[i].startup.is_logged_in())
                    .collect();
                match step {
                    Step::Arrive { host, roll } => {
                        let source = address(host, serial);
                        serial += 1;
                        let same: Vec<&Startup> = open.iter().map(|&i| &*tickets[i].startup)
                            .filter(|s| s.source.ip() == source.ip()).collect();
                        let all: Vec<&Startup> = open.iter().map(|&i| &*tickets[i].startup).collect();
                        let quiet_same = same.iter().map(|s| s.quiet_since()).min();
                        let quiet_all = all.iter().map(|s| s.quiet_since()).min();
                        let (full_share, crowded) = (same.len() >= per_source, all.len() >= start);
                        let (ticket, _dropped) = admission.admit(source, now, roll);
                        prop_assert_eq!(ticket.startup.closed(), None, "the newcomer is never dropped");
                        let victims: Vec<&Ticket> = open.iter().map(|&i| &tickets[i])
                            .filter(|t| t.startup.closed().is_some())
                            .collect();
                        prop_assert!(victims.len() <= 1);
                        match victims.first() {
                            Some(victim) if victim.startup.closed() == Some(Closed::PerSource) => {
                                prop_assert!(full_share);
                                prop_assert_eq!(Some(victim.startup.quiet_since()), quiet_same);
                            }
                            Some(victim) => {
                                prop_assert!(crowded && !full_share);
                                prop_assert_eq!(Some(victim.startup.quiet_since()), quiet_all);
                            }
                            None => prop_assert!(!full_share && (all.len() < max.full)),
                        }
                        tickets.push(ticket);
                    }
                    Step::Talk(i) if !open.is_empty() => tickets[open[i % open.len()]].startup.heard(now),
                    Step::LogIn(i) if !open.is_empty() => tickets[open[i % open.len()]].logged_in(),
                    Step::Leave(i) if !tickets.is_empty() => { tickets.remove(i % tickets.len()); }
                    Step::Wait(ms) => now += Duration::from_millis(ms),
                    _ => {}
                }
                let open: Vec<&Startup> = tickets.iter().map(|t| &*t.startup)
                    .filter(|s| s.closed().is_none() && !s.is_logged_in()).collect();
                prop_assert_eq!(admission.pending(), open.len());
                prop_assert!(open.len() <= max.full);
                for host in 0..4u8 {
                    let ip = address(host, 0).ip();
                    prop_assert!(open.iter().filter(|s| s.source.ip() == ip).count() <= per_source);
                }
            }
        }
    }
}
