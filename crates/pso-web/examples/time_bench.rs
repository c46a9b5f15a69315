//! Time writing at scale (issue 10, see bench/time/README.md): 1,000 people × 52 weeks × 25
//! entries (1.3 million entries) of approved history, then through HTTP: saving a week with 8
//! concurrent clients, a site's missing-sheets list, and a manager's approval inbox.
//!
//! ```text
//! cargo run --release -p pso-web --example time_bench -- --database-url 'sqlite:///tmp/t/pso.db?mode=rwc'
//! cargo run --release -p pso-web --example time_bench -- --database-url postgres://postgres@127.0.0.1:5432/pso_time_bench
//! ```
//!
//! The history is written with plain multi-row INSERTs (a loader, not the product's save path,
//! which the measured saves use); a database that already holds it is measured as it is.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use pso_domain::access::{AccessGrant, Role, ScopeId};
use pso_domain::model::{
    BusinessUnitInput, PersonInput, ProjectInput, SiteInput, TaskInput, UserInput,
};
use pso_store::{Actor, Store};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

struct Args {
    database_url: String,
    people: usize,
    weeks: usize,
    entries: usize,
    clients: usize,
    seconds: u64,
    requests: usize,
}

fn args() -> Args {
    let mut a = Args {
        database_url: String::new(),
        people: 1000,
        weeks: 52,
        entries: 25,
        clients: 8,
        seconds: 20,
        requests: 200,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--database-url" => a.database_url = v(),
            "--people" => a.people = v().parse().expect("--people N"),
            "--weeks" => a.weeks = v().parse().expect("--weeks N"),
            "--entries" => a.entries = v().parse().expect("--entries N"),
            "--clients" => a.clients = v().parse().expect("--clients N"),
            "--seconds" => a.seconds = v().parse().expect("--seconds N"),
            "--requests" => a.requests = v().parse().expect("--requests N"),
            _ => panic!("unknown argument {k}"),
        }
    }
    assert!(!a.database_url.is_empty(), "--database-url URL");
    a
}

const PROJECTS: usize = 20;
const TASKS: usize = 50;

fn input<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("input")
}

/// The ISO week `i` weeks after 2026-W01, and its Monday.
fn week(i: usize) -> (String, chrono::NaiveDate) {
    let monday = chrono::NaiveDate::from_isoywd_opt(2026, 1, chrono::Weekday::Mon).unwrap()
        + chrono::Days::new(7 * i as u64);
    let w = pso_domain::timesheet::IsoWeek::of(monday);
    (w.to_string(), monday)
}

struct Org {
    site: String,
    people: Vec<String>,
    /// Tasks by project, and each project's id.
    projects: Vec<(String, Vec<String>)>,
}

async fn load_org(store: &Store, a: &Args) -> Org {
    let actor = Actor::system("bench");
    let s: SiteInput = input(json!({"code": "PAR", "name": "Paris", "country": "FR",
        "time_zone": "Europe/Paris", "currency": "EUR"}));
    let site = store
        .create_site(&actor, &s.validate().unwrap())
        .await
        .unwrap()
        .id;
    let b: BusinessUnitInput = input(json!({"code": "ENG", "name": "Engineering"}));
    let bu = store
        .create_business_unit(&actor, &b.validate().unwrap())
        .await
        .unwrap()
        .id;
    let rules: pso_domain::timesheet::TimeRulesInput = input(json!({"valid_from": "2025-01-01",
        "max_minutes_per_day": 600, "max_minutes_per_week": 2880, "weekend": "forbid",
        "holiday": "warn", "within_task_dates": "allow", "submit_by": "MON 12:00"}));
    store
        .set_time_rules(&actor, &site, &rules.validate().unwrap())
        .await
        .unwrap();
    let mut people = Vec::new();
    for i in 0..a.people {
        let p: PersonInput = input(json!({"name": format!("Person {i:04}"),
            "email": format!("p{i}@bench.example"), "site_id": site}));
        people.push(
            store
                .create_person(&actor, &p.validate().unwrap())
                .await
                .unwrap()
                .id,
        );
    }
    let mut projects = Vec::new();
    for (i, manager) in people.iter().take(PROJECTS).enumerate() {
        let p: ProjectInput = input(
            json!({"code": format!("TB-{i:02}"), "name": format!("Project {i}"),
            "site_id": site, "business_unit_id": bu, "status": "active",
            "start_date": "2026-01-05", "manager_id": manager}),
        );
        let project = store
            .create_project(&actor, &p.validate().unwrap())
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for t in 0..TASKS {
            let ti: TaskInput = input(json!({"name": format!("Task {t}"), "duration_days": 5.0}));
            tasks.push(
                store
                    .create_task(&actor, &project.id, &ti.validate().unwrap())
                    .await
                    .unwrap()
                    .id,
            );
        }
        projects.push((project.id, tasks));
    }
    Org {
        site,
        people,
        projects,
    }
}

/// An entry: task, project, date, minutes.
type Row = (String, String, String, i64);

