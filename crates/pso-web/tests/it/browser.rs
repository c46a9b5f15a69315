//! Acceptance 3: a real browser (headless Chromium through chromedriver, W3C WebDriver) signs in,
//! creates a project, adds two tasks and a dependency, and sees them on the project page.
//!
//! Needs `chromium` and `chromium-driver` (or `PSO_CHROME` / `PSO_CHROMEDRIVER`). Without them the
//! test fails when `CI=true` and otherwise prints why it did not run. With
//! `PSO_SCREENSHOT_DIR=DIR` it also saves screenshots of the main pages (laptop and phone width).

use pso_domain::access::{Grant, Role, Scope};
use pso_domain::model::{BusinessUnitInput, PersonInput, SiteInput, UserInput};
use pso_store::{Actor, Store};
use pso_web::{AppState, WebConfig};
use std::path::{Path, PathBuf};

struct Fixture {
    store: Store,
    site_id: String,
    unit_id: String,
}

async fn fixture(dir: &Path) -> Fixture {
    let url = format!("sqlite://{}/pso.db?mode=rwc", dir.display());
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
                working_week: vec![
                    "mon".into(),
                    "tue".into(),
                    "wed".into(),
                    "thu".into(),
                    "fri".into(),
                ],
                working_hours: vec![["09:00".into(), "17:00".into()]],
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
    store
        .create_person(
            &sys,
            &PersonInput {
                name: "Claire Martin".into(),
                email: Some("claire.martin@example.test".into()),
                site_id: site.id.clone(),
                skills: vec!["planning".into(), "hardware".into()],
                manager_id: None,
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
    Fixture {
        store,
        site_id: site.id,
        unit_id: unit.id,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_plans_a_project() {
    let Some(session) = crate::webdriver::Session::start("browser test").await else {
        return;
    };
    let b = &session.browser;
    let shots = std::env::var_os("PSO_SCREENSHOT_DIR").map(PathBuf::from);
    if let Some(d) = &shots {
        std::fs::create_dir_all(d).unwrap();
    }

    // The real server on port 0 over a fresh SQLite database.
    let tmp = tempfile::tempdir().unwrap();
    let fx = fixture(tmp.path()).await;
    let state = AppState::new(fx.store.clone(), WebConfig::default())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(pso_web::serve(listener, state, async {
        let _ = stopped.await;
    }));

    // Signed out: the portfolio sends us to the login page.
    b.goto(&format!("{base}/")).await;
    b.find("form[action='/login']").await;
    assert!(b.url().await.ends_with("/login"));
    b.screenshot(shots.as_deref(), "01-login").await;

    // A wrong password is refused with a message.
    b.fill("#email", "admin@example.test").await;
    b.fill("#password", "not the password").await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.wait_text(".alert-error", &["wrong e-mail or password"])
        .await;

    // Sign in.
    b.fill("#email", "admin@example.test").await;
    b.fill("#password", "correct horse battery").await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.wait_text("h1", &["Portfolio"]).await;
    b.wait_text(".account-name", &["Ada Admin"]).await;

    // Create a project (the start date is prefilled with today).
    b.click("#new-project > summary").await;
    b.fill("#np-code", "BRW-1").await;
    b.fill("#np-name", "Browser test rollout").await;
    b.click(&format!("#np-site option[value='{}']", fx.site_id))
        .await;
    b.click(&format!("#np-unit option[value='{}']", fx.unit_id))
        .await;
    b.screenshot(shots.as_deref(), "02-new-project").await;
    b.click("#new-project button[type=submit]").await;
    b.wait_text("h1", &["BRW-1", "Browser test rollout"]).await;
    let project_url = b.url().await;
    assert!(project_url.contains("/projects/"), "{project_url}");

    // Two tasks (through htmx: the plan section is swapped in place).
    b.fill("#nt-name", "Design the rollout").await;
    b.fill("#nt-dur", "5").await;
    b.click("#add-task button[type=submit]").await;
    b.wait_text("#wbs", &["Design the rollout", "5 d"]).await;
    b.fill("#nt-name", "Build the rollout").await;
    b.fill("#nt-dur", "10").await;
    b.click("#add-task button[type=submit]").await;
    b.wait_text("#wbs", &["Design the rollout", "Build the rollout", "10 d"])
        .await;

    // A dependency between them.
    b.click("//select[@id='nd-pred']/option[contains(., 'Design the rollout')]")
        .await;
    b.click("//select[@id='nd-succ']/option[contains(., 'Build the rollout')]")
        .await;
    b.click("#add-dep button[type=submit]").await;
    b.wait_text("#deps", &["Design the rollout", "Build the rollout", "FS"])
        .await;

    // The reverse link would close a cycle: refused, with the tasks named.
    b.click("//select[@id='nd-pred']/option[contains(., 'Build the rollout')]")
        .await;
    b.click("//select[@id='nd-succ']/option[contains(., 'Design the rollout')]")
        .await;
    b.click("#add-dep button[type=submit]").await;
    b.wait_text("#add-dep .alert-error", &["cycle", "Design the rollout"])
        .await;
    b.screenshot(shots.as_deref(), "03-project-cycle-error")
        .await;

    // A fresh load of the project page shows both tasks and the dependency.
    b.goto(&project_url).await;
    let wbs = b.text("#wbs").await;
    assert!(wbs.contains("1 Design the rollout") || wbs.contains("Design the rollout"));
    assert!(wbs.contains("Build the rollout"));
    assert_eq!(b.text("#deps .dep-pred").await, "1 Design the rollout");
    assert_eq!(b.text("#deps .dep-succ").await, "2 Build the rollout");
    b.screenshot(shots.as_deref(), "04-project").await;

    // And the store agrees: two tasks, one dependency, nothing from the refused cycle.
    let pid = project_url.rsplit('/').next().unwrap().to_string();
    assert_eq!(fx.store.all_tasks(&pid).await.unwrap().len(), 2);
    assert_eq!(fx.store.all_dependencies(&pid).await.unwrap().len(), 1);

    // Reorder: the second task moves up, then down again (from its Edit panel).
    b.click("#wbs tbody tr:nth-child(2) details > summary")
        .await;
    b.click("#wbs tbody tr:nth-child(2) form[action$='/up'] button")
        .await;
    b.wait_text("#wbs tbody tr:nth-child(1)", &["Build the rollout"])
        .await;
    b.click("#wbs tbody tr:nth-child(1) details > summary")
        .await;
    b.screenshot(shots.as_deref(), "04b-task-edit-panel").await;
    b.click("#wbs tbody tr:nth-child(1) form[action$='/down'] button")
        .await;
    b.wait_text("#wbs tbody tr:nth-child(1)", &["Design the rollout"])
        .await;

    // Indent the second task under the first.
    b.click("#wbs tbody tr:nth-child(2) form[action$='/indent'] button")
        .await;
    b.wait_text("#wbs", &["1.1"]).await;

    // The history shows who did what.
    b.goto(&format!("{base}/projects/{pid}/history")).await;
    b.wait_text(".history", &["admin@example.test", "Build the rollout"])
        .await;
    b.screenshot(shots.as_deref(), "05-history").await;

    // A duplicate project code is refused next to the field, with the entered values kept.
    b.goto(&format!("{base}/projects")).await;
    b.click("#new-project > summary").await;
    b.fill("#np-code", "BRW-1").await;
    b.fill("#np-name", "Second try").await;
    b.click(&format!("#np-site option[value='{}']", fx.site_id))
        .await;
    b.click(&format!("#np-unit option[value='{}']", fx.unit_id))
        .await;
    b.click("#new-project button[type=submit]").await;
    b.find("#np-code-err").await;
    let kept = b.find("#np-name").await;
    let value = b
        .cmd(
            reqwest::Method::GET,
            &format!("/element/{kept}/property/value"),
            None,
        )
        .await;
    assert_eq!(value.as_str(), Some("Second try"));
    b.screenshot(shots.as_deref(), "06b-duplicate-code").await;

    if shots.is_some() {
        for (path, name) in [
            ("/projects", "06-portfolio"),
            ("/people", "07-people"),
            ("/admin/sites", "08-sites"),
            ("/admin/business-units", "09-units"),
            ("/admin/users", "10-users"),
            ("/nope", "11-not-found"),
        ] {
            b.goto(&format!("{base}{path}")).await;
            b.find("main").await;
            b.screenshot(shots.as_deref(), name).await;
        }
        b.resize(390, 844).await;
        for (path, name) in [
            ("/projects".to_string(), "20-phone-portfolio"),
            (format!("/projects/{pid}"), "21-phone-project"),
            ("/people".to_string(), "22-phone-people"),
        ] {
            b.goto(&format!("{base}{path}")).await;
            b.find("main").await;
            b.screenshot(shots.as_deref(), name).await;
        }
        b.resize(1280, 900).await;
    }

    // Sign out: back to the login page, and the portfolio is closed again.
    b.goto(&format!("{base}/projects")).await;
    b.click("form[action='/logout'] button").await;
    b.find("form[action='/login']").await;
    b.goto(&format!("{base}/projects")).await;
    b.find("form[action='/login']").await;

    let _ = b.cmd(reqwest::Method::DELETE, "", None).await;
    let _ = stop.send(());
    let _ = server.await;
}
