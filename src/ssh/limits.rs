//! The server's limits: how many sessions at once, how long one may sit idle, and how many
//! failed authentications an address gets before it waits.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Sessions (screens and commands) open at once.
    pub max_sessions: usize,
    /// A session with no key press for this long is closed; the wall never is.
    pub idle: Duration,
    /// Failed authentications one address may make per minute.
    pub auth_failures_per_minute: u32,
    /// How long a connection has, from the moment it is accepted, to finish the handshake
    /// and authenticate; a silent client is closed after it.
    pub login_grace: Duration,
    /// Connections not yet authenticated at once: more wait in the kernel's accept queue
    /// until one logs in or its grace runs out.
    pub max_pending_logins: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            max_sessions: 100,
            idle: Duration::from_secs(30 * 60),
            auth_failures_per_minute: 20,
            login_grace: Duration::from_secs(60),
            max_pending_logins: 64,
        }
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

/// Failed authentications per address, in one-minute windows.
#[derive(Debug, Clone, Default)]
pub struct AuthFailures {
    seen: Arc<Mutex<HashMap<IpAddr, (Instant, u32)>>>,
}

const WINDOW: Duration = Duration::from_secs(60);

impl AuthFailures {
    /// Whether `address` has used up its failures for this minute.
    pub fn exhausted(&self, address: IpAddr, limit: u32, now: Instant) -> bool {
        let seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        seen.get(&address)
            .is_some_and(|(since, count)| now.duration_since(*since) < WINDOW && *count >= limit)
    }

    /// Counts one failure of `address`.
    pub fn failed(&self, address: IpAddr, now: Instant) {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Old windows go, so the table holds only the last minute's addresses.
        seen.retain(|_, (since, _)| now.duration_since(*since) < WINDOW);
        let entry = seen.entry(address).or_insert((now, 0));
        entry.1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn an_address_waits_a_minute_after_too_many_failures() {
        let failures = AuthFailures::default();
        let address: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            assert!(!failures.exhausted(address, 3, start));
            failures.failed(address, start);
        }
        assert!(failures.exhausted(address, 3, start));
        assert!(!failures.exhausted(other, 3, start));
        assert!(!failures.exhausted(address, 3, start + WINDOW));
    }
}
