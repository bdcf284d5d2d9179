//! The server's limits: how many sessions at once, how long one may sit idle, how large a
//! screen may be, how many connections may be logging in (see `admission`), and how many
//! failed authentications a key gets from an address before it waits.

use super::admission::MaxStartups;
use std::collections::HashMap;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Sessions (screens and commands) open at once.
    pub max_sessions: usize,
    /// A session with no key press for this long is closed; the wall never is.
    pub idle: Duration,
    /// Failed authentications one key may make from one address per minute.
    pub auth_failures_per_minute: u32,
    /// How long a connection has, from the moment it is accepted, to finish the handshake
    /// and authenticate, whatever it sends meanwhile.
    pub login_grace: Duration,
    /// Connections not yet authenticated, in all: when to start dropping them.
    pub max_startups: MaxStartups,
    /// Connections not yet authenticated from one address.
    pub max_startups_per_source: usize,
    /// The largest screen a session gets; a client asking for more gets this.
    pub max_terminal: TerminalSize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            max_sessions: 100,
            idle: Duration::from_secs(30 * 60),
            auth_failures_per_minute: 20,
            login_grace: Duration::from_secs(60),
            max_startups: MaxStartups::default(),
            max_startups_per_source: 64,
            max_terminal: TerminalSize::DEFAULT_MAX,
        }
    }
}

/// A screen size in character cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminalSize {
    pub columns: u16,
    pub rows: u16,
}

impl TerminalSize {
    /// Wider than two 4K monitors side by side in a small font, and about 10 MB of screen
    /// buffers for a session.
    pub const DEFAULT_MAX: TerminalSize = TerminalSize {
        columns: 500,
        rows: 200,
    };

    /// The most `--max-terminal-size` may allow: a session's two screen buffers are 48
    /// bytes a cell, so 500,000 cells are about 50 MB.
    const CEILING: TerminalSize = TerminalSize {
        columns: 1000,
        rows: 500,
    };

    /// The size to draw for one a client asked for (the protocol carries 32-bit numbers):
    /// at least 1x1, at most this.
    pub fn clamp(self, columns: u32, rows: u32) -> (u16, u16) {
        let fit = |asked: u32, most: u16| {
            u16::try_from(asked)
                .unwrap_or(u16::MAX)
                .clamp(1, most.max(1))
        };
        (fit(columns, self.columns), fit(rows, self.rows))
    }
}

impl std::fmt::Display for TerminalSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.columns, self.rows)
    }
}

impl FromStr for TerminalSize {
    type Err = String;

    /// `COLUMNSxROWS`, e.g. `500x200`, each at least 1 and at most 1000x500.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let most = Self::CEILING;
        let wrong = || format!("'{text}' is not COLUMNSxROWS from 1x1 to {most}, e.g. 500x200");
        let (columns, rows) = text.trim().split_once(['x', 'X']).ok_or_else(wrong)?;
        let number = |part: &str, most: u16| {
            part.parse::<u16>()
                .ok()
                .filter(|n| (1..=most).contains(n))
                .ok_or_else(wrong)
        };
        Ok(TerminalSize {
            columns: number(columns, most.columns)?,
            rows: number(rows, most.rows)?,
        })
    }
}

/// The open sessions, counted.
#[derive(Debug, Clone, Default)]
pub struct Slots {
    open: Arc<AtomicUsize>,
}

/// One taken slot, given back when dropped.
#[derive(Debug)]
pub struct Slot {
    open: Arc<AtomicUsize>,
}

impl Slots {
    /// Takes a slot unless `max` are taken.
    pub fn take(&self, max: usize) -> Option<Slot> {
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < max).then_some(open + 1)
            })
            .ok()
            .map(|_| Slot {
                open: self.open.clone(),
            })
    }

    pub fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Failed authentications per key and address, in one-minute windows. A key that keeps
/// failing from an address waits; other keys from the same address (people behind one
/// bastion) do not.
#[derive(Debug, Clone, Default)]
pub struct AuthFailures {
    seen: Arc<Mutex<Seen>>,
}

