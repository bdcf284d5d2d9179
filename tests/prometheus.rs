//! Panels, alerts and impact evidence against a real Prometheus 2.42 and Alertmanager 0.25,
//! started on loopback by `support::promstack`. Without the servers these tests fail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use chrono::{DateTime, Utc};
use serde_json::json;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;
use support::eventually::eventually;
use support::exporter::alerting_prometheus;
use support::history::History;
use support::promstack::{Alertmanager, Prometheus, PrometheusSetup, free_port};
use support::tinyhttp;
use warroom::config::{BasicAuth, ServerConfig, default_panels};
use warroom::domain::{AlertSeverity, AlertState, Severity};
use warroom::panels::impact::{Quiet, propose_impact_start, resolve_evidence};
use warroom::panels::{Panel, PanelData, PanelState, validate_panels};
use warroom::prometheus::{AlertmanagerClient, Error, PrometheusClient, RangeWindow, Series};
use warroom::secret::Secret;

const HOUR: i64 = 3_600;

/// Where every backfilled history ends: the last whole minute. Windows are computed from
/// this time, not the clock, so they are covered by data however long the test runs.
fn history_end() -> i64 {
    Utc::now().timestamp().div_euclid(60) * 60
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).expect("a representable time")
}

fn client(prometheus: &Prometheus) -> PrometheusClient {
    PrometheusClient::new(&ServerConfig::new(prometheus.url())).expect("a valid config")
}

/// An instant query through a client built from `config`.
async fn query(config: &ServerConfig, expr: &str) -> Result<Vec<Series>, Error> {
    let client = PrometheusClient::new(config).expect("a valid config");
    client.query(expr, None).await
}

/// The default panels: 5xx ratio (main), request rate, p99 latency.
fn panels() -> Vec<Panel> {
    validate_panels(&default_panels()).expect("the defaults are valid")
}

fn start_with(history: &History) -> Prometheus {
    Prometheus::start(PrometheusSetup {
        history: Some(&history.openmetrics()),
        ..PrometheusSetup::default()
    })
}

/// Rates divide extrapolated increases, so "exact" means to the last few bits.
fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0)
}

#[tokio::test]
async fn known_history_gives_known_series_current_values_and_steps() {
    let end = history_end();
    let mut history = History::default();
    history.checkout(end, 26);
    let prometheus = start_with(&history);
    let client = client(&prometheus);
    let panels = panels();
    // What `History::checkout` was built to give, per default panel.
    let expected: [&[(&str, f64)]; 3] = [
        &[("/pay", 0.02), ("/search", 0.01)],
        &[("/pay", 10.0), ("/search", 20.0)],
        &[("p99", 0.475)],
    ];

    // The step values themselves are pinned by the unit tests of `step`; here Prometheus
    // must return exactly the points the window promises, two per column at most.
    for (columns, hours) in [80, 120, 200]
        .into_iter()
        .flat_map(|c| [(c, 1), (c, 6), (c, 24)])
    {
        let range = Duration::from_secs(hours * 3600);
        let window = RangeWindow::for_width(range, columns, at(end));
        let points = window.points();
        let case = format!("{columns} columns over {hours}h, step {:?}", window.step);
        assert!(points <= u64::from(columns) * 2, "{case}");
        for (panel, expected) in panels.iter().zip(expected) {
            let expr = panel.expr(Some("checkout")).unwrap();
            let series = client.query_range(&expr, &window).await.unwrap();
            let names: Vec<_> = series
                .iter()
                .map(|s| panel.legend.render(&s.labels))
                .collect();
            let expected_names: Vec<_> = expected.iter().map(|(name, _)| *name).collect();
            assert_eq!(names, expected_names, "{}, {case}", panel.title);
            for (s, &(name, value)) in series.iter().zip(expected) {
                assert_eq!(s.points.len() as u64, points, "{name}, {case}");
                assert_eq!(s.points[0].0, window.start as f64, "{name}, {case}");
                assert_eq!(
                    s.points[s.points.len() - 1].0,
                    window.end as f64,
                    "{name}, {case}"
                );
                assert!(
                    s.points.iter().all(|&(_, v)| close(v, value)),
                    "{name}, {case}: {:?}",
                    s.points.iter().find(|&&(_, v)| !close(v, value))
                );
                assert!(close(s.current().unwrap(), value), "{name}, {case}");
            }
        }
    }

    // An instant query at the history's end reads the same current values.
    let now = client
        .query(&panels[0].expr(Some("checkout")).unwrap(), Some(end))
        .await
        .unwrap();
    let current: Vec<_> = now.iter().map(|s| s.current().unwrap()).collect();
    assert!(
        close(current[0], 0.02) && close(current[1], 0.01),
        "{current:?}"
    );
}

