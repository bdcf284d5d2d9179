//! The status page and notifications (issue 11):
//! - `GET /status` at a fixed offered rate from 64 connections to the real `warroom serve`
//!   (its own process, as deployed; the load comes from this one), and the command latency
//!   p99 meanwhile against its idle figure, measured in alternating phases of the same run;
//! - the page's size with 3 open incidents and 10 components;
//! - notification latency: from a command's answer to the local receiver holding it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use axum::routing::post;
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;
use warroom::config::Config;
use warroom::server::Communicate;

const CONNECTIONS: usize = 64;
/// The offered load: 5 % above the target of 5,000 requests/s, so that a server keeping up
/// clears the target with the last requests of each phase still in flight.
const RATE: u64 = 5250;
/// Idle and loaded phases, alternating, `ROUNDS` of each.
const ROUNDS: usize = 4;
const PHASE: Duration = Duration::from_millis(2500);
const COMPONENTS: [&str; 10] = [
    "api", "web", "payments", "search", "checkout", "auth", "cdn", "email", "mobile", "db",
];

/// The config's `[status]` and, when given, a webhook.
fn config_text(notify_url: Option<&str>) -> String {
    let mut text = format!(
        "[status]\ntitle = \"Bench status\"\ncomponents = {:?}\n",
        COMPONENTS
    );
    if let Some(url) = notify_url {
        text.push_str(&format!(
            "[[notify]]\nkind = \"webhook\"\nurl = \"{url}\"\nsecret = \"k\"\n"
        ));
    }
    text
}

fn communicate(notify_url: Option<&str>) -> Communicate {
    let config = Config::parse(&config_text(notify_url), "bench.toml").expect("a valid config");
    Communicate::from_config(&config, &Default::default()).expect("valid settings")
}

/// Three open incidents, each with a commander and two public updates.
async fn seed(http: &reqwest::Client, base: &str) {
    for n in 1..=3 {
        let post = |path: String, body: serde_json::Value| {
            http.post(format!("{base}{path}"))
                .header("x-warroom-actor", "carol")
                .json(&body)
                .send()
        };
        let declared = post(
            "/v1/incidents".into(),
            json!({"title": format!("bench {n}"), "severity": "P1"}),
        )
        .await
        .unwrap();
        assert_eq!(declared.status(), 201);
        let commands = format!("/v1/incidents/INC-{n}/commands");
        let assigned = post(
            commands.clone(),
            json!({"type": "assign_role", "role": "commander", "person": "carol"}),
        )
        .await
        .unwrap();
        assert_eq!(assigned.status(), 200);
        for state in ["investigating", "identified"] {
            let update = json!({"type": "public_update", "state": state,
                "title": format!("Elevated errors on {}", COMPONENTS[n]),
                "message": "We're experiencing elevated error rates on our payment API. Our team is actively investigating.",
                "components": {COMPONENTS[n]: "partial_outage", COMPONENTS[n + 3]: "degraded_performance"}});
            let answer = post(commands.clone(), update).await.unwrap();
            assert_eq!(answer.status(), 200);
        }
    }
}

