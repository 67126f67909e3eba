//! Open311 GeoReport v2 over a real server: discovery, services and a service definition in
//! both formats, read back as clients read them (the XML by Python's ElementTree, as the
//! Python Open311 clients do), and errors in the spec's body.

use std::process::Command;

use citizens_server::config::Public;
use citizens_server::{Application, Config};
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
