//! `warroom setup` as a new user runs it, against a real backend, a real Prometheus (two hours
//! of a service's history, then its live exporter) and a real Alertmanager: from an empty XDG
//! directory to a war room with live panels, their thresholds and firing alerts, and a page
//! from Alertmanager opening an incident once the printed configuration is applied.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use support::exporter::{ERROR_RATIO_RULES, Exporter};
use support::history::{CHECKOUT_BUCKETS, History};
use support::promstack::{Alertmanager, Prometheus, PrometheusSetup};
use support::server::{TOKENS, TestServer};
use support::tmux::Tmux;

/// The live exporter's service.
const SERVICE: &str = "live";

/// Everything a setup talks to.
struct Stack {
    exporter: Exporter,
    prometheus: Prometheus,
    alertmanager: Alertmanager,
    backend: TestServer,
}

/// A Prometheus that already has data: two hours of `live`'s history (2% of requests
/// failing, a p99 of 0.475 s), then its exporter scraped every second, the error-ratio rule
/// sending to an Alertmanager that pages nobody yet (its webhook goes nowhere).
fn stack() -> Stack {
    let end = chrono::Utc::now().timestamp() - 60;
    let span = (end - 2 * 3_600, end);
    let mut history = History::default();
    // Per 15 s scrape: 1,470 good and 30 failing requests (100 req/s, 2% failing).
    history.requests(SERVICE, "/pay", span, |_| (1_470, 30));
    history.latency(SERVICE, span, &CHECKOUT_BUCKETS);
    let alertmanager = Alertmanager::start("http://127.0.0.1:9/nobody");
    let exporter = Exporter::start();
    let prometheus = Prometheus::start(PrometheusSetup {
        history: Some(&history.openmetrics()),
        interval: "1s",
        scrape_targets: vec![exporter.target()],
        rules: Some(ERROR_RATIO_RULES),
        alertmanager: Some(alertmanager.address()),
        ..PrometheusSetup::default()
    });
    wait_until(
        "Prometheus to scrape the exporter",
        Duration::from_secs(30),
        || query(&prometheus, "rate(http_requests_total[1m])").contains("\"value\""),
    );
    Stack {
        exporter,
        prometheus,
        alertmanager,
        backend: TestServer::with_tokens(TOKENS),
    }
}

