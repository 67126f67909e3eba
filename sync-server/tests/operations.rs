//! Running the server: config file and environment, health, graceful shutdown, and logs that
//! never carry reporter identity, tokens, secrets or codes.

#[macro_use]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use citizens_client::GrievanceInput;
use common::{start_server, Device};

#[test]
fn logs_never_contain_identity_tokens_or_codes() {
    let server = start_server();
    let mut coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let code = server.code("volunteer", "Musa Garba", &key);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut musa = citizens_test_support::install_volunteer(
        dir.path(),
        "Musa Garba",
        citizens_test_support::FakeClock::at(0),
    );
    musa.enroll(&server.url, &code, common::fast())
        .expect("enrol");
    let report = GrievanceInput {
        kind: "corruption_report".into(),
        category: "passports".into(),
        state: "Kano".into(),
        lga: "Tarauni".into(),
        title: "Officer demanded money".into(),
        narrative: "NARRATIVEMARKER at the passport office".into(),
        reporter_name: Some("Zainabmarker Danjuma".into()),
        reporter_phone: Some("0803 555 0177".into()),
        consent_purpose_explained: true,
        ..GrievanceInput::default()
    };
    musa.capture(&report).expect("capture");
    musa.sync(common::fast(), &mut |_| {}).expect("sync");
    coordinator.sync();

    let log = server.log();
    assert!(log.contains("\"sync\""), "the log records syncs: {log}");
    let secret = musa
        .store()
        .meta("sync.device_secret")
        .expect("meta")
        .expect("secret");
    let token = musa
        .store()
        .meta("sync.token")
        .expect("meta")
        .expect("token");
    let token = token
        .split_once(' ')
        .expect("expiry and token")
        .1
        .to_string();
    for never in [
        code.as_str(),
        secret.as_str(),
        token.as_str(),
        "Zainabmarker",
        "NARRATIVEMARKER",
        "5550177",
        "Musa Garba",
    ] {
        assert!(!log.contains(never), "the server log contains '{never}'");
    }
}

/// A server started from a config file (`listen` on port 0 and `data_dir` in a fresh folder,
/// then `extra`); its folder, process and address.
fn serve_with_config(extra: &str) -> (tempfile::TempDir, std::process::Child, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n{extra}",
            dir.path().join("data").display()
        ),
    )
    .expect("config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_citizens-server"))
        .args(["--config", config.to_str().expect("path"), "serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("address");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("address line")
        .to_string();
    (dir, child, url)
}

#[test]
fn config_file_health_and_graceful_shutdown() {
    let (dir, mut child, url) = serve_with_config("token_ttl_secs = 120\n");
    let health = reqwest::blocking::get(format!("{url}/healthz")).expect("health");
    assert_eq!(health.text().expect("body"), "ok");
    assert!(
        dir.path().join("data/server.db").exists(),
        "data_dir came from the config file"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = child.wait().expect("wait");
    assert!(exit.success(), "SIGTERM shuts down cleanly: {exit:?}");

    let config = dir.path().join("server.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nlisten_twice = true\n").expect("config");
    let out = Command::new(env!("CARGO_BIN_EXE_citizens-server"))
        .args(["--config", config.to_str().expect("path"), "serve"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: ") && stderr.contains("not a valid config file"),
        "{stderr}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_citizens-server"))
        .env("CITIZENS_SERVER_DATA_DIR", dir.path().join("data"))
        .args([
            "enroll",
            "--role",
            "volunteer",
            "--org",
            "Nobody Yet",
            "--user",
            "Musa Garba",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--org-public-key"),
        "a new organisation needs its key"
    );
}

/// Issue 10 (8): uploads never finished and attachments no record names are removed once a
/// day old (in the background from the start, then hourly: serving never waits for it); fresh
/// ones stay.
#[test]
fn abandoned_uploads_are_swept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 24 * 3600);
    let names = [
        format!("{}.part", "a".repeat(64)),
        "b".repeat(64),
        format!("{}.part", "c".repeat(64)),
    ];
    let blobs = dir.path().join("blobs");
    std::fs::create_dir_all(&blobs).expect("blobs");
    for (i, name) in names.iter().enumerate() {
        let file = std::fs::File::create(blobs.join(name)).expect("file");
        file.set_len(1024).expect("fill");
        if i < 2 {
            file.set_modified(old).expect("age it");
        }
    }
    let server = citizens_server::Application::spawn(
        citizens_server::Config::local(dir.path()),
        citizens_test_support::FakeClock::at(citizens_test_support::TOWN_HALL_DAY),
    )
    .expect("server");
    server.wait_for_first_sweep();
    let left: Vec<String> = std::fs::read_dir(&blobs)
        .expect("blobs")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, [names[2].clone()], "only the fresh upload is kept");
}

