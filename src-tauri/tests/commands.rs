//! The commands through Tauri's mock runtime: the same registration as the real app, called
//! over IPC with JSON, no window needed.

use citizens_desktop::{app_builder, AppState};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

fn call(
    webview: &WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
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

#[test]
fn first_run_capture_list_and_work_a_case_over_ipc() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = AppState {
        data_dir: dir.path().to_path_buf(),
        client: Default::default(),
        sync: Default::default(),
    };
    let app = app_builder(mock_builder(), state)
        .build(mock_context(noop_assets()))
        .expect("app");
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("window");

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
    assert_eq!(weak.expect_err("weak")["code"], "invalid");
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
    assert_eq!(case["case"]["status"], "forwarded");
    let case = call(
        &webview,
        "add_note",
        json!({"reference": reference, "text": "Called the comptroller's office"}),
    )
    .expect("note");
    let said: Vec<&str> = case["case"]["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["what"].as_str())
        .collect();
    assert!(
        said.contains(&"note: Called the comptroller's office"),
        "{said:?}"
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
