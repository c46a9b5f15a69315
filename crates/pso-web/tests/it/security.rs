//! Issue 8: what an attack on the demo found, each kept fixed by a test on both databases.
//! (Finding 1, large plans, is in `large_plans.rs`; finding 6, stale grants, in `grants.rs`.)

use crate::common::{send, Resp, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr};

both!(
    login_throttling_cannot_be_raced_per_account,
    login_throttling_cannot_be_raced_per_client,
    login_backs_off_and_stays_open_to_clean_clients,
    cross_site_login_is_refused,
    tokens_end_with_a_password_change_and_can_all_be_revoked,
    import_follows_the_plan_rules,
    one_broken_project_does_not_stop_the_portfolio,
    import_creates_only_people_the_importer_may_create,
    explanations_do_not_name_tasks_outside_the_readers_scope,
    control_characters_are_refused_in_text,
    dates_stay_in_the_supported_range,
    limits_are_configurable_and_named,
);

const PASSWORD: &str = "correct horse battery";

/// A sign-in through the login form from `client` (a loopback address of the test's choosing).
async fn login_from(app: &TestApp, client: Ipv4Addr, email: &str, password: &str) -> Resp {
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(IpAddr::V4(client))
        .build()
        .unwrap();
    send(
        c.post(app.url("/login"))
            .form(&[("email", email), ("password", password)]),
    )
    .await
}

fn tally(rs: &[Resp]) -> (usize, usize, usize) {
    let n = |s: u16| rs.iter().filter(|r| r.status.as_u16() == s).count();
    (n(303), n(401), n(429))
}

/// Finding 2: 30 simultaneous sign-ins on one account (29 wrong, 1 right) from one client:
/// only the free tries reach the password check; the rest are refused before it.
async fn login_throttling_cannot_be_raced_per_account(app: TestApp) {
    app.user_with_password("tim@test.example", &[("member", "global")], PASSWORD)
        .await;
    let home = Ipv4Addr::new(127, 0, 0, 1);
    let mut tasks = Vec::new();
    for i in 0..30 {
        let app_url = app.url("/login");
        let pw = if i == 17 {
            PASSWORD.to_string()
        } else {
            format!("wrong guess {i}")
        };
        tasks.push(tokio::spawn(async move {
            let c = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .local_address(IpAddr::V4(home))
                .build()
                .unwrap();
            send(
                c.post(app_url)
                    .form(&[("email", "tim@test.example"), ("password", pw.as_str())]),
            )
            .await
        }));
    }
    let mut rs = Vec::new();
    for t in tasks {
        rs.push(t.await.unwrap());
    }
    let (ok, wrong, throttled) = tally(&rs);
    assert_eq!(ok + wrong + throttled, 30, "{:?}", rs);
    let free = pso_domain::signin::FREE_TRIES as usize;
    assert!(
        ok + wrong <= free,
        "only {free} attempts may reach the password check: {ok} signed in, {wrong} wrong"
    );
    assert!(throttled >= 30 - free);
    for r in rs
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
    {
        assert!(r.header("retry-after").is_some());
        assert!(r.header("set-cookie").is_none());
    }
}

/// Finding 2: 100 simultaneous wrong sign-ins from one address on 100 accounts: exactly the
/// per-client limit is checked, the rest get 429.
async fn login_throttling_cannot_be_raced_per_client(app: TestApp) {
    let home = Ipv4Addr::new(127, 0, 0, 1);
    let mut tasks = Vec::new();
    for i in 0..100 {
        let url = app.url("/login");
        tasks.push(tokio::spawn(async move {
            let c = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .local_address(IpAddr::V4(home))
                .build()
                .unwrap();
            let email = format!("nobody{i}@test.example");
            send(
                c.post(url)
                    .form(&[("email", email.as_str()), ("password", "whatever it is")]),
            )
            .await
        }));
    }
    let mut rs = Vec::new();
    for t in tasks {
        rs.push(t.await.unwrap());
    }
    let (ok, wrong, throttled) = tally(&rs);
    let limit = pso_domain::signin::MAX_PER_CLIENT as usize;
    assert_eq!((ok, wrong, throttled), (0, limit, 100 - limit));
}

