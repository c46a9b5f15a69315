//! Scheduling in the product, through HTTP on both backends: scheduling a project from the API
//! and from its page, what changed since the last run, the Gantt page, baselines and their
//! comparison, the resource load with the engine's proposals, and who may do what.

use crate::common::{send, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

/// A project in Paris starting Monday 5 January 2026: A (2 d, Marie) → B (16 h effort, Marie)
/// → C (milestone), and D (1 d) off the critical path. Returns (project id, [a, b, c, d]).
async fn small_plan(app: &TestApp) -> (String, crate::common::Org, Vec<String>) {
    let org = app.org().await;
    let p = app.project("SCH-1", &org.paris, &org.line).await;
    let pid = p["id"].as_str().unwrap().to_string();
    let mk = |body: Value| {
        let pid = pid.clone();
        async move {
            app.post(&format!("/api/v1/projects/{pid}/tasks"), body)
                .await
                .expect(201)
                .id()
        }
    };
    let a = mk(json!({"name": "Design", "duration_days": 2})).await;
    let b = mk(json!({"name": "Build", "effort_hours": 16})).await;
    let c = mk(json!({"name": "Ready", "milestone": true})).await;
    let d = mk(json!({"name": "Docs", "duration_days": 1})).await;
    for (x, y) in [(&a, &b), (&b, &c)] {
        app.post(
            &format!("/api/v1/projects/{pid}/dependencies"),
            json!({"predecessor_id": x, "successor_id": y, "type": "FS"}),
        )
        .await
        .expect(201);
    }
    for t in [&a, &b] {
        app.post(
            &format!("/api/v1/tasks/{t}/assignments"),
            json!({"person_id": org.person, "units": 1.0}),
        )
        .await
        .expect(201);
    }
    (pid, org, vec![a, b, c, d])
}

fn task<'a>(tasks: &'a [Value], id: &str) -> &'a Value {
    tasks
        .iter()
        .find(|t| t["task_id"] == id)
        .unwrap_or_else(|| panic!("task {id} missing in {tasks:?}"))
}

async fn schedule_from_the_api(app: TestApp) {
    let (pid, _, ids) = small_plan(&app).await;
    let r = app
        .post(&format!("/api/v1/projects/{pid}/schedule"), json!({}))
        .await
        .expect(200);
    let tasks = r.json["tasks"].as_array().unwrap().clone();
    assert_eq!(tasks.len(), 4);
    let (a, b, c, d) = (
        task(&tasks, &ids[0]),
        task(&tasks, &ids[1]),
        task(&tasks, &ids[2]),
        task(&tasks, &ids[3]),
    );
    // Paris is UTC+1 in January; the site works 09:00-12:30 and 13:30-18:00.
    assert_eq!(a["start"], "2026-01-05T09:00:00+01:00");
    assert_eq!(a["finish"], "2026-01-06T18:00:00+01:00");
    assert_eq!(b["start"], "2026-01-07T09:00:00+01:00");
    assert_eq!(b["finish"], "2026-01-08T18:00:00+01:00");
    assert_eq!(c["start"], "2026-01-08T18:00:00+01:00");
    for t in [a, b, c] {
        assert_eq!(t["critical"], true, "{t}");
    }
    assert_eq!(d["critical"], false);
    assert!(d["total_float_hours"].as_f64().unwrap() > 20.0, "{d}");
    assert!(b["why"].as_str().unwrap().contains("Design"), "{b}");
    // First run: everything is new.
    assert_eq!(r.json["changes"].as_array().unwrap().len(), 4);
    // Same plan again: nothing changes.
    let again = app
        .post(&format!("/api/v1/projects/{pid}/schedule"), json!({}))
        .await
        .expect(200);
    assert_eq!(again.json["changes"].as_array().unwrap().len(), 0);
    // Longer design: design, build and the milestone move; docs do not.
    let t = app
        .get(&format!("/api/v1/tasks/{}", ids[0]))
        .await
        .expect(200);
    app.patch(
        &format!("/api/v1/tasks/{}", ids[0]),
        &t.etag(),
        json!({"duration_days": 3}),
    )
    .await
    .expect(200);
    let third = app
        .post(&format!("/api/v1/projects/{pid}/schedule"), json!({}))
        .await
        .expect(200);
    let mut moved: Vec<String> = third.json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    moved.sort();
    assert_eq!(moved, vec!["Build", "Design", "Ready"]);
    // The stored schedule and the last run are readable; the run is in the audit trail.
    let got = app
        .get(&format!("/api/v1/projects/{pid}/schedule"))
        .await
        .expect(200);
    assert_eq!(got.json["tasks"].as_array().unwrap().len(), 4);
    assert_eq!(got.json["run"]["summary"]["changed"], 3);
    let run_id = got.json["run"]["id"].as_str().unwrap().to_string();
    let audit = app.audit("schedule_run", &run_id).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["action"], "schedule");
}

