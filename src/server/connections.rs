//! The HTTP/1 connections, served by hyper under limits:
//! - at most [`cap`] connections at once on all the server's addresses together: the
//!   configured `max_connections`, kept under the open files limit with room for the
//!   database, the log and outbound clients, so a new connection never finds the process out
//!   of descriptors;
//! - at the cap, or when accept runs out of descriptors anyway, the connections that are idle
//!   (kept alive between requests, or connected without a complete request yet) are closed
//!   oldest first, as nginx does, so a new request is served at once instead of waiting for a
//!   header timeout; only when every connection is busy does a new one wait, and a failed
//!   accept backs off briefly instead of spinning;
//! - hyper's header-read timeout: a client must send a request's headers within
//!   `header_timeout` of connecting, and again of its previous answer, so idle keep-alive and
//!   slowloris sockets are closed;
//! - request heads are bounded: a header over [`MAX_HEADER_BYTES`] is refused with a JSON
//!   431, a head over [`MAX_HEAD_BYTES`] with hyper's own 431, before it is buffered further;
//! - on stop, a connection that is not being answered (idle, or with half a request) is closed
//!   at once; one being answered finishes its answer (long-polls answer at once, see
//!   `longpoll`).

use super::error::ApiError;
use super::limits::Limits;
use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::response::IntoResponse;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// The largest request header (name and value): a token, a cookie or a long `If-Match` fit
/// many times over; nginx refuses more than 8 KiB by default.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// The largest request head: the request line and every header together.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Descriptors kept for what is not a connection: the database (SQLite's file, WAL and
/// shared memory for each of its connections, or PostgreSQL's sockets), the log, the
/// listeners and the notification worker's outbound clients.
const RESERVED_DESCRIPTORS: u64 = 128;
/// After a failed accept with nothing to close, wait this long before the next.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);
/// After a failed accept that closed idle connections, this long for them to go.
const SHED_BACKOFF: Duration = Duration::from_millis(2);
/// Idle connections closed when accept runs out of descriptors (nginx closes 32).
const SHED_ON_EMFILE: usize = 32;

/// The connection cap: `max_connections`, but at most the open files limit less a reserve
/// for the rest of the process (a quarter of the limit when that is smaller).
pub fn cap(max_connections: usize, open_files: Option<u64>) -> usize {
    let Some(limit) = open_files else {
        return max_connections;
    };
    let room = limit - RESERVED_DESCRIPTORS.min(limit / 4);
    max_connections.min(usize::try_from(room).unwrap_or(usize::MAX).max(1))
}

/// Every connection of the server, on all its addresses: the slots under the cap, and the
/// idle connections in the order they became idle, so the oldest can be closed first.
pub struct Connections {
    cap: usize,
    slots: Arc<Semaphore>,
    idle: Mutex<Idle>,
    http: http1::Builder,
}

#[derive(Default)]
struct Idle {
    next: u64,
    /// By the order they became idle: the first is the oldest.
    connections: BTreeMap<u64, Arc<Connection>>,
}

/// What the acceptor and one connection's task share.
#[derive(Default)]
struct Connection {
    /// Requests being answered: from their head until their answer's body is sent.
    answering: AtomicUsize,
    /// Its place in [`Idle::connections`] while it is there; changed under that lock only.
    place: Mutex<Option<u64>>,
    /// Told to close, if it is still idle then.
    shed: Notify,
}

impl Connections {
    /// Connections under `limits`, at most [`cap`] of them for this open files limit.
    pub fn new(limits: &Limits, open_files: Option<u64>) -> Arc<Connections> {
        let cap = cap(limits.max_connections, open_files);
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .max_header_size(MAX_HEAD_BYTES);
        Arc::new(Connections {
            cap,
            slots: Arc::new(Semaphore::new(cap)),
            idle: Mutex::new(Idle::default()),
            http,
        })
    }

    /// The connections served at once.
    pub fn cap(&self) -> usize {
        self.cap
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Idle> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `connection` waits for a request: it goes to the back of the idle line.
    fn now_idle(&self, connection: &Arc<Connection>) {
        let mut idle = self.idle();
        let place = idle.next;
        idle.next += 1;
        idle.connections.insert(place, connection.clone());
        *lock(&connection.place) = Some(place);
    }

    /// `connection` is answering, or gone: out of the idle line.
    fn not_idle(&self, connection: &Connection) {
        let mut idle = self.idle();
        if let Some(place) = lock(&connection.place).take() {
            idle.connections.remove(&place);
        }
    }

    /// Tells up to `count` of the longest idle connections to close; returns how many.
    fn shed(&self, count: usize) -> usize {
        let mut idle = self.idle();
        let mut shed = 0;
        while shed < count {
            let Some((_, connection)) = idle.connections.pop_first() else {
                break;
            };
            *lock(&connection.place) = None;
            connection.shed.notify_one();
            shed += 1;
        }
        shed
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Serves connections from `listener` until `stop` turns true, then waits for the
/// connections still answering.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    connections: Arc<Connections>,
    mut stop: watch::Receiver<bool>,
) {
    let mut tasks = JoinSet::new();
    let mut at_cap = false;
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    let out_of_descriptors =
                        matches!(err.raw_os_error(), Some(libc::EMFILE | libc::ENFILE));
                    let shed = if out_of_descriptors {
                        connections.shed(SHED_ON_EMFILE)
                    } else {
                        0
                    };
                    tracing::warn!(%err, idle_closed = shed, "cannot accept a connection");
                    tokio::time::sleep(if shed > 0 { SHED_BACKOFF } else { ACCEPT_BACKOFF }).await;
                    continue;
                }
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            () = stopped(&mut stop) => break,
        };
        let slot = match connections.slots.clone().try_acquire_owned() {
            Ok(slot) => {
                at_cap = false;
                slot
            }
            Err(_) => {
                // At the cap: the longest idle connection makes room for this one.
                let shed = connections.shed(1);
                if !at_cap {
                    at_cap = true;
                    tracing::warn!(
                        cap = connections.cap,
                        "connection limit reached: {}",
                        if shed > 0 {
                            "idle connections are closed, oldest first, to make room"
                        } else {
                            "every connection is busy, new connections wait until one closes"
                        }
                    );
                }
                tokio::select! {
                    slot = connections.slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break,
                    },
                    () = stopped(&mut stop) => break,
                }
            }
        };
        tasks.spawn(serve_one(
            connections.clone(),
            stream,
            app.clone(),
            stop.clone(),
            slot,
        ));
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
}

