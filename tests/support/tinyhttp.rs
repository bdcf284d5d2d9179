//! A few lines of HTTP/1.1 server on a loopback thread: the exporter Prometheus scrapes, a
//! webhook Alertmanager posts to, a peer that shows what a client sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

/// A request as received: the head (request line and headers) and the body.
pub struct Request {
    pub head: String,
    pub body: String,
}

/// Serves every connection with `handler`'s answer body (status 200, `content_type`) on a
/// free loopback port, until the test process ends.
pub fn serve(
    content_type: &'static str,
    handler: impl Fn(Request) -> String + Send + 'static,
) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = listener.local_addr().expect("its address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // A peer that hangs up mid-request is its problem, not the test's.
            if let Some(request) = read_request(&stream) {
                let body = handler(request);
                let _ = write!(
                    &stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        }
    });
    address
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        head,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}
