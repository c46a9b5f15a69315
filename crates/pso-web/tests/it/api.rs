//! The API suite: every test starts the real server on a fresh database and talks HTTP to it.
//! Each test body runs on SQLite and, when `PSO_TEST_DATABASE_URL` is set, on PostgreSQL
//! (`<name>::sqlite`, `<name>::postgres`); see `common/mod.rs`.

use crate::common::{send, Resp, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

// ---------------------------------------------------------------- helpers

/// Every id of a list, walking the pages with `limit` and `cursor`; checks each page's size.
async fn all_pages(app: &TestApp, path: &str, limit: usize) -> Vec<String> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let r = app.get(&url).await.expect(200);
        let items = r.items();
        assert!(items.len() <= limit, "page larger than limit: {}", r.text);
        ids.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_string()));
        match r.json["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(items.len(), limit, "a page before the last one is full");
                cursor = Some(c.to_string());
            }
            None => return ids,
        }
    }
    panic!("paging did not end");
}

/// A response field in its input form: grants come back with the `scope_id` they resolved to.
fn as_input(field: &str, v: &Value) -> Value {
    match (field, v.as_array()) {
        ("grants", Some(gs)) => Value::Array(
            gs.iter()
                .map(|g| {
                    assert!(
                        g["scope"] == json!("global") || g["scope_id"].is_string(),
                        "a grant names its scope by id: {g}"
                    );
                    json!({"role": g["role"], "scope": g["scope"]})
                })
                .collect(),
        ),
        _ => v.clone(),
    }
}

/// The full life of one object: create (201, ETag, Location, version 1) → get → list (paged)
/// → patch (If-Match rules, version + 1) → delete (204, then 404) → its audit trail.
/// `patch` must change at least one field; its fields are checked on the result.
async fn crud_cycle(
    app: &TestApp,
    collection: &str,
    item_base: &str,
    entity_type: &str,
    body: Value,
    patch: Value,
) {
    let created = app.post(collection, body.clone()).await.expect(201);
    let id = created.id();
    assert_eq!(created.etag(), "\"1\"");
    assert_eq!(created.json["version"], json!(1));
    let location = format!("{item_base}/{id}");
    assert_eq!(created.header("location"), Some(location.clone()));
    for (k, v) in body.as_object().unwrap() {
        if k != "password" {
            assert_eq!(
                &as_input(k, &created.json[k]),
                v,
                "field {k} of {}",
                created.text
            );
        }
    }
    assert!(created.json.get("password").is_none());
    assert!(
        !created.text.contains("argon2"),
        "no password hash: {}",
        created.text
    );

    let got = app.get(&location).await.expect(200);
    assert_eq!(got.json, created.json);
    assert_eq!(got.etag(), "\"1\"");

    let listed = all_pages(app, collection, 1).await;
    assert!(listed.contains(&id), "{id} in the list of {collection}");

    // If-Match: missing → 428, stale → 412, and nothing changes.
    send(app.req(Method::PATCH, &location).json(&patch))
        .await
        .problem(428, "precondition_required");
    app.patch(&location, "\"7\"", patch.clone())
        .await
        .problem(412, "precondition_failed");
    send(app.req(Method::DELETE, &location))
        .await
        .problem(428, "precondition_required");
    assert_eq!(
        app.get(&location).await.expect(200).json["version"],
        json!(1)
    );

    let patched = app
        .patch(&location, "\"1\"", patch.clone())
        .await
        .expect(200);
    assert_eq!(patched.etag(), "\"2\"");
    assert_eq!(patched.json["version"], json!(2));
    for (k, v) in patch.as_object().unwrap() {
        assert_eq!(&as_input(k, &patched.json[k]), v, "patched field {k}");
    }
    let got = app.get(&location).await.expect(200);
    assert_eq!(got.json, patched.json);
    assert_eq!(got.etag(), "\"2\"");

    app.delete(&location, "\"1\"")
        .await
        .problem(412, "precondition_failed");
    let d = app.delete(&location, "\"2\"").await.expect(204);
    assert!(d.text.is_empty());
    app.get(&location).await.problem(404, "not_found");
    app.patch(&location, "\"2\"", patch.clone())
        .await
        .problem(404, "not_found");
    assert!(!all_pages(app, collection, 100).await.contains(&id));

    // The audit trail: create, update, delete, each with the admin as actor.
    let events = app.audit(entity_type, &id).await;
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "update", "delete"], "{events:?}");
    for e in &events {
        assert_eq!(e["actor_id"], json!(app.admin.id));
        assert_eq!(e["actor"], json!(app.admin.email));
        assert_eq!(e["entity_type"], json!(entity_type));
        assert_eq!(e["entity_id"], json!(id));
        assert!(e["at"].as_str().unwrap().ends_with('Z'), "UTC time: {e}");
    }
    assert!(events[0]["before"].is_null());
    assert_eq!(events[0]["after"]["version"], json!(1));
    assert_eq!(events[1]["before"]["version"], json!(1));
    assert_eq!(events[1]["after"]["version"], json!(2));
    for (k, v) in patch.as_object().unwrap() {
        assert_eq!(&as_input(k, &events[1]["after"][k]), v, "audit after.{k}");
        if k != "password" {
            assert_ne!(
                &events[1]["before"][k], v,
                "audit before.{k} is the old value"
            );
        }
    }
    assert_eq!(events[2]["before"]["version"], json!(2));
    assert!(events[2]["after"].is_null());
    let secret = body["password"].as_str().unwrap_or("argon2");
    for e in &events {
        assert!(
            !e.to_string().contains("argon2") && !e.to_string().contains(secret),
            "no password or hash in audit"
        );
    }
}

// ---------------------------------------------------------------- health and contract

/// Follows `$ref`s inside the document.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => resolve(
            doc,
            doc.pointer(r.trim_start_matches('#'))
                .unwrap_or(&Value::Null),
        ),
        None => schema,
    }
}

/// Every `$ref` of `v`.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("$ref") {
                out.push(r.clone());
            }
            o.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