/// `warroom serve` (the release binary, as deployed) on a fresh file, with the status page
/// configured and the per-caller write limit off: the benchmark measures the server.
struct Served {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Served {
    fn start() -> Served {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a temporary directory");
        let config = dir.path().join("warroom.toml");
        let text = format!(
            "{}[server.limits]\nwrites_per_minute = 0\n",
            config_text(None)
        );
        std::fs::write(&config, text).expect("write the config");
        let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
            .arg("--config")
            .arg(&config)
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(dir.path().join("bench.db"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start warroom serve");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("the address line");
        let base = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("warroom serve printed {first:?}"))
            .to_string();
        Served {
            child,
            base,
            _dir: dir,
        }
    }

    /// User plus system CPU time the server process has used so far.
    fn cpu(&self) -> Duration {
        cpu_time(&format!("/proc/{}/stat", self.child.id()))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// User plus system CPU time from a `/proc/PID/stat` file (clock ticks of 10 ms on Linux).
fn cpu_time(stat: &str) -> Duration {
    let text = std::fs::read_to_string(stat).unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<u64> = text
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or_default()
        .split_whitespace()
        .map(|field| field.parse().unwrap_or(0))
        .collect();
    let ticks = fields.get(11).unwrap_or(&0) + fields.get(12).unwrap_or(&0);
    Duration::from_millis(ticks * 10)
}

/// fsync of a 4 KiB append on the disk the database lives on, 5 ms apart: the floor under
/// every durable command's latency.
fn fsync_latencies(dir: &std::path::Path) -> Vec<Duration> {
    let path = dir.join("fsync-probe");
    let mut file = std::fs::File::create(&path).expect("a probe file");
    let mut samples: Vec<Duration> = (0..200)
        .map(|_| {
            file.write_all(&[b'x'; 4096]).expect("write");
            let started = Instant::now();
            file.sync_data().expect("fsync");
            let took = started.elapsed();
            std::thread::sleep(Duration::from_millis(5));
            took
        })
        .collect();
    let _ = std::fs::remove_file(path);
    samples.sort();
    samples
}

/// Which phase a command was sent and answered in.
const IDLE: u8 = 0;
const LOADED: u8 = 1;
const BETWEEN: u8 = 2;

/// One client posting notes, 5 ms apart, on a thread and runtime of its own (so the load
/// generator never delays reading its answers), until `stop`. Each sample is kept with the
/// phase it was sent in, unless the phase changed before its answer came.
fn command_client(
    base: String,
    phase: Arc<AtomicU8>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<[Vec<Duration>; 2]> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let http = support::http_client();
            let url = format!("{base}/v1/incidents/INC-1/commands");
            let mut samples = [Vec::new(), Vec::new()];
            while !stop.load(Ordering::Relaxed) {
                let sent_in = phase.load(Ordering::Relaxed);
                let sent = Instant::now();
                let answer = http
                    .post(&url)
                    .json(&json!({"type": "add_note", "text": "bench"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.status(), 200);
                let took = sent.elapsed();
                if sent_in != BETWEEN && phase.load(Ordering::Relaxed) == sent_in {
                    samples[usize::from(sent_in)].push(took);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            for phase in &mut samples {
                phase.sort();
            }
            samples
        })
    })
}

/// Readers of `/status`: `CONNECTIONS` clients of one connection each (as separate browsers
/// or aggregators would be), together asking `RATE` times a second, each on its own fixed
/// schedule; a reader that falls behind catches up at once, so a server that cannot keep up
/// shows as an achieved rate below the offered one. Returns the requests answered.
async fn readers(base: &str, clients: &[reqwest::Client], time: Duration) -> u64 {
    let done = Arc::new(AtomicU64::new(0));
    let period = Duration::from_secs_f64(CONNECTIONS as f64 / RATE as f64);
    let until = Instant::now() + time;
    let tasks: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(n, http)| {
            let (http, done) = (http.clone(), done.clone());
            let url = format!("{base}/status");
            // Spread the readers' schedules over one period.
            let first = tokio::time::Instant::now() + period.mul_f64(n as f64 / CONNECTIONS as f64);
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval_at(first, period);
                ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
                loop {
                    ticks.tick().await;
                    if Instant::now() >= until {
                        return;
                    }
                    let answer = http.get(&url).send().await.unwrap();
                    assert_eq!(answer.status(), 200);
                    answer.bytes().await.unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    done.load(Ordering::Relaxed)
}

/// The writer's commits so far, from `/metrics`: how many, their time in all (from taking
/// the store's turn to the durable end), and how many took over 10 ms.
#[derive(Default, Clone, Copy)]
struct Commits {
    count: f64,
    seconds: f64,
    over_10ms: f64,
}

impl Commits {
    async fn scrape(http: &reqwest::Client, base: &str) -> Commits {
        let text = http
            .get(format!("{base}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let value = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|value| value.trim().parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        let count = value("warroom_commit_seconds_count");
        Commits {
            count,
            seconds: value("warroom_commit_seconds_sum"),
            over_10ms: count - value("warroom_commit_seconds_bucket{le=\"0.01\"}"),
        }
    }

    /// Adds what happened between two scrapes.
    fn add(&mut self, before: Commits, after: Commits) {
        self.count += after.count - before.count;
        self.seconds += after.seconds - before.seconds;
        self.over_10ms += after.over_10ms - before.over_10ms;
    }

    fn describe(&self) -> String {
        format!(
            "{:.0} commits, mean {:.2} ms, {:.1} % over 10 ms",
            self.count,
            self.seconds / self.count.max(1.0) * 1000.0,
            self.over_10ms / self.count.max(1.0) * 100.0
        )
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The page's size, then command latency with and without the page load, in alternating
/// phases so that whatever else the machine does weighs on both alike.
fn page_under_load() {
    println!("load average at the start: {}", support::load_average());
    let server = Served::start();
    let base = server.base.clone();
    // The load generator's runtime: one thread, apart from the command client's.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let http = support::http_client();
    runtime.block_on(async {
        seed(&http, &base).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let page = http.get(format!("{base}/status")).send().await.unwrap();
        let bytes = page.bytes().await.unwrap().len();
        println!("GET /status: {bytes} bytes with 3 open incidents and 10 components");
    });
    let fsync = fsync_latencies(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")));
    println!(
        "fsync of a 4 KiB append on this disk: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(support::percentile(&fsync, 50.0)),
        ms(support::percentile(&fsync, 99.0)),
        ms(fsync[fsync.len() - 1])
    );

    let clients: Vec<_> = (0..CONNECTIONS).map(|_| support::http_client()).collect();
    // Opens the 64 connections before anything is measured.
    runtime.block_on(readers(&base, &clients, Duration::from_millis(500)));
    let phase = Arc::new(AtomicU8::new(BETWEEN));
    let stop = Arc::new(AtomicBool::new(false));
    let commands = command_client(base.clone(), phase.clone(), stop.clone());
    let (mut answered, mut loaded_time, mut server_cpu) = (0, Duration::ZERO, Duration::ZERO);
    let own_stat = "/proc/self/stat";
    let mut own_cpu = Duration::ZERO;
    let scrape = || runtime.block_on(Commits::scrape(&http, &base));
    let (mut idle_commits, mut loaded_commits) = (Commits::default(), Commits::default());
    for _ in 0..ROUNDS {
        let before = scrape();
        phase.store(IDLE, Ordering::Relaxed);
        std::thread::sleep(PHASE);
        phase.store(LOADED, Ordering::Relaxed);
        let between = scrape();
        idle_commits.add(before, between);
        let (started, server_before, own_before) =
            (Instant::now(), server.cpu(), cpu_time(own_stat));
        answered += runtime.block_on(readers(&base, &clients, PHASE));
        loaded_time += started.elapsed();
        server_cpu += server.cpu() - server_before;
        own_cpu += cpu_time(own_stat) - own_before;
        phase.store(BETWEEN, Ordering::Relaxed);
        loaded_commits.add(between, scrape());
    }
    phase.store(BETWEEN, Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    let [idle, loaded] = commands.join().expect("the command client");
    let rate = answered as f64 / loaded_time.as_secs_f64();
    println!(
        "GET /status with {CONNECTIONS} connections, offered {RATE} requests/s: {rate:.0} requests/s answered ({})",
        if rate >= 5000.0 {
            "target >= 5,000: met"
        } else {
            "target >= 5,000: NOT met"
        }
    );
    println!(
        "  CPU meanwhile: the server {:.0} % of one core, this load generator {:.0} % (2 cores in all)",
        server_cpu.as_secs_f64() / loaded_time.as_secs_f64() * 100.0,
        own_cpu.as_secs_f64() / loaded_time.as_secs_f64() * 100.0
    );
    let (idle_p99, loaded_p99) = (
        support::percentile(&idle, 99.0),
        support::percentile(&loaded, 99.0),
    );
    let ratio = loaded_p99.as_secs_f64() / idle_p99.as_secs_f64().max(f64::EPSILON);
    println!(
        "command latency p99: idle {:.2} ms, under the page load {:.2} ms, {ratio:.2}x ({}); p50 {:.2} and {:.2} ms ({} and {} samples, {ROUNDS} alternating phases of {}s each)",
        ms(idle_p99),
        ms(loaded_p99),
        if ratio <= 2.0 {
            "target within 2x: met"
        } else {
            "target within 2x: NOT met"
        },
        ms(support::percentile(&idle, 50.0)),
        ms(support::percentile(&loaded, 50.0)),
        idle.len(),
        loaded.len(),
        PHASE.as_secs_f64()
    );
    println!(
        "  the server's commits (its own timing, from the turn to the fsync's end): idle {}; loaded {}",
        idle_commits.describe(),
        loaded_commits.describe()
    );
    println!("load average at the end: {}", support::load_average());
}

async fn notification_latency() {
    let (arrived, mut arrivals) = mpsc::unbounded_channel::<Instant>();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/hook",
        post(move || {
            let arrived = arrived.clone();
            async move {
                let _ = arrived.send(Instant::now());
                "ok"
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (server, _dir) = support::fresh_server_with(communicate(Some(&url))).await;
    let base = support::base(&server);
    let http = support::http_client();
    http.post(format!("{base}/v1/incidents"))
        .json(&json!({"title": "bench", "severity": "P1"}))
        .send()
        .await
        .unwrap();
    arrivals.recv().await.unwrap();
    let mut samples = Vec::new();
    for _ in 0..100 {
        let answer = http
            .post(format!("{base}/v1/incidents/INC-1/commands"))
            .json(&json!({"type": "add_note", "text": "bench"}))
            .send()
            .await
            .unwrap();
        let answered = Instant::now();
        assert_eq!(answer.status(), 200);
        let at = arrivals.recv().await.unwrap();
        samples.push(at.saturating_duration_since(answered));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    samples.sort();
    println!(
        "notification after the command's answer: p50 {:.2} ms, p99 {:.2} ms ({} samples)",
        support::percentile(&samples, 50.0).as_secs_f64() * 1000.0,
        support::percentile(&samples, 99.0).as_secs_f64() * 1000.0,
        samples.len()
    );
    server.shutdown().await.unwrap();
}

fn main() {
    page_under_load();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(notification_latency());
}
