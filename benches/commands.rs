//! Durable commands per second through the HTTP API, with concurrent clients, on SQLite and
//! on PostgreSQL side by side.
//!
//! Each run starts the real `warroom serve` (this build's binary, in its own process, with
//! its default log and no per-caller write limit) on a fresh SQLite file (or a fresh database
//! of a real PostgreSQL started here with fsync on), lets N clients post notes as fast as
//! their answers come back (each 200 means "durable"), and counts. Group commit is what makes
//! this more than one command per fsync.
//!
//! The clients are lean on purpose, so that the figure is the server's: one kept-alive
//! HTTP/1.1 connection each, the request's bytes built once, each answer read whole and its
//! status checked, all on one thread. The bench prints the CPU each side spent per command
//! (the server's from `/proc/PID/stat`, the clients' from this process's). The bench used
//! to run the server in this process with reqwest clients that built a JSON body per
//! request: the clients took 55-62 µs of CPU per command beside the server's 130-150 µs, on
//! the same two cores (BENCHMARKS.md, issue 23).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use support::serve::{Served, cpu_seconds};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const RUNS: usize = 5;
const RUN_TIME: Duration = Duration::from_secs(3);
/// The bench measures the server, not the per-caller limit (600 writes a minute by default).
const CONFIG: &str = "[server.limits]\nwrites_per_minute = 0\n";
/// Every client posts the same note: building a body per request is the clients' CPU, not
/// the server's.
const NOTE: &[u8] = br#"{"type":"add_note","text":"a note from the commands bench"}"#;

struct Run {
    per_second: f64,
    mean_batch: f64,
    largest_batch: u64,
    /// CPU time per command, in µs, of the server process and of this one (the clients).
    server_cpu: f64,
    client_cpu: f64,
}

/// One kept-alive HTTP/1.1 connection to the server, written and read by hand: a request is
/// its bytes, built once; an answer is read whole (status line, headers, then as many bytes
/// of body as its `Content-Length` says) with httparse, the parser hyper itself uses. No
/// pool, no channel, no task but the caller's: the clients' CPU stays small beside the
/// server's.
struct Connection {
    stream: TcpStream,
    host: String,
    answer: Vec<u8>,
}

/// An answer's status and body.
struct Answer<'a> {
    status: u16,
    body: &'a [u8],
}

impl Connection {
    async fn open(base: &str) -> Connection {
        let host = base.strip_prefix("http://").expect("an http:// URL");
        let stream = TcpStream::connect(host).await.expect("the server accepts");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        Connection {
            stream,
            host: host.to_owned(),
            answer: Vec::with_capacity(16 * 1024),
        }
    }

    /// A whole request to send on this connection, kept and sent again as it is.
    fn request(&self, method: &str, path: &str, body: &[u8]) -> Vec<u8> {
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n",
            self.host,
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        request
    }

    /// Sends `request` and reads its whole answer.
    async fn exchange(&mut self, request: &[u8]) -> Answer<'_> {
        self.stream
            .write_all(request)
            .await
            .expect("the request is sent");
        self.answer.clear();
        let (status, head, length) = loop {
            self.read_more().await;
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(&self.answer).expect("an HTTP/1.1 answer") {
                httparse::Status::Partial => continue,
                httparse::Status::Complete(head) => {
                    let length: usize = response
                        .headers
                        .iter()
                        .find(|header| header.name.eq_ignore_ascii_case("content-length"))
                        .and_then(|header| std::str::from_utf8(header.value).ok()?.parse().ok())
                        .expect("a Content-Length (the server answers with whole bodies)");
                    break (response.code.expect("a status"), head, length);
                }
            }
        };
        while self.answer.len() < head + length {
            self.read_more().await;
        }
        // One request at a time on a connection: nothing may follow its answer.
        assert_eq!(self.answer.len(), head + length, "bytes after the answer");
        Answer {
            status,
            body: &self.answer[head..],
        }
    }

    async fn read_more(&mut self) {
        self.answer.reserve(4096);
        let read = self
            .stream
            .read_buf(&mut self.answer)
            .await
            .expect("the answer is read");
        assert!(read > 0, "the server closed the connection");
    }

    /// `warroom_commands_total` and `warroom_commits_total` from `/metrics`.
    async fn counts(&mut self) -> (u64, u64) {
        let request = self.request("GET", "/metrics", b"");
        let answer = self.exchange(&request).await;
        assert_eq!(answer.status, 200);
        let text = std::str::from_utf8(answer.body).expect("UTF-8");
        let metric = |name: &str| -> u64 {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
                .unwrap_or_else(|| panic!("{name} in /metrics"))
                .parse()
                .expect("a count")
        };
        (
            metric("warroom_commands_total"),
            metric("warroom_commits_total"),
        )
    }
}