/// The OpenAPI document describes every route of the table, and only those: a request schema
/// where the route takes a body (an input, never the stored object's `id`, `version` or
/// timestamps, and no unknown fields), a response schema with its status and content type,
/// `If-Match` required where the route needs it, problem documents for errors.
async fn healthz_and_openapi(app: TestApp) {
    let h = send(app.anon(Method::GET, "/healthz")).await.expect(200);
    assert_eq!(h.json["status"], json!("ok"));

    let doc = send(app.anon(Method::GET, "/api/v1/openapi.json"))
        .await
        .expect(200)
        .json;
    assert_eq!(doc["openapi"], json!("3.1.0"));
    let routes = pso_web::openapi::routes();
    let mut documented = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            documented += 1;
            if path == "/healthz" || path == "/api/v1/openapi.json" {
                continue;
            }
            assert!(
                routes
                    .iter()
                    .any(|r| r.path == path && r.method.as_str() == m),
                "{m} {path} is documented but not in the route table"
            );
            let id = op["operationId"].as_str().unwrap();
            let same = doc["paths"]
                .as_object()
                .unwrap()
                .values()
                .flat_map(|i| i.as_object().unwrap().values())
                .filter(|o| o["operationId"] == json!(id))
                .count();
            assert_eq!(same, 1, "operationId {id} is unique");
        }
    }
    assert_eq!(documented, routes.len() + 2, "one operation per route");
    for r in &routes {
        let (path, m) = (r.path, r.method.as_str());
        let op = &doc["paths"][path][m];
        assert!(op.is_object(), "{m} {path} in the OpenAPI document");
        let responses = op["responses"].as_object().unwrap();
        assert!(
            !responses.contains_key("default"),
            "{m} {path}: statuses are listed"
        );
        let ok: Vec<&String> = responses.keys().filter(|k| k.starts_with('2')).collect();
        assert_eq!(ok.len(), 1, "{m} {path}: one success status");
        let success = &responses[ok[0].as_str()];
        if ok[0] == "204" {
            assert!(
                success.get("content").is_none(),
                "{m} {path}: 204 has no body"
            );
        } else {
            let content = success["content"].as_object().unwrap();
            // A file download names its formats; everything else answers in one type.
            let file = matches!(r.reply, pso_web::openapi::Reply::File);
            if !file {
                assert_eq!(content.len(), 1, "{m} {path}: one success content type");
            }
            for (ct, c) in content {
                assert!(
                    ct == "application/json"
                        || ct == "application/xml"
                        || (file
                            && (ct == "text/csv"
                                || ct == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
                    "{m} {path}: {ct}"
                );
                assert!(c["schema"].is_object(), "{m} {path}: response schema");
            }
        }
        if ok[0] == "201" && r.method == pso_web::openapi::Method::Post && path.ends_with('s') {
            let headers = success["headers"].as_object();
            if matches!(r.reply, pso_web::openapi::Reply::Created(_)) {
                let h = headers.unwrap();
                assert!(
                    h.contains_key("ETag") && h.contains_key("Location"),
                    "{m} {path}"
                );
            }
        }
        for (status, resp) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                assert!(
                    resp["content"]["application/problem+json"]["schema"].is_object(),
                    "{m} {path} {status}: a problem document"
                );
            }
        }
        let if_match = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == json!("If-Match"));
        if m == "patch" || m == "delete" && !path.starts_with("/api/v1/tokens") || r.if_match {
            assert_eq!(
                if_match.map(|p| &p["required"]),
                Some(&json!(true)),
                "{m} {path}: If-Match is required"
            );
        } else {
            assert!(if_match.is_none(), "{m} {path}: no If-Match");
        }
        match &op["requestBody"] {
            Value::Null => assert!(
                matches!(r.body, pso_web::openapi::Body::None),
                "{m} {path}: request body"
            ),
            body => {
                assert_eq!(body["required"], json!(true), "{m} {path}");
                for (ct, c) in body["content"].as_object().unwrap() {
                    let schema = &c["schema"];
                    if ct == "application/xml" || ct == "text/csv" {
                        continue;
                    }
                    let mut rs = Vec::new();
                    refs(schema, &mut rs);
                    assert!(rs.is_empty(), "{m} {path}: the request schema is whole");
                    let props = schema["properties"].as_object();
                    let one_of = schema["oneOf"].as_array();
                    let objects: Vec<&Value> = match (props, one_of) {
                        (Some(_), _) => vec![schema],
                        (None, Some(v)) => v.iter().collect(),
                        _ => panic!("{m} {path}: an object schema: {schema}"),
                    };
                    for o in objects {
                        assert_eq!(
                            o["additionalProperties"],
                            json!(false),
                            "{m} {path}: unknown fields are refused: {o}"
                        );
                        for f in ["id", "version", "created_at", "updated_at"] {
                            assert!(
                                o["properties"].get(f).is_none(),
                                "{m} {path}: `{f}` is not an input"
                            );
                        }
                    }
                    if m == "patch" {
                        assert!(
                            schema.get("required").is_none(),
                            "{m} {path}: a merge patch"
                        );
                    }
                }
            }
        }
    }
    // Every reference resolves.
    let mut rs = Vec::new();
    refs(&doc, &mut rs);
    assert!(!rs.is_empty());
    for r in rs {
        let target = doc.pointer(r.trim_start_matches('#'));
        assert!(target.is_some_and(Value::is_object), "{r} resolves");
    }
    let project = resolve(
        &doc,
        &doc["paths"]["/api/v1/projects/{id}"]["get"]["responses"]["200"]["content"]
            ["application/json"]["schema"],
    );
    for f in ["id", "version", "code", "status", "created_at"] {
        assert!(project["properties"].get(f).is_some(), "Project.{f}");
    }
    // Links lead from a creation to what acts on the new object, with its ETag where needed.
    let links = &doc["paths"]["/api/v1/projects/{id}/tasks"]["post"]["responses"]["201"]["links"];
    assert_eq!(
        links["patch_tasks_id"]["parameters"],
        json!({"path.id": "$response.body#/id", "header.If-Match": "$response.header.ETag"})
    );
    assert_eq!(
        links["post_tasks_id_assignments"]["parameters"],
        json!({"path.id": "$response.body#/id"})
    );
    let input = &doc["paths"]["/api/v1/projects"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"];
    assert_eq!(input["properties"]["priority"]["maximum"], json!(1000));
    assert!(input["properties"]["status"]["enum"].is_array());
    // Dates: the real days of the years 1900 to 2200, as the parser takes them.
    let date = input["properties"]["start_date"]["pattern"]
        .as_str()
        .unwrap();
    assert_eq!(date, pso_domain::schema::DATE_PATTERN);
}

/// Every route of the table is routed (not the API's 404, not 405, never 5xx), and a method
/// that the table does not list for a path is refused with 405: the table is the whole API.
async fn every_route_answers(app: TestApp) {
    let is_unrouted =
        |r: &Resp| r.status.as_u16() == 404 && r.json["detail"] == json!("no such API route");
    // The check can fail: an unknown path is answered as such.
    let r = app.get("/api/v1/no-such-thing").await;
    assert!(is_unrouted(&r), "{}", r.text);
    let routes = pso_web::openapi::routes();
    for route in &routes {
        let m = route.method.as_str();
        let path = route
            .path
            .replace("{id}", "00000000-0000-0000-0000-000000000000");
        let method = Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
        let mut rb = app.req(method.clone(), &path).header("if-match", "\"1\"");
        if (m, route.path) == ("delete", "/api/v1/tokens") {
            // Revoking all of one's tokens: with a throwaway user's, not the admin's.
            let (_, t) = app
                .user_with("throwaway@test.example", &[("member", "global")])
                .await;
            rb = app.with(&t, method, &path);
        }
        if m == "post" || m == "patch" {
            rb = rb.json(&json!({}));
        }
        let r = send(rb).await;
        assert!(!is_unrouted(&r), "{m} {path} is routed: {}", r.text);
        assert_ne!(r.status.as_u16(), 405, "{m} {path}: {}", r.text);
        assert!(r.status.as_u16() < 500, "{m} {path}: {}", r.text);
        for other in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if routes
                .iter()
                .any(|x| x.path == route.path && x.method.as_str().eq_ignore_ascii_case(other))
            {
                continue;
            }
            let r = send(app.req(Method::from_bytes(other.as_bytes()).unwrap(), &path)).await;
            assert_eq!(
                r.status.as_u16(),
                405,
                "{other} {path} is not routed: {}",
                r.text
            );
        }
    }
}

async fn no_or_bad_token_is_401(app: TestApp) {
    for path in ["/api/v1/me", "/api/v1/projects", "/api/v1/sites"] {
        let r = send(app.anon(Method::GET, path))
            .await
            .problem(401, "unauthorized");
        assert!(r.header("www-authenticate").is_some());
        send(app.with("pso_not-a-real-token", Method::GET, path))
            .await
            .problem(401, "unauthorized");
        send(
            app.anon(Method::GET, path)
                .header("authorization", "Basic YTpi"),
        )
        .await
        .problem(401, "unauthorized");
    }
    send(
        app.anon(Method::POST, "/api/v1/sites")
            .json(&json!({"code": "X1"})),
    )
    .await
    .problem(401, "unauthorized");
    // A revoked token stops working.
    let (_, token) = app
        .user_with("eve@test.example", &[("member", "global")])
        .await;
    let me = app.get_as(&token, "/api/v1/me").await.expect(200);
    assert_eq!(me.json["user"]["email"], json!("eve@test.example"));
    assert!(me.json["csrf_token"].is_null(), "no CSRF token for Bearer");
    let tokens = app.get_as(&token, "/api/v1/tokens").await.expect(200);
    let tid = tokens.items()[0]["id"].as_str().unwrap().to_string();
    send(app.with(&token, Method::DELETE, &format!("/api/v1/tokens/{tid}")))
        .await
        .expect(204);
    app.get_as(&token, "/api/v1/me")
        .await
        .problem(401, "unauthorized");
}

// ---------------------------------------------------------------- CRUD of every entity

async fn crud_business_units(app: TestApp) {
    let parent = app
        .post(
            "/api/v1/business-units",
            json!({"code": "OPS", "name": "Operations"}),
        )
        .await
        .expect(201)
        .id();
    crud_cycle(
        &app,
        "/api/v1/business-units",
        "/api/v1/business-units",
        "business_unit",
        json!({"code": "OPS-IT", "name": "IT operations", "parent_id": parent}),
        json!({"name": "IT & infrastructure"}),
    )
    .await;
    app.post(
        "/api/v1/business-units",
        json!({"code": "ORPHAN", "name": "Orphan", "parent_id": "missing"}),
    )
    .await
    .invalid("parent_id");
    app.post(
        "/api/v1/business-units",
        json!({"code": "OPS", "name": "Again"}),
    )
    .await
    .problem(409, "conflict");
}

async fn crud_sites(app: TestApp) {
    crud_cycle(
        &app,
        "/api/v1/sites",
        "/api/v1/sites",
        "site",
        json!({"code": "BLR", "name": "Bengaluru", "country": "IN", "time_zone": "Asia/Kolkata",
               "currency": "INR", "working_week": ["mon", "tue", "wed", "thu", "fri"],
               "holidays": [{"date": "2026-01-26", "name": "Republic Day"}]}),
        json!({"name": "Bengaluru campus", "working_week": ["mon", "tue", "wed", "thu", "fri", "sat"]}),
    )
    .await;
}