/// Issue 10 (10): behind a proxy (`behind_proxy = true`), the enrolment rate limit counts each
/// client by the address the proxy appends, so one abuser does not lock everyone out.
#[test]
fn behind_a_proxy_the_enrolment_limit_counts_each_client() {
    use citizens_protocol::{encode, EnrollRequest, CONTENT_TYPE, PROTOCOL_VERSION};
    let (_dir, mut child, url) = serve_with_config("behind_proxy = true\n");
    let body = encode(&EnrollRequest {
        version: PROTOCOL_VERSION,
        code: "AAAABBBBCCCC".into(),
        device_name: "laptop".into(),
        actor: "ab".repeat(16),
        device_secret: "cd".repeat(32),
    });
    let http = reqwest::blocking::Client::new();
    let attempt = |client: &str| {
        http.post(format!("{url}/v1/enroll"))
            .header("content-type", CONTENT_TYPE)
            .header("x-forwarded-for", format!("203.0.113.9, {client}"))
            .body(body.clone())
            .send()
            .expect("answer")
            .status()
            .as_u16()
    };
    let abuser: Vec<u16> = (0..11).map(|_| attempt("198.51.100.7")).collect();
    assert_eq!(abuser[..10], [401; 10]);
    assert_eq!(abuser[10], 429, "the abuser is limited");
    assert_eq!(attempt("198.51.100.8"), 401, "another client is not");
    // A header line of the client's own before the proxy's is not believed: the abuser
    // cannot pose as someone new.
    let posing = |fake: &str| {
        http.post(format!("{url}/v1/enroll"))
            .header("content-type", CONTENT_TYPE)
            .header("x-forwarded-for", fake)
            .header("x-forwarded-for", "198.51.100.7")
            .body(body.clone())
            .send()
            .expect("answer")
            .status()
            .as_u16()
    };
    assert_eq!(posing("192.0.2.1"), 429);
    assert_eq!(posing("192.0.2.2"), 429);
    // One IPv6 subscriber (a /64) counts once, whatever its addresses.
    let v6: Vec<u16> = (0..11)
        .map(|i| attempt(&format!("2001:db8:1:2::{i:x}")))
        .collect();
    assert_eq!((v6[..10].to_vec(), v6[10]), (vec![401; 10], 429));
    let _ = child.kill();
    let _ = child.wait();
}

/// Issue 10 (8): a client that trickles its request headers is dropped after
/// `header_timeout_secs` instead of holding a connection for ever.
#[test]
fn a_client_that_never_finishes_its_headers_is_dropped() {
    use std::io::{Read as _, Write as _};
    let (_dir, mut child, url) = serve_with_config("header_timeout_secs = 1\n");
    let address = url.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&address).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    write!(stream, "POST /v1/sync HTTP/1.1\r\nhost: {address}\r\n").expect("half the headers");
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the server closes the connection (instead of waiting for ever)");
    let health = reqwest::blocking::get(format!("{url}/healthz")).expect("health");
    assert_eq!(
        health.text().expect("body"),
        "ok",
        "and keeps serving others"
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// Issue 26 (8): a device's name with a control character is refused at enrolment, and one
/// that got in before (an older server took any) is listed escaped by `devices list`, so it
/// cannot rewrite the terminal to make an active device look revoked.
#[test]
fn a_device_name_with_a_control_character_is_refused_and_one_stored_is_listed_escaped() {
    use citizens_protocol::{EnrollRequest, EnrolmentCode, ErrorCode, Role, PROTOCOL_VERSION};
    use citizens_server_core::persistence::{transaction, Mode, NewDevice};
    use citizens_test_support::{FakeClock, TOWN_HALL_DAY};

    let dir = tempfile::tempdir().expect("tempdir");
    let hostile = "Amina's laptop\x1b[2K\r0190  volunteer   revoked  ZZZ  old laptop";
    let server = citizens_server::Application::spawn(
        citizens_server::Config::local(dir.path()),
        FakeClock::at(TOWN_HALL_DAY),
    )
    .expect("server");
    let founder = Device::founder("Amina Yusuf", FakeClock::at(TOWN_HALL_DAY));
    let enrol = common::code(
        server.core(),
        common::ORG,
        Role::Coordinator,
        "Amina Yusuf",
        &founder.key(),
        std::time::Duration::from_secs(3600),
    );
    let refused = server
        .core()
        .enroll(
            "192.0.2.1",
            &EnrollRequest {
                version: PROTOCOL_VERSION,
                code: EnrolmentCode::parse(&enrol).expect("code").secret,
                device_name: hostile.into(),
                actor: "ab".repeat(16),
                device_secret: "cd".repeat(32),
            },
        )
        .expect_err("refused");
    assert_eq!(
        (refused.code(), refused.to_string()),
        (
            ErrorCode::InvalidRequest,
            "the device's name: holds an invisible control character (character 15 of the \
             text); type it again without it, on one line"
                .to_string()
        )
    );
    drop(server);

    // As an older server would have stored it.
    let storage = citizens_server::storage::sqlite::Sqlite::open(dir.path()).expect("open");
    transaction(&storage, Mode::Write, |tx| {
        let (org_id, _) = tx.org_by_name(common::ORG)?.expect("the organisation");
        let person = tx
            .person_by_name(org_id, "Amina Yusuf")?
            .expect("the person");
        let id = uuid::Uuid::now_v7();
        tx.insert_device(&NewDevice {
            id,
            org_id,
            role: "coordinator",
            user: "Amina Yusuf",
            name: hostile,
            device_code: "Q7K",
            secret_hash: &[0; 32],
            created_at: 0,
            person_id: &person,
            actor: "ef",
            code_hash: &[1; 32],
        })
    })
    .expect("stored");
    drop(storage);

    let out = Command::new(env!("CARGO_BIN_EXE_citizens-server"))
        .env("CITIZENS_SERVER_DATA_DIR", dir.path())
        .args(["devices", "list"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    let listed = String::from_utf8(out.stdout).expect("utf-8");
    let line = listed
        .lines()
        .find(|l| l.contains("Q7K"))
        .expect("the device is listed");
    assert!(
        !listed.chars().any(|c| c.is_control() && c != '\n'),
        "{listed:?}"
    );
    assert!(
        line.contains(" coordinator active   Q7K  Amina's laptop\\u{1b}[2K\\u{d}0190"),
        "{line}"
    );
}
