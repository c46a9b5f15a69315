//! Timesheets (issue 10) through the API on both databases: every rule in each mode, the
//! states and their guards, per-project approval, locks, dated rule versions, on-behalf entry,
//! scope, lists and missing sheets.

use crate::common::{send, Resp, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

/// Paris (working Monday to Friday, a holiday on Wednesday 2027-01-20) with its rules from
/// 2027-01-01; Marie books on two projects, each with its own manager.
struct Fx {
    paris: String,
    marie: String,
    /// Tokens.
    marie_t: String,
    pierre_t: String,
    paula_t: String,
    pso_t: String,
    bob_t: String,
    p1: String,
    p2: String,
    /// Marie is assigned to t1 (P1) and t2 (P2), not to t3 (P1).
    t1: String,
    t2: String,
    t3: String,
}

async fn person(app: &TestApp, name: &str, site: &str, manager: Option<&str>) -> String {
    let email = format!(
        "{}@people.example",
        name.split(' ').next().unwrap().to_lowercase()
    );
    app.post(
        "/api/v1/people",
        json!({"name": name, "site_id": site, "manager_id": manager, "email": email}),
    )
    .await
    .expect(201)
    .id()
}

async fn setup(app: &TestApp) -> Fx {
    let org = app.org().await;
    let site = app
        .get(&format!("/api/v1/sites/{}", org.paris))
        .await
        .expect(200);
    app.patch(
        &format!("/api/v1/sites/{}", org.paris),
        &site.header("etag").unwrap(),
        json!({"holidays": [{"date": "2027-01-20", "name": "Test day"}]}),
    )
    .await
    .expect(200);
    send(
        app.req(
            Method::PUT,
            &format!("/api/v1/sites/{}/time-rules", org.paris),
        )
        .json(&json!({"valid_from": "2027-01-01",
            "max_minutes_per_day": 600, "max_minutes_per_week": 2400,
            "weekend": "forbid", "holiday": "warn",
            "only_assigned_tasks": true, "within_task_dates": "allow",
            "submit_by": "MON 12:00", "lock_after_days": 10})),
    )
    .await
    .expect(200);
    let pierre = person(app, "Pierre Manager", &org.paris, None).await;
    let paula = person(app, "Paula Manager", &org.paris, None).await;
    let marie = person(app, "Marie Member", &org.paris, Some(&pierre)).await;
    let bob = person(app, "Bob Member", &org.paris, None).await;
    let mut projects = Vec::new();
    for (code, manager) in [("TS1", &pierre), ("TS2", &paula)] {
        let p = app
            .post(
                "/api/v1/projects",
                json!({"code": code, "name": code, "site_id": org.paris,
                       "business_unit_id": org.bu, "start_date": "2027-01-04",
                       "status": "active", "manager_id": manager}),
            )
            .await
            .expect(201)
            .id();
        projects.push(p);
    }
    let (p1, p2) = (projects[0].clone(), projects[1].clone());
    let t1 = app.task(&p1, "Design").await;
    let t2 = app.task(&p2, "Build").await;
    let t3 = app.task(&p1, "Unassigned").await;
    for t in [&t1, &t2] {
        app.post(
            &format!("/api/v1/tasks/{t}/assignments"),
            json!({"person_id": marie}),
        )
        .await
        .expect(201);
    }
    let (_, marie_t) = app
        .user_for("marie@ts.example", &marie, &[("member", "global")])
        .await;
    let (_, pierre_t) = app
        .user_for(
            "pierre@ts.example",
            &pierre,
            &[("project_manager", "project:TS1")],
        )
        .await;
    let (_, paula_t) = app
        .user_for(
            "paula@ts.example",
            &paula,
            &[("project_manager", "project:TS2")],
        )
        .await;
    let (_, bob_t) = app
        .user_for("bob@ts.example", &bob, &[("member", "global")])
        .await;
    let (_, pso_t) = app
        .user_with("pso@ts.example", &[("pso", "site:PAR")])
        .await;
    Fx {
        paris: org.paris,
        marie,
        marie_t,
        pierre_t,
        paula_t,
        pso_t,
        bob_t,
        p1,
        p2,
        t1,
        t2,
        t3,
    }
}

fn url(person: &str, week: &str) -> String {
    format!("/api/v1/people/{person}/timesheets/{week}")
}

fn e(task: &str, date: &str, minutes: i64) -> Value {
    json!({"task_id": task, "date": date, "minutes": minutes})
}

async fn put(app: &TestApp, token: &str, u: &str, version: i64, entries: Value) -> Resp {
    send(
        app.with(token, Method::PUT, u)
            .header("if-match", format!("\"{version}\""))
            .json(&json!({ "entries": entries })),
    )
    .await
}

async fn act(app: &TestApp, token: &str, u: &str, what: &str, version: i64, body: Value) -> Resp {
    send(
        app.with(token, Method::POST, &format!("{u}/{what}"))
            .header("if-match", format!("\"{version}\""))
            .json(&body),
    )
    .await
}

fn rules_of(r: &Resp, key: &str) -> Vec<String> {
    r.json[key]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn every_rule_in_each_mode(app: TestApp) {
    let f = setup(&app).await;
    let u = url(&f.marie, "2027-W03");
    // A week never saved: an empty draft at version 0.
    let r = app.get_as(&f.marie_t, &u).await.expect(200);
    assert_eq!(r.json["state"], "draft");
    assert_eq!(r.json["version"], 0);
    assert_eq!(r.header("etag").as_deref(), Some("\"0\""));
    // If-Match is required.
    send(
        app.with(&f.marie_t, Method::PUT, &u)
            .json(&json!({"entries": []})),
    )
    .await
    .expect(428);

    // Each forbidden rule refuses the whole sheet, naming rule, day, task, limit and actual.
    let cases: Vec<(Value, &str)> = vec![
        (json!([e(&f.t1, "2027-01-23", 60)]), "weekend"),
        (json!([e(&f.t3, "2027-01-18", 60)]), "only_assigned_tasks"),
        (
            json!([e(&f.t1, "2027-01-18", 400), e(&f.t2, "2027-01-18", 260)]),
            "max_minutes_per_day",
        ),
        (
            json!([
                e(&f.t1, "2027-01-18", 600),
                e(&f.t1, "2027-01-19", 600),
                e(&f.t1, "2027-01-21", 600),
                e(&f.t1, "2027-01-22", 601)
            ]),
            "max_minutes_per_day",
        ),
        (json!([e(&f.t1, "2027-01-25", 60)]), "date_outside_week"),
        (json!([e(&f.t1, "2027-01-18", 0)]), "minutes_invalid"),
        (json!([e("no-such-task", "2027-01-18", 60)]), "task_closed"),
    ];
    for (entries, rule) in cases {
        let r = put(&app, &f.marie_t, &u, 0, entries).await.expect(422);
        assert_eq!(r.json["code"], "rule_violation", "{}", r.text);
        assert!(
            rules_of(&r, "violations").contains(&rule.to_string()),
            "{rule}: {}",
            r.text
        );
    }
    let r = put(
        &app,
        &f.marie_t,
        &u,
        0,
        json!([e(&f.t1, "2027-01-18", 400), e(&f.t2, "2027-01-18", 260)]),
    )
    .await
    .expect(422);
    let v = &r.json["violations"][0];
    assert_eq!(
        (
            v["date"].as_str(),
            v["limit"].as_i64(),
            v["actual"].as_i64()
        ),
        (Some("2027-01-18"), Some(600), Some(660))
    );
    // The week limit (2400) with every day within its own.
    let r = put(
        &app,
        &f.marie_t,
        &u,
        0,
        json!([
            e(&f.t1, "2027-01-18", 600),
            e(&f.t1, "2027-01-19", 600),
            e(&f.t1, "2027-01-21", 600),
            e(&f.t2, "2027-01-22", 601)
        ]),
    )
    .await;
    assert!(
        rules_of(&r, "violations").contains(&"max_minutes_per_week".to_string()),
        "{}",
        r.text
    );
    // Nothing was saved by any of them.
    let r = app.get_as(&f.marie_t, &u).await.expect(200);
    assert_eq!(r.json["version"], 0);
    assert_eq!(r.json["entries"], json!([]));

    // A warned rule saves, and comes back in `warnings`: the holiday on Wednesday.
    let r = put(
        &app,
        &f.marie_t,
        &u,
        0,
        json!([e(&f.t1, "2027-01-18", 450), e(&f.t2, "2027-01-20", 120)]),
    )
    .await
    .expect(200);
    assert_eq!(rules_of(&r, "warnings"), ["holiday"]);
    assert_eq!(r.json["total_minutes"], 570);
    assert_eq!(r.json["version"], 1);
    assert_eq!(r.json["entries"][1]["project_id"], f.p2.as_str());
    // The warnings are there on reading too.
    let r = app.get_as(&f.marie_t, &u).await.expect(200);
    assert_eq!(rules_of(&r, "warnings"), ["holiday"]);

    // Dated versions: from February the site allows weekends and holidays silently.
    send(
        app.req(
            Method::PUT,
            &format!("/api/v1/sites/{}/time-rules", f.paris),
        )
        .json(&json!({"valid_from": "2027-02-01", "weekend": "allow", "holiday": "allow"})),
    )
    .await
    .expect(200);
    let feb = url(&f.marie, "2027-W05");
    let r = put(
        &app,
        &f.marie_t,
        &feb,
        0,
        json!([e(&f.t3, "2027-02-06", 60), e(&f.t1, "2027-01-31", 60)]),
    )
    .await
    .expect(422);
    // 2027-W05 runs 1 to 7 February: 31 January is outside it; the Saturday is allowed now,
    // and the February rules do not require an assignment.
    assert_eq!(rules_of(&r, "violations"), ["date_outside_week"]);
    put(
        &app,
        &f.marie_t,
        &feb,
        0,
        json!([e(&f.t3, "2027-02-06", 60)]),
    )
    .await
    .expect(200);
    // The January week keeps the January rules.
    put(&app, &f.marie_t, &u, 1, json!([e(&f.t1, "2027-01-23", 60)]))
        .await
        .expect(422);

    // within_task_dates: warn in a version from March, with the task scheduled in January.
    send(
        app.req(
            Method::PUT,
            &format!("/api/v1/sites/{}/time-rules", f.paris),
        )
        .json(&json!({"valid_from": "2027-03-01", "within_task_dates": "warn"})),
    )
    .await
    .expect(200);
    send(app.req(Method::POST, &format!("/api/v1/projects/{}/schedule", f.p1)))
        .await
        .expect(200);
    let r = put(
        &app,
        &f.marie_t,
        &url(&f.marie, "2027-W10"),
        0,
        json!([e(&f.t1, "2027-03-08", 60)]),
    )
    .await
    .expect(200);
    assert_eq!(rules_of(&r, "warnings"), ["within_task_dates"]);
}

async fn states_approval_and_scope(app: TestApp) {
    let f = setup(&app).await;
    let u = url(&f.marie, "2027-W03");
    let entries = json!([e(&f.t1, "2027-01-18", 450), e(&f.t2, "2027-01-19", 300)]);

    // Scope: another member and a manager cannot write Marie's sheet; the manager cannot read
    // it before it is submitted; the site's PSO writes it on her behalf (audited as such).
    put(&app, &f.bob_t, &u, 0, entries.clone())
        .await
        .expect(403);
    put(&app, &f.pierre_t, &u, 0, entries.clone())
        .await
        .expect(403);
    app.get_as(&f.bob_t, &u).await.expect(403);
    app.get_as(&f.pierre_t, &u).await.expect(403);
    let r = put(&app, &f.pso_t, &u, 0, entries.clone())
        .await
        .expect(200);
    assert_eq!(r.json["version"], 1);
    let audit = app
        .audit("timesheet", &format!("{}/2027-W03", f.marie))
        .await;
    assert_eq!(audit.last().unwrap()["action"], "save_on_behalf");
    assert_eq!(audit.last().unwrap()["actor"], "pso@ts.example");
    let r = put(&app, &f.marie_t, &u, 1, entries.clone())
        .await
        .expect(200);
    assert_eq!(r.json["version"], 2);

    // Submit: a stale version is 412; then one line per project.
    act(&app, &f.marie_t, &u, "submit", 1, json!({}))
        .await
        .expect(412);
    let r = act(&app, &f.marie_t, &u, "submit", 2, json!({}))
        .await
        .expect(200);
    assert_eq!(r.json["state"], "submitted");
    assert_eq!(r.json["lines"].as_array().unwrap().len(), 2);
    // A submitted sheet is not written.
    put(&app, &f.marie_t, &u, 3, entries.clone())
        .await
        .expect(409);

    // Each manager sees their own project's lines only.
    let r = app.get_as(&f.pierre_t, &u).await.expect(200);
    let entries_seen = r.json["entries"].as_array().unwrap();
    assert_eq!(entries_seen.len(), 1);
    assert_eq!(entries_seen[0]["project_id"], f.p1.as_str());
    assert_eq!(r.json["total_minutes"], 450);
    // A manager cannot approve another project's lines, nor can the person.
    act(
        &app,
        &f.paula_t,
        &u,
        "approve",
        3,
        json!({"project_ids": [f.p1]}),
    )
    .await
    .expect(403);
    act(&app, &f.marie_t, &u, "approve", 3, json!({}))
        .await
        .expect(403);
    // Pierre approves P1: the sheet still waits for P2.
    let r = act(&app, &f.pierre_t, &u, "approve", 3, json!({}))
        .await
        .expect(200);
    assert_eq!(r.json["state"], "submitted");
    assert_eq!(r.json["lines"][0]["state"], "approved");
    // The inbox: Paula's waiting sheets show her line only.
    let r = app
        .get_as(
            &f.paula_t,
            "/api/v1/timesheets?state=submitted&week=2027-W03",
        )
        .await
        .expect(200);
    let items = r.items();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["lines"].as_array().unwrap().len(), 1);
    assert_eq!(items[0]["lines"][0]["project_id"], f.p2.as_str());
    assert_eq!(items[0]["total_minutes"], 300);
    // Bob sees no sheet but his own (none).
    let r = app.get_as(&f.bob_t, "/api/v1/timesheets").await.expect(200);
    assert_eq!(r.items().len(), 0);

    // Paula rejects with a reason: back to draft, the reason shown, the lines gone.
    act(&app, &f.paula_t, &u, "reject", 4, json!({"reason": " "}))
        .await
        .expect(422);
    act(
        &app,
        &f.paula_t,
        &u,
        "reject",
        4,
        json!({"reason": "Tuesday was on TS1"}),
    )
    .await
    .expect(200);
    let r = app.get_as(&f.marie_t, &u).await.expect(200);
    assert_eq!(r.json["state"], "draft");
    assert_eq!(r.json["rejection"]["reason"], "Tuesday was on TS1");
    assert_eq!(r.json["rejection"]["project_ids"], json!([f.p2]));
    assert_eq!(r.json["lines"], json!([]));
    let r2 = app
        .get_as(&f.marie_t, "/api/v1/timesheets?state=rejected")
        .await
        .expect(200);
    assert_eq!(r2.items().len(), 1);

    // Resubmitted with progress, approved by both: approved, and the progress is the tasks'.
    let v = r.json["version"].as_i64().unwrap();
    let r = send(
        app.with(&f.marie_t, Method::PUT, &u)
            .header("if-match", format!("\"{v}\""))
            .json(&json!({"entries": entries,
                "progress": [{"task_id": f.t1, "percent_complete": 40, "remaining_minutes": 1200},
                             {"task_id": f.t2, "percent_complete": 100}]})),
    )
    .await
    .expect(200);
    let v = r.json["version"].as_i64().unwrap();
    act(&app, &f.marie_t, &u, "submit", v, json!({}))
        .await
        .expect(200);
    act(&app, &f.pierre_t, &u, "approve", v + 1, json!({}))
        .await
        .expect(200);
    let r = act(&app, &f.paula_t, &u, "approve", v + 2, json!({}))
        .await
        .expect(200);
    assert_eq!(r.json["state"], "approved");
    let p1 = app.store.task_progress(&f.p1).await.unwrap();
    assert_eq!(p1.len(), 1);
    assert_eq!(p1[0].percent_complete, 40);
    assert_eq!(p1[0].remaining_minutes, Some(1200));
    assert_eq!(p1[0].actual_start.as_deref(), Some("2027-01-18"));
    assert_eq!(p1[0].actual_finish, None);
    let p2 = app.store.task_progress(&f.p2).await.unwrap();
    assert_eq!(p2[0].actual_finish.as_deref(), Some("2027-01-19"));

    // Reopen: the PSO of her site, with a reason; not the person, not a manager.
    let v = v + 3;
    act(&app, &f.marie_t, &u, "reopen", v, json!({"reason": "x"}))
        .await
        .expect(403);
    act(&app, &f.pierre_t, &u, "reopen", v, json!({"reason": "x"}))
        .await
        .expect(403);
    let r = act(
        &app,
        &f.pso_t,
        &u,
        "reopen",
        v,
        json!({"reason": "Wrong task"}),
    )
    .await
    .expect(200);
    assert_eq!(r.json["state"], "draft");
    assert_eq!(r.json["rejection"]["kind"], "reopen");

    // Every transition is in the sheet's history.
    let actions: Vec<String> = app
        .audit("timesheet", &format!("{}/2027-W03", f.marie))
        .await
        .iter()
        .map(|a| a["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        actions,
        [
            "save_on_behalf",
            "save",
            "submit",
            "approve",
            "reject",
            "save",
            "submit",
            "approve",
            "approve",
            "reopen"
        ]
    );
}

async fn locks_and_missing_sheets(app: TestApp) {
    let f = setup(&app).await;
    let u = url(&f.marie, "2027-W03");
    let r = put(
        &app,
        &f.marie_t,
        &u,
        0,
        json!([e(&f.t1, "2027-01-18", 450)]),
    )
    .await
    .expect(200);
    assert_eq!(r.json["version"], 1);
    let v = 1;
    act(&app, &f.marie_t, &u, "submit", v, json!({}))
        .await
        .expect(200);
    act(&app, &f.pierre_t, &u, "approve", v + 1, json!({}))
        .await
        .expect(200);
    // The missing list: everyone of Paris but Marie (approved), with their manager; only the
    // site's PSO sees it.
    let missing = format!(
        "/api/v1/timesheets/missing?week=2027-W03&site_id={}",
        f.paris
    );
    app.get_as(&f.bob_t, &missing).await.expect(403);
    // A site that does not exist is a bad reference in the query, not a missing page.
    let r = app
        .get_as(
            &f.pso_t,
            "/api/v1/timesheets/missing?week=2027-W03&site_id=nope",
        )
        .await
        .expect(422);
    assert_eq!(r.json["errors"][0]["code"], "unknown_reference");
    let r = app.get_as(&f.pso_t, &missing).await.expect(200);
    let names: Vec<&str> = r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"Marie Member"), "{names:?}");
    assert!(names.contains(&"Bob Member"), "{names:?}");
    // Week 4's draft shows as started; with Marie's manager named.
    let u4 = url(&f.marie, "2027-W04");
    put(
        &app,
        &f.marie_t,
        &u4,
        0,
        json!([e(&f.t1, "2027-01-25", 60)]),
    )
    .await
    .expect(200);
    let r = app
        .get_as(
            &f.pso_t,
            &format!(
                "/api/v1/timesheets/missing?week=2027-W04&site_id={}",
                f.paris
            ),
        )
        .await
        .expect(200);
    let marie = r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Marie Member")
        .cloned()
        .unwrap();
    assert_eq!(marie["state"], "draft");
    assert_eq!(marie["manager_name"], "Pierre Manager");

    // Lock January: week 4 can no longer be written or submitted, week 3 not reopened.
    send(
        app.with(
            &f.pso_t,
            Method::POST,
            &format!("/api/v1/sites/{}/period-locks", f.paris),
        )
        .json(&json!({"through": "2027-01-31"})),
    )
    .await
    .expect(200);
    let r = put(
        &app,
        &f.marie_t,
        &u4,
        1,
        json!([e(&f.t1, "2027-01-26", 60)]),
    )
    .await
    .expect(422);
    assert_eq!(rules_of(&r, "violations"), ["period_locked"]);
    let r = act(&app, &f.marie_t, &u4, "submit", 1, json!({}))
        .await
        .expect(422);
    assert_eq!(rules_of(&r, "violations"), ["period_locked"]);
    let r = act(
        &app,
        &f.pso_t,
        &u,
        "reopen",
        3,
        json!({"reason": "late fix"}),
    )
    .await
    .expect(422);
    assert_eq!(rules_of(&r, "violations"), ["period_locked"]);
    // Bad weeks and filters name their field.
    let r = app
        .get_as(&f.marie_t, &url(&f.marie, "2027-W54"))
        .await
        .expect(422);
    assert_eq!(r.json["errors"][0]["field"], "week");
    let r = app
        .get_as(&f.marie_t, "/api/v1/timesheets?state=lost")
        .await
        .expect(422);
    assert_eq!(r.json["errors"][0]["field"], "state");
}