/// An instant query's raw JSON.
fn query(prometheus: &Prometheus, expr: &str) -> String {
    let output = Command::new("curl")
        .args(["-sf", "--get", "--data-urlencode"])
        .arg(format!("query={expr}"))
        .arg(format!("{}/api/v1/query", prometheus.url()))
        .output()
        .expect("curl");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn wait_until(what: &str, patience: Duration, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + patience;
    while !ready() {
        assert!(Instant::now() < deadline, "waited {patience:?} for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A person's empty home: config, data and logs under it, nothing of the developer's.
fn empty_home(dir: &Path) -> Vec<(&'static str, String)> {
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let home = home.display().to_string();
    vec![
        ("HOME", home.clone()),
        ("XDG_CONFIG_HOME", format!("{home}/.config")),
        ("XDG_DATA_HOME", format!("{home}/.local/share")),
        ("LANG", "C.UTF-8".into()),
        ("TERM", "xterm-256color".into()),
    ]
}

fn config_file(env: &[(&str, String)]) -> PathBuf {
    let config_home = &env.iter().find(|(k, _)| *k == "XDG_CONFIG_HOME").unwrap().1;
    Path::new(config_home).join("warroom/config.toml")
}

/// `warroom ARGS` in `env` only: no `WARROOM_*` of the caller's.
fn warroom(env: &[(&str, String)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_warroom"));
    for var in [
        "WARROOM_BACKEND",
        "WARROOM_TOKEN",
        "WARROOM_ACTOR",
        "WARROOM_PROMETHEUS",
        "WARROOM_ALERTMANAGER",
        "WARROOM_CONFIG",
    ] {
        command.env_remove(var);
    }
    command.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    command.args(args).output().expect("run warroom")
}

fn setup(stack: &Stack, env: &[(&str, String)], token: &str) -> Output {
    warroom(
        env,
        &[
            "setup",
            "--backend",
            stack.backend.base(),
            "--prometheus",
            &stack.prometheus.url(),
            "--alertmanager",
            &stack.alertmanager.url(),
            "--token",
            token,
        ],
    )
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Waits longer than the tmux helper's patience: an alert takes about 17 s to fire.
fn wait_for_screen(screen: &Tmux, what: &str, patience: Duration, ready: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + patience;
    loop {
        let now = screen.screen();
        if ready(&now) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "waited {patience:?} for {what}; the screen was:\n{now}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn from_an_empty_home_to_live_panels_firing_alerts_and_a_page() {
    let stack = stack();
    let dir = tempfile::tempdir().unwrap();
    let env = empty_home(dir.path());
    let started = Instant::now();

    let output = setup(&stack, &env, "commander-token");
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{stderr}\n{stdout}");
    for line in [
        "answers; you are carol (commander)",
        "answers (Prometheus 2.42",
        "answers (Alertmanager 0.25",
        "no receiver sends pages to this backend yet",
        "$service is the service label",
        // Two hours at 2% failing, a p99 of 0.475 s, 100 req/s: twice and four times those.
        "5xx error ratio: warn 4.00%, crit 8.00%",
        "p99 latency: warn 950.0 ms, crit 1.90 s",
        "Request rate: warn 200 req/s, crit 400 req/s",
    ] {
        assert!(stderr.contains(line), "{line:?} missing from:\n{stderr}");
    }
    let file = config_file(&env);
    let written = std::fs::read_to_string(&file).unwrap();
    let config = warroom::config::Config::parse(&written, "config.toml").unwrap();
    assert_eq!(config.backend.url, stack.backend.base());
    assert_eq!(config.prometheus.unwrap().url, stack.prometheus.url());
    assert_eq!(config.alertmanager.unwrap().url, stack.alertmanager.url());
    assert_eq!(config.status.components, [SERVICE]);
    assert_eq!(config.panels.len(), 3);
    assert!(
        written.contains("# Thresholds: warn at 2x and crit at 4x the median of the highest series over the last 2 h (475.0 ms)."),
        "{written}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the config holds a token");

    // The war room, as the config says, with nothing on the command line.
    let stderr_file = dir.path().join("desk.stderr");
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let program = Path::new(env!("CARGO_BIN_EXE_warroom"));
    let desk = Tmux::start("setup", (200, 50), program, &[], &env_refs, &stderr_file);
    wait_for_screen(&desk, "live panels", Duration::from_secs(30), |s| {
        s.contains("5xx error ratio · crit 8.00%")
            && s.contains("p99 latency · crit 1.90 s")
            && s.contains("Request rate · crit 400 req/s")
            && s.contains("■ /pay ")
            && s.contains("p99 475.0 ms")
    });
    eprintln!(
        "from `warroom setup` to live panels: {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Errors: the panel goes over its line and the rule fires.
    stack.exporter.raise_errors();
    wait_for_screen(&desk, "the firing alert", Duration::from_secs(60), |s| {
        s.contains("Firing alerts (1)") && s.contains("HighErrorRatio")
    });

    // The printed configuration, applied and reloaded, delivers the page.
    stack.alertmanager.reconfigure(&stdout);
    wait_for_screen(&desk, "the page's incident", Duration::from_secs(60), |s| {
        s.contains("INC-1") && s.contains("5xx ratio above 5% on /pay")
    });
    let incident = Command::new("curl")
        .args(["-sf", "-H", "authorization: Bearer commander-token"])
        .arg(stack.backend.url("/v1/incidents/INC-1"))
        .output()
        .unwrap();
    let incident: serde_json::Value = serde_json::from_slice(&incident.stdout).unwrap();
    assert_eq!(incident["service"], SERVICE, "{incident}");
    assert_eq!(incident["status"], "triggered", "{incident}");
    assert_eq!(
        incident["alerts"][0]["alert"]["name"], "HighErrorRatio",
        "{incident}"
    );

    // Again: the same file, updated in place, nothing twice.
    let again = setup(&stack, &env, "commander-token");
    let stderr = text(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("its receiver \"warroom\" already sends pages here"),
        "{stderr}"
    );
    let rewritten = std::fs::read_to_string(&file).unwrap();
    for table in ["[backend]", "[prometheus]", "[alertmanager]", "[status]"] {
        assert_eq!(
            rewritten.matches(&format!("\n{table}\n")).count(),
            1,
            "{table}"
        );
    }
    assert_eq!(
        rewritten.matches("\n[[panels]]\n").count(),
        3,
        "{rewritten}"
    );
    assert_eq!(
        rewritten.matches("\ncomponents = ").count(),
        1,
        "{rewritten}"
    );
}

#[test]
fn what_does_not_answer_is_named_and_the_rest_is_written() {
    let alertmanager = Alertmanager::start("http://127.0.0.1:9/nobody");
    let dir = tempfile::tempdir().unwrap();
    let env = empty_home(dir.path());
    let closed = format!("http://127.0.0.1:{}", support::promstack::free_port());
    let output = warroom(
        &env,
        &[
            "setup",
            "--backend",
            &closed,
            "--prometheus",
            &closed,
            "--alertmanager",
            &alertmanager.url(),
        ],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("backend       {closed} does not answer")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("prometheus    {closed} does not answer")),
        "{stderr}"
    );
    assert!(stderr.contains("answers (Alertmanager 0.25"), "{stderr}");
    let config =
        warroom::config::Config::parse(&std::fs::read_to_string(config_file(&env)).unwrap(), "c")
            .unwrap();
    assert_eq!(config.backend.url, closed);
    assert_eq!(config.alertmanager.unwrap().url, alertmanager.url());

    // Without a terminal to ask on, a URL neither given nor in the config is a usage error
    // naming its flag.
    std::fs::remove_file(config_file(&env)).unwrap();
    let output = warroom(&env, &["setup", "--backend", &closed]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("give --prometheus URL"),
        "{:?}",
        output
    );
}

#[test]
fn config_init_writes_the_backend_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let env = empty_home(dir.path());
    let output = warroom(
        &env,
        &["config", "init", "--backend", "http://10.0.0.5:7800"],
    );
    assert!(output.status.success(), "{output:?}");
    let text = std::fs::read_to_string(config_file(&env)).unwrap();
    let config = warroom::config::Config::parse(&text, "c").unwrap();
    assert_eq!(config.backend.url, "http://10.0.0.5:7800");
    // Still the documented default around it.
    assert!(
        text.contains("# Overridden by --backend / WARROOM_BACKEND."),
        "{text}"
    );
}

#[test]
fn a_missing_url_is_asked_for_on_a_terminal() {
    let alertmanager = Alertmanager::start("http://127.0.0.1:9/nobody");
    let dir = tempfile::tempdir().unwrap();
    let env = empty_home(dir.path());
    let closed = format!("http://127.0.0.1:{}", support::promstack::free_port());
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // Its questions and its narrative go to stderr: onto the terminal too.
    let command = format!(
        "exec '{}' setup --backend {closed} --prometheus {closed} 2>&1",
        env!("CARGO_BIN_EXE_warroom")
    );
    let terminal = Tmux::start(
        "ask",
        (160, 40),
        Path::new("/bin/sh"),
        &["-c", &command],
        &env_refs,
        &dir.path().join("ask.stderr"),
    );
    terminal.wait_for_text("Alertmanager's URL [http://127.0.0.1:9093]:");
    terminal.type_text(&alertmanager.url());
    terminal.press("Enter");
    terminal.wait_for_text("[exited]");
    let screen = terminal.screen();
    assert!(screen.contains("answers (Alertmanager 0.25"), "{screen}");
    let config =
        warroom::config::Config::parse(&std::fs::read_to_string(config_file(&env)).unwrap(), "c")
            .unwrap();
    assert_eq!(config.alertmanager.unwrap().url, alertmanager.url());
    assert_eq!(
        config.prometheus.unwrap().url,
        closed,
        "given, so not asked"
    );
}