async fn crud_people(app: TestApp) {
    let org = app.org().await;
    crud_cycle(
        &app,
        "/api/v1/people",
        "/api/v1/people",
        "person",
        json!({"name": "Alan Turing", "email": "alan@test.example", "site_id": org.paris,
               "skills": ["cryptanalysis", "logic"]}),
        json!({"site_id": org.chicago, "skills": ["computing"]}),
    )
    .await;
    // The site filter.
    let at_paris = app
        .get(&format!("/api/v1/people?site_id={}", org.paris))
        .await
        .expect(200)
        .items();
    assert!(at_paris.iter().all(|p| p["site_id"] == json!(org.paris)));
    assert!(at_paris.iter().any(|p| p["id"] == json!(org.person)));
    app.post(
        "/api/v1/people",
        json!({"name": "Nobody", "site_id": "missing"}),
    )
    .await
    .invalid("site_id");
}

async fn crud_users(app: TestApp) {
    app.org().await;
    crud_cycle(
        &app,
        "/api/v1/users",
        "/api/v1/users",
        "user",
        json!({"email": "grace@test.example", "name": "Grace Hopper",
               "password": "nanoseconds are 30 cm",
               "grants": [{"role": "pso", "scope": "site:PAR"}]}),
        json!({"name": "Rear Admiral Hopper",
               "grants": [{"role": "executive", "scope": "global"}]}),
    )
    .await;
    // A grant on a scope that does not exist.
    app.post(
        "/api/v1/users",
        json!({"email": "x@test.example", "name": "X", "grants": [{"role": "pso", "scope": "site:NOWHERE"}]}),
    )
    .await
    .invalid("grants[0].scope");
    // An unknown role is a 422 too.
    app.post(
        "/api/v1/users",
        json!({"email": "y@test.example", "name": "Y", "grants": [{"role": "king", "scope": "global"}]}),
    )
    .await
    .problem(422, "validation_failed");
    // Only admins manage users.
    let (_, member) = app
        .user_with("m@test.example", &[("member", "global")])
        .await;
    app.get_as(&member, "/api/v1/users")
        .await
        .problem(403, "forbidden");
    app.post_as(
        &member,
        "/api/v1/users",
        json!({"email": "z@test.example", "name": "Z"}),
    )
    .await
    .problem(403, "forbidden");
    // Nobody deletes their own account.
    let me = app
        .get(&format!("/api/v1/users/{}", app.admin.id))
        .await
        .expect(200);
    app.delete(&format!("/api/v1/users/{}", app.admin.id), &me.etag())
        .await
        .problem(409, "conflict");
}

async fn crud_projects(app: TestApp) {
    let org = app.org().await;
    crud_cycle(
        &app,
        "/api/v1/projects",
        "/api/v1/projects",
        "project",
        json!({"code": "APOLLO", "name": "Apollo guidance", "description": "Flight software",
               "site_id": org.paris, "business_unit_id": org.line, "manager_id": org.person,
               "status": "approved", "priority": 800, "start_date": "2026-02-02"}),
        json!({"status": "active", "priority": 900, "name": "Apollo guidance computer"}),
    )
    .await;
}

async fn crud_tasks(app: TestApp) {
    let org = app.org().await;
    let p = app.project("WBS", &org.paris, &org.bu).await;
    let pid = p["id"].as_str().unwrap();
    let parent = app.task(pid, "Design").await;
    crud_cycle(
        &app,
        &format!("/api/v1/projects/{pid}/tasks"),
        "/api/v1/tasks",
        "task",
        json!({"name": "Detailed design", "parent_id": parent, "duration_days": 3.5,
               "milestone": false}),
        json!({"name": "Detailed design review", "duration_days": 4.0}),
    )
    .await;
    let ms = app
        .post(
            &format!("/api/v1/projects/{pid}/tasks"),
            json!({"name": "Design frozen", "milestone": true, "parent_id": parent}),
        )
        .await
        .expect(201);
    assert_eq!(ms.json["milestone"], json!(true));
    assert_eq!(ms.json["project_id"], json!(pid));
    let e = app
        .post(
            &format!("/api/v1/projects/{pid}/tasks"),
            json!({"name": "Effort", "effort_hours": 12.0}),
        )
        .await
        .expect(201);
    assert_eq!(e.json["effort_hours"], json!(12.0));
    // Rules of the domain reach the API as 422s naming the field.
    app.post(
        &format!("/api/v1/projects/{pid}/tasks"),
        json!({"name": "Both", "effort_hours": 1.0, "duration_days": 1.0}),
    )
    .await
    .invalid("effort_hours");
    app.post(
        &format!("/api/v1/projects/{pid}/tasks"),
        json!({"name": "Orphan", "parent_id": "missing"}),
    )
    .await
    .invalid("parent_id");
    // A parent in another project is out of reach.
    let other = app.project("OTHER", &org.paris, &org.bu).await;
    let foreign = app.task(other["id"].as_str().unwrap(), "Foreign").await;
    app.post(
        &format!("/api/v1/projects/{pid}/tasks"),
        json!({"name": "Adopted", "parent_id": foreign}),
    )
    .await
    .invalid("parent_id");
    // The WBS is a tree: a task cannot move under its own subtask.
    let child = app
        .post(
            &format!("/api/v1/projects/{pid}/tasks"),
            json!({"name": "Sub-design", "parent_id": parent}),
        )
        .await
        .expect(201)
        .id();
    let r = app
        .patch(
            &format!("/api/v1/tasks/{parent}"),
            "\"1\"",
            json!({"parent_id": child}),
        )
        .await
        .invalid("parent_id");
    assert_eq!(r.json["errors"][0]["code"], json!("wbs_cycle"));
    // Tasks of a project that does not exist.
    app.get("/api/v1/projects/missing/tasks")
        .await
        .problem(404, "not_found");
}

async fn crud_dependencies(app: TestApp) {
    let org = app.org().await;
    let p = app.project("DEPS", &org.paris, &org.bu).await;
    let pid = p["id"].as_str().unwrap();
    let a = app.task(pid, "Specify").await;
    let b = app.task(pid, "Build").await;
    crud_cycle(
        &app,
        &format!("/api/v1/projects/{pid}/dependencies"),
        "/api/v1/dependencies",
        "dependency",
        json!({"predecessor_id": a, "successor_id": b, "type": "FS", "lag_days": 1.0}),
        json!({"type": "SS", "lag_days": -1.5}),
    )
    .await;
    // A task of another project cannot be linked in.
    let other = app.project("OTHER", &org.paris, &org.bu).await;
    let foreign = app.task(other["id"].as_str().unwrap(), "Foreign").await;
    app.post(
        &format!("/api/v1/projects/{pid}/dependencies"),
        json!({"predecessor_id": foreign, "successor_id": b}),
    )
    .await
    .invalid("predecessor_id");
    let kept = app
        .post(
            &format!("/api/v1/projects/{pid}/dependencies"),
            json!({"predecessor_id": a, "successor_id": b}),
        )
        .await
        .expect(201)
        .id();
    app.patch(
        &format!("/api/v1/dependencies/{kept}"),
        "\"1\"",
        json!({"successor_id": foreign}),
    )
    .await
    .invalid("successor_id");
    app.post(
        &format!("/api/v1/projects/{pid}/dependencies"),
        json!({"predecessor_id": a, "successor_id": a}),
    )
    .await
    .invalid("successor_id");
    app.post(
        &format!("/api/v1/projects/{pid}/dependencies"),
        json!({"predecessor_id": a, "successor_id": b, "type": "XX"}),
    )
    .await
    .invalid("type");
}

async fn crud_assignments(app: TestApp) {
    let org = app.org().await;
    let p = app.project("STAFF", &org.paris, &org.bu).await;
    let pid = p["id"].as_str().unwrap();
    let t = app.task(pid, "Staffed work").await;
    let other_person = app
        .post(
            "/api/v1/people",
            json!({"name": "Niels Bohr", "site_id": org.chicago}),
        )
        .await
        .expect(201)
        .id();
    crud_cycle(
        &app,
        &format!("/api/v1/tasks/{t}/assignments"),
        "/api/v1/assignments",
        "assignment",
        json!({"person_id": org.person, "units": 0.5}),
        json!({"person_id": other_person, "units": 1.0}),
    )
    .await;
    app.post(
        &format!("/api/v1/tasks/{t}/assignments"),
        json!({"person_id": "missing"}),
    )
    .await
    .invalid("person_id");
    app.post(
        &format!("/api/v1/tasks/{t}/assignments"),
        json!({"person_id": org.person, "units": 0}),
    )
    .await
    .invalid("units");
}

