//! HAProxy (Debian's) in front of several server instances: round robin, health-checked on
//! `/healthz`, a dead instance taken out within a check or two. Killed when dropped, or with the
//! test process ([`crate::server::Tied`]).

use std::process::Stdio;
use std::time::{Duration, Instant};

/// A running HAProxy.
#[derive(Debug)]
pub struct Haproxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    _child: crate::server::Tied,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Haproxy {
    /// Balance over `backends` (`http://host:port` each).
    pub fn start(backends: &[&str]) -> Haproxy {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let servers: String = backends
            .iter()
            .enumerate()
            .map(|(i, url)| {
                format!(
                    "    server s{i} {} check inter 200ms fall 1 rise 2\n",
                    url.trim_start_matches("http://")
                )
            })
            .collect();
        let config = format!(
            "defaults\n    mode http\n    timeout connect 2s\n    timeout client 60s\n    timeout server 60s\n    retries 3\n    option redispatch\n\
             frontend sync\n    bind 127.0.0.1:{port}\n    default_backend instances\n\
             backend instances\n    balance roundrobin\n    option httpchk GET /healthz\n{servers}"
        );
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, config).expect("config");
        let mut command =
            crate::server::tied_command("haproxy").expect("haproxy (apt-get install haproxy)");
        command
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Held from here on: a panic while waiting for it kills it.
        let child = crate::server::spawn_tied(command).expect("start haproxy");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "haproxy did not start listening");
            std::thread::sleep(Duration::from_millis(20));
        }
        Haproxy {
            url: format!("http://127.0.0.1:{port}"),
            _child: child,
            _dir: dir,
        }
    }
}
