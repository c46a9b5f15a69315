//! Grants by id (issue 7, acceptance 1; issue 8, finding 6), on both databases: renaming a
//! project, site or business unit keeps access; a new object that takes an old code grants
//! nothing; a grant on a code that names nothing is refused (422) through the API and the
//! pages; deleting a project deletes its grants, audited; a user whose grants pointed at a
//! deleted object can still be disabled, and their token stops working.

use crate::common::{send, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

both!(
    renames_keep_access_and_reused_codes_grant_nothing,
    grants_on_missing_codes_are_refused,
    deleting_a_scope_deletes_its_grants
);

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// Renames `path` (a project, site or business unit) to `code`.
async fn rename(app: &TestApp, path: &str, code: &str) {
    let cur = app.get(path).await.expect(200);
    app.patch(path, &cur.etag(), json!({ "code": code }))
        .await
        .expect(200);
}

async fn renames_keep_access_and_reused_codes_grant_nothing(app: TestApp) {
    let org = app.org().await;
    let erp = app.project("ERP-S4", &org.paris, &org.line).await;
    let (pm_user, pm) = app
        .user_with("pm@test.example", &[("project_manager", "project:ERP-S4")])
        .await;
    let (_, pso) = app
        .user_with("pso@test.example", &[("pso", "site:PAR")])
        .await;
    let (_, pmo) = app
        .user_with("pmo@test.example", &[("pmo", "business_unit:ENG-SW")])
        .await;
    let erp_path = format!("/api/v1/projects/{}", id(&erp));
    for t in [&pm, &pso, &pmo] {
        app.get_as(t, &erp_path).await.expect(200);
    }

    // Rename the project, its site and its unit: every grant still holds.
    rename(&app, &erp_path, "ERP-S4-OLD").await;
    rename(&app, &format!("/api/v1/sites/{}", org.paris), "PAR-OLD").await;
    rename(
        &app,
        &format!("/api/v1/business-units/{}", org.line),
        "ENG-SW-OLD",
    )
    .await;
    for t in [&pm, &pso, &pmo] {
        app.get_as(t, &erp_path).await.expect(200);
    }
    // The grants show the objects' current codes.
    let u = app
        .get(&format!("/api/v1/users/{}", pm_user.id))
        .await
        .expect(200);
    assert_eq!(u.json["grants"][0]["scope"], "project:ERP-S4-OLD");
    assert_eq!(u.json["grants"][0]["scope_id"], json!(id(&erp)));

    // New, unrelated objects take the old codes: they grant nothing.
    let new_site = app.create_site("PAR", "FR", "Europe/Paris", "EUR").await;
    let new_unit = app
        .post(
            "/api/v1/business-units",
            json!({"code": "ENG-SW", "name": "Another software line"}),
        )
        .await
        .expect(201)
        .id();
    let imposter = app.project("ERP-S4", &new_site, &new_unit).await;
    let imposter_path = format!("/api/v1/projects/{}", id(&imposter));
    for t in [&pm, &pso, &pmo] {
        app.get_as(t, &imposter_path)
            .await
            .problem(404, "not_found");
        let listed: Vec<String> = app
            .get_as(t, "/api/v1/projects")
            .await
            .expect(200)
            .items()
            .iter()
            .map(id)
            .collect();
        assert_eq!(listed, [id(&erp)]);
    }
    // The PSO of the renamed site may not create projects on the new site called PAR.
    app.post_as(
        &pso,
        "/api/v1/projects",
        json!({"code": "NEW-1", "name": "New", "site_id": new_site,
               "business_unit_id": org.line, "start_date": "2026-01-05"}),
    )
    .await
    .invalid("site_id");
}

async fn grants_on_missing_codes_are_refused(app: TestApp) {
    app.org().await;
    for scope in ["project:NOPE", "site:NOPE", "business_unit:NOPE"] {
        app.post(
            "/api/v1/users",
            json!({"email": "x@test.example", "name": "X",
                   "grants": [{"role": "member", "scope": scope}]}),
        )
        .await
        .invalid("grants[0].scope");
    }
    // Nothing was written.
    let users = app.get("/api/v1/users").await.expect(200).items();
    assert!(users.iter().all(|u| u["email"] != "x@test.example"));

    // The same through the users page (a form post with the session's CSRF token).
    let (cookie, csrf) = app.login_as_admin().await;
    let r = send(
        app.anon(Method::POST, "/admin/users")
            .header("cookie", &cookie)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("email", "y@test.example"),
                ("name", "Y"),
                ("password", "a long enough password"),
                ("role", "member"),
                ("scope", "project:NOPE"),
            ]),
    )
    .await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);
    assert!(r.text.contains("names nothing that exists"), "{}", r.text);
    let users = app.get("/api/v1/users").await.expect(200).items();
    assert!(users.iter().all(|u| u["email"] != "y@test.example"));
}

async fn deleting_a_scope_deletes_its_grants(app: TestApp) {
    let org = app.org().await;
    let p = app.project("GONE-1", &org.paris, &org.bu).await;
    let (user, token) = app
        .user_with(
            "pm@test.example",
            &[
                ("project_manager", "project:GONE-1"),
                ("member", "site:CHI"),
            ],
        )
        .await;
    let path = format!("/api/v1/projects/{}", id(&p));
    app.get_as(&token, &path).await.expect(200);
    let etag = app.get(&path).await.expect(200).etag();
    app.delete(&path, &etag).await.expect(204);

    let u = app
        .get(&format!("/api/v1/users/{}", user.id))
        .await
        .expect(200);
    assert_eq!(
        u.json["grants"],
        json!([{"role": "member", "scope": "site:CHI", "scope_id": org.chicago}]),
        "the project grant went with the project"
    );
    // Audited: an update of the user with the grant before and without it after.
    let events = app.audit("user", &user.id).await;
    let last = events.last().unwrap();
    assert_eq!(last["action"], "update");
    assert_eq!(last["before"]["grants"].as_array().unwrap().len(), 2);
    assert_eq!(last["after"]["grants"].as_array().unwrap().len(), 1);

    // A new project with the old code is not theirs.
    let again = app.project("GONE-1", &org.paris, &org.bu).await;
    app.get_as(&token, &format!("/api/v1/projects/{}", id(&again)))
        .await
        .problem(404, "not_found");

    // Finding 6: the admin can still disable the user (and change the password); the token
    // stops working at once.
    let u = app
        .patch(
            &format!("/api/v1/users/{}", user.id),
            &u.etag(),
            json!({"disabled": true}),
        )
        .await
        .expect(200);
    app.get_as(&token, "/api/v1/me")
        .await
        .problem(401, "unauthorized");
    app.patch(
        &format!("/api/v1/users/{}", user.id),
        &u.etag(),
        json!({"disabled": false, "password": "a brand new password"}),
    )
    .await
    .expect(200);
    // Re-enabling does not bring the revoked token back.
    app.get_as(&token, "/api/v1/me")
        .await
        .problem(401, "unauthorized");
}
