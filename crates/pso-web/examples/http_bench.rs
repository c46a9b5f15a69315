//! HTTP benchmark of the project list and of a project with its WBS (see bench/http/README.md).
//!
//! ```text
//! cargo run --release -p pso-web --example http_bench -- --database-url sqlite:///tmp/b/pso.db?mode=rwc
//! cargo run --release -p pso-web --example http_bench -- --database-url postgres://postgres@127.0.0.1:5432/pso_bench
//! ```
//!
//! Loads `--projects` projects × `--tasks` tasks (a WBS of summary tasks and leaves, a chain of
//! finish-to-start dependencies between the leaves of each summary) through `pso_store`'s own
//! functions — the same transactions, checks and audit events as the API — unless the database
//! already holds them, then starts the real server (`pso_web::serve`) on 127.0.0.1:0 and
//! measures sequential requests through HTTP after a warm-up.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use pso_domain::model::{
    BusinessUnitInput, DependencyInput, ProjectInput, SiteInput, TaskInput, UserInput,
};
use pso_store::{Actor, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    database_url: String,
    projects: usize,
    tasks: usize,
    requests: usize,
    warmup: usize,
    load_concurrency: usize,
    load_only: bool,
    /// Concurrent writers of the write storms (each a line of the table).
    writers: Vec<usize>,
    /// Seconds of each write storm.
    write_seconds: u64,
    /// Skip the sequential reads (measure only the write storms).
    writes_only: bool,
}

fn args() -> Args {
    let mut a = Args {
        database_url: String::new(),
        projects: 1000,
        tasks: 100,
        requests: 2000,
        warmup: 200,
        load_concurrency: 8,
        load_only: false,
        writers: vec![8, 32],
        write_seconds: 15,
        writes_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--database-url" => a.database_url = v(),
            "--projects" => a.projects = v().parse().expect("--projects N"),
            "--tasks" => a.tasks = v().parse().expect("--tasks N"),
            "--requests" => a.requests = v().parse().expect("--requests N"),
            "--warmup" => a.warmup = v().parse().expect("--warmup N"),
            "--load-concurrency" => a.load_concurrency = v().parse().expect("--load-concurrency N"),
            "--load-only" => a.load_only = true,
            "--writers" => {
                a.writers = v()
                    .split(',')
                    .map(|n| n.parse().expect("--writers 8,32"))
                    .collect()
            }
            "--write-seconds" => a.write_seconds = v().parse().expect("--write-seconds N"),
            "--writes-only" => a.writes_only = true,
            "-h" | "--help" => {
                println!(
                    "http_bench --database-url URL [--projects 1000] [--tasks 100] \
                     [--requests 2000] [--warmup 200] [--load-concurrency 8] [--load-only] \
                     [--writers 8,32] [--write-seconds 15] [--writes-only]"
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument {other}"),
        }
    }
    if a.database_url.is_empty() {
        let dir = std::env::temp_dir().join("pso-http-bench");
        std::fs::create_dir_all(&dir).unwrap();
        a.database_url = format!("sqlite://{}/pso.db?mode=rwc", dir.display());
    }
    a
}

fn input<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("input")
}

const SITES: [(&str, &str, &str, &str, &str); 3] = [
    ("PAR", "Paris", "FR", "Europe/Paris", "EUR"),
    ("CHI", "Chicago", "US", "America/Chicago", "USD"),
    ("BLR", "Bengaluru", "IN", "Asia/Kolkata", "INR"),
];
const STATUSES: [&str; 6] = [
    "proposed",
    "approved",
    "active",
    "on_hold",
    "closed",
    "cancelled",
];
const NATURES: [&str; 5] = [
    "Hardware refresh",
    "Billing platform",
    "Sensor R&D",
    "ERP migration",
    "Data centre",
];

