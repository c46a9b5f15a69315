//! pso-project/1 in, pso-schedule/1 out: the example of the format document, errors,
//! and (when python3 and the shared checker are present) the independent checker.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod shared;

use pso_formats::project_json;

const EXAMPLE: &str = r#"{
  "format": "pso-project/1", "id": "bench", "name": "Generated project",
  "start": "2025-01-06", "time_zone": "UTC", "allow_splits": true,
  "calendar": {"working_days": ["mon", "tue", "wed", "thu", "fri"],
               "working_hours": [["09:00", "17:00"]],
               "holidays": [{"name": "Christmas", "date": "2025-12-25"}]},
  "resources": [
    {"id": "r0007", "name": "Resource 7", "units": 1.0,
     "vacations": [{"from": "2025-01-08", "to": "2025-01-09"}]}
  ],
  "tasks": [
    {"id": "ph01", "name": "Phase 01"},
    {"id": "g0001", "name": "Group 0001", "parent": "ph01"},
    {"id": "t00000", "name": "Task 0", "parent": "g0001",
     "effort_days": 9, "resources": ["r0007"], "priority": 700},
    {"id": "t00001", "name": "Task 1", "parent": "g0001", "duration_days": 3,
     "depends": [{"task": "t00000", "type": "FS", "lag_days": 2}]},
    {"id": "t00019", "name": "Group done", "parent": "g0001", "milestone": true,
     "depends": [{"task": "t00001", "type": "FS", "lag_days": 0}]}
  ]
}"#;

fn run(text: &str) -> serde_json::Value {
    let loaded = project_json::read(text).unwrap();
    let sched = pso_schedule::schedule(&loaded.input, &loaded.options).unwrap();
    serde_json::from_str(&project_json::write(&loaded, &sched).unwrap()).unwrap()
}

fn task<'a>(out: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap()
}

#[test]
fn schedules_the_format_example() {
    let out = run(EXAMPLE);
    assert_eq!(out["format"], "pso-schedule/1");
    let t0 = task(&out, "t00000");
    // 9 days, paused by the vacation on Wednesday and Thursday.
    assert_eq!(t0["start"], "2025-01-06T09:00");
    assert_eq!(t0["finish"], "2025-01-20T17:00");
    let t1 = task(&out, "t00001");
    assert_eq!(t1["start"], "2025-01-23T09:00");
    assert_eq!(t1["finish"], "2025-01-27T17:00");
    assert_eq!(task(&out, "t00019")["start"], "2025-01-27T17:00");
    assert_eq!(out["finish"], "2025-01-27T17:00");
    assert_eq!(out["makespan_working_days"], 16.0);
    assert_eq!(t1["critical"], true);
    assert_eq!(t1["why"], "after t00000 (FS +2d)");
    assert_eq!(task(&out, "g0001")["group"], true);
}

#[test]
fn bad_documents_are_errors() {
    for bad in [
        "not json",
        r#"{"format": "other", "start": "2025-01-06", "calendar": {}, "tasks": []}"#,
        r#"{"start": "06/01/2025", "calendar": {}, "tasks": []}"#,
        r#"{"start": "2025-01-06", "calendar": {"working_days": ["xyz"]}, "tasks": []}"#,
        r#"{"start": "2025-01-06", "calendar": {"working_hours": [["17:00", "09:00"]]}, "tasks": []}"#,
        r#"{"start": "2025-01-06", "calendar": {}, "tasks": [{"id": "a", "priority": 0, "duration_days": 1}]}"#,
        r#"{"start": "2025-01-06", "calendar": {}, "tasks": [{"id": "a", "duration_days": 1, "depends": [{"task": "b", "type": "XX"}]}]}"#,
    ] {
        assert!(project_json::read(bad).is_err(), "{bad}");
    }
    // References are checked by the engine.
    let loaded = project_json::read(
        r#"{"start": "2025-01-06", "calendar": {}, "tasks": [{"id": "a", "duration_days": 1, "depends": [{"task": "b"}]}]}"#,
    )
    .unwrap();
    assert!(pso_schedule::schedule(&loaded.input, &loaded.options).is_err());
}

#[test]
fn constraint_extension_is_read() {
    let text = r#"{"start": "2025-01-06", "calendar": {}, "tasks": [
        {"id": "a", "duration_days": 1, "constraint": {"type": "SNET", "date": "2025-01-08"}}]}"#;
    let out = run(text);
    assert_eq!(task(&out, "a")["start"], "2025-01-08T09:00");
}

#[test]
fn independent_checker_accepts_generated_projects() {
    let Some(bench) = shared::dir("bench", None) else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("pso-formats-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let prefix = dir.join("p");
    let ok = std::process::Command::new("python3")
        .arg(bench.join("gen_project.py"))
        .args(["--tasks", "300", "--seed", "7", "--out"])
        .arg(&prefix)
        .output();
    let o = ok.expect("python3 runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pj = prefix.with_extension("json");
    let text = std::fs::read_to_string(&pj).unwrap();
    let loaded = project_json::read(&text).unwrap();
    let sched = pso_schedule::schedule(&loaded.input, &loaded.options).unwrap();
    let sj = dir.join("s.json");
    std::fs::write(&sj, project_json::write(&loaded, &sched).unwrap()).unwrap();
    let check = std::process::Command::new("python3")
        .arg(bench.join("check_schedule.py"))
        .arg(&pj)
        .arg(&sj)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}
