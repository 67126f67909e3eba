//! The commands through Tauri's mock runtime: the same registration as the real app, called
//! over IPC with JSON, no window needed.

use base64::Engine as _;
use citizens_desktop::{app_builder, AppState};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

fn call(webview: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("json answer"))
}

fn app(dir: &std::path::Path) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let state = AppState {
        data_dir: dir.to_path_buf(),
        client: Default::default(),
        sync: Default::default(),
    };
    let app = app_builder(mock_builder(), state)
        .build(mock_context(noop_assets()))
        .expect("app");
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("window");
    (app, webview)
}

#[test]
fn first_run_capture_list_and_work_a_case_over_ipc() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_app, webview) = app(dir.path());

    let status = call(&webview, "app_status", json!({})).expect("status");
    assert_eq!(
        (
            status["initialised"].as_bool(),
            status["unlocked"].as_bool()
        ),
        (Some(false), Some(false))
    );
    let locked = call(
        &webview,
        "list_cases",
        json!({"filter": {}, "offset": 0, "limit": 10}),
    )
    .expect_err("locked");
    assert_eq!(locked["code"], "locked");

    let weak = call(
        &webview,
        "create_profile",
        json!({"name": "Amina Bello", "organisation": "Kano Civic Forum", "passphrase": "short", "sampleCases": 0}),
    );
    assert_eq!(weak.expect_err("weak")["code"], "weak_passphrase");
    let status = call(&webview, "create_profile", json!({"name": "Amina Bello", "organisation": "Kano Civic Forum", "passphrase": "a long passphrase", "sampleCases": 0})).expect("profile");
    assert_eq!(status["user"], "Amina Bello");

    let input = json!({"kind": "corruption_report", "category": "passports", "state": "KN", "lga": "Tarauni",
        "title": "Officer demanded ₦20,000", "narrative": "At the passport office", "reporter_name": "Musa Ibrahim",
        "anonymous": false, "seal_identity": false, "consent_purpose_explained": true,
        "consent_share_with_agency": true, "consent_may_contact": false});
    let saved = call(&webview, "capture", json!({"input": input})).expect("capture");
    assert_eq!(saved["sealed"], true);
    let reference = saved["reference"].as_str().expect("reference").to_string();

    let bad = json!({"kind": "complaint", "category": "power", "state": "KN", "lga": "Ikeja", "title": "x"});
    let err = call(&webview, "capture", json!({"input": bad})).expect_err("unknown LGA");
    assert_eq!(err["code"], "invalid");
    assert!(err["message"]
        .as_str()
        .expect("message")
        .contains("not an LGA of Kano"));

    let page = call(
        &webview,
        "list_cases",
        json!({"filter": {"text": "passport", "kind": "corruption_report"}, "sort": "newest", "offset": 0, "limit": 10}),
    )
    .expect("search");
    assert_eq!(page["rows"][0]["reference"], reference.as_str());

    let case = call(&webview, "open_case", json!({"reference": reference})).expect("open");
    assert_eq!(case["allowed_next"][0], "triaged");
    let err = call(
        &webview,
        "change_status",
        json!({"reference": reference, "to": "closed", "reason": null}),
    )
    .expect_err("forbidden");
    assert_eq!(err["code"], "forbidden_transition");
    let case = call(
        &webview,
        "change_status",
        json!({"reference": reference, "to": "forwarded", "reason": "letter sent"}),
    )
    .expect("forward");
    assert_eq!(case["status"], "forwarded");
    let case = call(
        &webview,
        "add_note",
        json!({"reference": reference, "text": "Called the comptroller's office"}),
    )
    .expect("note");
    let said: Vec<&str> = case["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["what"].as_str())
        .collect();
    assert!(
        said.contains(&"note: Called the comptroller's office"),
        "{said:?}"
    );
    // A case captured on this laptop has no receipt for its reporter to read a question with.
    let err = call(
        &webview,
        "ask_reporter",
        json!({"reference": reference, "text": "Which office?"}),
    )
    .expect_err("no receipt");
    assert_eq!(err["code"], "invalid");
    assert_eq!(
        err["message"],
        "question: only a report from the public pages, SMS or WhatsApp has a receipt to read a question with: phone or visit this reporter instead"
    );

    // No agency yet: no letter to print, said in words, and no file written.
    let pdf_path = dir.path().join("letter.pdf");
    let err = call(
        &webview,
        "save_letter",
        json!({"reference": reference, "path": pdf_path.to_string_lossy()}),
    )
    .expect_err("no agency");
    assert_eq!(err["code"], "invalid");
    assert_eq!(
        err["message"],
        "letter: route or forward the case to an agency first"
    );
    assert!(!pdf_path.exists());
    call(
        &webview,
        "forward",
        json!({"reference": reference, "input": {"agency": "NIS", "channel": "letter"}}),
    )
    .expect("forward");
    let saved = call(
        &webview,
        "save_letter",
        json!({"reference": reference, "path": pdf_path.to_string_lossy()}),
    )
    .expect("letter");
    assert_eq!(saved["count"], 1);
    assert!(std::fs::read(&pdf_path)
        .expect("the letter")
        .starts_with(b"%PDF"));
    // Kept off the agency's desk, and refused in words when it already is.
    let case = call(
        &webview,
        "share_with_agency_desk",
        json!({"reference": reference, "shared": false}),
    )
    .expect("kept off");
    assert_eq!(case["on_agency_desk"], false);
    let err = call(
        &webview,
        "share_with_agency_desk",
        json!({"reference": reference, "shared": false}),
    )
    .expect_err("already");
    assert_eq!(err["code"], "invalid");
    assert_eq!(
        err["message"],
        "agency desk: this case is already kept off its agency's desk"
    );

    let err = call(
        &webview,
        "unlock",
        json!({"passphrase": "not the passphrase"}),
    )
    .expect_err("wrong");
    assert_eq!(err["code"], "wrong_passphrase");
    assert_eq!(
        call(&webview, "places", json!({}))
            .expect("places")
            .as_array()
            .map(Vec::len),
        Some(37)
    );
}

