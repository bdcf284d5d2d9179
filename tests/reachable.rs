//! A backend that stays reachable: cross-origin refusals, one writer per database, readiness,
//! faults reported instead of fatal, a clean stop, and the per-caller write limit (connection
//! limits and timeouts are in `connections.rs`). Each test runs the real binary on loopback.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use reqwest::Client;
use serde_json::json;
use std::time::Duration;
use support::http::send;
use support::server::{ServerSetup, TestServer, warroom};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const NO_WRITE_LIMIT: &str = "[server.limits]\nwrites_per_minute = 0\n";

fn declare(client: &Client, server: &TestServer, title: &str) -> reqwest::RequestBuilder {
    client
        .post(server.url("/v1/incidents"))
        .json(&json!({"title": title, "severity": "P2"}))
}

/// The server's `host:port`.
fn address(server: &TestServer) -> String {
    server.base().trim_start_matches("http://").to_string()
}

#[tokio::test]
async fn web_pages_and_rebound_names_are_refused_unless_configured() {
    let server = TestServer::open();
    let client = support::http::client();
    let body = r#"{"title": "from a page", "severity": "P2"}"#;
    let url = server.url("/v1/incidents");
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let answer = send(
            client
                .post(&url)
                .header("content-type", content_type)
                .body(body),
        )
        .await;
        answer.assert_error(415, "unsupported_media_type");
    }
    let foreign_origin =
        send(declare(&client, &server, "x").header("origin", "https://evil.example")).await;
    foreign_origin.assert_error(403, "forbidden");
    assert!(foreign_origin.error_message().contains("allowed_origins"));
    let foreign_host =
        send(declare(&client, &server, "x").header("host", "evil.example:7700")).await;
    foreign_host.assert_error(403, "forbidden");
    let list = send(client.get(server.url("/v1/incidents"))).await;
    assert_eq!(list.json, json!([]), "nothing was declared");

    // A listed origin passes; with tokens, any Host does (the token is the protection).
    let configured = TestServer::launch_with(ServerSetup {
        tokens: Some(support::server::TOKENS),
        config: Some("[server]\nallowed_origins = [\"https://wall.example\"]\n"),
        ..ServerSetup::default()
    });
    let answer = send(
        declare(&client, &configured, "from the wall page")
            .bearer_auth("responder-token")
            .header("origin", "https://wall.example")
            .header("host", "warroom.example"),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://wall.example")
    );
    // The browser's preflight before a JSON POST is answered for the listed origin.
    let preflight = send(
        client
            .request(reqwest::Method::OPTIONS, configured.url("/v1/incidents"))
            .header("origin", "https://wall.example")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, idempotency-key",
            ),
    )
    .await;
    assert_eq!(preflight.status, 200, "{}", preflight.text);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("https://wall.example")
    );
    let other = send(
        declare(&client, &configured, "x")
            .bearer_auth("responder-token")
            .header("origin", "https://evil.example"),
    )
    .await;
    other.assert_error(403, "forbidden");
}

#[tokio::test]
async fn a_second_server_on_the_same_database_refuses_to_start() {
    let server = TestServer::open();
    let output = warroom()
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(server.db_path())
        .output()
        .expect("run warroom serve");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let first = server.pid().expect("the first server runs");
    assert!(
        stderr.contains(&server.db_path().display().to_string())
            && stderr.contains(&format!("pid {first}")),
        "{stderr}"
    );
    // The first one is unaffected.
    let answer = send(declare(
        &support::http::client(),
        &server,
        "still the writer",
    ))
    .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
}

#[tokio::test]
async fn request_headers_over_16_kib_each_or_64_kib_in_all_get_431() {
    let server = TestServer::open();
    let client = support::http::client();
    let with_headers = |sizes: &[usize]| {
        let mut request = client.get(server.url("/v1/incidents"));
        for (n, size) in sizes.iter().enumerate() {
            request = request.header(format!("x-filler-{n}"), "a".repeat(*size));
        }
        request
    };
    // Big, but within the bounds: a long token or cookie.
    assert_eq!(send(with_headers(&[15 * 1024])).await.status, 200);
    assert_eq!(send(with_headers(&[15 * 1024; 4])).await.status, 200);
    // Just over 16 KiB: a JSON refusal naming the header.
    let refused = send(with_headers(&[16 * 1024 + 1])).await;
    refused.assert_error(431, "header_too_large");
    assert!(
        refused.error_message().contains("x-filler-0"),
        "{}",
        refused.text
    );
    // One of 100 KB, or five of 15 KiB: over 64 KiB in all, refused by the HTTP library
    // before the head is read to its end (the audit's 60 KB header was taken).
    for sizes in [&[100 * 1024][..], &[15 * 1024; 5]] {
        let refused = send(with_headers(sizes)).await;
        assert_eq!(refused.status, 431, "{}", refused.text);
    }
    // The server is none the worse.
    assert_eq!(send(client.get(server.url("/healthz"))).await.status, 200);
}

