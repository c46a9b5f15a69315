//! A minimal W3C WebDriver client for the browser tests: headless Chromium through
//! chromedriver (Debian packages `chromium`, `chromium-driver`, or `PSO_CHROME` and
//! `PSO_CHROMEDRIVER`). [`Session::start`] returns `None` when they are missing outside CI and
//! panics under `CI=true`, so a browser test never skips quietly in CI.

#![allow(dead_code)]

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
pub const WAIT: Duration = Duration::from_secs(30);

fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in names {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// chromedriver and the browser, if installed.
pub fn find_browser() -> Option<(PathBuf, PathBuf)> {
    let driver = std::env::var_os("PSO_CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| which(&["chromedriver"]))?;
    let chrome = std::env::var_os("PSO_CHROME")
        .map(PathBuf::from)
        .or_else(|| which(&["chromium", "chromium-browser", "google-chrome", "chrome"]))?;
    Some((driver, chrome))
}

/// Kills the child process when dropped.
pub struct Kill(pub Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A browser session; chromedriver and the profile live as long as it does.
pub struct Session {
    pub browser: Browser,
    _driver: Kill,
    _profile: tempfile::TempDir,
}

impl Session {
    /// Starts chromedriver and a headless Chromium session (`None`: not installed, outside CI).
    pub async fn start(test: &str) -> Option<Session> {
        let Some((driver, chrome)) = find_browser() else {
            let msg = format!(
                "{test}: chromium and chromedriver not found (install the Debian packages \
                 `chromium` and `chromium-driver`, or set PSO_CHROME and PSO_CHROMEDRIVER)"
            );
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{msg}");
            }
            // Straight to stderr: the test harness would swallow eprintln! of a passing test.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "SKIPPED {msg}");
            return None;
        };
        let port = free_port();
        let driver = Kill(
            Command::new(&driver)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let http = reqwest::Client::new();
        let wd = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        loop {
            if let Ok(r) = http.get(format!("{wd}/status")).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            assert!(start.elapsed() < WAIT, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chrome.to_string_lossy(),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic",
                    "--disable-dev-shm-usage", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }}});
        let resp: Value = http
            .post(format!("{wd}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let sid = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {resp}"))
            .to_string();
        Some(Session {
            browser: Browser {
                http,
                session: format!("{wd}/session/{sid}"),
            },
            _driver: driver,
            _profile: profile,
        })
    }
}

/// WebDriver's codes of special keys, for [`Browser::type_keys`].
pub mod keys {
    pub const TAB: char = '\u{E004}';
    pub const LEFT: char = '\u{E012}';
    pub const UP: char = '\u{E013}';
    pub const RIGHT: char = '\u{E014}';
    pub const DOWN: char = '\u{E015}';
}

/// Commands of one WebDriver session.
pub struct Browser {
    http: reqwest::Client,
    session: String,
}

impl Browser {
    pub async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{}", self.session, path);
        let mut req = self.http.request(method.clone(), &url);
        if let Some(b) = body {
            req = req.json(&b);
        } else if method == reqwest::Method::POST {
            req = req.json(&json!({}));
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let v: Value = resp.json().await.unwrap();
        assert!(
            status.is_success(),
            "WebDriver {method} {path}: {status} {v}"
        );
        v["value"].clone()
    }

    async fn try_cmd(&self, method: reqwest::Method, path: &str, body: Value) -> Option<Value> {
        let url = format!("{}{}", self.session, path);
        let resp = self
            .http
            .request(method, &url)
            .json(&body)
            .send()
            .await
            .ok()?;
        if !resp.status().is_success() {
            return None;
        }
        let v: Value = resp.json().await.ok()?;
        Some(v["value"].clone())
    }

    pub async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    pub async fn url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    fn using(selector: &str) -> &'static str {
        if selector.starts_with('/') {
            "xpath"
        } else {
            "css selector"
        }
    }

    /// The element now, if there is one (CSS selector, or XPath starting with `/`).
    pub async fn try_find(&self, selector: &str) -> Option<String> {
        self.try_cmd(
            reqwest::Method::POST,
            "/element",
            json!({ "using": Self::using(selector), "value": selector }),
        )
        .await
        .and_then(|v| v[ELEMENT].as_str().map(str::to_string))
    }

    /// Waits for an element.
    pub async fn find(&self, selector: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(id) = self.try_find(selector).await {
                return id;
            }
            if start.elapsed() > WAIT {
                let src = self.source().await;
                panic!("no element {selector} after {WAIT:?}; page:\n{src}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn source(&self) -> String {
        self.cmd(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub async fn click(&self, selector: &str) {
        let el = self.find(selector).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{el}/click"), None)
            .await;
    }

    pub async fn fill(&self, selector: &str, text: &str) {
        let el = self.find(selector).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{el}/clear"), None)
            .await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn text(&self, selector: &str) -> String {
        let el = self.find(selector).await;
        self.cmd(reqwest::Method::GET, &format!("/element/{el}/text"), None)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Waits until the element's text contains every needle (htmx swaps are asynchronous).
    pub async fn wait_text(&self, selector: &str, needles: &[&str]) -> String {
        let start = Instant::now();
        loop {
            if let Some(el) = self.try_find(selector).await {
                if let Some(t) = self
                    .try_cmd(
                        reqwest::Method::GET,
                        &format!("/element/{el}/text"),
                        json!({}),
                    )
                    .await
                {
                    let t = t.as_str().unwrap_or("").to_string();
                    if needles.iter().all(|n| t.contains(n)) {
                        return t;
                    }
                }
            }
            if start.elapsed() > WAIT {
                let src = self.source().await;
                panic!("{selector} never contained {needles:?}; page:\n{src}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types keys into whatever element has the focus (W3C key actions, so the page sees real
    /// key events and the focus may move between keys): WebDriver's special keys are the
    /// constants of [`keys`].
    pub async fn type_keys(&self, text: &str) {
        let mut actions = Vec::new();
        for ch in text.chars() {
            let k = ch.to_string();
            actions.push(json!({"type": "keyDown", "value": k}));
            actions.push(json!({"type": "keyUp", "value": k}));
        }
        self.cmd(
            reqwest::Method::POST,
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )
        .await;
    }

    /// The value of an input.
    pub async fn value(&self, selector: &str) -> String {
        let el = self.find(selector).await;
        self.cmd(
            reqwest::Method::GET,
            &format!("/element/{el}/property/value"),
            None,
        )
        .await
        .as_str()
        .unwrap_or("")
        .to_string()
    }

    pub async fn resize(&self, width: u32, height: u32) {
        self.cmd(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await;
    }

    /// Saves a PNG screenshot as `DIR/NAME.png` when a directory is given.
    pub async fn screenshot(&self, dir: Option<&Path>, name: &str) {
        let Some(dir) = dir else { return };
        use base64::Engine;
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or(""))
            .unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}
