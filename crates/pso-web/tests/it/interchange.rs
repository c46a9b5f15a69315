//! MS Project XML import and export in the product, on SQLite and PostgreSQL: the imported
//! plan (WBS, dependencies, assignments, baselines), the import report, the export round trip,
//! hostile and broken files, all-or-nothing writes and permissions.

use crate::common::TestApp;
use pso_formats::mspdi;
use reqwest::Method;
use serde_json::{json, Value};

fn data(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

async fn import_as(app: &TestApp, token: &str, query: &str, body: Vec<u8>) -> crate::common::Resp {
    crate::common::send(
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

async fn import(app: &TestApp, query: &str, body: Vec<u8>) -> crate::common::Resp {
    import_as(app, &app.admin_token, query, body).await
}

/// Submits an import, follows its job to the end and expects it done: `{project, report, job}`.
async fn import_ok_as(app: &TestApp, token: &str, query: &str, body: Vec<u8>) -> Value {
    let id = TestApp::accepted(import_as(app, token, query, body).await);
    let job = app.wait_job_as(token, &id).await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["kind"], "mspdi_import");
    let result = &job["result"];
    let pid = result["project_id"].as_str().expect("project_id");
    let project = app
        .get_as(token, &format!("/api/v1/projects/{pid}"))
        .await
        .expect(200)
        .json;
    assert_eq!(result["code"], project["code"]);
    json!({"project": project, "report": result["report"], "job": job})
}

async fn import_ok(app: &TestApp, query: &str, body: Vec<u8>) -> Value {
    import_ok_as(app, &app.admin_token, query, body).await
}

/// Submits an import whose content is refused: the job fails with the problem (code, detail,
/// errors), which is returned.
async fn import_refused(app: &TestApp, query: &str, body: Vec<u8>) -> Value {
    let id = TestApp::accepted(import(app, query, body).await);
    let job = app.wait_job(&id).await;
    assert_eq!(job["state"], "failed", "{job}");
    assert_eq!(job["error"]["code"], "validation_failed", "{job}");
    assert!(job["result"].is_null());
    job["error"].clone()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sql)
        .fetch_one(app.store.pool())
        .await
        .expect("count")
        .try_get::<i64, _>(0)
        .expect("n")
}

async fn export(app: &TestApp, id: &str) -> mspdi::Document {
    let r = app
        .get(&format!("/api/v1/projects/{id}/mspdi"))
        .await
        .expect(200);
    assert!(r
        .header("content-disposition")
        .is_some_and(|d| d.starts_with("attachment")));
    mspdi::from_str(&r.text).expect("the export is MSPDI")
}

async fn all(app: &TestApp, path: &str) -> Vec<Value> {
    app.get(&format!("{path}?limit=1000"))
        .await
        .expect(200)
        .items()
}

async fn imported_plan(app: TestApp) {
    let org = app.org().await;
    let q = format!(
        "site_id={}&business_unit_id={}&code=GEN60&create_people=true&file_name=generated60.xml",
        org.paris, org.bu
    );
    let r = import_ok(&app, &q, data("generated60.xml")).await;
    let id = r["project"]["id"].as_str().expect("id").to_string();
    assert_eq!(r["project"]["code"], "GEN60");
    assert_eq!(r["project"]["name"], "Generated large project");
    let report = &r["report"];
    let orig = mspdi::from_str(&String::from_utf8(data("generated60.xml")).unwrap()).unwrap();
    let n_tasks = orig
        .project
        .tasks
        .iter()
        .filter(|t| t.outline_level.unwrap_or(1) > 0)
        .count();
    assert_eq!(report["tasks"], json!(n_tasks));

    // WBS: groups with children, in file order.
    let tasks = all(&app, &format!("/api/v1/projects/{id}/tasks")).await;
    assert_eq!(tasks.len(), n_tasks);
    let groups: Vec<&Value> = tasks.iter().filter(|t| t["parent_id"].is_null()).collect();
    assert!(groups.len() >= 2, "top-level groups: {}", groups.len());
    let first_group = groups[0]["id"].as_str().unwrap();
    let kids = tasks
        .iter()
        .filter(|t| t["parent_id"] == json!(first_group))
        .count();
    assert_eq!(kids, 19);
    let leaf = tasks.iter().find(|t| !t["parent_id"].is_null()).unwrap();
    assert!(leaf["duration_days"].as_f64().unwrap() >= 1.0);

    // Dependencies, assignments, people, baselines.
    let deps = all(&app, &format!("/api/v1/projects/{id}/dependencies")).await;
    let n_links: usize = orig
        .project
        .tasks
        .iter()
        .map(|t| t.predecessor_links.len())
        .sum();
    assert_eq!(deps.len(), n_links);
    assert!(deps.iter().any(|d| d["type"] == "SS"));
    assert!(deps.iter().any(|d| d["lag_days"].as_f64().unwrap() < 0.0));
    let asg = count(
        &app,
        &format!("SELECT COUNT(*) FROM assignments WHERE project_id = '{id}'"),
    )
    .await;
    assert_eq!(asg as usize, orig.project.assignments.len());
    assert_eq!(report["assignments"], json!(asg));
    assert!(report["people_created"].as_i64().unwrap() > 0);
    let baselines = app
        .get(&format!("/api/v1/projects/{id}/baselines"))
        .await
        .expect(200)
        .items();
    assert_eq!(baselines.len(), 1);
    assert_eq!(baselines[0]["name"], "MS Project baseline 0");
    let bt = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM baseline_tasks WHERE baseline_id = '{}'",
            baselines[0]["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(bt as usize, n_tasks);
    let start: String = {
        use sqlx::Row;
        sqlx::query(&format!(
            "SELECT start_at FROM baseline_tasks WHERE baseline_id = '{}' ORDER BY start_at LIMIT 1",
            baselines[0]["id"].as_str().unwrap()
        ))
        .fetch_one(app.store.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
    };
    assert!(
        start.ends_with("+01:00"),
        "Paris offset in January: {start}"
    );

    // One audit event, action "import".
    let events = app
        .get(&format!("/api/v1/projects/{id}/audit-events"))
        .await
        .expect(200)
        .items();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["action"], "import");

    // The report names custom fields and is stored with the project.
    let topics: Vec<String> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["topic"].as_str().unwrap().to_string())
        .collect();
    assert!(
        topics.iter().any(|t| t.starts_with("custom field")),
        "{topics:?}"
    );
    let stored = app
        .get(&format!("/api/v1/projects/{id}/import-report"))
        .await
        .expect(200);
    assert_eq!(&stored.json["report"], report);
    let html = app
        .get(&format!("/projects/{id}/import-report"))
        .await
        .expect(200);
    assert!(html.text.contains("custom field"), "{}", html.text);

    // Export without changes: the same project.
    let exported = export(&app, &id).await;
    assert_eq!(exported.project, orig.project);
}

async fn round_trip_with_edits(app: TestApp) {
    let org = app.org().await;
    let q = format!(
        "site_id={}&business_unit_id={}&code=SIMPLE",
        org.paris, org.bu
    );
    let r = import_ok(&app, &q, data("handwritten_pmdatatools_simple_project.xml")).await;
    let id = r["project"]["id"].as_str().unwrap().to_string();
    let report = &r["report"];
    // Progress, notes, costs and unmatched resources are reported.
    let text = report.to_string();
    for needle in [
        "progress",
        "task notes",
        "task costs",
        "unmatched resources",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    assert_eq!(r["project"]["status"], "active");
    let orig = mspdi::from_str(
        &String::from_utf8(data("handwritten_pmdatatools_simple_project.xml")).unwrap(),
    )
    .unwrap();
    assert_eq!(export(&app, &id).await.project, orig.project);

    // Edit in PSO: rename task 1, lengthen task 2, add a task with a link, delete the milestone.
    let tasks = all(&app, &format!("/api/v1/projects/{id}/tasks")).await;
    let by_name = |n: &str| tasks.iter().find(|t| t["name"] == n).unwrap().clone();
    let t1 = by_name("Task 1");
    let t2 = by_name("Task 2");
    let ms = by_name("Milestone 1");
    let t1r = app
        .get(&format!("/api/v1/tasks/{}", t1["id"].as_str().unwrap()))
        .await;
    app.patch(
        &format!("/api/v1/tasks/{}", t1["id"].as_str().unwrap()),
        &t1r.etag(),
        json!({"name": "Task one"}),
    )
    .await
    .expect(200);
    let t2r = app
        .get(&format!("/api/v1/tasks/{}", t2["id"].as_str().unwrap()))
        .await;
    app.patch(
        &format!("/api/v1/tasks/{}", t2["id"].as_str().unwrap()),
        &t2r.etag(),
        json!({"duration_days": 3}),
    )
    .await
    .expect(200);
    let msr = app
        .get(&format!("/api/v1/tasks/{}", ms["id"].as_str().unwrap()))
        .await;
    app.delete(
        &format!("/api/v1/tasks/{}", ms["id"].as_str().unwrap()),
        &msr.etag(),
    )
    .await
    .expect(204);
    let new = app
        .post(
            &format!("/api/v1/projects/{id}/tasks"),
            json!({"name": "Handover", "duration_days": 1}),
        )
        .await
        .expect(201);
    app.post(
        &format!("/api/v1/projects/{id}/dependencies"),
        json!({"predecessor_id": t2["id"], "successor_id": new.id(), "type": "FS"}),
    )
    .await
    .expect(201);

    let out = export(&app, &id).await.project;
    let names: Vec<String> = out
        .tasks
        .iter()
        .map(|t| t.name.clone().unwrap_or_default())
        .collect();
    assert!(names.contains(&"Task one".to_string()), "{names:?}");
    assert!(!names.contains(&"Milestone 1".to_string()), "{names:?}");
    let handover = out
        .tasks
        .iter()
        .find(|t| t.name.as_deref() == Some("Handover"))
        .expect("the new task");
    let max_orig_uid = orig
        .project
        .tasks
        .iter()
        .filter_map(|t| t.uid)
        .max()
        .unwrap();
    assert!(handover.uid.unwrap() > max_orig_uid);
    assert_eq!(handover.predecessor_links.len(), 1);
    assert_eq!(handover.predecessor_links[0].predecessor_uid, Some(2));
    let t2x = out.tasks.iter().find(|t| t.uid == Some(2)).unwrap();
    assert_eq!(
        t2x.duration.as_ref().and_then(|d| d.minutes()),
        Some(3.0 * 480.0)
    );
    // The rest of the file is untouched.
    assert_eq!(out.calendars, orig.project.calendars);
    assert_eq!(out.resources, orig.project.resources);
    assert_eq!(out.assignments.len(), orig.project.assignments.len());
    assert_eq!(out.extended_attributes, orig.project.extended_attributes);
    assert_eq!(out.extra, orig.project.extra);
    let t1x = out.tasks.iter().find(|t| t.uid == Some(1)).unwrap();
    let t1o = orig
        .project
        .tasks
        .iter()
        .find(|t| t.uid == Some(1))
        .unwrap();
    assert_eq!(t1x.notes, t1o.notes);
    assert_eq!(t1x.percent_complete, t1o.percent_complete);
}

async fn null_tasks_kept(app: TestApp) {
    let org = app.org().await;
    let q = format!(
        "site_id={}&business_unit_id={}&code=NULLS",
        org.paris, org.bu
    );
    let r = import_ok(&app, &q, data("mpxj_mspdinulltasks.xml")).await;
    let id = r["project"]["id"].as_str().unwrap().to_string();
    assert!(r["report"].to_string().contains("blank task rows"));
    let orig =
        mspdi::from_str(&String::from_utf8(data("mpxj_mspdinulltasks.xml")).unwrap()).unwrap();
    assert_eq!(export(&app, &id).await.project, orig.project);
    // Deleting the project takes its stored original and task mapping with it.
    let etag = app
        .get(&format!("/api/v1/projects/{id}"))
        .await
        .expect(200)
        .etag();
    app.delete(&format!("/api/v1/projects/{id}"), &etag)
        .await
        .expect(204);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM project_sources").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM task_sources").await, 0);
}

