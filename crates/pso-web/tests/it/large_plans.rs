//! Issue 8, finding 1 (large plans), and issue 7's "no list is cut silently": pages do bounded
//! work whatever the plan's size. A plan above the whole-plan limit is shown as a window (top
//! level first, opened on demand, the next rows on request), the Gantt likewise, the schedule
//! API pages its tasks; the people directory reaches its 1,001st person.

use crate::common::{finished, send, TestApp};
use pso_app::plan_view::{WHOLE_PLAN_MAX, WINDOW_ROWS};
use reqwest::Method;
use serde_json::{json, Value};

both!(
    a_large_plan_is_shown_as_a_window,
    the_1001st_person_is_reachable
);

/// An MSPDI file with `phases` summary tasks of `per_phase` tasks each, chained in each phase.
fn plan_file(phases: usize, per_phase: usize) -> Vec<u8> {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Project xmlns=\"http://schemas.microsoft.com/project\">\
         <Name>Large</Name><StartDate>2026-01-05T08:00:00</StartDate><Tasks>",
    );
    let mut uid = 1;
    for ph in 0..phases {
        x.push_str(&format!(
            "<Task><UID>{uid}</UID><ID>{uid}</ID><Name>Phase {ph}</Name><OutlineLevel>1</OutlineLevel>\
             <Summary>1</Summary></Task>"
        ));
        uid += 1;
        for i in 0..per_phase {
            x.push_str(&format!(
                "<Task><UID>{uid}</UID><ID>{uid}</ID><Name>Work {ph}.{i}</Name>\
                 <OutlineLevel>2</OutlineLevel><Duration>PT8H0M0S</Duration>"
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

/// The rows of the plan table (task ids, in order).
fn plan_rows(html: &str) -> Vec<String> {
    html.match_indices("<tr id=\"task-")
        .map(|(i, _)| {
            let rest = &html[i + 13..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

/// The first link (href) on the page whose text contains `text`.
fn link(html: &str, text: &str) -> Option<String> {
    let at = html.find(text)?;
    let start = html[..at].rfind("href=\"")? + 6;
    let end = start + html[start..].find('"')?;
    Some(html[start..end].replace("&amp;", "&").replace("&#38;", "&"))
}

async fn a_large_plan_is_shown_as_a_window(app: TestApp) {
    let org = app.org().await;
    let (phases, per_phase) = (40, 30); // 1,240 tasks: above the whole-plan limit
    assert!((phases * (per_phase + 1)) as i64 > WHOLE_PLAN_MAX);
    let q = format!(
        "site_id={}&business_unit_id={}&code=BIG-1",
        org.paris, org.bu
    );
    let r = send(
        app.req(Method::POST, &format!("/api/v1/imports/mspdi?{q}"))
            .header("content-type", "application/xml")
            .body(plan_file(phases, per_phase)),
    )
    .await;
    let done = finished(&app, r).await;
    let pid = done["project"]["id"]
        .as_str()
        .or_else(|| done["project_id"].as_str())
        .unwrap()
        .to_string();
    app.post(&format!("/api/v1/projects/{pid}/schedule"), json!({}))
        .await
        .expect(200);

    let (cookie, _) = app.login_as_admin().await;
    let get = |path: String| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            send(app.anon(Method::GET, &path).header("cookie", cookie))
                .await
                .expect(200)
        }
    };
    // Collapsed to the top level by default: the 40 phases, not 1,240 rows.
    let page = get(format!("/projects/{pid}")).await;
    let rows = plan_rows(&page.text);
    assert_eq!(rows.len(), phases, "top level only");
    assert!(page.text.contains("1240 tasks"), "the total is said");
    assert!(page.text.len() < 2_000_000);
    // Opening a phase shows its tasks under it.
    let open = link(&page.text, "Open its 30 subtasks").expect("a toggle");
    let opened = get(open).await;
    let rows = plan_rows(&opened.text);
    assert_eq!(rows.len(), phases + per_phase);
    assert!(opened.text.contains("Work 0.29"));
    // Level 2 everywhere: a window of WINDOW_ROWS rows, then the next rows on request.
    let all = get(format!("/projects/{pid}?level=2")).await;
    let first = plan_rows(&all.text);
    assert_eq!(first.len(), WINDOW_ROWS);
    let next = link(&all.text, "Show the next rows").expect("a next link");
    let second = plan_rows(&get(next).await.text);
    assert_eq!(second.len(), WINDOW_ROWS);
    let twice: Vec<&String> = first.iter().filter(|id| second.contains(id)).collect();
    assert!(
        twice.is_empty(),
        "no row twice: {} of them; next link {:?}",
        twice.len(),
        link(&all.text, "Show the next rows")
    );
    // The rows continue in WBS order: the second window starts where the first stopped.
    let api_tasks = app
        .get(&format!("/api/v1/projects/{pid}/tasks?limit=1000"))
        .await
        .expect(200);
    assert!(
        api_tasks.json["next_cursor"].is_string(),
        "the task API pages"
    );

    // The Gantt shows the same window, and its page stays small.
    let gantt = get(format!("/projects/{pid}/gantt")).await;
    assert!(gantt.text.len() < 2_000_000, "{} bytes", gantt.text.len());
    assert_eq!(gantt.text.matches("class=\"group-bar\"").count(), phases);
    let gantt2 = get(format!("/projects/{pid}/gantt?level=2")).await;
    assert!(link(&gantt2.text, "Next rows").is_some());

    // The schedule API pages its tasks too.
    let s = app
        .get(&format!("/api/v1/projects/{pid}/schedule?limit=500"))
        .await
        .expect(200);
    assert_eq!(s.json["tasks"].as_array().unwrap().len(), 500);
    let cursor = s.json["next_cursor"].as_str().unwrap().to_string();
    let s2 = app
        .get(&format!(
            "/api/v1/projects/{pid}/schedule?limit=1000&cursor={cursor}"
        ))
        .await
        .expect(200);
    assert_eq!(
        500 + s2.json["tasks"].as_array().unwrap().len(),
        phases * (per_phase + 1)
    );
    assert!(s2.json["next_cursor"].is_null());
}

async fn the_1001st_person_is_reachable(app: TestApp) {
    let org = app.org().await;
    // 1,001 people (the org already has one), written in one go through the store.
    let sys = pso_store::Actor::system("test");
    for i in 0..1000 {
        let p = pso_domain::model::PersonInput {
            name: format!("Person {i:04}"),
            email: Some(format!("p{i:04}@test.example")),
            site_id: org.chicago.clone(),
            skills: vec![],
            manager_id: None,
        }
        .validate()
        .unwrap();
        app.store.create_person(&sys, &p).await.unwrap();
    }
    let (cookie, _) = app.login_as_admin().await;
    // The people page pages through everyone: the last one is on some page.
    let last = "Person 0999";
    let mut href = "/people".to_string();
    let mut seen = 0;
    let mut found = false;
    for _ in 0..100 {
        let page = send(app.anon(Method::GET, &href).header("cookie", &cookie))
            .await
            .expect(200);
        seen += page.text.matches("href=\"/people/").count();
        if page.text.contains(last) {
            found = true;
            break;
        }
        match link(&page.text, "Next page") {
            Some(h) => href = h,
            None => break,
        }
    }
    assert!(found, "the 1,001st person is reachable ({seen} rows seen)");
    // The search finds them directly.
    let page = send(
        app.anon(Method::GET, "/people?q=0999")
            .header("cookie", &cookie),
    )
    .await
    .expect(200);
    assert!(page.text.contains(last));
    // A person picker says how many it lists and searches everyone.
    let portfolio = send(app.anon(Method::GET, "/projects").header("cookie", &cookie))
        .await
        .expect(200);
    assert!(
        portfolio.text.contains("Search all 1001 people"),
        "the picker offers a search"
    );
    let options = send(
        app.anon(Method::GET, "/people/options?person_q=0999&empty=Nobody")
            .header("cookie", &cookie),
    )
    .await
    .expect(200);
    assert!(options.text.contains(last), "{}", options.text);
    // The API pages people too.
    let api: Value = app.get("/api/v1/people?limit=1000").await.expect(200).json;
    assert_eq!(api["items"].as_array().unwrap().len(), 1000);
    assert!(api["next_cursor"].is_string());
}
