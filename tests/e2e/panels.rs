//! The panels in the real TUI against a real Prometheus with known history: exact values,
//! Prometheus' own words for bad PromQL, the stale marker while it is down and recovery.

use super::support::history::History;
use super::support::promstack::{Prometheus, PrometheusSetup};
use super::support::server::TestServer;
use super::{declare, open_client};

/// Two panels: the default 5xx ratio over the `checkout` service, and one whose PromQL is
/// broken. A 2 s refresh keeps the test short.
pub(super) fn config(prometheus: &str) -> String {
    format!(
        r#"
[prometheus]
url = "{prometheus}"
timeout = "2s"

[[panels]]
title = "5xx error ratio"
expr = 'sum by (endpoint) (rate(http_requests_total{{service="$service",code=~"5.."}}[1m])) / sum by (endpoint) (rate(http_requests_total{{service="$service"}}[1m]))'
unit = "ratio"
warn = 0.015
crit = 0.05
legend = "{{{{endpoint}}}}"
refresh = "2s"
main = true

[[panels]]
title = "Broken"
expr = "sum(rate(http_requests_total[1m]"
refresh = "2s"
"#
    )
}

#[test]
fn panels_show_known_values_go_stale_with_prometheus_and_recover() {
    // The panels ask about the clock's "now": the history goes on past it (as in tests/cli.rs).
    let end = chrono::Utc::now().timestamp().div_euclid(60) * 60 + 600;
    let mut history = History::default();
    history.checkout(end, 2);
    let mut prometheus = Prometheus::start(PrometheusSetup {
        history: Some(&history.openmetrics()),
        ..PrometheusSetup::default()
    });
    let server = TestServer::open();
    declare(&server, "Checkout slow", Some("checkout"));
    let config_file = server.dir().join("config.toml");
    std::fs::write(&config_file, config(&prometheus.url())).unwrap();
    let config_arg = config_file.display().to_string();
    let desk = open_client(&server, "desk", (160, 45), &["--config", &config_arg]);

    // History::checkout is 2% 5xx on /pay and 1% on /search: over and under the warn line.
    let screen = desk.wait_for("the known values", |s| {
        s.contains("/pay 2.00%") && s.contains("/search 1.00%")
    });
    assert!(screen.contains("5xx error ratio · crit 5.00%"), "{screen}");
    desk.wait_for_text("parse error");

    prometheus.stop();
    desk.wait_for_text("stale since");
    // The UI keeps answering while every refresh fails.
    desk.press("?");
    desk.wait_for_text("Keys");
    desk.press("Escape");
    desk.wait_for("help closed", |s| !s.contains("─ Keys ─"));
    let stale = desk.screen();
    assert!(
        stale.contains("/pay 2.00%"),
        "the last data stays on screen:\n{stale}"
    );

    prometheus.restart();
    desk.wait_for("fresh data", |s| {
        !s.contains("stale since") && s.contains("/pay 2.00%")
    });
}

/// A config with nothing but a comment of the user's.
const MINE: &str = "# my war room: keep this line\n";

/// A Prometheus with `checkout`'s traffic labelled by `job` and `status`, a backend with a
/// `checkout` incident, and a config file holding [`MINE`].
fn labelled_by_job() -> (Prometheus, TestServer, std::path::PathBuf) {
    // The traffic goes on for a few minutes past now, as a live service's would: the value
    // beside a chart is the rate at the last 15 s boundary, and a history that stopped a
    // minute ago would show it falling off (`rate` over a window the samples half cover).
    let end = (chrono::Utc::now().timestamp().div_euclid(60) + 3) * 60;
    let mut history = History::default();
    history.checkout_by_job(end, 2);
    let prometheus = Prometheus::start(PrometheusSetup {
        history: Some(&history.openmetrics()),
        ..PrometheusSetup::default()
    });
    let server = TestServer::open();
    declare(&server, "Checkout slow", Some("checkout"));
    let config_file = server.dir().join("config.toml");
    std::fs::write(&config_file, MINE).unwrap();
    (prometheus, server, config_file)
}

#[test]
fn detected_panels_are_written_then_drawn_with_data() {
    let (prometheus, server, config_file) = labelled_by_job();
    let config_arg = config_file.display().to_string();

    let detect = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["panels", "detect", "--write", "--config", &config_arg])
        .args(["--prometheus", &prometheus.url()])
        .output()
        .unwrap();
    assert!(detect.status.success(), "{detect:?}");
    let written = std::fs::read_to_string(&config_file).unwrap();
    assert!(written.starts_with(MINE), "{written}");
    assert!(written.contains(r#"job="$service""#), "{written}");

    let desk = open_client(&server, "desk", (160, 45), &["--config", &config_arg]);
    let screen = desk.wait_for("the detected panels' values", |s| {
        // Each panel answers on its own query, so the wait names a value of every one.
        s.contains("/pay 2.00%")
            && s.contains("/search 1.00%")
            && s.contains("/search 20 req/s")
            && s.contains("p99 475.0 ms")
    });
    assert!(!screen.contains("no data for this query"), "{screen}");
}

#[test]
fn a_first_run_detects_panels_when_the_defaults_draw_nothing() {
    // `job` and `status`: the default panels ask for `service` and `code`, and draw nothing.
    let (prometheus, server, config_file) = labelled_by_job();
    let config_arg = config_file.display().to_string();

    let desk = open_client(
        &server,
        "desk",
        (160, 45),
        &["--config", &config_arg, "--prometheus", &prometheus.url()],
    );
    let screen = desk.wait_for("the detected panels' values", |s| {
        s.contains("/pay 2.00%") && s.contains("/search 1.00%") && s.contains("p99 475.0 ms")
    });
    assert!(
        screen.contains("for this session: `warroom panels detect --write` saves them"),
        "{screen}"
    );
    // Nothing was written behind the user's back.
    assert_eq!(std::fs::read_to_string(&config_file).unwrap(), MINE);
}