#[test]
fn sessions_directory_case_actions_files_bundles_and_passphrase_over_ipc() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_app, webview) = app(dir.path());
    let profile = json!({"name": "Chinedu Okeke", "organisation": "Enugu Accountability Network",
        "passphrase": "a long passphrase", "sampleCases": 25});
    call(&webview, "create_profile", profile).expect("profile");
    let home = call(&webview, "home", json!({})).expect("home");
    let total: u64 = home["counts"]
        .as_array()
        .expect("counts")
        .iter()
        .map(|c| c[1].as_u64().expect("count"))
        .sum();
    assert_eq!(total, 25, "sample cases loaded at first run");

    // Routing: a suggestion with its reason, then every untriaged sample case routed at once.
    let suggestion = call(
        &webview,
        "suggest_agency",
        json!({"kind": "complaint", "category": "power", "place": "KN"}),
    )
    .expect("suggest");
    assert_eq!(
        (suggestion["agency"].as_str(), suggestion["state"].as_str()),
        (Some("KEDCO"), Some("KN"))
    );
    let none = call(
        &webview,
        "suggest_agency",
        json!({"kind": "complaint", "category": "land", "place": "BO"}),
    )
    .expect("suggest");
    assert_eq!(none, Value::Null);
    let routed = call(&webview, "route_untriaged", json!({}))
        .expect("route")
        .as_u64()
        .expect("count");
    assert!(routed > 0, "some of 25 sample cases have a rule");
    assert_eq!(
        call(&webview, "route_untriaged", json!({})).expect("again"),
        0
    );

    // A town hall, its attendance, an official, a commitment and a case captured there.
    let session = call(
        &webview,
        "create_session",
        json!({"input": {"title": "Nsukka water town hall",
        "venue": "Community hall", "state": "EN", "lga": "Nsukka"}}),
    )
    .expect("session");
    let id = session["session"]["id"].as_str().expect("id").to_string();
    let bad = call(
        &webview,
        "record_attendance",
        json!({"id": id, "attendance": {"total": 10, "women": 8, "men": 8, "pwd": 0}}),
    );
    assert_eq!(
        bad.expect_err("more women and men than people")["code"],
        "invalid"
    );
    call(
        &webview,
        "record_attendance",
        json!({"id": id, "attendance": {"total": 120, "women": 70, "men": 50, "pwd": 6}}),
    )
    .expect("attendance");
    call(
        &webview,
        "add_representative",
        json!({"id": id, "name": "Engr. Obiora Nwosu", "office": "Water Board", "agency": null}),
    )
    .expect("official");
    let page = call(
        &webview,
        "add_commitment",
        json!({"id": id, "input": {"official": "Engr. Obiora Nwosu",
        "office": "Water Board", "promise": "Repair the borehole at Ihe", "due": "2026-12-20"}}),
    )
    .expect("commitment");
    assert_eq!(page["session"]["attendance"]["total"], 120);
    assert_eq!(page["session"]["commitments"][0]["status"], "open");
    let commitment = page["session"]["commitments"][0]["id"]
        .as_str()
        .expect("commitment id")
        .to_string();
    let judged = call(
        &webview,
        "update_commitment",
        json!({"id": id, "commitment": commitment,
        "status": "partly_kept", "evidence": "Borehole drilled, no pump yet"}),
    )
    .expect("judged");
    assert_eq!(judged["session"]["commitments"][0]["status"], "partly_kept");
    assert_eq!(
        judged["session"]["commitments"][0]["updates"][0]["evidence"],
        "Borehole drilled, no pump yet"
    );
    assert_eq!(
        call(&webview, "overdue_commitments", json!({})).expect("overdue"),
        json!([])
    );
    let input = json!({"kind": "complaint", "category": "water", "state": "EN", "lga": "Nsukka",
        "title": "Borehole broken for two months", "narrative": "", "session": id, "channel": "town_hall",
        "anonymous": true, "seal_identity": false, "consent_purpose_explained": true,
        "consent_share_with_agency": true, "consent_may_contact": false});
    let reference = call(&webview, "capture", json!({"input": input})).expect("capture")
        ["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let page = call(&webview, "session", json!({"id": id})).expect("session page");
    assert_eq!(page["cases"][0]["reference"], reference.as_str());

    // The directory and articles.
    let agencies = call(&webview, "agencies", json!({})).expect("agencies");
    assert!(agencies.as_array().expect("list").len() > 20);
    let nis = call(&webview, "agency", json!({"shortName": "NIS"})).expect("NIS");
    assert!(!nis["ladder"].as_array().expect("ladder").is_empty());
    assert_eq!(
        call(&webview, "agency", json!({"shortName": "NOPE"})).expect_err("unknown")["code"],
        "not_found"
    );
    let articles = call(&webview, "articles", json!({"language": "ha"})).expect("articles");
    assert_eq!(
        articles[0][1],
        "Haƙƙoƙinka a shingen ʼyan sanda: beli kyauta ne"
    );
    let slug = articles[0][0].as_str().expect("slug");
    let article =
        call(&webview, "article", json!({"slug": slug, "language": "ha"})).expect("article");
    assert!(!article["body"].as_str().expect("body").is_empty());
    assert_eq!(article["translation"], "awaiting_review");
    let marked = call(
        &webview,
        "mark_translation_reviewed",
        json!({"slug": slug, "language": "ha"}),
    )
    .expect("marked");
    assert_eq!(marked["translation"], "reviewed");
    let refused = call(
        &webview,
        "mark_translation_reviewed",
        json!({"slug": slug, "language": "en"}),
    )
    .expect_err("English is no translation");
    assert_eq!(
        refused["message"],
        "language: English is the original: there is no translation to review"
    );

    // Forward, reply, escalate, assign, attach: each lands in the timeline with its kind.
    call(&webview, "forward", json!({"reference": reference, "input": {"agency": "NIS", "channel": "letter", "reference": "ENAN/26/7"}})).expect("forward");
    call(&webview, "record_reply", json!({"reference": reference, "input": {"summary": "Engineer assigned", "reference": "NIS/ENU/991"}})).expect("reply");
    call(
        &webview,
        "escalate",
        json!({"reference": reference, "reason": "No repair after two weeks"}),
    )
    .expect("escalate");
    call(
        &webview,
        "assign",
        json!({"reference": reference, "assignee": "Chinedu Okeke"}),
    )
    .expect("assign");
    let photo = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG synthetic form photo");
    let case = call(
        &webview,
        "attach",
        json!({"reference": reference, "fileName": "form-0042.png", "base64": photo}),
    )
    .expect("attach");
    let kinds: Vec<&str> = case["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for kind in ["status", "forwarded", "reply", "escalated", "assigned"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    assert_eq!(case["attachments"][0]["file_name"], "form-0042.png");
    assert_eq!(case["assignee"], "Chinedu Okeke");
    let sha = case["attachments"][0]["sha256"].as_str().expect("sha");
    assert_eq!(
        call(&webview, "attachment", json!({"sha256": sha})).expect("bytes"),
        json!(photo)
    );
    let bad = call(
        &webview,
        "attach",
        json!({"reference": reference, "fileName": "x.png", "base64": "not base64!"}),
    );
    assert_eq!(bad.expect_err("bad base64")["code"], "invalid");

    let home = call(&webview, "home", json!({})).expect("home");
    assert_eq!(
        home["workload"],
        json!([{"assignee": "Chinedu Okeke", "open": 1, "overdue": 0}])
    );

    // Resolved: the case waits on the home screen for the call-back; "not solved" reopens it.
    call(
        &webview,
        "change_status",
        json!({"reference": reference, "to": "resolved", "reason": null}),
    )
    .expect("resolved");
    let home = call(&webview, "home", json!({})).expect("home");
    assert_eq!(
        home["call_backs"]["rows"][0]["reference"],
        reference.as_str()
    );
    let empty = call(
        &webview,
        "call_back",
        json!({"reference": reference, "confirmed": false, "note": " "}),
    );
    assert_eq!(empty.expect_err("note required")["code"], "invalid");
    let case = call(
        &webview,
        "call_back",
        json!({"reference": reference, "confirmed": false, "note": "Still no water at Ihe"}),
    )
    .expect("call-back");
    assert_eq!(case["status"], "in_progress");
    let last = case["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .rev()
        .find(|e| e["kind"] == "callback_not_resolved")
        .expect("call-back entry");
    assert_eq!(last["params"]["note"], "Still no water at Ihe");

    // Filters: the list narrows by assignee and session text.
    let mine = call(
        &webview,
        "list_cases",
        json!({"filter": {"assignee": "Chinedu Okeke"}, "offset": 0, "limit": 50}),
    )
    .expect("mine");
    assert_eq!(mine["total"], 1);

    // Bundle out and into a second install.
    let bundle = dir.path().join("cases.ccbundle");
    let written = call(
        &webview,
        "export_bundle",
        json!({"path": bundle.to_str(), "passphrase": "bundle passphrase"}),
    )
    .expect("export");
    assert_eq!(written["count"], 27, "25 samples, one case and one session");
    assert_eq!(written["path"].as_str(), bundle.to_str());
    let other = tempfile::tempdir().expect("tempdir");
    let (_other_app, other_view) = app(other.path());
    call(
        &other_view,
        "create_profile",
        json!({"name": "Ngozi Eze", "organisation": "Enugu Accountability Network",
        "passphrase": "another long passphrase", "sampleCases": 0}),
    )
    .expect("profile");
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(&bundle).expect("bundle"));
    let wrong = call(
        &other_view,
        "import_bundle",
        json!({"base64": encoded, "passphrase": "wrong passphrase"}),
    );
    assert!(wrong.is_err(), "a wrong bundle passphrase is refused");
    let read = call(
        &other_view,
        "import_bundle",
        json!({"base64": encoded, "passphrase": "bundle passphrase"}),
    )
    .expect("import");
    assert_eq!(
        (read["records"].as_u64(), read["created"].as_u64()),
        (Some(27), Some(27))
    );

    // Not enrolled: sync says so in a code the window understands.
    let status = call(&webview, "sync_status", json!({})).expect("sync status");
    assert_eq!(status["server"], Value::Null);
    assert_eq!(
        call(&webview, "sync_now", json!({"passphrase": null})).expect_err("not enrolled")["code"],
        "not_enrolled"
    );

    // Passphrase change: the old one stops working, the new one unlocks.
    assert_eq!(
        call(
            &webview,
            "change_passphrase",
            json!({"old": "not it at all", "new": "a newer passphrase"})
        )
        .expect_err("wrong")["code"],
        "wrong_passphrase"
    );
    call(
        &webview,
        "change_passphrase",
        json!({"old": "a long passphrase", "new": "a newer passphrase"}),
    )
    .expect("changed");
    assert_eq!(
        call(
            &webview,
            "unlock",
            json!({"passphrase": "a long passphrase"})
        )
        .expect_err("old")["code"],
        "wrong_passphrase"
    );
    call(
        &webview,
        "unlock",
        json!({"passphrase": "a newer passphrase"}),
    )
    .expect("new");
}

/// Poll `check` until it holds, or fail after a deadline.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not within 60 s"
        );
        std::thread::park_timeout(std::time::Duration::from_millis(20));
    }
}

