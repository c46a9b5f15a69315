//! Concurrent writes to one plan (issue 9, acceptance 2): 16 clients each make 200 writes to
//! the same project at once — none fails, every write and its audit event are there, and the
//! audit events' plan versions are strictly sequential (each write took the next version: the
//! writes were one after the other, none lost, none overlapping).

use crate::common::TestApp;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const CLIENTS: usize = 16;
/// Per client: half creations, half renames of the task just created (with its ETag).
const WRITES: usize = 200;

async fn sixteen_clients_write_one_plan(app: TestApp) {
    let org = app.org().await;
    let p = app.project("WRT-1", &org.paris, &org.line).await;
    let pid = p["id"].as_str().unwrap().to_string();
    let before = app
        .store
        .plan_versions(std::slice::from_ref(&pid))
        .await
        .unwrap()[&pid];

    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (http, base, token, pid) = (
            app.client.clone(),
            app.address.clone(),
            app.admin_token.clone(),
            pid.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            for i in 0..WRITES / 2 {
                let r = http
                    .post(format!("{base}/api/v1/projects/{pid}/tasks"))
                    .bearer_auth(&token)
                    .json(&json!({"name": format!("C{c} T{i}"), "duration_days": 1}))
                    .send()
                    .await
                    .unwrap();
                if r.status() != 201 {
                    failures.push(format!(
                        "create: {} {}",
                        r.status(),
                        r.text().await.unwrap()
                    ));
                    continue;
                }
                let etag = r.headers()["etag"].to_str().unwrap().to_string();
                let task: Value = r.json().await.unwrap();
                let r = http
                    .patch(format!(
                        "{base}/api/v1/tasks/{}",
                        task["id"].as_str().unwrap()
                    ))
                    .bearer_auth(&token)
                    .header("if-match", etag)
                    .json(&json!({"name": format!("C{c} T{i} done")}))
                    .send()
                    .await
                    .unwrap();
                if r.status() != 200 {
                    failures.push(format!(
                        "update: {} {}",
                        r.status(),
                        r.text().await.unwrap()
                    ));
                }
            }
            failures
        }));
    }
    let mut failures = Vec::new();
    for c in clients {
        failures.extend(c.await.unwrap());
    }
    assert!(
        failures.is_empty(),
        "{} failed, the first: {}",
        failures.len(),
        failures[0]
    );

    // Every write is there.
    let tasks = app.store.all_tasks(&pid).await.unwrap();
    assert_eq!(tasks.len(), CLIENTS * WRITES / 2);
    assert!(tasks
        .iter()
        .all(|t| t.name.ends_with(" done") && t.version == 2));
    let names: BTreeSet<&str> = tasks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names.len(), tasks.len());

    // And its audit event, with the plan version it took: strictly sequential.
    let mut events = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = app
            .store
            .audit_for_project(&pid, 1000, cursor.as_deref())
            .await
            .unwrap();
        events.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let writes: Vec<_> = events.iter().filter(|e| e.entity_type == "task").collect();
    assert_eq!(writes.len(), CLIENTS * WRITES);
    assert_eq!(
        writes.iter().filter(|e| e.action == "create").count(),
        CLIENTS * WRITES / 2
    );
    let mut versions: Vec<i64> = writes.iter().map(|e| e.plan_version.unwrap()).collect();
    versions.sort_unstable();
    let expected: Vec<i64> = (before + 1..=before + (CLIENTS * WRITES) as i64).collect();
    assert_eq!(versions, expected, "plan versions not strictly sequential");
    let after = app
        .store
        .plan_versions(std::slice::from_ref(&pid))
        .await
        .unwrap()[&pid];
    assert_eq!(after, before + (CLIENTS * WRITES) as i64);
    // The creation and the rename of one task are in that order.
    for t in &tasks {
        let of: Vec<_> = writes.iter().filter(|e| e.entity_id == t.id).collect();
        assert_eq!(of.len(), 2);
        let (c, u) = if of[0].action == "create" {
            (of[0], of[1])
        } else {
            (of[1], of[0])
        };
        assert!(c.plan_version < u.plan_version, "{c:?} {u:?}");
    }
}

both!(sixteen_clients_write_one_plan);
