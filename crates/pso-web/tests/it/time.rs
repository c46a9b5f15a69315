//! Time writing (issue 10), first part: a site's dated time rules through the API on both
//! databases — who may set them, versions from a date on, validation, audit.

use crate::common::{send, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

fn rules(valid_from: &str) -> Value {
    json!({"valid_from": valid_from,
        "max_minutes_per_day": 600, "max_minutes_per_week": 2880,
        "weekend": "forbid", "holiday": "warn",
        "only_assigned_tasks": true, "within_task_dates": "warn",
        "submit_by": "mon 12:00", "lock_after_days": 10})
}

async fn put(app: &TestApp, token: &str, site: &str, body: Value) -> crate::common::Resp {
    send(
        app.with(
            token,
            Method::PUT,
            &format!("/api/v1/sites/{site}/time-rules"),
        )
        .json(&body),
    )
    .await
}

/// The test organisation, a PSO of site PAR and a member (their API tokens).
async fn org_and_people(app: &TestApp) -> (crate::common::Org, String, String) {
    let org = app.org().await;
    let (_, pso_paris) = app
        .user_with("pso@test.example", &[("pso", "site:PAR")])
        .await;
    let (_, member) = app
        .user_with("m@test.example", &[("member", "global")])
        .await;
    (org, pso_paris, member)
}

/// The site's audit events with this action.
async fn site_history(app: &TestApp, site: &str, action: &str) -> Vec<Value> {
    let audit = app
        .get(&format!(
            "/api/v1/audit-events?entity_type=site&entity_id={site}"
        ))
        .await
        .expect(200);
    audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

async fn site_time_rules_are_dated_and_guarded(app: TestApp) {
    let (org, pso_paris, member) = org_and_people(&app).await;
    let (_, standards) = app
        .user_with("std@test.example", &[("standards", "global")])
        .await;
    let url = format!("/api/v1/sites/{}/time-rules", org.paris);

    // None yet: an empty list, readable by anyone signed in.
    let r = app.get_as(&member, &url).await.expect(200);
    assert_eq!(r.json["versions"], json!([]));

    // The site's PSO sets them; values come back normalised.
    let r = put(&app, &pso_paris, &org.paris, rules("2027-01-01"))
        .await
        .expect(200);
    let v = &r.json["versions"];
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["valid_from"], "2027-01-01");
    assert_eq!(v[0]["submit_by"], "MON 12:00");
    assert_eq!(v[0]["weekend"], "forbid");
    assert_eq!(v[0]["max_minutes_per_week"], 2880);
    assert_eq!(v[0]["set_by"], "pso@test.example");

    // Not another site's PSO, not a member; the standards office and admins may.
    put(&app, &pso_paris, &org.chicago, rules("2027-01-01"))
        .await
        .expect(403);
    put(&app, &member, &org.paris, rules("2027-01-01"))
        .await
        .expect(403);
    put(&app, &standards, &org.chicago, rules("2027-01-01"))
        .await
        .expect(200);
    put(&app, &app.admin_token, "no-such-site", rules("2027-01-01"))
        .await
        .expect(404);

    // Versions: a later one is added; an earlier one replaces every version from its day on.
    let mut later = rules("2027-07-01");
    later["weekend"] = json!("allow");
    put(&app, &pso_paris, &org.paris, later).await.expect(200);
    let r = app.get_as(&member, &url).await.expect(200);
    let froms: Vec<&str> = r.json["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["valid_from"].as_str().unwrap())
        .collect();
    assert_eq!(froms, ["2027-01-01", "2027-07-01"]);
    put(&app, &pso_paris, &org.paris, rules("2026-10-01"))
        .await
        .expect(200);
    let r = app.get_as(&member, &url).await.expect(200);
    let froms: Vec<&str> = r.json["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["valid_from"].as_str().unwrap())
        .collect();
    assert_eq!(froms, ["2026-10-01"]);

    // Bad input names each field and writes nothing.
    let bad = json!({"valid_from": "2027-02-30", "max_minutes_per_day": 0,
        "max_minutes_per_week": 20000, "submit_by": "someday", "lock_after_days": 400,
        "weekend": "forbid"});
    let r = put(&app, &pso_paris, &org.paris, bad).await.expect(422);
    let mut fields: Vec<&str> = r.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "lock_after_days",
            "max_minutes_per_day",
            "max_minutes_per_week",
            "submit_by",
            "valid_from"
        ]
    );
    put(
        &app,
        &pso_paris,
        &org.paris,
        json!({"valid_from": "2027-01-01", "weekend": "never"}),
    )
    .await
    .expect(422);
    let r = app.get_as(&member, &url).await.expect(200);
    assert_eq!(r.json["versions"].as_array().unwrap().len(), 1);

    // Each change is in the site's history, with the versions before and after.
    let changes = site_history(&app, &org.paris, "time_rules").await;
    assert_eq!(changes.len(), 3);
    assert_eq!(changes[2]["after"][0]["valid_from"], "2026-10-01");
    assert_eq!(changes[2]["before"].as_array().unwrap().len(), 2);
}

async fn period_locks_move_forward(app: TestApp) {
    let (org, pso_paris, member) = org_and_people(&app).await;
    let url = |site: &str| format!("/api/v1/sites/{site}/period-locks");
    let lock = |token: &str, site: &str, through: &str| {
        send(
            app.with(token, Method::POST, &url(site))
                .json(&json!({ "through": through })),
        )
    };

    let r = app.get_as(&member, &url(&org.paris)).await.expect(200);
    assert_eq!(r.json["through"], Value::Null);
    let r = lock(&pso_paris, &org.paris, "2027-01-31").await.expect(200);
    assert_eq!(r.json["through"], "2027-01-31");
    assert_eq!(r.json["set_by"], "pso@test.example");
    // Forward: fine. Back: only an administrator.
    lock(&pso_paris, &org.paris, "2027-02-28").await.expect(200);
    let r = lock(&pso_paris, &org.paris, "2027-01-31").await.expect(409);
    assert!(r.text.contains("2027-02-28"), "{}", r.text);
    lock(&app.admin_token, &org.paris, "2027-01-31")
        .await
        .expect(200);
    // Not another site's PSO, not a member; a bad date names the field.
    lock(&pso_paris, &org.chicago, "2027-01-31")
        .await
        .expect(403);
    lock(&member, &org.paris, "2027-03-31").await.expect(403);
    let r = lock(&pso_paris, &org.paris, "2027-02-30").await.expect(422);
    assert_eq!(r.json["errors"][0]["field"], "through");
    let r = app.get_as(&member, &url(&org.paris)).await.expect(200);
    assert_eq!(r.json["through"], "2027-01-31");
    // Each move is in the site's history.
    let moves = site_history(&app, &org.paris, "period_lock").await.len();
    assert_eq!(moves, 3);
}

both!(
    site_time_rules_are_dated_and_guarded,
    period_locks_move_forward
);
