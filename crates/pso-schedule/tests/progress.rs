//! Progress and a status date: work done stays where it was, the rest is scheduled from
//! the status date, and float and the critical path follow. Also the regression guard:
//! an input without status date and progress schedules exactly as before.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use pso_schedule::calendar::{minute_of_date, Calendar, CalendarSpec, Minute};
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
