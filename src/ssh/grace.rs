//! A connection's socket, guarded until it logs in: reading or writing fails once the login
//! grace (counted from the accept) is over or the admission table dropped the connection,
//! whatever the client sent meanwhile (nothing, only its banner, half a key exchange). The
//! SSH library runs the connection in a task of its own that nothing outside can stop; a
//! failing socket ends that task and closes the descriptor. It also tells the table whose
//! turn it is: the server's once the client sent something, the client's once the server did.

use super::admission::{Closed, Dropped, Startup};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

pub struct Guarded<S> {
    inner: S,
    startup: Arc<Startup>,
    grace: Pin<Box<Sleep>>,
    /// `None` once the table has let go of the connection.
    dropped: Option<Dropped>,
}

impl<S> Guarded<S> {
    /// `inner`, failing at `deadline` unless the connection has logged in by then.
    pub fn new(
        inner: S,
        startup: Arc<Startup>,
        dropped: Dropped,
        deadline: tokio::time::Instant,
    ) -> Guarded<S> {
        Guarded {
            inner,
            startup,
            grace: Box::pin(tokio::time::sleep_until(deadline)),
            dropped: Some(dropped),
        }
    }

    /// Why the connection may not go on, if it may not; otherwise the waker of `cx` is
    /// called when the grace ends or the table drops it.
    fn refused(&mut self, cx: &mut Context<'_>) -> Option<io::Error> {
        if self.startup.is_logged_in() {
            return None;
        }
        if let Some(dropped) = &mut self.dropped
            && let Poll::Ready(result) = Pin::new(dropped).poll(cx)
        {
            self.dropped = None;
            if result.is_ok() && self.startup.closed().is_none() {
                self.startup.close(Closed::MaxStartups);
            }
        }
        if self.startup.closed().is_none() && self.grace.as_mut().poll(cx).is_ready() {
            self.startup.close(Closed::Grace);
        }
        let reason = self.startup.closed()?;
        let kind = match reason {
            Closed::Grace => io::ErrorKind::TimedOut,
            Closed::PerSource | Closed::MaxStartups => io::ErrorKind::ConnectionAborted,
        };
        Some(io::Error::new(kind, reason.to_string()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(error) = self.refused(cx) {
            return Poll::Ready(Err(error));
        }
        let before = buf.filled().len();
        let read = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(read, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.startup.heard();
        }
        read
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(error) = self.refused(cx) {
            return Poll::Ready(Err(error));
        }
        let written = Pin::new(&mut self.inner).poll_write(cx, bytes);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.startup.spoke(std::time::Instant::now());
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(error) = self.refused(cx) {
            return Poll::Ready(Err(error));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssh::admission::{Admission, MaxStartups};
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn source() -> std::net::SocketAddr {
        "127.0.0.1:1".parse().unwrap()
    }

    #[tokio::test]
    async fn a_client_that_keeps_talking_is_still_closed_at_the_grace() {
        let admission = Arc::new(Admission::new(MaxStartups::default(), 10));
        let (ticket, dropped) = admission
            .admit(source(), std::time::Instant::now(), 99)
            .unwrap();
        let (near, mut far) = tokio::io::duplex(64);
        let deadline = tokio::time::Instant::now() + Duration::from_millis(300);
        let mut guarded = Guarded::new(near, ticket.startup.clone(), dropped, deadline);
        let started = tokio::time::Instant::now();
        let error = loop {
            far.write_all(b"x").await.unwrap();
            let mut byte = [0u8; 1];
            match guarded.read(&mut byte).await {
                Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                Err(error) => break error,
            }
        };
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(ticket.startup.closed(), Some(Closed::Grace));
        assert!(guarded.write(b"y").await.is_err(), "writes fail too");
    }

    #[tokio::test]
    async fn a_silent_client_is_woken_by_the_grace_or_the_drop_and_a_login_lifts_both() {
        let admission = Arc::new(Admission::new(MaxStartups::default(), 1));
        let now = std::time::Instant::now();
        let (ticket, dropped) = admission.admit(source(), now, 99).unwrap();
        let (near, _far) = tokio::io::duplex(64);
        let far_off = tokio::time::Instant::now() + Duration::from_secs(3600);
        let mut guarded = Guarded::new(near, ticket.startup.clone(), dropped, far_off);
        let reading = tokio::spawn(async move {
            let mut byte = [0u8; 1];
            guarded.read(&mut byte).await
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (_newcomer, _) = admission.admit(source(), now, 99).unwrap();
        let error = tokio::time::timeout(Duration::from_secs(5), reading)
            .await
            .expect("the drop wakes the reader")
            .unwrap()
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionAborted);

        let (ticket, dropped) = admission
            .admit("127.0.0.2:1".parse().unwrap(), now, 99)
            .unwrap();
        let (near, mut far) = tokio::io::duplex(64);
        let soon = tokio::time::Instant::now() + Duration::from_millis(50);
        let mut guarded = Guarded::new(near, ticket.startup.clone(), dropped, soon);
        ticket.logged_in();
        tokio::time::sleep(Duration::from_millis(100)).await;
        far.write_all(b"after the grace").await.unwrap();
        let mut text = [0u8; 15];
        guarded.read_exact(&mut text).await.unwrap();
        assert_eq!(&text, b"after the grace");
    }
}
