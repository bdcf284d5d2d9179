//! `warroom panels detect` against a real Prometheus 2.42 with backfilled history in the
//! conventions real exporters use: the proposed panels must return the known values.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use chrono::Utc;
use std::process::Command;
use support::history::{CHECKOUT_BUCKETS, CHECKOUT_PAY, CHECKOUT_SEARCH, History};
use support::promstack::{Prometheus, PrometheusSetup};
use warroom::config::ServerConfig;
use warroom::panels::detect::{DetectError, MAX_API_CALLS, detect};
use warroom::panels::validate_panels;
use warroom::prometheus::PrometheusClient;

const SERVICE: &str = "checkout";

/// Where every history ends: the last whole minute, also detection's "now".
fn history_end() -> i64 {
    Utc::now().timestamp().div_euclid(60) * 60
}

/// Two hours before `end`.
fn span(end: i64) -> (i64, i64) {
    (end - 2 * 3_600, end)
}

fn start(history: &History) -> Prometheus {
    Prometheus::start(PrometheusSetup {
        history: Some(&history.openmetrics()),
        ..PrometheusSetup::default()
    })
}

fn client(prometheus: &Prometheus) -> PrometheusClient {
    PrometheusClient::new(&ServerConfig::new(prometheus.url())).expect("a valid config")
}

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0)
}

/// Detects on `history` (for the incident's service `hint`), then checks: one match of
/// `counter` with the service bound to `service_label`, and each proposed panel, queried for the `checkout` service at the
/// history's end, giving `expected` (legend, value) in order.
async fn detects(
    history: History,
    hint: Option<&str>,
    end: i64,
    counter: &str,
    service_label: &str,
    expected: [&[(&str, f64)]; 3],
) {
    let prometheus = start(&history);
    let client = client(&prometheus);
    let detection = detect(&client, hint, end).await.expect("a detection");
    assert!(detection.api_calls <= MAX_API_CALLS, "{detection:?}");
    assert_eq!(detection.proposals.len(), 1, "{detection:?}");
    let proposal = &detection.proposals[0];
    assert_eq!(proposal.convention.requests, counter);
    assert_eq!(proposal.binding.service, Some(service_label));
    assert_eq!(proposal.checked_with.as_deref(), hint);

    let panels = validate_panels(&detection.panels()).expect("valid panels");
    let titles: Vec<_> = panels.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, ["5xx error ratio", "Request rate", "p99 latency"]);
    assert!(panels[0].main);
    assert_eq!(
        (panels[0].thresholds.warn, panels[0].thresholds.crit),
        (Some(0.01), Some(0.05))
    );
    for (panel, expected) in panels.iter().zip(expected) {
        let expr = panel.expr(Some(SERVICE)).unwrap();
        let series = client.query(&expr, Some(end)).await.unwrap();
        let got: Vec<_> = series
            .iter()
            .map(|s| (panel.legend.render(&s.labels), s.current().unwrap()))
            .collect();
        assert_eq!(got.len(), expected.len(), "{}: {got:?}", panel.title);
        for ((legend, value), (want_legend, want)) in got.iter().zip(expected) {
            assert_eq!(legend, want_legend, "{}", panel.title);
            assert!(
                close(*value, *want),
                "{}: {legend} {value} != {want}",
                panel.title
            );
        }
        // An incident of a service without metrics sees nothing; one without a service
        // sees every series: checkout's, and billing's beside them.
        let nobody = panel.expr(Some("nobody")).unwrap();
        assert!(client.query(&nobody, Some(end)).await.unwrap().is_empty());
        let all = panel.expr(None).unwrap();
        let every = client.query(&all, Some(end)).await.unwrap();
        assert!(!every.is_empty(), "{}", panel.title);
        if panel.title != "p99 latency" {
            assert!(every.len() > got.len(), "{}: {every:?}", panel.title);
        }
    }
}

/// The per-route answers for `/pay` and `/search`.
const PER_ROUTE: [&[(&str, f64)]; 3] = [
    &[("/pay", 0.02), ("/search", 0.01)],
    &[("/pay", 10.0), ("/search", 20.0)],
    &[("p99", 0.475)],
];

/// `billing`'s requests, half of them failing, beside checkout's: binding `$service` must
/// keep them apart.
const BILLING: (u64, u64) = (10, 10);

