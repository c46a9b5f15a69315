//! Background jobs, recurring runs and the mail outbox, on SQLite and PostgreSQL: who sees a
//! job, cancellation, leases that run out, two worker pools sharing one queue, a scheduler run
//! enqueued once, and mail queued while the SMTP server is down delivered once it is up.

use crate::common::smtp::{free_port, Sink};
use crate::common::{send, TestApp};
use pso_app::jobs::{JobSettings, WorkerPool};
use pso_app::mail::{MailConfig, Message, SmtpSettings, TlsMode};
use pso_domain::jobs::Progress;
use pso_store::jobs::{time_after, JobOutcome, NewJob, NewSchedule};
use pso_store::{Actor, Store};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn count(store: &Store, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sql)
        .fetch_one(store.pool())
        .await
        .expect("count")
        .try_get::<i64, _>(0)
        .expect("n")
}

/// A job of a kind no worker runs, for tests that play the worker themselves.
fn probe(owner: &str, run_at: Option<String>, max_attempts: i64) -> NewJob {
    NewJob {
        kind: "test_probe".into(),
        owner_id: Some(owner.into()),
        owner_label: "admin@test.example".into(),
        payload: json!({}),
        input: None,
        dedupe_key: None,
        schedule_id: None,
        max_attempts,
        run_at,
    }
}

async fn jobs_are_seen_by_owner_and_admins(app: TestApp) {
    let org = app.org().await;
    let p = app.project("JOB1", &org.paris, &org.bu).await;
    app.task(p["id"].as_str().unwrap(), "Design").await;
    let (pso_user, pso) = app
        .user_with("pso-par@test.example", &[("pso", "site:PAR")])
        .await;
    let (_, other) = app
        .user_with("pso-par2@test.example", &[("pso", "site:PAR")])
        .await;
    let (_, reader) = app
        .user_with("exec@test.example", &[("executive", "global")])
        .await;
    // A reader may edit nothing: refused at once, no job.
    app.post_as(&reader, "/api/v1/portfolio/schedule", json!({}))
        .await
        .problem(403, "forbidden");
    let id = TestApp::accepted(
        app.post_as(&pso, "/api/v1/portfolio/schedule", json!({}))
            .await,
    );
    let job = app.wait_job_as(&pso, &id).await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["owner_id"], json!(pso_user.id));
    assert_eq!(job["attempts"], 1);
    assert_eq!(job["progress"]["done"], job["progress"]["total"]);
    assert_eq!(job["result"]["runs"][0]["project_id"], p["id"]);
    // Others: 404, as for anything outside their scope; administrators see it.
    app.get_as(&other, &format!("/api/v1/jobs/{id}"))
        .await
        .problem(404, "not_found");
    send(app.with(&other, Method::POST, &format!("/api/v1/jobs/{id}/cancel")))
        .await
        .problem(404, "not_found");
    app.get(&format!("/api/v1/jobs/{id}")).await.expect(200);
    // Lists: the caller's own; everyone's for administrators only.
    let mine = app.get_as(&pso, "/api/v1/jobs").await.expect(200);
    assert_eq!(mine.items().len(), 1);
    assert!(mine.json["next_cursor"].is_null());
    assert!(app
        .get_as(&other, "/api/v1/jobs")
        .await
        .expect(200)
        .items()
        .is_empty());
    app.get_as(&other, "/api/v1/jobs?all=true")
        .await
        .problem(403, "forbidden");
    let all = app.get("/api/v1/jobs?all=true&limit=1").await.expect(200);
    assert_eq!(all.items().len(), 1);
    // A finished job cannot be cancelled.
    send(app.with(&pso, Method::POST, &format!("/api/v1/jobs/{id}/cancel")))
        .await
        .problem(409, "conflict");
    // The submission is in the audit trail.
    let audited = count(
        &app.store,
        &format!(
            "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'job' AND entity_id = '{id}' \
             AND action = 'submit' AND actor_id = '{}'",
            pso_user.id
        ),
    )
    .await;
    assert_eq!(audited, 1);
    // The job page of a finished portfolio run, and its owner's view only.
    let html = app.get_as(&pso, &format!("/jobs/{id}")).await.expect(200);
    assert!(html.text.contains("1 projects scheduled"), "{}", html.text);
    assert!(!html.text.contains("every 1s"), "{}", html.text);
    app.get_as(&other, &format!("/jobs/{id}")).await.expect(404);
}

