//! Hostile input to a real server: every malformed Automerge file, cut and mislabelled bodies,
//! bad UTF-8, unknown versions, forged and revoked tokens — a clear 4xx, nothing stored, and
//! the server keeps serving.

#[macro_use]
mod common;

use std::path::PathBuf;

use citizens_protocol::{
    decode, encode, ErrorBody, Push, RecordKind, SyncRequest, SyncResponse, CONTENT_TYPE,
    PROTOCOL_VERSION,
};
use common::{start_server_on, Device};
use uuid::Uuid;

struct Raw {
    http: reqwest::blocking::Client,
    url: String,
}

impl Raw {
    fn post(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        token: Option<&str>,
    ) -> (u16, Vec<u8>) {
        common::post(&self.url, path, content_type, body, token)
    }

    fn error(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        token: Option<&str>,
    ) -> (u16, ErrorBody) {
        let (status, bytes) = self.post(path, content_type, body, token);
        (
            status,
            decode(&bytes).unwrap_or_else(|| panic!("status {status}: the error body is CBOR")),
        )
    }

    fn healthy(&self) -> bool {
        self.http
            .get(format!("{}/healthz", self.url))
            .send()
            .is_ok_and(|r| r.status().is_success())
    }
}

/// An enrolled volunteer (beside a coordinator) with a fresh token, and raw access.
fn volunteer_with_token(server: &common::Server) -> (Device, Raw, String) {
    let coordinator = Device::coordinator(server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let mut volunteer = Device::volunteer(server, "Musa Garba", &key);
    let raw = Raw {
        http: reqwest::blocking::Client::new(),
        url: server.url.clone(),
    };
    let token = volunteer.access_token(&server.url);
    (volunteer, raw, token)
}

fn sync_request(pushes: Vec<Push>) -> SyncRequest {
    SyncRequest {
        version: PROTOCOL_VERSION,
        batch_id: Uuid::now_v7(),
        since: 0,
        pushes,
    }
}

on_each_backend! {
    fn hostile_requests_get_a_4xx_store_nothing_and_the_server_keeps_serving(backend) {
    let server = start_server_on(backend);
    let mut coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let mut volunteer = Device::volunteer(&server, "Musa Garba", &key);
    let raw = Raw {
        http: reqwest::blocking::Client::new(),
        url: server.url.clone(),
    };
    let good = volunteer.access_token(&server.url);

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/automerge-malformed");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("testdata/automerge-malformed is part of the repository")
        .map(|e| e.expect("entry").path())
        .collect();
    assert!(files.len() >= 5);
    for file in &files {
        let push = Push {
            doc_id: Uuid::now_v7(),
            kind: RecordKind::Grievance,
            changes: vec![std::fs::read(file).expect("read").into()],
        };
        let (status, error) = raw.error(
            "/v1/sync",
            CONTENT_TYPE,
            encode(&sync_request(vec![push])),
            Some(&good),
        );
        assert_eq!(
            (status, error.code.as_str()),
            (400, "invalid_changes"),
            "{}: {}",
            file.display(),
            error.message
        );
        assert!(raw.healthy(), "still serving after {}", file.display());
    }

    let body = encode(&sync_request(Vec::new()));
    let (status, e) = raw.error(
        "/v1/sync",
        CONTENT_TYPE,
        body[..body.len() / 2].to_vec(),
        Some(&good),
    );
    assert_eq!((status, e.code.as_str()), (400, "malformed_body"));
    let (status, e) = raw.error(
        "/v1/sync",
        "application/json",
        b"{\"since\":0}".to_vec(),
        Some(&good),
    );
    assert_eq!((status, e.code.as_str()), (400, "wrong_content_type"));
    // A CBOR text string (major type 3, length 2) holding invalid UTF-8, where a map is expected.
    let (status, _) = raw.error(
        "/v1/sync",
        CONTENT_TYPE,
        vec![0x62, 0xff, 0xfe],
        Some(&good),
    );
    assert_eq!(status, 400);
    let future = SyncRequest {
        version: PROTOCOL_VERSION + 1,
        ..sync_request(Vec::new())
    };
    let (status, e) = raw.error("/v1/sync", CONTENT_TYPE, encode(&future), Some(&good));
    assert_eq!((status, e.code.as_str()), (400, "unsupported_version"));
    assert!(e.message.contains("server needs updating"), "{}", e.message);
    let old = SyncRequest {
        version: 0,
        ..sync_request(Vec::new())
    };
    let (_, e) = raw.error("/v1/sync", CONTENT_TYPE, encode(&old), Some(&good));
    assert!(e.message.contains("update the app"), "{}", e.message);

    let (status, e) = raw.error(
        "/v1/sync",
        CONTENT_TYPE,
        encode(&sync_request(Vec::new())),
        Some("forged-token"),
    );
    assert_eq!((status, e.code.as_str()), (401, "invalid_token"));
    let (status, e) = raw.error(
        "/v1/sync",
        CONTENT_TYPE,
        encode(&sync_request(Vec::new())),
        None,
    );
    assert_eq!((status, e.code.as_str()), (401, "missing_token"));

    // A volunteer may not touch the directory, nor another volunteer's case: each such record is
    // refused on its own (nothing of it stored), the batch answered.
    let refused = |pushes: Vec<Push>| -> Vec<String> {
        let (status, bytes) = raw.post(
            "/v1/sync",
            CONTENT_TYPE,
            encode(&sync_request(pushes)),
            Some(&good),
        );
        assert_eq!(status, 200);
        decode::<SyncResponse>(&bytes)
            .expect("answer")
            .refused
            .into_iter()
            .map(|r| r.code)
            .collect()
    };
    let agency = coordinator.client.agency("NIS").expect("NIS").id.uuid();
    let mut push = coordinator.client.store().export(agency).expect("export");
    coordinator
        .client
        .add_holiday("2026-12-31", "Special public holiday")
        .expect("a holiday: a change the server lacks");
    let rulebook = citizens_core::rulebook::Rulebook::id();
    let edited = coordinator.client.store().export(rulebook).expect("export");
    assert_eq!(refused(vec![edited]), ["reference_data"]);
    push.changes.truncate(1);
    assert!(
        refused(vec![push]).is_empty(),
        "changes the server already has are accepted"
    );
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    let theirs = coordinator
        .client
        .capture(&citizens_test_support::grievance(&mut rng))
        .expect("capture");
    coordinator.sync();
    coordinator
        .client
        .add_note(&theirs.reference, "Called the area office")
        .expect("a note the server lacks");
    let push = coordinator
        .client
        .store()
        .export(theirs.id.uuid())
        .expect("export");
    assert_eq!(refused(vec![push]), ["not_yours"]);

    // Over the cap: answered 413 straight away (the client may still be writing: a broken pipe).
    let oversized = raw
        .http
        .post(format!("{}/v1/sync", raw.url))
        .header("content-type", CONTENT_TYPE)
        .bearer_auth(&good)
        .body(vec![0u8; 40 * 1024 * 1024])
        .send();
    if let Ok(response) = oversized {
        assert_eq!(response.status().as_u16(), 413, "bodies are capped");
    }
    assert!(raw.healthy());

    // Nothing hostile was stored: the server's checksum over the organisation's records is the
    // coordinator's own, which holds exactly the one real case.
    coordinator.sync();
    let coordinator_token = coordinator.access_token(&server.url);
    let (status, bytes) = raw.post(
        "/v1/sync",
        CONTENT_TYPE,
        encode(&sync_request(Vec::new())),
        Some(&coordinator_token),
    );
    assert_eq!(status, 200);
    let answer: SyncResponse = decode(&bytes).expect("answer");
    assert!(answer.pulls.is_empty());
    let local = coordinator
        .client
        .store()
        .collection_checksum()
        .expect("checksum");
    assert_eq!(
        &answer.checksum[..],
        &local[..],
        "the server holds exactly the coordinator's one case"
    );
    assert_ne!(local, [0u8; 32]);

    // A revoked device's token dies at once.
    let id = volunteer
        .client
        .store()
        .meta("sync.device_id")
        .expect("meta")
        .expect("id");
    server.admin(&["devices", "revoke", &id]);
    let (status, e) = raw.error(
        "/v1/sync",
        CONTENT_TYPE,
        encode(&sync_request(Vec::new())),
        Some(&good),
    );
    assert_eq!((status, e.code.as_str()), (401, "invalid_token"));
    assert!(raw.healthy());
}
}

on_each_backend! {
    /// Issue 10 (3): a 1 GiB compression bomb in a push gets a 400 and the server's peak memory
    /// stays within the stated bound (32 MiB inflated per record, checked before Automerge).
    fn a_compression_bomb_is_refused_and_the_servers_memory_stays_bounded(backend) {
    let server = start_server_on(backend);
    let (mut volunteer, raw, token) = volunteer_with_token(&server);
    let before = citizens_test_support::hostile::peak_rss_kib(server.pid());
    let bomb = citizens_test_support::hostile::compression_bomb(1024 * 1024 * 1024);
    assert!(
        bomb.len() < 2 * 1024 * 1024,
        "{} bytes on the wire",
        bomb.len()
    );
    let push = Push {
        doc_id: Uuid::now_v7(),
        kind: RecordKind::Grievance,
        changes: vec![bomb.into()],
    };
    let (status, error) = raw.error(
        "/v1/sync",
        CONTENT_TYPE,
        encode(&sync_request(vec![push])),
        Some(&token),
    );
    assert_eq!((status, error.code.as_str()), (400, "invalid_changes"));
    assert!(
        error.message.contains("unpacks to more than 32 MiB"),
        "{}",
        error.message
    );
    let after = citizens_test_support::hostile::peak_rss_kib(server.pid());
    eprintln!("server peak RSS: {before} KiB before the bomb, {after} KiB after");
    assert!(
        after < 160 * 1024,
        "peak RSS {after} KiB is above the 160 MiB bound"
    );
    assert!(raw.healthy());
    assert_eq!(volunteer.sync().pushed, 0);
}
}

on_each_backend! {
    /// Issue 10 (8): the token is checked before the body is read — a request without one that
    /// announces 30 MB gets its 401 at once, without the server waiting for (or buffering) a byte.
    fn a_request_without_a_token_is_answered_before_its_body_is_read(backend) {
    use std::io::{Read as _, Write as _};
    let server = start_server_on(backend);
    let address = server.url.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&address).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    write!(
        stream,
        "POST /v1/sync HTTP/1.1\r\nhost: {address}\r\ncontent-type: {CONTENT_TYPE}\r\ncontent-length: 30000000\r\n\r\n"
    )
    .expect("headers");
    let mut answer = [0u8; 12];
    stream
        .read_exact(&mut answer)
        .expect("an answer while the body is still unsent");
    assert_eq!(&answer, b"HTTP/1.1 401");
}
}