async fn hostile_files_write_nothing(app: TestApp) {
    let org = app.org().await;
    let q = format!("site_id={}&business_unit_id={}&code=BAD", org.paris, org.bu);
    let xxe = br#"<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Project xmlns="http://schemas.microsoft.com/project"><Name>&xxe;</Name></Project>"#
        .to_vec();
    // The file is read by the job: the job fails with the problem of the file.
    let e = import_refused(&app, &q, xxe).await.to_string();
    assert!(e.contains("refused"), "{e}");
    assert!(e.contains("line 2"), "{e}");
    let laughs = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Project><Name>&lol1;</Name></Project>"#
        .to_vec();
    let e = import_refused(&app, &q, laughs).await.to_string();
    assert!(e.contains("refused"), "{e}");
    let mut truncated = data("generated60.xml");
    truncated.truncate(truncated.len() / 2);
    let e = import_refused(&app, &q, truncated).await.to_string();
    assert!(e.contains("line "), "{e}");
    assert!(e.contains("column"), "{e}");
    let e = import_refused(&app, &q, b"<Plan/>".to_vec())
        .await
        .to_string();
    assert!(e.contains("not an MS Project XML file"), "{e}");
    // An empty body is refused at once, like a bad code.
    import(&app, &q, Vec::new()).await.invalid("file");
    let bad_code = format!(
        "site_id={}&business_unit_id={}&code=no%20way",
        org.paris, org.bu
    );
    import(&app, &bad_code, data("generated60.xml"))
        .await
        .invalid("code");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM projects").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM tasks").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM project_sources").await, 0);
}

