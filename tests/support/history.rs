//! Metric history with exactly known values, written as OpenMetrics for `promtool` to
//! backfill: an HTTP service's request counters and latency histogram, scraped every 15 s.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Seconds between two samples of the history.
pub const SCRAPE: i64 = 15;

/// `checkout`'s (ok, 5xx) requests per scrape on /pay: 10 req/s, 2% 5xx.
pub const CHECKOUT_PAY: (u64, u64) = (147, 3);
/// On /search: 20 req/s, 1% 5xx.
pub const CHECKOUT_SEARCH: (u64, u64) = (297, 3);
/// `checkout`'s latency observations per scrape, cumulative per `le` in seconds: 90% up to
/// 0.1 s, the rest 0.25-0.5 s, so the p99 is 0.25 + 0.25 * 9/10 = 0.475 s.
pub const CHECKOUT_BUCKETS: [(&str, u64); 5] = [
    ("0.1", 90),
    ("0.25", 90),
    ("0.5", 100),
    ("1", 100),
    ("+Inf", 100),
];

/// OpenMetrics families being written; a family's samples must stay together.
#[derive(Default)]
pub struct History {
    /// Family name -> (type, sample lines).
    families: BTreeMap<String, (&'static str, String)>,
}

impl History {
    /// `http_requests_total{service, endpoint, code="200"|"500"}` sampled every [`SCRAPE`]
    /// seconds over `[from, to]`; `per_scrape(t)` is the (ok, 5xx) requests counted by the
    /// sample at `t`.
    pub fn requests(
        &mut self,
        service: &str,
        endpoint: &str,
        span: (i64, i64),
        per_scrape: impl Fn(i64) -> (u64, u64),
    ) {
        let labels = format!(r#"service="{service}",endpoint="{endpoint}""#);
        let status = ("code", "200", "500");
        self.requests_as("http_requests_total", &labels, status, span, per_scrape);
    }

    /// A request counter of any exporter: `metric{labels,<status label>=<ok>|<error>}`, where
    /// `status` is (label, ok value, error value), sampled as [`History::requests`] is.
    pub fn requests_as(
        &mut self,
        metric: &str,
        labels: &str,
        (status, ok_value, error_value): (&str, &str, &str),
        (from, to): (i64, i64),
        per_scrape: impl Fn(i64) -> (u64, u64),
    ) {
        let with_status = |value| format!(r#"{{{labels},{status}="{value}"}}"#);
        let (ok_labels, err_labels) = (with_status(ok_value), with_status(error_value));
        let (mut ok_lines, mut err_lines) = (String::new(), String::new());
        let (mut ok, mut errors) = (0, 0);
        for t in (from..=to).step_by(SCRAPE as usize) {
            let (more_ok, more_errors) = per_scrape(t);
            ok += more_ok;
            errors += more_errors;
            writeln!(ok_lines, "{metric}{ok_labels} {ok} {t}").unwrap();
            writeln!(err_lines, "{metric}{err_labels} {errors} {t}").unwrap();
        }
        let family = self.family_of(metric);
        family.push_str(&ok_lines);
        family.push_str(&err_lines);
    }

    /// `http_request_duration_seconds` of `service` over `[from, to]`: every sample adds
    /// the same observations, `buckets` being cumulative `(le, count)` ending with `+Inf`.
    pub fn latency(&mut self, service: &str, span: (i64, i64), buckets: &[(&str, u64)]) {
        let labels = format!(r#"service="{service}""#);
        self.latency_as(
            "http_request_duration_seconds_bucket",
            &labels,
            span,
            buckets,
        );
    }

    /// A latency histogram of any exporter: `metric{labels,le}`, sampled as
    /// [`History::latency`] is.
    pub fn latency_as(
        &mut self,
        metric: &str,
        labels: &str,
        (from, to): (i64, i64),
        buckets: &[(&str, u64)],
    ) {
        let mut lines = String::new();
        for (le, per_scrape) in buckets {
            for (n, t) in (from..=to).step_by(SCRAPE as usize).enumerate() {
                let value = per_scrape * (n as u64 + 1);
                writeln!(lines, r#"{metric}{{{labels},le="{le}"}} {value} {t}"#).unwrap();
            }
        }
        self.family_of(metric).push_str(&lines);
    }

    /// A gauge: `metric{labels}` holding `value` over `[from, to]`.
    pub fn gauge(&mut self, metric: &str, labels: &str, span: (i64, i64), value: f64) {
        self.gauge_over(metric, labels, span, |_| value);
    }

    /// A gauge sampled every [`SCRAPE`] seconds over `[from, to]`, `value(t)` at `t`.
    pub fn gauge_over(
        &mut self,
        metric: &str,
        labels: &str,
        (from, to): (i64, i64),
        value: impl Fn(i64) -> f64,
    ) {
        let family = self.family(metric, "gauge");
        for t in (from..=to).step_by(SCRAPE as usize) {
            writeln!(family, "{metric}{{{labels}}} {} {t}", value(t)).unwrap();
        }
    }

    /// Service `checkout`, steady for the `hours` before `end`: per scrape, /pay serves 150
    /// requests with 3 failing (10 req/s, 2% 5xx) and /search 300 with 3 failing (20 req/s,
    /// 1% 5xx); 90% of requests take up to 0.1 s and the rest 0.25-0.5 s, so the p99 is
    /// 0.25 + 0.25 * 9/10 = 0.475 s.
    pub fn checkout(&mut self, end: i64, hours: i64) {
        let span = (end - hours * 3_600, end);
        self.requests("checkout", "/pay", span, |_| CHECKOUT_PAY);
        self.requests("checkout", "/search", span, |_| CHECKOUT_SEARCH);
        self.latency("checkout", span, &CHECKOUT_BUCKETS);
    }

    /// The same traffic as [`History::checkout`], labelled the other common way: the
    /// service in `job`, the code in `status` (503 for the failures).
    pub fn checkout_by_job(&mut self, end: i64, hours: i64) {
        let span = (end - hours * 3_600, end);
        let status = ("status", "200", "503");
        for (endpoint, per_scrape) in [("/pay", CHECKOUT_PAY), ("/search", CHECKOUT_SEARCH)] {
            let labels =
                format!(r#"job="checkout",instance="10.0.0.7:8080",endpoint="{endpoint}""#);
            self.requests_as("http_requests_total", &labels, status, span, move |_| {
                per_scrape
            });
        }
        let labels = r#"job="checkout",instance="10.0.0.7:8080""#;
        self.latency_as(
            "http_request_duration_seconds_bucket",
            labels,
            span,
            &CHECKOUT_BUCKETS,
        );
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

    /// The family a sample belongs to, from its name's suffix.
    fn family_of(&mut self, metric: &str) -> &mut String {
        if let Some(family) = metric.strip_suffix("_total") {
            return self.family(family, "counter");
        }
        let family = ["_count", "_bucket"]
            .iter()
            .find_map(|suffix| metric.strip_suffix(suffix))
            .expect("a counter (_total) or a histogram series (_count, _bucket)");
        self.family(family, "histogram")
    }

    fn family(&mut self, name: &str, kind: &'static str) -> &mut String {
        &mut self
            .families
            .entry(name.to_string())
            .or_insert((kind, String::new()))
            .1
    }
}
