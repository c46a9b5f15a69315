//! Storms that must not stall the server (issue 7's `/healthz` target, issue 8's findings 1 and
//! 10): `/healthz` is probed every 20 ms while
//!
//! - **plan**: 8 clients open a 100,000-task project's plan page and Gantt chart over and over;
//! - **logins**: 50 people sign in at once, again and again, while a 20,000-task MS Project file
//!   is imported through the API.
//!
//! ```text
//! cargo run --release -p pso-web --example storm_bench -- [--database-url URL]
//!     [--tasks 100000] [--seconds 20] [--import-tasks 20000]
//! ```
//!
//! The server is the real one (`pso_web::serve`) on 127.0.0.1:0 in this process, with the
//! limits raised so the 100,000-task plan can be loaded. Prints one line per figure.

use pso_app::interchange::ImportOptions;
use pso_app::{App, Caller, Limits, Svc};
use pso_store::Store;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

fn pct(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn line(what: &str, v: &[f64]) {
    println!(
        "{what:<44} n={:>5}  p50 {:>8.1} ms  p99 {:>8.1} ms  max {:>8.1} ms",
        v.len(),
        pct(v, 0.5),
        pct(v, 0.99),
        pct(v, 1.0)
    );
}

/// An MSPDI file: `phases` summary tasks of `per` chained tasks each.
fn plan_file(phases: usize, per: usize) -> Vec<u8> {
    let mut x = String::with_capacity(phases * per * 200);
    x.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Project xmlns=\"http://schemas.microsoft.com/project\">\
         <Name>Storm</Name><StartDate>2027-01-04T08:00:00</StartDate><Tasks>",
    );
    let mut uid = 1;
    for ph in 0..phases {
        x.push_str(&format!(
            "<Task><UID>{uid}</UID><ID>{uid}</ID><Name>Phase {ph}</Name><OutlineLevel>1</OutlineLevel>\
             <Summary>1</Summary></Task>"
        ));
        uid += 1;
        for i in 0..per {
            x.push_str(&format!(
                "<Task><UID>{uid}</UID><ID>{uid}</ID><Name>Work package {ph}.{i}</Name>\
                 <OutlineLevel>2</OutlineLevel><Duration>PT16H0M0S</Duration>"
            ));
            if i > 0 {
                x.push_str(&format!(
                    "<PredecessorLink><PredecessorUID>{}</PredecessorUID><Type>1</Type>\
                     <LinkLag>0</LinkLag></PredecessorLink>",
                    uid - 1
                ));
            }
            x.push_str("</Task>");
            uid += 1;
        }
    }
    x.push_str("</Tasks></Project>");
    x.into_bytes()
}

