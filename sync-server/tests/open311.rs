//! Open311 GeoReport v2 over a real server: discovery, services and a service definition in
//! both formats, read back as clients read them (the XML by Python's ElementTree, as the
//! Python Open311 clients do), and errors in the spec's body.

use std::process::Command;

use citizens_server::config::Public;
use citizens_server::{Application, Config};
use citizens_test_support::citizen::post_form as post;
use citizens_test_support::{FakeClock, TOWN_HALL_DAY};
use serde_json::Value;

fn get(url: &str) -> (u16, String, String) {
    let response = reqwest::blocking::get(url).expect("server answers");
    let status = response.status().as_u16();
    let headers = response.headers();
    let content_type = headers["content-type"].to_str().expect("ascii").to_string();
    assert_eq!(headers["access-control-allow-origin"], "*");
    (status, content_type, response.text().expect("text"))
}

/// The texts ElementTree finds at `path` in `xml`.
fn element_texts(xml: &str, path: &str) -> Vec<String> {
    let script = format!(
        "import sys, xml.etree.ElementTree as ET\n\
         root = ET.fromstring(sys.stdin.buffer.read())\n\
         print('\\n'.join(e.text or '' for e in root.findall('{path}')))"
    );
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), xml.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("python3 ends");
    assert!(out.status.success(), "ElementTree parses it:\n{xml}");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn discovery_services_and_definitions_in_both_formats_with_errors_in_the_specs_body() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::local(dir.path());
    config.public = Public {
        url: Some("https://citizens.example.org/".into()),
        name: Some("Kano Civic Forum".into()),
        ..Public::default()
    };
    let server = Application::spawn(config, FakeClock::at(TOWN_HALL_DAY)).expect("server");
    let base = format!("{}/open311/v2", server.url);

    let (status, kind, body) = get(&format!("{base}/discovery.json"));
    assert_eq!(
        (status, kind.as_str()),
        (200, "application/json; charset=utf-8")
    );
    let discovery: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        discovery["endpoints"][0]["url"],
        "https://citizens.example.org/open311/v2"
    );
    assert!(discovery["contact"]
        .as_str()
        .expect("contact")
        .contains("Kano Civic Forum"));
    let (status, kind, body) = get(&format!("{base}/discovery.xml"));
    assert_eq!((status, kind.as_str()), (200, "text/xml; charset=utf-8"));
    assert_eq!(
        element_texts(&body, "endpoints/endpoint/formats/format"),
        ["text/xml", "application/json"]
    );

    let (_, _, body) = get(&format!("{base}/services.json"));
    let services: Value = serde_json::from_str(&body).expect("json");
    let codes: Vec<&str> = services
        .as_array()
        .expect("a bare array")
        .iter()
        .map(|s| s["service_code"].as_str().expect("a string code"))
        .collect();
    let (_, _, body) = get(&format!("{base}/services.xml"));
    assert_eq!(element_texts(&body, "service/service_code"), codes);
    assert_eq!(codes.len(), 12);
    assert!(codes.contains(&"passports") && codes.contains(&"policing"));

    let (status, _, body) = get(&format!("{base}/services/policing.xml"));
    assert_eq!(status, 200);
    assert_eq!(
        element_texts(&body, "attributes/attribute/code"),
        ["kind", "subcategory", "state", "lga"]
    );
    assert!(
        element_texts(&body, "attributes/attribute/values/value/name")
            .contains(&"Corruption report".to_string())
    );

    // Unknown things: 404 with the spec's error body, in the format asked for.
    let (status, _, body) = get(&format!("{base}/services/rumours.json"));
    assert_eq!(status, 404);
    let errors: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        errors,
        serde_json::json!([{"code": 404, "description": "no such service_code: see services"}])
    );
    let (status, kind, body) = get(&format!("{base}/services.html"));
    assert_eq!((status, kind.as_str()), (404, "text/xml; charset=utf-8"));
    assert_eq!(
        element_texts(&body, "error/description"),
        ["end the path with .xml or .json"]
    );
}