#[tokio::test]
async fn readyz_is_unready_while_another_process_locks_the_database() {
    let server = TestServer::open();
    let client = support::http::client();
    let ready = send(client.get(server.url("/readyz"))).await;
    assert_eq!(
        (ready.status, &ready.json["status"]),
        (200, &json!("ready"))
    );

    let mut other = rusqlite::Connection::open(server.db_path()).expect("open the file");
    let held = other
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .expect("take the write lock");
    let unready = send(client.get(server.url("/readyz"))).await;
    assert_eq!(unready.status, 503, "{}", unready.text);
    assert!(
        unready.text.contains("locked by another process"),
        "{}",
        unready.text
    );
    let health = send(client.get(server.url("/healthz"))).await;
    assert_eq!(health.status, 200, "the process is still up");
    held.rollback().expect("release the lock");

    let again = send(client.get(server.url("/readyz"))).await;
    assert_eq!(again.status, 200, "{}", again.text);
}

#[tokio::test]
async fn a_file_size_limit_gives_a_500_with_an_id_and_a_log_line_not_a_dead_server() {
    let server = TestServer::launch_with(ServerSetup {
        config: Some(NO_WRITE_LIMIT),
        // 512 KiB in dash's 512-byte blocks (bash counts 1 KiB blocks: 1 MiB, still reached).
        before: Some("ulimit -f 1024"),
        ..ServerSetup::default()
    });
    let client = support::http::client();
    assert_eq!(
        send(declare(&client, &server, "big notes")).await.status,
        201
    );
    let url = server.url("/v1/incidents/INC-1/commands");
    let text = "x".repeat(4000);
    let failed = 'writing: {
        for _ in 0..2000 {
            let answer = send(
                client
                    .post(&url)
                    .json(&json!({"type": "add_note", "text": text})),
            )
            .await;
            if answer.status != 200 {
                break 'writing answer;
            }
        }
        panic!("2000 notes of 4 KB fitted under the file size limit");
    };
    failed.assert_error(500, "internal");
    let message = failed.error_message();
    assert!(
        message.starts_with("the change could not be saved"),
        "{message}"
    );
    assert!(!message.to_lowercase().contains("sqlite"), "{message}");
    let id = message
        .split("error id ")
        .nth(1)
        .and_then(|rest| rest.strip_suffix(')'))
        .expect("an error id");
    let log = server.log();
    assert!(
        log.lines()
            .any(|line| line.contains(id) && line.contains("ERROR")),
        "{log}"
    );
    let health = send(client.get(server.url("/healthz"))).await;
    assert_eq!(health.status, 200, "the server is still up");
    let ready = send(client.get(server.url("/readyz"))).await;
    assert_eq!(ready.status, 503, "{}", ready.text);
    assert!(
        ready.text.contains("the last commit failed"),
        "{}",
        ready.text
    );
}

