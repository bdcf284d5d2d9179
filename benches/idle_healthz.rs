//! `/healthz` latency while idle sockets are open on the server, in two setups:
//! - 2,000 idle sockets, the server started under the common soft limit of 1,024 open files
//!   (it raises it to the hard limit itself);
//! - 1,500 idle sockets, the server started under soft and hard limits of 1,024, which it
//!   cannot raise: its connection cap (896) stays under the limit and the longest idle
//!   connections are closed to make room for new ones.
//!
//! Each starts the real binary (`warroom serve`), opens the sockets (they never send a byte),
//! then times 500 `GET /healthz`, each on a fresh connection, 10 ms apart: all within the
//! default 10 s header timeout, so the idle sockets are open throughout.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PROBES: usize = 500;

fn main() {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    rustix::process::setrlimit(
        rustix::process::Resource::Nofile,
        rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        },
    )
    .expect("raise this process's open files limit");
    run("soft limit 1,024 (raised)", "ulimit -S -n 1024", 2000);
    run("soft and hard limit 1,024", "ulimit -n 1024", 1500);
}

/// Starts the server after the shell's `limits`, holds `idle` sockets and probes.
fn run(setup: &str, limits: &str, idle: usize) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a temporary directory");
    let mut server = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{limits} && exec \"$0\" serve --listen 127.0.0.1:0 --db \"$1\""
        ))
        .arg(env!("CARGO_BIN_EXE_warroom"))
        .arg(dir.path().join("bench.db"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start warroom serve");
    let mut first = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("the address line");
    let address = first
        .trim()
        .strip_prefix("listening on http://")
        .expect("listening on ...")
        .to_string();

    let sockets: Vec<TcpStream> = (0..idle)
        .map(|_| TcpStream::connect(&address).expect("an idle socket"))
        .collect();
    let mut samples = Vec::with_capacity(PROBES);
    for _ in 0..PROBES {
        let started = Instant::now();
        let mut stream = TcpStream::connect(&address).expect("connect");
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .expect("send");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).expect("read");
        assert!(answer.starts_with(b"HTTP/1.1 200"), "a 200");
        samples.push(started.elapsed());
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(sockets);
    let _ = server.kill();
    let _ = server.wait();
    samples.sort();
    println!(
        "/healthz with {idle} idle sockets open, {setup}, {PROBES} probes: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(support::percentile(&samples, 50.0)),
        ms(support::percentile(&samples, 99.0)),
        ms(samples[samples.len() - 1]),
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
