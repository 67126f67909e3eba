//! A fault-injecting HTTP/1.1 proxy for sync tests: between devices and a real server it
//! resets connections, delays, cuts answers mid-way, replays requests, or calls a hook (to kill
//! the server) after forwarding — chosen per request by a seeded plan. Dropped, it stops: its
//! threads end and let go of the plan and the hook (and whatever server the hook holds).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward and answer normally.
    Pass,
    /// Close the connection without forwarding.
    ResetBefore,
    /// Forward (the server acts), then close without answering.
    ResetAfter,
    /// Forward, then send only part of the answer and close.
    Cut,
    /// Wait, then forward and answer.
    Delay(Duration),
    /// Forward the same request this many times; answer with the last answer.
    Replay(usize),
    /// Forward, call the hook (e.g. SIGKILL and restart the server), then close unanswered.
    HookAfter,
    /// Answer without forwarding, as the server refuses a request: 400 with these words.
    Refuse(&'static str),
}

type Plan = Box<dyn FnMut(usize, &str) -> Fault + Send>;
type Hook = Box<dyn FnMut() + Send>;

/// A running proxy; stopped when dropped.
pub struct Proxy {
    /// Base URL devices should use.
    pub url: String,
    /// Requests seen so far.
    pub requests: Arc<AtomicUsize>,
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    accepting: Option<JoinHandle<()>>,
    in_flight: Arc<InFlight>,
}

/// Connections being answered, to wait for when the proxy stops.
#[derive(Default)]
struct InFlight {
    count: Mutex<usize>,
    done: Condvar,
}

/// One connection being answered; counted off when its thread ends, even by a panic.
struct Answering(Arc<InFlight>);

impl Answering {
    fn start(in_flight: &Arc<InFlight>) -> Answering {
        if let Ok(mut count) = in_flight.count.lock() {
            *count += 1;
        }
        Answering(in_flight.clone())
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        if let Ok(mut count) = self.0.count.lock() {
            *count -= 1;
        }
        self.0.done.notify_all();
    }
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy").field("url", &self.url).finish()
    }
}

pub(crate) fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
        if lower.starts_with("connection:") {
            continue;
        }
        if line == "\r\n" {
            head.extend_from_slice(b"connection: close\r\n\r\n");
            break;
        }
        head.extend_from_slice(line.as_bytes());
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    head.extend_from_slice(&body);
    Some(head)
}

fn forward(upstream: SocketAddr, request: &[u8]) -> Option<Vec<u8>> {
    let mut stream = TcpStream::connect(upstream).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .ok()?;
    stream.write_all(request).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    (!answer.is_empty()).then_some(answer)
}

/// A server's refusal, as it answers one.
fn refusal(words: &str) -> Vec<u8> {
    let body = citizens_protocol::encode(&citizens_protocol::ErrorBody {
        code: citizens_protocol::ErrorCode::InvalidRequest,
        message: words.to_string(),
    });
    let mut answer = format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        citizens_protocol::CONTENT_TYPE,
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    answer
}

impl Proxy {
    /// Start a proxy in front of `upstream` (a `http://host:port` URL) following `plan`, which
    /// gets each request's number and request line (`PUT /v1/blobs/… HTTP/1.1`).
    pub fn start(
        upstream: &str,
        plan: impl FnMut(usize, &str) -> Fault + Send + 'static,
        hook: impl FnMut() + Send + 'static,
    ) -> Proxy {
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .parse()
            .expect("upstream address");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let plan: Arc<Mutex<Plan>> = Arc::new(Mutex::new(Box::new(plan)));
        let hook: Arc<Mutex<Hook>> = Arc::new(Mutex::new(Box::new(hook)));
        let address = listener.local_addr().expect("address");
        let stop = Arc::new(AtomicBool::new(false));
        let in_flight = Arc::new(InFlight::default());
        let (stopping, answering) = (stop.clone(), in_flight.clone());
        let accepting = std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let (plan, hook, counter) = (plan.clone(), hook.clone(), counter.clone());
                let answering = Answering::start(&answering);
                std::thread::spawn(move || {
                    // Counted off after `answer` has let go of the plan and the hook.
                    let _answering = answering;
                    answer(client, upstream, plan, hook, counter);
                });
            }
        });
        Proxy {
            url,
            requests,
            address,
            stop,
            accepting: Some(accepting),
            in_flight,
        }
    }
}

/// Answer one connection as the plan says.
fn answer(
    client: TcpStream,
    upstream: SocketAddr,
    plan: Arc<Mutex<Plan>>,
    hook: Arc<Mutex<Hook>>,
    counter: Arc<AtomicUsize>,
) {
    // A client that never sends its request does not hold the thread (nor the hook) forever.
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(read_half) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut client = client;
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    let n = counter.fetch_add(1, Ordering::SeqCst);
    let line = String::from_utf8_lossy(request.split(|b| *b == b'\r').next().unwrap_or_default())
        .to_string();
    let fault = plan.lock().map(|mut p| p(n, &line)).unwrap_or(Fault::Pass);
    let answer = match fault {
        Fault::ResetBefore => None,
        Fault::Refuse(words) => Some(refusal(words)),
        Fault::Delay(d) => {
            std::thread::sleep(d);
            forward(upstream, &request)
        }
        Fault::Replay(times) => (0..times.max(1)).fold(None, |_, _| forward(upstream, &request)),
        Fault::Pass | Fault::ResetAfter | Fault::Cut | Fault::HookAfter => {
            forward(upstream, &request)
        }
    };
    match (fault, answer) {
        (Fault::ResetAfter, _) | (_, None) => {}
        (Fault::HookAfter, _) => {
            if let Ok(mut hook) = hook.lock() {
                hook();
            }
        }
        (Fault::Cut, Some(answer)) => {
            let _ = client.write_all(&answer[..answer.len() / 2]);
        }
        (_, Some(answer)) => {
            let _ = client.write_all(&answer);
        }
    }
    let _ = client.shutdown(Shutdown::Both);
}

impl Drop for Proxy {
    /// Stop taking connections, then wait (30 s at most) for those being answered, so that no
    /// thread still holds the hook, and the server it restarts, once the test moves on.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accepting thread, which then sees `stop`.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(5));
        if let Some(accepting) = self.accepting.take() {
            let _ = accepting.join();
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        let Ok(mut count) = self.in_flight.count.lock() else {
            return;
        };
        while *count > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            count = match self.in_flight.done.wait_timeout(count, left) {
                Ok((count, _)) => count,
                Err(_) => return,
            };
        }
    }
}