// ---------------------------------------------------------------- lists

async fn project_list_paging_and_filters(app: TestApp) {
    let org = app.org().await;
    let other_bu = app
        .post(
            "/api/v1/business-units",
            json!({"code": "SALES", "name": "Sales"}),
        )
        .await
        .expect(201)
        .id();
    let mut ids = Vec::new();
    let specs = [
        ("ALPHA", &org.paris, &org.bu, "active", "Alpha radar"),
        ("BRAVO", &org.paris, &org.line, "proposed", "Bravo compiler"),
        (
            "CHARLIE",
            &org.chicago,
            &org.line,
            "active",
            "Charlie RADAR retrofit",
        ),
        ("DELTA", &org.chicago, &other_bu, "on_hold", "Delta CRM"),
        ("ECHO", &org.paris, &other_bu, "closed", "Echo migration"),
    ];
    for (code, site, bu, status, name) in specs {
        let r = app
            .post(
                "/api/v1/projects",
                json!({"code": code, "name": name, "site_id": site, "business_unit_id": bu,
                       "status": status, "start_date": "2026-03-02"}),
            )
            .await
            .expect(201);
        ids.push(r.id());
    }
    // Paging: every project exactly once, in id order, whatever the page size.
    for limit in [1, 2, 5, 100] {
        assert_eq!(
            all_pages(&app, "/api/v1/projects", limit).await,
            ids,
            "limit {limit}"
        );
    }
    let first = app.get("/api/v1/projects?limit=2").await.expect(200);
    assert_eq!(first.items().len(), 2);
    assert!(first.json["next_cursor"].is_string());
    let last = app.get("/api/v1/projects?limit=5").await.expect(200);
    assert!(last.json["next_cursor"].is_null());
    for bad in ["0", "1001", "ten"] {
        app.get(&format!("/api/v1/projects?limit={bad}"))
            .await
            .invalid("limit");
    }
    app.get("/api/v1/projects?status=sleeping")
        .await
        .invalid("status");

    let codes = |r: Resp| -> Vec<String> {
        r.items()
            .iter()
            .map(|p| p["code"].as_str().unwrap().to_string())
            .collect()
    };
    let appr = &app;
    let q = |s: String| async move {
        codes(appr.get(&format!("/api/v1/projects?{s}")).await.expect(200))
    };
    assert_eq!(
        q(format!("site_id={}", org.chicago)).await,
        ["CHARLIE", "DELTA"]
    );
    assert_eq!(
        q(format!("business_unit_id={}", org.line)).await,
        ["BRAVO", "CHARLIE"]
    );
    assert_eq!(q("status=active".into()).await, ["ALPHA", "CHARLIE"]);
    assert_eq!(q("q=radar".into()).await, ["ALPHA", "CHARLIE"]);
    assert_eq!(q("q=echo".into()).await, ["ECHO"]);
    assert_eq!(
        q(format!("site_id={}&status=active&q=RADAR", org.paris)).await,
        ["ALPHA"]
    );
    assert!(q("q=zulu".into()).await.is_empty());
    // Filters and paging together.
    let paris = all_pages(&app, &format!("/api/v1/projects?site_id={}", org.paris), 1).await;
    assert_eq!(paris, [ids[0].clone(), ids[1].clone(), ids[4].clone()]);
}