/// The entries of person `p` in a week: `n` of them, spread over Monday to Friday.
fn entries_of(org: &Org, p: usize, monday: chrono::NaiveDate, n: usize) -> Vec<Row> {
    let (project, tasks) = &org.projects[p % PROJECTS];
    (0..n)
        .map(|k| {
            let day = monday + chrono::Days::new((k % 5) as u64);
            let task = &tasks[(p * 7 + k / 5) % TASKS];
            (
                task.clone(),
                project.clone(),
                day.format("%Y-%m-%d").to_string(),
                90,
            )
        })
        .collect()
}

/// The history: every week approved, but for the last two: there 10 % of the sheets are
/// missing and 20 % wait for approval (week 52), 10 % wait (week 51).
async fn load_history(store: &Store, org: &Org, a: &Args) {
    let started = Instant::now();
    let now = pso_store::now();
    for w in 0..a.weeks {
        let (wk, monday) = week(w);
        let mut tx = store.pool().begin().await.unwrap();
        let mut sheets: Vec<(usize, &str)> = Vec::new();
        for p in 0..org.people.len() {
            let last = w + 1 == a.weeks;
            let state = if last && p % 10 == 0 {
                continue;
            } else if (last && p % 5 == 1) || (w + 2 == a.weeks && p % 10 == 1) {
                "submitted"
            } else {
                "approved"
            };
            sheets.push((p, state));
        }
        for chunk in sheets.chunks(200) {
            let mut sql = String::from(
                "INSERT INTO timesheets (person_id, week, site_id, state, version, total_minutes, \
                 created_at, updated_at, submitted_at, approved_at) VALUES ",
            );
            let mut lines = String::from(
                "INSERT INTO timesheet_lines (person_id, week, project_id, state, minutes) VALUES ",
            );
            for (i, (p, state)) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                    lines.push_str(", ");
                }
                let approved = if *state == "approved" {
                    format!("'{now}'")
                } else {
                    "NULL".into()
                };
                sql.push_str(&format!(
                    "('{}', '{wk}', '{}', '{state}', 3, {}, '{now}', '{now}', '{now}', {approved})",
                    org.people[*p],
                    org.site,
                    90 * a.entries
                ));
                lines.push_str(&format!(
                    "('{}', '{wk}', '{}', '{state}', {})",
                    org.people[*p],
                    org.projects[p % PROJECTS].0,
                    90 * a.entries
                ));
            }
            sqlx::query(&sql).execute(&mut *tx).await.unwrap();
            sqlx::query(&lines).execute(&mut *tx).await.unwrap();
        }
        let mut rows: Vec<(usize, usize, Row)> = Vec::new();
        for (p, _) in &sheets {
            for (k, e) in entries_of(org, *p, monday, a.entries)
                .into_iter()
                .enumerate()
            {
                rows.push((*p, k, e));
            }
        }
        for chunk in rows.chunks(1000) {
            let mut sql = String::from(
                "INSERT INTO timesheet_entries (person_id, week, line, task_id, project_id, date, \
                 minutes, comment) VALUES ",
            );
            for (i, (p, k, (task, project, date, minutes))) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "('{}', '{wk}', {k}, '{task}', '{project}', '{date}', {minutes}, '')",
                    org.people[*p]
                ));
            }
            sqlx::query(&sql).execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
        if (w + 1) % 13 == 0 {
            eprintln!(
                "history: {} weeks in {:.0} s",
                w + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    eprintln!(
        "loaded {} people × {} weeks × {} entries in {:.1} s",
        org.people.len(),
        a.weeks,
        a.entries,
        started.elapsed().as_secs_f64()
    );
}

async fn user(
    store: &Store,
    email: &str,
    person: Option<&str>,
    grant: Option<(Role, ScopeId)>,
) -> String {
    let u: UserInput = input(json!({"email": email, "name": email, "person_id": person}));
    let grants: Vec<AccessGrant> = grant
        .into_iter()
        .map(|(role, scope)| AccessGrant { role, scope })
        .collect();
    let user = store
        .create_user(
            &Actor::system("bench"),
            &u.validate().unwrap(),
            &grants,
            None,
        )
        .await
        .unwrap();
    pso_web::auth::issue_token(store, &user.id, "bench")
        .await
        .unwrap()
        .0
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

fn row(backend: &str, what: &str, mut v: Vec<Duration>, secs: f64, errors: usize) {
    v.sort();
    println!(
        "| {backend} | {what} | {} | {:.1} | {:.1} | {:.1} | {:.0} | {errors} |",
        v.len(),
        pct(&v, 0.5),
        pct(&v, 0.99),
        pct(&v, 1.0),
        v.len() as f64 / secs
    );
}

#[tokio::main]
async fn main() {
    let a = args();
    let store = Store::connect(&a.database_url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let backend = format!("{:?}", store.backend());
    let org = if store.all_sites().await.unwrap().is_empty() {
        let org = load_org(&store, &a).await;
        load_history(&store, &org, &a).await;
        org
    } else {
        eprintln!("the database already holds the history: measuring it as it is");
        let site = store.all_sites().await.unwrap()[0].id.clone();
        let mut people: Vec<(String, String)> = sqlx::query_as("SELECT name, id FROM people")
            .fetch_all(store.pool())
            .await
            .unwrap();
        people.sort();
        let mut projects = Vec::new();
        for i in 0..PROJECTS {
            let p = store
                .project_by_code(&format!("TB-{i:02}"))
                .await
                .unwrap()
                .unwrap();
            let tasks: Vec<String> = store
                .tasks_of_projects(std::slice::from_ref(&p.id))
                .await
                .unwrap()
                .into_iter()
                .map(|t| t.id)
                .collect();
            projects.push((p.id, tasks));
        }
        Org {
            site,
            people: people.into_iter().map(|(_, id)| id).collect(),
            projects,
        }
    };
    let stamp = uuid::Uuid::now_v7().simple().to_string();
    let pso = user(
        &store,
        &format!("pso-{stamp}@bench.example"),
        None,
        Some((Role::Pso, ScopeId::Site(org.site.as_str().into()))),
    )
    .await;
    // The manager of project 1: its people (p % 20 == 1) have sheets waiting in the last weeks.
    let manager = user(
        &store,
        &format!("pm-{stamp}@bench.example"),
        Some(&org.people[1]),
        None,
    )
    .await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = pso_web::AppState::new(store.clone(), pso_web::WebConfig::default())
        .await
        .unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(pso_web::serve(listener, state, async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::new();
    let (last_week, _) = week(a.weeks - 1);
    println!("| engine | request | n | p50 ms | p99 ms | max ms | per s | errors |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");

    // Reads, one at a time after a warm-up: the missing list and the inbox.
    for (what, url, token) in [
        (
            "missing sheets of the site (1,000 people)",
            format!(
                "{base}/api/v1/timesheets/missing?week={last_week}&site_id={}",
                org.site
            ),
            &pso,
        ),
        (
            "approval inbox of a manager",
            format!("{base}/api/v1/timesheets?state=submitted"),
            &manager,
        ),
    ] {
        let mut v = Vec::new();
        let mut errors = 0;
        let t0 = Instant::now();
        for i in 0..a.requests + 20 {
            let t = Instant::now();
            let r = client.get(&url).bearer_auth(token).send().await.unwrap();
            let ok = r.status().is_success();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            if i >= 20 {
                v.push(t.elapsed());
                errors += usize::from(!ok);
            }
            if i == 0 {
                eprintln!(
                    "{what}: {} items",
                    body["items"].as_array().map_or(0, Vec::len)
                );
            }
        }
        row(&backend, what, v, t0.elapsed().as_secs_f64(), errors);
    }

    // Saving a week: each client writes its own people's next week (on their behalf, as the
    // site's PSO), again and again, with If-Match.
    let (next_week, monday) = week(a.weeks);
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let mut handles = Vec::new();
    let org = std::sync::Arc::new(org);
    for c in 0..a.clients {
        let (client, base, pso, org, next_week) = (
            client.clone(),
            base.clone(),
            pso.clone(),
            org.clone(),
            next_week.clone(),
        );
        let entries = a.entries;
        handles.push(tokio::spawn(async move {
            let mine: Vec<usize> = (0..org.people.len()).filter(|p| p % 8 == c % 8 && p % 10 != 0).collect();
            let mut versions = vec![0i64; org.people.len()];
            let mut times = Vec::new();
            let mut errors = 0;
            let mut i = 0;
            while Instant::now() < deadline {
                let p = mine[i % mine.len()];
                i += 1;
                let body = json!({"entries": entries_of(&org, p, monday, entries).iter().map(|(t, _, d, m)|
                    json!({"task_id": t, "date": d, "minutes": m - (i % 3) as i64})).collect::<Vec<_>>()});
                let t = Instant::now();
                let r = client
                    .put(format!("{base}/api/v1/people/{}/timesheets/{next_week}", org.people[p]))
                    .bearer_auth(&pso)
                    .header("if-match", format!("\"{}\"", versions[p]))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let ok = r.status().is_success();
                let v: Value = r.json().await.unwrap_or(Value::Null);
                times.push(t.elapsed());
                if ok {
                    versions[p] = v["version"].as_i64().unwrap_or(0);
                } else {
                    errors += 1;
                    if errors < 3 {
                        eprintln!("save failed: {v}");
                    }
                }
            }
            (times, errors)
        }));
    }
    let t0 = Instant::now();
    let mut all = Vec::new();
    let mut errors = 0;
    for h in handles {
        let (t, e) = h.await.unwrap();
        all.extend(t);
        errors += e;
    }
    row(
        &backend,
        &format!("save a week (25 entries), {} clients", a.clients),
        all,
        t0.elapsed().as_secs_f64(),
        errors,
    );
    let _ = tx.send(());
    let _ = server.await;
    store.close().await;
}