async fn cancelling_queued_and_running_jobs(app: TestApp) {
    let later = time_after(Duration::from_secs(3600));
    let queued = app
        .store
        .enqueue_job(
            &Actor::system("test"),
            &probe(&app.admin.id, Some(later), 3),
        )
        .await
        .unwrap()
        .unwrap();
    let r = send(app.req(Method::POST, &format!("/api/v1/jobs/{}/cancel", queued.id)))
        .await
        .expect(200);
    assert_eq!(r.json["state"], "cancelled");
    assert!(r.json["finished_at"].is_string());
    // Running: the worker is asked; it sees the request with its next heartbeat.
    let running = app
        .store
        .enqueue_job(&Actor::system("test"), &probe(&app.admin.id, None, 3))
        .await
        .unwrap()
        .unwrap();
    let lease = Duration::from_secs(30);
    let claimed = app
        .store
        .claim_job(&["test_probe"], "test-worker", lease)
        .await
        .unwrap()
        .expect("claimed");
    assert_eq!(claimed.id, running.id);
    assert_eq!(claimed.state.as_str(), "running");
    let p = Progress {
        done: 1,
        total: 4,
        message: "step 1".into(),
    };
    assert_eq!(
        app.store
            .heartbeat_job(&running.id, "test-worker", lease, &p)
            .await
            .unwrap(),
        Some(false)
    );
    let r = send(app.req(Method::POST, &format!("/api/v1/jobs/{}/cancel", running.id)))
        .await
        .expect(200);
    assert_eq!(r.json["state"], "running");
    assert_eq!(r.json["cancel_requested"], true);
    assert_eq!(r.json["progress"]["message"], "step 1");
    assert_eq!(
        app.store
            .heartbeat_job(&running.id, "test-worker", lease, &p)
            .await
            .unwrap(),
        Some(true)
    );
    assert!(app
        .store
        .finish_job(&running.id, "test-worker", &JobOutcome::Cancelled, &p)
        .await
        .unwrap());
    let j = app
        .get(&format!("/api/v1/jobs/{}", running.id))
        .await
        .expect(200);
    assert_eq!(j.json["state"], "cancelled");
    let cancels = count(
        &app.store,
        "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'job' AND action = 'cancel'",
    )
    .await;
    assert_eq!(cancels, 2);
}

async fn leases_that_run_out_are_taken_up_again(app: TestApp) {
    let job = app
        .store
        .enqueue_job(&Actor::system("test"), &probe(&app.admin.id, None, 2))
        .await
        .unwrap()
        .unwrap();
    let short = Duration::from_millis(300);
    let long = Duration::from_secs(30);
    let first = app
        .store
        .claim_job(&["test_probe"], "dies", short)
        .await
        .unwrap()
        .expect("first claim");
    assert_eq!(first.attempts, 1);
    // Held: nobody else gets it.
    assert!(app
        .store
        .claim_job(&["test_probe"], "other", long)
        .await
        .unwrap()
        .is_none());
    tokio::time::sleep(Duration::from_millis(400)).await;
    let second = app
        .store
        .claim_job(&["test_probe"], "other", short)
        .await
        .unwrap()
        .expect("taken up again");
    assert_eq!(second.id, job.id);
    assert_eq!(second.attempts, 2);
    // The first worker lost it: its heartbeat and its outcome are refused.
    let p = Progress::default();
    assert_eq!(
        app.store
            .heartbeat_job(&job.id, "dies", long, &p)
            .await
            .unwrap(),
        None
    );
    assert!(!app
        .store
        .finish_job(&job.id, "dies", &JobOutcome::Done(json!({})), &p)
        .await
        .unwrap());
    // The second dies too: no attempt left, the job ends as failed with a message.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(app
        .store
        .claim_job(&["test_probe"], "third", long)
        .await
        .unwrap()
        .is_none());
    // (The server's own workers may have given it up first.)
    assert!(app.store.fail_abandoned_jobs().await.unwrap() <= 1);
    let j = app
        .get(&format!("/api/v1/jobs/{}", job.id))
        .await
        .expect(200)
        .json;
    assert_eq!(j["state"], "failed");
    assert_eq!(j["error"]["code"], "interrupted");
    assert!(j["error"]["detail"].as_str().unwrap().contains("given up"));
}

/// A second application (and worker pool) on the test's database, as a second server would be.
async fn second_app(app: &TestApp, jobs: JobSettings, mail: MailConfig) -> pso_app::App {
    let store = Store::connect(&app.database_url).await.expect("connect");
    pso_app::App::new(store)
        .await
        .expect("app")
        .with_jobs(jobs)
        .with_mail(mail)
}

