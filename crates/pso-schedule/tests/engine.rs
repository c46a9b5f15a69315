//! Unit tests of the network engine: dependency types, constraints, groups, leveling,
//! splitting, explanations, portfolio priority and error cases.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use chrono::NaiveDateTime;
use pso_schedule::calendar::{datetime_of, minute_of, Calendar, CalendarSpec, Minute};
use pso_schedule::*;

const H: Minute = 60;

fn m(s: &str) -> Minute {
    minute_of(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
}
fn s(t: Minute) -> String {
    datetime_of(t).unwrap().format("%Y-%m-%dT%H:%M").to_string()
}

/// Monday 2025-01-06, calendar Mon-Fri 09:00-17:00.
fn input(tasks: Vec<Task>, resources: Vec<Resource>) -> Input {
    let cal = Calendar::new(&CalendarSpec::weekly(&[0, 1, 2, 3, 4], &[(540, 1020)])).unwrap();
    Input {
        start: m("2025-01-06T00:00"),
        calendars: vec![cal],
        calendar: 0,
        projects: Vec::new(),
        resources,
        tasks,
        status_date: None,
    }
}

fn res(id: &str, units: u32) -> Resource {
    Resource {
        id: id.into(),
        units,
        calendar: None,
    }
}

fn dur(id: &str, hours: i64) -> Task {
    Task::new(id, Work::Duration(hours * H))
}

fn dep(mut t: Task, on: &str, kind: DepKind, lag_h: i64) -> Task {
    t.depends.push(Dependency {
        task: on.into(),
        kind,
        lag: lag_h * H,
    });
    t
}

fn dates(sched: &Schedule, i: usize) -> (String, String) {
    (s(sched.tasks[i].start), s(sched.tasks[i].finish))
}

fn run(inp: &Input) -> Schedule {
    schedule(inp, &Options::default()).unwrap()
}

#[test]
fn every_dependency_type_with_lags_and_leads() {
    let a = dur("a", 16); // Mon 09:00 - Tue 17:00
    let cases = [
        (DepKind::FS, 0, ("2025-01-08T09:00", "2025-01-08T13:00")),
        (DepKind::FS, 8, ("2025-01-09T09:00", "2025-01-09T13:00")),
        (DepKind::FS, -4, ("2025-01-07T13:00", "2025-01-07T17:00")),
        (DepKind::SS, 4, ("2025-01-06T13:00", "2025-01-06T17:00")),
        (DepKind::FF, 0, ("2025-01-07T13:00", "2025-01-07T17:00")),
        (DepKind::FF, 2, ("2025-01-07T15:00", "2025-01-08T11:00")),
        (DepKind::SF, 12, ("2025-01-07T09:00", "2025-01-07T13:00")),
        (DepKind::SF, 16, ("2025-01-07T13:00", "2025-01-07T17:00")),
        (DepKind::SF, -4, ("2025-01-06T09:00", "2025-01-06T13:00")),
    ];
    for (kind, lag, want) in cases {
        let b = dep(dur("b", 4), "a", kind, lag);
        let sched = run(&input(vec![a.clone(), b], vec![]));
        assert_eq!(
            dates(&sched, 0),
            ("2025-01-06T09:00".into(), "2025-01-07T17:00".into())
        );
        let got = dates(&sched, 1);
        assert_eq!((got.0.as_str(), got.1.as_str()), want, "{kind:?} {lag}h");
    }
}

#[test]
fn constraints() {
    let at = m("2025-01-08T11:00");
    let with = |c: Constraint| {
        let mut t = dur("x", 4);
        t.constraint = c;
        let mut end = Task::new("end", Work::Milestone);
        end.constraint = Constraint::Snet(m("2025-01-10T17:00"));
        let sched = run(&input(vec![t, end], vec![]));
        (dates(&sched, 0), sched.conflicts)
    };
    let d = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        with(Constraint::Asap).0,
        d("2025-01-06T09:00", "2025-01-06T13:00")
    );
    assert_eq!(
        with(Constraint::Snet(at)).0,
        d("2025-01-08T11:00", "2025-01-08T15:00")
    );
    assert_eq!(
        with(Constraint::Mso(at)).0,
        d("2025-01-08T11:00", "2025-01-08T15:00")
    );
    assert_eq!(
        with(Constraint::Fnet(at)).0,
        d("2025-01-07T15:00", "2025-01-08T11:00")
    );
    assert_eq!(
        with(Constraint::Mfo(at)).0,
        d("2025-01-07T15:00", "2025-01-08T11:00")
    );
    // ALAP: as late as the finish of the whole schedule allows.
    assert_eq!(
        with(Constraint::Alap).0,
        d("2025-01-10T13:00", "2025-01-10T17:00")
    );
    // Upper bounds that hold raise nothing; missed ones are listed as conflicts.
    assert!(with(Constraint::Snlt(at)).1.is_empty());
    assert!(with(Constraint::Fnlt(at)).1.is_empty());
    let mut late = dep(dur("y", 4), "x0", DepKind::FS, 0);
    late.constraint = Constraint::Snlt(m("2025-01-06T10:00"));
    let sched = run(&input(vec![dur("x0", 8), late], vec![]));
    assert_eq!(
        sched.conflicts,
        vec![Conflict::ConstraintMissed {
            task: 1,
            constraint: Constraint::Snlt(m("2025-01-06T10:00"))
        }]
    );
}