/// Finding 9: no hard lock. A client that keeps failing waits (back-off); the right password
/// from a client that has not failed works at once, the admin's included.
async fn login_backs_off_and_stays_open_to_clean_clients(app: TestApp) {
    app.user_with_password("ada@test.example", &[("admin", "global")], PASSWORD)
        .await;
    let attacker = Ipv4Addr::new(127, 0, 0, 1);
    let owner = Ipv4Addr::new(127, 0, 0, 2);
    for i in 0..3 {
        login_from(&app, attacker, "ada@test.example", &format!("guess {i}"))
            .await
            .expect(401);
    }
    let r = login_from(&app, attacker, "ada@test.example", PASSWORD)
        .await
        .expect(429);
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(
        (1..=2).contains(&wait),
        "a short back-off, not a lock: {wait}"
    );
    // The owner, elsewhere, signs in at once.
    login_from(&app, owner, "ada@test.example", PASSWORD)
        .await
        .expect(303);
    // After the back-off the attacker's client may try again (and the right password works).
    tokio::time::sleep(std::time::Duration::from_secs(wait + 1)).await;
    login_from(&app, attacker, "ada@test.example", PASSWORD)
        .await
        .expect(303);
}

/// Finding 9: a sign-in form posted from another site is refused (login CSRF).
async fn cross_site_login_is_refused(app: TestApp) {
    app.user_with_password("sam@test.example", &[("member", "global")], PASSWORD)
        .await;
    let form = [("email", "sam@test.example"), ("password", PASSWORD)];
    for (h, v) in [
        ("origin", "https://evil.example"),
        ("referer", "https://evil.example/page"),
        ("sec-fetch-site", "cross-site"),
        ("origin", "null"),
    ] {
        let r = send(app.anon(Method::POST, "/login").header(h, v).form(&form)).await;
        assert_eq!(r.status.as_u16(), 403, "{h}: {v}");
        assert!(r.header("set-cookie").is_none());
    }
    let own = app.address.clone();
    send(
        app.anon(Method::POST, "/login")
            .header("origin", own.as_str())
            .header("sec-fetch-site", "same-origin")
            .form(&form),
    )
    .await
    .expect(303);
    // The pages' policy: no <base> and forms post only to PSO.
    let csp = app
        .anon(Method::GET, "/login")
        .send()
        .await
        .unwrap()
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("base-uri 'none'"), "{csp}");
    assert!(csp.contains("form-action 'self'"), "{csp}");
}

/// Finding 9: a new password ends the user's tokens; the owner can revoke all at once.
async fn tokens_end_with_a_password_change_and_can_all_be_revoked(app: TestApp) {
    let (u, token) = app
        .user_with("kim@test.example", &[("member", "global")])
        .await;
    let second = app
        .post_as(&token, "/api/v1/tokens", json!({"label": "laptop"}))
        .await
        .expect(201)
        .json["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.get_as(&second, "/api/v1/me").await.expect(200);
    // The owner revokes every token at once.
    send(app.with(&second, Method::DELETE, "/api/v1/tokens"))
        .await
        .expect(204);
    for t in [&token, &second] {
        app.get_as(t, "/api/v1/me")
            .await
            .problem(401, "unauthorized");
    }
    // A password change revokes the tokens made before it.
    let (fresh, _) = pso_web::auth::issue_token(&app.store, &u.id, "again")
        .await
        .unwrap();
    app.get_as(&fresh, "/api/v1/me").await.expect(200);
    let cur = app
        .get(&format!("/api/v1/users/{}", u.id))
        .await
        .expect(200);
    app.patch(
        &format!("/api/v1/users/{}", u.id),
        &cur.etag(),
        json!({"password": "another long password"}),
    )
    .await
    .expect(200);
    app.get_as(&fresh, "/api/v1/me")
        .await
        .problem(401, "unauthorized");
}

/// A minimal MS Project file: tasks (uid, name) and links (predecessor, successor).
fn mspdi(tasks: &[(i64, &str)], links: &[(i64, i64)]) -> Vec<u8> {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Project xmlns=\"http://schemas.microsoft.com/project\">\
         <Name>Cycle</Name><StartDate>2026-01-05T08:00:00</StartDate><Tasks>",
    );
    for (uid, name) in tasks {
        x.push_str(&format!(
            "<Task><UID>{uid}</UID><ID>{uid}</ID><Name>{name}</Name><OutlineLevel>1</OutlineLevel>\
             <Duration>PT16H0M0S</Duration>"
        ));
        for (p, s) in links {
            if s == uid {
                x.push_str(&format!(
                    "<PredecessorLink><PredecessorUID>{p}</PredecessorUID><Type>1</Type>\
                     <LinkLag>0</LinkLag></PredecessorLink>"
                ));
            }
        }
        x.push_str("</Task>");
    }
    x.push_str("</Tasks></Project>");
    x.into_bytes()
}

