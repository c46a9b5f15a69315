//! WBS edits through the API (issue 7, acceptance 4): indent, outdent, up, down and moves to a
//! place are one operation in one transaction, with `If-Match`, an audit event on every task
//! whose place changed, and refusals that change nothing.

use crate::common::TestApp;
use serde_json::{json, Value};

both!(wbs_moves_through_the_api);

/// (name, parent name, position) of every task, sorted by name.
async fn shape(app: &TestApp, project: &str) -> Vec<(String, Option<String>, i64)> {
    let tasks = app
        .get(&format!("/api/v1/projects/{project}/tasks?limit=1000"))
        .await
        .expect(200)
        .items();
    let name_of = |id: &Value| {
        tasks
            .iter()
            .find(|t| &t["id"] == id)
            .map(|t| t["name"].as_str().unwrap().to_string())
    };
    let mut v: Vec<_> = tasks
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                name_of(&t["parent_id"]),
                t["position"].as_i64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn s(name: &str, parent: Option<&str>, pos: i64) -> (String, Option<String>, i64) {
    (name.into(), parent.map(str::to_string), pos)
}

async fn wbs_moves_through_the_api(app: TestApp) {
    let org = app.org().await;
    let p = app.project("WBS-1", &org.paris, &org.bu).await;
    let pid = p["id"].as_str().unwrap().to_string();
    let a = app.task(&pid, "a").await;
    let a1 = app
        .post(
            &format!("/api/v1/projects/{pid}/tasks"),
            json!({"name": "a1", "parent_id": a, "duration_days": 1}),
        )
        .await
        .expect(201)
        .id();
    app.post(
        &format!("/api/v1/projects/{pid}/tasks"),
        json!({"name": "a2", "parent_id": a, "duration_days": 1}),
    )
    .await
    .expect(201);
    let b = app.task(&pid, "b").await;
    let c = app.task(&pid, "c").await;
    let mv = |id: &str| format!("/api/v1/tasks/{id}/move");

    // Indent b: it becomes a's last subtask; c closes the gap. Without If-Match: 428.
    crate::common::send(
        app.req(reqwest::Method::POST, &mv(&b))
            .json(&json!({"action": "indent"})),
    )
    .await
    .problem(428, "precondition_required");
    let r = app
        .post_with_if_match(&mv(&b), "\"1\"", json!({"action": "indent"}))
        .await
        .expect(200);
    assert_eq!(r.json["parent_id"], json!(a));
    assert_eq!(r.etag(), "\"2\"");
    assert_eq!(
        shape(&app, &pid).await,
        vec![
            s("a", None, 0),
            s("a1", Some("a"), 0),
            s("a2", Some("a"), 1),
            s("b", Some("a"), 2),
            s("c", None, 1)
        ]
    );
    // Every task that moved has its audit event.
    assert_eq!(
        app.audit("task", &b).await.last().unwrap()["action"],
        "update"
    );
    let c_events = app.audit("task", &c).await;
    assert_eq!(c_events.last().unwrap()["after"]["position"], json!(1));

    // Outdent it again, then move c up and a1 down.
    app.post_with_if_match(&mv(&b), "\"2\"", json!({"action": "outdent"}))
        .await
        .expect(200);
    let c_version = app.get(&format!("/api/v1/tasks/{c}")).await.etag();
    app.post_with_if_match(&mv(&c), &c_version, json!({"action": "up"}))
        .await
        .expect(200);
    app.post_with_if_match(&mv(&a1), "\"1\"", json!({"action": "down"}))
        .await
        .expect(200);
    assert_eq!(
        shape(&app, &pid).await,
        vec![
            s("a", None, 0),
            s("a1", Some("a"), 1),
            s("a2", Some("a"), 0),
            s("b", None, 2),
            s("c", None, 1)
        ]
    );

    // Refusals change nothing: under itself (422), a stale version (412), past the edge (422).
    let before = shape(&app, &pid).await;
    let a_version = app.get(&format!("/api/v1/tasks/{a}")).await.etag();
    app.post_with_if_match(
        &mv(&a),
        &a_version,
        json!({"action": "to", "parent_id": a1, "index": 0}),
    )
    .await
    .invalid("parent_id");
    app.post_with_if_match(&mv(&a), "\"99\"", json!({"action": "down"}))
        .await
        .problem(412, "precondition_failed");
    app.post_with_if_match(&mv(&a), &a_version, json!({"action": "up"}))
        .await
        .invalid("position");
    app.post_with_if_match(&mv(&a), &a_version, json!({"action": "sideways"}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(shape(&app, &pid).await, before);

    // A member of the project may read it but not move its tasks.
    let (_, member) = app
        .user_with("m@test.example", &[("member", "project:WBS-1")])
        .await;
    crate::common::send(
        app.with(&member, reqwest::Method::POST, &mv(&a))
            .header("if-match", a_version.as_str())
            .json(&json!({"action": "down"})),
    )
    .await
    .problem(403, "forbidden");
}
