//! The HTTP/1 connections, served by hyper under limits:
//! - at most `max_connections` at once: more wait in the kernel's accept queue, and the first
//!   time the cap is reached in a while says so in the log;
//! - hyper's header-read timeout: a client must send a request's headers within
//!   `header_timeout` of connecting, and again of its previous answer, so idle keep-alive and
//!   slowloris sockets are closed;
//! - on stop, a connection that is not being answered (idle, or with half a request) is closed
//!   at once; one being answered finishes its answer (long-polls answer at once, see
//!   `longpoll`).

use super::limits::Limits;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// After a failed accept (out of descriptors, say), wait this long before the next.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves connections from `listener` until `stop` turns true, then waits for the
/// connections still answering.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: &Limits,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut connections = JoinSet::new();
    let mut at_cap = false;
    loop {
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                at_cap = false;
                slot
            }
            Err(_) => {
                if !at_cap {
                    at_cap = true;
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "connection limit reached: new connections wait until one closes"
                    );
                }
                tokio::select! {
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break,
                    },
                    () = stopped(&mut stop) => break,
                }
            }
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    tracing::warn!(%err, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            () = stopped(&mut stop) => break,
        };
        connections.spawn(serve_one(
            http.clone(),
            stream,
            app.clone(),
            stop.clone(),
            slot,
        ));
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// One connection, from accept to close. `_slot` frees its place under the cap when dropped.
async fn serve_one(
    http: http1::Builder,
    stream: TcpStream,
    app: Router,
    mut stop: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let answering = Arc::new(AtomicUsize::new(0));
    let service = {
        let answering = answering.clone();
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let busy = Answering::begin(&answering);
            let app = app.clone();
            async move {
                let response = app.oneshot(request).await;
                drop(busy);
                response
            }
        })
    };
    let connection = http.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(err) = result {
                // Timeouts and clients hanging up: routine, not worth more than debug.
                tracing::debug!(%err, "connection closed");
            }
            return;
        }
        () = stopped(&mut stop) => {}
    }
    if answering.load(Ordering::SeqCst) == 0 {
        // Idle or half a request: nothing was started, so nothing is lost by closing.
        return;
    }
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}

/// Resolves once the server is stopping (or its stop sender is gone, which is as good).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopping| *stopping).await;
}

/// Counts a request being answered on a connection while it lives.
struct Answering(Arc<AtomicUsize>);

impl Answering {
    fn begin(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Answering(count.clone())
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
