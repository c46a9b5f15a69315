//! Issue 4, acceptance 5: a real browser (headless Chromium through chromedriver) uploads an MS
//! Project XML file on `/import`, lands on the import report, opens the project and its Gantt
//! chart, schedules it and sees the imported tasks.
//!
//! Needs `chromium` and `chromium-driver` (or `PSO_CHROME` / `PSO_CHROMEDRIVER`). Without them the
//! test fails when `CI=true` and otherwise prints why it did not run.

use pso_domain::access::{Grant, Role, Scope};
use pso_domain::model::{BusinessUnitInput, SiteInput, UserInput};
use pso_store::{Actor, Store};
use pso_web::{AppState, WebConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_imports_a_plan() {
    let Some(session) = crate::webdriver::Session::start("browser import test").await else {
        return;
    };
    let b = &session.browser;

    let tmp = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/pso.db?mode=rwc", tmp.path().display());
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let sys = Actor::system("test");
    let site = store
        .create_site(
            &sys,
            &SiteInput {
                code: "PAR".into(),
                name: "Paris".into(),
                country: "FR".into(),
                time_zone: "Europe/Paris".into(),
                currency: "EUR".into(),
                working_week: ["mon", "tue", "wed", "thu", "fri"]
                    .iter()
                    .map(|d| d.to_string())
                    .collect(),
                working_hours: vec![
                    ["08:00".into(), "12:00".into()],
                    ["13:00".into(), "17:00".into()],
                ],
                holidays: vec![],
            }
            .validate()
            .unwrap(),
        )
        .await
        .unwrap();
    let unit = store
        .create_business_unit(
            &sys,
            &BusinessUnitInput {
                code: "ENG".into(),
                name: "Engineering".into(),
                parent_id: None,
            }
            .validate()
            .unwrap(),
        )
        .await
        .unwrap();
    let hash = pso_app::auth::hash_password_blocking("correct horse battery").unwrap();
    store
        .create_user(
            &sys,
            &UserInput {
                email: "admin@example.test".into(),
                name: "Ada Admin".into(),
                person_id: None,
                grants: vec![Grant {
                    role: Role::Admin,
                    scope: Scope::Global,
                }],
                disabled: false,
                password: None,
            }
            .validate()
            .unwrap(),
            &[pso_domain::access::AccessGrant {
                role: Role::Admin,
                scope: pso_domain::access::ScopeId::Global,
            }],
            Some(&hash),
        )
        .await
        .unwrap();
    let state = AppState::new(store.clone(), WebConfig::default())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(pso_web::serve(listener, state, async {
        let _ = stopped.await;
    }));

    // Sign in.
    b.goto(&format!("{base}/login")).await;
    b.fill("#email", "admin@example.test").await;
    b.fill("#password", "correct horse battery").await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.wait_text(".account-name", &["Ada Admin"]).await;

    // Upload the file.
    b.goto(&format!("{base}/import")).await;
    b.wait_text("h1", &["Import an MS Project plan"]).await;
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/generated60.xml");
    let input = b.find("#im-file").await;
    b.cmd(
        reqwest::Method::POST,
        &format!("/element/{input}/value"),
        Some(serde_json::json!({ "text": file.to_string_lossy() })),
    )
    .await;
    b.click(&format!("#im-site option[value='{}']", site.id))
        .await;
    b.click(&format!("#im-bu option[value='{}']", unit.id))
        .await;
    b.fill("#im-code", "BRW-IMP").await;
    b.click("input[name=create_people]").await;
    b.click("#import-submit").await;

    // The import report.
    b.wait_text("h1", &["Generated large project", "import report"])
        .await;
    b.wait_text("#report-tasks", &["60"]).await;
    b.wait_text("#report-items", &["custom field Text1", "Work package"])
        .await;
    let report_url = b.url().await;
    let pid = report_url
        .split("/projects/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_string();
    assert_eq!(store.all_tasks(&pid).await.unwrap().len(), 60);

    // The project, then its Gantt chart: schedule it and see the imported tasks.
    b.goto(&format!("{base}/projects/{pid}")).await;
    b.wait_text("h1", &["BRW-IMP"]).await;
    b.find("#download-mspdi").await;
    b.goto(&format!("{base}/projects/{pid}/gantt")).await;
    b.click("#schedule-now").await;
    b.wait_text(".schedule-table", &["Phase 1", "Task 2"]).await;
    b.find(".gantt-wrap svg").await;

    // A second upload with the same code is refused and writes nothing.
    b.goto(&format!("{base}/import")).await;
    let input = b.find("#im-file").await;
    b.cmd(
        reqwest::Method::POST,
        &format!("/element/{input}/value"),
        Some(serde_json::json!({ "text": file.to_string_lossy() })),
    )
    .await;
    b.click(&format!("#im-site option[value='{}']", site.id))
        .await;
    b.click(&format!("#im-bu option[value='{}']", unit.id))
        .await;
    b.fill("#im-code", "BRW-IMP").await;
    b.click("#import-submit").await;
    b.wait_text("#import-result, #import-error", &["already exists"])
        .await;

    let _ = stop.send(());
    let _ = server.await;
}
