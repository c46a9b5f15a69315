//! The `pso` command line, run as a real process: help on every command, users and tokens that
//! work against `pso serve`, and clear messages (never a panic) for bad input, an unreachable
//! database, and a database migrated by a newer binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn pso(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pso"))
        .args(args)
        .env_remove("PSO_DATABASE_URL")
        .env_remove("PSO_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

#[test]
fn help_on_every_command() {
    let top = pso(&["--help"], None);
    assert!(top.status.success());
    let out = text(&top.stdout);
    for c in [
        "serve", "demo", "migrate", "user", "token", "schedule", "convert", "import", "export",
    ] {
        assert!(out.contains(c), "--help lists {c}: {out}");
    }
    for args in [
        &["serve", "--help"][..],
        &["demo", "--help"],
        &["migrate", "--help"],
        &["user", "add", "--help"],
        &["token", "create", "--help"],
        &["schedule", "psplib", "--help"],
        &["schedule", "project", "--help"],
        &["schedule", "mspdi", "--help"],
        &["convert", "--help"],
        &["import", "mspdi", "--help"],
        &["export", "mspdi", "--help"],
    ] {
        let o = pso(args, None);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        assert!(text(&o.stdout).contains("Usage"), "{args:?}");
    }
    let serve = text(&pso(&["serve", "--help"], None).stdout);
    for flag in [
        "--data-dir",
        "--database-url",
        "--listen",
        "PSO_DATA_DIR",
        "PSO_DATABASE_URL",
        "PSO_LISTEN",
    ] {
        assert!(serve.contains(flag), "serve --help names {flag}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_and_token_work_against_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let add = pso(
        &[
            "user",
            "add",
            "--data-dir",
            d,
            "--email",
            "Ada@Example.org",
            "--name",
            "Ada",
            "--role",
            "pso",
            "--scope",
            "global",
            "--password-stdin",
        ],
        Some("a long enough password\n"),
    );
    assert!(add.status.success(), "{}", text(&add.stderr));
    // The same e-mail again is refused with a message.
    let again = pso(
        &[
            "user",
            "add",
            "--data-dir",
            d,
            "--email",
            "ada@example.org",
            "--name",
            "Ada",
            "--role",
            "pso",
            "--password-stdin",
        ],
        Some("a long enough password\n"),
    );
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );
    let tok = pso(
        &[
            "token",
            "create",
            "--data-dir",
            d,
            "--email",
            "ada@example.org",
        ],
        None,
    );
    assert!(tok.status.success(), "{}", text(&tok.stderr));
    let stdout = text(&tok.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "only the token on stdout: {stdout:?}");
    let token = lines[0].trim().to_string();
    assert!(token.starts_with("pso_") && token.len() > 40);

    // `pso serve` on a free port accepts it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_pso"))
        .args([
            "serve",
            "--data-dir",
            d,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let me: serde_json::Value = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(me["user"]["email"], "ada@example.org");
    assert_eq!(me["user"]["grants"][0]["role"], "pso");
}

#[test]
fn bad_input_gets_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    for (args, needle) in [
        (
            vec![
                "user",
                "add",
                "--data-dir",
                d,
                "--email",
                "x@y.org",
                "--name",
                "X",
                "--role",
                "boss",
            ],
            "--role",
        ),
        (
            vec![
                "user",
                "add",
                "--data-dir",
                d,
                "--email",
                "x@y.org",
                "--name",
                "X",
                "--role",
                "pso",
                "--scope",
                "planet:EARTH",
            ],
            "--scope",
        ),
        (
            vec![
                "user",
                "add",
                "--data-dir",
                d,
                "--email",
                "not-an-email",
                "--name",
                "X",
                "--role",
                "pso",
            ],
            "email",
        ),
        (
            vec![
                "token",
                "create",
                "--data-dir",
                d,
                "--email",
                "nobody@y.org",
            ],
            "no user",
        ),
    ] {
        let o = pso(&args, None);
        let err = text(&o.stderr);
        assert!(!o.status.success(), "{args:?}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let short = pso(
        &[
            "user",
            "add",
            "--data-dir",
            d,
            "--email",
            "x@y.org",
            "--name",
            "X",
            "--role",
            "pso",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert!(
        text(&short.stderr).contains("password"),
        "{}",
        text(&short.stderr)
    );
}

#[test]
fn unreachable_database_is_a_message_not_a_panic() {
    let o = pso(
        &[
            "migrate",
            "--database-url",
            "postgres://postgres@127.0.0.1:1/nothing",
        ],
        None,
    );
    let err = text(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("cannot be reached"), "{err}");
    assert!(err.contains("127.0.0.1:1"), "names the database: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let bad = pso(&["migrate", "--database-url", "mysql://x"], None);
    assert!(
        text(&bad.stderr).contains("sqlite: or postgres://"),
        "{}",
        text(&bad.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newer_schema_is_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert!(pso(&["migrate", "--data-dir", d], None).status.success());
    // A later pso applied a migration this binary does not know.
    let url = format!("sqlite://{d}/pso.db");
    let store = pso_store::Store::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (29991231000000, 'from the future', 1, X'00', 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    store.close().await;
    let o = pso(&["migrate", "--data-dir", d], None);
    let err = text(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("newer than this pso binary"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