/// Loads the organisation, the projects and their plans through the store.
async fn load(store: &Store, a: &Args) {
    let actor = Actor::system("bench");
    let mut site_ids = Vec::new();
    for (code, name, country, tz, cur) in SITES {
        let s: SiteInput = input(json!({"code": code, "name": name, "country": country,
            "time_zone": tz, "currency": cur}));
        site_ids.push(
            store
                .create_site(&actor, &s.validate().unwrap())
                .await
                .unwrap()
                .id,
        );
    }
    let mut bu_ids = Vec::new();
    for (code, name) in [("ENG", "Engineering"), ("OPS", "Operations")] {
        let b: BusinessUnitInput = input(json!({"code": code, "name": name}));
        bu_ids.push(
            store
                .create_business_unit(&actor, &b.validate().unwrap())
                .await
                .unwrap()
                .id,
        );
    }
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..a.load_concurrency.max(1) {
        let (store, next, site_ids, bu_ids) = (
            store.clone(),
            next.clone(),
            site_ids.clone(),
            bu_ids.clone(),
        );
        let (n_projects, n_tasks) = (a.projects, a.tasks);
        workers.push(tokio::spawn(async move {
            let actor = Actor::system("bench");
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n_projects {
                    break;
                }
                load_project(&store, &actor, i, n_tasks, &site_ids, &bu_ids).await;
                if (i + 1) % 50 == 0 {
                    eprintln!("loaded {} projects", i + 1);
                }
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    eprintln!(
        "loaded {} projects × {} tasks in {:.1} s",
        a.projects,
        a.tasks,
        started.elapsed().as_secs_f64()
    );
}

/// One project: summary tasks of 10 (1 summary + 9 leaves), leaves chained FS within a summary.
async fn load_project(
    store: &Store,
    actor: &Actor,
    i: usize,
    n_tasks: usize,
    site_ids: &[String],
    bu_ids: &[String],
) {
    let p: ProjectInput = input(json!({
        "code": format!("BENCH-{i:04}"),
        "name": format!("{} {}", NATURES[i % NATURES.len()], i),
        "site_id": site_ids[i % site_ids.len()],
        "business_unit_id": bu_ids[i % bu_ids.len()],
        // (i / 3) so that the status does not follow the site (i % 3).
        "status": STATUSES[(i / 3) % STATUSES.len()],
        "priority": 1 + (i * 37) % 1000,
        "start_date": "2026-01-05",
    }));
    let project = store
        .create_project(actor, &p.validate().unwrap())
        .await
        .unwrap();
    let mut summary: Option<String> = None;
    let mut prev_leaf: Option<String> = None;
    for t in 0..n_tasks {
        let is_summary = t % 10 == 0;
        let ti: TaskInput = if is_summary {
            input(json!({"name": format!("Phase {}", t / 10 + 1)}))
        } else {
            input(
                json!({"name": format!("Work package {t}"), "parent_id": summary,
                         "duration_days": (t % 7 + 1) as f64}),
            )
        };
        let task = store
            .create_task(actor, &project.id, &ti.validate().unwrap())
            .await
            .unwrap();
        if is_summary {
            summary = Some(task.id);
            prev_leaf = None;
        } else {
            if let Some(prev) = prev_leaf.take() {
                let d: DependencyInput =
                    input(json!({"predecessor_id": prev, "successor_id": task.id}));
                store
                    .create_dependency(actor, &project.id, &d.validate().unwrap())
                    .await
                    .unwrap();
            }
            prev_leaf = Some(task.id);
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

struct Row {
    name: String,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    mean: f64,
}

async fn measure<F, Fut>(name: &str, a: &Args, mut f: F) -> Row
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for i in 0..a.warmup {
        f(i).await;
    }
    let mut times = Vec::with_capacity(a.requests);
    for i in 0..a.requests {
        let t = Instant::now();
        f(a.warmup + i).await;
        times.push(t.elapsed());
    }
    times.sort();
    let mean = times.iter().map(Duration::as_secs_f64).sum::<f64>() / times.len() as f64 * 1000.0;
    Row {
        name: name.to_string(),
        p50: percentile(&times, 0.50),
        p95: percentile(&times, 0.95),
        p99: percentile(&times, 0.99),
        max: percentile(&times, 1.0),
        mean,
    }
}

async fn get(client: &reqwest::Client, url: &str, token: &str) -> Value {
    let r = client.get(url).bearer_auth(token).send().await.unwrap();
    assert!(r.status().is_success(), "{url}: {}", r.status());
    r.json().await.unwrap()
}

fn main() {
    // `PSO_LOG=sqlx=debug` shows every statement (to count what a request costs).
    if let Ok(filter) = std::env::var("PSO_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .init();
    }
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(a));
}

async fn run(a: Args) {
    let store = Store::connect(&a.database_url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let backend = format!("{:?}", store.backend());
    let existing = store
        .list_projects(
            &pso_domain::access::ProjectScope {
                all: true,
                ..Default::default()
            },
            &Default::default(),
            1000,
            None,
        )
        .await
        .unwrap()
        .items
        .len();
    if existing == 0 {
        load(&store, &a).await;
    } else {
        eprintln!("the database already holds projects: measuring them as they are");
    }
    if a.load_only {
        store.close().await;
        return;
    }
    let email = format!("bench-{}@bench.example", uuid::Uuid::now_v7().simple());
    let u: UserInput = input(json!({"email": email, "name": "Bench",
        "grants": [{"role": "admin", "scope": "global"}]}));
    let user = store
        .create_user(
            &Actor::system("bench"),
            &u.validate().unwrap(),
            &[pso_domain::access::AccessGrant {
                role: pso_domain::access::Role::Admin,
                scope: pso_domain::access::ScopeId::Global,
            }],
            None,
        )
        .await
        .unwrap();
    let (token, _) = pso_web::auth::issue_token(&store, &user.id, "bench")
        .await
        .unwrap();

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

    // Every project id, through the API itself.
    let mut ids: Vec<String> = Vec::new();
    // (site_id, status) of every project, for filters that match something.
    let mut filters: Vec<(String, String)> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{base}/api/v1/projects?limit=1000&cursor={c}"),
            None => format!("{base}/api/v1/projects?limit=1000"),
        };
        let page = get(&client, &url, &token).await;
        for p in page["items"].as_array().unwrap() {
            ids.push(p["id"].as_str().unwrap().to_string());
            filters.push((
                p["site_id"].as_str().unwrap().to_string(),
                p["status"].as_str().unwrap().to_string(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let sample = get(
        &client,
        &format!("{base}/api/v1/projects/{}/tasks?limit=1000", ids[0]),
        &token,
    )
    .await;
    eprintln!(
        "{backend}: {} projects; the first has {} tasks",
        ids.len(),
        sample["items"].as_array().unwrap().len()
    );

    if !a.writes_only {
        reads(&a, &backend, &client, &token, &base, &ids, &filters).await;
    }
    if !a.writers.is_empty() {
        println!(
            "\n{backend}, write storms of {} s: each writer in a loop on random projects \
             creates two tasks, links them, renames the first with If-Match; one reader reads a \
             random project and its WBS every 20 ms meanwhile (ms)\n",
            a.write_seconds
        );
        println!("| backend | writers | request | n | p50 | p99 | max | per second | errors |");
        println!("|---|---:|---|---:|---:|---:|---:|---:|---:|");
        for &w in &a.writers {
            let rows = write_storm(&client, &base, &token, &ids, w, a.write_seconds).await;
            for r in rows {
                println!(
                    "| {backend} | {w} | {} | {} | {:.2} | {:.2} | {:.2} | {:.0} | {} |",
                    r.name, r.n, r.p50, r.p99, r.max, r.per_second, r.errors
                );
            }
        }
    }
    let _ = tx.send(());
    let _ = server.await;
    store.close().await;
}

/// The sequential reads, one at a time after a warm-up.
async fn reads(
    a: &Args,
    backend: &str,
    client: &reqwest::Client,
    token: &str,
    base: &str,
    ids: &[String],
    filters: &[(String, String)],
) {
    let mut rng = StdRng::seed_from_u64(42);
    let picks: Vec<usize> = (0..a.warmup + a.requests)
        .map(|_| rng.gen_range(0..ids.len()))
        .collect();
    let (c, t, b, ids, picks, filters) = (client, token, base, ids, &picks, filters);
    let mut rows = Vec::new();
    rows.push(
        measure("GET /projects?limit=50 (first page)", a, |_| async move {
            let v = get(c, &format!("{b}/api/v1/projects?limit=50"), t).await;
            assert_eq!(v["items"].as_array().unwrap().len(), 50);
        })
        .await,
    );
    rows.push(
        measure(
            "GET /projects?limit=50&cursor=<random>",
            a,
            |i| async move {
                let cur = &ids[picks[i]];
                get(c, &format!("{b}/api/v1/projects?limit=50&cursor={cur}"), t).await;
            },
        )
        .await,
    );
    rows.push(
        measure(
            "GET /projects?limit=50&site_id=…&status=…",
            a,
            |i| async move {
                let (site, status) = &filters[picks[i]];
                let v = get(
                    c,
                    &format!("{b}/api/v1/projects?limit=50&site_id={site}&status={status}"),
                    t,
                )
                .await;
                assert!(!v["items"].as_array().unwrap().is_empty());
            },
        )
        .await,
    );
    rows.push(
        measure("GET /projects?limit=50&q=migration", a, |_| async move {
            let v = get(c, &format!("{b}/api/v1/projects?limit=50&q=migration"), t).await;
            assert!(!v["items"].as_array().unwrap().is_empty());
        })
        .await,
    );
    rows.push(
        measure("GET /projects/{id}", a, |i| async move {
            get(c, &format!("{b}/api/v1/projects/{}", ids[picks[i]]), t).await;
        })
        .await,
    );
    rows.push(
        measure("GET /projects/{id}/tasks?limit=1000", a, |i| async move {
            get(
                c,
                &format!("{b}/api/v1/projects/{}/tasks?limit=1000", ids[picks[i]]),
                t,
            )
            .await;
        })
        .await,
    );
    rows.push(
        measure("project + WBS (both GETs in turn)", a, |i| async move {
            let id = &ids[picks[i]];
            get(c, &format!("{b}/api/v1/projects/{id}"), t).await;
            let v = get(c, &format!("{b}/api/v1/projects/{id}/tasks?limit=1000"), t).await;
            assert!(!v["items"].as_array().unwrap().is_empty());
        })
        .await,
    );
    println!(
        "\n{backend}, {} projects, {} requests each after {} warm-up (ms)\n",
        ids.len(),
        a.requests,
        a.warmup
    );
    println!("| backend | request | p50 | p95 | p99 | max | mean |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {backend} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            r.name, r.p50, r.p95, r.p99, r.max, r.mean
        );
    }
}

/// One line of a write storm.
struct StormRow {
    name: String,
    n: usize,
    p50: f64,
    p99: f64,
    max: f64,
    per_second: f64,
    errors: usize,
}

fn storm_row(name: &str, mut v: Vec<Duration>, secs: f64, errors: usize) -> StormRow {
    v.sort();
    let (p50, p99, max) = if v.is_empty() {
        (f64::NAN, f64::NAN, f64::NAN)
    } else {
        (
            percentile(&v, 0.5),
            percentile(&v, 0.99),
            percentile(&v, 1.0),
        )
    };
    StormRow {
        name: name.to_string(),
        n: v.len(),
        p50,
        p99,
        max,
        per_second: v.len() as f64 / secs,
        errors,
    }
}

/// `writers` clients write for `secs` seconds while one client reads; one row per kind of
/// request, one for all writes together and one for the reads.
async fn write_storm(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    ids: &[String],
    writers: usize,
    secs: u64,
) -> Vec<StormRow> {
    #[derive(Default)]
    struct Seen {
        create: Vec<Duration>,
        link: Vec<Duration>,
        update: Vec<Duration>,
        read: Vec<Duration>,
        errors: usize,
        first_error: Option<String>,
    }
    async fn timed(
        seen: &mut Seen,
        which: fn(&mut Seen) -> &mut Vec<Duration>,
        req: reqwest::RequestBuilder,
    ) -> Option<(Value, String)> {
        let t = Instant::now();
        let r = req.send().await;
        let out = match r {
            Ok(r) if r.status().is_success() => {
                let etag = r
                    .headers()
                    .get("etag")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                r.json::<Value>().await.ok().map(|v| (v, etag))
            }
            Ok(r) => {
                let status = r.status();
                let body = r.text().await.unwrap_or_default();
                seen.first_error.get_or_insert(format!("{status}: {body}"));
                None
            }
            Err(e) => {
                seen.first_error.get_or_insert(e.to_string());
                None
            }
        };
        match out {
            Some(v) => {
                which(seen).push(t.elapsed());
                Some(v)
            }
            None => {
                seen.errors += 1;
                None
            }
        }
    }
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let started = Instant::now();
    let mut handles = Vec::new();
    for w in 0..=writers {
        let (c, b, t, ids, stop) = (
            client.clone(),
            base.to_string(),
            token.to_string(),
            ids.to_vec(),
            stop.clone(),
        );
        handles.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(1000 + w as u64);
            let mut seen = Seen::default();
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let pid = &ids[rng.gen_range(0..ids.len())];
                if w == writers {
                    // The reader: a project and its WBS every 20 ms (it measures the reads'
                    // latency during the storm; in a tight loop it would take half the CPU
                    // from the writers on a 2-core machine).
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    for url in [
                        format!("{b}/api/v1/projects/{pid}"),
                        format!("{b}/api/v1/projects/{pid}/tasks?limit=1000"),
                    ] {
                        timed(&mut seen, |s| &mut s.read, c.get(url).bearer_auth(&t)).await;
                    }
                    continue;
                }
                n += 1;
                let mk = |name: String| {
                    c.post(format!("{b}/api/v1/projects/{pid}/tasks"))
                        .bearer_auth(&t)
                        .json(&json!({"name": name, "duration_days": 1}))
                };
                let Some((first, etag)) =
                    timed(&mut seen, |s| &mut s.create, mk(format!("Storm {w}.{n} a"))).await
                else {
                    continue;
                };
                let Some((second, _)) =
                    timed(&mut seen, |s| &mut s.create, mk(format!("Storm {w}.{n} b"))).await
                else {
                    continue;
                };
                timed(
                    &mut seen,
                    |s| &mut s.link,
                    c.post(format!("{b}/api/v1/projects/{pid}/dependencies"))
                        .bearer_auth(&t)
                        .json(&json!({"predecessor_id": first["id"],
                            "successor_id": second["id"], "type": "FS"})),
                )
                .await;
                timed(
                    &mut seen,
                    |s| &mut s.update,
                    c.patch(format!(
                        "{b}/api/v1/tasks/{}",
                        first["id"].as_str().unwrap_or("")
                    ))
                    .bearer_auth(&t)
                    .header("if-match", etag)
                    .json(&json!({"name": format!("Storm {w}.{n} a, renamed")})),
                )
                .await;
            }
            seen
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut all = Seen::default();
    for h in handles {
        let s = h.await.unwrap();
        all.create.extend(s.create);
        all.link.extend(s.link);
        all.update.extend(s.update);
        all.read.extend(s.read);
        all.errors += s.errors;
        if all.first_error.is_none() {
            all.first_error = s.first_error;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    if let Some(e) = &all.first_error {
        eprintln!("{writers} writers: {} errors, the first: {e}", all.errors);
    }
    let writes: Vec<Duration> = all
        .create
        .iter()
        .chain(&all.link)
        .chain(&all.update)
        .copied()
        .collect();
    vec![
        storm_row("POST /projects/{id}/tasks", all.create, secs, 0),
        storm_row("POST /projects/{id}/dependencies", all.link, secs, 0),
        storm_row("PATCH /tasks/{id} (If-Match)", all.update, secs, 0),
        storm_row("**all writes**", writes, secs, all.errors),
        storm_row(
            "reads meanwhile (GET project, GET its WBS)",
            all.read,
            secs,
            0,
        ),
    ]
}