#[tokio::test]
async fn impact_start_is_the_first_sample_of_the_ongoing_breach() {
    let end = history_end();
    // Service `payments`: 0.5% 5xx, except 25% from 2 h to 1h30 ago (an earlier,
    // recovered episode) and 25% again from 40 minutes ago to now.
    let breach = end - 40 * 60;
    let earlier = (end - 2 * HOUR)..(end - 90 * 60);
    let mut history = History::default();
    history.requests("payments", "/pay", (end - 4 * HOUR, end), |t| {
        if t >= breach || earlier.contains(&t) {
            (150, 50)
        } else {
            (199, 1)
        }
    });
    let prometheus = start_with(&history);
    let panels = panels();
    let main = panels.iter().find(|p| p.main).unwrap();
    assert_eq!(main.thresholds.breach(), Some(0.01));

    let lookback = Duration::from_secs(3 * 3600);
    let window = RangeWindow::for_width(lookback, 200, at(end));
    assert_eq!(window.step, Duration::from_secs(30));
    let expr = main.expr(Some("payments")).unwrap();
    let series = client(&prometheus)
        .query_range(&expr, &window)
        .await
        .unwrap();
    let start = propose_impact_start(main, &series, at(end), lookback).expect("a breach");

    assert_eq!(start.breach.at, at(breach));
    assert_eq!(start.breach.series, "/pay");
    assert!(!start.at_window_start);
    // Prometheus 2.42's [1m] window holds both ends: 3 quiet intervals and 1 failing.
    assert!(
        close(start.breach.value, 53.0 / 800.0),
        "{}",
        start.breach.value
    );

    // Still breaching: not quiet, and the snapshot has the worst and the current value.
    let evidence = resolve_evidence(
        main,
        &series,
        &window,
        at(end),
        Duration::from_secs(600),
        Some(start.breach.at),
    );
    assert!(
        matches!(evidence.quiet, Quiet::No(ref b) if b.at == at(end)),
        "{:?}",
        evidence.quiet
    );
    let pay = &evidence.snapshot[0];
    assert_eq!(pay.series, "/pay");
    assert!(
        close(pay.before.unwrap(), 0.25) && close(pay.after.unwrap(), 0.25),
        "{pay:?}"
    );
}