/// An exporter's `counter` for `checkout` (two series, told apart by `parts[0]` and
/// `parts[1]`, with /pay's and /search's traffic) and `billing` (one series, `parts[2]`),
/// labelled by `labels(service, part)`.
fn exporter(
    history: &mut History,
    counter: &str,
    status: (&str, &str, &str),
    parts: [&str; 3],
    labels: impl Fn(&str, &str) -> String,
    end: i64,
) {
    for (part, per_scrape) in parts.into_iter().zip([CHECKOUT_PAY, CHECKOUT_SEARCH]) {
        let labels = labels(SERVICE, part);
        history.requests_as(counter, &labels, status, span(end), move |_| per_scrape);
    }
    let labels = labels("billing", parts[2]);
    history.requests_as(counter, &labels, status, span(end), |_| BILLING);
}

#[tokio::test]
async fn plain_counters_with_code_and_service() {
    let end = history_end();
    let mut history = History::default();
    history.checkout(end, 2);
    history.requests("billing", "/invoice", span(end), |_| BILLING);
    detects(
        history,
        None,
        end,
        "http_requests_total",
        "service",
        PER_ROUTE,
    )
    .await;
}

#[tokio::test]
async fn plain_counters_with_status_and_job() {
    let end = history_end();
    let mut history = History::default();
    history.checkout_by_job(end, 2);
    let billing = r#"job="billing",instance="10.0.0.8:8080",endpoint="/invoice""#;
    let status = ("status", "200", "503");
    history.requests_as("http_requests_total", billing, status, span(end), |_| {
        BILLING
    });
    detects(
        history,
        Some(SERVICE),
        end,
        "http_requests_total",
        "job",
        PER_ROUTE,
    )
    .await;
}

