//! A session's screen: the bytes ratatui writes, sent on the SSH channel.
//!
//! ratatui's crossterm backend writes into any `std::io::Write`; this one collects a frame and
//! hands it, on flush, to a task that sends it on the channel. The queue between them is
//! bounded: a client that stops reading ends its own session instead of growing the server's
//! memory.

use russh::ChannelId;
use russh::server::Handle;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Frames waiting for the channel; a client this far behind is not reading.
const QUEUED_FRAMES: usize = 64;

pub struct ChannelWriter {
    frames: mpsc::Sender<Vec<u8>>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    /// A writer to `channel`, and the task that sends what it writes (done once every
    /// writer is dropped and everything written is sent).
    pub fn start(handle: Handle, channel: ChannelId) -> (ChannelWriter, JoinHandle<()>) {
        let (frames, mut queue) = mpsc::channel::<Vec<u8>>(QUEUED_FRAMES);
        let sender = tokio::spawn(async move {
            while let Some(frame) = queue.recv().await {
                if handle.data(channel, frame).await.is_err() {
                    return;
                }
            }
        });
        let writer = ChannelWriter {
            frames,
            buffer: Vec::new(),
        };
        (writer, sender)
    }

    /// Another writer to the same channel, with its own buffer.
    pub fn another(&self) -> ChannelWriter {
        ChannelWriter {
            frames: self.frames.clone(),
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
        let frame = std::mem::take(&mut self.buffer);
        self.frames.try_send(frame).map_err(|error| match error {
            mpsc::error::TrySendError::Full(_) => std::io::Error::new(
                std::io::ErrorKind::WouldBlock,
                "the client is not reading its screen",
            ),
            mpsc::error::TrySendError::Closed(_) => {
                std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the connection is gone")
            }
        })
    }
}
