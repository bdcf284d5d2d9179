//! A real Prometheus and Alertmanager for tests: child processes on free loopback ports with
//! temporary storage, ready before a test uses them, killed when dropped.
//!
//! A missing binary fails the test with the Debian package to install: these tests are
//! the acceptance of the Prometheus integration and must never pass by skipping.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// Both start in about 0.1 s; a loaded CI machine gets far more room than that.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

const INSTALL: &str =
    "apt-get install -y --no-install-recommends prometheus prometheus-alertmanager";

/// The path of `name`, or a failed test saying which Debian package provides it.
pub fn binary(name: &str, package: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{name}` is not installed. These tests run the real server: install the \
                 Debian package `{package}` ({INSTALL})"
            )
        })
}

/// A port nobody listens on right now. Another process may take it before the server
/// binds it; [`Daemon::start`] then tries another.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// How a server shows it is ready.
enum Ready {
    /// `GET /-/ready` answers 200.
    Http,
    /// The log says so: the only sign a server behind TLS and basic auth gives to a client
    /// that has neither. Prometheus logs this line as `/-/ready` turns 200.
    LogLine(&'static str),
}

/// One server process, its port and its log.
struct Daemon {
    name: &'static str,
    binary: PathBuf,
    args: Vec<String>,
    port: u16,
    log: PathBuf,
    ready: Ready,
    child: Option<Child>,
}

impl Daemon {
    /// Starts `binary` with `args(port)` on a free port and waits until it is ready.
    fn start(
        name: &'static str,
        binary: PathBuf,
        dir: &Path,
        ready: Ready,
        args: impl Fn(u16) -> Vec<String>,
    ) -> Daemon {
        let mut daemon = Daemon {
            name,
            binary,
            args: vec![],
            port: 0,
            log: dir.join(format!("{name}.log")),
            ready,
            child: None,
        };
        for _ in 0..5 {
            daemon.port = free_port();
            daemon.args = args(daemon.port);
            match daemon.spawn() {
                Ok(()) => return daemon,
                Err(log) if log.contains("address already in use") => continue,
                Err(log) => panic!("{name} did not start:\n{log}"),
            }
        }
        panic!("{name} found no free port in five tries");
    }

    /// Starts the process again with the same arguments, so the same port and storage.
    fn spawn(&mut self) -> Result<(), String> {
        let log = File::create(&self.log).expect("a log file");
        let mut child = Command::new(&self.binary)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("a log file handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.binary.display()));
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("exited with {status}:\n{}", self.log_text()));
            }
            if self.is_ready() {
                self.child = Some(child);
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "not ready after {READY_TIMEOUT:?}:\n{}",
                    self.log_text()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn is_ready(&self) -> bool {
        match self.ready {
            Ready::Http => http_status(self.port, "/-/ready") == Some(200),
            Ready::LogLine(line) => self.log_text().contains(line),
        }
    }

    fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills the process (SIGKILL: a crash is the harder case for the client).
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn restart(&mut self) {
        assert!(self.child.is_none(), "{} is still running", self.name);
        if let Err(log) = self.spawn() {
            panic!(
                "{} did not restart on port {}:\n{log}",
                self.name, self.port
            );
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The status code of a plain `GET path`, or `None` when nothing answers.
fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// What a test Prometheus starts with.
pub struct PrometheusSetup<'a> {
    /// OpenMetrics text backfilled with promtool before the server starts.
    pub history: Option<&'a str>,
    /// Scrape and rule evaluation interval.
    pub interval: &'a str,
    /// `host:port` of exporters to scrape.
    pub scrape_targets: Vec<String>,
    /// The text of a rule file.
    pub rules: Option<&'a str>,
    /// `host:port` of the Alertmanager to send alerts to.
    pub alertmanager: Option<String>,
    /// A `--web.config.file` text (TLS, basic auth); the server is then ready when its log
    /// says so.
    pub web_config: Option<String>,
}

impl Default for PrometheusSetup<'_> {
    fn default() -> Self {
        PrometheusSetup {
            history: None,
            interval: "15s",
            scrape_targets: vec![],
            rules: None,
            alertmanager: None,
            web_config: None,
        }
    }
}

/// A Prometheus 2.42 on loopback.
pub struct Prometheus {
    daemon: Daemon,
    scheme: &'static str,
    _dir: TempDir,
}

impl Prometheus {
    pub fn start(setup: PrometheusSetup) -> Prometheus {
        let prometheus = binary("prometheus", "prometheus");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let storage = dir.path().join("data");
        if let Some(history) = setup.history {
            backfill(history, &storage);
        }
        let rules = setup.rules.map(|text| {
            let path = dir.path().join("rules.yml");
            fs::write(&path, text).expect("the rule file");
            path
        });
        let config = dir.path().join("prometheus.yml");
        fs::write(&config, prometheus_yml(&setup, rules.as_deref())).expect("prometheus.yml");
        let web_config = setup.web_config.as_ref().map(|text| {
            let path = dir.path().join("web.yml");
            fs::write(&path, text).expect("the web config");
            path
        });
        let scheme = if web_config.is_some() {
            "https"
        } else {
            "http"
        };
        let ready = match web_config {
            Some(_) => Ready::LogLine("Server is ready to receive web requests."),
            None => Ready::Http,
        };
        let daemon = Daemon::start("prometheus", prometheus, dir.path(), ready, |port| {
            let mut args = vec![
                format!("--config.file={}", config.display()),
                format!("--storage.tsdb.path={}", storage.display()),
                // Backfilled history is hours or days old; the default 15d is fine today,
                // but only 100y can never delete a test's data at startup.
                "--storage.tsdb.retention.time=100y".into(),
                format!("--web.listen-address=127.0.0.1:{port}"),
                format!("--web.external-url={scheme}://127.0.0.1:{port}/"),
                "--web.enable-admin-api".into(),
                "--web.enable-remote-write-receiver".into(),
            ];
            args.extend(
                web_config
                    .iter()
                    .map(|p| format!("--web.config.file={}", p.display())),
            );
            args
        });
        Prometheus {
            daemon,
            scheme,
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, self.daemon.port)
    }

    /// Kills the server; its port and storage stay for [`Prometheus::restart`].
    pub fn stop(&mut self) {
        self.daemon.stop();
    }

    /// Starts it again on the same port with the same storage.
    pub fn restart(&mut self) {
        self.daemon.restart();
    }
}

/// Writes `openmetrics` into `storage` as TSDB blocks, before Prometheus opens it (a
/// running server only notices new blocks on its minute-long reload).
pub fn backfill(openmetrics: &str, storage: &Path) {
    let promtool = binary("promtool", "prometheus");
    fs::create_dir_all(storage).expect("the storage directory");
    let input = storage.with_extension("om");
    fs::write(&input, openmetrics).expect("the OpenMetrics file");
    let mut command = Command::new(promtool);
    command
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&input)
        .arg(storage);
    run_tool(command, "promtool could not backfill");
}

/// Runs one of the servers' command line tools to the end; a failure fails the test with
/// `failure` and the tool's output.
pub fn run_tool(mut command: Command, failure: &str) {
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("{failure}: cannot run it: {err}"));
    assert!(
        output.status.success(),
        "{failure}:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `prometheus.yml` for `setup`, with the rule file at `rules`.
pub fn prometheus_yml(setup: &PrometheusSetup, rules: Option<&Path>) -> String {
    let interval = setup.interval;
    let mut yml =
        format!("global:\n  scrape_interval: {interval}\n  evaluation_interval: {interval}\n");
    if let Some(rules) = rules {
        writeln!(yml, "rule_files:\n  - {:?}", rules.display().to_string()).unwrap();
    }
    if !setup.scrape_targets.is_empty() {
        writeln!(
            yml,
            "scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: {:?}",
            setup.scrape_targets
        )
        .unwrap();
    }
    if let Some(alertmanager) = &setup.alertmanager {
        writeln!(
            yml,
            "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: [{alertmanager:?}]"
        )
        .unwrap();
    }
    yml
}

/// What a test Alertmanager starts with: one route, every alert to one webhook.
pub struct AlertmanagerSetup<'a> {
    /// The backend's `/v1/alertmanager`, or a test's listener.
    pub webhook_url: &'a str,
    /// How long after one notification of a group the next may follow.
    pub group_interval: &'a str,
    /// How long before a group that has not changed is notified again.
    pub repeat_interval: &'a str,
    /// A token sent as `Authorization: Bearer`, read from a file as docs/api.md advises.
    pub bearer_token: Option<&'a str>,
}

impl<'a> AlertmanagerSetup<'a> {
    /// The first notification about a second after an alert arrives, the next after any
    /// change, a repeat only after an hour.
    pub fn new(webhook_url: &'a str) -> Self {
        AlertmanagerSetup {
            webhook_url,
            group_interval: "1s",
            repeat_interval: "1h",
            bearer_token: None,
        }
    }
}

/// An Alertmanager 0.25 on loopback.
pub struct Alertmanager {
    daemon: Daemon,
    dir: TempDir,
}

impl Alertmanager {
    /// Starts with one route to a webhook at `webhook_url`.
    pub fn start(webhook_url: &str) -> Alertmanager {
        Alertmanager::start_with(AlertmanagerSetup::new(webhook_url))
    }

    pub fn start_with(setup: AlertmanagerSetup) -> Alertmanager {
        let alertmanager = binary("prometheus-alertmanager", "prometheus-alertmanager");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let token_file = setup.bearer_token.map(|token| {
            let path = dir.path().join("warroom.token");
            fs::write(&path, token).expect("the token file");
            path
        });
        let config = dir.path().join("alertmanager.yml");
        fs::write(&config, alertmanager_yml(&setup, token_file.as_deref()))
            .expect("alertmanager.yml");
        let storage = dir.path().join("data");
        let daemon = Daemon::start(
            "alertmanager",
            alertmanager,
            dir.path(),
            Ready::Http,
            |port| {
                vec![
                    format!("--config.file={}", config.display()),
                    format!("--storage.path={}", storage.display()),
                    format!("--web.listen-address=127.0.0.1:{port}"),
                    // Empty: no gossip port on 0.0.0.0:9094.
                    "--cluster.listen-address=".into(),
                ]
            },
        );
        Alertmanager { daemon, dir }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address())
    }

    /// `host:port`, as Prometheus' alerting section wants it.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.daemon.port)
    }

    /// Replaces its configuration with `yml` and reloads it (`POST /-/reload`), as a person
    /// applying a snippet would; a configuration it refuses fails the test with its reason.
    pub fn reconfigure(&self, yml: &str) {
        fs::write(self.dir.path().join("alertmanager.yml"), yml).expect("alertmanager.yml");
        let mut stream =
            TcpStream::connect(("127.0.0.1", self.daemon.port)).expect("Alertmanager answers");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("a timeout");
        write!(
            stream,
            "POST /-/reload HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
        )
        .expect("the reload request");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        assert!(
            answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200"),
            "Alertmanager refused the configuration:\n{answer}\n{yml}"
        );
    }
}

/// Every alert to one webhook, grouped by name, sent a second after it arrives, resolved
/// notifications included; the bearer token, if any, read from `token_file`.
fn alertmanager_yml(setup: &AlertmanagerSetup, token_file: Option<&Path>) -> String {
    let mut yml = format!(
        "route:\n  receiver: warroom\n  group_by: [alertname]\n  group_wait: 1s\n  \
         group_interval: {}\n  repeat_interval: {}\n\
         receivers:\n  - name: warroom\n    webhook_configs:\n      - url: {:?}\n        \
         send_resolved: true\n",
        setup.group_interval, setup.repeat_interval, setup.webhook_url
    );
    if let Some(file) = token_file {
        writeln!(
            yml,
            "        http_config:\n          authorization:\n            type: Bearer\n            \
             credentials_file: {:?}",
            file.display().to_string()
        )
        .unwrap();
    }
    yml
}
