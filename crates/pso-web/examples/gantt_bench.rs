//! Gantt page speed: one project with N tasks (groups of 20, chained, with people assigned),
//! scheduled through the API, then the Gantt page fetched through HTTP.
//!
//!   cargo run --release -p pso-web --example gantt_bench -- [TASKS] [REQUESTS]
//!
//! Prints the load time, the scheduling request time, and p50/p95/p99 of `GET
//! /projects/{id}/gantt` (all zooms) with the page size. SQLite in a temporary directory.

use pso_domain::access::{Grant, Role, Scope};
use pso_domain::model::*;
use pso_store::{Actor, Store};
use std::time::Instant;

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(2000);
    let requests: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(30);
    let dir = std::env::temp_dir().join(format!("pso-gantt-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store = Store::connect(&format!("sqlite://{}/pso.db?mode=rwc", dir.display())).await?;
    store.migrate().await?;
    let sys = Actor::system("bench");
    let site = store
        .create_site(
            &sys,
            &SiteInput {
                code: "PAR".into(),
                name: "Paris".into(),
                country: "FR".into(),
                time_zone: "Europe/Paris".into(),
                currency: "EUR".into(),
                working_week: ["mon", "tue", "wed", "thu", "fri"]
                    .map(String::from)
                    .to_vec(),
                working_hours: vec![["09:00".into(), "17:00".into()]],
                holidays: vec![],
            }
            .validate()
            .map_err(|e| anyhow::anyhow!("{e}"))?,
        )
        .await?;
    let bu = store
        .create_business_unit(
            &sys,
            &BusinessUnitInput {
                code: "ENG".into(),
                name: "Engineering".into(),
                parent_id: None,
            }
            .validate()
            .map_err(|e| anyhow::anyhow!("{e}"))?,
        )
        .await?;
    let mut people = Vec::new();
    for i in 0..20 {
        let p = PersonInput {
            name: format!("Person {i}"),
            email: None,
            site_id: site.id.clone(),
            skills: vec![],
            manager_id: None,
        };
        people.push(
            store
                .create_person(&sys, &p.validate().map_err(|e| anyhow::anyhow!("{e}"))?)
                .await?,
        );
    }
    let admin = store
        .create_user(
            &sys,
            &UserInput {
                email: "admin@bench.test".into(),
                name: "Admin".into(),
                person_id: None,
                grants: vec![Grant {
                    role: Role::Admin,
                    scope: Scope::Global,
                }],
                disabled: false,
                password: None,
            }
            .validate()
            .map_err(|e| anyhow::anyhow!("{e}"))?,
            &[pso_domain::access::AccessGrant {
                role: Role::Admin,
                scope: pso_domain::access::ScopeId::Global,
            }],
            None,
        )
        .await?;
    let (token, _) = pso_web::auth::issue_token(&store, &admin.id, "bench")
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    let project = store
        .create_project(
            &sys,
            &ProjectInput {
                code: "BIG".into(),
                name: "Big plan".into(),
                description: String::new(),
                site_id: site.id.clone(),
                business_unit_id: bu.id.clone(),
                manager_id: None,
                status: ProjectStatus::Active,
                priority: 500,
                start_date: "2026-01-05".into(),
            }
            .validate()
            .map_err(|e| anyhow::anyhow!("{e}"))?,
        )
        .await?;
    let t0 = Instant::now();
    let mut group = None;
    let mut prev: Option<String> = None;
    for i in 0..n {
        if i % 20 == 0 {
            let g = TaskInput {
                name: format!("Work package {}", i / 20 + 1),
                parent_id: None,
                position: None,
                duration_days: None,
                effort_hours: None,
                milestone: false,
            };
            group = Some(
                store
                    .create_task(
                        &sys,
                        &project.id,
                        &g.validate().map_err(|e| anyhow::anyhow!("{e}"))?,
                    )
                    .await?
                    .id,
            );
            prev = None;
        }
        let t = TaskInput {
            name: format!("Task {i}"),
            parent_id: group.clone(),
            position: None,
            duration_days: if i % 3 == 0 {
                None
            } else {
                Some(1.0 + (i % 5) as f64)
            },
            effort_hours: if i % 3 == 0 {
                Some(8.0 * (1 + i % 4) as f64)
            } else {
                None
            },
            milestone: false,
        };
        let task = store
            .create_task(
                &sys,
                &project.id,
                &t.validate().map_err(|e| anyhow::anyhow!("{e}"))?,
            )
            .await?;
        if i % 3 == 0 {
            let a = AssignmentInput {
                person_id: people[i % people.len()].id.clone(),
                units: 1.0,
            };
            store
                .create_assignment(
                    &sys,
                    &task,
                    &a.validate().map_err(|e| anyhow::anyhow!("{e}"))?,
                )
                .await?;
        }
        if let Some(p) = &prev {
            if i % 4 != 0 {
                let d = DependencyInput {
                    predecessor_id: p.clone(),
                    successor_id: task.id.clone(),
                    dep_type: DependencyType::FS,
                    lag_days: 0.0,
                };
                store
                    .create_dependency(
                        &sys,
                        &project.id,
                        &d.validate().map_err(|e| anyhow::anyhow!("{e}"))?,
                    )
                    .await?;
            }
        }
        prev = Some(task.id);
    }
    let load = t0.elapsed();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = pso_web::AppState::new(store.clone(), pso_web::WebConfig::default()).await?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(pso_web::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let t1 = Instant::now();
    let r = http
        .post(format!("{base}/api/v1/projects/{}/schedule", project.id))
        .bearer_auth(&token)
        .send()
        .await?;
    anyhow::ensure!(r.status().is_success(), "schedule: {}", r.text().await?);
    let schedule = t1.elapsed();
    println!(
        "{n} tasks: loaded in {:.1} s (one transaction per object); scheduled and stored through \
         the API in {:.0} ms",
        load.as_secs_f64(),
        schedule.as_secs_f64() * 1000.0
    );
    println!("| zoom | p50 ms | p95 ms | p99 ms | page KiB |\n|---|---|---|---|---|");
    for zoom in ["week", "month", "quarter"] {
        let url = format!("{base}/projects/{}/gantt?zoom={zoom}", project.id);
        let mut times = Vec::new();
        let mut size = 0;
        for i in 0..requests + 3 {
            let t = Instant::now();
            let body = http
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await?
                .text()
                .await?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            anyhow::ensure!(body.contains("class=\"gantt\""), "no chart");
            size = body.len();
            if i >= 3 {
                times.push(ms);
            }
        }
        println!(
            "| {zoom} | {:.1} | {:.1} | {:.1} | {} |",
            pct(&mut times, 0.5),
            pct(&mut times, 0.95),
            pct(&mut times, 0.99),
            size / 1024
        );
    }
    let _ = stop.send(());
    let _ = server.await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
