//! Architecture invariants: the domain core, the protocol and the server's rules depend on no IO
//! framework and no database driver; the server's rules hold no presentation (no templating or
//! HTML crate, no HTML or CSS in their sources: pages are rendered at the server's edge).

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

const FORBIDDEN: &[&str] = &[
    "tokio",
    "rusqlite",
    "libsqlite3-sys",
    "reqwest",
    "tauri",
    "axum",
    "hyper",
    "postgres",
    "tokio-postgres",
    "sqlx",
    "tower",
    "tower-http",
];

/// Crates that render pages or documents: the edge's business, never the rules'.
const PRESENTATION: &[&str] = &[
    "maud",
    "askama",
    "tera",
    "handlebars",
    "minijinja",
    "sailfish",
    "horrorshow",
    "markup",
    "html5ever",
    "typst",
    "citizens-paper",
];

/// Text that only HTML or CSS holds. Not a bare `</`: the rules answer Open311 in XML and
/// Twilio in TwiML, wire formats they own, while a page's tags and a style sheet are the edge's.
const MARKUP: &[&str] = &["<!doctype", ".css", "font-family", "{ color"];

/// HTML elements the public pages use, found as an opening tag (`<p>`, `<p class=…>`) or a
/// closing one (`</p>`), as written (the pages write tags in lower case; Rust's types, as in
/// `Option<Table>`, are capitalised): not in Open311's `<formats>`.
const ELEMENTS: &[&str] = &[
    "html", "head", "body", "main", "header", "footer", "nav", "div", "span", "p", "a", "b", "h1",
    "h2", "h3", "form", "input", "select", "option", "textarea", "label", "button", "table", "tr",
    "td", "th", "ul", "ol", "li", "dl", "dt", "dd", "style", "script", "link",
];

/// The markup `line` holds, if any.
fn markup_in(line: &str) -> Vec<String> {
    let lower = line.to_lowercase();
    let mut found: Vec<String> = MARKUP
        .iter()
        .filter(|m| lower.contains(**m))
        .map(|m| m.to_string())
        .collect();
    for element in ELEMENTS {
        for open in [
            format!("<{element}>"),
            format!("<{element} "),
            format!("</{element}>"),
        ] {
            if line.contains(&open) {
                found.push(open);
            }
        }
    }
    found
}

/// Every file under `dir`, depth first.
fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn normal_dependency_closure(metadata: &Value, root: &str) -> BTreeSet<String> {
    let packages: HashMap<&str, &str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().expect("id"),
                p["name"].as_str().expect("name"),
            )
        })
        .collect();
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| (n["id"].as_str().expect("id"), n))
        .collect();
    let start = packages
        .iter()
        .find(|(_, name)| **name == root)
        .map(|(id, _)| *id)
        .expect("root package");
    let mut seen = BTreeSet::new();
    let mut stack = vec![start];
    while let Some(id) = stack.pop() {
        for dep in nodes[id]["deps"].as_array().expect("deps") {
            let normal = dep["dep_kinds"]
                .as_array()
                .expect("kinds")
                .iter()
                .any(|k| k["kind"].is_null());
            let dep_id = dep["pkg"].as_str().expect("pkg");
            if normal && seen.insert(packages[dep_id].to_string()) {
                stack.push(dep_id);
            }
        }
    }
    seen
}

#[test]
fn core_and_protocol_depend_on_no_io_frameworks() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--filter-platform",
            "x86_64-unknown-linux-gnu",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata json");
    for root in ["citizens-core", "citizens-protocol", "citizens-server-core"] {
        let closure = normal_dependency_closure(&metadata, root);
        assert!(
            closure.contains("serde"),
            "{root}: the closure was computed ({closure:?})"
        );
        let bad: Vec<&&str> = FORBIDDEN.iter().filter(|f| closure.contains(**f)).collect();
        assert!(bad.is_empty(), "{root} must not depend on {bad:?}");
    }
    let rules = normal_dependency_closure(&metadata, "citizens-server-core");
    let shown: Vec<&&str> = PRESENTATION
        .iter()
        .filter(|f| rules.contains(**f))
        .collect();
    assert!(
        shown.is_empty(),
        "citizens-server-core must not depend on a presentation crate: {shown:?}"
    );
    // The store is the only crate with SQLite; the core never reaches it, checked above.
    assert!(normal_dependency_closure(&metadata, "citizens-store").contains("rusqlite"));
}

#[test]
fn the_server_rules_hold_no_html_or_css() {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../server-core"));
    let mut all = Vec::new();
    files(root, &mut all);
    assert!(
        all.iter().any(|p| p.ends_with("src/lib.rs")),
        "the rules' sources were found ({all:?})"
    );
    let mut found = Vec::new();
    for path in &all {
        let name = path.to_string_lossy().to_lowercase();
        if [".css", ".html", ".htm"].iter().any(|e| name.ends_with(e)) {
            found.push(format!("{}: a page or style sheet", path.display()));
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            for mark in markup_in(line) {
                found.push(format!("{}:{}: {mark}", path.display(), n + 1));
            }
        }
    }
    // The scan finds what it looks for.
    assert_eq!(markup_in("<p class=\"problem\">"), ["<p "]);
    assert_eq!(markup_in("<!DOCTYPE html>"), ["<!doctype"]);
    assert!(markup_in("fn named(name: &str) -> Option<Table>; <formats>").is_empty());
    assert!(
        found.is_empty(),
        "HTML and CSS belong to the server's edge (sync-server/src/public), not its rules:\n{}",
        found.join("\n")
    );
}
