//! The time pages (issue 10) through HTTP on both databases: the week grid (tasks, calendar,
//! save, findings on their cells, the check without saving, copy last week, who may open
//! it), "My work" as a member's home, the approval inbox (one sheet, bulk with a stale one)
//! and a site's time page.

use crate::common::{send, Resp, TestApp};
use pso_domain::model::UserInput;
use reqwest::Method;
use serde_json::json;

both!(
    grid_offers_assigned_then_recent_tasks,
    grid_shows_tasks_calendar_and_saves,
    grid_shows_findings_on_their_cells,
    grid_is_for_the_person_and_their_pso,
    my_work_and_approvals,
    site_time_page
);

const PW: &str = "correct horse battery";
const WEEK: &str = "2027-W03";

/// Paris: holiday Wednesday 2027-01-20, weekends forbidden, 10 h a day, holidays warn,
/// assigned tasks only. Marie (a member) is assigned to Design and Build of TS1, managed by
/// Pierre; "Unassigned" is not hers.
pub struct Fx {
    pub paris: String,
    pub chicago: String,
    pub marie: String,
    pub bob: String,
    pub p1: String,
    pub t1: String,
    pub t2: String,
    pub t3: String,
}

/// A user with a password, linked to a person.
pub async fn person_user(
    app: &TestApp,
    email: &str,
    person: Option<&str>,
    grants: &[(&str, &str)],
) {
    let mut input: UserInput = serde_json::from_value(json!({
        "email": email,
        "name": email,
        "person_id": person,
        "grants": grants.iter().map(|(r, s)| json!({"role": r, "scope": s})).collect::<Vec<_>>(),
    }))
    .unwrap();
    input.password = Some(PW.into());
    let a = pso_app::App::new(app.store.clone()).await.unwrap();
    let system = pso_app::Caller::system("test");
    pso_app::Svc::new(&a, &system)
        .create_user(input)
        .await
        .unwrap();
}

pub async fn setup(app: &TestApp, weekend: &str) -> Fx {
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
        .json(
            &json!({"valid_from": "2027-01-01", "max_minutes_per_day": 600,
            "weekend": weekend, "holiday": "warn", "only_assigned_tasks": true}),
        ),
    )
    .await
    .expect(200);
    let person = |name: &'static str, site: String| async move {
        app.post("/api/v1/people", json!({"name": name, "site_id": site}))
            .await
            .expect(201)
            .id()
    };
    let pierre = person("Pierre Manager", org.paris.clone()).await;
    let marie = person("Marie Member", org.paris.clone()).await;
    let bob = person("Bob Other", org.paris.clone()).await;
    let p1 = app
        .post(
            "/api/v1/projects",
            json!({"code": "TS1", "name": "Time one", "site_id": org.paris,
                   "business_unit_id": org.bu, "start_date": "2027-01-04",
                   "status": "active", "manager_id": pierre}),
        )
        .await
        .expect(201)
        .id();
    let t1 = app.task(&p1, "Design").await;
    let t2 = app.task(&p1, "Build").await;
    let t3 = app.task(&p1, "Unassigned").await;
    for t in [&t1, &t2] {
        app.post(
            &format!("/api/v1/tasks/{t}/assignments"),
            json!({"person_id": marie}),
        )
        .await
        .expect(201);
    }
    person_user(
        app,
        "marie@tp.example",
        Some(&marie),
        &[("member", "global")],
    )
    .await;
    person_user(app, "bob@tp.example", Some(&bob), &[("member", "global")]).await;
    person_user(
        app,
        "pierre@tp.example",
        Some(&pierre),
        &[("project_manager", "project:TS1")],
    )
    .await;
    person_user(app, "pso@tp.example", None, &[("pso", "site:PAR")]).await;
    person_user(app, "psochi@tp.example", None, &[("pso", "site:CHI")]).await;
    Fx {
        paris: org.paris,
        chicago: org.chicago,
        marie,
        bob,
        p1,
        t1,
        t2,
        t3,
    }
}

/// A signed-in session: cookie and CSRF token.
pub async fn login(app: &TestApp, email: &str) -> (String, String) {
    app.session(email, PW).await
}

