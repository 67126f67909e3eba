//! End to end in the real window: tauri-driver + WebKitWebDriver drive the built app under
//! Xvfb. Fails (never skips) when DISPLAY or tauri-driver is missing. Screenshots of each
//! screen go to `target/screenshots/`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

async fn session(port: u16) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        json!({ "application": env!("CARGO_BIN_EXE_citizens-desktop") }),
    );
    caps.insert("browserName".into(), json!("wry"));
    // tauri-driver starts listening a moment after it starts: poll with a deadline.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        match ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return client,
            Err(e) if std::time::Instant::now() < deadline => {
                let _ = e;
                tokio::task::yield_now().await;
            }
            Err(e) => panic!("no WebDriver session: {e}"),
        }
    }
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(screenshots().join(format!("{name}.png")), png).expect("write screenshot");
}

async fn fill(c: &Client, css: &str, text: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .expect("type");
}

async fn pick(c: &Client, css: &str, value: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .select_by_value(value)
        .await
        .expect("select");
}

async fn click(c: &Client, css: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
}

async fn text_of(c: &Client, css: &str) -> String {
    let element = c
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    // textContent: WebKitWebDriver's own element text leaves out cells clipped with an ellipsis.
    let arg = serde_json::to_value(&element).expect("element reference");
    c.execute("return arguments[0].textContent;", vec![arg])
        .await
        .expect("textContent")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Wait until the element's text contains `wanted` (polling with WebDriver's own waits).
