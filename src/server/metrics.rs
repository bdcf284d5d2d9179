//! `GET /metrics`: what an operator watches, in Prometheus' text format — commands answered,
//! commit latency, long-poll waiters, the writer's queue, the notification outbox's depth,
//! and whether this replica reaches its database. Counters are atomics updated where the work happens; this only reads them.

use crate::store::Standing;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the commit-latency buckets, in seconds: an fsync on a good disk is well
/// under a millisecond, a commit to a remote PostgreSQL a few.
const BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
];

/// A histogram of durations with fixed buckets, safe to record into from one thread and
/// read from any.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Observations at most `BUCKETS[i]` (not cumulative; summed when rendered).
    counts: [AtomicU64; BUCKETS.len()],
    above: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn record(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        match BUCKETS.iter().position(|&bound| seconds <= bound) {
            Some(bucket) => self.counts[bucket].fetch_add(1, Ordering::Relaxed),
            None => self.above.fetch_add(1, Ordering::Relaxed),
        };
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, count) in BUCKETS.iter().zip(&self.counts) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.above.load(Ordering::Relaxed);
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {cumulative}");
    }
}

/// The figures of one scrape.
pub struct Scrape<'a> {
    pub commands: u64,
    pub commits: u64,
    pub commit_seconds: &'a Histogram,
    pub longpoll_waiters: u64,
    pub writer_queue: u64,
    /// Notifications waiting for a first attempt or a retry; `None` when the outbox could
    /// not be read (the metric is left out rather than reported as 0).
    pub notifications_pending: Option<u64>,
    /// The undelivered notifications by target and standing (pending, failing, dead).
    pub notifications: Option<Vec<(String, Standing, u64)>>,
    pub database_connected: bool,
    pub head: u64,
    /// Incidents held folded in memory (open and recently ended).
    pub incidents_in_memory: u64,
}

impl Scrape<'_> {
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut one = |name: &str, kind: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        one(
            "warroom_commands_total",
            "counter",
            "Changes (commands, declarations, webhook notifications) the writer committed.",
            self.commands,
        );
        one(
            "warroom_commits_total",
            "counter",
            "Group commits (transactions) written.",
            self.commits,
        );
        one(
            "warroom_longpoll_waiters",
            "gauge",
            "Feed requests waiting for news.",
            self.longpoll_waiters,
        );
        one(
            "warroom_writer_queue_depth",
            "gauge",
            "Changes waiting for the writer (the outbox of the group commit).",
            self.writer_queue,
        );
        if let Some(pending) = self.notifications_pending {
            one(
                "warroom_notifications_pending",
                "gauge",
                "Notifications in the outbox waiting for a first attempt or a retry.",
                pending,
            );
        }
        one(
            "warroom_database_connected",
            "gauge",
            "1 when this replica reaches its database and follows the other replicas' commits.",
            u64::from(self.database_connected),
        );
        one(
            "warroom_log_head_seq",
            "gauge",
            "The newest seq this replica has seen.",
            self.head,
        );
        one(
            "warroom_incidents_in_memory",
            "gauge",
            "Incidents held folded in memory: the open ones and those ended within --keep-ended.",
            self.incidents_in_memory,
        );
        if let Some(counts) = &self.notifications {
            let name = "warroom_notifications";
            let _ = writeln!(
                out,
                "# HELP {name} Undelivered notifications by target and standing: pending \
                 (not tried yet or due), failing (the last attempt failed, retrying), dead (given \
                 up; `warroom notify retry` resends).\n# TYPE {name} gauge"
            );
            for (target, standing, count) in counts {
                let _ = writeln!(
                    out,
                    "{name}{{target=\"{}\",state=\"{}\"}} {count}",
                    label_value(target),
                    standing.as_str()
                );
            }
        }
        self.commit_seconds.render(
            &mut out,
            "warroom_commit_seconds",
            "Time from taking the store's turn to the durable end of a group commit.",
        );
        out
    }
}

/// A label value in Prometheus' text format: backslash, quote and line break escaped.
fn label_value(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_end_with_everything() {
        let histogram = Histogram::default();
        histogram.record(Duration::from_micros(300));
        histogram.record(Duration::from_millis(3));
        histogram.record(Duration::from_secs(2));
        let mut out = String::new();
        histogram.render(&mut out, "h", "help");
        assert!(out.contains("h_bucket{le=\"0.0005\"} 1\n"), "{out}");
        assert!(out.contains("h_bucket{le=\"0.005\"} 2\n"), "{out}");
        assert!(out.contains("h_bucket{le=\"1\"} 2\n"), "{out}");
        assert!(
            out.contains("h_bucket{le=\"+Inf\"} 3\nh_sum 2.0033\nh_count 3\n"),
            "{out}"
        );
    }
}
