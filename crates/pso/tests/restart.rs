//! A server killed without warning (SIGKILL), then started again, loses nothing it said it did.
//! Runs the real `pso` binary on SQLite and on PostgreSQL (with `PSO_TEST_DATABASE_URL`; under
//! `CI=true` its absence fails the test).
//!
//! - Issue 7: killed in the middle of an MS Project import, it ends with the import job done or
//!   failed with a message — never stuck in `running`, never half a project (a short job lease
//!   set through the configuration, `PSO_JOBS_LEASE_SECS`).
//! - Issue 9: killed during a storm of writes, every write that was acknowledged is there after
//!   the restart, with its audit event (SQLite in WAL with `synchronous=FULL`, PostgreSQL with
//!   synchronous commit).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TASKS: usize = 20_000;

/// An MSPDI file of `n` tasks in groups of 50, each linked to the one before it.
fn big_plan(n: usize) -> String {
    let mut s = String::with_capacity(n * 400);
    s.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <Project xmlns=\"http://schemas.microsoft.com/project\">\n\
         <Name>big.xml</Name><Title>Big generated plan</Title>\
         <StartDate>2026-01-05T08:00:00</StartDate><MinutesPerDay>480</MinutesPerDay>\
         <MinutesPerWeek>2400</MinutesPerWeek><DaysPerMonth>20</DaysPerMonth>\n<Tasks>\n",
    );
    for uid in 1..=n {
        let group = (uid - 1) % 50 == 0;
        let level = if group { 1 } else { 2 };
        s.push_str(&format!(
            "<Task><UID>{uid}</UID><ID>{uid}</ID><Name>Task {uid}</Name>\
             <OutlineLevel>{level}</OutlineLevel><Summary>{}</Summary>\
             <Duration>PT16H0M0S</Duration><DurationFormat>7</DurationFormat>",
            group as u8
        ));
        if !group && (uid - 2) % 50 != 0 {
            s.push_str(&format!(
                "<PredecessorLink><PredecessorUID>{}</PredecessorUID><Type>1</Type>\
                 <LinkLag>0</LinkLag><LagFormat>7</LagFormat></PredecessorLink>",
                uid - 1
            ));
        }
        s.push_str("</Task>\n");
    }
    s.push_str("</Tasks>\n</Project>\n");
    s
}