/// A small tmpfs mounted for one test (the tests run as root), unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().expect("a mount point");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(status.success(), "mounting a tmpfs needs root: {status}");
        SmallDisk { dir }
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Writes a file until the disk is full.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("create the filler");
        let block = vec![0xA5u8; 4096];
        loop {
            if let Err(err) = file.write_all(&block).and_then(|()| file.sync_all()) {
                assert_eq!(err.raw_os_error(), Some(libc::ENOSPC), "{err}");
                return path;
            }
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// The texts of the notes on INC-1.
async fn notes(client: &Client, server: &TestServer) -> Vec<String> {
    let events = send(client.get(server.url("/v1/incidents/INC-1/events"))).await;
    assert_eq!(events.status, 200, "{}", events.text);
    events
        .json
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|event| event["kind"]["text"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn on_a_full_disk_readyz_stays_unready_until_a_write_goes_through_and_nothing_acked_is_lost()
{
    let disk = SmallDisk::mount("4m");
    let db = disk.path().join("warroom.db").display().to_string();
    // The escalation clock's empty commits, every second: they used to clear the failure.
    let mut server = TestServer::launch_with(ServerSetup {
        db: Some(&db),
        config: Some("[escalation]\ncheck_every = \"1s\"\n"),
        ..ServerSetup::default()
    });
    let client = support::http::client();
    let note = |text: &str| {
        client
            .post(server.url("/v1/incidents/INC-1/commands"))
            .json(&json!({"type": "add_note", "text": text}))
    };
    assert_eq!(send(declare(&client, &server, "disk")).await.status, 201);
    let (mut acknowledged, mut refused) = (Vec::new(), Vec::new());
    for n in 0..3 {
        let text = format!("before {n}");
        assert_eq!(send(note(&text)).await.status, 200);
        acknowledged.push(text);
    }

    let filler = disk.fill();
    // Writes fail now (a few may still fit in the last pages the log had).
    for n in 0..50 {
        let text = format!("full {n}");
        let answer = send(note(&text)).await;
        match answer.status {
            200 => acknowledged.push(text),
            _ => {
                assert!(answer.status >= 500, "{}", answer.text);
                refused.push(text);
                break;
            }
        }
    }
    assert_eq!(refused.len(), 1, "a write failed on the full disk");
    // Unready for as long as the disk stays full, empty commits or not. A command refused by
    // its version (decided by the writer, which then commits nothing) is an empty commit the
    // test can count, as the escalation clock's looks are, which used to clear the failure.
    for _ in 0..6 {
        let stale = send(
            client
                .post(server.url("/v1/incidents/INC-1/commands"))
                .header("If-Match", "\"999\"")
                .json(&json!({"type": "add_note", "text": "stale"})),
        )
        .await;
        assert_eq!(stale.status, 409, "{}", stale.text);
        let unready = send(client.get(server.url("/readyz"))).await;
        assert_eq!(unready.status, 503, "{}", unready.text);
    }
    let refused_again = send(note("still full")).await;
    assert!(refused_again.status >= 500, "{}", refused_again.text);
    refused.push("still full".into());

    std::fs::remove_file(filler).expect("free the disk");
    let ready = send(client.get(server.url("/readyz"))).await;
    assert_eq!(
        ready.status, 200,
        "the probe's write goes through: {}",
        ready.text
    );
    for n in 0..3 {
        let text = format!("after {n}");
        assert_eq!(send(note(&text)).await.status, 200);
        acknowledged.push(text);
    }

    // Nothing acknowledged is lost, nothing refused was stored, across a crash.
    server.restart();
    let client = support::http::client();
    let stored = notes(&client, &server).await;
    assert_eq!(stored, acknowledged, "refused: {refused:?}");
}

#[tokio::test]
async fn sigterm_with_half_sent_requests_exits_0_at_once_and_checkpoints() {
    let mut server = TestServer::open();
    let client = support::http::client();
    assert_eq!(send(declare(&client, &server, "kept")).await.status, 201);
    let address = address(&server);
    let mut half_header = TcpStream::connect(&address).await.unwrap();
    half_header
        .write_all(b"POST /v1/incidents HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    let mut half_body = TcpStream::connect(&address).await.unwrap();
    half_body
        .write_all(
            b"POST /v1/incidents HTTP/1.1\r\nHost: 127.0.0.1\r\n\
              Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"title\":",
        )
        .await
        .unwrap();
    let _idle = TcpStream::connect(&address).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let pid = rustix::process::Pid::from_raw(server.pid().unwrap() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let status = server
        .wait_within(Duration::from_secs(1))
        .unwrap_or_else(|| panic!("still running 1 s after SIGTERM; log:\n{}", server.log()));
    assert!(status.success(), "{status:?}; log:\n{}", server.log());
    let wal = server.db_path().with_extension("db-wal");
    let wal_size = std::fs::metadata(&wal).map_or(0, |m| m.len());
    assert_eq!(wal_size, 0, "the WAL was checkpointed into the database");
    let mut answer = Vec::new();
    let _ = half_body.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 503"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_caller_over_its_write_limit_gets_429_and_others_go_on() {
    let server = TestServer::launch_with(ServerSetup {
        config: Some("[server.limits]\nwrites_per_minute = 6\nwrite_burst = 3\n"),
        ..ServerSetup::default()
    });
    let client = support::http::client();
    let as_alice =
        |title: &str| declare(&client, &server, title).header("x-warroom-actor", "alice");
    for n in 0..3 {
        assert_eq!(send(as_alice(&format!("alice {n}"))).await.status, 201);
    }
    let limited = send(as_alice("one too many")).await;
    limited.assert_error(429, "rate_limited");
    let retry_after: u64 = limited
        .header("retry-after")
        .and_then(|value| value.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    let bob = send(declare(&client, &server, "bob's").header("x-warroom-actor", "bob")).await;
    assert_eq!(bob.status, 201, "{}", bob.text);
    // The request's trace line: method, route, status and actor as structured fields.
    let log = server.log();
    assert!(
        log.lines().any(|line| line.contains("method=POST")
            && line.contains("route=\"/v1/incidents\"")
            && line.contains("actor=\"alice\"")
            && line.contains("status=429")
            && line.contains("latency=")),
        "{log}"
    );
    // Reads are not limited.
    let list = send(
        client
            .get(server.url("/v1/incidents"))
            .header("x-warroom-actor", "alice"),
    )
    .await;
    assert_eq!(list.json.as_array().map(Vec::len), Some(4));
}
