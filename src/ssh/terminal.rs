//! A session's screen: the bytes ratatui writes, sent on the SSH channel.
//!
//! ratatui's crossterm backend writes into any `std::io::Write`; this one appends each flush
//! to a buffer that a task sends on the channel, everything pending in one message, so a
//! burst of redraws (someone typing fast) costs one send. The buffer is bounded: a client
//! that stops reading ends its own session instead of growing the server's memory.

use russh::ChannelId;
use russh::server::Handle;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Bytes waiting for the channel; a client this far behind (many full screens) is not reading.
const MAX_PENDING: usize = 4 * 1024 * 1024;

#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    /// No writer is left: send what is pending and stop.
    closed: bool,
}

struct Outbox {
    pending: Mutex<Pending>,
    ready: Notify,
}

impl Outbox {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub struct ChannelWriter {
    outbox: Arc<Outbox>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    /// A writer to `channel`, and the task that sends what it writes (done once a writer is
    /// closed and everything written is sent).
    pub fn start(handle: Handle, channel: ChannelId) -> (ChannelWriter, JoinHandle<()>) {
        let outbox = Arc::new(Outbox {
            pending: Mutex::default(),
            ready: Notify::new(),
        });
        let sending = outbox.clone();
        let sender = tokio::spawn(async move {
            loop {
                let (bytes, closed) = {
                    let mut pending = sending.lock();
                    (std::mem::take(&mut pending.bytes), pending.closed)
                };
                if !bytes.is_empty() && handle.data(channel, bytes).await.is_err() {
                    return;
                }
                if closed && sending.lock().bytes.is_empty() {
                    return;
                }
                sending.ready.notified().await;
            }
        });
        let writer = ChannelWriter {
            outbox,
            buffer: Vec::new(),
        };
        (writer, sender)
    }

    /// Sends what this writer holds, then ends the sending task once everything is sent.
    pub fn close(mut self) {
        let _ = std::io::Write::flush(&mut self);
        self.outbox.lock().closed = true;
        self.outbox.ready.notify_one();
    }

    /// Another writer to the same channel, with its own buffer.
    pub fn another(&self) -> ChannelWriter {
        ChannelWriter {
            outbox: self.outbox.clone(),
            buffer: Vec::new(),
        }
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        {
            let mut pending = self.outbox.lock();
            if pending.bytes.len() + self.buffer.len() > MAX_PENDING {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::WouldBlock,
                    "the client is not reading its screen",
                ));
            }
            pending.bytes.append(&mut self.buffer);
        }
        self.outbox.ready.notify_one();
        Ok(())
    }
}