async fn task_and_dependency_lists_page(app: TestApp) {
    let org = app.org().await;
    let p = app.project("PAGED", &org.paris, &org.bu).await;
    let pid = p["id"].as_str().unwrap();
    let mut tasks = Vec::new();
    for i in 0..7 {
        tasks.push(app.task(pid, &format!("Step {i}")).await);
    }
    for w in tasks.windows(2) {
        app.post(
            &format!("/api/v1/projects/{pid}/dependencies"),
            json!({"predecessor_id": w[0], "successor_id": w[1]}),
        )
        .await
        .expect(201);
    }
    assert_eq!(
        all_pages(&app, &format!("/api/v1/projects/{pid}/tasks"), 3).await,
        tasks
    );
    let deps = all_pages(&app, &format!("/api/v1/projects/{pid}/dependencies"), 4).await;
    assert_eq!(deps.len(), 6);
    let positions: Vec<i64> = app
        .get(&format!("/api/v1/projects/{pid}/tasks?limit=1000"))
        .await
        .expect(200)
        .items()
        .iter()
        .map(|t| t["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(all_pages(&app, "/api/v1/sites", 1).await.len(), 2);
    assert_eq!(all_pages(&app, "/api/v1/business-units", 1).await.len(), 2);
}

// ---------------------------------------------------------------- error cases

async fn malformed_and_mistyped_bodies(app: TestApp) {
    let org = app.org().await;
    let r = send(
        app.req(Method::POST, "/api/v1/projects")
            .header("content-type", "application/json")
            .body("{\"code\": \"X\", "),
    )
    .await
    .problem(400, "malformed_json");
    assert!(!r.json["detail"].as_str().unwrap().is_empty());
    send(
        app.req(Method::POST, "/api/v1/sites")
            .header("content-type", "application/json")
            .body("not json"),
    )
    .await
    .problem(400, "malformed_json");
    send(
        app.req(Method::POST, "/api/v1/sites")
            .header("content-type", "text/plain")
            .body("{}"),
    )
    .await
    .problem(415, "unsupported_media_type");
    let base = json!({"code": "TYPED", "name": "Typed", "site_id": org.paris,
                      "business_unit_id": org.bu, "start_date": "2026-01-05"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    app.post("/api/v1/projects", with("priority", json!("high")))
        .await
        .invalid("priority");
    app.post("/api/v1/projects", with("name", json!(42)))
        .await
        .invalid("name");
    app.post("/api/v1/projects", with("status", json!("dreaming")))
        .await
        .invalid("status");
    app.post("/api/v1/projects", with("priority", json!(0)))
        .await
        .invalid("priority");
    app.post("/api/v1/projects", with("start_date", json!("2026-02-30")))
        .await
        .invalid("start_date");
    app.post("/api/v1/projects", with("code", json!("no spaces")))
        .await
        .invalid("code");
    app.post("/api/v1/projects", with("colour", json!("blue")))
        .await
        .invalid("colour");
    let mut missing = base.clone();
    missing.as_object_mut().unwrap().remove("name");
    app.post("/api/v1/projects", missing).await.invalid("name");
    app.post(
        &format!(
            "/api/v1/projects/{}/tasks",
            app.project("T1", &org.paris, &org.bu).await["id"]
                .as_str()
                .unwrap()
        ),
        json!({"name": "Typed", "duration_days": "two"}),
    )
    .await
    .invalid("duration_days");
    // A wrong type in a PATCH names the field too, and changes nothing.
    let p = app.post("/api/v1/projects", base.clone()).await.expect(201);
    let loc = format!("/api/v1/projects/{}", p.id());
    app.patch(&loc, &p.etag(), json!({"priority": "urgent"}))
        .await
        .invalid("priority");
    app.patch(&loc, &p.etag(), json!(["not", "an", "object"]))
        .await
        .problem(422, "validation_failed");
    assert_eq!(app.get(&loc).await.expect(200).json, p.json);
    // Nothing was written by any of the refused requests.
    let codes: Vec<Value> = app
        .get("/api/v1/projects")
        .await
        .expect(200)
        .items()
        .iter()
        .map(|p| p["code"].clone())
        .collect();
    assert_eq!(codes, [json!("T1"), json!("TYPED")]);
}

async fn unknown_country_time_zone_currency(app: TestApp) {
    let r = app
        .post(
            "/api/v1/sites",
            json!({"code": "ATL", "name": "Atlantis", "country": "QQ",
                   "time_zone": "Atlantic/Atlantis", "currency": "ATL"}),
        )
        .await
        .problem(422, "validation_failed");
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["country", "currency", "time_zone"]);
    for (k, v) in [
        ("country", "XK1"),
        ("time_zone", "Europe/Pariss"),
        ("currency", "EURO"),
    ] {
        let mut b = json!({"code": "LYS", "name": "Lyon", "country": "FR",
                           "time_zone": "Europe/Paris", "currency": "EUR"});
        b[k] = json!(v);
        let r = app.post("/api/v1/sites", b).await.invalid(k);
        assert_eq!(r.error_fields(), [k]);
    }
    // The same rules on PATCH.
    let site = app.create_site("LYS", "FR", "Europe/Paris", "EUR").await;
    app.patch(
        &format!("/api/v1/sites/{site}"),
        "\"1\"",
        json!({"time_zone": "Mars/Olympus"}),
    )
    .await
    .invalid("time_zone");
    assert_eq!(all_pages(&app, "/api/v1/sites", 10).await, [site]);
}

async fn missing_references_are_422(app: TestApp) {
    let org = app.org().await;
    let base = json!({"code": "REF", "name": "Refs", "site_id": org.paris,
                      "business_unit_id": org.bu, "start_date": "2026-01-05"});
    for (k, v) in [
        ("site_id", "missing-site"),
        ("business_unit_id", "missing-bu"),
        ("manager_id", "missing-person"),
    ] {
        let mut b = base.clone();
        b[k] = json!(v);
        app.post("/api/v1/projects", b).await.invalid(k);
    }
    assert!(app
        .get("/api/v1/projects")
        .await
        .expect(200)
        .items()
        .is_empty());
}

async fn duplicate_project_code_is_409(app: TestApp) {
    let org = app.org().await;
    app.project("DUP", &org.paris, &org.bu).await;
    let r = app
        .post(
            "/api/v1/projects",
            json!({"code": "DUP", "name": "Second", "site_id": org.chicago,
                   "business_unit_id": org.bu, "start_date": "2026-01-05"}),
        )
        .await
        .problem(409, "conflict");
    assert_eq!(r.error_fields(), ["code"]);
    // Renaming another project to the taken code is refused the same way.
    let other = app.project("OTHER", &org.paris, &org.bu).await;
    app.patch(
        &format!("/api/v1/projects/{}", other["id"].as_str().unwrap()),
        "\"1\"",
        json!({"code": "DUP"}),
    )
    .await
    .problem(409, "conflict");
    assert_eq!(
        app.get("/api/v1/projects?q=dup")
            .await
            .expect(200)
            .items()
            .len(),
        1
    );
}

async fn dependency_cycle_is_422_and_writes_nothing(app: TestApp) {
    let org = app.org().await;
    let p = app.project("LOOP", &org.paris, &org.bu).await;
    let pid = p["id"].as_str().unwrap();
    let a = app.task(pid, "Alpha").await;
    let b = app.task(pid, "Bravo").await;
    let c = app.task(pid, "Charlie").await;
    let d = app.task(pid, "Delta").await;
    let deps_path = format!("/api/v1/projects/{pid}/dependencies");
    for (x, y) in [(&a, &b), (&b, &c), (&c, &d)] {
        app.post(&deps_path, json!({"predecessor_id": x, "successor_id": y}))
            .await
            .expect(201);
    }
    let deps_before = app.get(&deps_path).await.expect(200).json;
    let audit_path = format!("/api/v1/projects/{pid}/audit-events?limit=1000");
    let audit_before = app.get(&audit_path).await.expect(200).json;

    // Delta → Bravo closes Bravo → Charlie → Delta → Bravo.
    let r = app
        .post(&deps_path, json!({"predecessor_id": d, "successor_id": b}))
        .await
        .invalid("cycle");
    let cycle: Vec<String> = r.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["field"] == json!("cycle"))
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = cycle.clone();
    sorted.sort();
    let mut expected = vec![b.clone(), c.clone(), d.clone()];
    expected.sort();
    assert_eq!(sorted, expected, "the tasks of the cycle: {}", r.text);
    let detail = r.json["detail"].as_str().unwrap().to_string() + &r.text;
    for name in ["Bravo", "Charlie", "Delta"] {
        assert!(detail.contains(name), "{name} named in {}", r.text);
    }
    assert!(
        !r.text.contains("Alpha"),
        "Alpha is not in the cycle: {}",
        r.text
    );

    // A two-task cycle, and a cycle made by changing an existing dependency.
    app.post(&deps_path, json!({"predecessor_id": b, "successor_id": a}))
        .await
        .invalid("cycle");
    // Turning Charlie → Delta into Charlie → Alpha closes Alpha → Bravo → Charlie → Alpha.
    let last = app.get(&deps_path).await.expect(200).items()[2].clone();
    assert_eq!(last["successor_id"], json!(d));
    app.patch(
        &format!("/api/v1/dependencies/{}", last["id"].as_str().unwrap()),
        "\"1\"",
        json!({"successor_id": a}),
    )
    .await
    .invalid("cycle");

    assert_eq!(app.get(&deps_path).await.expect(200).json, deps_before);
    assert_eq!(app.get(&audit_path).await.expect(200).json, audit_before);
}

async fn body_over_the_limit_is_413(app: TestApp) {
    let big = format!(
        "{{\"code\": \"BIG\", \"name\": \"Big\", \"description\": \"{}\"}}",
        "x".repeat(pso_web::BODY_LIMIT + 10)
    );
    send(
        app.req(Method::POST, "/api/v1/projects")
            .header("content-type", "application/json")
            .body(big.clone()),
    )
    .await
    .problem(413, "payload_too_large");
    send(
        app.req(Method::POST, "/api/v1/sites")
            .header("content-type", "application/json")
            .body(big),
    )
    .await
    .problem(413, "payload_too_large");
    // Just under the limit is read (and then refused for what it says, not its size).
    let under = format!(
        "{{\"code\": \"BIG\", \"description\": \"{}\"}}",
        "x".repeat(pso_web::BODY_LIMIT - 100)
    );
    send(
        app.req(Method::POST, "/api/v1/projects")
            .header("content-type", "application/json")
            .body(under),
    )
    .await
    .problem(422, "validation_failed");
}

/// Concurrent writers: of several PATCHes made with the same ETag exactly one wins, and two
/// dependencies that would close a cycle together cannot both be written.
async fn concurrent_writers(app: TestApp) {
    let org = app.org().await;
    let p = app.project("RACE", &org.paris, &org.bu).await;
    let pid = p["id"].as_str().unwrap().to_string();
    let loc = format!("/api/v1/projects/{pid}");
    let mut handles = Vec::new();
    for i in 0..6 {
        let rb = app
            .req(Method::PATCH, &loc)
            .header("if-match", "\"1\"")
            .json(&json!({"priority": 100 + i}));
        handles.push(tokio::spawn(send(rb)));
    }
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap().status.as_u16());
    }
    statuses.sort();
    assert_eq!(statuses, [200, 412, 412, 412, 412, 412]);
    let now = app.get(&loc).await.expect(200);
    assert_eq!(now.json["version"], json!(2));
    assert_eq!(app.audit("project", &pid).await.len(), 2);

    for round in 0..3 {
        let a = app.task(&pid, &format!("A{round}")).await;
        let b = app.task(&pid, &format!("B{round}")).await;
        let path = format!("/api/v1/projects/{pid}/dependencies");
        let one = app
            .req(Method::POST, &path)
            .json(&json!({"predecessor_id": a, "successor_id": b}));
        let two = app
            .req(Method::POST, &path)
            .json(&json!({"predecessor_id": b, "successor_id": a}));
        let (x, y) = tokio::join!(tokio::spawn(send(one)), tokio::spawn(send(two)));
        let mut s = [x.unwrap().status.as_u16(), y.unwrap().status.as_u16()];
        s.sort();
        assert_eq!(s, [201, 422], "round {round}");
    }
    assert_eq!(
        app.get(&format!("/api/v1/projects/{pid}/dependencies"))
            .await
            .expect(200)
            .items()
            .len(),
        3
    );
}

// ---------------------------------------------------------------- access control

