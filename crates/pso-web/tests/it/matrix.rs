//! Issue 8, acceptance 2: every route × every scoped role × an object outside the caller's
//! scope. The routes come from the served OpenAPI document and from the page table the router
//! is built from, so a route added later is checked without anyone remembering to.
//!
//! The foreign objects belong to project `OUT-1` (site CHI, unit OPS); every role below holds
//! its grants on site PAR, unit ENG or project IN-1. For each route and method the test sends a
//! request naming a foreign object (or, for collections, asking in the foreign scope) and
//! checks: never a 5xx; never a byte of the foreign project (its id, code, task names and ids);
//! on routes of a foreign project's objects, 404 (outside the read scope) or 403; writes leave
//! the foreign project unchanged. The organisation directory (people, sites, units) is
//! readable by everyone by design, and the standards office reads every project: for them the
//! test checks that writes are refused.

use crate::common::{send, TestApp};
use reqwest::Method;
use serde_json::json;
use std::collections::BTreeMap;

both!(every_route_refuses_foreign_objects_to_every_role);

/// What the foreign project holds, and the words that must never leak.
struct Foreign {
    ids: BTreeMap<&'static str, String>,
    markers: Vec<String>,
}

async fn foreign(app: &TestApp) -> (crate::common::Org, String, Foreign) {
    let org = app.org().await;
    let ops = app
        .post(
            "/api/v1/business-units",
            json!({"code": "OPS", "name": "Operations"}),
        )
        .await
        .expect(201)
        .id();
    let inside = app.project("IN-1", &org.paris, &org.bu).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.task(&inside, "Our own work").await;
    // The foreign project: imported (so it has an import report and a stored original).
    let xml = "<?xml version=\"1.0\"?><Project xmlns=\"http://schemas.microsoft.com/project\">\
        <Name>Out</Name><StartDate>2026-03-02T08:00:00</StartDate><Tasks>\
        <Task><UID>1</UID><ID>1</ID><Name>Zebra secret prototype</Name><OutlineLevel>1</OutlineLevel><Duration>PT16H0M0S</Duration></Task>\
        <Task><UID>2</UID><ID>2</ID><Name>Zebra secret assembly</Name><OutlineLevel>1</OutlineLevel><Duration>PT16H0M0S</Duration>\
        <PredecessorLink><PredecessorUID>1</PredecessorUID><Type>1</Type><LinkLag>0</LinkLag></PredecessorLink></Task>\
        </Tasks></Project>";
    let r = send(
        app.req(
            Method::POST,
            &format!(
                "/api/v1/imports/mspdi?site_id={}&business_unit_id={ops}&code=OUT-1",
                org.chicago
            ),
        )
        .header("content-type", "application/xml")
        .body(xml),
    )
    .await;
    let done = crate::common::finished(app, r).await;
    let out = done["project"]["id"]
        .as_str()
        .or_else(|| done["project_id"].as_str())
        .unwrap()
        .to_string();
    let tasks = app
        .get(&format!("/api/v1/projects/{out}/tasks"))
        .await
        .expect(200)
        .items();
    let task = tasks[0]["id"].as_str().unwrap().to_string();
    let dep = app
        .get(&format!("/api/v1/projects/{out}/dependencies"))
        .await
        .expect(200)
        .items()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let bob = app
        .post(
            "/api/v1/people",
            json!({"name": "Bob Chicago", "site_id": org.chicago}),
        )
        .await
        .expect(201)
        .id();
    let asg = app
        .post(
            &format!("/api/v1/tasks/{task}/assignments"),
            json!({"person_id": bob, "units": 1.0}),
        )
        .await
        .expect(201)
        .id();
    app.post(&format!("/api/v1/projects/{out}/schedule"), json!({}))
        .await
        .expect(200);
    // Bob's submitted timesheet on the foreign task (written by an administrator for him).
    let sheet = format!("/api/v1/people/{bob}/timesheets/{WEEK}");
    send(
        app.req(Method::PUT, &sheet)
            .header("if-match", "\"0\"")
            .json(
                &json!({"entries": [{"task_id": task, "date": "2026-03-03", "minutes": 60,
                "comment": "Zebra hours"}]}),
            ),
    )
    .await
    .expect(200);
    app.post_with_if_match(&format!("{sheet}/submit"), "\"1\"", json!({}))
        .await
        .expect(200);
    let baseline = app
        .post(
            &format!("/api/v1/projects/{out}/baselines"),
            json!({"name": "Zebra baseline"}),
        )
        .await
        .expect(201)
        .id();
    let token = app.get("/api/v1/tokens").await.expect(200).items()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut ids = BTreeMap::new();
    ids.insert("projects", out.clone());
    ids.insert("tasks", task.clone());
    ids.insert("dependencies", dep.clone());
    ids.insert("assignments", asg.clone());
    ids.insert("baselines", baseline.clone());
    ids.insert("people", bob);
    ids.insert("sites", org.chicago.clone());
    ids.insert("business-units", ops.clone());
    ids.insert("users", app.admin.id.clone());
    ids.insert("tokens", token);
    let mut markers = vec![out.clone(), task, dep, asg, baseline, "OUT-1".into()];
    markers.push("Zebra".into());
    for t in &tasks {
        markers.push(t["id"].as_str().unwrap().to_string());
    }
    (org, ops, Foreign { ids, markers })
}

