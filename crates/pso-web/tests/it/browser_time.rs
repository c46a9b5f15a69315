//! Issue 10, the time pages' acceptance in a real browser (headless Chromium through
//! chromedriver, as `browser.rs`): a member signs in and lands on "My work", opens the week
//! grid, fills the week with the keyboard (typing, Tab and arrow keys, every notation), types
//! a value on Saturday where the site's weekend rule is `warn` and sees the warning on that
//! cell, saves and submits; the project's manager signs in, opens the approval inbox and
//! approves; the sheet is approved.
//!
//! Without chromium and chromedriver the test fails when `CI=true` and otherwise prints why it
//! did not run. With `PSO_SCREENSHOT_DIR=DIR` it saves screenshots (laptop and phone width).

use crate::common::{spawn_app, Backend};
use crate::time_pages::setup;
use crate::webdriver::keys::{DOWN, RIGHT, TAB, UP};
use std::path::PathBuf;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_fills_a_week_and_it_is_approved() {
    let Some(session) = crate::webdriver::Session::start("time browser test").await else {
        return;
    };
    let b = &session.browser;
    let shots = std::env::var_os("PSO_SCREENSHOT_DIR").map(PathBuf::from);
    if let Some(d) = &shots {
        std::fs::create_dir_all(d).unwrap();
    }
    let app = spawn_app(Backend::Sqlite).await;
    // Paris with weekends `warn` (and 10 h a day, holidays `warn`, assigned tasks only).
    let f = setup(&app, "warn").await;
    let base = app.address.as_str();
    let sign_in = |email: &'static str| async move {
        b.goto(&format!("{base}/login")).await;
        b.fill("#email", email).await;
        b.fill("#password", "correct horse battery").await;
        b.click("form[action='/login'] button[type=submit]").await;
    };

    // A member lands on "My work", and opens the week from there.
    sign_in("marie@tp.example").await;
    b.wait_text("h1", &["My work"]).await;
    b.goto(&format!("{}/time?week=2027-W03", app.address)).await;
    b.wait_text("h1", &["Week 2027-W03"]).await;
    b.wait_text("#sheet-state", &["Draft"]).await;
    // The page reads a cell by the server's rule (pso_domain::duration::parse_duration).
    let samples = [
        "", " ", "0", "7.5", "7,5", "7:30", "7h30", "7h", "7h30m", "450m", " 7H30 ", ".25", "0:05",
        "1.33", "1.335", "24", "24:00", "24:01", "1441m", "1440m", "abc", "7:3", "7:60", "7h60",
        "-1", "1e3", "7..5", "h30", "7:30m", "m", ".", "12345", "7h30h", "7.", "7hm", "7h3m0",
        "7 30", "9999", "0.01", "23.99", "007:05", "1,",
    ];
    let js = b
        .cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(serde_json::json!({
                "script": "return arguments[0].map(function (s) { return window.PSO.parseDuration(s); });",
                "args": [samples.to_vec()],
            })),
        )
        .await;
    for (i, s) in samples.iter().enumerate() {
        let server = pso_domain::duration::parse_duration(s).ok();
        assert_eq!(
            js[i].as_i64(),
            server,
            "the page and the server read {s:?} alike"
        );
    }
    let input = |task: &str, date: &str| format!("input[name='cell|{task}|{date}']");
    let td = |task: &str, date: &str| format!("td.cell[data-task='{task}'][data-date='{date}']");

    // Fill Design's week from the keyboard: Monday, then Tab, arrow keys, every notation.
    b.click(&input(&f.t1, "2027-01-18")).await;
    b.type_keys(&format!("7.5{TAB}7:30{RIGHT}7h30{RIGHT}450m{TAB}8"))
        .await;
    // Down to Build's Friday, type, back up to Design's Friday, then on to Saturday.
    b.type_keys(&format!("{DOWN}1{UP}{RIGHT}2{TAB}")).await;
    for (date, v) in [
        ("2027-01-18", "7.5"),
        ("2027-01-19", "7:30"),
        ("2027-01-20", "7h30"),
        ("2027-01-21", "450m"),
        ("2027-01-22", "8"),
        ("2027-01-23", "2"),
    ] {
        assert_eq!(b.value(&input(&f.t1, date)).await, v, "{date}");
    }
    assert_eq!(b.value(&input(&f.t2, "2027-01-22")).await, "1");
    // Totals follow the typing; the check shows the weekend warning on Saturday's cell.
    b.wait_text("#week-total", &["41:00"]).await;
    b.wait_text(
        &format!("{} .cell-note", td(&f.t1, "2027-01-23")),
        &["not a working day"],
    )
    .await;
    b.find(&format!("{}.cell-warn", td(&f.t1, "2027-01-23")))
        .await;
    // And the holiday's.
    b.wait_text(
        &format!("{} .cell-note", td(&f.t1, "2027-01-20")),
        &["holiday"],
    )
    .await;
    b.screenshot(shots.as_deref(), "30-time-grid").await;
    if shots.is_some() {
        b.resize(375, 812).await;
        b.screenshot(shots.as_deref(), "31-phone-time-grid").await;
        b.resize(1280, 900).await;
    }

    // Save: the week comes back saved, the warning still on its cell; then submit.
    b.click("#save").await;
    b.wait_text("#grid-ok", &["Saved."]).await;
    b.wait_text(
        &format!("{} .cell-note", td(&f.t1, "2027-01-23")),
        &["not a working day"],
    )
    .await;
    assert_eq!(b.value(&input(&f.t1, "2027-01-20")).await, "7:30");
    // A change not saved yet: submitting asks first (dismissed: nothing is submitted).
    b.click(&input(&f.t1, "2027-01-24")).await;
    b.type_keys("1").await;
    b.click("#submit").await;
    let _ = b.cmd(reqwest::Method::POST, "/alert/dismiss", None).await;
    b.wait_text("#sheet-state", &["Draft"]).await;
    b.goto(&format!("{}/time?week=2027-W03", app.address)).await;
    b.click("#submit").await;
    b.wait_text("#sheet-state", &["Submitted"]).await;
    b.click("form[action='/logout'] button").await;
    b.find("form[action='/login']").await;

    // The project's manager approves from the inbox.
    sign_in("pierre@tp.example").await;
    b.wait_text("h1", &["Portfolio"]).await;
    b.click("a[href='/time/approvals']").await;
    b.wait_text(
        ".inbox-sheet",
        &["Marie Member", "2027-W03", "TS1", "41:00"],
    )
    .await;
    b.screenshot(shots.as_deref(), "32-approvals").await;
    b.click(".inbox-sheet button.approve").await;
    b.wait_text("#inbox-ok", &["Approved."]).await;
    b.find("#inbox-empty").await;

    let sheet = app
        .get(&format!("/api/v1/people/{}/timesheets/2027-W03", f.marie))
        .await
        .expect(200);
    assert_eq!(sheet.json["state"], "approved", "{}", sheet.text);
    assert_eq!(sheet.json["total_minutes"], 41 * 60);

    let _ = b.cmd(reqwest::Method::DELETE, "", None).await;
}
