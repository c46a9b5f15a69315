//! Issue 3, acceptance 5: the real `pso demo` binary fills a database with the demo
//! organisation and serves it; headless Chromium signs in as the demo administrator, opens a
//! demo project, opens its Gantt, schedules it if needed and sees the bars.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../pso-web/tests/it/webdriver/mod.rs"]
mod webdriver;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use webdriver::{free_port, Kill, Session};

/// Reads `pso demo`'s banner: the URL and the administrator's e-mail and password.
fn read_banner(child: &mut std::process::Child) -> (String, String, String) {
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Reads to the end (the banner is read by then; the rest is drained so that the
        // server never writes into a closed pipe).
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(300);
    let (mut url, mut admin) = (None, None);
    let mut seen = Vec::new();
    while Instant::now() < deadline && (url.is_none() || admin.is_none()) {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(1)) else {
            continue;
        };
        if let Some(i) = line.find("http://") {
            url = Some(line[i..].trim().trim_end_matches('/').to_string());
        }
        let lower = line.to_lowercase();
        if admin.is_none() && lower.contains("admin") && line.contains('@') {
            let words: Vec<&str> = line.split_whitespace().collect();
            if let Some(i) = words.iter().position(|w| w.contains('@')) {
                if let Some(pw) = words.get(i + 1) {
                    admin = Some((words[i].to_string(), pw.to_string()));
                }
            }
        }
        seen.push(line);
    }
    let (Some(url), Some((email, password))) = (url, admin) else {
        panic!(
            "pso demo printed no URL or admin login:\n{}",
            seen.join("\n")
        );
    };
    (url, email, password)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_opens_the_gantt_of_a_demo_project() {
    let Some(session) = Session::start("browser_gantt").await else {
        return;
    };
    let b = &session.browser;
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pso"))
        .args([
            "demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data.path())
        .env("PSO_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (base, email, password) = read_banner(&mut child);
    // The server answers before the browser goes there (on a loaded machine it may take a
    // moment after its banner).
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("pso demo exited: {status}");
        }
        let up = reqwest::get(format!("{base}/healthz"))
            .await
            .is_ok_and(|r| r.status().is_success());
        if up {
            break;
        }
        assert!(
            started.elapsed() < webdriver::WAIT,
            "pso demo does not answer"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _server = Kill(child);

    b.goto(&format!("{base}/login")).await;
    b.fill("input[name=email]", &email).await;
    b.fill("input[name=password]", &password).await;
    b.click("form[action='/login'] button[type=submit]").await;
    // The portfolio lists the demo projects; open the first one.
    b.click("main a[href^='/projects/']").await;
    let start = Instant::now();
    let project_url = loop {
        let u = b.url().await;
        if u.contains("/projects/") {
            break u;
        }
        assert!(start.elapsed() < webdriver::WAIT, "no project page: {u}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let project_url = project_url.split(['?', '#']).next().unwrap().to_string();
    b.goto(&format!("{project_url}/gantt")).await;
    b.find("svg").await;
    if b.try_find("svg .bar").await.is_none() {
        // Not scheduled yet: schedule it from the page.
        b.click("#schedule-now").await;
    }
    b.find("svg .bar").await;
    let src = b.source().await;
    assert!(src.contains("class=\"gantt\""), "{src}");
    assert!(src.matches("class=\"bar").count() >= 5, "too few bars");
    assert!(src.contains("class=\"link\""), "dependencies are drawn");
    assert!(
        src.contains("class=\"bar critical\""),
        "the critical path is marked"
    );
    // The other zooms render too.
    for zoom in ["month", "quarter"] {
        b.goto(&format!("{project_url}/gantt?zoom={zoom}")).await;
        b.find("svg .bar").await;
    }
}