on_each_backend! {
    /// Issue 10 (8): a batch may hold at most `MAX_BATCH_CHANGES` changes, a record at most
    /// `MAX_RECORD_BYTES` (the laptops' own limits).
    fn oversized_batches_and_records_are_refused_whole(backend) {
    let server = start_server_on(backend);
    let (mut volunteer, raw, token) = volunteer_with_token(&server);
    let many = Push {
        doc_id: Uuid::now_v7(),
        kind: RecordKind::Grievance,
        changes: vec![vec![0u8; 1].into(); citizens_protocol::MAX_BATCH_CHANGES + 1],
    };
    let (status, error) = raw.error(
        "/v1/sync",
        CONTENT_TYPE,
        encode(&sync_request(vec![many])),
        Some(&token),
    );
    assert_eq!((status, error.code.as_str()), (400, "too_many"));
    let large = Push {
        doc_id: Uuid::now_v7(),
        kind: RecordKind::Grievance,
        changes: vec![vec![0u8; citizens_protocol::MAX_RECORD_BYTES + 1].into()],
    };
    let (status, error) = raw.error(
        "/v1/sync",
        CONTENT_TYPE,
        encode(&sync_request(vec![large])),
        Some(&token),
    );
    assert_eq!((status, error.code.as_str()), (400, "too_large"));
    assert_eq!(volunteer.sync().pushed, 0);
}
}