async fn scoping_by_site_and_role(app: TestApp) {
    let org = app.org().await;
    let par = app.project("PAR-1", &org.paris, &org.bu).await;
    let chi = app.project("CHI-1", &org.chicago, &org.bu).await;
    let par_id = par["id"].as_str().unwrap().to_string();
    let chi_id = chi["id"].as_str().unwrap().to_string();
    let chi_task = app.task(&chi_id, "Chicago work").await;
    let par_task = app.task(&par_id, "Paris work").await;

    // A PSO scoped to Paris.
    let (_, pso) = app
        .user_with("pso@test.example", &[("pso", "site:PAR")])
        .await;
    let list = app
        .get_as(&pso, "/api/v1/projects")
        .await
        .expect(200)
        .items();
    let ids: Vec<&str> = list.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [par_id.as_str()]);
    let filtered = app
        .get_as(&pso, &format!("/api/v1/projects?site_id={}", org.chicago))
        .await
        .expect(200);
    assert!(filtered.items().is_empty());
    app.get_as(&pso, &format!("/api/v1/projects/{par_id}"))
        .await
        .expect(200);
    for path in [
        format!("/api/v1/projects/{chi_id}"),
        format!("/api/v1/projects/{chi_id}/tasks"),
        format!("/api/v1/projects/{chi_id}/dependencies"),
        format!("/api/v1/tasks/{chi_task}"),
        format!("/api/v1/projects/{chi_id}/audit-events"),
        format!("/api/v1/audit-events?entity_type=project&entity_id={chi_id}"),
    ] {
        app.get_as(&pso, &path).await.problem(404, "not_found");
    }
    app.patch_as(
        &pso,
        &format!("/api/v1/projects/{chi_id}"),
        "\"1\"",
        json!({"name": "Mine"}),
    )
    .await
    .problem(404, "not_found");
    let r = app
        .post_as(
            &pso,
            "/api/v1/projects",
            json!({"code": "CHI-2", "name": "Sneaky", "site_id": org.chicago,
                   "business_unit_id": org.bu, "start_date": "2026-01-05"}),
        )
        .await
        .invalid("site_id");
    assert_eq!(r.json["errors"][0]["code"], json!("out_of_scope"));
    // Moving a Paris project to Chicago is creating there too.
    app.patch_as(
        &pso,
        &format!("/api/v1/projects/{par_id}"),
        "\"1\"",
        json!({"site_id": org.chicago}),
    )
    .await
    .invalid("site_id");
    let mine = app
        .post_as(
            &pso,
            "/api/v1/projects",
            json!({"code": "PAR-2", "name": "Allowed", "site_id": org.paris,
                   "business_unit_id": org.bu, "start_date": "2026-01-05"}),
        )
        .await
        .expect(201);
    app.task(&mine.id(), "Planned by the PSO").await;
    let admin_codes: Vec<Value> = app
        .get("/api/v1/projects")
        .await
        .expect(200)
        .items()
        .iter()
        .map(|p| p["code"].clone())
        .collect();
    assert_eq!(
        admin_codes,
        [json!("PAR-1"), json!("CHI-1"), json!("PAR-2")]
    );

    // A member reads in scope but changes nothing.
    let (_, member) = app
        .user_with("member@test.example", &[("member", "site:PAR")])
        .await;
    let p = app
        .get_as(&member, &format!("/api/v1/projects/{par_id}"))
        .await
        .expect(200);
    app.patch_as(
        &member,
        &format!("/api/v1/projects/{par_id}"),
        &p.etag(),
        json!({"name": "Hacked"}),
    )
    .await
    .problem(403, "forbidden");
    app.delete_as(&member, &format!("/api/v1/projects/{par_id}"), &p.etag())
        .await
        .problem(403, "forbidden");
    app.post_as(
        &member,
        &format!("/api/v1/projects/{par_id}/tasks"),
        json!({"name": "Extra"}),
    )
    .await
    .problem(403, "forbidden");
    app.patch_as(
        &member,
        &format!("/api/v1/tasks/{par_task}"),
        "\"1\"",
        json!({"name": "Renamed"}),
    )
    .await
    .problem(403, "forbidden");
    app.get_as(&member, &format!("/api/v1/projects/{chi_id}"))
        .await
        .problem(404, "not_found");

    // An executive reads everything and writes nothing.
    let (_, exec) = app
        .user_with("exec@test.example", &[("executive", "global")])
        .await;
    assert_eq!(
        app.get_as(&exec, "/api/v1/projects")
            .await
            .expect(200)
            .items()
            .len(),
        3
    );
    let c = app
        .get_as(&exec, &format!("/api/v1/projects/{chi_id}"))
        .await
        .expect(200);
    app.get_as(&exec, &format!("/api/v1/projects/{chi_id}/tasks"))
        .await
        .expect(200);
    app.patch_as(
        &exec,
        &format!("/api/v1/projects/{chi_id}"),
        &c.etag(),
        json!({"priority": 1}),
    )
    .await
    .problem(403, "forbidden");
    app.delete_as(&exec, &format!("/api/v1/projects/{chi_id}"), &c.etag())
        .await
        .problem(403, "forbidden");
    app.post_as(
        &exec,
        &format!("/api/v1/projects/{chi_id}/tasks"),
        json!({"name": "Extra"}),
    )
    .await
    .problem(403, "forbidden");
    let r = app
        .post_as(
            &exec,
            "/api/v1/projects",
            json!({"code": "EXEC", "name": "Pet project", "site_id": org.paris,
                   "business_unit_id": org.bu, "start_date": "2026-01-05"}),
        )
        .await;
    assert!(
        r.status == 403 || r.status == 422,
        "executive cannot create: {}",
        r.text
    );
    app.post_as(
        &exec,
        "/api/v1/sites",
        json!({"code": "NOPE", "name": "No", "country": "FR",
        "time_zone": "Europe/Paris", "currency": "EUR"}),
    )
    .await
    .problem(403, "forbidden");
    // Nothing the member or the executive tried was written.
    let after = app
        .get(&format!("/api/v1/projects/{chi_id}"))
        .await
        .expect(200);
    assert_eq!(after.json["version"], json!(1));
    assert_eq!(
        app.get("/api/v1/projects").await.expect(200).items().len(),
        3
    );
    let tasks = app
        .get(&format!("/api/v1/projects/{par_id}/tasks"))
        .await
        .expect(200);
    assert_eq!(tasks.items().len(), 1);
    assert_eq!(tasks.items()[0]["name"], json!("Paris work"));
}

/// Business-unit grants cover the unit's lines, project grants one project; the list and the
/// single object agree.
async fn scoping_by_business_unit_and_project(app: TestApp) {
    let org = app.org().await;
    let ops = app
        .post(
            "/api/v1/business-units",
            json!({"code": "OPS", "name": "Operations"}),
        )
        .await
        .expect(201)
        .id();
    let in_line = app.project("LINE-1", &org.chicago, &org.line).await;
    let in_bu = app.project("BU-1", &org.paris, &org.bu).await;
    let elsewhere = app.project("OPS-1", &org.paris, &ops).await;
    let id = |p: &Value| p["id"].as_str().unwrap().to_string();

    let (_, pmo) = app
        .user_with("pmo@test.example", &[("pmo", "business_unit:ENG")])
        .await;
    let seen: Vec<String> = app
        .get_as(&pmo, "/api/v1/projects")
        .await
        .expect(200)
        .items()
        .iter()
        .map(id)
        .collect();
    assert_eq!(seen, [id(&in_line), id(&in_bu)]);
    app.get_as(&pmo, &format!("/api/v1/projects/{}", id(&in_line)))
        .await
        .expect(200);
    app.get_as(&pmo, &format!("/api/v1/projects/{}", id(&elsewhere)))
        .await
        .problem(404, "not_found");
    // The PMO of ENG may create in its line, not in OPS.
    app.post_as(
        &pmo,
        "/api/v1/projects",
        json!({"code": "LINE-2", "name": "New", "site_id": org.chicago,
               "business_unit_id": org.line, "start_date": "2026-01-05"}),
    )
    .await
    .expect(201);
    app.post_as(
        &pmo,
        "/api/v1/projects",
        json!({"code": "OPS-2", "name": "New", "site_id": org.paris,
               "business_unit_id": ops, "start_date": "2026-01-05"}),
    )
    .await
    .invalid("site_id");

    let (_, pm) = app
        .user_with("pm@test.example", &[("project_manager", "project:BU-1")])
        .await;
    let seen: Vec<String> = app
        .get_as(&pm, "/api/v1/projects")
        .await
        .expect(200)
        .items()
        .iter()
        .map(id)
        .collect();
    assert_eq!(seen, [id(&in_bu)]);
    // A project manager edits the plan of their project but does not delete it.
    app.task(&id(&in_bu), "Admin's task").await;
    let t = app
        .post_as(
            &pm,
            &format!("/api/v1/projects/{}/tasks", id(&in_bu)),
            json!({"name": "PM's task", "duration_days": 1.0}),
        )
        .await
        .expect(201);
    let events = app.audit("task", &t.id()).await;
    assert_eq!(events[0]["actor"], json!("pm@test.example"));
    let p = app
        .patch_as(
            &pm,
            &format!("/api/v1/projects/{}", id(&in_bu)),
            "\"1\"",
            json!({"status": "on_hold"}),
        )
        .await
        .expect(200);
    app.delete_as(&pm, &format!("/api/v1/projects/{}", id(&in_bu)), &p.etag())
        .await
        .problem(403, "forbidden");
    app.get_as(&pm, &format!("/api/v1/projects/{}", id(&in_line)))
        .await
        .problem(404, "not_found");
    // A user without grants sees nothing, and reading the directory is allowed.
    let (_, nobody) = app.user_with("nobody@test.example", &[]).await;
    assert!(app
        .get_as(&nobody, "/api/v1/projects")
        .await
        .expect(200)
        .items()
        .is_empty());
    assert_eq!(
        app.get_as(&nobody, "/api/v1/sites")
            .await
            .expect(200)
            .items()
            .len(),
        2
    );
}