/// Probes `path` (with `cookie`, if any) every 20 ms until `stop`; returns the latencies.
fn probe_path(
    base: String,
    path: &'static str,
    cookie: Option<String>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Vec<f64>> {
    tokio::spawn(async move {
        let c = reqwest::Client::new();
        let mut v = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let t = Instant::now();
            let mut rb = c.get(format!("{base}{path}"));
            if let Some(k) = &cookie {
                rb = rb.header("cookie", k);
            }
            let ok = rb.send().await.is_ok_and(|r| r.status().is_success());
            if ok {
                v.push(t.elapsed().as_secs_f64() * 1000.0);
            } else {
                v.push(f64::INFINITY);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        v
    })
}

/// Probes `/healthz` every 20 ms until `stop`.
fn probe(base: String, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<Vec<f64>> {
    probe_path(base, "/healthz", None, stop)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let tasks: usize = arg("--tasks", "100000").parse()?;
    let seconds: u64 = arg("--seconds", "20").parse()?;
    let import_tasks: usize = arg("--import-tasks", "20000").parse()?;
    let dir = std::env::temp_dir().join(format!("pso-storm-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let default_url = format!("sqlite://{}/pso.db?mode=rwc", dir.display());
    let url = arg("--database-url", &default_url);
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    let limits = Limits {
        max_tasks_per_project: 250_000,
        max_upload_bytes: 1 << 30,
    };
    let app = App::with_limits(store.clone(), limits).await?;
    let sys = Caller::system("bench");
    let svc = Svc::new(&app, &sys);
    let site = svc
        .create_site(serde_json::from_value(serde_json::json!({
            "code": "PAR", "name": "Paris", "country": "FR", "time_zone": "Europe/Paris",
            "currency": "EUR"}))?)
        .await?;
    let bu = svc
        .create_business_unit(serde_json::from_value(
            serde_json::json!({"code": "ENG", "name": "Engineering"}),
        )?)
        .await?;
    println!("backend: {:?}", store.backend());

    // The large plan, imported and scheduled.
    let per = 199;
    let phases = tasks.div_ceil(per + 1);
    let t = Instant::now();
    let (project, _) = svc
        .import_mspdi(
            plan_file(phases, per),
            &ImportOptions {
                site_id: site.id.clone(),
                business_unit_id: bu.id.clone(),
                code: Some("STORM-1".into()),
                create_people: false,
                file_name: "storm.xml".into(),
            },
            &|_, _, _| {},
        )
        .await?;
    println!(
        "loaded {} tasks in {:.1} s",
        phases * (per + 1),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    svc.schedule_project(&project.id).await?;
    println!("scheduled in {:.1} s", t.elapsed().as_secs_f64());

    // 50 people who sign in, and the admin the page clients use.
    let password = "a long demo password";
    let mut emails = Vec::new();
    for i in 0..50 {
        let email = format!("user{i}@storm.example");
        svc.create_user(serde_json::from_value(serde_json::json!({
            "email": email, "name": format!("User {i}"), "password": password,
            "grants": [{"role": "admin", "scope": "global"}]}))?)
            .await?;
        emails.push(email);
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = pso_web::AppState::from_app(app.clone(), pso_web::WebConfig::default());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(pso_web::serve(listener, state, async move {
        let _ = stop_rx.await;
    }));
    let login = |email: String| {
        let base = base.clone();
        async move {
            let c = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?;
            let t = Instant::now();
            let r = c
                .post(format!("{base}/login"))
                .form(&[("email", email.as_str()), ("password", password)])
                .send()
                .await?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            let cookie = r
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(|v| v.split(';').next().map(str::to_string))
                .ok_or_else(|| anyhow::anyhow!("no session for {email}: {}", r.status()))?;
            Ok::<_, anyhow::Error>((cookie, ms))
        }
    };

    // Idle.
    let stop = Arc::new(AtomicBool::new(false));
    let p = probe(base.clone(), stop.clone());
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    line("healthz, idle", &p.await?);

    // Scenario 1: 8 clients on the large plan's page and Gantt.
    let mut cookies = Vec::new();
    for e in emails.iter().take(8) {
        cookies.push(login(e.clone()).await?.0);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let p = probe(base.clone(), stop.clone());
    let other = login(emails[40].clone()).await?.0;
    let p_other = probe_path(
        base.clone(),
        "/api/v1/projects?limit=20",
        Some(other),
        stop.clone(),
    );
    let mut clients = Vec::new();
    for cookie in cookies {
        let base = base.clone();
        let pid = project.id.clone();
        let stop = stop.clone();
        clients.push(tokio::spawn(async move {
            let c = reqwest::Client::new();
            let (mut page, mut gantt, mut sizes) = (Vec::new(), Vec::new(), (0usize, 0usize));
            while !stop.load(Ordering::Relaxed) {
                for (path, out, size) in [
                    (format!("/projects/{pid}"), &mut page, &mut sizes.0),
                    (format!("/projects/{pid}/gantt"), &mut gantt, &mut sizes.1),
                ] {
                    let t = Instant::now();
                    let body = match c
                        .get(format!("{base}{path}"))
                        .header("cookie", &cookie)
                        .send()
                        .await
                    {
                        Ok(r) if r.status().is_success() => r.bytes().await.map(|b| b.len()),
                        _ => Ok(0),
                    };
                    out.push(t.elapsed().as_secs_f64() * 1000.0);
                    *size = (*size).max(body.unwrap_or(0));
                }
            }
            (page, gantt, sizes)
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let (mut page, mut gantt, mut sizes) = (Vec::new(), Vec::new(), (0, 0));
    for c in clients {
        let (p, g, s) = c.await?;
        page.extend(p);
        gantt.extend(g);
        sizes = (sizes.0.max(s.0), sizes.1.max(s.1));
    }
    line(&format!("plan page ({tasks} tasks), 8 clients"), &page);
    println!("  largest plan page: {:.2} MB", sizes.0 as f64 / 1e6);
    line(&format!("Gantt page ({tasks} tasks), 8 clients"), &gantt);
    println!("  largest Gantt page: {:.2} MB", sizes.1 as f64 / 1e6);
    line("healthz during the plan storm", &p.await?);
    line("another user's project list meanwhile", &p_other.await?);

    // Scenario 2: 50 simultaneous sign-ins, repeated, while a large file is imported.
    let stop = Arc::new(AtomicBool::new(false));
    let p = probe(base.clone(), stop.clone());
    let import = {
        let base = base.clone();
        let (cookie, _) = login(emails[49].clone()).await?;
        let c = reqwest::Client::new();
        let me: serde_json::Value = c
            .get(format!("{base}/api/v1/me"))
            .header("cookie", &cookie)
            .send()
            .await?
            .json()
            .await?;
        let csrf = me["csrf_token"].as_str().unwrap_or("").to_string();
        let body = plan_file(import_tasks.div_ceil(200), 199);
        let (site, bu) = (site.id.clone(), bu.id.clone());
        // Submitted as a job (202 and its Location), followed until it ends.
        tokio::spawn(async move {
            let t = Instant::now();
            let r = c
                .post(format!(
                    "{base}/api/v1/imports/mspdi?site_id={site}&business_unit_id={bu}&code=IMP-2"
                ))
                .header("cookie", &cookie)
                .header("x-csrf-token", csrf)
                .header("content-type", "application/xml")
                .body(body)
                .send()
                .await?;
            let job = r
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .ok_or_else(|| anyhow::anyhow!("import refused: {}", r.status()))?;
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let j: serde_json::Value = c
                    .get(format!("{base}{job}"))
                    .header("cookie", &cookie)
                    .send()
                    .await?
                    .json()
                    .await?;
                let state = j["state"].as_str().unwrap_or("").to_string();
                if !matches!(state.as_str(), "queued" | "running") {
                    return Ok::<_, anyhow::Error>((t.elapsed().as_secs_f64(), state));
                }
            }
        })
    };
    let mut logins = Vec::new();
    let until = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < until || !import.is_finished() {
        let round: Vec<_> = emails
            .iter()
            .map(|e| tokio::spawn(login(e.clone())))
            .collect();
        for r in round {
            if let Ok(Ok((_, ms))) = r.await {
                logins.push(ms);
            }
        }
    }
    let (import_s, import_state) = import.await??;
    stop.store(true, Ordering::Relaxed);
    line("sign-in, 50 at once, repeated", &logins);
    println!(
        "  import of {import_tasks} tasks through the API (a job) during the storm: {import_s:.1} s, {import_state}"
    );
    line("healthz during sign-ins and the import", &p.await?);

    let _ = stop_tx.send(());
    let _ = server.await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