async fn import_as(app: &TestApp, token: &str, query: &str, body: Vec<u8>) -> Resp {
    send(
        app.with(
            token,
            Method::POST,
            &format!("/api/v1/imports/mspdi?{query}"),
        )
        .header("content-type", "application/xml")
        .body(body),
    )
    .await
}

async fn people(app: &TestApp) -> usize {
    app.get("/api/v1/people?limit=1000")
        .await
        .expect(200)
        .items()
        .len()
}

/// The job an import was submitted as, followed to its end (the import answers 202).
async fn import_job(app: &TestApp, r: Resp) -> Value {
    let id = TestApp::accepted(r);
    app.wait_job(&id).await
}

async fn project_count(app: &TestApp) -> usize {
    app.get("/api/v1/projects?limit=1000")
        .await
        .expect(200)
        .items()
        .len()
}

/// Finding 3: an imported plan passes the plan's own rules (no cycle): nothing is written.
async fn import_follows_the_plan_rules(app: TestApp) {
    let org = app.org().await;
    let before = project_count(&app).await;
    let body = mspdi(&[(1, "A"), (2, "B"), (3, "C")], &[(1, 2), (2, 1), (2, 3)]);
    let q = format!(
        "site_id={}&business_unit_id={}&code=CYC-1",
        org.paris, org.bu
    );
    // The import runs as a job: the job fails with the rule, naming the tasks.
    let job = import_job(&app, import_as(&app, &app.admin_token, &q, body).await).await;
    assert_eq!(job["state"], "failed", "{job}");
    assert_eq!(job["error"]["errors"][0]["field"], "file", "{job}");
    assert_eq!(
        job["error"]["errors"][0]["code"], "dependency_cycle",
        "{job}"
    );
    let text = job.to_string();
    assert!(text.contains("'A'") && text.contains("'B'"), "{text}");
    assert_eq!(project_count(&app).await, before, "nothing was written");
    // Without the cycle the same file imports.
    let body = mspdi(&[(1, "A"), (2, "B"), (3, "C")], &[(1, 2), (2, 3)]);
    let job = import_job(&app, import_as(&app, &app.admin_token, &q, body).await).await;
    assert_eq!(job["state"], "done", "{job}");
}

