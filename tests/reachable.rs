//! A backend that stays reachable: cross-origin refusals, one writer per database, readiness,
//! faults reported instead of fatal, a clean stop, and the per-caller write limit (connection
//! limits and timeouts are in `connections.rs`). Each test runs the real binary on loopback.

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