on_each_backend! {
    /// Issue 10 (10): the same enrolment request again (its answer was lost on the way) gets the
    /// same device, not a burnt code; a different laptop with that code is still refused.
    fn repeating_an_enrolment_whose_answer_was_lost_gets_the_same_device(backend) {
    use citizens_protocol::{EnrollRequest, EnrollResponse, EnrolmentCode};
    let server = start_server_on(backend);
    let coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let code = EnrolmentCode::parse(&server.code("volunteer", "Musa Garba", &key)).expect("code");
    let raw = Raw {
        http: reqwest::blocking::Client::new(),
        url: server.url.clone(),
    };
    let request = |actor: &str| EnrollRequest {
        version: PROTOCOL_VERSION,
        code: code.secret.clone(),
        device_name: "musa-laptop".into(),
        actor: actor.into(),
        device_secret: "5e".repeat(32),
    };
    let (status, first) = raw.post(
        "/v1/enroll",
        CONTENT_TYPE,
        encode(&request(&"ab".repeat(16))),
        None,
    );
    assert_eq!(status, 200);
    let (status, again) = raw.post(
        "/v1/enroll",
        CONTENT_TYPE,
        encode(&request(&"ab".repeat(16))),
        None,
    );
    assert_eq!(status, 200);
    let (first, again): (EnrollResponse, EnrollResponse) = (
        decode(&first).expect("answer"),
        decode(&again).expect("answer"),
    );
    assert_eq!(
        (first.device_id, first.user.as_str()),
        (again.device_id, "Musa Garba")
    );
    let (status, other) = raw.error(
        "/v1/enroll",
        CONTENT_TYPE,
        encode(&request(&"cd".repeat(16))),
        None,
    );
    assert_eq!((status, other.code.as_str()), (401, "invalid_code"));
}
}

on_each_backend! {
    /// Issue 10 (8): asking for the same record many times in one fetch costs one record.
    fn a_fetch_that_repeats_an_id_gets_the_record_once(backend) {
    let server = start_server_on(backend);
    let (mut volunteer, raw, token) = volunteer_with_token(&server);
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(9);
    let case = volunteer
        .client
        .capture(&citizens_test_support::grievance(&mut rng))
        .expect("capture");
    volunteer.sync();
    let ids = vec![case.id.uuid(); 1_000];
    let (status, body) = raw.post("/v1/fetch", CONTENT_TYPE, encode(&ids), Some(&token));
    assert_eq!(status, 200);
    let docs: Vec<Push> = decode(&body).expect("records");
    assert_eq!(docs.len(), 1);
}
}