/// The most requests one transaction carried, from the writer's last log line.
fn largest_batch(log: &Path) -> u64 {
    let log = std::fs::read_to_string(log).expect("the server's log");
    let stopped = log
        .lines()
        .find(|line| line.contains("writer stopped"))
        .unwrap_or_else(|| panic!("no \"writer stopped\" line in the log:\n{log}"));
    stopped
        .split_once("largest_batch=")
        .and_then(|(_, rest)| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no largest batch in {stopped:?}"))
}

async fn run(clients: usize, store: &Store) -> Run {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a temporary directory");
    let db = match store {
        Store::Sqlite => dir
            .path()
            .join("bench.db")
            .to_str()
            .expect("UTF-8")
            .to_owned(),
        Store::Postgres(pg) => pg.database(&format!("bench_{}", uuid::Uuid::new_v4().simple())),
    };
    let (config, log) = (
        dir.path().join("config.toml"),
        dir.path().join("server.log"),
    );
    std::fs::write(&config, CONFIG).expect("the config");
    let log_file = std::fs::File::create(&log).expect("the log file");
    let mut server = Served::start(&db, Some(&config), Stdio::from(log_file));
    let mut connections = Vec::new();
    for n in 1..=clients {
        let mut connection = Connection::open(&server.url).await;
        let title = format!(r#"{{"title": "bench {n}", "severity": "P2"}}"#);
        let declare = connection.request("POST", "/v1/incidents", title.as_bytes());
        assert_eq!(connection.exchange(&declare).await.status, 201);
        let note = connection.request("POST", &format!("/v1/incidents/INC-{n}/commands"), NOTE);
        connections.push((connection, note));
    }
    let (commands_before, commits_before) = connections[0].0.counts().await;
    let done = Arc::new(AtomicU64::new(0));
    let stop_clients = Arc::new(AtomicBool::new(false));
    let (server_cpu, client_cpu) = (cpu_seconds(server.pid()), cpu_seconds(std::process::id()));
    let started = Instant::now();
    let tasks: Vec<_> = connections
        .into_iter()
        .map(|(mut connection, note)| {
            let (done, stop_clients) = (done.clone(), stop_clients.clone());
            tokio::spawn(async move {
                while !stop_clients.load(Ordering::Relaxed) {
                    let answer = connection.exchange(&note).await;
                    if answer.status != 200 {
                        panic!(
                            "{}: {}",
                            answer.status,
                            String::from_utf8_lossy(answer.body)
                        );
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
                connection
            })
        })
        .collect();
    tokio::time::sleep(RUN_TIME).await;
    stop_clients.store(true, Ordering::Relaxed);
    let mut connections = Vec::new();
    for task in tasks {
        connections.push(task.await.expect("a client task"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let done = done.load(Ordering::Relaxed);
    let per_command = |seconds: f64| seconds * 1e6 / done.max(1) as f64;
    let (server_cpu, client_cpu) = (
        per_command(cpu_seconds(server.pid()) - server_cpu),
        per_command(cpu_seconds(std::process::id()) - client_cpu),
    );
    let (commands_after, commits_after) = connections[0].counts().await;
    drop(connections);
    server.terminate();
    let largest_batch = largest_batch(&log);
    Run {
        per_second: done as f64 / elapsed,
        mean_batch: (commands_after - commands_before) as f64
            / (commits_after - commits_before).max(1) as f64,
        largest_batch,
        server_cpu,
        client_cpu,
    }
}

enum Store {
    Sqlite,
    Postgres(support::postgres::Postgres),
}

/// One thread for all the clients: the server's process gets the other core.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    // Started from the main thread, which lives as long as the process: the server's
    // parent-death signal is tied to the thread that started it.
    let postgres = support::postgres::Postgres::start(support::postgres::Durability::Full);
    println!("load average at the start: {}", support::load_average());
    for (name, store) in [
        ("SQLite", Store::Sqlite),
        ("PostgreSQL", Store::Postgres(postgres)),
    ] {
        for clients in [1, 16] {
            measure(name, &store, clients).await;
        }
    }
    println!("load average at the end: {}", support::load_average());
}

async fn measure(name: &str, store: &Store, clients: usize) {
    let mut rates = Vec::new();
    println!(
        "{name}: {clients} concurrent client(s), {RUNS} runs of {}s:",
        RUN_TIME.as_secs()
    );
    for _ in 0..RUNS {
        let result = run(clients, store).await;
        println!(
            "  {:>7.0} commands/s, mean batch {:>5.2}, largest batch {}, CPU per command: \
             server {:.1} µs, clients {:.1} µs",
            result.per_second,
            result.mean_batch,
            result.largest_batch,
            result.server_cpu,
            result.client_cpu
        );
        rates.push(result.per_second);
    }
    println!("  median: {:.0} commands/s", support::median(&mut rates));
}
