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
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn address(host: u8, port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, host], port))
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn max_startups_parse_and_say_what_is_wrong() {
        assert_eq!("16:30:128".parse(), Ok(MaxStartups::default()));
        assert_eq!(MaxStartups::default().to_string(), "16:30:128");
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
    fn a_login_in_progress_outlasts_silent_sockets_from_its_own_address() {
        let admission = Arc::new(Admission::new(MaxStartups::default(), 3));
        let start = Instant::now();
        let admit = |port, at| admission.admit(address(1, port), start + at, 99).unwrap();
        let silent: Vec<_> = (0..3).map(|i| admit(i, ms(0))).collect();
        // A real login comes later and goes back and forth with the server.
        let (login, _) = admit(100, ms(10));
        login.startup.heard();
        login.startup.spoke(start + ms(12));
        login.startup.heard();
        // Three more silent sockets come while it is the server's turn.
        let later: Vec<_> = (0..3).map(|i| admit(200 + i, ms(20))).collect();
        for (ticket, _) in &silent {
            assert_eq!(ticket.startup.closed(), Some(Closed::PerSource));
        }
        assert_eq!(later[0].0.startup.closed(), Some(Closed::PerSource));
        assert_eq!(login.startup.closed(), None);
        // The server answers; the client owes now, but for less long than the later ones.
        login.startup.spoke(start + ms(30));
        let (_next, _) = admit(300, ms(40));
        assert_eq!(later[1].0.startup.closed(), Some(Closed::PerSource));
        assert_eq!(login.startup.closed(), None);
        login.logged_in();
        assert_eq!(admission.pending(), 2);
    }

    #[test]
    fn with_every_startup_waiting_on_the_server_the_newcomer_is_refused() {
        let admission = Arc::new(Admission::new(MaxStartups::default(), 2));
        let now = Instant::now();
        let busy: Vec<_> = (0..2)
            .map(|i| admission.admit(address(1, i), now, 99).unwrap())
            .collect();
        for (ticket, _) in &busy {
            ticket.startup.heard();
        }
        let refused = admission.admit(address(1, 9), now, 99).err();
        assert_eq!(refused, Some(Closed::PerSource));
        assert!(busy.iter().all(|(t, _)| t.startup.closed().is_none()));
        // Another address is not refused for it.
        assert!(admission.admit(address(2, 1), now, 99).is_ok());
    }

    #[test]
    fn the_early_drop_takes_only_a_stalled_startup() {
        let max = MaxStartups {
            start: 2,
            rate: 100,
            full: 10,
        };
        let admission = Arc::new(Admission::new(max, 10));
        let start = Instant::now();
        let first: Vec<_> = (0..2)
            .map(|i| admission.admit(address(i, 1), start, 0).unwrap())
            .collect();
        let (_fresh, _) = admission.admit(address(5, 1), start + ms(500), 0).unwrap();
        assert!(first.iter().all(|(t, _)| t.startup.closed().is_none()));
        let (_late, _) = admission.admit(address(6, 1), start + STALLED, 0).unwrap();
        assert_eq!(first[0].0.startup.closed(), Some(Closed::MaxStartups));
        assert_eq!(first[1].0.startup.closed(), None);
    }

    #[test]
    fn another_address_is_not_dropped_for_one_that_fills_its_share() {
        let admission = Arc::new(Admission::new(MaxStartups::default(), 2));
        let start = Instant::now();
        let (bastion, _) = admission.admit(address(2, 1), start, 99).unwrap();
        let flood: Vec<_> = (0..50)
            .map(|i| {
                let at = start + ms(u64::from(i) + 1);
                admission.admit(address(3, i), at, 99).unwrap()
            })
            .collect();
        assert_eq!(bastion.startup.closed(), None);
        let open = flood.iter().filter(|(t, _)| t.startup.closed().is_none());
        assert_eq!(open.count(), 2);
    }

    #[test]
    fn a_dropped_startup_hears_it() {
        let admission = Arc::new(Admission::new(MaxStartups::default(), 1));
        let now = Instant::now();
        let (first, mut dropped) = admission.admit(address(1, 1), now, 0).unwrap();
        assert!(dropped.try_recv().is_err(), "not dropped yet");
        let (_second, _) = admission.admit(address(1, 2), now, 0).unwrap();
        assert_eq!(dropped.try_recv(), Ok(()));
        assert_eq!(first.startup.closed(), Some(Closed::PerSource));
        drop(first);
        assert_eq!(admission.pending(), 1);
    }

    #[derive(Debug, Clone)]
    enum Step {
        Arrive { host: u8, roll: u32 },
        Heard(usize),
        Spoke(usize),
        LogIn(usize),
        Leave(usize),
        Wait(u64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0u8..4, 0u32..100).prop_map(|(host, roll)| Step::Arrive { host, roll }),
            2 => any::<usize>().prop_map(Step::Heard),
            2 => any::<usize>().prop_map(Step::Spoke),
            1 => any::<usize>().prop_map(Step::LogIn),
            1 => any::<usize>().prop_map(Step::Leave),
            2 => (0u64..800).prop_map(Step::Wait),
        ]
    }

    /// The startup among `group` that has owed longest, and since when.
    fn longest_owing(group: &[&Startup]) -> Option<Instant> {
        group.iter().filter_map(|s| s.owes_since()).min()
    }

    proptest! {
        /// Whatever comes, talks, logs in and leaves: the table holds at most `full`, an
        /// address at most its share; at most one startup goes for a newcomer, and it is one
        /// that owed longest in its group (early, only after owing for `STALLED`); nothing
        /// happens below `start` and the share; a newcomer is refused only when nobody in
        /// its group owes anything.
        #[test]
        fn the_table_keeps_its_limits_and_drops_only_the_longest_owing(
            start in 1usize..6,
            rate in 0u32..=100,
            extra in 0usize..6,
            per_source in 1usize..5,
            steps in proptest::collection::vec(step(), 1..120),
        ) {
            let max = MaxStartups { start, rate, full: start + extra };
            let admission = Arc::new(Admission::new(max, per_source));
            let mut now = Instant::now();
            let mut tickets: Vec<Ticket> = Vec::new();
            let mut serial = 0u16;
            for step in steps {
                let open: Vec<usize> = (0..tickets.len())
                    .filter(|&i| {
                        let startup = &tickets[i].startup;
                        startup.closed().is_none() && !startup.is_logged_in()
                    })
                    .collect();
                let pick = |i: usize| open[i % open.len()];
                match step {
                    Step::Arrive { host, roll } => {
                        let source = address(host, serial);
                        serial += 1;
                        let all: Vec<&Startup> =
                            open.iter().map(|&i| &*tickets[i].startup).collect();
                        let same: Vec<&Startup> = all
                            .iter()
                            .copied()
                            .filter(|s| s.source.ip() == source.ip())
                            .collect();
                        let full_share = same.len() >= per_source;
                        let full_table = all.len() >= max.full;
                        let admitted = admission.admit(source, now, roll);
                        let victims: Vec<&Startup> = all
                            .iter()
                            .copied()
                            .filter(|s| s.closed().is_some())
                            .collect();
                        prop_assert!(victims.len() <= 1);
                        match (&admitted, victims.first()) {
                            (Err(reason), _) => {
                                prop_assert!(victims.is_empty());
                                let group = if full_share { &same } else { &all };
                                prop_assert!(full_share || full_table);
                                prop_assert_eq!(longest_owing(group), None);
                                let expected = if full_share { Closed::PerSource } else { Closed::MaxStartups };
                                prop_assert_eq!(*reason, expected);
                            }
                            (Ok(_), Some(victim)) if full_share => {
                                prop_assert_eq!(victim.closed(), Some(Closed::PerSource));
                                prop_assert_eq!(victim.owes_since(), longest_owing(&same));
                            }
                            (Ok(_), Some(victim)) => {
                                prop_assert_eq!(victim.closed(), Some(Closed::MaxStartups));
                                prop_assert_eq!(victim.owes_since(), longest_owing(&all));
                                let since = victim.owes_since().unwrap();
                                prop_assert!(full_table || (all.len() >= start && now - since >= STALLED));
                            }
                            (Ok(_), None) => prop_assert!(!full_share && !full_table),
                        }
                        if let Ok((ticket, _)) = admitted {
                            prop_assert_eq!(ticket.startup.closed(), None);
                            tickets.push(ticket);
                        }
                    }
                    Step::Heard(i) if !open.is_empty() => tickets[pick(i)].startup.heard(),
                    Step::Spoke(i) if !open.is_empty() => tickets[pick(i)].startup.spoke(now),
                    Step::LogIn(i) if !open.is_empty() => tickets[pick(i)].logged_in(),
                    Step::Leave(i) if !tickets.is_empty() => {
                        let gone = i % tickets.len();
                        tickets.remove(gone);
                    }
                    Step::Wait(n) => now += ms(n),
                    _ => {}
                }
                let open: Vec<&Startup> = tickets
                    .iter()
                    .map(|t| &*t.startup)
                    .filter(|s| s.closed().is_none() && !s.is_logged_in())
                    .collect();
                prop_assert_eq!(admission.pending(), open.len());
                prop_assert!(open.len() <= max.full);
                for host in 0..4u8 {
                    let ip = address(host, 0).ip();
                    let from_host = open.iter().filter(|s| s.source.ip() == ip).count();
                    prop_assert!(from_host <= per_source);
                }
            }
        }
    }
}
