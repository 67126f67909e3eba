//! A real `citizens-server` process on port 0 with a fresh data dir, and devices to drive it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use citizens_client::{Client, InitOptions, RetryPolicy, SyncReport};
use citizens_test_support::{FakeClock, PASSPHRASE, TOWN_HALL_DAY};

pub const ORG: &str = "Kano Civic Forum";

pub struct Server {
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    pub url: String,
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_citizens-server")
}

impl Server {
    pub fn start() -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut server = Server {
            dir,
            child: None,
            url: String::new(),
        };
        server.spawn("127.0.0.1:0");
        server
    }

    /// The server's log (JSON lines on stderr, appended across restarts).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    fn spawn(&mut self, listen: &str) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("server.log"))
            .expect("log file");
        let mut child = Command::new(bin())
            .env("RUST_LOG", "debug")
            .args([
                "--data-dir",
                self.dir.path().to_str().expect("path"),
                "serve",
                "--listen",
                listen,
            ])
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start citizens-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read address");
        self.url = line
            .trim()
            .strip_prefix("listening on ")
            .expect("address line")
            .to_string();
        self.child = Some(child);
    }

    /// SIGKILL the server, then start it again on the same address and data.
    pub fn kill_and_restart(&mut self) {
        self.while_stopped(|_| {});
    }

    /// SIGKILL the server, let `f` work on its data folder, start it again on the same address.
    pub fn while_stopped(&mut self, f: impl FnOnce(&Path)) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill");
            child.wait().expect("reap");
        }
        f(self.dir.path());
        let listen = self.url.trim_start_matches("http://").to_string();
        self.spawn(&listen);
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    pub fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(bin())
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(args)
            .output()
            .expect("run admin command");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_string()
    }

    pub fn code(&self, role: &str, org_key: &str) -> String {
        self.admin(&[
            "enroll",
            "--role",
            role,
            "--org",
            ORG,
            "--org-public-key",
            org_key,
            "--expires",
            "1h",
        ])
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn fast() -> RetryPolicy {
    RetryPolicy {
        attempts: 12,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(200),
        timeout: Duration::from_secs(10),
    }
}

pub struct Device {
    pub dir: tempfile::TempDir,
    pub client: Client,
}

impl Device {
    /// A coordinator install: it makes the organisation key.
    pub fn coordinator(server: &Server, name: &str) -> Device {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut client =
            citizens_test_support::install(dir.path(), name, FakeClock::at(TOWN_HALL_DAY));
        let code = server.code("coordinator", &client.profile().org_public_key.clone());
        client
            .enroll(&server.url, &code, fast())
            .expect("enrol coordinator");
        Device { dir, client }
    }

    /// Another coordinator install of the same organisation (holding no organisation secret).
    pub fn coordinator_with_key(server: &Server, name: &str, org_key: &str) -> Device {
        let mut device = Device::with_key(name, org_key);
        let code = server.code("coordinator", org_key);
        device
            .client
            .enroll(&server.url, &code, fast())
            .expect("enrol coordinator");
        device
    }

    fn with_key(name: &str, org_key: &str) -> Device {
        let dir = tempfile::tempdir().expect("tempdir");
        let client = Client::init(
            dir.path(),
            PASSPHRASE,
            InitOptions {
                user: name.into(),
                organisation: ORG.into(),
                device_name: None,
                org_public_key: Some(org_key.into()),
            },
            FakeClock::at(TOWN_HALL_DAY),
        )
        .expect("install");
        Device { dir, client }
    }

    pub fn volunteer(server: &Server, name: &str, org_key: &str) -> Device {
        let mut device = Device::with_key(name, org_key);
        let code = server.code("volunteer", org_key);
        device
            .client
            .enroll(&server.url, &code, fast())
            .expect("enrol volunteer");
        device
    }

    pub fn sync(&mut self) -> SyncReport {
        self.client.sync(fast(), &mut |_| {}).expect("sync")
    }

    pub fn references(&self) -> Vec<String> {
        let mut refs: Vec<String> = self
            .client
            .list(
                &Default::default(),
                citizens_client::Sort::Reference,
                0,
                100_000,
            )
            .expect("list")
            .rows
            .into_iter()
            .map(|r| r.reference)
            .collect();
        refs.sort();
        refs
    }

    /// A fresh access token, straight from `/v1/token`, for raw requests.
    pub fn access_token(&mut self, url: &str) -> String {
        use citizens_protocol::{
            decode, encode, TokenRequest, TokenResponse, CONTENT_TYPE, PROTOCOL_VERSION,
        };
        let store = self.client.store();
        let request = TokenRequest {
            version: PROTOCOL_VERSION,
            device_id: uuid::Uuid::parse_str(
                &store
                    .meta("sync.device_id")
                    .expect("meta")
                    .expect("enrolled"),
            )
            .expect("uuid"),
            device_secret: store
                .meta("sync.device_secret")
                .expect("meta")
                .expect("secret"),
        };
        let response = reqwest::blocking::Client::new()
            .post(format!("{url}/v1/token"))
            .header("content-type", CONTENT_TYPE)
            .body(encode(&request))
            .send()
            .expect("token request");
        decode::<TokenResponse>(&response.bytes().expect("body"))
            .expect("token")
            .access_token
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}
