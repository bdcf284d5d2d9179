//! A loopback port where nothing listens, and where nothing else can start listening while the
//! test holds it.
//!
//! A port that was merely free when a test looked (bind to port 0, read it, let go) can be taken
//! a moment later by a parallel test's listener or an outgoing connection's source port: then
//! "nothing listens there" or "the receiver comes up on it" no longer holds. A socket bound to
//! the port but not listening keeps it: connections to it are refused, and no other socket on
//! the machine binds it until this one is dropped or turned into the listener.

use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpSocket};

pub struct ClosedPort {
    socket: TcpSocket,
    addr: SocketAddr,
}

impl ClosedPort {
    /// A fresh loopback port, held.
    pub fn new() -> ClosedPort {
        let socket = TcpSocket::new_v4().expect("a socket");
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("a free loopback port");
        let addr = socket.local_addr().expect("a bound port");
        ClosedPort { socket, addr }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, where connections are refused.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Starts listening on the port (within a Tokio runtime).
    pub fn listen(self) -> TcpListener {
        self.socket
            .listen(1024)
            .expect("a listener on the held port")
    }
}