#[test]
fn requests_posted_with_a_key_become_cases_their_ids_open_their_status_and_agencies_post_updates() {
    use citizens_server::config::Integration;
    use citizens_test_support::device::{fast, Device};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::local(dir.path());
    let home = citizens_core::geo::Lga::parse("Kano", "Nasarawa").expect("lga");
    config.public = Public {
        name: Some("Kano Civic Forum".into()),
        intake: Some(citizens_server_core::intake::Public::new(
            citizens_test_support::server::ORG,
            home,
        )),
        integrations: vec![
            Integration {
                name: "Civic app".into(),
                key: "civic-app-key-0001".into(),
                agency: None,
            },
            Integration {
                name: "Kano water board".into(),
                key: "knwb-key-0002".into(),
                agency: Some("KNWB".into()),
            },
            Integration {
                name: "Immigration".into(),
                key: "nis-key-0003".into(),
                agency: Some("NIS".into()),
            },
        ],
        ..Public::default()
    };
    let server = Application::spawn(config, FakeClock::at(TOWN_HALL_DAY)).expect("server");
    let mut coordinator = Device::founder("Amina Yusuf", FakeClock::at(TOWN_HALL_DAY));
    let code = server
        .core()
        .create_enrolment(&citizens_server_core::NewCode {
            org: citizens_test_support::server::ORG,
            org_public_key: Some(&coordinator.key()),
            role: citizens_protocol::Role::Coordinator,
            user: "Amina Yusuf",
            valid_for: std::time::Duration::from_secs(3600),
        })
        .expect("code");
    coordinator
        .client
        .enroll(&server.url, &code, fast())
        .expect("enrol");
    let base = format!("{}/open311/v2", server.url);
    let request = [
        ("api_key", "civic-app-key-0001"),
        ("service_code", "water"),
        ("attribute[kind]", "complaint"),
        ("attribute[state]", "KN"),
        ("attribute[lga]", "Fagge"),
        (
            "description",
            "No water in Fagge for ten days; the tanker men charge 2,000 naira",
        ),
        ("first_name", "Bala"),
        ("last_name", "Planted-Umar"),
        ("phone", "08035550199"),
        ("device_id", "phone-1"),
    ];

    let mut bad = request;
    bad[0].1 = "guessed";
    let (status, body) = post(&format!("{base}/requests.xml"), &bad);
    assert_eq!(status, 403);
    assert_eq!(element_texts(&body, "error/code"), vec!["403"]);
    assert_eq!(
        element_texts(&body, "error/description"),
        vec!["api_key is missing or not known here"]
    );

    let (status, body) = post(&format!("{base}/requests.xml"), &request);
    assert_eq!(status, 200, "{body}");
    let ids = element_texts(&body, "request/service_request_id");
    assert_eq!(ids.len(), 1);
    let id = ids[0].clone();
    assert!(
        id.starts_with("KN-") && id.len() == "KN-XXX-123456-ABCDEFGH".len(),
        "{id}"
    );
    // A client resending the same request files it once, and is not given its id again.
    let (status, again) = post(&format!("{base}/requests.xml"), &request);
    assert_eq!(status, 409);
    assert_eq!(
        element_texts(&again, "error/description"),
        vec!["this request was posted before and filed then; its service_request_id was in that answer"]
    );
    // A control character in what the client sends is refused, in the spec's body.
    let mut hostile = request;
    hostile[5].1 = "No water\u{1b}[2K in Fagge";
    let (status, body) = post(&format!("{base}/requests.json"), &hostile);
    assert_eq!(
        (status, body.as_str()),
        (
            400,
            r#"[{"code":400,"description":"what happened holds an invisible control character: type it again without it"}]"#
        )
    );
    // What is wrong, in the spec's body.
    let mut wrong = request;
    wrong[4].1 = "Ikeja";
    wrong[9].1 = "phone-2";
    let (status, body) = post(&format!("{base}/requests.json"), &wrong);
    assert_eq!(status, 400);
    let errors: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        errors,
        serde_json::json!([{"code": 400, "description": "choose the local government area in that state"}])
    );

    let (status, _, body) = get(&format!("{base}/requests/{id}.json"));
    assert_eq!(status, 200);
    let found: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(found[0]["service_request_id"], id.as_str());
    assert_eq!(found[0]["status"], "open");
    assert_eq!(found[0]["status_notes"], "New");
    assert_eq!(found[0]["service_code"], "water");
    assert_eq!(found[0]["service_name"], "Water and sanitation");
    assert_eq!(found[0]["agency_responsible"], "");
    assert!(
        !body.contains("Fagge") && !body.contains("Planted") && !body.contains("tanker"),
        "{body}"
    );
    let (_, _, none) = get(&format!("{base}/requests.json"));
    assert_eq!(none, "[]");
    let reference = &id[..id.rfind('-').expect("dash")];
    let (_, _, some) = get(&format!(
        "{base}/requests.xml?service_request_id={id},{reference}-AAAAAAAA"
    ));
    assert_eq!(
        element_texts(&some, "request/service_request_id"),
        vec![id.clone()]
    );
    assert_eq!(get(&format!("{base}/tokens/abc.json")).0, 404);

    // The coordinator accepts and forwards it to the water board; the board posts updates.
    coordinator.client.sync(fast(), &mut |_| {}).expect("sync");
    coordinator.client.accept_intake(reference).expect("accept");
    coordinator
        .client
        .forward(
            reference,
            &citizens_client::ForwardInput {
                agency: "KNWB".into(),
                office: None,
                channel: "email".into(),
                reference: None,
                on: None,
            },
        )
        .expect("forward");
    coordinator.client.sync(fast(), &mut |_| {}).expect("sync");
    let update = [
        ("api_key", "knwb-key-0002"),
        ("service_request_id", id.as_str()),
        ("update_id", "knwb-77"),
        ("status", "IN_PROGRESS"),
        ("description", "A repair crew is booked for Fagge on Monday"),
        ("updated_datetime", "2026-11-21T10:00:00+01:00"),
    ];
    // Another agency's case, a made-up PIN, an unknown reference, a reference alone: all
    // answered alike, so an agency learns nothing of requests that are not its own.
    let not_yours = (
        403,
        r#"[{"code":403,"description":"no request of yours has that id"}]"#.to_string(),
    );
    let mut wrong_agency = update;
    wrong_agency[0].1 = "nis-key-0003";
    assert_eq!(
        post(&format!("{base}/servicerequestupdates.json"), &wrong_agency),
        not_yours
    );
    let made_up_pin = format!("{reference}-AAAAAAAA");
    let unknown = format!("KN-{}-000001-AAAAAAAA", &reference[3..6]);
    for asked in [made_up_pin.as_str(), unknown.as_str(), reference] {
        let mut guessed = update;
        guessed[1].1 = asked;
        assert_eq!(
            post(&format!("{base}/servicerequestupdates.json"), &guessed),
            not_yours,
            "{asked}"
        );
    }
    let mut hostile = update;
    hostile[4].1 = "Crew booked\u{1b}[2K\r for Monday";
    let (status, body) = post(&format!("{base}/servicerequestupdates.json"), &hostile);
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("description: holds an invisible control character"),
        "{body}"
    );
    let (status, body) = post(
        &format!("{base}/servicerequestupdates.json"),
        &[("api_key", "civic-app-key-0001")],
    );
    assert_eq!(
        (status, body.contains("this api_key speaks for no agency")),
        (403, true)
    );
    for _ in 0..3 {
        let (status, body) = post(&format!("{base}/servicerequestupdates.json"), &update);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, r#"[{"update_id":"knwb-77"}]"#);
    }
    coordinator.client.sync(fast(), &mut |_| {}).expect("sync");
    let case = coordinator
        .client
        .open_case(reference)
        .expect("case")
        .grievance;
    assert_eq!(
        case.notes().collect::<Vec<_>>(),
        vec![
            "Update from KNWB (Open311, IN_PROGRESS): A repair crew is booked for Fagge on Monday"
        ]
    );
    let (_, _, body) = get(&format!("{base}/requests/{id}.json"));
    let found: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(found[0]["agency_responsible"], "Kano State Water Board");
    assert_eq!(found[0]["status_notes"], "Forwarded");
}