/// What is still referred to cannot be deleted (409); a task goes with its links (audited).
async fn deleting_what_is_in_use(app: TestApp) {
    let org = app.org().await;
    let p = app.project("USE", &org.paris, &org.line).await;
    let pid = p["id"].as_str().unwrap().to_string();
    for (path, _) in [
        (format!("/api/v1/sites/{}", org.paris), "site"),
        (format!("/api/v1/business-units/{}", org.line), "line"),
        (
            format!("/api/v1/business-units/{}", org.bu),
            "unit with a line",
        ),
    ] {
        let etag = app.get(&path).await.expect(200).etag();
        app.delete(&path, &etag).await.problem(409, "conflict");
        app.get(&path).await.expect(200);
    }
    let parent = app.task(&pid, "Parent").await;
    let child = app
        .post(
            &format!("/api/v1/projects/{pid}/tasks"),
            json!({"name": "Child", "parent_id": parent}),
        )
        .await
        .expect(201)
        .id();
    app.delete(&format!("/api/v1/tasks/{parent}"), "\"1\"")
        .await
        .problem(409, "conflict");
    let other = app.task(&pid, "Other").await;
    let dep = app
        .post(
            &format!("/api/v1/projects/{pid}/dependencies"),
            json!({"predecessor_id": child, "successor_id": other}),
        )
        .await
        .expect(201)
        .id();
    let asg = app
        .post(
            &format!("/api/v1/tasks/{child}/assignments"),
            json!({"person_id": org.person}),
        )
        .await
        .expect(201)
        .id();
    app.delete(&format!("/api/v1/tasks/{child}"), "\"1\"")
        .await
        .expect(204);
    app.get(&format!("/api/v1/dependencies/{dep}"))
        .await
        .problem(404, "not_found");
    app.get(&format!("/api/v1/assignments/{asg}"))
        .await
        .problem(404, "not_found");
    assert_eq!(app.audit("dependency", &dep).await.len(), 2);
    assert_eq!(app.audit("assignment", &asg).await.len(), 2);
    // A project goes with its whole plan.
    let etag = app
        .get(&format!("/api/v1/projects/{pid}"))
        .await
        .expect(200)
        .etag();
    app.delete(&format!("/api/v1/projects/{pid}"), &etag)
        .await
        .expect(204);
    app.get(&format!("/api/v1/tasks/{parent}"))
        .await
        .problem(404, "not_found");
    // Now the site and the line are free.
    let path = format!("/api/v1/business-units/{}", org.line);
    let etag = app.get(&path).await.expect(200).etag();
    app.delete(&path, &etag).await.expect(204);
}

/// People are managed by admins everywhere and by a site's PSO on that site only; a disabled
/// user's token stops working; tokens are the owner's business.
async fn people_tokens_and_disabled_users(app: TestApp) {
    let org = app.org().await;
    let (pso_user, pso) = app
        .user_with("pso@test.example", &[("pso", "site:PAR")])
        .await;
    let here = app
        .post_as(
            &pso,
            "/api/v1/people",
            json!({"name": "Paris hire", "site_id": org.paris}),
        )
        .await
        .expect(201);
    app.post_as(
        &pso,
        "/api/v1/people",
        json!({"name": "Chicago hire", "site_id": org.chicago}),
    )
    .await
    .problem(403, "forbidden");
    app.patch_as(
        &pso,
        &format!("/api/v1/people/{}", here.id()),
        &here.etag(),
        json!({"site_id": org.chicago}),
    )
    .await
    .problem(403, "forbidden");
    let (_, member) = app
        .user_with("member@test.example", &[("member", "site:PAR")])
        .await;
    app.patch_as(
        &member,
        &format!("/api/v1/people/{}", here.id()),
        &here.etag(),
        json!({"name": "Renamed"}),
    )
    .await
    .problem(403, "forbidden");
    assert_eq!(
        app.get(&format!("/api/v1/people/{}", here.id()))
            .await
            .expect(200)
            .json["version"],
        json!(1)
    );

    // Tokens: made once (the secret is shown once), listed without secrets, not revocable by
    // someone else.
    let made = app
        .post_as(&pso, "/api/v1/tokens", json!({"label": "laptop"}))
        .await
        .expect(201);
    let secret = made.json["token"].as_str().unwrap().to_string();
    app.get_as(&secret, "/api/v1/me").await.expect(200);
    let listed = app.get_as(&pso, "/api/v1/tokens").await.expect(200);
    assert_eq!(listed.items().len(), 2);
    assert!(!listed.text.contains(&secret));
    let tid = made.json["id"].as_str().unwrap();
    send(app.with(&member, Method::DELETE, &format!("/api/v1/tokens/{tid}")))
        .await
        .problem(404, "not_found");
    app.get_as(&secret, "/api/v1/me").await.expect(200);

    // Disabling the user ends every token at once.
    let u = app
        .get(&format!("/api/v1/users/{}", pso_user.id))
        .await
        .expect(200);
    app.patch(
        &format!("/api/v1/users/{}", pso_user.id),
        &u.etag(),
        json!({"disabled": true}),
    )
    .await
    .expect(200);
    app.get_as(&pso, "/api/v1/me")
        .await
        .problem(401, "unauthorized");
    app.get_as(&secret, "/api/v1/projects")
        .await
        .problem(401, "unauthorized");
}