async fn two_pools_share_one_queue(app: TestApp) {
    let org = app.org().await;
    let mut projects = Vec::new();
    for code in ["Q1", "Q2"] {
        let p = app.project(code, &org.paris, &org.bu).await;
        let pid = p["id"].as_str().unwrap().to_string();
        app.task(&pid, "Build").await;
        projects.push(pid);
    }
    let other = second_app(
        &app,
        JobSettings {
            workers: 2,
            poll: Duration::from_millis(20),
            ..JobSettings::default()
        },
        MailConfig::default(),
    )
    .await;
    let pool = WorkerPool::start(&other).await;
    const N: usize = 16;
    let mut ids = Vec::new();
    for _ in 0..N {
        ids.push(TestApp::accepted(
            app.post("/api/v1/portfolio/schedule", json!({})).await,
        ));
    }
    for id in &ids {
        let j = app.wait_job(id).await;
        assert_eq!(j["state"], "done", "{j}");
        assert_eq!(j["attempts"], 1, "claimed once: {j}");
    }
    pool.shutdown().await;
    // Each job ran once: one schedule run per job and project, no more.
    let runs = count(&app.store, "SELECT COUNT(*) FROM schedule_runs").await;
    assert_eq!(runs as usize, N * projects.len());
    let workers = count(
        &app.store,
        "SELECT COUNT(DISTINCT worker) FROM jobs WHERE kind = 'portfolio_schedule'",
    )
    .await;
    assert!(workers >= 1);
}

async fn a_recurring_run_is_enqueued_once(app: TestApp) {
    let a = second_app(&app, JobSettings::default(), MailConfig::default()).await;
    let b = second_app(&app, JobSettings::default(), MailConfig::default()).await;
    let due = (chrono::Utc::now() - chrono::Duration::seconds(5))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    assert!(app
        .store
        .ensure_schedule(
            &Actor::system("test"),
            &NewSchedule {
                name: "test-weekly".into(),
                kind: "housekeeping".into(),
                spec: "every Monday 08:00".into(),
                time_zone: "Europe/Paris".into(),
                payload: json!({}),
                owner_id: None,
                owner_label: "system".into(),
                next_run_at: due,
            },
        )
        .await
        .unwrap());
    // Both schedulers look at once, twice.
    for _ in 0..2 {
        let (x, y) = tokio::join!(
            pso_app::jobs::fire_due_schedules(&a),
            pso_app::jobs::fire_due_schedules(&b)
        );
        x.unwrap();
        y.unwrap();
    }
    let s = app
        .store
        .schedule_by_name("test-weekly")
        .await
        .unwrap()
        .unwrap();
    let jobs = count(
        &app.store,
        &format!("SELECT COUNT(*) FROM jobs WHERE schedule_id = '{}'", s.id),
    )
    .await;
    assert_eq!(jobs, 1, "one run enqueued once");
    assert!(s.last_job_id.is_some());
    // The next run is a Monday 08:00 in Paris, in the future.
    let next = chrono::DateTime::parse_from_rfc3339(&s.next_run_at).unwrap();
    let local = next.with_timezone(&chrono_tz::Europe::Paris);
    assert!(next > chrono::Utc::now());
    assert_eq!(local.format("%a %H:%M").to_string(), "Mon 08:00");
    // The built-in schedules exist, and are listed for administrators.
    let list = app.get("/api/v1/schedules").await.expect(200);
    let names: Vec<&str> = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(names.contains(&"housekeeping"), "{names:?}");
    assert!(names.contains(&"outbox_flush"), "{names:?}");
    // The run itself: housekeeping by the server's workers.
    let job_id = s.last_job_id.unwrap();
    let j = app.wait_job(&job_id).await;
    assert_eq!(j["state"], "done", "{j}");
    assert!(j["result"]["expired_sessions"].is_number(), "{j}");
}