#[test]
fn groups_roll_up_and_carry_dependencies() {
    let mut g = Task::new("g", Work::Milestone);
    g.depends.push(Dependency {
        task: "pre".into(),
        kind: DepKind::FS,
        lag: 0,
    });
    let mut c1 = dur("c1", 8);
    c1.parent = Some("g".into());
    let mut c2 = dep(dur("c2", 8), "c1", DepKind::FS, 0);
    c2.parent = Some("g".into());
    let after = dep(dur("after", 4), "g", DepKind::FS, 0);
    let sched = run(&input(vec![dur("pre", 8), g, c1, c2, after], vec![]));
    // The group's predecessor holds back every child.
    assert_eq!(dates(&sched, 2).0, "2025-01-07T09:00");
    assert!(matches!(
        sched.tasks[2].why,
        Why::Dependency {
            task: 0,
            group: Some(1),
            ..
        }
    ));
    assert_eq!(dates(&sched, 3).0, "2025-01-08T09:00");
    // The group spans its children; its successor waits for the last of them.
    assert!(sched.tasks[1].group);
    assert_eq!(
        dates(&sched, 1),
        ("2025-01-07T09:00".into(), "2025-01-08T17:00".into())
    );
    assert_eq!(dates(&sched, 4).0, "2025-01-09T09:00");
    assert!(sched.tasks.iter().all(|t| t.critical));
}

#[test]
fn float_and_critical_path() {
    let a = dur("a", 16);
    let b = dur("b", 8);
    let c = dep(dep(dur("c", 8), "a", DepKind::FS, 0), "b", DepKind::FS, 0);
    let sched = run(&input(vec![a, b, c], vec![]));
    assert!(sched.tasks[0].critical && sched.tasks[2].critical);
    assert!(!sched.tasks[1].critical);
    assert_eq!(sched.tasks[1].total_float, 8 * H);
    assert_eq!(sched.tasks[1].free_float, 8 * H);
    assert_eq!(sched.tasks[0].total_float, 0);
}