struct Server {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn pso(data: &str, db: Option<&str>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pso"));
    c.env_remove("PSO_DATABASE_URL")
        .env_remove("PSO_CONFIG")
        .env("PSO_DATA_DIR", data)
        .env("PSO_JOBS_LEASE_SECS", "3");
    if let Some(u) = db {
        c.env("PSO_DATABASE_URL", u);
    }
    c
}

async fn start(data: &str, db: Option<&str>) -> Server {
    let port = free_port();
    let child = pso(data, db)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let t = Instant::now();
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Server { child, base }
}

async fn call(
    http: &reqwest::Client,
    token: &str,
    m: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Value {
    let mut rb = http.request(m, url).bearer_auth(token);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{url}: {status}: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn count(url: &str, sql: &str) -> i64 {
    use sqlx::Row;
    let store = pso_store::Store::connect(url).await.unwrap();
    let n = sqlx::query(sql)
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap();
    store.close().await;
    n
}

/// Site PAR and business unit ENG, through the API.
async fn site_and_unit(http: &reqwest::Client, token: &str, b: &str) -> (Value, Value) {
    let post = reqwest::Method::POST;
    let site = call(
        http,
        token,
        post.clone(),
        &format!("{b}/api/v1/sites"),
        Some(json!({"code": "PAR", "name": "Paris", "country": "FR",
                    "time_zone": "Europe/Paris", "currency": "EUR"})),
    )
    .await;
    let unit = call(
        http,
        token,
        post,
        &format!("{b}/api/v1/business-units"),
        Some(json!({"code": "ENG", "name": "Engineering"})),
    )
    .await;
    (site, unit)
}

async fn killed_mid_import(db: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap().to_string();
    let db = db.as_deref();
    let url = db
        .map(str::to_string)
        .unwrap_or_else(|| format!("sqlite://{d}/pso.db"));
    let token = admin_token(&d, db);
    let mut server = start(&d, db).await;
    let http = reqwest::Client::new();
    let b = server.base.clone();
    let (site, unit) = site_and_unit(&http, &token, &b).await;
    let r = http
        .post(format!(
            "{b}/api/v1/imports/mspdi?site_id={}&business_unit_id={}&code=BIG&file_name=big.xml",
            site["id"].as_str().unwrap(),
            unit["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .header("content-type", "application/xml")
        .body(big_plan(TASKS))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let job: Value = r.json().await.unwrap();
    let id = job["id"].as_str().unwrap().to_string();

    // Wait until a worker has it, then kill the server without warning.
    let t = Instant::now();
    loop {
        let j = call(
            &http,
            &token,
            reqwest::Method::GET,
            &format!("{b}/api/v1/jobs/{id}"),
            None,
        )
        .await;
        if j["state"] == "running" {
            break;
        }
        assert_eq!(
            j["state"], "queued",
            "finished before it could be killed: {j}"
        );
        assert!(t.elapsed() < Duration::from_secs(60), "never started: {j}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    let stuck = count(
        &url,
        &format!("SELECT COUNT(*) FROM jobs WHERE id = '{id}' AND state = 'running'"),
    )
    .await;
    let half = count(&url, "SELECT COUNT(*) FROM tasks").await;
    assert!(
        half == 0 || half as usize == TASKS,
        "half a project after the kill: {half} tasks"
    );

    // Started again: the job is taken up when its lease has run out, and ends.
    let server = start(&d, db).await;
    let b = server.base.clone();
    let t = Instant::now();
    let end = loop {
        let j = call(
            &http,
            &token,
            reqwest::Method::GET,
            &format!("{b}/api/v1/jobs/{id}"),
            None,
        )
        .await;
        if matches!(j["state"].as_str(), Some("done" | "failed")) {
            break j;
        }
        assert_ne!(j["state"], "cancelled");
        assert!(
            t.elapsed() < Duration::from_secs(300),
            "still not ended: {j}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut server = server;
    let _ = server.child.kill();
    let _ = server.child.wait();
    let projects = count(&url, "SELECT COUNT(*) FROM projects WHERE code = 'BIG'").await;
    let tasks = count(&url, "SELECT COUNT(*) FROM tasks").await;
    eprintln!(
        "killed with the job running (stuck in the database: {stuck}, tasks then: {half}); \
         after the restart: {} after {} attempts, {projects} project(s), {tasks} tasks",
        end["state"], end["attempts"]
    );
    match end["state"].as_str() {
        Some("done") => {
            assert_eq!(projects, 1, "{end}");
            assert_eq!(tasks as usize, TASKS, "{end}");
            assert_eq!(end["result"]["code"], "BIG");
            if stuck == 1 {
                assert!(end["attempts"].as_i64().unwrap() >= 2, "{end}");
            }
        }
        _ => {
            assert!(
                !end["error"]["detail"].as_str().unwrap_or("").is_empty(),
                "{end}"
            );
            assert_eq!(projects, 0, "{end}");
            assert_eq!(tasks, 0, "{end}");
        }
    }
    assert_eq!(
        count(&url, "SELECT COUNT(*) FROM jobs WHERE state = 'running'").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_server_killed_mid_import() {
    killed_mid_import(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_server_killed_mid_import() {
    on_postgres(|url| tokio::spawn(killed_mid_import(Some(url)))).await;
}

/// Runs `test` on a fresh PostgreSQL database (dropped afterwards), or skips when
/// `PSO_TEST_DATABASE_URL` is not set (a failure under `CI=true`).
async fn on_postgres(test: impl FnOnce(String) -> tokio::task::JoinHandle<()>) {
    let admin = match std::env::var("PSO_TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "PSO_TEST_DATABASE_URL is not set but CI=true"
            );
            eprintln!("note: PSO_TEST_DATABASE_URL is not set; skipping the PostgreSQL variant");
            return;
        }
    };
    let name = format!("pso_k_{}", uuid_suffix());
    let store = pso_store::Store::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(store.pool())
        .await
        .unwrap();
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b.to_string(), format!("?{q}")),
        None => (admin.clone(), String::new()),
    };
    let base = &base[..base.rfind('/').unwrap()];
    let url = format!("{base}/{name}{query}");
    let outcome = test(url).await;
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(store.pool())
        .await;
    store.close().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// An administrator's API token, made through the command line.
fn admin_token(d: &str, db: Option<&str>) -> String {
    let mut add = pso(d, db)
        .args([
            "user",
            "add",
            "--email",
            "ada@example.org",
            "--name",
            "Ada",
            "--role",
            "admin",
            "--scope",
            "global",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let out = add.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tok = pso(d, db)
        .args(["token", "create", "--email", "ada@example.org"])
        .output()
        .unwrap();
    assert!(
        tok.status.success(),
        "{}",
        String::from_utf8_lossy(&tok.stderr)
    );
    String::from_utf8(tok.stdout).unwrap().trim().to_string()
}

/// 8 clients create tasks in two projects as fast as the server takes them; the server is
/// killed after a second and a half; every task whose creation was acknowledged (201) is there
/// after the restart, with its audit event.
async fn killed_mid_write_storm(db: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap().to_string();
    let db = db.as_deref();
    let url = db
        .map(str::to_string)
        .unwrap_or_else(|| format!("sqlite://{d}/pso.db"));
    let token = admin_token(&d, db);
    let mut server = start(&d, db).await;
    let http = reqwest::Client::new();
    let b = server.base.clone();
    let post = reqwest::Method::POST;
    let (site, unit) = site_and_unit(&http, &token, &b).await;
    let mut projects = Vec::new();
    for code in ["DUR-1", "DUR-2"] {
        let p = call(
            &http,
            &token,
            post.clone(),
            &format!("{b}/api/v1/projects"),
            Some(json!({"code": code, "name": code, "site_id": site["id"],
                        "business_unit_id": unit["id"], "start_date": "2027-01-04"})),
        )
        .await;
        projects.push(p["id"].as_str().unwrap().to_string());
    }
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (http, b, token, acked) =
            (http.clone(), b.clone(), token.clone(), acknowledged.clone());
        let pid = projects[w % 2].clone();
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let r = http
                    .post(format!("{b}/api/v1/projects/{pid}/tasks"))
                    .bearer_auth(&token)
                    .json(&json!({"name": format!("W{w} T{i}"), "duration_days": 1}))
                    .send()
                    .await;
                let Ok(r) = r else { break }; // the server is gone
                if r.status() != 201 {
                    break;
                }
                let Ok(v) = r.json::<Value>().await else {
                    break;
                };
                acked
                    .lock()
                    .unwrap()
                    .push(v["id"].as_str().unwrap().to_string());
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.child.kill().unwrap(); // SIGKILL, writes in flight
    server.child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acknowledged.lock().unwrap().clone();
    assert!(
        acked.len() >= 50,
        "too few writes before the kill: {}",
        acked.len()
    );

    // Started again (recovery of the WAL, or PostgreSQL's): everything acknowledged is there.
    let server = start(&d, db).await;
    let store = pso_store::Store::connect(&url).await.unwrap();
    let mut stored = BTreeSet::new();
    let mut audited = BTreeSet::new();
    for pid in &projects {
        stored.extend(
            store
                .all_tasks(pid)
                .await
                .unwrap()
                .into_iter()
                .map(|t| t.id),
        );
        let mut cursor: Option<String> = None;
        loop {
            let page = store
                .audit_for_project(pid, 1000, cursor.as_deref())
                .await
                .unwrap();
            audited.extend(
                page.items
                    .into_iter()
                    .filter(|e| e.entity_type == "task" && e.action == "create")
                    .map(|e| e.entity_id),
            );
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
    }
    store.close().await;
    let mut server = server;
    let _ = server.child.kill();
    let _ = server.child.wait();
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged writes lost: {lost:?}",
        lost.len()
    );
    // Rows and audit events go in together: the same set, acknowledged or not.
    assert_eq!(stored, audited);
    eprintln!(
        "{} writes acknowledged before the kill, {} stored after the restart",
        acked.len(),
        stored.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_server_killed_mid_write_storm() {
    killed_mid_write_storm(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_server_killed_mid_write_storm() {
    on_postgres(|url| tokio::spawn(killed_mid_write_storm(Some(url)))).await;
}

fn uuid_suffix() -> String {
    format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}