async fn duplicate_code_writes_nothing(app: TestApp) {
    let org = app.org().await;
    app.project("DUP", &org.paris, &org.bu).await;
    let people_before = count(&app, "SELECT COUNT(*) FROM people").await;
    let audit_before = count(&app, "SELECT COUNT(*) FROM audit_events").await;
    // With people to create: they are written before the project row fails, and must go too.
    let q = format!(
        "site_id={}&business_unit_id={}&code=dup&create_people=true",
        org.paris, org.bu
    );
    import(&app, &q, data("generated60.xml"))
        .await
        .problem(409, "conflict");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM projects").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM tasks").await, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM people").await,
        people_before
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM audit_events").await,
        audit_before
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM baselines").await, 0);
}

async fn permissions(app: TestApp) {
    let org = app.org().await;
    let (_, chicago_pso) = app
        .user_with("pso-chi@test.example", &[("pso", "site:CHI")])
        .await;
    let q = format!("site_id={}&business_unit_id={}&code=P1", org.paris, org.bu);
    import_as(
        &app,
        &chicago_pso,
        &q,
        data("handwritten_pmdatatools_simple_project.xml"),
    )
    .await
    .invalid("site_id");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM projects").await, 0);
    // Allowed on its own site.
    let q = format!(
        "site_id={}&business_unit_id={}&code=P2",
        org.chicago, org.bu
    );
    let r = import_ok_as(
        &app,
        &chicago_pso,
        &q,
        data("handwritten_pmdatatools_simple_project.xml"),
    )
    .await;
    let id = r["project"]["id"].as_str().unwrap().to_string();
    // The job is its owner's: others do not see it.
    let job_id = r["job"]["id"].as_str().unwrap().to_string();
    let (_, other_pso) = app
        .user_with("pso-chi2@test.example", &[("pso", "site:CHI")])
        .await;
    app.get_as(&other_pso, &format!("/api/v1/jobs/{job_id}"))
        .await
        .problem(404, "not_found");
    app.get(&format!("/api/v1/jobs/{job_id}")).await.expect(200);
    // Someone who may not read the project sees nothing.
    let (_, paris_member) = app
        .user_with("member-par@test.example", &[("member", "site:PAR")])
        .await;
    app.get_as(&paris_member, &format!("/api/v1/projects/{id}/mspdi"))
        .await
        .expect(404);
    app.get_as(
        &paris_member,
        &format!("/api/v1/projects/{id}/import-report"),
    )
    .await
    .expect(404);
    // A project that was not imported exports from PSO's data alone.
    let p = app.project("FRESH", &org.paris, &org.bu).await;
    let pid = p["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/projects/{pid}/tasks"),
        json!({"name": "Only task", "duration_days": 2}),
    )
    .await
    .expect(201);
    let doc = export(&app, pid).await;
    assert!(doc
        .project
        .tasks
        .iter()
        .any(|t| t.name.as_deref() == Some("Only task")
            && t.duration.as_ref().and_then(|d| d.minutes()) == Some(960.0)));
    assert_eq!(doc.project.calendars.len(), 1);
}