#[test]
fn the_window_enrols_syncs_in_the_background_and_the_coordinator_receives_the_case() {
    // A real server process, built beside the app by `cargo nextest run --workspace`.
    let server =
        citizens_test_support::server::Server::start(citizens_e2e::binary("citizens-server"));
    let coordinator_dir = tempfile::tempdir().expect("tempdir");
    let clock = citizens_test_support::FakeClock::at(citizens_test_support::TOWN_HALL_DAY);
    let mut coordinator =
        citizens_test_support::install(coordinator_dir.path(), "Hauwa Sani", clock);
    let org_key = coordinator.profile().org_public_key.clone();
    let policy = citizens_client::RetryPolicy::default();
    coordinator
        .enroll(
            &server.url,
            &server.code("coordinator", "Hauwa Sani", &org_key),
            policy,
        )
        .expect("coordinator enrols");

    let dir = tempfile::tempdir().expect("tempdir");
    let (_app, webview) = app(dir.path());
    call(
        &webview,
        "create_profile",
        json!({"name": "Yusuf Bello", "organisation": "Kano Civic Forum",
        "passphrase": "a long passphrase", "sampleCases": 0}),
    )
    .expect("profile");
    let bad = call(
        &webview,
        "enroll",
        json!({"server": server.url, "code": "WRONG-CODE", "passphrase": "a long passphrase"}),
    );
    assert_eq!(bad.expect_err("wrong code")["code"], "refused");
    // Before enrolment the laptop does not know it is a volunteer's: a rulebook edit is kept.
    call(
        &webview,
        "add_holiday",
        json!({"day": "2026-12-31", "name": "Our own holiday"}),
    )
    .expect("kept locally");
    let code = server.code("volunteer", "Yusuf Bello", &org_key);
    let wrong = call(
        &webview,
        "enroll",
        json!({"server": server.url, "code": code, "passphrase": "not the passphrase"}),
    );
    assert_eq!(
        wrong.expect_err("wrong passphrase")["code"],
        "wrong_passphrase"
    );
    let view = call(
        &webview,
        "enroll",
        json!({"server": server.url, "code": code, "passphrase": "a long passphrase"}),
    )
    .expect("enrol");
    assert_eq!(view["server"], server.url.as_str());
    assert_eq!(view["live"]["running"], true);

    let input = json!({"kind": "complaint", "category": "water", "state": "KN", "lga": "Fagge",
        "title": "Borehole at Sabon Gari market dry", "narrative": "", "anonymous": true,
        "seal_identity": false, "consent_purpose_explained": true, "consent_share_with_agency": true,
        "consent_may_contact": false});
    call(&webview, "capture", json!({"input": input})).expect("capture");
    call(&webview, "sync_now", json!({"passphrase": null})).expect("nudged");
    eventually("the background thread sends the case", || {
        let status = call(&webview, "sync_status", json!({})).expect("status");
        status["pending_changes"] == 0
            && !status["last_success"].is_null()
            && status["live"]["syncing"] == false
    });
    // The server refused the rulebook edit: it is set aside, with the reason, for the Sync screen.
    let status = call(&webview, "sync_status", json!({})).expect("status");
    assert_eq!(
        status["set_aside"].as_array().map(Vec::len),
        Some(1),
        "{status}"
    );
    assert_eq!(status["set_aside"][0]["kind"], "rulebook");
    assert_eq!(status["set_aside"][0]["code"], "reference_data");
    assert_eq!(status["held_back"], json!([]));
    coordinator
        .sync(policy, &mut |_| {})
        .expect("coordinator syncs");
    let found = coordinator.search("borehole sabon", 10).expect("search");
    assert_eq!(found.len(), 1, "the coordinator holds the volunteer's case");
}