async fn two_people_one_week_are_leveled(app: TestApp) {
    // Two tasks of one project need the same person at the same time: the engine serialises them.
    let org = app.org().await;
    let p = app.project("LVL-1", &org.paris, &org.line).await;
    let pid = p["id"].as_str().unwrap();
    let mut ids = vec![];
    for name in ["One", "Two"] {
        let t = app
            .post(
                &format!("/api/v1/projects/{pid}/tasks"),
                json!({"name": name, "effort_hours": 16}),
            )
            .await
            .expect(201)
            .id();
        app.post(
            &format!("/api/v1/tasks/{t}/assignments"),
            json!({"person_id": org.person}),
        )
        .await
        .expect(201);
        ids.push(t);
    }
    let r = app
        .post(&format!("/api/v1/projects/{pid}/schedule"), json!({}))
        .await
        .expect(200);
    let tasks = r.json["tasks"].as_array().unwrap();
    let (one, two) = (task(tasks, &ids[0]), task(tasks, &ids[1]));
    let (first, second) = if one["start"].as_str() < two["start"].as_str() {
        (one, two)
    } else {
        (two, one)
    };
    assert!(first["finish"].as_str().unwrap() < second["start"].as_str().unwrap());
    assert!(second["why"].as_str().unwrap().contains("busy"), "{second}");
}

