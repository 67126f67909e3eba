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
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Wait until the element's text contains `wanted` (polling with WebDriver's own waits).
async fn until_text(c: &Client, css: &str, wanted: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let text = text_of(c, css).await;
        if text.contains(wanted) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css} never showed '{wanted}' (it shows '{text}')"
        );
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
    // First run: profile and passphrase.
    fill(&c, "#name", "Amina Bello").await;
    fill(&c, "#organisation", "Kano Civic Forum").await;
    fill(&c, "#passphrase", "a long passphrase").await;
    shot(&c, "01-first-run").await;
    click(&c, "#unlock").await;

    // Quick capture: three grievances, keyboard first.
    click(&c, "#nav-capture").await;
    pick(&c, "#category", "power").await;
    pick(&c, "#state", "KN").await;
    pick(&c, "#lga", "Tarauni").await;
    for (i, title) in [
        "Estimated billing for eight months",
        "Transformer faulty since March",
        "Officials demanded money for meters",
    ]
    .iter()
    .enumerate()
    {
        fill(&c, "#title", title).await;
        fill(&c, "#narrative", "Raised at the Tarauni town hall").await;
        if i == 2 {
            pick(&c, "#kind", "corruption_report").await;
            fill(&c, "#reporter-name", "Musa Ibrahim").await;
            click(&c, "#consent-explained").await;
        }
        click(&c, "#save-next").await;
        until_text(&c, "[role=status]", &format!("-{:04}", i + 1)).await;
    }
    until_text(&c, "[role=status]", "sealed").await;
    shot(&c, "02-quick-capture").await;

    // Find one by search and forward it with a note.
    click(&c, "#nav-cases").await;
    until_text(&c, "#cases", "Transformer").await;
    fill(&c, "#search", "transformer").await;
    until_text(&c, "p.muted", "1 of 1").await;
    assert!(
        !text_of(&c, "#cases").await.contains("Estimated billing"),
        "the search narrows the list"
    );
    shot(&c, "03-case-list").await;
    click(&c, "#cases tbody tr td.ref").await;
    until_text(&c, "h2", "Transformer faulty since March").await;
    pick(&c, "#move-to", "forwarded").await;
    click(&c, "#apply-status").await;
    until_text(&c, "#case-status", "Forwarded").await;
    fill(&c, "#note", "Letter delivered to KEDCO Tarauni office").await;
    click(&c, "#add-note").await;
    until_text(&c, "#timeline", "Letter delivered to KEDCO").await;
    shot(&c, "04-case-page").await;

    // Hausa.
    pick(&c, "#language", "ha").await;
    until_text(&c, "#nav-cases", "Ƙararraki").await;
    until_text(&c, "#case-status", "An tura zuwa hukuma").await;
    shot(&c, "05-hausa").await;
    c.close().await.expect("close");
    drop(driver);

    // Reopen: unlock, everything is still there (and Hausa remembered).
    let _driver = start_driver();
    let c = session(port).await;
    fill(&c, "#passphrase", "a long passphrase").await;
    shot(&c, "06-unlock").await;
    click(&c, "#unlock").await;
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
    until_text(&c, "#nav-cases", "Ƙararraki").await;
    c.close().await.expect("close");
}