async fn until_text(c: &Client, css: &str, wanted: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let text = text_of(c, css).await;
        if text.contains(wanted) {
            return;
        }
        if std::time::Instant::now() >= deadline {
            shot(c, "failure").await;
            panic!("{css} never showed '{wanted}' (it shows '{text}'); see failure.png");
        }
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn capture_search_forward_translate_and_reopen_in_the_real_window() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "run the tests under xvfb-run: no DISPLAY"
    );
    let data = tempfile::tempdir().expect("tempdir");
    let (port, native) = (free_port(), free_port());
    let start_driver = || {
        Driver(
            Command::new("tauri-driver")
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &native.to_string(),
                ])
                .env("CITIZENS_DATA_DIR", data.path())
                // The webview's own storage (the remembered language) lives with the test.
                .env("XDG_DATA_HOME", data.path().join("xdg-data"))
                .env("XDG_CACHE_HOME", data.path().join("xdg-cache"))
                .env("XDG_CONFIG_HOME", data.path().join("xdg-config"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("tauri-driver must be installed (cargo install tauri-driver --locked)"),
        )
    };

    let driver = start_driver();
    let c = session(port).await;
    // First run: profile and passphrase, no server.
    fill(&c, "#name", "Amina Bello").await;
    fill(&c, "#organisation", "Kano Civic Forum").await;
    fill(&c, "#passphrase", "a long passphrase").await;
    fill(&c, "#passphrase-again", "a long passphrase").await;
    shot(&c, "01-first-run").await;
    click(&c, "#unlock").await;
    until_text(&c, "main", "No cases yet").await;

    // Quick capture at a town hall: start the session, then save-and-next from the keyboard.
    click(&c, "#nav-capture").await;
    click(&c, "button[aria-expanded]").await;
    fill(&c, "#s-title", "Tarauni electricity town hall").await;
    fill(&c, "#s-venue", "Tarauni LGA secretariat").await;
    pick(&c, "#s-state", "KN").await;
    pick(&c, "#s-lga", "Tarauni").await;
    click(&c, "#start-session").await;
    until_text(&c, "#session", "Tarauni electricity town hall").await;
    // The session's place is every entry's default.
    let lga = c
        .find(Locator::Css("#lga"))
        .await
        .expect("lga")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(lga.as_deref(), Some("Tarauni"));
    for (i, title) in [
        "Estimated billing for eight months",
        "Transformer faulty since March",
        "Officials demanded money for meters",
    ]
    .iter()
    .enumerate()
    {
        if i == 2 {
            pick(&c, "#kind", "corruption_report").await;
            fill(&c, "#reporter-name", "Musa Ibrahim").await;
            click(&c, "#consent-explained").await;
        }
        pick(&c, "#category", "power").await;
        fill(&c, "#title", title).await;
        // Ctrl+Enter in the narrative saves: no mouse needed.
        fill(
            &c,
            "#narrative",
            "Raised at the Tarauni town hall\u{E009}\u{E007}",
        )
        .await;
        until_text(&c, "#saved-list", &format!("-{:04}", i + 1)).await;
    }
    until_text(&c, ".saved .notice", "sealed").await;
    shot(&c, "03-quick-capture").await;

    // Home shows the counts.
    click(&c, "#nav-home").await;
    until_text(&c, ".tiles", "3").await;
    shot(&c, "02-home").await;

    // Find one by search, forward it to the agency, add a note, and work it to resolved.
    click(&c, "#nav-cases").await;
    until_text(&c, ".count-line", ": 3").await;
    until_text(&c, "#cases", "Transformer").await;
    fill(&c, "#search", "transformer").await;
    until_text(&c, ".count-line", ": 1").await;
    assert!(
        !text_of(&c, "#cases").await.contains("Estimated billing"),
        "the search narrows the list"
    );
    shot(&c, "04-case-list").await;
    click(&c, "#cases .vrow .ref").await;
    until_text(&c, "h2", "Transformer faulty since March").await;
    click(&c, "#tab-forward").await;
    pick(&c, "#fwd-agency", "KEDCO").await;
    pick(&c, "#fwd-channel", "letter").await;
    fill(&c, "#their-ref", "KCF/2026/114").await;
    click(&c, "#apply-action").await;
    until_text(&c, "#case-status", "Forwarded").await;
    click(&c, "#tab-note").await;
    fill(&c, "#note", "Letter delivered to KEDCO Tarauni office").await;
    click(&c, "#apply-action").await;
    until_text(&c, "#timeline", "Letter delivered to KEDCO").await;
    for (to, shown) in [
        ("acknowledged", "Acknowledged"),
        ("in_progress", "In progress"),
        ("resolved", "Resolved"),
    ] {
        click(&c, "#tab-status").await;
        click(&c, &format!("#to-{to}")).await;
        until_text(&c, "#case-status", shown).await;
    }
    until_text(&c, "#timeline", "Forwarded to KEDCO").await;
    shot(&c, "05-case-page").await;

    // The town hall holds the three cases.
    click(&c, "#nav-sessions").await;
    click(&c, "#sessions button.link").await;
    until_text(&c, ".case-rows", "Officials demanded money").await;
    shot(&c, "06-town-hall").await;

    // The other screens.
    click(&c, "#nav-directory").await;
    fill(&c, "#agency-search", "KEDCO").await;
    click(&c, ".agencies button").await;
    until_text(&c, ".detail", "Escalation ladder").await;
    shot(&c, "07-agencies").await;
    click(&c, "#nav-sync").await;
    until_text(&c, "main", "This laptop works alone").await;
    shot(&c, "08-sync").await;
    click(&c, "#nav-settings").await;
    until_text(&c, "main", "Change passphrase").await;
    shot(&c, "09-settings").await;

    // Hausa, then Yoruba: labels and stored words follow the language.
    pick(&c, "#language", "ha").await;
    until_text(&c, "#nav-cases", "Ƙararraki").await;
    click(&c, "#nav-cases").await;
    until_text(&c, "#cases", "An warware").await;
    shot(&c, "10-hausa").await;
    pick(&c, "#language", "yo").await;
    until_text(&c, "#nav-cases", "Àwọn ẹjọ́").await;
    fill(&c, "#search", "transformer").await;
    until_text(&c, ".count-line", ": 1").await;
    until_text(&c, "#cases", "A ti yanjú").await;
    click(&c, "#cases .vrow .ref").await;
    until_text(&c, "#timeline", "A fi ránṣẹ́ sí KEDCO").await;
    shot(&c, "11-yoruba-case").await;
    c.close().await.expect("close");
    drop(driver);

    // Reopen: unlock, everything is still there (and Yoruba remembered).
    let _driver = start_driver();
    let c = session(port).await;
    until_text(&c, "#unlock", "Ṣí i").await;
    fill(&c, "#passphrase", "a long passphrase").await;
    shot(&c, "12-unlock").await;
    click(&c, "#unlock").await;
    click(&c, "#nav-cases").await;
    until_text(&c, "#cases", "Estimated billing").await;
    let cases = text_of(&c, "#cases").await;
    for title in [
        "Estimated billing",
        "Transformer faulty",
        "Officials demanded money",
    ] {
        assert!(
            cases.contains(title),
            "{title} missing after reopening: {cases}"
        );
    }
    c.close().await.expect("close");
}
