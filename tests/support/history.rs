//! Metric history with exactly known values, written as OpenMetrics for `promtool` to
//! backfill: an HTTP service's request counters and latency histogram, scraped every 15 s.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Seconds between two samples of the history.
pub const SCRAPE: i64 = 15;

/// OpenMetrics families being written; a family's samples must stay together.
#[derive(Default)]
pub struct History {
    /// Family name -> (type, sample lines).
    families: BTreeMap<&'static str, (&'static str, String)>,
}

impl History {
    /// `http_requests_total{service, endpoint, code="200"|"500"}` sampled every [`SCRAPE`]
    /// seconds over `[from, to]`; `per_scrape(t)` is the (ok, 5xx) requests counted by the
    /// sample at `t`.
    pub fn requests(
        &mut self,
        service: &str,
        endpoint: &str,
        (from, to): (i64, i64),
        per_scrape: impl Fn(i64) -> (u64, u64),
    ) {
        let labels =
            |code| format!(r#"{{service="{service}",endpoint="{endpoint}",code="{code}"}}"#);
        let (ok_labels, err_labels) = (labels("200"), labels("500"));
        let (mut ok_lines, mut err_lines) = (String::new(), String::new());
        let (mut ok, mut errors) = (0, 0);
        for t in (from..=to).step_by(SCRAPE as usize) {
            let (more_ok, more_errors) = per_scrape(t);
            ok += more_ok;
            errors += more_errors;
            writeln!(ok_lines, "http_requests_total{ok_labels} {ok} {t}").unwrap();
            writeln!(err_lines, "http_requests_total{err_labels} {errors} {t}").unwrap();
        }
        let family = self.family("http_requests", "counter");
        family.push_str(&ok_lines);
        family.push_str(&err_lines);
    }

    /// `http_request_duration_seconds` of `service` over `[from, to]`: every sample adds
    /// the same observations, `buckets` being cumulative `(le, count)` ending with `+Inf`.
    pub fn latency(&mut self, service: &str, (from, to): (i64, i64), buckets: &[(&str, u64)]) {
        let name = "http_request_duration_seconds";
        let mut lines = String::new();
        for (le, per_scrape) in buckets {
            for (n, t) in (from..=to).step_by(SCRAPE as usize).enumerate() {
                let value = per_scrape * (n as u64 + 1);
                writeln!(
                    lines,
                    r#"{name}_bucket{{service="{service}",le="{le}"}} {value} {t}"#
                )
                .unwrap();
            }
        }
        self.family(name, "histogram").push_str(&lines);
    }

    /// Service `checkout`, steady for the `hours` before `end`: per scrape, /pay serves 150
    /// requests with 3 failing (10 req/s, 2% 5xx) and /search 300 with 3 failing (20 req/s,
    /// 1% 5xx); 90% of requests take up to 0.1 s and the rest 0.25-0.5 s, so the p99 is
    /// 0.25 + 0.25 * 9/10 = 0.475 s.
    pub fn checkout(&mut self, end: i64, hours: i64) {
        let span = (end - hours * 3_600, end);
        self.requests("checkout", "/pay", span, |_| (147, 3));
        self.requests("checkout", "/search", span, |_| (297, 3));
        let buckets = [
            ("0.1", 90),
            ("0.25", 90),
            ("0.5", 100),
            ("1", 100),
            ("+Inf", 100),
        ];
        self.latency("checkout", span, &buckets);
    }

    /// The OpenMetrics text, `# EOF` included.
    pub fn openmetrics(&self) -> String {
        let mut text = String::new();
        for (name, (kind, lines)) in &self.families {
            write!(text, "# TYPE {name} {kind}\n{lines}").unwrap();
        }
        text.push_str("# EOF\n");
        text
    }

    fn family(&mut self, name: &'static str, kind: &'static str) -> &mut String {
        &mut self.families.entry(name).or_insert((kind, String::new())).1
    }
}
