//! A stand-in for an SMS or WhatsApp provider's send API on a free loopback port: it answers
//! every request as the provider does when it accepts a message and hands each one to the test.

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

/// One request the server made.
#[derive(Debug, Clone)]
pub struct Sent {
    /// `POST /version1/messaging`, …
    pub line: String,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl Sent {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The running stand-in.
#[derive(Debug)]
pub struct Provider {
    /// Its address, `http://127.0.0.1:…`.
    pub url: String,
    sent: mpsc::Receiver<Sent>,
}

impl Provider {
    /// Listen, answering every request with `status` and `answer` (JSON).
    pub fn start(status: u16, answer: &str) -> Provider {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, sent) = mpsc::channel();
        let answer = answer.to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream);
                let Some(request) = crate::proxy::read_request(&mut reader) else {
                    continue;
                };
                let text = String::from_utf8_lossy(&request).into_owned();
                let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
                let mut lines = head.lines();
                let line = lines.next().unwrap_or_default().to_string();
                let headers = lines
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                    .collect();
                let reply = format!(
                    "HTTP/1.1 {status} OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = reader.get_mut().write_all(reply.as_bytes());
                let sent = Sent {
                    line,
                    headers,
                    body: body.to_string(),
                };
                if tx.send(sent).is_err() {
                    return;
                }
            }
        });
        Provider { url, sent }
    }

    /// The next request the server makes (waiting for it up to a minute).
    pub fn next(&self) -> Sent {
        self.sent
            .recv_timeout(Duration::from_secs(60))
            .expect("the server called the provider")
    }

    /// Whatever requests have arrived so far, without waiting.
    pub fn so_far(&self) -> Vec<Sent> {
        self.sent.try_iter().collect()
    }
}