async fn get_page(app: &TestApp, s: &(String, String), path: &str) -> Resp {
    send(app.anon(Method::GET, path).header("cookie", &s.0)).await
}

async fn post_form(
    app: &TestApp,
    s: &(String, String),
    path: &str,
    form: &[(String, String)],
) -> Resp {
    let mut f: Vec<(String, String)> = vec![("csrf_token".into(), s.1.clone())];
    f.extend(form.iter().cloned());
    send(app.anon(Method::POST, path).header("cookie", &s.0).form(&f)).await
}

fn cell(task: &str, date: &str, v: &str) -> (String, String) {
    (format!("cell|{task}|{date}"), v.to_string())
}

fn kv(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

/// The `<td>` of a task's day in a grid page.
fn td<'a>(html: &'a str, task: &str, date: &str) -> &'a str {
    let key = format!("data-task=\"{task}\" data-date=\"{date}\"");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no cell {key} in {html}"));
    let start = html[..at].rfind("<td").unwrap();
    let end = at + html[at..].find("</td>").unwrap();
    &html[start..end]
}

async fn grid_shows_tasks_calendar_and_saves(app: TestApp) {
    let f = setup(&app, "forbid").await;
    let marie = login(&app, "marie@tp.example").await;
    let r = get_page(&app, &marie, &format!("/time?week={WEEK}"))
        .await
        .expect(200);
    // Assigned tasks are rows; an unassigned one never booked is not.
    assert!(
        r.text.contains("Design") && r.text.contains("Build"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("Unassigned"));
    assert!(r.text.contains(&format!("cell|{}|2027-01-18", f.t1)));
    // The site calendar: the holiday shaded and named, the weekend shaded.
    assert!(r
        .text
        .contains("class=\"day holiday\" data-date=\"2027-01-20\""));
    assert!(r.text.contains("Test day"));
    assert!(r
        .text
        .contains("class=\"day off\" data-date=\"2027-01-23\""));
    assert!(r.text.contains("class=\"day \" data-date=\"2027-01-18\""));
    assert!(r.text.contains("Draft"));
    // The time page's navigation entries.
    assert!(r.text.contains("href=\"/my-work\"") && r.text.contains("href=\"/time\""));

    // Save: every notation is read; the version guards the sheet.
    let form = vec![
        kv("week", WEEK),
        kv("version", "0"),
        cell(&f.t1, "2027-01-18", "7.5"),
        cell(&f.t1, "2027-01-19", "7:30"),
        cell(&f.t2, "2027-01-19", "1h15"),
        cell(&f.t2, "2027-01-21", "90m"),
        cell(&f.t2, "2027-01-22", ""),
    ];
    let r = post_form(&app, &marie, "/time", &form).await.expect(303);
    assert_eq!(
        r.header("location").as_deref(),
        Some("/time?week=2027-W03&done=saved")
    );
    let api = app
        .get(&format!("/api/v1/people/{}/timesheets/{WEEK}", f.marie))
        .await
        .expect(200);
    assert_eq!(api.json["version"], 1);
    assert_eq!(api.json["total_minutes"], 450 + 450 + 75 + 90);
    let r = get_page(&app, &marie, &r.header("location").unwrap())
        .await
        .expect(200);
    assert!(td(&r.text, &f.t2, "2027-01-19").contains("value=\"1:15\""));
    assert!(r.text.contains("Saved."));
    assert!(r.text.contains("id=\"week-total\">17:45<"), "{}", r.text);
    // The same form again: its version is stale now (412, nothing saved, entries kept).
    let r = post_form(&app, &marie, "/time", &form).await.expect(412);
    assert!(r.text.contains("changed this sheet meanwhile"));
    assert!(td(&r.text, &f.t1, "2027-01-18").contains("value=\"7.5\""));
    // …and the form keeps the version it was written against: saving again is refused too.
    assert!(r.text.contains("name=\"version\" value=\"0\""));

    // Copy last week: this week's entries fill next week's empty cells, unsaved.
    let r = get_page(&app, &marie, "/time?week=2027-W04&copy=last")
        .await
        .expect(200);
    assert!(
        r.text.contains("Copied 4 entries from last week"),
        "{}",
        r.text
    );
    assert!(td(&r.text, &f.t1, "2027-01-25").contains("value=\"7:30\""));
    let next = app
        .get(&format!("/api/v1/people/{}/timesheets/2027-W04", f.marie))
        .await
        .expect(200);
    assert_eq!(next.json["version"], 0, "copying saves nothing");

    // Submit: the sheet's state shows.
    let r = post_form(
        &app,
        &marie,
        "/time/submit",
        &[kv("week", WEEK), kv("version", "1")],
    )
    .await
    .expect(303);
    assert!(r.header("location").unwrap().contains("done=submitted"));
    let r = get_page(&app, &marie, &format!("/time?week={WEEK}"))
        .await
        .expect(200);
    assert!(r.text.contains("Submitted"));
    assert!(
        r.text.contains("readonly"),
        "a submitted sheet is not written"
    );
    let _ = (f.t3, f.p1, f.bob, f.paris, f.chicago);
}

async fn grid_shows_findings_on_their_cells(app: TestApp) {
    let f = setup(&app, "forbid").await;
    let marie = login(&app, "marie@tp.example").await;
    // The check: nothing saved, findings with their task and day; a cell that is no time.
    let r = post_form(
        &app,
        &marie,
        "/time/check",
        &[
            kv("week", WEEK),
            cell(&f.t1, "2027-01-23", "2"),
            cell(&f.t1, "2027-01-20", "1"),
            cell(&f.t2, "2027-01-18", "abc"),
        ],
    )
    .await
    .expect(200);
    assert!(r.text.contains("id=\"grid-findings\""), "{}", r.text);
    let sat = format!(
        "data-kind=\"error\" data-task=\"{}\" data-date=\"2027-01-23\"",
        f.t1
    );
    assert!(r.text.contains(&sat), "{}", r.text);
    assert!(r.text.contains("not a working day"));
    assert!(r.text.contains(&format!(
        "data-kind=\"warn\" data-task=\"{}\" data-date=\"2027-01-20\"",
        f.t1
    )));
    assert!(r.text.contains("is not a time like 7.5"));
    assert_eq!(
        app.get(&format!("/api/v1/people/{}/timesheets/{WEEK}", f.marie))
            .await
            .json["version"],
        0
    );

    // A save that breaks a forbid rule: 422, the grid again with the entered values and the
    // finding on its cell; a day over the limit is marked on the day's total.
    let r = post_form(
        &app,
        &marie,
        "/time",
        &[
            kv("week", WEEK),
            kv("version", "0"),
            cell(&f.t1, "2027-01-23", "2"),
            cell(&f.t1, "2027-01-18", "8"),
            cell(&f.t2, "2027-01-18", "3"),
        ],
    )
    .await
    .expect(422);
    let sat = td(&r.text, &f.t1, "2027-01-23");
    assert!(sat.contains("cell-error"), "{sat}");
    assert!(sat.contains("not a working day"), "{sat}");
    assert!(sat.contains("value=\"2\""));
    assert!(r.text.contains("breaks the site"), "{}", r.text);
    let day = r
        .text
        .split("class=\"total day-total ")
        .nth(1)
        .unwrap()
        .split("</td>")
        .next()
        .unwrap();
    assert!(day.contains("cell-error"), "{day}");

    // A warning is saved and shown on its cell when the week is read again.
    post_form(
        &app,
        &marie,
        "/time",
        &[
            kv("week", WEEK),
            kv("version", "0"),
            cell(&f.t1, "2027-01-20", "4"),
        ],
    )
    .await
    .expect(303);
    let r = get_page(&app, &marie, &format!("/time?week={WEEK}"))
        .await
        .expect(200);
    let wed = td(&r.text, &f.t1, "2027-01-20");
    assert!(
        wed.contains("cell-warn") && wed.contains("holiday"),
        "{wed}"
    );
    // A cell that is no time is refused before the service, marked on its cell.
    let r = post_form(
        &app,
        &marie,
        "/time",
        &[
            kv("week", WEEK),
            kv("version", "1"),
            cell(&f.t2, "2027-01-19", "7:75"),
        ],
    )
    .await
    .expect(422);
    assert!(td(&r.text, &f.t2, "2027-01-19").contains("cell-error"));
}

async fn grid_is_for_the_person_and_their_pso(app: TestApp) {
    let f = setup(&app, "forbid").await;
    let bob = login(&app, "bob@tp.example").await;
    let url = format!("/people/{}/time?week={WEEK}", f.marie);
    let r = get_page(&app, &bob, &url).await.expect(403);
    assert!(!r.text.contains("Design"));
    post_form(
        &app,
        &bob,
        &format!("/people/{}/time", f.marie),
        &[
            kv("week", WEEK),
            kv("version", "0"),
            cell(&f.t1, "2027-01-18", "1"),
        ],
    )
    .await
    .expect(403);
    post_form(
        &app,
        &bob,
        &format!("/people/{}/time/check", f.marie),
        &[kv("week", WEEK), cell(&f.t1, "2027-01-18", "1")],
    )
    .await
    .expect(403);
    // Another site's PSO neither.
    let chi = login(&app, "psochi@tp.example").await;
    get_page(&app, &chi, &url).await.expect(403);
    // The project's manager approves the sheet but does not write it.
    let pierre = login(&app, "pierre@tp.example").await;
    get_page(&app, &pierre, &url).await.expect(403);
    // The PSO of Marie's site enters time on her behalf.
    let pso = login(&app, "pso@tp.example").await;
    let r = get_page(&app, &pso, &url).await.expect(200);
    assert!(r.text.contains("Design") && r.text.contains("on their behalf"));
    post_form(
        &app,
        &pso,
        &format!("/people/{}/time", f.marie),
        &[
            kv("week", WEEK),
            kv("version", "0"),
            cell(&f.t1, "2027-01-18", "1"),
        ],
    )
    .await
    .expect(303);
    // A user linked to no person has no week of their own.
    get_page(&app, &pso, "/time").await.expect(403);
}

async fn my_work_and_approvals(app: TestApp) {
    let f = setup(&app, "warn").await;
    // A project starting today, scheduled: its task assigned to Marie is this week's work.
    let today = chrono::Utc::now().date_naive().to_string();
    let org_bu = app.get(&format!("/api/v1/projects/{}", f.p1)).await.json["business_unit_id"]
        .as_str()
        .unwrap()
        .to_string();
    let now = app
        .post(
            "/api/v1/projects",
            json!({"code": "NOW-1", "name": "Now", "site_id": f.paris,
                   "business_unit_id": org_bu, "start_date": today, "status": "active"}),
        )
        .await
        .expect(201)
        .id();
    let current = app.task(&now, "Current work").await;
    app.post(
        &format!("/api/v1/tasks/{current}/assignments"),
        json!({"person_id": f.marie}),
    )
    .await
    .expect(201);
    app.post(&format!("/api/v1/projects/{now}/schedule"), json!({}))
        .await
        .expect(200);
    let marie = login(&app, "marie@tp.example").await;
    // A member lands on "My work".
    let r = get_page(&app, &marie, "/").await.expect(303);
    assert_eq!(r.header("location").as_deref(), Some("/my-work"));
    let r = get_page(&app, &marie, "/my-work").await.expect(200);
    assert!(
        r.text.contains("My work") && r.text.contains("Current work"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("Design"), "not scheduled in these weeks");
    assert!(r.text.contains("Last week&#x27;s sheet") || r.text.contains("Last week's sheet"));
    // Others land on the portfolio.
    let pierre = login(&app, "pierre@tp.example").await;
    get_page(&app, &pierre, "/").await.expect(200);

    // Two submitted weeks.
    for (week, day) in [("2027-W03", "2027-01-18"), ("2027-W04", "2027-01-25")] {
        post_form(
            &app,
            &marie,
            "/time",
            &[kv("week", week), kv("version", "0"), cell(&f.t1, day, "6")],
        )
        .await
        .expect(303);
        post_form(
            &app,
            &marie,
            "/time/submit",
            &[kv("week", week), kv("version", "1")],
        )
        .await
        .expect(303);
    }
    // The manager's inbox: both sheets, the project's line with its hours.
    let r = get_page(&app, &pierre, "/time/approvals").await.expect(200);
    assert!(r.text.contains("Marie Member") && r.text.contains("2027-W03"));
    assert!(r.text.contains("2027-W04") && r.text.contains("TS1"));
    assert!(r.text.contains("6:00"));
    // A member has nothing to approve.
    let bob = login(&app, "bob@tp.example").await;
    let r = get_page(&app, &bob, "/time/approvals").await.expect(200);
    assert!(!r.text.contains("Marie Member"));

    // Bulk: the W03 sheet at its version and the W04 sheet at an old one (412).
    let r = post_form(
        &app,
        &pierre,
        "/time/approvals/bulk",
        &[
            kv("sheet", &format!("{}|2027-W03|2", f.marie)),
            kv("sheet", &format!("{}|2027-W04|1", f.marie)),
        ],
    )
    .await
    .expect(200);
    assert!(
        r.text.contains("approved (the sheet is now approved)"),
        "{}",
        r.text
    );
    assert!(r.text.contains("changed meanwhile (412)"), "{}", r.text);
    let w3 = app
        .get(&format!("/api/v1/people/{}/timesheets/2027-W03", f.marie))
        .await
        .expect(200);
    assert_eq!(w3.json["state"], "approved");
    let r = get_page(&app, &pierre, "/time/approvals").await.expect(200);
    assert!(!r.text.contains("2027-W03") && r.text.contains("2027-W04"));

    // Reject the other with a reason: Marie sees it on "My work" and on the grid.
    post_form(
        &app,
        &pierre,
        "/time/approvals/reject",
        &[
            kv("person_id", &f.marie),
            kv("week", "2027-W04"),
            kv("version", "2"),
            kv("reason", "Wrong task"),
        ],
    )
    .await
    .expect(303);
    let r = get_page(&app, &marie, "/my-work").await.expect(200);
    assert!(r.text.contains("Wrong task") && r.text.contains("2027-W04"));
    let r = get_page(&app, &marie, "/time?week=2027-W04")
        .await
        .expect(200);
    assert!(r.text.contains("id=\"rejection\"") && r.text.contains("Wrong task"));
    // Nothing waits any more.
    let r = get_page(&app, &pierre, "/time/approvals").await.expect(200);
    assert!(r.text.contains("id=\"inbox-empty\""));
}

async fn site_time_page(app: TestApp) {
    let f = setup(&app, "warn").await;
    let pso = login(&app, "pso@tp.example").await;
    let url = format!("/sites/{}/time", f.paris);
    let r = get_page(&app, &pso, &format!("{url}?week={WEEK}"))
        .await
        .expect(200);
    assert!(
        r.text.contains("2027-01-01") && r.text.contains("10 h"),
        "{}",
        r.text
    );
    assert!(r.text.contains("admin@test.example"), "who set the rules");
    // Nobody has submitted W03: the site's people are listed, with "Remind now", which
    // queues the reminders at once (a member may not).
    assert!(r.text.contains("Marie Member") && r.text.contains("Bob Other"));
    assert!(r.text.contains("Remind now"));
    let r = post_form(&app, &pso, &format!("{url}/remind"), &[kv("week", WEEK)])
        .await
        .expect(303);
    let back = r.header("location").unwrap();
    assert!(back.contains("reminded="), "{back}");
    let r = get_page(&app, &pso, &back).await.expect(200);
    assert!(r.text.contains("reminder messages queued"), "{}", r.text);
    let marie = login(&app, "marie@tp.example").await;
    post_form(&app, &marie, &format!("{url}/remind"), &[kv("week", WEEK)])
        .await
        .expect(403);
    // Set rules from a date (hours on the form), then move the lock.
    post_form(
        &app,
        &pso,
        &format!("{url}/rules"),
        &[
            kv("valid_from", "2027-02-01"),
            kv("max_hours_per_day", "9.5"),
            kv("max_hours_per_week", ""),
            kv("weekend", "forbid"),
            kv("holiday", "warn"),
            kv("within_task_dates", "allow"),
            kv("submit_by", "FRI 16:00"),
            kv("lock_after_days", ""),
        ],
    )
    .await
    .expect(303);
    let rules = app
        .get(&format!("/api/v1/sites/{}/time-rules", f.paris))
        .await
        .expect(200);
    let v = &rules.json["versions"][1];
    assert_eq!(v["max_minutes_per_day"], 570);
    assert_eq!(v["weekend"], "forbid");
    assert_eq!(v["submit_by"], "FRI 16:00");
    // A bad field is shown next to it.
    let r = post_form(
        &app,
        &pso,
        &format!("{url}/rules"),
        &[
            kv("valid_from", "2027-02-30"),
            kv("weekend", "allow"),
            kv("holiday", "allow"),
            kv("within_task_dates", "allow"),
        ],
    )
    .await
    .expect(422);
    assert!(r.text.contains("tr-from-err"), "{}", r.text);
    post_form(
        &app,
        &pso,
        &format!("{url}/lock"),
        &[kv("through", "2027-01-10")],
    )
    .await
    .expect(303);
    let r = get_page(&app, &pso, &url).await.expect(200);
    assert!(r.text.contains("2027-01-10"));
    // A member reads the rules but neither sets them nor sees who is missing.
    let marie = login(&app, "marie@tp.example").await;
    let r = get_page(&app, &marie, &format!("{url}?week={WEEK}"))
        .await
        .expect(200);
    assert!(!r.text.contains("Bob Other") && !r.text.contains("rules-form"));
    post_form(
        &app,
        &marie,
        &format!("{url}/rules"),
        &[
            kv("valid_from", "2027-03-01"),
            kv("weekend", "allow"),
            kv("holiday", "allow"),
            kv("within_task_dates", "allow"),
        ],
    )
    .await
    .expect(403);
    post_form(
        &app,
        &marie,
        &format!("{url}/lock"),
        &[kv("through", "2027-01-17")],
    )
    .await
    .expect(403);
}

async fn grid_offers_assigned_then_recent_tasks(app: TestApp) {
    let f = setup(&app, "warn").await;
    // Rules that let Marie book a task she is not assigned to.
    send(
        app.req(
            Method::PUT,
            &format!("/api/v1/sites/{}/time-rules", f.paris),
        )
        .json(&json!({"valid_from": "2027-01-01", "only_assigned_tasks": false})),
    )
    .await
    .expect(200);
    // A closed project's task assigned to her is not offered.
    let closed = app
        .post(
            "/api/v1/projects",
            json!({"code": "OLD", "name": "Old", "site_id": f.paris,
                   "business_unit_id": app.get(&format!("/api/v1/projects/{}", f.p1)).await
                       .json["business_unit_id"], "start_date": "2026-01-05",
                   "status": "active"}),
        )
        .await
        .expect(201);
    let old_task = app.task(&closed.id(), "Old work").await;
    app.post(
        &format!("/api/v1/tasks/{old_task}/assignments"),
        json!({"person_id": f.marie}),
    )
    .await
    .expect(201);
    app.patch(
        &format!("/api/v1/projects/{}", closed.id()),
        &closed.etag(),
        json!({"status": "closed"}),
    )
    .await
    .expect(200);
    // Marie booked the unassigned task in W02.
    let marie = login(&app, "marie@tp.example").await;
    post_form(
        &app,
        &marie,
        "/time",
        &[
            kv("week", "2027-W02"),
            kv("version", "0"),
            cell(&f.t3, "2027-01-12", "2"),
        ],
    )
    .await
    .expect(303);
    // W03 offers her assigned tasks first, then the recent one, marked; never the closed one.
    let r = get_page(&app, &marie, &format!("/time?week={WEEK}"))
        .await
        .expect(200);
    let design = r.text.find("Design").unwrap();
    let build = r.text.find("Build").unwrap();
    let recent = r.text.find("Unassigned").expect("the recently booked task");
    assert!(
        design < recent && build < recent,
        "assigned tasks come first"
    );
    assert!(r.text[recent..].contains("(not assigned)"));
    assert!(!r.text.contains("Old work"));
    // More than 4 weeks later it is no longer offered.
    let r = get_page(&app, &marie, "/time?week=2027-W08")
        .await
        .expect(200);
    assert!(r.text.contains("Design") && !r.text.contains("Unassigned"));
    // Copy last week into W03 brings its row and its minutes.
    let r = get_page(&app, &marie, "/time?week=2027-W03&copy=last")
        .await
        .expect(200);
    assert!(td(&r.text, &f.t3, "2027-01-19").contains("value=\"2:00\""));
}