async fn baselines_and_comparison(app: TestApp) {
    let (pid, _, ids) = small_plan(&app).await;
    // No schedule yet: no baseline.
    app.post(
        &format!("/api/v1/projects/{pid}/baselines"),
        json!({"name": "Plan"}),
    )
    .await
    .problem(422, "validation_failed");
    app.post(&format!("/api/v1/projects/{pid}/schedule"), json!({}))
        .await
        .expect(200);
    let b = app
        .post(
            &format!("/api/v1/projects/{pid}/baselines"),
            json!({"name": "Gate 2"}),
        )
        .await
        .expect(201);
    let bid = b.json["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/api/v1/projects/{pid}/baselines"),
        json!({"name": "Gate 2"}),
    )
    .await
    .problem(409, "conflict");
    app.post(
        &format!("/api/v1/projects/{pid}/baselines"),
        json!({"name": " "}),
    )
    .await
    .invalid("name");
    // Build takes longer: it and the milestone slip by two days against the baseline.
    let t = app
        .get(&format!("/api/v1/tasks/{}", ids[1]))
        .await
        .expect(200);
    app.patch(
        &format!("/api/v1/tasks/{}", ids[1]),
        &t.etag(),
        json!({"effort_hours": 32}),
    )
    .await
    .expect(200);
    app.post(&format!("/api/v1/projects/{pid}/schedule"), json!({}))
        .await
        .expect(200);
    let cmp = app
        .get(&format!("/api/v1/baselines/{bid}/comparison"))
        .await
        .expect(200);
    let items = cmp.json["items"].as_array().unwrap();
    let var = |id: &str| {
        items.iter().find(|i| i["task_id"] == id).unwrap()["finish_variance_days"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(var(&ids[0]), 0.0);
    assert!((var(&ids[1]) - 2.0).abs() < 0.01, "{items:?}");
    assert!((var(&ids[2]) - 2.0).abs() < 0.01);
    let list = app
        .get(&format!("/api/v1/projects/{pid}/baselines"))
        .await
        .expect(200);
    assert_eq!(list.items().len(), 1);
}

async fn who_may_schedule(app: TestApp) {
    let (pid, org, _) = small_plan(&app).await;
    let other = app.project("CHI-1", &org.chicago, &org.line).await;
    let (_, member) = app
        .user_with("member@test.example", &[("member", "project:SCH-1")])
        .await;
    app.get_as(&member, &format!("/api/v1/projects/{pid}/schedule"))
        .await
        .expect(200);
    app.post_as(
        &member,
        &format!("/api/v1/projects/{pid}/schedule"),
        json!({}),
    )
    .await
    .problem(403, "forbidden");
    let oid = other["id"].as_str().unwrap();
    app.get_as(&member, &format!("/api/v1/projects/{oid}/schedule"))
        .await
        .problem(404, "not_found");
    app.post_as(
        &member,
        &format!("/api/v1/projects/{oid}/baselines"),
        json!({"name": "x"}),
    )
    .await
    .problem(404, "not_found");
}

async fn resource_load_and_portfolio_leveling(app: TestApp) {
    // Marie works on two projects in the same week; each was scheduled alone.
    let org = app.org().await;
    let mut projects = vec![];
    for code in ["RL-A", "RL-B"] {
        let p = app.project(code, &org.paris, &org.line).await;
        let pid = p["id"].as_str().unwrap().to_string();
        let t = app
            .post(
                &format!("/api/v1/projects/{pid}/tasks"),
                json!({"name": format!("{code} work"), "effort_hours": 24}),
            )
            .await
            .expect(201)
            .id();
        app.post(
            &format!("/api/v1/tasks/{t}/assignments"),
            json!({"person_id": org.person}),
        )
        .await
        .expect(201);
        app.post(&format!("/api/v1/projects/{pid}/schedule"), json!({}))
            .await
            .expect(200);
        projects.push(pid);
    }
    let load = app.get("/api/v1/resource-load").await.expect(200);
    assert!(
        load.json["overloaded_cells"].as_u64().unwrap() >= 1,
        "{}",
        load.text
    );
    let cell = load.json["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["week"] == "2026-01-05")
        .unwrap()
        .clone();
    assert!(
        (cell["demand_hours"].as_f64().unwrap() - 48.0).abs() < 0.1,
        "{cell}"
    );
    assert!(
        (cell["capacity_hours"].as_f64().unwrap() - 40.0).abs() < 0.1,
        "{cell}"
    );
    assert!(!load.json["proposals"].as_array().unwrap().is_empty());
    // Leveling the portfolio together resolves it.
    let id = TestApp::accepted(app.post("/api/v1/portfolio/schedule", json!({})).await);
    let job = app.wait_job(&id).await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["result"]["runs"].as_array().unwrap().len(), 2, "{job}");
    let after = app.get("/api/v1/resource-load").await.expect(200);
    assert_eq!(after.json["overloaded_cells"], 0, "{}", after.text);
}

/// Signs in through the login form; returns (cookie header, csrf token).
async fn session(app: &TestApp, email: &str, password: &str) -> (String, String) {
    let r = send(
        app.anon(Method::POST, "/login")
            .form(&[("email", email), ("password", password)]),
    )
    .await
    .expect(303);
    let cookie = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let me = send(
        app.anon(Method::GET, "/api/v1/me")
            .header("cookie", &cookie),
    )
    .await
    .expect(200);
    (cookie, me.json["csrf_token"].as_str().unwrap().to_string())
}

async fn gantt_page_and_schedule_from_the_page(app: TestApp) {
    let (pid, _, _) = small_plan(&app).await;
    app.user_with_password(
        "pm@test.example",
        &[("project_manager", "project:SCH-1")],
        "pm-password-1",
    )
    .await;
    let (cookie, csrf) = session(&app, "pm@test.example", "pm-password-1").await;
    // Before scheduling: the page says so and offers the button.
    let before = send(
        app.anon(Method::GET, &format!("/projects/{pid}/gantt"))
            .header("cookie", &cookie),
    )
    .await
    .expect(200);
    assert!(before.text.contains("Not scheduled yet"));
    assert!(before.text.contains("Schedule now"));
    // Without the CSRF token the form is refused; with it, the project is scheduled.
    send(
        app.anon(Method::POST, &format!("/projects/{pid}/schedule"))
            .header("cookie", &cookie),
    )
    .await
    .expect(403);
    send(
        app.anon(Method::POST, &format!("/projects/{pid}/schedule"))
            .header("cookie", &cookie)
            .form(&[("csrf_token", csrf.as_str())]),
    )
    .await
    .expect(303);
    for zoom in ["week", "month", "quarter"] {
        let page = send(
            app.anon(Method::GET, &format!("/projects/{pid}/gantt?zoom={zoom}"))
                .header("cookie", &cookie),
        )
        .await
        .expect(200);
        assert!(page.text.contains("<svg"), "{zoom}");
        assert_eq!(
            page.text.matches("class=\"bar critical\"").count(),
            2,
            "{zoom}"
        );
        assert_eq!(page.text.matches("class=\"milestone\"").count(), 1);
        assert_eq!(page.text.matches("class=\"link\"").count(), 2);
        assert!(page.text.contains("Design") && page.text.contains("Docs"));
    }
    // Save a baseline from the page, then the Gantt shows it.
    let saved = send(
        app.anon(Method::POST, &format!("/projects/{pid}/baselines"))
            .header("cookie", &cookie)
            .form(&[("csrf_token", csrf.as_str()), ("name", "Kick-off")]),
    )
    .await
    .expect(303);
    let to = saved.header("location").unwrap();
    let with_baseline = send(app.anon(Method::GET, &to).header("cookie", &cookie))
        .await
        .expect(200);
    assert_eq!(with_baseline.text.matches("class=\"baseline\"").count(), 4);
    assert!(with_baseline.text.contains("on plan"));
    // The load page renders for the same user.
    let load = send(
        app.anon(Method::GET, "/resources/load")
            .header("cookie", &cookie),
    )
    .await
    .expect(200);
    assert!(load.text.contains("Marie Curie"));
}

/// A run stores its dates only if the plan is the one it computed them from: a change to a
/// task, a dependency or an assignment between reading the plan and saving the dates makes the
/// save refuse with `plan_changed` and store nothing; scheduling again succeeds.
async fn a_plan_changed_while_scheduling_is_not_overwritten(app: TestApp) {
    let (pid, org, ids) = small_plan(&app).await;
    let project = app.store.get_project(&pid).await.unwrap().unwrap();
    let actor = pso_store::Actor::system("test");
    for edit in 0..3 {
        let run = pso_app::schedule::compute(&app.store, vec![project.clone()])
            .await
            .unwrap();
        match edit {
            0 => {
                let t = app
                    .get(&format!("/api/v1/tasks/{}", ids[3]))
                    .await
                    .expect(200);
                app.patch(
                    &format!("/api/v1/tasks/{}", ids[3]),
                    &t.etag(),
                    json!({"duration_days": 3}),
                )
                .await
                .expect(200);
            }
            1 => {
                app.post(
                    &format!("/api/v1/projects/{pid}/dependencies"),
                    json!({"predecessor_id": ids[0], "successor_id": ids[3], "type": "FS"}),
                )
                .await
                .expect(201);
            }
            _ => {
                app.post(
                    &format!("/api/v1/tasks/{}/assignments", ids[3]),
                    json!({"person_id": org.person, "units": 1.0}),
                )
                .await
                .expect(201);
            }
        }
        let err = run.store(&app.store, &actor).await.unwrap_err();
        assert_eq!(err.code, "plan_changed", "edit {edit}: {err:?}");
        assert!(err.detail.contains("SCH-1"), "{}", err.detail);
        assert!(
            app.store.last_schedule_run(&pid).await.unwrap().is_none(),
            "edit {edit}: nothing stored"
        );
    }
    // Unchanged since it was read: stored.
    let run = pso_app::schedule::compute(&app.store, vec![project])
        .await
        .unwrap();
    let done = run.store(&app.store, &actor).await.unwrap();
    assert_eq!(done.runs.len(), 1);
    // The stored dates are those of the new plan: D now follows A.
    let rows = app.store.task_schedules(&pid).await.unwrap();
    let at = |id: &str| rows.iter().find(|r| r.task_id == id).unwrap().clone();
    assert!(at(&ids[3]).start >= at(&ids[0]).finish, "{rows:?}");
    app.post(&format!("/api/v1/projects/{pid}/schedule"), json!({}))
        .await
        .expect(200);
}

both!(
    a_plan_changed_while_scheduling_is_not_overwritten,
    schedule_from_the_api,
    two_people_one_week_are_leveled,
    baselines_and_comparison,
    who_may_schedule,
    resource_load_and_portfolio_leveling,
    gantt_page_and_schedule_from_the_page,
);