#[test]
fn a_status_conflict_from_another_laptop_shows_and_one_action_settles_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_app, webview) = app(dir.path());
    call(
        &webview,
        "create_profile",
        json!({"name": "Aisha Musa", "organisation": "Kano Civic Forum",
        "passphrase": "a long passphrase", "sampleCases": 0}),
    )
    .expect("profile");
    let input = json!({"kind": "complaint", "category": "roads", "state": "KN", "lga": "Gwale",
        "title": "Culvert collapsed on Gwale road", "narrative": "", "anonymous": true,
        "seal_identity": false, "consent_purpose_explained": true, "consent_share_with_agency": true,
        "consent_may_contact": false});
    let reference = call(&webview, "capture", json!({"input": input})).expect("capture")
        ["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let to_other = dir.path().join("to-other.ccbundle");
    call(
        &webview,
        "export_bundle",
        json!({"path": to_other.to_str(), "passphrase": "bundle passphrase"}),
    )
    .expect("export");

    // Another laptop, offline, triages the same case while this one rules it not actionable.
    let other_dir = tempfile::tempdir().expect("tempdir");
    let clock = citizens_test_support::FakeClock::at(citizens_test_support::TOWN_HALL_DAY);
    let mut other = citizens_test_support::install(other_dir.path(), "Sani Lawal", clock);
    other
        .import_bundle(
            std::fs::File::open(&to_other).expect("bundle"),
            "bundle passphrase",
        )
        .expect("other imports");
    other
        .change_status(&reference, "triaged", None)
        .expect("other triages");
    call(
        &webview,
        "change_status",
        json!({"reference": reference, "to": "not_actionable", "reason": "private road"}),
    )
    .expect("here");
    let back = other_dir.path().join("back.ccbundle");
    other
        .export_bundle(
            std::fs::File::create(&back).expect("file"),
            "bundle passphrase",
            None,
        )
        .expect("other exports");
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(&back).expect("bundle"));
    call(
        &webview,
        "import_bundle",
        json!({"base64": encoded, "passphrase": "bundle passphrase"}),
    )
    .expect("import");

    let case = call(&webview, "open_case", json!({"reference": reference})).expect("open");
    let mut conflict: Vec<&str> = case["conflict"]
        .as_array()
        .expect("conflict")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    conflict.sort_unstable();
    assert_eq!(
        conflict,
        ["not_actionable", "triaged"],
        "the banner lists both"
    );
    assert_eq!(
        case["allowed_next"],
        json!([]),
        "no ordinary move until it is settled"
    );
    let listed = call(
        &webview,
        "list_cases",
        json!({"filter": {"conflicts_only": true}, "offset": 0, "limit": 10}),
    )
    .expect("list");
    assert_eq!(listed["total"], 1);
    let settled = call(
        &webview,
        "settle_status",
        json!({"reference": reference, "to": "triaged", "reason": null}),
    )
    .expect("settle");
    assert_eq!(settled["conflict"], json!([]));
    assert_eq!(settled["status"], "triaged");
}