#[tokio::test]
async fn bad_promql_keeps_prometheus_own_message() {
    let prometheus = Prometheus::start(PrometheusSetup::default());
    let client = client(&prometheus);

    let error = client
        .query("sum(rate(http_requests_total[1m])", None)
        .await
        .unwrap_err();
    let Error::BadQuery {
        error_type,
        message,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(error_type, "bad_data");
    assert!(message.contains("parse error"), "{message}");
    let mut state = PanelState::default();
    state.begin_refresh();
    state.failed(error.clone(), Utc::now());
    assert_eq!(
        state.error().unwrap().to_string(),
        *message,
        "shown verbatim"
    );

    // Too many points is refused the same way, in Prometheus' words.
    let end = history_end();
    let too_fine = RangeWindow {
        start: end - 24 * HOUR,
        end,
        step: Duration::from_secs(1),
    };
    let error = client.query_range("up", &too_fine).await.unwrap_err();
    assert!(
        matches!(&error, Error::BadQuery { message, .. } if message.contains("11,000 points")),
        "{error:?}"
    );

    // A URL that is not the API is an HTTP error, not a bad query.
    let elsewhere = ServerConfig::new(format!("{}/nothing-here", prometheus.url()));
    let error = query(&elsewhere, "up").await.unwrap_err();
    assert!(
        matches!(error, Error::Http { status: 404, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_stopped_prometheus_leaves_stale_data_and_a_restart_clears_it() {
    let end = history_end();
    let mut history = History::default();
    history.requests("checkout", "/pay", (end - 2 * HOUR, end), |_| (147, 3));
    let mut prometheus = start_with(&history);
    let client = client(&prometheus);
    let panel = &panels()[0];
    let expr = panel.expr(Some("checkout")).unwrap();
    let window = RangeWindow::for_width(Duration::from_secs(3600), 80, at(end));
    let refresh = async |state: &mut PanelState, now| {
        assert!(state.begin_refresh(), "one request at a time");
        match client.query_range(&expr, &window).await {
            Ok(series) => state.succeeded(PanelData {
                series,
                window,
                fetched_at: now,
            }),
            Err(error) => state.failed(error, now),
        }
    };

    let mut state = PanelState::default();
    refresh(&mut state, at(end)).await;
    let fresh = state.data().cloned().expect("data");
    assert!(close(fresh.series[0].current().unwrap(), 0.02));

    prometheus.stop();
    refresh(&mut state, at(end + 15)).await;
    refresh(&mut state, at(end + 30)).await;
    assert!(
        matches!(state.error(), Some(Error::Unreachable { .. })),
        "{:?}",
        state.error()
    );
    assert_eq!(state.data(), Some(&fresh), "the last data stays");
    assert_eq!(
        state.stale_since(),
        Some(at(end + 15)),
        "since the first failure"
    );

    prometheus.restart();
    refresh(&mut state, at(end + 45)).await;
    assert_eq!(state.stale_since(), None);
    assert_eq!(state.error(), None);
    assert_eq!(state.data().unwrap().fetched_at, at(end + 45));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_rather_than_hangs() {
    // The kernel accepts connections on a listening socket nobody reads from.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let config = ServerConfig {
        timeout: "1s".into(),
        ..ServerConfig::new(format!("http://{}", silent.local_addr().unwrap()))
    };
    // The silent server never answers, so an answer at all is the timeout's doing; the outer
    // bound only ends a hang.
    let error = tokio::time::timeout(Duration::from_secs(30), query(&config, "up"))
        .await
        .expect("the query gave up on its own rather than hung")
        .unwrap_err();
    assert!(
        matches!(error, Error::Timeout { timeout, .. } if timeout == Duration::from_secs(1)),
        "{error:?}"
    );
}

#[tokio::test]
async fn tls_with_a_custom_ca_and_basic_auth() {
    let tls = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
    // bcrypt of "s3cret" (cost 4): Prometheus' web config takes only hashes.
    let hash = "$2b$04$usvlFq5KZCuPTHZigoJKYO0UEl1ZcIi9TXw5aKC55oNi8aPcJHQLq";
    let web_config = format!(
        "tls_server_config:\n  cert_file: {:?}\n  key_file: {:?}\nbasic_auth_users:\n  warroom: {hash:?}\n",
        tls.join("server.pem"),
        tls.join("server-key.pem"),
    );
    let prometheus = Prometheus::start(PrometheusSetup {
        web_config: Some(web_config),
        ..PrometheusSetup::default()
    });
    assert!(prometheus.url().starts_with("https://"));
    let auth = |password: &str| {
        Some(BasicAuth {
            user: "warroom".into(),
            password: Secret::new(password),
        })
    };
    let config = ServerConfig {
        basic_auth: auth("s3cret"),
        ca_file: Some(tls.join("ca.pem")),
        ..ServerConfig::new(prometheus.url())
    };
    let series = query(&config, "1 + 1").await.unwrap();
    assert_eq!(series[0].current(), Some(2.0));

    let untrusted = ServerConfig {
        ca_file: None,
        ..config.clone()
    };
    let error = query(&untrusted, "1 + 1").await.unwrap_err();
    assert!(
        matches!(&error, Error::Unreachable { reason, .. } if reason.contains("certificate")),
        "{error:?}"
    );

    let wrong = ServerConfig {
        basic_auth: auth("guess"),
        ..config
    };
    let error = query(&wrong, "1 + 1").await.unwrap_err();
    assert!(
        matches!(error, Error::Http { status: 401, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn bearer_token_and_extra_headers_are_sent() {
    // Prometheus checks neither, so a listener shows what the client sent.
    let (sent, heads) = mpsc::channel();
    let peer = tinyhttp::serve("application/json", move |request| {
        let _ = sent.send(request.head);
        r#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#.into()
    });
    let config = ServerConfig {
        bearer_token: Some(Secret::new("t0k3n")),
        headers: [("X-Scope-OrgID".to_string(), "team-a".to_string())].into(),
        ..ServerConfig::new(format!("http://{peer}"))
    };
    let series = query(&config, "1").await.unwrap();
    assert_eq!(series[0].current(), Some(1.0));
    let head = heads
        .recv_timeout(Duration::from_secs(5))
        .unwrap()
        .to_lowercase();
    assert!(
        head.contains("\r\nauthorization: bearer t0k3n\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nx-scope-orgid: team-a\r\n"), "{head}");
}

#[tokio::test]
async fn alertmanager_lists_active_alerts_but_not_silenced_ones() {
    // Nobody listens on the webhook: this test is about the list, not notifications.
    let alertmanager =
        Alertmanager::start(&format!("http://127.0.0.1:{}/v1/alertmanager", free_port()));
    let http = support::http::client();
    let now = Utc::now();
    // Whole seconds: Alertmanager keeps milliseconds.
    let starts_at = at(now.timestamp() - 300);
    let ends_at = now + chrono::Duration::hours(1);
    let alerts = json!([
        {
            "labels": {"alertname": "HighErrorRatio", "service": "checkout", "severity": "critical"},
            "annotations": {"summary": "5xx above 5% on /pay"},
            "startsAt": starts_at, "endsAt": ends_at,
            "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        },
        {
            "labels": {"alertname": "DiskFull", "severity": "warning"},
            "annotations": {"summary": "disk 95% full"},
            "startsAt": starts_at, "endsAt": ends_at,
        },
    ]);
    let silence = json!({
        "matchers": [{"name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true}],
        "startsAt": now, "endsAt": ends_at, "createdBy": "test", "comment": "known, being fixed",
    });
    for (path, body) in [("alerts", alerts), ("silences", silence)] {
        let url = format!("{}/api/v2/{path}", alertmanager.url());
        let response = http.post(url).json(&body).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }

    let listed = AlertmanagerClient::new(&ServerConfig::new(alertmanager.url()))
        .unwrap()
        .alerts()
        .await
        .unwrap();
    assert_eq!(
        listed.len(),
        1,
        "the silenced alert is left out: {listed:?}"
    );
    let alert = &listed[0];
    assert_eq!(alert.name(), "HighErrorRatio");
    assert_eq!(alert.title(), "5xx above 5% on /pay");
    assert_eq!(alert.labels["service"], "checkout");
    assert_eq!(alert.state, AlertState::Firing);
    assert_eq!(alert.since, starts_at);
    assert!(alert.fingerprint.is_some());
    assert_eq!(
        alert.generator_url.as_deref(),
        Some("http://prometheus:9090/graph?g0.expr=up")
    );
    let severity = AlertSeverity::default().severity_for(&alert.labels);
    assert_eq!(severity, Severity::new("P0"));
}

/// A live pipeline step takes seconds; a minute is a failure, not slowness.
const LIVE_STEP: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_live_exporter_makes_a_real_rule_fire_through_to_the_webhook() {
    let (posted, webhooks) = mpsc::channel();
    let webhook = tinyhttp::serve("text/plain", move |request| {
        let _ = posted.send(request.body);
        String::new()
    });
    let alertmanager = Alertmanager::start(&format!("http://{webhook}/v1/alertmanager"));
    let (exporter, prometheus) = alerting_prometheus(&alertmanager);
    let client = client(&prometheus);

    eventually("the first scrape", LIVE_STEP, async || {
        let up = client.query(r#"up{job="app"} == 1"#, None).await.ok()?;
        (!up.is_empty()).then_some(())
    })
    .await;
    exporter.raise_errors();
    let raised = Utc::now();

    let fired = eventually("the rule to fire in Prometheus", LIVE_STEP, async || {
        let alerts = client.alerts().await.ok()?;
        alerts.into_iter().find(|a| a.state == AlertState::Firing)
    })
    .await;
    assert_eq!(fired.name(), "HighErrorRatio");
    assert_eq!(fired.title(), "5xx ratio above 5% on /pay");
    assert!(
        fired.since >= raised - chrono::Duration::seconds(1),
        "{fired:?}"
    );

    let alertmanager_client =
        AlertmanagerClient::new(&ServerConfig::new(alertmanager.url())).unwrap();
    let routed = eventually("the alert in Alertmanager", LIVE_STEP, async || {
        let alerts = alertmanager_client.alerts().await.ok()?;
        alerts.into_iter().find(|a| a.name() == "HighErrorRatio")
    })
    .await;
    assert_eq!(routed.state, AlertState::Firing);
    assert_eq!(routed.labels["endpoint"], "/pay");
    assert_eq!(
        AlertSeverity::default().severity_for(&routed.labels),
        Severity::new("P0")
    );

    // A version 4 webhook of the firing group: what `warroom serve` receives (followed
    // through the backend in tests/alertmanager.rs).
    let body = webhooks
        .recv_timeout(Duration::from_secs(30))
        .expect("a webhook");
    let payload: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(payload["version"], "4");
    assert_eq!(payload["status"], "firing");
    assert_eq!(
        payload["alerts"][0]["labels"]["alertname"],
        "HighErrorRatio"
    );
}