both!(
    imported_plan,
    round_trip_with_edits,
    null_tasks_kept,
    hostile_files_write_nothing,
    duplicate_code_writes_nothing,
    permissions
);

/// Every file of the shared MSPDI corpus (`../shared/data/mspdi` and its `from-mpp/`, beside the
/// repository in CI) imports, and exports again to the same project. Skipped when the corpus is
/// not there, except under `CI=true`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_corpus_round_trips() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mspdi");
    if !root.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{} is missing under CI=true",
            root.display()
        );
        eprintln!("note: {} not found; skipping", root.display());
        return;
    }
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in [root.clone(), root.join("from-mpp")] {
        if let Ok(rd) = std::fs::read_dir(&dir) {
            for e in rd.flatten() {
                if e.path().extension().is_some_and(|x| x == "xml") {
                    files.push(e.path());
                }
            }
        }
    }
    files.sort();
    assert!(files.len() > 50, "{} files", files.len());
    let app = crate::common::spawn_app(crate::common::Backend::Sqlite).await;
    let org = app.org().await;
    for (i, f) in files.iter().enumerate() {
        let bytes = std::fs::read(f).unwrap();
        let q = format!(
            "site_id={}&business_unit_id={}&code=C{i}&create_people=true",
            org.paris, org.bu
        );
        let r = import(&app, &q, bytes.clone()).await;
        assert_eq!(r.status.as_u16(), 202, "{}: {}", f.display(), r.text);
        let job = app.wait_job(r.json["id"].as_str().unwrap()).await;
        assert_eq!(job["state"], "done", "{}: {job}", f.display());
        let id = job["result"]["project_id"].as_str().unwrap().to_string();
        let orig = mspdi::read(&bytes[..]).unwrap();
        let out = export(&app, &id).await;
        assert!(
            out.project == orig.project,
            "{}: the export differs",
            f.display()
        );
    }
}