#[test]
fn duplicates_and_the_rulebook_over_ipc() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_app, webview) = app(dir.path());
    call(&webview, "create_profile", json!({"name": "Ngozi Eze", "organisation": "Kano Civic Forum", "passphrase": "a long passphrase", "sampleCases": 0})).expect("profile");
    let input = json!({"kind": "complaint", "category": "water", "state": "BO", "lga": "Maiduguri",
        "title": "Taps dry on Baga Road", "narrative": "The taps on Baga Road near the Monday market are dry",
        "reporter_name": "Zainab Usman", "reporter_phone": "0803 555 0142", "anonymous": false,
        "consent_purpose_explained": true, "consent_share_with_agency": true, "consent_may_contact": true});
    let first =
        call(&webview, "capture", json!({"input": input})).expect("first")["reference"].clone();
    let second =
        call(&webview, "capture", json!({"input": input})).expect("second")["reference"].clone();

    let pairs = call(
        &webview,
        "duplicate_suggestions",
        json!({"reference": null}),
    )
    .expect("pairs");
    assert_eq!(pairs[0]["case"]["reference"], second);
    assert_eq!(pairs[0]["other"]["reference"], first);
    let own = call(
        &webview,
        "duplicate_suggestions",
        json!({"reference": first}),
    )
    .expect("own");
    assert_eq!(own.as_array().map(Vec::len), Some(1));

    let kept = call(
        &webview,
        "mark_duplicate",
        json!({"copy": second, "original": first, "merge": true}),
    )
    .expect("merge");
    assert_eq!(kept["reference"], first);
    assert_eq!(kept["merged"][0]["reference"], second);
    let again = call(
        &webview,
        "mark_duplicate",
        json!({"copy": second, "original": first, "merge": true}),
    )
    .expect_err("twice");
    assert_eq!(again["code"], "invalid");
    let copy = call(&webview, "undo_duplicate", json!({"reference": second})).expect("undo");
    assert_eq!(copy["status"], "new");
    call(
        &webview,
        "dismiss_duplicate",
        json!({"a": first, "b": second}),
    )
    .expect("dismiss");
    let none = call(
        &webview,
        "duplicate_suggestions",
        json!({"reference": null}),
    )
    .expect("none");
    assert_eq!(none, json!([]));

    let book = call(&webview, "rulebook", json!({})).expect("book");
    let shipped = book["rules"].as_array().map(Vec::len).expect("rules");
    let bad = call(
        &webview,
        "add_holiday",
        json!({"day": "31/12/2026", "name": "x"}),
    )
    .expect_err("bad day");
    assert_eq!(bad["code"], "invalid");
    let book = call(
        &webview,
        "add_routing_rule",
        json!({"input": {"category": "water", "states": ["BO"], "agency": "SERVICOM"}}),
    )
    .expect("rule");
    assert_eq!(book["rules"].as_array().map(Vec::len), Some(shipped + 1));
    let added = book["rules"]
        .as_array()
        .and_then(|r| {
            r.iter()
                .find(|r| r["agency"] == "SERVICOM" && r["category"] == "water")
        })
        .expect("the new rule")["key"]
        .clone();
    let book = call(&webview, "remove_routing_rule", json!({"key": added})).expect("removed");
    assert_eq!(book["rules"].as_array().map(Vec::len), Some(shipped));
    let book = call(
        &webview,
        "add_holiday",
        json!({"day": "2026-12-31", "name": "New Year's Eve"}),
    )
    .expect("holiday");
    assert!(book["holidays"]
        .as_array()
        .expect("holidays")
        .iter()
        .any(|h| h[0] == "2026-12-31"));
    call(&webview, "remove_holiday", json!({"day": "2026-12-31"})).expect("removed");
}