/// Finding 3: a project whose stored plan is broken (a cycle that got in before the fix) is
/// left out of a portfolio run, named, and the others are scheduled.
async fn one_broken_project_does_not_stop_the_portfolio(app: TestApp) {
    let org = app.org().await;
    let good = app.project("GOOD-1", &org.paris, &org.bu).await;
    let bad = app.project("BAD-1", &org.paris, &org.bu).await;
    let gid = good["id"].as_str().unwrap().to_string();
    let bid = bad["id"].as_str().unwrap().to_string();
    app.task(&gid, "Fine work").await;
    let a = app.task(&bid, "Chicken").await;
    let b = app.task(&bid, "Egg").await;
    app.post(
        &format!("/api/v1/projects/{bid}/dependencies"),
        json!({"predecessor_id": a, "successor_id": b, "type": "FS", "lag_days": 0}),
    )
    .await
    .expect(201);
    // The closing link goes straight into the database, as an old import would have put it.
    sqlx::query(
        "INSERT INTO dependencies (id, version, project_id, predecessor_id, successor_id, \
         dep_type, lag_minutes, created_at, updated_at) \
         VALUES ('cycle-link', 1, $1, $2, $3, 'FS', 0, '2026-01-01T00:00:00Z', \
         '2026-01-01T00:00:00Z')",
    )
    .bind(&bid)
    .bind(&b)
    .bind(&a)
    .execute(app.store.pool())
    .await
    .unwrap();
    let r = app.post("/api/v1/portfolio/schedule", json!({})).await;
    let done = crate::common::finished(&app, r).await;
    let left: Vec<Value> = done["left_out"].as_array().cloned().unwrap_or_default();
    assert_eq!(left.len(), 1, "{done}");
    assert_eq!(left[0]["code"], "BAD-1");
    assert!(left[0]["reason"].as_str().unwrap().contains("cycle"));
    let scheduled = app
        .get(&format!("/api/v1/projects/{gid}/schedule"))
        .await
        .expect(200);
    assert_eq!(scheduled.json["tasks"].as_array().unwrap().len(), 1);
    // The broken project alone: a clear 422 naming the cycle.
    app.post(&format!("/api/v1/projects/{bid}/schedule"), json!({}))
        .await
        .invalid("dependencies");
}

/// Finding 5: an import creates people only where the importer may create people.
async fn import_creates_only_people_the_importer_may_create(app: TestApp) {
    let org = app.org().await;
    let (_, pmo) = app
        .user_with("pmo@test.example", &[("pmo", "business_unit:ENG")])
        .await;
    // The PMO may not create people at Paris through the people route…
    app.post_as(
        &pmo,
        "/api/v1/people",
        json!({"name": "Nemo", "site_id": org.paris}),
    )
    .await
    .problem(403, "forbidden");
    let file = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/handwritten_pmdatatools_simple_project.xml"),
    )
    .unwrap();
    let before = people(&app).await;
    // …nor through an import.
    let q = format!(
        "site_id={}&business_unit_id={}&code=IMP-1&create_people=true",
        org.paris, org.bu
    );
    import_as(&app, &pmo, &q, file.clone())
        .await
        .problem(403, "forbidden");
    assert_eq!(people(&app).await, before);
    // Without create_people the import goes through and creates nobody.
    let q = format!(
        "site_id={}&business_unit_id={}&code=IMP-1",
        org.paris, org.bu
    );
    let id = TestApp::accepted(import_as(&app, &pmo, &q, file).await);
    let job = app.wait_job_as(&pmo, &id).await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(people(&app).await, before);
}