/// One connection, from accept to close. `_slot` frees its place under the cap when dropped.
async fn serve_one(
    connections: Arc<Connections>,
    stream: TcpStream,
    app: Router,
    stop: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let connection = Arc::new(Connection::default());
    connections.now_idle(&connection);
    answer(&connections, &connection, stream, app, stop).await;
    // After hyper's connection (and every answer body it held) is dropped, so nothing puts it
    // back in the idle line.
    connections.not_idle(&connection);
}

async fn answer(
    connections: &Arc<Connections>,
    connection: &Arc<Connection>,
    stream: TcpStream,
    app: Router,
    mut stop: watch::Receiver<bool>,
) {
    let service = {
        let (connections, connection) = (connections.clone(), connection.clone());
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let busy = Answering::begin(&connections, &connection);
            let app = app.clone();
            async move {
                let response = match oversized_header(&request) {
                    Some(refusal) => refusal.into_response(),
                    None => app.oneshot(request).await.into_response(),
                };
                // The connection stays busy until the answer is sent, not just made.
                Ok::<_, std::convert::Infallible>(
                    response.map(|body| Body::new(Sending { body, _busy: busy })),
                )
            }
        })
    };
    let served = connections
        .http
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(served);
    loop {
        tokio::select! {
            biased;
            result = served.as_mut() => {
                if let Err(err) = result {
                    // Timeouts and clients hanging up: routine, not worth more than debug.
                    tracing::debug!(%err, "connection closed");
                }
                return;
            }
            // While the select waits, hyper is not polled, so no request can start: the
            // count below is current.
            () = connection.shed.notified() => {
                if connection.answering.load(Ordering::SeqCst) == 0 {
                    tracing::debug!("idle connection closed to make room for a new one");
                    return;
                }
            }
            () = stopped(&mut stop) => break,
        }
    }
    if connection.answering.load(Ordering::SeqCst) == 0 {
        // Idle or half a request: nothing was started, so nothing is lost by closing.
        return;
    }
    served.as_mut().graceful_shutdown();
    let _ = served.await;
}

/// A 431 for a request with a header over [`MAX_HEADER_BYTES`].
fn oversized_header(request: &hyper::Request<Incoming>) -> Option<ApiError> {
    let (name, value) = request
        .headers()
        .iter()
        .find(|(name, value)| name.as_str().len() + value.len() > MAX_HEADER_BYTES)?;
    Some(ApiError::HeaderTooLarge(format!(
        "the {name} header has {} bytes; at most {} KiB a header and {} KiB in all",
        name.as_str().len() + value.len(),
        MAX_HEADER_BYTES / 1024,
        MAX_HEAD_BYTES / 1024
    )))
}

/// Resolves once the server is stopping (or its stop sender is gone, which is as good).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopping| *stopping).await;
}

/// A request being answered on a connection while it lives; the connection is idle again
/// once the last one is gone.
struct Answering {
    connections: Arc<Connections>,
    connection: Arc<Connection>,
}

impl Answering {
    fn begin(connections: &Arc<Connections>, connection: &Arc<Connection>) -> Self {
        if connection.answering.fetch_add(1, Ordering::SeqCst) == 0 {
            connections.not_idle(connection);
        }
        Answering {
            connections: connections.clone(),
            connection: connection.clone(),
        }
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        if self.connection.answering.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.connections.now_idle(&self.connection);
        }
    }
}

/// An answer's body, holding its request's [`Answering`] until hyper has sent it all (or
/// dropped it).
struct Sending {
    body: Body,
    _busy: Answering,
}

impl HttpBody for Sending {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_room_under_the_open_files_limit() {
        assert_eq!(cap(4096, None), 4096);
        assert_eq!(cap(4096, Some(1024)), 896);
        assert_eq!(cap(4096, Some(1_048_576)), 4096);
        assert_eq!(cap(100, Some(1024)), 100);
        // A tiny limit keeps three quarters for connections, and never none.
        assert_eq!(cap(4096, Some(64)), 48);
        assert_eq!(cap(4096, Some(1)), 1);
    }

    #[test]
    fn the_longest_idle_connections_are_shed_first_and_busy_ones_never() {
        let connections = Connections::new(&Limits::default(), None);
        let [first, second, third]: [Arc<Connection>; 3] = Default::default();
        for connection in [&first, &second, &third] {
            connections.now_idle(connection);
        }
        // The first one takes a request: it leaves the line, and comes back at its end.
        let busy = Answering::begin(&connections, &first);
        assert_eq!(connections.shed(1), 1);
        assert_eq!(*lock(&second.place), None, "the second was the oldest idle");
        assert!(lock(&third.place).is_some());
        drop(busy);
        assert_eq!(connections.shed(5), 2, "the third, then the first");
        assert_eq!(connections.shed(1), 0);
    }
}
