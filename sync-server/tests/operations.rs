//! Running the server: config file and environment, health, graceful shutdown, and logs that
//! never carry reporter identity, tokens, secrets or codes.

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

#[test]
fn config_file_health_and_graceful_shutdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = \"{}\"\ntoken_ttl_secs = 120\n",
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
