//! Issue 20's evidence at the metrics' own resolution, with the real binary at 80, 120 and
//! 200 columns against a real Prometheus: a breach that begins between two chart steps, and
//! a one-scrape peak no chart step lands on. The chart's step at 6 h is 5 min, 2 min and
//! 1 min at these widths; the impact start and the resolve snapshot must not care.

use super::support::history::{History, SCRAPE};
use super::support::promstack::{Prometheus, PrometheusSetup};
use super::support::server::TestServer;
use super::support::tmux::Tmux;
use super::{declare, events, open_client};
use chrono::{DateTime, NaiveDateTime, Utc};
use std::time::{Duration, Instant};

/// The main panel reads a gauge, so that every 15 s sample is the panel's value at that
/// moment exactly: the true start and the true peak are known to the sample.
fn config(prometheus: &str) -> String {
    format!(
        r#"
[prometheus]
url = "{prometheus}"
timeout = "5s"

[[panels]]
title = "Payment errors"
expr = 'payments_error_ratio{{service="$service"}}'
unit = "ratio"
warn = 0.01
crit = 0.05
legend = "{{{{endpoint}}}}"
range = "6h"
main = true
"#
    )
}

/// The breach: 0.2% until `start`, then 2% and rising to 4.55%, one sample of 5.27% at
/// `peak`, and 3% after it, up to `end`.
struct Breach {
    /// The last sample: Prometheus keeps serving it for five minutes after.
    end: i64,
    start: i64,
    peak: i64,
}

impl Breach {
    fn new() -> Breach {
        let now = Utc::now().timestamp();
        // A whole five minutes, a boundary of every chart step (1, 2 and 5 min).
        let boundary = now.div_euclid(300) * 300;
        Breach {
            end: now.div_euclid(SCRAPE) * SCRAPE,
            // 15 s past a five-minute boundary: 15 s past every chart step's boundary.
            start: boundary - 20 * 60 + SCRAPE,
            // 45 s past a minute, and not on a 2-minute boundary either.
            peak: boundary - 10 * 60 + 3 * SCRAPE,
        }
    }

    fn value(&self, t: i64) -> f64 {
        if t < self.start {
            0.002
        } else if t == self.peak {
            0.0527
        } else if t < self.peak - 2 * 60 {
            0.02
        } else if t < self.peak + 2 * 60 {
            0.0455
        } else {
            0.03
        }
    }

    fn history(&self) -> History {
        let mut history = History::default();
        history.gauge_over(
            "payments_error_ratio",
            r#"service="payments",endpoint="/pay""#,
            (self.end - 3 * 3600, self.end),
            |t| self.value(t),
        );
        history
    }
}

/// The time in "Impact on INC-1 started at 2026-12-06 13:48:15 UTC?".
fn proposed_start(screen: &str) -> DateTime<Utc> {
    let text = screen
        .split("started at ")
        .nth(1)
        .and_then(|rest| rest.get(..19))
        .unwrap_or_else(|| panic!("no proposal on screen:\n{screen}"));
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .unwrap_or_else(|e| panic!("{text:?}: {e}\n{screen}"))
        .and_utc()
}

/// INC-1's log once it holds an event of `kind`.
fn wait_for_event(server: &TestServer, kind: &str) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = events(server, "INC-1");
        if log.iter().any(|e| e["kind"]["type"] == kind) {
            return log;
        }
        assert!(
            Instant::now() < deadline,
            "no {kind} in INC-1's log: {log:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Presses `I` until the proposal is on screen. "3.00%" beside the chart may come from the
/// chart's own query before the evidence query answers; until then the desk says the
/// evidence has not arrived, and `I` is pressed again. "No breach" fails at once.
fn ask_for_the_impact_start(desk: &Tmux) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        desk.press("I");
        let screen = desk.wait_for("an answer to I", |screen| {
            screen.contains("Impact on INC-1 started at")
                || screen.contains("evidence has not arrived yet")
                || screen.contains("no threshold breach")
        });
        if screen.contains("Impact on INC-1 started at") {
            return screen;
        }
        assert!(
            !screen.contains("no threshold breach") && Instant::now() < deadline,
            "no proposal:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn impact_start_and_resolve_peak_do_not_depend_on_the_width() {
    let breach = Breach::new();
    let prometheus = Prometheus::start(PrometheusSetup {
        history: Some(&breach.history().openmetrics()),
        ..PrometheusSetup::default()
    });
    for columns in [80, 120, 200] {
        let server = TestServer::open();
        declare(&server, "Payments failing", Some("payments"));
        let config_file = server.dir().join("config.toml");
        std::fs::write(&config_file, config(&prometheus.url())).unwrap();
        let config_arg = config_file.display().to_string();
        let name = format!("desk{columns}");
        let desk = open_client(&server, &name, (columns, 40), &["--config", &config_arg]);
        // The value beside the chart is the breach's last value. At 80 columns the panes
        // come one at a time: Tab brings the metrics.
        if columns < 120 {
            desk.wait_for_text("(tab switches)");
            for _ in 0..4 {
                if desk.screen().contains("Payment errors") {
                    break;
                }
                desk.press("Tab");
                std::thread::sleep(Duration::from_millis(300));
            }
        }
        desk.wait_for_text("3.00%");

        let screen = ask_for_the_impact_start(&desk);
        let proposed = proposed_start(&screen);
        let late = proposed.timestamp() - breach.start;
        assert!(
            (0..=SCRAPE).contains(&late),
            "{columns} columns: proposed {proposed}, {late} s after the true start\n{screen}"
        );
        desk.press("y");
        wait_for_event(&server, "impact_start_set");

        desk.press("r");
        let screen = desk.wait_for_text("Resolve INC-1");
        // Still over the line: the verdict says so, at the breach's last value.
        assert!(screen.contains("CAUTION"), "{columns} columns:\n{screen}");
        desk.press("y");
        desk.wait_for_text("RESOLVED");

        let log = wait_for_event(&server, "metric_snapshot");
        let set = log
            .iter()
            .find(|e| e["kind"]["type"] == "impact_start_set")
            .expect("the impact start was recorded");
        assert_eq!(
            set["kind"]["at"]
                .as_str()
                .map(|at| at.parse::<DateTime<Utc>>().unwrap()),
            Some(proposed),
            "{columns} columns"
        );
        let snapshot = &log
            .iter()
            .find(|e| e["kind"]["type"] == "metric_snapshot")
            .unwrap()["kind"];
        assert_eq!(snapshot["reason"], "resolve");
        let pay = &snapshot["values"][0];
        assert_eq!(pay["series"], "/pay", "{snapshot}");
        // The true peak, one sample that no chart step at these widths lands on.
        assert_eq!(pay["before"], "5.27%", "{columns} columns: {snapshot}");
        assert_eq!(pay["value"], "3.00%", "{columns} columns: {snapshot}");
        // As of the evidence query's newest step: at most one step before the resolve.
        let as_of: DateTime<Utc> = snapshot["as_of"].as_str().unwrap().parse().unwrap();
        let resolved_at: DateTime<Utc> =
            log.last().unwrap()["at"].as_str().unwrap().parse().unwrap();
        let age = (resolved_at - as_of).num_seconds();
        assert!(
            (0..=2 * SCRAPE).contains(&age),
            "{columns} columns: as of {as_of}, resolved {resolved_at}"
        );
        desk.press("q");
        desk.wait_for_text("[exited]");
    }
}
