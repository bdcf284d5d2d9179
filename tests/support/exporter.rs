//! A live service for a real Prometheus to scrape: `http_requests_total` of one endpoint,
//! 100 good requests a second, and 25 failing ones a second while a test raises errors, with
//! their latency histogram (the shape of [`CHECKOUT_BUCKETS`]: a p99 of 0.475 s); and the
//! alerting rule that fires on it.

use super::history::CHECKOUT_BUCKETS;
use super::promstack::{Alertmanager, Prometheus, PrometheusSetup};
use super::tinyhttp;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A 5xx ratio above 5% per service and endpoint, for 10 s. The ratio aggregates first:
/// without `sum by`, each 5xx series divides by itself. The 5 s window lets the rule fire
/// and clear within seconds of the errors starting and stopping.
pub const ERROR_RATIO_RULES: &str = r#"
groups:
  - name: warroom
    rules:
      - alert: HighErrorRatio
        expr: >
          sum by (service, endpoint) (rate(http_requests_total{code=~"5.."}[5s]))
          / sum by (service, endpoint) (rate(http_requests_total[5s])) > 0.05
        for: 10s
        labels:
          severity: critical
        annotations:
          summary: "5xx ratio above 5% on {{ $labels.endpoint }}"
"#;

/// The failing requests counted so far: those of earlier bursts, plus the current one's.
#[derive(Default)]
struct Errors {
    before: f64,
    failing_since: Option<Instant>,
}

impl Errors {
    fn total(&self) -> f64 {
        let current = self
            .failing_since
            .map_or(0.0, |since| since.elapsed().as_secs_f64() * 25.0);
        self.before + current
    }
}

/// The exporter, serving on a loopback thread until the test process ends.
pub struct Exporter {
    address: SocketAddr,
    errors: Arc<Mutex<Errors>>,
}

impl Exporter {
    /// Serves `service="live", endpoint="/pay"`, without errors until [`Exporter::raise_errors`].
    pub fn start() -> Exporter {
        let errors = Arc::new(Mutex::new(Errors::default()));
        let counted = Arc::clone(&errors);
        let started = Instant::now();
        let address = tinyhttp::serve("text/plain; version=0.0.4", move |_| {
            let ok = (started.elapsed().as_secs_f64() * 100.0).floor();
            let failed = counted.lock().unwrap().total().floor();
            let series = |code| {
                format!(r#"http_requests_total{{service="live",endpoint="/pay",code="{code}"}}"#)
            };
            let mut text = format!(
                "# TYPE http_requests_total counter\n{} {ok}\n{} {failed}\n",
                series("200"),
                series("500")
            );
            // Every request observed: CHECKOUT_BUCKETS per hundred.
            let observed = ok + failed;
            text.push_str("# TYPE http_request_duration_seconds histogram\n");
            for (le, per_hundred) in CHECKOUT_BUCKETS {
                let count = (observed * per_hundred as f64 / 100.0).floor();
                text.push_str(&format!(
                    "http_request_duration_seconds_bucket{{service=\"live\",le=\"{le}\"}} {count}\n"
                ));
            }
            text.push_str(&format!(
                "http_request_duration_seconds_count{{service=\"live\"}} {observed}\n\
                 http_request_duration_seconds_sum{{service=\"live\"}} {}\n",
                observed * 0.1
            ));
            text
        });
        Exporter { address, errors }
    }

    /// `host:port`, as a scrape target.
    pub fn target(&self) -> String {
        self.address.to_string()
    }

    /// From now on, 25 of every 125 requests fail: a 20% error ratio.
    pub fn raise_errors(&self) {
        self.errors.lock().unwrap().failing_since = Some(Instant::now());
    }

    /// From now on, no request fails; the counter keeps what it counted.
    pub fn stop_errors(&self) {
        let mut errors = self.errors.lock().unwrap();
        errors.before = errors.total();
        errors.failing_since = None;
    }
}

/// A Prometheus scraping a fresh exporter every second, evaluating [`ERROR_RATIO_RULES`]
/// every second and sending their alerts to `alertmanager`.
pub fn alerting_prometheus(alertmanager: &Alertmanager) -> (Exporter, Prometheus) {
    let exporter = Exporter::start();
    let prometheus = Prometheus::start(PrometheusSetup {
        interval: "1s",
        scrape_targets: vec![exporter.target()],
        rules: Some(ERROR_RATIO_RULES),
        alertmanager: Some(alertmanager.address()),
        ..PrometheusSetup::default()
    });
    (exporter, prometheus)
}
