//! Driving the public pages in a real browser: Debian's headless Chromium through
//! chromedriver (WebDriver), with the same helpers as the app's window
//! ([`crate::window::fill`], `click`, `pick`, `text_of`).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use serde_json::json;

/// A running chromedriver; killed (with its browsers) when dropped.
#[derive(Debug)]
pub struct Chromedriver {
    child: Child,
    port: u16,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start chromedriver on a free port. Fails when it is missing: these tests never skip.
pub fn start_chromedriver() -> Chromedriver {
    let port = crate::window::free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver must be installed (apt-get install chromium-driver)");
    Chromedriver { child, port }
}

/// A fresh headless Chromium (its own profile: no cookies from another test).
pub async fn browser(driver: &Chromedriver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=360,780", "--hide-scrollbars", "--lang=en"]
        }),
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        match ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
        {
            Ok(client) => return client,
            Err(e) if std::time::Instant::now() < deadline => {
                let _ = e;
                tokio::task::yield_now().await;
            }
            Err(e) => panic!("no WebDriver session with Chromium: {e}"),
        }
    }
}

/// The whole page at `width` pixels wide, saved as `target/screenshots/web/{name}.png`.
pub async fn page_shot(c: &Client, name: &str, width: u32) {
    c.set_window_size(width, 780).await.expect("resize");
    let height = c
        .execute(
            "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight);",
            vec![],
        )
        .await
        .expect("height")
        .as_u64()
        .unwrap_or(780);
    let height = u32::try_from(height).unwrap_or(780).clamp(300, 6000);
    c.set_window_size(width, height).await.expect("resize");
    c.execute("window.scrollTo(0, 0);", vec![])
        .await
        .expect("scroll");
    let png = c.screenshot().await.expect("screenshot");
    let dir = crate::window::screenshots().join("web");
    std::fs::create_dir_all(&dir).expect("folder");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    c.set_window_size(width, 780).await.expect("resize");
}