async fn mail_waits_for_the_server_and_is_delivered(app: TestApp) {
    let port = free_port();
    let mail = MailConfig {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            tls: TlsMode::None,
            user: None,
            password: None,
            from: "PSO <pso@test.example>".into(),
            timeout: Duration::from_secs(5),
        }),
        base_url: None,
        retry_base: Duration::from_secs(1),
        max_attempts: 10,
    };
    let sender = second_app(
        &app,
        JobSettings {
            workers: 1,
            poll: Duration::from_millis(50),
            scheduler_interval: Duration::ZERO,
            ..JobSettings::default()
        },
        mail,
    )
    .await;
    let pool = WorkerPool::start(&sender).await;
    // Refused at once when it is not a message.
    let bad = pso_app::mail::queue(
        &app.store,
        &Actor::system("test"),
        Message {
            to: vec!["not an address".into()],
            subject: "x".into(),
            text: "x".into(),
            html: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(bad.errors[0].field, "to[0]");
    // Queued while nothing listens on the port.
    let m = pso_app::mail::queue(
        &app.store,
        &Actor {
            user_id: Some(app.admin.id.clone()),
            label: app.admin.email.clone(),
        },
        Message {
            to: vec!["marie@test.example".into()],
            subject: "Weekly status".into(),
            text: "All green.".into(),
            html: Some("<p>All <b>green</b>.</p>".into()),
        },
    )
    .await
    .unwrap();
    let start = Instant::now();
    let failed_once: Value = loop {
        let items = app.get("/api/v1/outbox").await.expect(200).items();
        let it = items
            .iter()
            .find(|i| i["id"] == json!(m.id))
            .cloned()
            .unwrap();
        if it["attempts"].as_i64().unwrap() >= 1 && it["last_error"].is_string() {
            break it;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no attempt: {it}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        failed_once["state"], "queued",
        "kept for a retry: {failed_once}"
    );
    // The mail server comes up: the retry delivers it.
    let sink = Sink::start(port).await;
    let start = Instant::now();
    let sent: Value = loop {
        let items = app.get("/api/v1/outbox").await.expect(200).items();
        let it = items
            .iter()
            .find(|i| i["id"] == json!(m.id))
            .cloned()
            .unwrap();
        if it["state"] == "sent" {
            break it;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "not sent: {it}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    pool.shutdown().await;
    assert!(sent["attempts"].as_i64().unwrap() >= 2, "{sent}");
    assert!(sent["sent_at"].is_string());
    let got = sink.messages();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].to, ["marie@test.example"]);
    assert_eq!(got[0].from, "pso@test.example");
    assert!(
        got[0].data.contains("Subject: Weekly status"),
        "{}",
        got[0].data
    );
    assert!(got[0].data.contains("All green."), "{}", got[0].data);
    assert!(got[0].data.contains("text/html"), "{}", got[0].data);
    // Queuing is audited; the outbox is for administrators.
    let audited = count(
        &app.store,
        &format!(
            "SELECT COUNT(*) FROM audit_events WHERE entity_type = 'outbox_message' \
             AND entity_id = '{}' AND action = 'queue'",
            m.id
        ),
    )
    .await;
    assert_eq!(audited, 1);
    let (_, pso) = app
        .user_with("pso-mail@test.example", &[("pso", "global")])
        .await;
    app.get_as(&pso, "/api/v1/outbox")
        .await
        .problem(403, "forbidden");
    app.get("/api/v1/outbox?state=bogus").await.invalid("state");
    let sent_only = app.get("/api/v1/outbox?state=sent").await.expect(200);
    assert_eq!(sent_only.items().len(), 1);
    let html = app.get("/admin/outbox").await.expect(200);
    assert!(html.text.contains("Weekly status"), "{}", html.text);
    assert!(
        html.text.contains("No mail server is configured"),
        "the server itself has none"
    );
    app.get_as(&pso, "/admin/outbox").await.expect(403);
}

async fn import_page_follows_the_job_to_the_report(app: TestApp) {
    let org = app.org().await;
    let (cookie, csrf) = app.login_as_admin().await;
    let file = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/generated60.xml"),
    )
    .unwrap();
    let boundary = "psotestboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in [
        ("site_id", org.paris.as_str()),
        ("business_unit_id", org.bu.as_str()),
        ("code", "PAGEJOB"),
    ] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"generated60.xml\"\r\nContent-Type: application/xml\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = send(
        app.anon(Method::POST, &format!("/import?csrf_token={csrf}"))
            .header("cookie", &cookie)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body),
    )
    .await
    .expect(303);
    let job_page = r.header("location").unwrap();
    assert!(job_page.starts_with("/jobs/"), "{job_page}");
    let start = Instant::now();
    let report = loop {
        let p = send(app.anon(Method::GET, &job_page).header("cookie", &cookie)).await;
        match p.status.as_u16() {
            303 => break p.header("location").unwrap(),
            200 => {
                assert!(p.text.contains("job-status"), "{}", p.text);
                assert!(p.text.contains("hx-trigger=\"every 1s\""), "{}", p.text);
                assert!(p.text.contains("http-equiv=\"refresh\""), "{}", p.text);
            }
            s => panic!("{s}: {}", p.text),
        }
        assert!(start.elapsed() < Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(30)).await;
    };
    assert!(report.ends_with("/import-report?imported=1"), "{report}");
    let html = send(app.anon(Method::GET, &report).header("cookie", &cookie))
        .await
        .expect(200);
    assert!(
        html.text.contains("Generated large project"),
        "{}",
        html.text
    );
    // htmx polling of a finished import is sent on with HX-Redirect.
    let hx = send(
        app.anon(Method::GET, &job_page)
            .header("cookie", &cookie)
            .header("hx-request", "true"),
    )
    .await
    .expect(200);
    assert_eq!(hx.header("hx-redirect").as_deref(), Some(report.as_str()));
}

both!(
    jobs_are_seen_by_owner_and_admins,
    cancelling_queued_and_running_jobs,
    leases_that_run_out_are_taken_up_again,
    two_pools_share_one_queue,
    a_recurring_run_is_enqueued_once,
    mail_waits_for_the_server_and_is_delivered,
    import_page_follows_the_job_to_the_report,
);
