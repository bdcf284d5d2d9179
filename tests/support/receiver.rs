//! A notification receiver on a held loopback port: down (connections refused) until the test
//! brings it up, then made slow or failing as the test asks; it keeps every request it saw.

use super::closed_port::ClosedPort;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Ok,
    /// Answers 200, but only after this long.
    Slow(Duration),
    /// Answers 500.
    Fail,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The path and query it was sent to (`/hook`, `/hook/key/close?identifierType=alias`).
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The status the receiver answered.
    pub answered: u16,
    pub at: std::time::Instant,
}

#[derive(Clone)]
struct Shared {
    mode: Arc<Mutex<Mode>>,
    seen: Arc<Mutex<Vec<Received>>>,
    /// Requests that arrived, answered yet or not (a slow answer is recorded in `seen` late).
    arrived: Arc<AtomicUsize>,
    /// The `X-Warroom-Delivery` of each request as it arrived, answered yet or not.
    arrivals: Arc<Mutex<Vec<String>>>,
}

pub struct Receiver {
    addr: SocketAddr,
    shared: Shared,
    /// The port, held while the receiver is down (connections are refused).
    held: Option<ClosedPort>,
}

impl Receiver {
    /// A receiver on a free port, not yet listening ("down").
    pub fn down() -> Receiver {
        let held = ClosedPort::new();
        Receiver {
            addr: held.addr(),
            held: Some(held),
            shared: Shared {
                mode: Arc::new(Mutex::new(Mode::Ok)),
                seen: Arc::new(Mutex::new(Vec::new())),
                arrived: Arc::default(),
                arrivals: Arc::default(),
            },
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Starts listening on its port.
    pub async fn up(&mut self) {
        let held = self.held.take().expect("the receiver comes up once");
        let listener = held.listen();
        // Every path under the URL: an API such as Opsgenie's puts the action in the path.
        let app = Router::new()
            .fallback(receive)
            .with_state(self.shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
    }

    pub fn set(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    pub fn seen(&self) -> Vec<Received> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// How many requests arrived so far, including those still waiting for a slow answer.
    pub fn arrived(&self) -> usize {
        self.shared.arrived.load(Ordering::SeqCst)
    }

    /// The delivery ids of the requests that arrived so far, in order, answered yet or not.
    pub fn arrivals(&self) -> Vec<String> {
        self.shared.arrivals.lock().unwrap().clone()
    }
}

async fn receive(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if method != Method::POST || !uri.path().starts_with("/hook") {
        return StatusCode::NOT_FOUND;
    }
    let delivery = headers
        .get("x-warroom-delivery")
        .and_then(|v| v.to_str().ok());
    (shared.arrivals.lock().unwrap()).push(delivery.unwrap_or_default().to_string());
    shared.arrived.fetch_add(1, Ordering::SeqCst);
    let mode = *shared.mode.lock().unwrap();
    let status = match mode {
        Mode::Ok => StatusCode::OK,
        Mode::Slow(pause) => {
            tokio::time::sleep(pause).await;
            StatusCode::OK
        }
        Mode::Fail => StatusCode::INTERNAL_SERVER_ERROR,
    };
    shared.seen.lock().unwrap().push(Received {
        path: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers,
        body,
        answered: status.as_u16(),
        at: std::time::Instant::now(),
    });
    status
}