/// `q` is a search for the text as typed: `%` and `_` are not wildcards.
async fn search_treats_wildcards_as_text(app: TestApp) {
    let org = app.org().await;
    app.project("A_B", &org.paris, &org.bu).await;
    app.project("AXB", &org.paris, &org.bu).await;
    let codes = |r: Resp| -> Vec<String> {
        r.items()
            .iter()
            .map(|p| p["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        codes(app.get("/api/v1/projects?q=a_b").await.expect(200)),
        ["A_B"]
    );
    assert!(codes(app.get("/api/v1/projects?q=%25").await.expect(200)).is_empty());
    // The people directory's search too.
    app.post(
        "/api/v1/people",
        json!({"name": "Jean_Luc", "site_id": org.paris}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/people",
        json!({"name": "JeanXLuc", "site_id": org.paris}),
    )
    .await
    .expect(201);
    let names: Vec<Value> = app
        .get("/api/v1/people?q=jean_")
        .await
        .expect(200)
        .items()
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(names, [json!("Jean_Luc")]);
    assert_eq!(
        app.get("/api/v1/people?q=marie")
            .await
            .expect(200)
            .items()
            .len(),
        1
    );
}

// ---------------------------------------------------------------- sessions

/// Signs in through the login form; returns the response.
async fn login(app: &TestApp, email: &str, password: &str) -> Resp {
    send(
        app.anon(Method::POST, "/login")
            .form(&[("email", email), ("password", password)]),
    )
    .await
}

/// The session cookie's value set by a response.
fn session_of(r: &Resp) -> String {
    let set = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("pso_session="))
        .unwrap_or_else(|| panic!("a session cookie: {:?}", r.headers))
        .to_string();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite"), "{set}");
    set.trim_start_matches("pso_session=")
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

async fn sessions_login_csrf_logout(app: TestApp) {
    let password = "correct horse battery";
    app.user_with_password("sam@test.example", &[("admin", "global")], password)
        .await;
    let r = login(&app, "sam@test.example", password).await.expect(303);
    let sid = session_of(&r);
    let cookie = format!("pso_session={sid}");
    let with_cookie = |m: Method, path: &str| app.anon(m, path).header("cookie", cookie.clone());

    let me = send(with_cookie(Method::GET, "/api/v1/me"))
        .await
        .expect(200);
    assert_eq!(me.json["user"]["email"], json!("sam@test.example"));
    let csrf = me.json["csrf_token"]
        .as_str()
        .expect("csrf_token")
        .to_string();
    assert!(csrf.len() >= 32);

    let body = json!({"code": "WEB", "name": "Made in a browser"});
    send(with_cookie(Method::POST, "/api/v1/business-units").json(&body))
        .await
        .problem(403, "csrf_failed");
    send(
        with_cookie(Method::POST, "/api/v1/business-units")
            .header("x-csrf-token", "wrong")
            .json(&body),
    )
    .await
    .problem(403, "csrf_failed");
    assert!(app
        .get("/api/v1/business-units")
        .await
        .expect(200)
        .items()
        .is_empty());
    let bu = send(
        with_cookie(Method::POST, "/api/v1/business-units")
            .header("x-csrf-token", &csrf)
            .json(&body),
    )
    .await
    .expect(201);
    // The audit trail names the signed-in user.
    let events = app.audit("business_unit", &bu.id()).await;
    assert_eq!(events[0]["actor"], json!("sam@test.example"));

    // A second login makes a new session id; both are distinct sessions.
    let r2 = login(&app, "sam@test.example", password).await.expect(303);
    let sid2 = session_of(&r2);
    assert_ne!(sid, sid2);

    // Logout needs the CSRF token too, then kills the session on the server.
    send(with_cookie(Method::POST, "/logout"))
        .await
        .problem(403, "csrf_failed");
    let out = send(with_cookie(Method::POST, "/logout").header("x-csrf-token", &csrf))
        .await
        .expect(303);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    send(with_cookie(Method::GET, "/api/v1/me"))
        .await
        .problem(401, "unauthorized");
    send(
        with_cookie(Method::POST, "/api/v1/business-units")
            .header("x-csrf-token", &csrf)
            .json(&json!({"code": "LATE", "name": "After logout"})),
    )
    .await
    .problem(401, "unauthorized");
    // The other session lives on; its CSRF token is its own.
    let me2 = send(
        app.anon(Method::GET, "/api/v1/me")
            .header("cookie", format!("pso_session={sid2}")),
    )
    .await
    .expect(200);
    assert_ne!(me2.json["csrf_token"], json!(csrf));

    // Plain forms carry the CSRF token as a field: logging out the second session that way.
    let csrf2 = me2.json["csrf_token"].as_str().unwrap().to_string();
    send(
        app.anon(Method::POST, "/logout")
            .header("cookie", format!("pso_session={sid2}"))
            .form(&[("csrf_token", csrf.as_str())]),
    )
    .await
    .problem(403, "csrf_failed");
    send(
        app.anon(Method::POST, "/logout")
            .header("cookie", format!("pso_session={sid2}"))
            .form(&[("csrf_token", csrf2.as_str())]),
    )
    .await
    .expect(303);
    send(
        app.anon(Method::GET, "/api/v1/me")
            .header("cookie", format!("pso_session={sid2}")),
    )
    .await
    .problem(401, "unauthorized");

    // A wrong password sets no cookie.
    let bad = login(&app, "sam@test.example", "wrong password!").await;
    assert_eq!(bad.status, 401, "{}", bad.text);
    assert!(bad.header("set-cookie").is_none());
    let nobody = login(&app, "nobody@test.example", password).await;
    assert_eq!(nobody.status, 401);
}

/// Behind TLS the session cookie is marked Secure (and still HttpOnly, SameSite).
#[tokio::test]
async fn secure_cookies_when_configured() {
    let app = crate::common::spawn_app_with(
        crate::common::Backend::Sqlite,
        pso_web::WebConfig {
            secure_cookies: true,
        },
    )
    .await;
    let password = "correct horse battery";
    app.user_with_password("sec@test.example", &[("member", "global")], password)
        .await;
    let r = login(&app, "sec@test.example", password).await.expect(303);
    session_of(&r);
    let set = r.header("set-cookie").unwrap();
    assert!(set.contains("; Secure"), "{set}");
    // The default (plain HTTP, as in every other test) is not Secure.
    let plain = crate::common::spawn_app(crate::common::Backend::Sqlite).await;
    plain
        .user_with_password("sec@test.example", &[("member", "global")], password)
        .await;
    let r = login(&plain, "sec@test.example", password)
        .await
        .expect(303);
    assert!(!r.header("set-cookie").unwrap().contains("Secure"));
}

async fn login_throttling(app: TestApp) {
    let password = "correct horse battery";
    app.user_with_password("tim@test.example", &[("member", "global")], password)
        .await;
    let free = pso_domain::signin::FREE_TRIES;
    for i in 0..free {
        let r = login(&app, "tim@test.example", &format!("guess number {i}")).await;
        assert_eq!(r.status, 401, "attempt {i}: {}", r.text);
    }
    // The next attempt from this client waits (back-off), even with the right password.
    let r = login(&app, "tim@test.example", password).await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert!(r.header("retry-after").is_some());
    assert!(r.header("set-cookie").is_none());
    // Other accounts are not locked by it (the per-client limit is higher).
    let r = login(&app, "TIM2@test.example", "whatever it is").await;
    assert_eq!(r.status, 401);
}

// ---------------------------------------------------------------- audit and durability

async fn audit_trail_of_a_project(app: TestApp) {
    let org = app.org().await;
    let p = app.project("AUD", &org.paris, &org.bu).await;
    let pid = p["id"].as_str().unwrap().to_string();
    let loc = format!("/api/v1/projects/{pid}");
    let t = app.task(&pid, "Audited task").await;
    let u = app
        .patch(&loc, "\"1\"", json!({"status": "on_hold"}))
        .await
        .expect(200);
    let events = app.audit("project", &pid).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["action"], json!("update"));
    assert_eq!(events[1]["before"]["status"], json!("active"));
    assert_eq!(events[1]["after"]["status"], json!("on_hold"));
    assert_eq!(events[1]["project_id"], json!(pid));
    // The project's whole trail, newest first, includes its task.
    let all = app
        .get(&format!("/api/v1/projects/{pid}/audit-events"))
        .await
        .expect(200)
        .items();
    let kinds: Vec<(&str, &str)> = all
        .iter()
        .map(|e| {
            (
                e["entity_type"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("project", "update"),
            ("task", "create"),
            ("project", "create")
        ]
    );
    assert_eq!(all[1]["entity_id"], json!(t));
    // A refused change leaves no trace.
    app.patch(&loc, "\"1\"", json!({"status": "closed"}))
        .await
        .problem(412, "precondition_failed");
    assert_eq!(app.audit("project", &pid).await.len(), 2);
    app.delete(&loc, &u.etag()).await.expect(204);
    let events = app.audit("project", &pid).await;
    assert_eq!(events.len(), 3);
    assert_eq!(events[2]["action"], json!("delete"));
    assert_eq!(events[2]["before"]["code"], json!("AUD"));
    assert_eq!(events[2]["actor_id"], json!(app.admin.id));
    app.get("/api/v1/audit-events?entity_type=spaceship&entity_id=x")
        .await
        .invalid("entity_type");
}

async fn data_survives_a_restart(mut app: TestApp) {
    let org = app.org().await;
    let p = app.project("KEEP", &org.paris, &org.bu).await;
    let pid = p["id"].as_str().unwrap().to_string();
    let a = app.task(&pid, "Before").await;
    let b = app.task(&pid, "After").await;
    app.post(
        &format!("/api/v1/projects/{pid}/dependencies"),
        json!({"predecessor_id": a, "successor_id": b, "lag_days": -2.0}),
    )
    .await
    .expect(201);
    let u = app
        .patch(
            &format!("/api/v1/projects/{pid}"),
            "\"1\"",
            json!({"priority": 42}),
        )
        .await
        .expect(200);
    let before = app.address.clone();

    app.restart().await;
    assert_ne!(app.address, before);
    let p2 = app
        .get(&format!("/api/v1/projects/{pid}"))
        .await
        .expect(200);
    assert_eq!(p2.json, u.json);
    assert_eq!(p2.etag(), "\"2\"");
    let tasks = app
        .get(&format!("/api/v1/projects/{pid}/tasks"))
        .await
        .expect(200);
    assert_eq!(tasks.items().len(), 2);
    let deps = app
        .get(&format!("/api/v1/projects/{pid}/dependencies"))
        .await
        .expect(200)
        .items();
    assert_eq!(deps.len(), 1);
    assert_eq!(deps[0]["lag_days"], json!(-2.0));
    assert_eq!(app.audit("project", &pid).await.len(), 2);
    // And the restarted server writes.
    app.task(&pid, "After the restart").await;
}

both!(
    healthz_and_openapi,
    every_route_answers,
    no_or_bad_token_is_401,
    crud_business_units,
    crud_sites,
    crud_people,
    crud_users,
    crud_projects,
    crud_tasks,
    crud_dependencies,
    crud_assignments,
    project_list_paging_and_filters,
    task_and_dependency_lists_page,
    malformed_and_mistyped_bodies,
    unknown_country_time_zone_currency,
    missing_references_are_422,
    duplicate_project_code_is_409,
    dependency_cycle_is_422_and_writes_nothing,
    body_over_the_limit_is_413,
    concurrent_writers,
    scoping_by_site_and_role,
    scoping_by_business_unit_and_project,
    deleting_what_is_in_use,
    people_tokens_and_disabled_users,
    search_treats_wildcards_as_text,
    sessions_login_csrf_logout,
    login_throttling,
    audit_trail_of_a_project,
    data_survives_a_restart,
);
