//! Driving the real app window: tauri-driver + WebKitWebDriver under Xvfb, shared by the
//! end-to-end tests (here and the desktop app's own) and the launch benchmark.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// A running tauri-driver; killed (with the app) when dropped.
#[derive(Debug)]
pub struct Driver {
    child: Child,
    /// Its WebDriver port.
    pub port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port on loopback.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

/// Start tauri-driver for an app whose data (and webview storage) live in `data`.
/// Fails when DISPLAY or tauri-driver is missing: these tests never skip.
pub fn start_driver(data: &Path) -> Driver {
    start_driver_with(data, &[])
}

/// [`start_driver`] with more environment for the app (e.g. a moved clock).
pub fn start_driver_with(data: &Path, env: &[(&str, &str)]) -> Driver {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "run the tests under xvfb-run: no DISPLAY"
    );
    let (port, native) = (free_port(), free_port());
    let child = Command::new("tauri-driver")
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("CITIZENS_DATA_DIR", data)
        // The webview's own storage (the remembered language) lives with the test.
        .env("XDG_DATA_HOME", data.join("xdg-data"))
        .env("XDG_CACHE_HOME", data.join("xdg-cache"))
        .env("XDG_CONFIG_HOME", data.join("xdg-config"))
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tauri-driver must be installed (cargo install tauri-driver --locked)");
    Driver { child, port }
}

pub fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

/// A WebDriver session: starts the app.
pub async fn session(driver: &Driver) -> Client {
    let port = driver.port;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        json!({ "application": crate::binary("citizens-desktop") }),
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

pub async fn shot(c: &Client, name: &str) {
    // The first capture after the webview changed page can show the page before (unlock):
    // capture once to bring the snapshot up to date, then keep the second.
    c.screenshot().await.expect("screenshot");
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(screenshots().join(format!("{name}.png")), png).expect("write screenshot");
}

pub async fn fill(c: &Client, css: &str, text: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .expect("type");
}

pub async fn pick(c: &Client, css: &str, value: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .select_by_value(value)
        .await
        .expect("select");
}

pub async fn click(c: &Client, css: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
}

pub async fn text_of(c: &Client, css: &str) -> String {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    read_text(c, css).await.expect("textContent")
}

/// The text of the first element matching `css` (empty when there is none). Read by selector,
/// not by an element found before: a page that changed since (a form sent, a link followed)
/// has the element anew, and a reference to the old one is stale. textContent (a text area's
/// value): WebKitWebDriver's own element text leaves out cells clipped with an ellipsis.
async fn read_text(c: &Client, css: &str) -> Result<String, fantoccini::error::CmdError> {
    Ok(c.execute(
        "const e = document.querySelector(arguments[0]); return e === null ? '' : (e.tagName === 'TEXTAREA' ? e.value : e.textContent);",
        vec![serde_json::Value::String(css.to_string())],
    )
    .await?
    .as_str()
    .unwrap_or_default()
    .to_string())
}

/// Wait until the element's text contains `wanted` (polling with WebDriver's own waits).
pub async fn until_text(c: &Client, css: &str, wanted: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        // A page loading in between answers nothing this time: ask again.
        let text = read_text(c, css).await.unwrap_or_default();
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

/// Wait until exactly `n` elements match `css`.
pub async fn until_count(c: &Client, css: &str, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let script = format!("return document.querySelectorAll({css:?}).length;");
    loop {
        let found = c.execute(&script, vec![]).await.expect("count").as_u64();
        if found == Some(n as u64) {
            return;
        }
        if std::time::Instant::now() >= deadline {
            shot(c, "failure").await;
            panic!("{css} never matched {n} elements (it matches {found:?}); see failure.png");
        }
        tokio::task::yield_now().await;
    }
}