/// The outbox's messages: (recipients, subject).
async fn outbox(app: &TestApp) -> Vec<(String, String)> {
    app.get("/api/v1/outbox?limit=1000")
        .await
        .expect(200)
        .items()
        .iter()
        .map(|m| {
            (
                m["to"].to_string(),
                m["subject"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

async fn the_scheduled_job_locks_and_reminds(app: TestApp) {
    let f = setup(&app).await;
    let core = pso_app::App::new(app.store.clone()).await.unwrap();
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    // Marie submits week 3; the others do not.
    put(
        &app,
        &f.marie_t,
        &url(&f.marie, "2027-W03"),
        0,
        json!([e(&f.t1, "2027-01-18", 60)]),
    )
    .await
    .expect(200);
    act(
        &app,
        &f.marie_t,
        &url(&f.marie, "2027-W03"),
        "submit",
        1,
        json!({}),
    )
    .await
    .expect(200);
    // Monday 25 January, 11:30 UTC = 12:30 in Paris: week 3 is due (MON 12:00), and weeks
    // lock 10 days after they end: through Sunday 10 January.
    let done = pso_app::time_watch::watch(&core, at("2027-01-25T11:30:00Z"))
        .await
        .unwrap();
    assert_eq!(done["locked"][0]["through"], "2027-01-10", "{done}");
    assert_eq!(done["reminded"][0]["week"], "2027-W03", "{done}");
    let lock = app
        .get(&format!("/api/v1/sites/{}/period-locks", f.paris))
        .await
        .expect(200);
    assert_eq!(lock.json["through"], "2027-01-10");
    assert_eq!(lock.json["set_by"], "scheduler");
    let mail = outbox(&app).await;
    let to = |who: &str| {
        mail.iter()
            .filter(|(r, _)| r.contains(who))
            .map(|(_, s)| s.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        to("bob@people.example"),
        ["Your timesheet for 2027-W03 is due"]
    );
    assert!(to("marie@people.example").is_empty(), "{mail:?}");
    assert_eq!(
        to("pso@ts.example"),
        ["Missing timesheets for 2027-W03 at PAR"]
    );
    // Once per site and week: a later run in the same week sends nothing again.
    let again = pso_app::time_watch::watch(&core, at("2027-01-25T14:00:00Z"))
        .await
        .unwrap();
    assert_eq!(again["reminded"], json!([]));
    assert_eq!(again["locked"], json!([]));
    assert_eq!(outbox(&app).await.len(), mail.len());
    // Before Paris's noon (10:59 UTC = 11:59 local) week 3 was not due yet: week 2 was.
    // Ten days after Sunday 24 January the lock moves on.
    let later = pso_app::time_watch::watch(&core, at("2027-02-03T08:00:00Z"))
        .await
        .unwrap();
    assert_eq!(later["locked"][0]["through"], "2027-01-24", "{later}");

    // "Remind now": the site's PSO, not a member.
    let body = json!({"site_id": f.paris, "week": "2027-W03"});
    app.post_as(&f.bob_t, "/api/v1/timesheets/missing/remind", body.clone())
        .await
        .expect(403);
    let r = app
        .post_as(&f.pso_t, "/api/v1/timesheets/missing/remind", body)
        .await
        .expect(200);
    assert!(r.json["messages"].as_i64().unwrap() >= 2, "{}", r.text);
}

/// Acceptance 3: a task 40 % done with its remaining work moves its finish, and the critical
/// path follows.
async fn progress_moves_the_schedule(app: TestApp) {
    let org = app.org().await;
    let p = app
        .post(
            "/api/v1/projects",
            json!({"code": "ST1", "name": "Status", "site_id": org.paris,
                   "business_unit_id": org.bu, "start_date": "2027-01-04", "status": "active"}),
        )
        .await
        .expect(201)
        .id();
    let task = |name: &'static str, days: f64| {
        let app = &app;
        let p = p.clone();
        async move {
            app.post(
                &format!("/api/v1/projects/{p}/tasks"),
                json!({"name": name, "duration_days": days}),
            )
            .await
            .expect(201)
            .id()
        }
    };
    let a = task("A", 10.0).await;
    let b = task("B", 2.0).await;
    let c = task("C", 11.0).await;
    app.post(
        &format!("/api/v1/projects/{p}/dependencies"),
        json!({"predecessor_id": a, "successor_id": b, "type": "FS"}),
    )
    .await
    .expect(201);
    let schedule = || async {
        let r = app
            .post(&format!("/api/v1/projects/{p}/schedule"), json!({}))
            .await
            .expect(200);
        let by_id = |id: &str| {
            r.json["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["task_id"] == id)
                .cloned()
                .unwrap()
        };
        (by_id(&a), by_id(&b), by_id(&c))
    };
    let day = |t: &Value, k: &str| t[k].as_str().unwrap()[..10].to_string();
    // Planned: A (10 days) then B (2) = 12 days, longer than C (11): A and B are critical.
    let (pa, pb, pc) = schedule().await;
    assert_eq!(day(&pb, "finish"), "2027-01-19");
    assert!(pa["critical"].as_bool().unwrap() && pb["critical"].as_bool().unwrap());
    assert!(!pc["critical"].as_bool().unwrap());

    // Friday 8 January: A is 40 % done with 3 days left (ahead of plan).
    let r = send(
        app.req(Method::PUT, &format!("/api/v1/tasks/{a}/progress"))
            .json(
                &json!({"percent_complete": 40, "remaining_minutes": 3 * 480,
                          "actual_start": "2027-01-04"}),
            ),
    )
    .await
    .expect(200);
    assert_eq!(r.json["percent_complete"], 40);
    send(
        app.req(Method::PUT, &format!("/api/v1/projects/{p}/status-date"))
            .json(&json!({"status_date": "2027-01-08"})),
    )
    .await
    .expect(200);
    let (ta, tb, tc) = schedule().await;
    // Work done stays where it was; the rest runs from the status date: A ends Tuesday 12th,
    // B on Thursday 14th. C, not started by the status date, runs from it and ends Friday
    // 22nd: it is now the critical path.
    assert_eq!(day(&ta, "start"), "2027-01-04");
    assert_eq!(day(&ta, "finish"), "2027-01-12");
    assert_eq!(day(&tb, "finish"), "2027-01-14");
    assert_eq!(day(&tc, "finish"), "2027-01-22");
    assert!(tc["critical"].as_bool().unwrap(), "{tc}");
    assert!(!ta["critical"].as_bool().unwrap(), "{ta}");
    assert!(!tb["critical"].as_bool().unwrap(), "{tb}");
    // Behind plan instead (10 days left): A and B are critical again, and later.
    send(
        app.req(Method::PUT, &format!("/api/v1/tasks/{a}/progress"))
            .json(&json!({"percent_complete": 40, "remaining_minutes": 10 * 480})),
    )
    .await
    .expect(200);
    let (ta, tb, tc) = schedule().await;
    assert_eq!(day(&ta, "finish"), "2027-01-21");
    assert_eq!(day(&tb, "finish"), "2027-01-25");
    assert!(
        ta["critical"].as_bool().unwrap() && !tc["critical"].as_bool().unwrap(),
        "{ta} {tb} {tc}"
    );
    // The status date is named, even to clear it (null); an empty body is refused.
    let r = send(
        app.req(Method::PUT, &format!("/api/v1/projects/{p}/status-date"))
            .json(&json!({})),
    )
    .await
    .expect(422);
    assert_eq!(r.json["errors"][0]["field"], "status_date");
    // The progress is readable; bad input names its field.
    let r = app
        .get(&format!("/api/v1/projects/{p}/progress"))
        .await
        .expect(200);
    assert_eq!(r.json["items"][0]["actual_start"], "2027-01-04");
    let r = send(
        app.req(Method::PUT, &format!("/api/v1/tasks/{a}/progress"))
            .json(
                &json!({"percent_complete": 50, "actual_start": "2027-01-10",
                          "actual_finish": "2027-01-05"}),
            ),
    )
    .await
    .expect(422);
    assert_eq!(r.json["errors"][0]["field"], "actual_finish");
}

async fn import_all_or_nothing_and_export(app: TestApp) {
    let f = setup(&app).await;
    let import = |token: &str, csv: &str| {
        send(
            app.with(token, Method::POST, "/api/v1/timesheets/import")
                .header("content-type", "text/csv")
                .body(csv.to_string()),
        )
    };
    // A weekend day (forbidden in Paris), an unknown project and a bad number: refused
    // whole, each line named with its rule.
    let bad = "email,date,project,task,hours,comment\n\
        marie@people.example,2027-01-18,TS1,1,7.5,design\n\
        marie@people.example,2027-01-23,TS1,1,2,saturday\n\
        marie@people.example,2027-01-19,NOPE,1,2,\n\
        marie@people.example,2027-01-19,TS2,1,two,\n";
    let r = import(&app.admin_token, bad).await.expect(422);
    let errors: Vec<(String, String)> = r.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        errors.contains(&("line 4: project".into(), "unknown_reference".into())),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("line 5: minutes".into(), "invalid_number".into())),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("line 3".into(), "weekend".into())),
        "{errors:?}"
    );
    let u = url(&f.marie, "2027-W03");
    assert_eq!(
        app.get_as(&f.marie_t, &u).await.expect(200).json["version"],
        0
    );
    // A member may import only their own lines.
    let good = "email,date,project,task,hours,comment\n\
        marie@people.example,2027-01-18,TS1,1,7.5,design\n\
        marie@people.example,2027-01-19,ts2,1,\"5,0\",build\n";
    let r = import(&f.bob_t, good).await.expect(422);
    assert_eq!(r.json["errors"][0]["code"], "forbidden");
    let r = import(&f.marie_t, good).await.expect(200);
    assert_eq!(
        (
            r.json["lines"].as_i64(),
            r.json["sheets"].as_i64(),
            r.json["minutes"].as_i64()
        ),
        (Some(2), Some(1), Some(750))
    );
    let sheet = app.get_as(&f.marie_t, &u).await.expect(200);
    assert_eq!(sheet.json["entries"][0]["task_id"], f.t1.as_str());
    assert_eq!(sheet.json["entries"][1]["task_id"], f.t2.as_str());

    // Approved, it exports: CSV for the site's PSO, XLSX too; not for a member.
    act(&app, &f.marie_t, &u, "submit", 1, json!({}))
        .await
        .expect(200);
    act(&app, &f.pierre_t, &u, "approve", 2, json!({}))
        .await
        .expect(200);
    act(&app, &f.paula_t, &u, "approve", 3, json!({}))
        .await
        .expect(200);
    let q = format!("site_id={}&from=2027-01-01&to=2027-01-31", f.paris);
    let r = app
        .get_as(&f.pso_t, &format!("/api/v1/timesheets/export?{q}"))
        .await
        .expect(200);
    let lines: Vec<&str> = r.text.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.text);
    assert!(lines[1].starts_with("marie@people.example,Marie Member,PAR,2027-W03,2027-01-18,TS1,"));
    assert!(lines[1].contains(",450,7.50,design"), "{}", lines[1]);
    let r = send(app.with(
        &f.pso_t,
        Method::GET,
        &format!("/api/v1/timesheets/export?{q}&format=xlsx"),
    ))
    .await
    .expect(200);
    assert!(r.header("content-type").unwrap().contains("spreadsheetml"));
    // Pierre exports his project's time only; a member nothing; a period needs a site or project.
    let r = app
        .get_as(
            &f.pierre_t,
            &format!(
                "/api/v1/timesheets/export?project_id={}&from=2027-01-01&to=2027-01-31",
                f.p1
            ),
        )
        .await
        .expect(200);
    assert_eq!(r.text.lines().count(), 2, "{}", r.text);
    app.get_as(&f.bob_t, &format!("/api/v1/timesheets/export?{q}"))
        .await
        .expect(403);
    let r = app
        .get_as(
            &f.pso_t,
            "/api/v1/timesheets/export?from=2027-01-01&to=2027-01-31",
        )
        .await
        .expect(422);
    assert_eq!(r.json["errors"][0]["field"], "site_id");
}

both!(
    import_all_or_nothing_and_export,
    progress_moves_the_schedule,
    the_scheduled_job_locks_and_reminds,
    every_rule_in_each_mode,
    states_approval_and_scope,
    locks_and_missing_sheets
);
