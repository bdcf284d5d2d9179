//! A token bucket per caller for changes: one script gone wild cannot fill the disk or starve
//! the other responders, who each have their own bucket.

use super::limits::WriteRate;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Buckets kept before full ones (callers who have been quiet) are forgotten.
const MAX_TRACKED: usize = 10_000;

pub struct RateLimit {
    rate: WriteRate,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimit {
    pub fn new(rate: WriteRate) -> Self {
        RateLimit {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one change from `caller`'s bucket at `now`, or says how long until one is back.
    pub fn take(&self, caller: &str, now: Instant) -> Result<(), Duration> {
        let per_second = f64::from(self.rate.per_minute) / 60.0;
        let burst = f64::from(self.rate.burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(caller) {
            buckets.retain(|_, bucket| bucket.refilled(now, per_second, burst) < burst);
        }
        let bucket = buckets.entry(caller.to_string()).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        bucket.tokens = bucket.refilled(now, per_second, burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

impl Bucket {
    fn refilled(&self, now: Instant, per_second: f64, burst: f64) -> f64 {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        (self.tokens + elapsed * per_second).min(burst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_gets_its_burst_then_waits_for_the_refill_while_others_go_on() {
        let limit = RateLimit::new(WriteRate {
            per_minute: 60,
            burst: 3,
        });
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limit.take("alice", start), Ok(()));
        }
        let wait = limit.take("alice", start).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        assert_eq!(limit.take("bob", start), Ok(()), "bob has his own bucket");
        let later = start + Duration::from_millis(500);
        assert_eq!(
            limit.take("alice", later).unwrap_err(),
            Duration::from_millis(500)
        );
        assert_eq!(limit.take("alice", start + Duration::from_secs(1)), Ok(()));
        // A long pause refills to the burst, not beyond.
        let much_later = start + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(limit.take("alice", much_later), Ok(()));
        }
        assert!(limit.take("alice", much_later).is_err());
    }
}