#[tokio::test]
async fn spring_boot_micrometer() {
    let end = history_end();
    let mut history = History::default();
    exporter(
        &mut history,
        "http_server_requests_seconds_count",
        ("status", "200", "500"),
        ["/pay", "/search", "/invoice"],
        |application, uri| {
            format!(
                r#"application="{application}",job="spring",method="GET",outcome="SUCCESS",uri="{uri}""#
            )
        },
        end,
    );
    history.latency_as(
        "http_server_requests_seconds_bucket",
        &format!(r#"application="{SERVICE}",job="spring",uri="/pay""#),
        span(end),
        &CHECKOUT_BUCKETS,
    );
    detects(
        history,
        None,
        end,
        "http_server_requests_seconds_count",
        "application",
        PER_ROUTE,
    )
    .await;
}

#[tokio::test]
async fn istio() {
    let end = history_end();
    let mut history = History::default();
    // Two callers of checkout: 6 failing of 450 requests per scrape in all, 30 req/s.
    exporter(
        &mut history,
        "istio_requests_total",
        ("response_code", "200", "503"),
        ["frontend", "mobile", "frontend"],
        |service, source| {
            format!(
                r#"destination_service_name="{service}",destination_service="{service}.shop.svc.cluster.local",source_workload="{source}",reporter="destination""#
            )
        },
        end,
    );
    let milliseconds = CHECKOUT_BUCKETS.map(|(le, count)| match le {
        "0.1" => ("100", count),
        "0.25" => ("250", count),
        "0.5" => ("500", count),
        "1" => ("1000", count),
        _ => (le, count),
    });
    history.latency_as(
        "istio_request_duration_milliseconds_bucket",
        &format!(r#"destination_service_name="{SERVICE}",reporter="destination""#),
        span(end),
        &milliseconds,
    );
    let expected: [&[(&str, f64)]; 3] = [
        &[(SERVICE, 6.0 / 450.0)],
        &[(SERVICE, 30.0)],
        &[("p99", 0.475)],
    ];
    detects(
        history,
        Some(SERVICE),
        end,
        "istio_requests_total",
        "destination_service_name",
        expected,
    )
    .await;
}

#[tokio::test]
async fn a_prometheus_without_a_known_convention_is_told_what_was_looked_for() {
    let end = history_end();
    let mut history = History::default();
    history.gauge("node_load1", r#"instance="db-1""#, span(end), 0.5);
    // A gRPC status under a familiar name is no HTTP status (and one of them hostile).
    history.requests_as(
        "http_requests_total",
        r#"service="rpc""#,
        ("code", "OK", "Unavail\u{1b}[2Jable"),
        span(end),
        |_| (10, 1),
    );
    let prometheus = start(&history);
    let error = detect(&client(&prometheus), None, end).await.unwrap_err();
    let DetectError::NothingFound { ref passed_over } = error else {
        panic!("{error:?}");
    };
    assert_eq!(passed_over.len(), 1, "{passed_over:?}");
    let message = error.to_string();
    for looked_for in [
        "http_requests_total",
        "code or status or status_code",
        "http_server_requests_seconds_count",
        "istio_requests_total",
        "nginx_ingress_controller_requests",
        "traefik_service_requests_total",
        "envoy_cluster_upstream_rq_xx",
        "its code label holds no HTTP status (OK, Unavail\u{1b}[2Jable)",
    ] {
        assert!(message.contains(looked_for), "{looked_for}: {message}");
    }

    // The command says the same and exits 1, printing no panel.
    let output = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["panels", "detect", "--prometheus", &prometheus.url()])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Looked for:"), "{stderr}");
    // The label value reaches the terminal inert.
    assert!(
        stderr.contains("(OK, Unavail\u{FFFD}[2Jable)") && !stderr.contains('\u{1b}'),
        "{stderr}"
    );
}

#[test]
fn the_command_prints_panels_and_writes_them_keeping_comments() {
    let end = history_end();
    let mut history = History::default();
    history.checkout(end, 2);
    let prometheus = start(&history);
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(["panels", "detect", "--prometheus", &prometheus.url()])
            .args(args)
            .env("XDG_CONFIG_HOME", dir.path())
            .output()
            .unwrap()
    };
    let printed = run(&[]);
    assert!(printed.status.success(), "{printed:?}");
    let toml_text = String::from_utf8(printed.stdout).unwrap();
    assert!(toml_text.contains("[[panels]]"), "{toml_text}");
    assert!(
        toml_text.contains(r#"$service is the `service` label (seen: "checkout")"#),
        "{toml_text}"
    );
    let stderr = String::from_utf8_lossy(&printed.stderr);
    assert!(stderr.contains("API calls"), "{stderr}");

    let config = dir.path().join("mine.toml");
    let mine = "# my war room\n[backend]\nurl = \"http://127.0.0.1:7700\" # the shared one\n";
    std::fs::write(&config, mine).unwrap();
    let written = run(&["--write", "--config", &config.display().to_string()]);
    assert!(written.status.success(), "{written:?}");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.starts_with(mine), "{text}");
    let loaded = warroom::config::Config::parse(&text, "mine.toml").unwrap();
    assert_eq!(loaded.panels.len(), 3);
    assert_eq!(loaded.prometheus.unwrap().url, prometheus.url());

    // A second --write changes nothing and says why.
    let again = run(&["--write", "--config", &config.display().to_string()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has [[panels]]"));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
}

#[tokio::test]
async fn a_prometheus_that_scraped_once_proposes_panels_and_says_how_much_it_saw() {
    // Scraped every 10 s: after the first scrape, ten seconds with one sample per series,
    // too few for any rate.
    let exporter = support::exporter::Exporter::start();
    let prometheus = Prometheus::start(PrometheusSetup {
        interval: "10s",
        scrape_targets: vec![exporter.target()],
        ..PrometheusSetup::default()
    });
    let client = client(&prometheus);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while client.query("up", None).await.unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no scrape in 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Detection's clock is in whole seconds: wait until a whole second is past the scrape's
    // own time (its sample's timestamp), polled.
    let scraped = client.query("max(timestamp(up))", None).await.unwrap()[0]
        .current()
        .expect("the scrape's time");
    while (Utc::now().timestamp() as f64) <= scraped {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let now = Utc::now().timestamp();
    let rate = client
        .query("rate(http_requests_total[1m])", Some(now))
        .await
        .unwrap();
    assert!(rate.is_empty(), "already two scrapes: {rate:?}");

    let detection = detect(&client, None, now)
        .await
        .expect("panels, not nothing");
    let proposal = &detection.proposals[0];
    assert_eq!(proposal.convention.requests, "http_requests_total");
    let titles: Vec<_> = proposal.panels.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, ["5xx error ratio", "Request rate", "p99 latency"]);
    assert!(
        proposal.notes.iter().any(|note| note.starts_with(
            "Prometheus holds only 1 sample per series of http_requests_total so far"
        )),
        "{:?}",
        proposal.notes
    );
    assert!(detection.api_calls <= MAX_API_CALLS, "{detection:?}");
}