#[test]
fn leveling_serialises_and_explains() {
    let mut a = Task::new("a", Work::Effort(8 * H));
    a.resources = vec!["r".into()];
    let mut b = Task::new("b", Work::Effort(8 * H));
    b.resources = vec!["r".into()];
    b.priority = 900;
    let sched = run(&input(vec![a, b], vec![res("r", 1)]));
    // Higher priority goes first; the other waits for the resource and says so.
    assert_eq!(dates(&sched, 1).0, "2025-01-06T09:00");
    assert_eq!(dates(&sched, 0).0, "2025-01-07T09:00");
    assert_eq!(
        sched.tasks[0].why,
        Why::Resource {
            resource: 0,
            task: Some(1)
        }
    );
    // The resource hand-over makes both critical.
    assert!(sched.tasks[0].critical && sched.tasks[1].critical);
    // Two units: both at once.
    let mut inp = input(vec![], vec![res("r", 2)]);
    inp.tasks = vec![
        Task {
            resources: vec!["r".into()],
            ..Task::new("a", Work::Effort(8 * H))
        },
        Task {
            resources: vec!["r".into()],
            ..Task::new("b", Work::Effort(8 * H))
        },
    ];
    let sched = run(&inp);
    assert_eq!(sched.tasks[0].start, sched.tasks[1].start);
    // Without leveling, the critical-path dates.
    let sched = schedule(
        &inp,
        &Options {
            level: false,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(sched.tasks[0].start, sched.tasks[1].start);
}

#[test]
fn effort_is_shared_and_vacations_pause_work() {
    let mut spec = CalendarSpec::weekly(&[0, 1, 2, 3, 4], &[(540, 1020)]);
    let d = |x: &str| chrono::NaiveDate::parse_from_str(x, "%Y-%m-%d").unwrap();
    spec.day_off(d("2025-01-07"), d("2025-01-07"));
    let mut inp = input(vec![], vec![res("r1", 1), res("r2", 1)]);
    inp.calendars.push(Calendar::new(&spec).unwrap());
    inp.resources[1].calendar = Some(1);
    let mut t = Task::new("t", Work::Effort(32 * H));
    t.resources = vec!["r1".into(), "r2".into()];
    inp.tasks = vec![t];
    let sched = run(&inp);
    // 32 h over two people: 16 h together, Monday and (r2 off on Tuesday) Wednesday.
    assert_eq!(
        dates(&sched, 0),
        ("2025-01-06T09:00".into(), "2025-01-08T17:00".into())
    );
}

#[test]
fn splitting_fills_gaps_only_when_allowed() {
    // r is booked Tuesday by a fixed-start task; a 16 h task from Monday splits around it.
    let mut fixed = Task::new("fixed", Work::Effort(8 * H));
    fixed.resources = vec!["r".into()];
    fixed.constraint = Constraint::Mso(m("2025-01-07T09:00"));
    fixed.priority = 1000;
    let mut long = Task::new("long", Work::Effort(16 * H));
    long.resources = vec!["r".into()];
    let inp = input(vec![fixed, long], vec![res("r", 1)]);
    let opts = Options {
        allow_splits: true,
        ..Options::default()
    };
    let sched = schedule(&inp, &opts).unwrap();
    assert_eq!(
        sched.tasks[1].segments,
        vec![
            (m("2025-01-06T09:00"), m("2025-01-06T17:00")),
            (m("2025-01-08T09:00"), m("2025-01-08T17:00"))
        ]
    );
    assert!(sched.conflicts.is_empty());
    let sched = run(&inp);
    assert!(sched.tasks[1].segments.is_empty());
    assert_eq!(dates(&sched, 1).0, "2025-01-08T09:00");
}

#[test]
fn portfolio_project_priority_wins_shared_resources() {
    let mut inp = input(vec![], vec![res("r", 1)]);
    inp.projects = vec![
        Project {
            id: "low".into(),
            priority: 100,
            start: None,
        },
        Project {
            id: "high".into(),
            priority: 900,
            start: None,
        },
    ];
    for (i, p) in [(0usize, 0usize), (1, 1)] {
        let mut t = Task::new(format!("t{i}"), Work::Effort(8 * H));
        t.project = p;
        t.resources = vec!["r".into()];
        inp.tasks.push(t);
    }
    let sched = run(&inp);
    assert!(sched.tasks[1].start < sched.tasks[0].start);
}

#[test]
fn bad_input_is_a_clear_error() {
    let err = |tasks: Vec<Task>, resources: Vec<Resource>| {
        schedule(&input(tasks, resources), &Options::default()).unwrap_err()
    };
    assert_eq!(
        err(vec![dep(dur("a", 1), "zz", DepKind::FS, 0)], vec![]),
        ScheduleError::UnknownTask {
            task: "a".into(),
            missing: "zz".into()
        }
    );
    assert_eq!(
        err(vec![dur("a", 1), dur("a", 2)], vec![]),
        ScheduleError::DuplicateId("a".into())
    );
    let mut t = Task::new("t", Work::Effort(60));
    t.resources = vec!["ghost".into()];
    assert!(matches!(
        err(vec![t], vec![]),
        ScheduleError::UnknownResource { .. }
    ));
    let cyc = err(
        vec![
            dep(dur("a", 1), "c", DepKind::FS, 0),
            dep(dur("b", 1), "a", DepKind::SS, 0),
            dep(dur("c", 1), "b", DepKind::FF, 0),
            dur("d", 1),
        ],
        vec![],
    );
    match cyc {
        ScheduleError::Cycle(ids) => {
            let mut ids = ids.clone();
            ids.sort();
            assert_eq!(ids, vec!["a", "b", "c"]);
        }
        other => panic!("{other:?}"),
    }
    let mut p = dur("p", 1);
    p.parent = Some("q".into());
    let mut q = dur("q", 1);
    q.parent = Some("p".into());
    assert!(matches!(
        err(vec![p, q], vec![]),
        ScheduleError::ParentCycle(_)
    ));
    // A resource that never works.
    let mut inp = input(vec![], vec![res("r", 1)]);
    inp.calendars
        .push(Calendar::new(&CalendarSpec::default()).unwrap());
    inp.resources[0].calendar = Some(1);
    let mut t = Task::new("t", Work::Effort(60));
    t.resources = vec!["r".into()];
    inp.tasks = vec![t];
    assert_eq!(
        schedule(&inp, &Options::default()).unwrap_err(),
        ScheduleError::NeverWorks("t".into())
    );
    // A resource with no units: scheduled without it, with a conflict.
    let mut t = Task::new("t", Work::Effort(60));
    t.resources = vec!["r".into()];
    let sched = run(&input(vec![t], vec![res("r", 0)]));
    assert_eq!(
        sched.conflicts,
        vec![Conflict::NoUnits {
            task: 0,
            resource: 0
        }]
    );
}

#[test]
fn empty_input_schedules_nothing() {
    let sched = run(&input(vec![], vec![]));
    assert!(sched.tasks.is_empty());
    assert_eq!(sched.finish, m("2025-01-06T00:00"));
}
