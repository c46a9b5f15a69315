//! Progress and a status date: work done stays where it was, the rest is scheduled from
//! the status date, and float and the critical path follow. Also the regression guard:
//! an input without status date and progress schedules exactly as before.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use pso_schedule::calendar::{self, minute_of_date, Calendar, CalendarSpec, Minute};
use pso_schedule::rng::Rng;
use pso_schedule::*;

/// The fields that existed before progress, as text (new fields do not change it).
fn fingerprint(s: &Schedule) -> String {
    let mut out = format!(
        "finish {} schedules {} conflicts {:?}\n",
        s.finish, s.schedules, s.conflicts
    );
    for t in &s.tasks {
        out += &format!(
            "{} {} {:?} tf {} ff {} c {} g {} {:?} w {}\n",
            t.start,
            t.finish,
            t.segments,
            t.total_float,
            t.free_float,
            t.critical,
            t.group,
            t.why,
            t.calendar_wait
        );
    }
    out
}

/// FNV-1a, 64 bits.
fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A random network (groups, every dependency type, lags and leads, constraints,
/// effort and duration tasks, milestones, shared resources with their own calendars).
fn random_input(rng: &mut Rng) -> Input {
    let origin = chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
    let start = minute_of_date(origin);
    let mut spec = CalendarSpec::weekly(&[0, 1, 2, 3, 4], &[(480, 720), (780, 1020)]);
    let h = origin + chrono::Days::new(rng.below(20) as u64);
    spec.day_off(h, h);
    let mut part = CalendarSpec::weekly(&[0, 1, 2], &[(540, 1020)]);
    let v = origin + chrono::Days::new(rng.below(30) as u64);
    part.day_off(v, v + chrono::Days::new(rng.below(5) as u64));
    let calendars = vec![Calendar::new(&spec).unwrap(), Calendar::new(&part).unwrap()];
    let nr = 1 + rng.below(3);
    let resources: Vec<Resource> = (0..nr)
        .map(|r| Resource {
            id: format!("r{r}"),
            units: 1 + rng.below(2) as u32,
            calendar: if rng.below(3) == 0 { Some(1) } else { None },
        })
        .collect();
    let n = 2 + rng.below(14);
    let kinds = [DepKind::FS, DepKind::SS, DepKind::FF, DepKind::SF];
    let mut tasks: Vec<Task> = Vec::with_capacity(n + 2);
    // Two groups; a task may sit in one of them.
    for g in 0..2 {
        tasks.push(Task::new(format!("g{g}"), Work::Milestone));
    }
    for i in 0..n {
        let hours = 1 + rng.below(24) as Minute;
        let work = match rng.below(6) {
            0 => Work::Milestone,
            1 | 2 => Work::Effort(hours * 60),
            _ => Work::Duration(hours * 60),
        };
        let mut t = Task::new(format!("t{i}"), work);
        for r in 0..nr {
            if rng.below(3) == 0 {
                t.resources.push(format!("r{r}"));
            }
        }
        if rng.below(4) == 0 {
            t.parent = Some(format!("g{}", rng.below(2)));
        }
        for _ in 0..rng.below(3) {
            if i == 0 {
                break;
            }
            t.depends.push(Dependency {
                task: format!("t{}", rng.below(i)),
                kind: kinds[rng.below(4)],
                lag: (rng.below(20) as Minute - 6) * 60,
            });
        }
        let at = start + (rng.below(15) as Minute) * 1440 + 600;
        t.constraint = match rng.below(12) {
            0 => Constraint::Snet(at),
            1 => Constraint::Fnlt(at),
            2 => Constraint::Alap,
            3 => Constraint::Mso(at),
            4 => Constraint::Fnet(at),
            _ => Constraint::Asap,
        };
        t.priority = 250 * (1 + rng.below(3) as u32);
        if rng.below(8) == 0 {
            t.calendar = Some(1);
        }
        tasks.push(t);
    }
    // Dependencies into and out of groups (a group without children is a milestone).
    if tasks[2 + n - 1].parent.as_deref() != Some("g0") {
        tasks[2 + n - 1].depends.push(Dependency {
            task: "g0".into(),
            kind: DepKind::FS,
            lag: 0,
        });
    }
    if tasks[2].parent.as_deref() != Some("g1") {
        tasks[1].depends.push(Dependency {
            task: "t0".into(),
            kind: DepKind::FS,
            lag: 60,
        });
    }
    Input {
        start,
        calendars,
        calendar: 0,
        projects: Vec::new(),
        resources,
        tasks,
        status_date: None,
    }
}

/// The digest of 60 random inputs scheduled with and without leveling and splitting,
/// taken with the engine before progress existed: without a status date and without
/// progress, nothing may change.
#[test]
fn without_status_date_and_progress_nothing_changes() {
    let mut rng = Rng::new(2026);
    let mut all = String::new();
    for k in 0..60u64 {
        let inp = random_input(&mut rng);
        let opts = Options {
            level: k % 3 != 2,
            allow_splits: k % 2 == 1,
            schedules: 8,
            seed: k,
        };
        match schedule(&inp, &opts) {
            Ok(s) => all += &fingerprint(&s),
            Err(e) => all += &format!("error {e}\n"),
        }
    }
    if let Ok(p) = std::env::var("PSO_PROGRESS_DUMP") {
        std::fs::write(p, &all).unwrap();
    }
    assert!(all.len() > 10_000, "the inputs schedule: {}", &all[..200]);
    assert_eq!(fnv(&all), 17_130_816_812_321_566_771, "digest changed");
}

const H: Minute = 60;

fn m(s: &str) -> Minute {
    calendar::minute_of(chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap())
}

fn s(t: Minute) -> String {
    calendar::datetime_of(t)
        .unwrap()
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Monday 2025-01-06, calendar Mon-Fri 09:00-17:00 (8 hours a day).
fn input(tasks: Vec<Task>, resources: Vec<Resource>, status: Option<&str>) -> Input {
    let cal = Calendar::new(&CalendarSpec::weekly(&[0, 1, 2, 3, 4], &[(540, 1020)])).unwrap();
    Input {
        start: m("2025-01-06T00:00"),
        calendars: vec![cal],
        calendar: 0,
        projects: Vec::new(),
        resources,
        tasks,
        status_date: status.map(m),
    }
}

fn dur(id: &str, hours: Minute) -> Task {
    Task::new(id, Work::Duration(hours * H))
}

fn after(mut t: Task, on: &str) -> Task {
    t.depends.push(Dependency {
        task: on.into(),
        kind: DepKind::FS,
        lag: 0,
    });
    t
}

fn done(mut t: Task, start: &str, finish: &str) -> Task {
    t.progress = Some(Progress {
        actual_start: m(start),
        actual_finish: Some(m(finish)),
        remaining: 0,
    });
    t
}

fn doing(mut t: Task, start: &str, remaining_h: Minute) -> Task {
    t.progress = Some(Progress {
        actual_start: m(start),
        actual_finish: None,
        remaining: remaining_h * H,
    });
    t
}

fn dates(sched: &Schedule, i: usize) -> (String, String) {
    (s(sched.tasks[i].start), s(sched.tasks[i].finish))
}

fn run(inp: &Input) -> Schedule {
    schedule(inp, &Options::default()).unwrap()
}

/// A → B → C beside D. As planned, D drives the finish. Then B starts a day late and is
/// 40 % done at the status date: its remaining 60 % runs from the status date, its
/// finish and C move, and B and C become the critical path; A, finished, stays.
#[test]
fn a_late_task_in_progress_moves_its_finish_and_the_critical_path_follows() {
    let plan = || {
        vec![
            dur("A", 16),
            after(dur("B", 40), "A"),
            after(dur("C", 16), "B"),
            dur("D", 76),
        ]
    };
    let planned = run(&input(plan(), vec![], None));
    assert_eq!(
        dates(&planned, 1),
        ("2025-01-08T09:00".into(), "2025-01-14T17:00".into())
    );
    assert_eq!(s(planned.tasks[3].finish), "2025-01-17T13:00");
    let crit: Vec<bool> = planned.tasks.iter().map(|t| t.critical).collect();
    assert_eq!(crit, [false, false, false, true]);

    let mut tasks = plan();
    tasks[0] = done(tasks[0].clone(), "2025-01-06T09:00", "2025-01-07T17:00");
    // Started Thursday instead of Wednesday; two days worked of five: 40 % done.
    tasks[1] = doing(tasks[1].clone(), "2025-01-09T09:00", 24);
    // D runs as planned: five days of 9.5 done.
    tasks[3] = doing(tasks[3].clone(), "2025-01-06T09:00", 36);
    let sched = run(&input(tasks, vec![], Some("2025-01-13T09:00")));
    assert_eq!(
        dates(&sched, 0),
        ("2025-01-06T09:00".into(), "2025-01-07T17:00".into())
    );
    let b = &sched.tasks[1];
    assert_eq!(
        dates(&sched, 1),
        ("2025-01-09T09:00".into(), "2025-01-15T17:00".into())
    );
    assert_eq!(b.remaining_start, Some(m("2025-01-13T09:00")));
    assert!(b.segments.is_empty(), "no gap: {:?}", b.segments);
    assert_eq!(b.why, Why::ProjectStart);
    assert_eq!(
        dates(&sched, 2),
        ("2025-01-16T09:00".into(), "2025-01-17T17:00".into())
    );
    assert_eq!(s(sched.tasks[3].finish), "2025-01-17T13:00");
    assert_eq!(s(sched.finish), "2025-01-17T17:00");
    let crit: Vec<bool> = sched.tasks.iter().map(|t| t.critical).collect();
    assert_eq!(crit, [false, true, true, false]);
    assert_eq!(sched.tasks[3].total_float, 4 * H);
    assert_eq!(
        sched.tasks[2].why,
        Why::Dependency {
            task: 1,
            kind: DepKind::FS,
            lag: 0,
            group: None
        }
    );

    // A status date a day later: the work done stays, the rest moves; a gap on Monday.
    let mut tasks = plan();
    tasks[0] = done(tasks[0].clone(), "2025-01-06T09:00", "2025-01-07T17:00");
    tasks[1] = doing(tasks[1].clone(), "2025-01-09T09:00", 24);
    let sched = run(&input(tasks, vec![], Some("2025-01-14T09:00")));
    assert_eq!(
        sched.tasks[1].segments,
        [
            (m("2025-01-09T09:00"), m("2025-01-10T17:00")),
            (m("2025-01-14T09:00"), m("2025-01-16T17:00"))
        ]
    );
    // D has no progress: not started, so not before the status date.
    assert_eq!(s(sched.tasks[3].start), "2025-01-14T09:00");
}

/// A finished task keeps its actual dates though its predecessor is later (progress out
/// of sequence); an in-progress task's rest waits for its unfinished predecessor.
#[test]
fn finished_work_stays_and_unfinished_predecessors_push_the_rest() {
    let tasks = vec![
        // P: not started, so at the status date.
        dur("P", 16),
        done(
            after(dur("F", 8), "P"),
            "2025-01-06T09:00",
            "2025-01-07T12:00",
        ),
        // Q: 8 of 24 hours done out of sequence; the remaining 16 wait for P.
        doing(after(dur("Q", 24), "P"), "2025-01-06T09:00", 16),
        after(dur("S", 8), "F"),
    ];
    let sched = run(&input(tasks, vec![], Some("2025-01-08T09:00")));
    assert_eq!(
        dates(&sched, 0),
        ("2025-01-08T09:00".into(), "2025-01-09T17:00".into())
    );
    let f = &sched.tasks[1];
    assert_eq!(
        dates(&sched, 1),
        ("2025-01-06T09:00".into(), "2025-01-07T12:00".into())
    );
    assert!(!f.critical);
    assert_eq!(f.remaining_start, None);
    let q = &sched.tasks[2];
    assert_eq!(
        dates(&sched, 2),
        ("2025-01-06T09:00".into(), "2025-01-13T17:00".into())
    );
    assert_eq!(q.remaining_start, Some(m("2025-01-10T09:00")));
    assert_eq!(
        q.segments,
        [
            (m("2025-01-06T09:00"), m("2025-01-06T17:00")),
            (m("2025-01-10T09:00"), m("2025-01-13T17:00"))
        ]
    );
    assert!(matches!(q.why, Why::Dependency { task: 0, .. }));
    assert!(q.critical && sched.tasks[0].critical);
    // S follows the finished F, but not before the status date.
    assert_eq!(s(sched.tasks[3].start), "2025-01-08T09:00");

    // The finished successor holds nothing back: P keeps its float against W.
    let tasks = vec![
        dur("P", 8),
        done(
            after(dur("F", 8), "P"),
            "2025-01-06T09:00",
            "2025-01-06T17:00",
        ),
        dur("W", 40),
    ];
    let sched = run(&input(tasks, vec![], Some("2025-01-08T09:00")));
    assert_eq!(sched.tasks[0].total_float, 32 * H);
    assert_eq!(sched.tasks[0].free_float, 32 * H);
    assert!(!sched.tasks[0].critical && sched.tasks[2].critical);
}

/// Nothing not started is scheduled before the status date: not a free task, not one
/// whose constraint or finished predecessor allows earlier, not a milestone.
#[test]
fn an_unstarted_task_is_not_scheduled_before_the_status_date() {
    let tasks = vec![
        dur("X", 8),
        Task {
            constraint: Constraint::Snet(m("2025-01-06T09:00")),
            ..dur("Y", 8)
        },
        done(dur("A", 8), "2025-01-06T09:00", "2025-01-06T17:00"),
        after(dur("Z", 8), "A"),
        after(Task::new("M", Work::Milestone), "A"),
        Task {
            constraint: Constraint::Snet(m("2025-01-10T09:00")),
            ..dur("L", 8)
        },
    ];
    let sched = run(&input(tasks, vec![], Some("2025-01-08T12:00")));
    for i in [0, 1, 3] {
        assert_eq!(s(sched.tasks[i].start), "2025-01-08T12:00", "task {i}");
        assert_eq!(sched.tasks[i].why, Why::ProjectStart, "task {i}");
    }
    assert_eq!(s(sched.tasks[4].start), "2025-01-08T12:00");
    // A later constraint still wins.
    assert_eq!(s(sched.tasks[5].start), "2025-01-10T09:00");
    assert_eq!(sched.tasks[5].why, Why::Constraint);
    // The status date at the project start changes nothing.
    let plain = vec![dur("X", 8), after(dur("Z", 8), "X")];
    let a = run(&input(plain.clone(), vec![], None));
    let b = run(&input(plain, vec![], Some("2025-01-06T00:00")));
    assert_eq!(a, b);
}

/// Leveling: the remaining work of a task in progress keeps its resource, so a new task
/// on the same resource waits — even one of higher priority; done work holds the
/// resource where it was done, and a finished task frees it at its actual finish.
#[test]
fn leveling_keeps_the_resource_on_work_in_progress() {
    let r = |t: Task, rs: &[&str]| Task {
        resources: rs.iter().map(|x| x.to_string()).collect(),
        ..t
    };
    let res = |id: &str| Resource {
        id: id.into(),
        units: 1,
        calendar: None,
    };
    let tasks = vec![
        // 48 hours of effort on two people (24 hours together), 16 done: 32 left, 16 hours
        // together from the status date.
        doing(
            r(Task::new("T", Work::Effort(48 * H)), &["r", "s"]),
            "2025-01-06T09:00",
            32,
        ),
        Task {
            priority: 1000,
            ..r(dur("U", 8), &["r"])
        },
    ];
    let sched = run(&input(
        tasks,
        vec![res("r"), res("s")],
        Some("2025-01-08T09:00"),
    ));
    let t = &sched.tasks[0];
    assert_eq!(
        dates(&sched, 0),
        ("2025-01-06T09:00".into(), "2025-01-09T17:00".into())
    );
    assert_eq!(t.remaining_start, Some(m("2025-01-08T09:00")));
    assert_eq!(
        dates(&sched, 1),
        ("2025-01-10T09:00".into(), "2025-01-10T17:00".into())
    );
    assert_eq!(
        sched.tasks[1].why,
        Why::Resource {
            resource: 0,
            task: Some(0)
        }
    );
    assert!(sched.tasks[0].critical && sched.tasks[1].critical);

    // Without a status date: the rest right after the work done (Tuesday 09:00); the
    // new task cannot take the resource on Monday, when the work was done.
    let tasks = vec![
        doing(r(dur("T", 24), &["r"]), "2025-01-06T09:00", 16),
        r(dur("U", 8), &["r"]),
        // Finished after 4 of its 16 planned hours: the resource is free after that.
        done(
            r(dur("F", 16), &["s"]),
            "2025-01-06T09:00",
            "2025-01-06T13:00",
        ),
        r(dur("V", 4), &["s"]),
    ];
    let sched = run(&input(tasks, vec![res("r"), res("s")], None));
    assert_eq!(
        dates(&sched, 0),
        ("2025-01-06T09:00".into(), "2025-01-08T17:00".into())
    );
    assert_eq!(sched.tasks[0].remaining_start, Some(m("2025-01-07T09:00")));
    assert!(sched.tasks[0].segments.is_empty());
    assert_eq!(s(sched.tasks[1].start), "2025-01-09T09:00");
    assert_eq!(
        dates(&sched, 3),
        ("2025-01-06T13:00".into(), "2025-01-06T17:00".into())
    );
}

/// Random networks tracked at a random status date from their own plan (finished,
/// in progress with a random part left, or not started, some late): the actuals stay,
/// nothing not done lies before the status date, finish-to-start dependencies hold for
/// the rest, work without resources takes exactly its remaining time, and leveled
/// resources are never over their units after the status date.
#[test]
fn random_tracked_networks_keep_actuals_and_the_status_date() {
    let mut rng = Rng::new(10);
    for k in 0..80u64 {
        let mut inp = random_input(&mut rng);
        let opts = Options {
            level: k % 4 != 3,
            allow_splits: k % 2 == 1,
            schedules: 6,
            seed: k,
        };
        let Ok(plan) = schedule(&inp, &opts) else {
            continue;
        };
        let cal = inp.calendars[0].clone();
        let status = cal.add(inp.start, (rng.below(12) as Minute) * 480).unwrap();
        let late = |rng: &mut Rng| (rng.below(3) as Minute) * 240;
        let groups: Vec<bool> = (0..inp.tasks.len()).map(|i| plan.tasks[i].group).collect();
        for (i, t) in inp.tasks.iter_mut().enumerate() {
            let p = &plan.tasks[i];
            if groups[i] || p.start >= status {
                continue;
            }
            let a = (p.start + late(&mut rng)).min(status);
            if p.finish <= status && rng.below(4) != 0 {
                t.progress = Some(Progress {
                    actual_start: a,
                    actual_finish: Some(p.finish.max(a)),
                    remaining: 0,
                });
            } else if let Work::Duration(d) | Work::Effort(d) = t.work {
                t.progress = Some(Progress {
                    actual_start: a,
                    actual_finish: None,
                    remaining: d * rng.below(101) as Minute / 100,
                });
            }
        }
        inp.status_date = Some(status);
        let sched = schedule(&inp, &opts).unwrap();
        assert_eq!(sched, schedule(&inp, &opts).unwrap(), "deterministic");
        let ids: std::collections::HashMap<&str, usize> = inp
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.as_str(), i))
            .collect();
        // Where each leaf's leveled (not done) part lies.
        let rest = |i: usize| -> Vec<(Minute, Minute)> {
            let ts = &sched.tasks[i];
            let from = ts.remaining_start.unwrap_or(ts.start);
            if ts.segments.is_empty() {
                vec![(from, ts.finish)]
            } else {
                ts.segments
                    .iter()
                    .filter(|&&(_, e)| e > from)
                    .map(|&(s, e)| (s.max(from), e))
                    .collect()
            }
        };
        for (i, t) in inp.tasks.iter().enumerate() {
            let ts = &sched.tasks[i];
            if groups[i] {
                continue;
            }
            let ctx = format!("case {k} task {} {:?} {ts:?}", t.id, t.progress);
            match t.progress {
                Some(Progress {
                    actual_start,
                    actual_finish: Some(f),
                    ..
                }) => {
                    assert_eq!((ts.start, ts.finish), (actual_start, f), "{ctx}");
                    assert!(!ts.critical && ts.remaining_start.is_none(), "{ctx}");
                }
                Some(pr) if !matches!(t.work, Work::Milestone) => {
                    assert_eq!(ts.start, pr.actual_start, "{ctx}");
                    let r = ts.remaining_start.unwrap();
                    assert!(r >= status && ts.finish >= r, "{ctx}");
                    if t.resources.is_empty() && t.calendar.is_none() {
                        assert_eq!(cal.work_between(r, ts.finish), pr.remaining, "{ctx}");
                    }
                }
                Some(_) => {}
                None => {
                    assert!(ts.start >= status, "{ctx}");
                    assert!(ts.remaining_start.is_none(), "{ctx}");
                }
            }
            let finished = t.progress.is_some_and(|p| p.actual_finish.is_some());
            if finished {
                continue;
            }
            let from = ts.remaining_start.unwrap_or(ts.start);
            for d in &t.depends {
                let p = ids[d.task.as_str()];
                if d.kind == DepKind::FS && d.lag >= 0 && !groups[p] {
                    let need = cal.shift(sched.tasks[p].finish, d.lag).unwrap();
                    assert!(from >= need, "{ctx} after {}", d.task);
                }
            }
        }
        // Resource units after the status date, over the leveled parts.
        if !opts.level {
            continue;
        }
        for (r, res) in inp.resources.iter().enumerate() {
            let mut ev: Vec<(Minute, i32)> = Vec::new();
            for (i, t) in inp.tasks.iter().enumerate() {
                let finished = t.progress.is_some_and(|p| p.actual_finish.is_some());
                if groups[i] || finished || !t.resources.contains(&format!("r{r}")) {
                    continue;
                }
                for (s, e) in rest(i) {
                    if e > s {
                        ev.push((s.max(status), 1));
                        ev.push((e.max(status), -1));
                    }
                }
            }
            ev.sort_unstable();
            let mut used = 0;
            for (t, d) in ev {
                used += d;
                assert!(used <= res.units as i32, "case {k} r{r} over at {t}");
            }
        }
    }
}