/// Finding 4: a reader never sees the name of a task in a project outside their scope, in the
/// schedule's explanations or on the Gantt chart.
async fn explanations_do_not_name_tasks_outside_the_readers_scope(app: TestApp) {
    let org = app.org().await;
    let here = app.project("HERE-1", &org.paris, &org.bu).await;
    let there = app.project("THERE-1", &org.chicago, &org.bu).await;
    let hid = here["id"].as_str().unwrap().to_string();
    let tid = there["id"].as_str().unwrap().to_string();
    let secret = "Secret prototype assembly";
    let mine = app.task(&hid, "Local work").await;
    let theirs = app.task(&tid, secret).await;
    // Both tasks need the same person full time, so one waits for the other.
    for t in [&mine, &theirs] {
        app.post(
            &format!("/api/v1/tasks/{t}/assignments"),
            json!({"person_id": org.person, "units": 1.0}),
        )
        .await
        .expect(201);
    }
    // THERE-1 goes first.
    let cur = app.get(&format!("/api/v1/projects/{tid}")).await;
    app.patch(
        &format!("/api/v1/projects/{tid}"),
        &cur.etag(),
        json!({"priority": 900}),
    )
    .await
    .expect(200);
    let r = app.post("/api/v1/portfolio/schedule", json!({})).await;
    crate::common::finished(&app, r).await;

    // The admin sees whom the task waits for.
    let all = app
        .get(&format!("/api/v1/projects/{hid}/schedule"))
        .await
        .expect(200);
    let why = |r: &Resp| {
        r.json["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["task_id"] == json!(mine))
            .map(|t| t["why"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert!(why(&all).contains(secret), "{}", why(&all));
    // The PSO of Paris does not.
    let (_, pso) = app
        .user_with("pso@test.example", &[("pso", "site:PAR")])
        .await;
    let theirs_view = app
        .get_as(&pso, &format!("/api/v1/projects/{hid}/schedule"))
        .await
        .expect(200);
    let w = why(&theirs_view);
    assert!(!w.contains(secret), "{w}");
    assert!(w.contains("another project"), "{w}");
    // Nor on the Gantt page.
    app.user_with_password("pso2@test.example", &[("pso", "site:PAR")], PASSWORD)
        .await;
    let (cookie, _) = app.session("pso2@test.example", PASSWORD).await;
    let page = send(
        app.anon(Method::GET, &format!("/projects/{hid}/gantt"))
            .header("cookie", cookie),
    )
    .await
    .expect(200);
    assert!(
        !page.text.contains(secret),
        "the Gantt page names the other project's task"
    );
    assert!(page.text.contains("another project"));
}

/// Finding 7: control characters other than tab and newline are refused in every text field,
/// naming the field; text areas' CR LF becomes LF.
async fn control_characters_are_refused_in_text(app: TestApp) {
    let org = app.org().await;
    let base = |name: &str| {
        json!({"code": "CTL-1", "name": name, "site_id": org.paris,
               "business_unit_id": org.bu, "start_date": "2026-01-05"})
    };
    for bad in ["a\u{0}b", "bell\u{7}", "esc\u{1b}[31m", "del\u{7f}"] {
        let r = app
            .post("/api/v1/projects", base(bad))
            .await
            .invalid("name");
        assert_eq!(r.json["errors"][0]["code"], "control_character");
    }
    // Tab and newline are text; a carriage return is not (the API takes `\n` line breaks).
    let mut body = base("Fine\tname");
    body["description"] = json!("line one\r\nline two");
    app.post("/api/v1/projects", body.clone())
        .await
        .invalid("description");
    body["description"] = json!("line one\nline two\nthree");
    let p = app.post("/api/v1/projects", body).await.expect(201);
    assert_eq!(p.json["name"], "Fine\tname");
    assert_eq!(p.json["description"], "line one\nline two\nthree");
    // A browser's text area sends CR LF: the page turns it into LF.
    let (cookie, csrf) = app.login_as_admin().await;
    let r = send(
        app.anon(Method::POST, "/projects")
            .header("cookie", cookie)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("code", "CTL-2"),
                ("name", "From the page"),
                ("site_id", org.paris.as_str()),
                ("business_unit_id", org.bu.as_str()),
                ("start_date", "2026-01-05"),
                ("status", "active"),
                ("priority", "500"),
                ("description", "typed\r\nin a browser"),
            ]),
    )
    .await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    let made = app
        .get("/api/v1/projects?q=CTL-2")
        .await
        .expect(200)
        .items();
    assert_eq!(made[0]["description"], "typed\nin a browser");
    // Nested fields are named by their path.
    let r = app
        .post(
            "/api/v1/sites",
            json!({"code": "XX", "name": "X", "country": "FR", "time_zone": "Europe/Paris",
                   "currency": "EUR", "holidays": [{"date": "2026-05-01", "name": "May\u{0}Day"}]}),
        )
        .await;
    r.invalid("holidays[0].name");
    // A task name through the page form is refused the same way (one rule for every input).
    let pid = p.id();
    app.post(
        &format!("/api/v1/projects/{pid}/tasks"),
        json!({"name": "nul\u{0}", "duration_days": 1}),
    )
    .await
    .invalid("name");
}

/// Finding 8: dates outside 1900–2200 are refused; the scheduler reports tasks it cannot place
/// instead of storing empty dates.
async fn dates_stay_in_the_supported_range(app: TestApp) {
    let org = app.org().await;
    for bad in ["0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01"] {
        let r = app
            .post(
                "/api/v1/projects",
                json!({"code": "DATE-1", "name": "Dates", "site_id": org.paris,
                       "business_unit_id": org.bu, "start_date": bad}),
            )
            .await
            .invalid("start_date");
        assert_eq!(r.json["errors"][0]["code"], "date_out_of_range", "{bad}");
    }
    // A site that works one minute a week: a chain of long tasks runs past 2200.
    let site = app
        .post(
            "/api/v1/sites",
            json!({"code": "SLOW", "name": "Slow", "country": "FR", "time_zone": "Europe/Paris",
                   "currency": "EUR", "working_week": ["mon"],
                   "working_hours": [["09:00", "09:01"]]}),
        )
        .await
        .expect(201)
        .id();
    let p = app.project("SLOW-1", &site, &org.bu).await;
    let pid = p["id"].as_str().unwrap().to_string();
    let mut prev: Option<String> = None;
    for i in 0..3 {
        let t = app
            .post(
                &format!("/api/v1/projects/{pid}/tasks"),
                json!({"name": format!("Long {i}"), "duration_days": 5000}),
            )
            .await
            .expect(201)
            .id();
        if let Some(p) = prev {
            app.post(
                &format!("/api/v1/projects/{pid}/dependencies"),
                json!({"predecessor_id": p, "successor_id": t, "type": "FS", "lag_days": 0}),
            )
            .await
            .expect(201);
        }
        prev = Some(t);
    }
    let r = app
        .post(&format!("/api/v1/projects/{pid}/schedule"), json!({}))
        .await
        .invalid("project");
    assert!(r.text.contains("cannot be placed"), "{}", r.text);
    let stored = app
        .get(&format!("/api/v1/projects/{pid}/schedule"))
        .await
        .expect(200);
    assert_eq!(stored.json["tasks"], json!([]), "no empty dates stored");
}

/// Finding 1 (limits): tasks per project and upload size are configurable, and a refusal names
/// the limit.
async fn limits_are_configurable_and_named(mut app: TestApp) {
    let org = app.org().await;
    app.restart_with_limits(pso_app::Limits {
        max_tasks_per_project: 3,
        max_upload_bytes: 2000,
    })
    .await;
    let p = app.project("LIM-1", &org.paris, &org.bu).await;
    let pid = p["id"].as_str().unwrap().to_string();
    for i in 0..3 {
        app.task(&pid, &format!("t{i}")).await;
    }
    let r = app
        .post(
            &format!("/api/v1/projects/{pid}/tasks"),
            json!({"name": "one too many", "duration_days": 1}),
        )
        .await
        .invalid("project_id");
    assert!(r.text.contains("max_tasks_per_project"), "{}", r.text);
    let q = format!(
        "site_id={}&business_unit_id={}&code=BIG-1",
        org.paris, org.bu
    );
    let big = mspdi(&(1..=4).map(|i| (i, "T")).collect::<Vec<_>>(), &[]);
    assert!(big.len() < 2000);
    let job = import_job(&app, import_as(&app, &app.admin_token, &q, big).await).await;
    assert_eq!(job["state"], "failed", "{job}");
    assert!(job.to_string().contains("max_tasks_per_project"), "{job}");
    let huge = mspdi(
        &(1..=60)
            .map(|i| (i, "A task with a long name"))
            .collect::<Vec<_>>(),
        &[],
    );
    let r = import_as(&app, &app.admin_token, &q, huge).await;
    assert_eq!(r.status.as_u16(), 413, "{}", r.text);
    assert!(r.text.contains("max_upload_bytes"), "{}", r.text);
}
