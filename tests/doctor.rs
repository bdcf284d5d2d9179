//! `warroom doctor` against a real backend, Prometheus and Alertmanager: a working setup has
//! no problem, and each broken piece (a URL nothing answers, a viewer's token, no receiver
//! for the backend, a broken config) is named with its fix and exits 1.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use std::process::{Command, Output};
use std::time::{Duration, Instant};
use support::exporter::{Exporter, alerting_prometheus};
use support::promstack::{Alertmanager, Prometheus, free_port};
use support::server::{TOKENS, TestServer};
use warroom::cli::setup::snippet::alertmanager_yml;

struct Stack {
    _exporter: Exporter,
    prometheus: Prometheus,
    alertmanager: Alertmanager,
    backend: TestServer,
    dir: tempfile::TempDir,
}

/// A working setup: Prometheus scraping a service with a rule on it and sending to an
/// Alertmanager whose receiver posts to the backend with a commander's token.
fn stack() -> Stack {
    let backend = TestServer::with_tokens(TOKENS);
    let alertmanager = Alertmanager::start("http://127.0.0.1:9/nobody");
    alertmanager.reconfigure(&alertmanager_yml(
        backend.base(),
        Some("commander-token"),
        None,
    ));
    let (exporter, prometheus) = alerting_prometheus(&alertmanager);
    // Prometheus finds its Alertmanager a moment after it starts.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !get(&format!("{}/api/v1/alertmanagers", prometheus.url())).contains("/api/v2/alerts") {
        assert!(
            Instant::now() < deadline,
            "Prometheus found no Alertmanager"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    Stack {
        _exporter: exporter,
        prometheus,
        alertmanager,
        backend,
        dir: tempfile::tempdir().unwrap(),
    }
}

fn get(url: &str) -> String {
    let output = Command::new("curl")
        .args(["-sf", url])
        .output()
        .expect("curl");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `warroom doctor` with a config of these URLs and token.
fn doctor(stack: &Stack, backend: &str, token: &str) -> (String, Option<i32>) {
    let config = format!(
        "[backend]\nurl = {backend:?}\ntoken = {token:?}\n\n[prometheus]\nurl = {:?}\n\n\
         [alertmanager]\nurl = {:?}\n",
        stack.prometheus.url(),
        stack.alertmanager.url()
    );
    run_doctor(stack, &config)
}

fn run_doctor(stack: &Stack, config: &str) -> (String, Option<i32>) {
    let file = stack.dir.path().join("config.toml");
    std::fs::write(&file, config).unwrap();
    let output: Output = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["doctor", "--config"])
        .arg(&file)
        .env_remove("WARROOM_BACKEND")
        .env_remove("WARROOM_TOKEN")
        .env_remove("WARROOM_PROMETHEUS")
        .env_remove("WARROOM_ALERTMANAGER")
        .output()
        .expect("run warroom doctor");
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    (report, output.status.code())
}

/// The report's problem lines.
fn problems(report: &str) -> Vec<&str> {
    report
        .lines()
        .filter(|line| line.starts_with("PROBLEM"))
        .collect()
}

#[test]
fn a_working_setup_has_no_problem() {
    let stack = stack();
    let (report, code) = doctor(&stack, stack.backend.base(), "commander-token");
    assert_eq!(code, Some(0), "{report}");
    assert!(report.ends_with("No problems found.\n"), "{report}");
    for line in [
        "you are carol (commander)",
        "ok       clock        within 5 s of the backend's",
        "ok       rules        alerting rules on the panels' metrics: HighErrorRatio",
        "ok       alerts       Prometheus sends its alerts to",
        "ok       pages        Alertmanager's receiver \"warroom\" sends pages to",
    ] {
        assert!(report.contains(line), "{line:?} missing:\n{report}");
    }
}

#[test]
fn a_url_nothing_answers_is_named_with_its_fix() {
    let stack = stack();
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let (report, code) = doctor(&stack, &nowhere, "commander-token");
    assert_eq!(code, Some(1), "{report}");
    let problems = problems(&report);
    assert_eq!(problems.len(), 1, "{report}");
    assert!(
        problems[0].starts_with(&format!(
            "PROBLEM  backend      {nowhere} does not answer: "
        )),
        "{report}"
    );
    assert!(
        report.contains("fix: start `warroom serve` there, or correct [backend] url"),
        "{report}"
    );
}

#[test]
fn a_viewers_token_is_named_with_its_fix() {
    let stack = stack();
    let (report, code) = doctor(&stack, stack.backend.base(), "viewer-token");
    assert_eq!(code, Some(1), "{report}");
    let problems = problems(&report);
    assert_eq!(problems.len(), 1, "{report}");
    assert!(
        problems[0].starts_with("PROBLEM  token") && problems[0].contains("wally's, a viewer"),
        "{report}"
    );
    assert!(
        report.contains("fix: use a responder or commander token"),
        "{report}"
    );
}

#[test]
fn an_alertmanager_without_a_receiver_for_the_backend_is_named_with_the_snippet() {
    let stack = stack();
    // Alertmanager as most are found: routing somewhere else.
    stack.alertmanager.reconfigure(
        "route:\n  receiver: team\nreceivers:\n  - name: team\n    webhook_configs:\n      \
         - url: http://127.0.0.1:9/team\n",
    );
    let (report, code) = doctor(&stack, stack.backend.base(), "commander-token");
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(
        problems(&report),
        [format!(
            "PROBLEM  pages        no receiver of Alertmanager sends pages to {}/v1/alertmanager (receivers: team)",
            stack.backend.base()
        )],
        "{report}"
    );
    // The fix is the configuration to apply, with the token.
    assert!(
        report.contains("credentials: \"commander-token\""),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "curl -X POST {}/-/reload",
            stack.alertmanager.url()
        )),
        "{report}"
    );

    // A receiver that posts here but that no route uses is no better, and says so.
    stack.alertmanager.reconfigure(&format!(
        "route:\n  receiver: team\nreceivers:\n  - name: team\n  - name: warroom\n    \
         webhook_configs:\n      - url: {}/v1/alertmanager\n",
        stack.backend.base()
    ));
    let (report, code) = doctor(&stack, stack.backend.base(), "commander-token");
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains("receiver \"warroom\" posts to")
            && report.contains("but no route sends alerts to it"),
        "{report}"
    );
}

#[test]
fn a_broken_config_is_reported_and_the_rest_still_checked() {
    let stack = stack();
    let config = format!(
        "[backend]\nurl = {:?}\ntoken = \"commander-token\"\ntimeout_secs = \"ten\"\n",
        stack.backend.base()
    );
    let (report, code) = run_doctor(&stack, &config);
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains("PROBLEM  config") && report.contains("backend.timeout_secs"),
        "{report}"
    );
    assert!(
        report.contains("warn     prometheus   none configured"),
        "{report}"
    );
}
