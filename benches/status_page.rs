//! The status page and notifications (issue 11):
//! - `GET /status` requests per second with 64 concurrent connections, and the command
//!   latency p99 meanwhile against its idle figure;
//! - the page's size with 3 open incidents and 10 components;
//! - notification latency: from a command's answer to the local receiver holding it.

mod support;

use axum::routing::post;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use warroom::config::Config;
use warroom::server::Communicate;

const CONNECTIONS: usize = 64;
const LOAD_TIME: Duration = Duration::from_secs(5);
const COMPONENTS: [&str; 10] = [
    "api", "web", "payments", "search", "checkout", "auth", "cdn", "email", "mobile", "db",
];

fn communicate(notify_url: Option<&str>) -> Communicate {
    let mut text = format!(
        "[status]\ntitle = \"Bench status\"\ncomponents = {:?}\n",
        COMPONENTS
    );
    if let Some(url) = notify_url {
        text.push_str(&format!(
            "[[notify]]\nkind = \"webhook\"\nurl = \"{url}\"\nsecret = \"k\"\n"
        ));
    }
    let config = Config::parse(&text, "bench.toml").expect("a valid config");
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

/// Command latencies of one client posting notes back to back for `time`.
async fn command_latencies(http: &reqwest::Client, base: &str, time: Duration) -> Vec<Duration> {
    let url = format!("{base}/v1/incidents/INC-1/commands");
    let mut samples = Vec::new();
    let started = Instant::now();
    while started.elapsed() < time {
        let sent = Instant::now();
        let answer = http
            .post(&url)
            .json(&json!({"type": "add_note", "text": "bench"}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        samples.push(sent.elapsed());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    samples.sort();
    samples
}

async fn page_under_load() {
    let (server, _dir) = support::fresh_server_with(communicate(None)).await;
    let base = support::base(&server);
    let http = reqwest::Client::new();
    seed(&http, &base).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let page = http.get(format!("{base}/status")).send().await.unwrap();
    let bytes = page.bytes().await.unwrap().len();
    println!("GET /status: {bytes} bytes with 3 open incidents and 10 components");

    let idle = command_latencies(&http, &base, Duration::from_secs(3)).await;
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            // One client per connection, as 64 separate browsers or aggregators would be.
            let http = reqwest::Client::new();
            let (done, stop) = (done.clone(), stop.clone());
            let url = format!("{base}/status");
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let answer = http.get(&url).send().await.unwrap();
                    assert_eq!(answer.status(), 200);
                    answer.bytes().await.unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let started = Instant::now();
    let loaded = command_latencies(&http, &base, LOAD_TIME).await;
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        reader.await.unwrap();
    }
    let rate = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    println!("GET /status with {CONNECTIONS} connections: {rate:.0} requests/s");
    println!(
        "command latency p99: idle {:.2} ms, under the page load {:.2} ms ({} and {} samples)",
        support::percentile(&idle, 99.0).as_secs_f64() * 1000.0,
        support::percentile(&loaded, 99.0).as_secs_f64() * 1000.0,
        idle.len(),
        loaded.len()
    );
    server.shutdown().await.unwrap();
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
    let http = reqwest::Client::new();
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

#[tokio::main]
async fn main() {
    page_under_load().await;
    notification_latency().await;
}