#[test]
fn the_dashboard_and_the_workbook_over_ipc() {
    use citizens_test_support::{
        install, worked::worked_cases, FakeClock, PASSPHRASE, TOWN_HALL_DAY,
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let other = tempfile::tempdir().expect("tempdir");
    {
        let clock = FakeClock::at(TOWN_HALL_DAY);
        let mut a = install(dir.path(), "Amina Bello", clock.clone());
        let mut b = install(other.path(), "Musa Ibrahim", clock.clone());
        worked_cases(&mut a, &mut b, &clock, 60, 3);
    }
    let (_app, webview) = app(dir.path());
    call(&webview, "unlock", json!({"passphrase": PASSPHRASE})).expect("unlock");
    let words = json!({"by_month": "Cases per month", "by_category": "Cases by category",
        "by_state": "Cases by state", "open": "Open", "resolved": "Resolved", "ended": "Ended",
        "categories": {"power": "Electricity <&>"}});

    let all =
        call(&webview, "dashboard", json!({"filter": {}, "words": words})).expect("dashboard");
    let performance = all["performance"].as_array().expect("rows");
    assert!(performance.len() >= 5, "{performance:?}");
    let received: u64 = performance
        .iter()
        .map(|a| a["received"].as_u64().expect("count"))
        .sum();
    let counted = all["trends"]["by_state"]
        .as_array()
        .expect("states")
        .iter()
        .map(|s| s["cases"].as_u64().expect("count"))
        .sum::<u64>();
    assert!(counted > 0 && counted <= 60, "{counted}");
    assert!(
        received > 0 && received <= counted,
        "{received} of {counted}"
    );
    // The charts are SVG in the window's words, with its text escaped.
    for chart in ["by_month", "by_category", "by_state"] {
        let svg = all["charts"][chart].as_str().expect("svg");
        assert!(
            svg.starts_with("<svg ") && svg.ends_with("</svg>"),
            "{chart}"
        );
    }
    let by_category = all["charts"]["by_category"].as_str().expect("svg");
    assert!(
        by_category.contains("Electricity &lt;&amp;&gt;"),
        "{by_category}"
    );
    assert!(all["charts"]["by_month"]
        .as_str()
        .expect("svg")
        .contains("aria-label=\"Cases per month\""));

    // One state (the one with most cases): its cases only, fewer than all.
    let busiest = all["trends"]["by_state"]
        .as_array()
        .expect("states")
        .iter()
        .max_by_key(|s| s["cases"].as_u64())
        .expect("a state")
        .clone();
    let one = call(
        &webview,
        "dashboard",
        json!({"filter": {"state": busiest["key"]}, "words": words}),
    )
    .expect("one state");
    let states = one["trends"]["by_state"].as_array().expect("states");
    assert_eq!(states, &vec![busiest.clone()]);
    assert!(busiest["cases"].as_u64().expect("count") < counted);
    let received: u64 = one["performance"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|a| a["received"].as_u64().expect("count"))
        .sum();
    assert!(received <= busiest["cases"].as_u64().expect("count"));

    // Bad choices are refused in words.
    let refused = call(
        &webview,
        "dashboard",
        json!({"filter": {"from": "2026-12-01", "to": "2026-11-01"}, "words": words}),
    )
    .expect_err("reversed period");
    assert_eq!(refused["code"], "invalid");
    assert!(
        refused["message"]
            .as_str()
            .expect("words")
            .contains("starts (2026-12-01) after it ends (2026-11-01)"),
        "{refused}"
    );
    let refused = call(
        &webview,
        "dashboard",
        json!({"filter": {"state": "Wakanda"}, "words": words}),
    )
    .expect_err("state");
    assert_eq!(refused["code"], "invalid");

    // The workbook: written whole, a folder or a bad filter refused and nothing left behind.
    let out = tempfile::tempdir().expect("out");
    let path = out.path().join("figures.xlsx");
    let saved =
        call(&webview, "export_xlsx", json!({"filter": {}, "path": path})).expect("workbook");
    // Every counted case (merged and duplicate ones count once, as their original).
    assert_eq!(saved["count"].as_u64(), Some(counted));
    assert_eq!(saved["path"].as_str(), path.to_str());
    let written = std::fs::read(&path).expect("written");
    assert_eq!(&written[..2], b"PK", "an xlsx is a zip");
    // A name without its ending gets it; a folder, a relative name or another kind of file
    // is refused in words.
    let bare = out.path().join("kano");
    let saved = call(&webview, "export_xlsx", json!({"filter": {}, "path": bare})).expect("bare");
    assert_eq!(saved["path"].as_str(), bare.with_extension("xlsx").to_str());
    std::fs::remove_file(bare.with_extension("xlsx")).expect("remove");
    for (path, words) in [
        (
            out.path().to_str().expect("utf-8"),
            "give a file name with its full path",
        ),
        ("figures.xlsx", "give a file name with its full path"),
        ("/tmp/store.db", "the file's name must end in .xlsx"),
    ] {
        let refused = call(&webview, "export_xlsx", json!({"filter": {}, "path": path}))
            .expect_err("refused");
        assert_eq!(refused["code"], "invalid");
        assert!(
            refused["message"].as_str().expect("words").contains(words),
            "{path}: {refused}"
        );
    }
    let refused = call(
        &webview,
        "export_xlsx",
        json!({"filter": {"kind": "rumour"}, "path": path}),
    )
    .expect_err("kind");
    assert_eq!(refused["code"], "invalid");
    assert_eq!(
        std::fs::read(&path).expect("kept"),
        written,
        "the older workbook is intact"
    );
    assert_eq!(
        std::fs::read_dir(out.path()).expect("dir").count(),
        1,
        "no partial file"
    );

    // The briefs: one agency's, and the media's; a bad language refused in words, the older
    // file intact.
    let agency = performance[0]["short_name"].clone();
    let brief = out.path().join("brief.pdf");
    let saved = call(
        &webview,
        "save_brief",
        json!({"agency": agency, "filter": {}, "lang": "ig", "path": brief}),
    )
    .expect("brief");
    assert_eq!(saved["path"].as_str(), brief.to_str());
    let written = std::fs::read(&brief).expect("written");
    assert!(written.starts_with(b"%PDF-"), "a PDF");
    let media = out.path().join("media");
    let saved = call(
        &webview,
        "save_brief",
        json!({"agency": null, "filter": {}, "lang": "pcm", "path": media}),
    )
    .expect("media brief");
    assert_eq!(saved["path"].as_str(), media.with_extension("pdf").to_str());
    let refused = call(
        &webview,
        "save_brief",
        json!({"agency": agency, "filter": {}, "lang": "klingon", "path": brief}),
    )
    .expect_err("language");
    assert_eq!(refused["code"], "invalid");
    assert_eq!(
        refused["message"],
        "“klingon” is not a language the papers are printed in: choose en, ha, yo, ig or pcm"
    );
    let refused = call(
        &webview,
        "save_brief",
        json!({"agency": "NOSUCH", "filter": {}, "lang": "en", "path": brief}),
    )
    .expect_err("agency");
    assert_eq!(refused["code"], "not_found");
    assert_eq!(
        std::fs::read(&brief).expect("kept"),
        written,
        "the older brief is intact"
    );
}

#[test]
fn paper_capture_is_offered_the_form_numbers_this_laptop_issued() {
    use citizens_test_support::{install, FakeClock, PASSPHRASE, TOWN_HALL_DAY};
    let dir = tempfile::tempdir().expect("tempdir");
    let issued = {
        let mut client = install(dir.path(), "Amina Bello", FakeClock::at(TOWN_HALL_DAY));
        client.issue_forms(2, None).expect("issued")
    };
    let (_app, webview) = app(dir.path());
    call(&webview, "unlock", json!({"passphrase": PASSPHRASE})).expect("unlock");
    assert_eq!(
        call(&webview, "unused_forms", json!({})).expect("numbers"),
        json!(issued)
    );
}
