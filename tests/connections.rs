//! Connections time out and are bounded: 2,000 idle and 200 slowloris sockets against a server
//! started under a 1,024-descriptor soft limit. In a test binary of its own, so that no other
//! test shares the two cores while it times `/healthz`.

mod support;

use std::time::{Duration, Instant};
use support::server::{ServerSetup, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One `GET /healthz` on a fresh connection, timed from connect to the last byte.
async fn time_healthz(address: &str) -> Duration {
    let started = Instant::now();
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    started.elapsed()
}

/// Whether the server closes `stream` before `deadline` (reads end of file or a reset).
async fn closed_by(stream: &mut TcpStream, deadline: tokio::time::Instant) -> bool {
    let mut buffer = [0u8; 512];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            // A 408 or similar before the close is fine: keep reading until the end.
            Ok(Ok(_)) => {}
        }
    }
}

/// This test process needs a descriptor per socket: raise its own soft limit.
fn raise_own_open_files_limit(needed: u64) {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let hard = limit.maximum.unwrap_or(u64::MAX);
    assert!(
        hard >= needed,
        "this test needs {needed} open files but the hard limit is {hard}: raise it (ulimit -Hn)"
    );
    setrlimit(
        Resource::Nofile,
        rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        },
    )
    .expect("raise the open files limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slowloris_sockets_neither_starve_healthz_nor_stay_open() {
    const IDLE: usize = 2000;
    const SLOW: usize = 200;
    const HEADER_TIMEOUT: Duration = Duration::from_secs(3);
    raise_own_open_files_limit(4096);
    let server = TestServer::launch_with(ServerSetup {
        config: Some("[server.limits]\nheader_timeout_secs = 3\n"),
        // The common default: the server must raise it itself to hold 2,200 sockets.
        before: Some("ulimit -S -n 1024"),
        ..ServerSetup::default()
    });
    let address = server.base().trim_start_matches("http://").to_string();
    let mut idle = Vec::with_capacity(IDLE);
    for _ in 0..IDLE {
        idle.push(TcpStream::connect(&address).await.expect("an idle socket"));
    }
    // Each slow socket drips a header line every 500 ms, as slowloris does, and must be closed
    // within the header timeout of its connection (plus a margin for a loaded machine).
    let margin = Duration::from_millis(1500);
    let mut drippers = Vec::with_capacity(SLOW);
    for _ in 0..SLOW {
        let mut stream = TcpStream::connect(&address).await.expect("a slow socket");
        let deadline = tokio::time::Instant::now() + HEADER_TIMEOUT + margin;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .await
            .expect("half a request");
        drippers.push(tokio::spawn(async move {
            loop {
                let next_drip = tokio::time::Instant::now() + Duration::from_millis(500);
                if closed_by(&mut stream, next_drip.min(deadline)).await {
                    return true;
                }
                if tokio::time::Instant::now() >= deadline {
                    return false;
                }
                if stream.write_all(b"X-Slow: 1\r\n").await.is_err() {
                    return true;
                }
            }
        }));
    }
    // /healthz throughout: while the sockets are open, and after they are closed.
    let probing_until = tokio::time::Instant::now() + HEADER_TIMEOUT + margin + margin;
    let mut latencies = Vec::new();
    while tokio::time::Instant::now() < probing_until {
        latencies.push(time_healthz(&address).await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut closed = 0;
    for dripper in drippers {
        closed += usize::from(dripper.await.expect("a dripper"));
    }
    assert_eq!(
        closed, SLOW,
        "slow sockets closed within the header timeout"
    );
    let idle_closed = {
        let mut count = 0;
        for stream in &mut idle {
            count += usize::from(closed_by(stream, tokio::time::Instant::now()).await);
        }
        count
    };
    assert_eq!(
        idle_closed, IDLE,
        "idle sockets closed by the header timeout"
    );
    // Starvation (the audit saw /healthz time out) would show as seconds. The 100 ms bound
    // is held by all but 5 % of the probes: on a loaded 2-core machine one probe can wait for
    // the scheduler longer than that. BENCHMARKS.md has the figures of a quiet run.
    latencies.sort();
    let within = |bound: Duration| latencies.iter().filter(|l| **l < bound).count();
    assert!(
        within(Duration::from_millis(100)) * 100 >= latencies.len() * 95
            && within(Duration::from_secs(1)) == latencies.len(),
        "/healthz latencies of {} probes: {latencies:?}",
        latencies.len()
    );
    assert!(
        server.log().contains("open files limit raised") && server.log().contains("from=1024"),
        "{}",
        server.log()
    );
}
