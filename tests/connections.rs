//! Connections time out and are bounded: 2,000 idle and 200 slowloris sockets against a server
//! started under a 1,024-descriptor soft limit, and 1,500 idle sockets against one that cannot
//! raise its limit of 1,024. In a test binary of its own, and one test at a time, so that
//! nothing else shares the two cores while they probe `/healthz`. No latency is asserted here:
//! `benches/idle_healthz.rs` measures it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use std::time::Duration;
use support::server::{ServerSetup, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One `GET /healthz` on a fresh connection, answered 200 before `bound`: a connection
/// starved by the idle ones waits until a header timeout frees a slot, so `bound` is that
/// timeout, not a latency target (the latencies are measured by `benches/idle_healthz.rs`).
async fn healthz_before(address: &str, bound: Duration) {
    let probe = async {
        let mut stream = TcpStream::connect(address).await.expect("connect");
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .await
            .expect("send");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.expect("read");
        answer
    };
    let answer = tokio::time::timeout(bound, probe)
        .await
        .unwrap_or_else(|_| panic!("/healthz starved: no answer within {bound:?}"));
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
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

/// `count` connections that never send a byte.
async fn idle_sockets(address: &str, count: usize) -> Vec<TcpStream> {
    let mut sockets = Vec::with_capacity(count);
    for _ in 0..count {
        sockets.push(TcpStream::connect(address).await.expect("an idle socket"));
    }
    sockets
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

/// Held by each test for its whole run.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slowloris_sockets_neither_starve_healthz_nor_stay_open() {
    let _alone = ONE_AT_A_TIME.lock().await;
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
    let mut idle = idle_sockets(&address, IDLE).await;
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
    let mut probes = 0;
    while tokio::time::Instant::now() < probing_until {
        healthz_before(&address, HEADER_TIMEOUT).await;
        probes += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        probes > 1,
        "/healthz was probed while the sockets were open"
    );
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
    assert!(
        server.log().contains("open files limit raised") && server.log().contains("from=1024"),
        "{}",
        server.log()
    );
}

/// With soft and hard limits of 1,024 open files the server cannot raise, 1,500 idle sockets
/// used to fill its descriptors: new connections waited in the accept queue until the header
/// timeout closed idle ones (11.2 s). Now the cap stays under the limit and the longest idle
/// connections make room: `/healthz` answers at once while the sockets are held, and after
/// the header timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_a_hard_limit_of_1024_files_1500_idle_sockets_do_not_delay_healthz() {
    let _alone = ONE_AT_A_TIME.lock().await;
    const IDLE: usize = 1500;
    raise_own_open_files_limit(4096);
    let server = TestServer::launch_with(ServerSetup {
        // Without -S or -H, the soft and the hard limit.
        before: Some("ulimit -n 1024"),
        ..ServerSetup::default()
    });
    let address = server.base().trim_start_matches("http://").to_string();
    let idle = idle_sockets(&address, IDLE).await;
    // Past the default header timeout of 10 s, which closes what is left of them.
    let probing_until = tokio::time::Instant::now() + Duration::from_secs(12);
    // Each probe is answered before the header timeout (10 s by default) could have freed a
    // descriptor for it: it did not wait in the accept queue.
    while tokio::time::Instant::now() < probing_until {
        healthz_before(&address, Duration::from_secs(10)).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = server.log();
    assert!(
        log.contains("connection cap connections=896 max_connections=4096 open_files=\"1024\""),
        "{log}"
    );
    assert!(
        log.contains("idle connections are closed, oldest first"),
        "{log}"
    );
    assert!(!log.contains("cannot accept"), "{log}");
    drop(idle);
}