/// For each address and key fingerprint, when its window began and its failures in it.
type Seen = HashMap<(IpAddr, String), (Instant, u32)>;

const WINDOW: Duration = Duration::from_secs(60);

/// Key and address pairs remembered at most: a minute of failures at the rate the login
/// limits allow is far fewer, and past this new pairs are simply not counted.
const MAX_TRACKED: usize = 65_536;

impl AuthFailures {
    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The failures of `key` (a fingerprint) from `address` in this minute, if they reach
    /// `limit`.
    pub fn exhausted(&self, address: IpAddr, key: &str, limit: u32, now: Instant) -> Option<u32> {
        self.seen()
            .get(&(address, key.to_string()))
            .filter(|(since, count)| now.duration_since(*since) < WINDOW && *count >= limit)
            .map(|(_, count)| *count)
    }

    /// Counts one failure of `key` from `address`.
    pub fn failed(&self, address: IpAddr, key: &str, now: Instant) {
        let mut seen = self.seen();
        // Old windows go, so the table holds only the last minute's pairs.
        seen.retain(|_, (since, _)| now.duration_since(*since) < WINDOW);
        let pair = (address, key.to_string());
        if seen.len() >= MAX_TRACKED && !seen.contains_key(&pair) {
            return;
        }
        seen.entry(pair).or_insert((now, 0)).1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn slots_are_capped_and_given_back() {
        let slots = Slots::default();
        let first = slots.take(2).unwrap();
        let _second = slots.take(2).unwrap();
        assert!(slots.take(2).is_none());
        drop(first);
        assert_eq!(slots.open(), 1);
        assert!(slots.take(2).is_some());
    }

    #[test]
    fn a_failing_key_waits_a_minute_and_other_keys_from_its_address_do_not() {
        let failures = AuthFailures::default();
        let address: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(failures.exhausted(address, "SHA256:bad", 3, start), None);
            failures.failed(address, "SHA256:bad", start);
        }
        assert_eq!(failures.exhausted(address, "SHA256:bad", 3, start), Some(3));
        assert_eq!(failures.exhausted(address, "SHA256:good", 3, start), None);
        assert_eq!(failures.exhausted(other, "SHA256:bad", 3, start), None);
        assert_eq!(
            failures.exhausted(address, "SHA256:bad", 3, start + WINDOW),
            None
        );
    }

    #[test]
    fn sizes_parse_within_the_ceiling() {
        assert_eq!(
            "500x200".parse(),
            Ok(TerminalSize {
                columns: 500,
                rows: 200
            })
        );
        assert_eq!(
            "1X1".parse(),
            Ok(TerminalSize {
                columns: 1,
                rows: 1
            })
        );
        for wrong in [
            "",
            "500",
            "0x10",
            "10x0",
            "1001x10",
            "10x501",
            "65535x65535",
            "ax2",
        ] {
            let error = wrong.parse::<TerminalSize>().unwrap_err();
            assert!(error.contains("COLUMNSxROWS"), "{wrong}: {error}");
        }
    }

    proptest! {
        /// Whatever a client asks for, the size drawn is within 1x1 and the maximum, and a
        /// size within them is kept as it is.
        #[test]
        fn every_asked_size_is_clamped_into_range(
            columns in prop_oneof![Just(0u32), Just(1), Just(65_535), Just(u32::MAX), any::<u32>(), 0u32..600],
            rows in prop_oneof![Just(0u32), Just(1), Just(65_535), Just(u32::MAX), any::<u32>(), 0u32..300],
            most_columns in 1u16..=1000,
            most_rows in 1u16..=500,
        ) {
            let most = TerminalSize { columns: most_columns, rows: most_rows };
            let (c, r) = most.clamp(columns, rows);
            prop_assert!((1..=most_columns).contains(&c));
            prop_assert!((1..=most_rows).contains(&r));
            if (1..=u32::from(most_columns)).contains(&columns) {
                prop_assert_eq!(u32::from(c), columns);
            }
            if (1..=u32::from(most_rows)).contains(&rows) {
                prop_assert_eq!(u32::from(r), rows);
            }
        }
    }
}