/// The week of the foreign person's timesheet.
const WEEK: &str = "2026-W10";

/// The foreign object a path names: by the collection before `{id}` (and the week of the
/// foreign timesheet).
fn fill(path: &str, f: &Foreign) -> Option<String> {
    let path = path.replace("{week}", WEEK);
    let path = path.as_str();
    if !path.contains("{id}") {
        return Some(path.to_string());
    }
    let before = path.split("/{id}").next()?;
    let kind = before.rsplit('/').next()?;
    let kind = match kind {
        "admin" => return None,
        k => k,
    };
    let id = f
        .ids
        .get(kind)
        .cloned()
        .unwrap_or_else(|| f.ids["projects"].clone());
    Some(path.replace("{id}", &id))
}

/// Routes on the caller's own objects (their tokens, themselves, their jobs' list).
fn own(path: &str, method: &str) -> bool {
    matches!(
        (path, method),
        ("/api/v1/me", _)
            | ("/api/v1/tokens", _)
            | ("/api/v1/openapi.json", _)
            | ("/logout", _)
            | ("/api/v1/jobs", "get")
            | ("/people/options", _)
    )
}

async fn every_route_refuses_foreign_objects_to_every_role(app: TestApp) {
    let (org, _ops, f) = foreign(&app).await;
    let out = f.ids["projects"].clone();
    let before = app.get(&format!("/api/v1/projects/{out}")).await.json;
    let out_tasks_before = app.get(&format!("/api/v1/projects/{out}/tasks")).await.json;
    // Scoped roles. The standards office reads everywhere; the others must not see OUT-1.
    let password = "correct horse battery";
    let roles = [
        ("pmo", "business_unit:ENG", false),
        ("pso", "site:PAR", false),
        ("project_manager", "project:IN-1", false),
        ("member", "project:IN-1", false),
        ("executive", "business_unit:ENG", false),
        ("qa", "site:PAR", false),
        ("standards", "site:PAR", true),
    ];
    let doc = send(app.anon(Method::GET, "/api/v1/openapi.json"))
        .await
        .expect(200)
        .json;
    let mut api: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&m.as_str()) {
                api.push((path.clone(), m.clone()));
            }
        }
    }
    assert!(api.len() > 30, "the document lists the API: {}", api.len());
    let pages: Vec<(String, String)> = pso_web::page_table(1 << 20)
        .entries()
        .iter()
        .flat_map(|(p, ms)| ms.iter().map(move |m| (p.to_string(), m.to_string())))
        .collect();
    assert!(pages.len() > 30, "the page table: {}", pages.len());
    let mut checked = 0;
    for (role, scope, reads_out) in roles {
        let email = format!("{role}@matrix.example");
        let (_, token) = app.user_with(&email, &[(role, scope)]).await;
        let pw_email = format!("{role}.web@matrix.example");
        app.user_with_password(&pw_email, &[(role, scope)], password)
            .await;
        let (cookie, csrf) = app.session(&pw_email, password).await;
        for (template, m) in &api {
            if own(template, m) || template == "/healthz" {
                continue;
            }
            let Some(path) = fill(template, &f) else {
                continue;
            };
            let method = Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
            let mut rb = app.with(&token, method, &path).header("if-match", "\"1\"");
            // Collections are asked in the foreign scope.
            let body = match (template.as_str(), m.as_str()) {
                ("/api/v1/projects", "post") => json!({"code": "MX-1", "name": "x",
                    "site_id": org.chicago, "business_unit_id": f.ids["business-units"],
                    "start_date": "2026-01-05"}),
                ("/api/v1/people", "post") => json!({"name": "x", "site_id": org.chicago}),
                _ => json!({}),
            };
            if template.ends_with("/imports/mspdi") {
                rb = app
                    .with(
                        &token,
                        Method::POST,
                        &format!(
                            "{path}?site_id={}&business_unit_id={}&code=MX-2",
                            org.chicago, f.ids["business-units"]
                        ),
                    )
                    .header("content-type", "application/xml")
                    .body("<Project xmlns=\"http://schemas.microsoft.com/project\"/>");
            } else if m == "post" || m == "patch" || m == "put" {
                rb = rb.json(&body);
            }
            if template == "/api/v1/audit-events" {
                rb = app.with(
                    &token,
                    Method::GET,
                    &format!("{path}?entity_type=project&entity_id={out}"),
                );
            }
            let r = send(rb).await;
            let what = format!("{role} {m} {path}: {} {}", r.status, r.text);
            assert!(r.status.as_u16() < 500, "{what}");
            let foreign_route = path.contains(&out)
                || f.ids.iter().any(|(k, id)| {
                    !["people", "sites", "business-units", "users", "tokens"].contains(k)
                        && path.contains(id.as_str())
                });
            if !reads_out {
                for mk in &f.markers {
                    assert!(!r.text.contains(mk.as_str()), "leaks {mk}: {what}");
                }
                if foreign_route {
                    assert!(
                        [403, 404].contains(&r.status.as_u16()),
                        "a foreign object must be 404 (or 403): {what}"
                    );
                }
            }
            // Another site's person's timesheet: no role here writes, approves or reads it (an
            // empty body to reject or reopen is refused before: 422 for its missing reason).
            if template.contains("{week}") {
                assert!(
                    [403, 422].contains(&r.status.as_u16()),
                    "another site's timesheet: {what}"
                );
                assert!(
                    r.status.as_u16() == 403 || r.text.contains("reason"),
                    "{what}"
                );
            }
            if m != "get" {
                assert!(
                    !r.status.is_success() || !foreign_route,
                    "a write on a foreign object succeeded: {what}"
                );
                if [
                    "/api/v1/projects",
                    "/api/v1/people",
                    "/api/v1/imports/mspdi",
                ]
                .contains(&template.as_str())
                    && m == "post"
                {
                    assert!(
                        [403, 404, 422].contains(&r.status.as_u16()),
                        "creating in a foreign scope: {what}"
                    );
                }
            }
            checked += 1;
        }
        for (template, m) in &pages {
            if own(template, m) {
                continue;
            }
            let Some(path) = fill(template, &f) else {
                continue;
            };
            let rb = match m.as_str() {
                "get" => app.anon(Method::GET, &path),
                _ => app.anon(Method::POST, &path).form(&[
                    ("csrf_token", csrf.as_str()),
                    ("version", "1"),
                    ("name", "Matrix"),
                    ("site_id", org.chicago.as_str()),
                    ("business_unit_id", f.ids["business-units"].as_str()),
                    ("code", "MX-3"),
                    ("start_date", "2026-01-05"),
                ]),
            };
            let r = send(rb.header("cookie", &cookie)).await;
            let what = format!("{role} page {m} {path}: {}", r.status);
            assert!(r.status.as_u16() < 500, "{what}: {}", r.text);
            let foreign_route = path.contains(&out)
                || ["tasks", "dependencies"]
                    .iter()
                    .any(|k| path.contains(f.ids[k].as_str()));
            if !reads_out {
                for mk in &f.markers {
                    assert!(!r.text.contains(mk.as_str()), "leaks {mk}: {what}");
                }
                if foreign_route {
                    assert!(
                        [403, 404].contains(&r.status.as_u16()),
                        "a foreign page must be 404 (or 403): {what}"
                    );
                }
            }
            if m != "get" && foreign_route {
                assert!(
                    !(r.status.is_success() || r.status.is_redirection()),
                    "a write on a foreign object went through: {what}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 400, "{checked} checks");
    // Nothing of the foreign project changed.
    let after = app.get(&format!("/api/v1/projects/{out}")).await.json;
    assert_eq!(before, after);
    let out_tasks_after = app.get(&format!("/api/v1/projects/{out}/tasks")).await.json;
    assert_eq!(out_tasks_before, out_tasks_after);
}
