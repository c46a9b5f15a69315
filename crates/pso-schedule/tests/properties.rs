//! Property tests on random networks against an independent, naive oracle.
//!
//! The oracle never touches the engine's calendar index: it evaluates the calendar spec
//! minute by minute into prefix sums of working minutes and checks every dependency,
//! every task's working time and every resource's units at every minute.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use chrono::NaiveDate;
use proptest::prelude::*;
use pso_schedule::calendar::{minute_of_date, Calendar, CalendarSpec, Minute, DAY};
use pso_schedule::*;
use std::collections::BTreeMap;

const HORIZON_DAYS: i64 = 120;

/// (kind 0 duration/1 effort/2 milestone, hours, resources, deps (pred, type, lag hours), priority)
type TaskCase = (u8, i64, Vec<usize>, Vec<(usize, u8, i64)>, u32);

#[derive(Debug, Clone)]
struct Case {
    holidays: Vec<i64>,
    /// (units, vacation (first day offset, length))
    resources: Vec<(u32, Option<(i64, i64)>)>,
    /// (kind 0 duration/1 effort/2 milestone, hours, resources, deps (pred, type, lag hours), priority)
    tasks: Vec<TaskCase>,
}

fn origin() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 6).unwrap()
}

fn case() -> impl Strategy<Value = Case> {
    let res = prop::collection::vec((1u32..3, prop::option::of((0i64..30, 1i64..6))), 1..4);
    let holidays = prop::collection::vec(0i64..40, 0..3);
    (res, holidays, 1usize..10).prop_flat_map(|(resources, holidays, n)| {
        let nr = resources.len();
        let task = (
            0u8..3,
            1i64..20,
            prop::collection::vec(0..nr, 0..3),
            prop::collection::vec((0usize..100, 0u8..4, -8i64..12), 0..3),
            1u32..4,
        );
        prop::collection::vec(task, n).prop_map(move |mut tasks| {
            for (i, t) in tasks.iter_mut().enumerate() {
                t.2.sort_unstable();
                t.2.dedup();
                // Dependencies only on earlier tasks: the network is acyclic.
                t.3.retain(|d| i > 0 && d.0 < 100);
                for d in &mut t.3 {
                    d.0 %= i.max(1);
                }
                if i == 0 {
                    t.3.clear();
                }
                t.4 *= 250;
            }
            Case {
                holidays: holidays.clone(),
                resources: resources.clone(),
                tasks,
            }
        })
    })
}

fn spec(c: &Case) -> CalendarSpec {
    let mut s = CalendarSpec::weekly(&[0, 1, 2, 3, 4], &[(480, 720), (780, 1020)]);
    for &h in &c.holidays {
        let d = origin() + chrono::Days::new(h as u64);
        s.day_off(d, d);
    }
    s
}

fn build(c: &Case) -> Input {
    let base = spec(c);
    let mut calendars = vec![Calendar::new(&base).unwrap()];
    let mut resources = Vec::new();
    for (i, &(units, vac)) in c.resources.iter().enumerate() {
        let calendar = vac.map(|(from, len)| {
            let mut s = base.clone();
            let a = origin() + chrono::Days::new(from as u64);
            s.day_off(a, a + chrono::Days::new(len as u64 - 1));
            calendars.push(Calendar::new(&s).unwrap());
            calendars.len() - 1
        });
        resources.push(Resource {
            id: format!("r{i}"),
            units,
            calendar,
        });
    }
    let kinds = [DepKind::FS, DepKind::SS, DepKind::FF, DepKind::SF];
    let tasks = c
        .tasks
        .iter()
        .enumerate()
        .map(|(i, (kind, hours, res, deps, prio))| {
            let work = match kind {
                0 => Work::Duration(hours * 60),
                1 => Work::Effort(hours * 60),
                _ => Work::Milestone,
            };
            let mut t = Task::new(format!("t{i}"), work);
            if *kind == 1 {
                t.resources = res.iter().map(|r| format!("r{r}")).collect();
            }
            t.priority = *prio;
            t.depends = deps
                .iter()
                .map(|&(p, k, lag)| Dependency {
                    task: format!("t{p}"),
                    kind: kinds[k as usize],
                    lag: lag * 60,
                })
                .collect();
            t
        })
        .collect();
    Input {
        start: minute_of_date(origin()),
        calendars,
        calendar: 0,
        projects: Vec::new(),
        resources,
        tasks,
        status_date: None,
    }
}

/// Minute-by-minute working time of one calendar (project calendar minus days off).
struct Naive {
    t0: Minute,
    works: Vec<bool>,
    /// prefix[k]: working minutes in [t0, t0 + k).
    prefix: Vec<i64>,
}

impl Naive {
    fn new(c: &Case, off: &[(i64, i64)]) -> Self {
        let t0 = minute_of_date(origin());
        let n = (HORIZON_DAYS * DAY) as usize;
        let mut works = vec![false; n];
        let mut prefix = vec![0; n + 1];
        for k in 0..n {
            let day = k as i64 / DAY;
            let mod_ = k as i64 % DAY;
            let weekday = day % 7; // origin is a Monday
            let holiday =
                c.holidays.contains(&day) || off.iter().any(|&(a, l)| day >= a && day < a + l);
            works[k] = weekday < 5
                && !holiday
                && ((480..720).contains(&mod_) || (780..1020).contains(&mod_));
            prefix[k + 1] = prefix[k] + works[k] as i64;
        }
        Naive { t0, works, prefix }
    }
    fn w(&self, t: Minute) -> i64 {
        self.prefix[(t - self.t0) as usize]
    }
    /// Smallest instant with W >= w.
    fn end_of(&self, w: i64) -> Minute {
        self.t0 + self.prefix.partition_point(|&x| x < w) as i64
    }
    fn next_working(&self, t: Minute) -> Minute {
        let mut k = (t - self.t0) as usize;
        while !self.works[k] {
            k += 1;
        }
        self.t0 + k as i64
    }
    fn shift(&self, t: Minute, lag: i64) -> Minute {
        if lag == 0 {
            t
        } else {
            self.end_of(self.w(t) + lag)
        }
    }
}

struct Oracle {
    proj: Naive,
    cals: Vec<Naive>,
    idx: Vec<usize>,
    dur: Vec<i64>,
}

impl Oracle {
    fn task(&self, i: usize) -> &Naive {
        &self.cals[self.idx[i]]
    }
}

fn oracle(c: &Case) -> Oracle {
    let proj = Naive::new(c, &[]);
    let mut cache: BTreeMap<Vec<usize>, usize> = BTreeMap::new();
    let mut cals = Vec::new();
    let mut idx = Vec::new();
    let mut dur = Vec::new();
    for (kind, hours, res, _, _) in &c.tasks {
        let res: Vec<usize> = if *kind == 1 { res.clone() } else { Vec::new() };
        let k = *cache.entry(res.clone()).or_insert_with(|| {
            let off: Vec<(i64, i64)> = res.iter().filter_map(|&r| c.resources[r].1).collect();
            cals.push(Naive::new(c, &off));
            cals.len() - 1
        });
        idx.push(k);
        dur.push(match kind {
            0 => hours * 60,
            1 => {
                let n = res.len().max(1) as i64;
                (hours * 60 + n - 1) / n
            }
            _ => 0,
        });
    }
    Oracle {
        proj,
        cals,
        idx,
        dur,
    }
}

/// Check dependencies, working time, project start and resource units.
fn check_feasible(c: &Case, o: &Oracle, s: &Schedule, units: bool) -> Result<(), String> {
    let t0 = minute_of_date(origin());
    for (i, ts) in s.tasks.iter().enumerate() {
        if ts.start < t0 {
            return Err(format!("t{i} starts before the project"));
        }
        let segs = if ts.segments.is_empty() {
            vec![(ts.start, ts.finish)]
        } else {
            ts.segments.clone()
        };
        let have: i64 = segs
            .iter()
            .map(|&(a, b)| o.task(i).w(b) - o.task(i).w(a))
            .sum();
        if have != o.dur[i] {
            return Err(format!("t{i}: {have} working minutes, needs {}", o.dur[i]));
        }
        {
            for &(p, k, lag) in &c.tasks[i].3 {
                let ps = &s.tasks[p];
                let pa = if k == 0 || k == 2 {
                    ps.finish
                } else {
                    ps.start
                };
                let sa = if k == 0 || k == 1 {
                    ts.start
                } else {
                    ts.finish
                };
                let gap = o.proj.w(sa) - o.proj.w(pa);
                if gap < lag * 60 || (lag >= 0 && sa < pa && gap < 0) {
                    return Err(format!(
                        "dependency t{p} -{k}-> t{i} lag {lag}h broken: {pa} then {sa} ({gap})"
                    ));
                }
            }
        }
    }
    for (r, &(units, _)) in c.resources.iter().enumerate().filter(|_| units) {
        let mut diff = vec![0i64; (HORIZON_DAYS * DAY) as usize + 1];
        for (i, ts) in s.tasks.iter().enumerate() {
            let (kind, _, res, _, _) = &c.tasks[i];
            if *kind != 1 || !res.contains(&r) {
                continue;
            }
            let segs = if ts.segments.is_empty() {
                vec![(ts.start, ts.finish)]
            } else {
                ts.segments.clone()
            };
            for (a, b) in segs {
                diff[(a - t0) as usize] += 1;
                diff[(b - t0) as usize] -= 1;
            }
        }
        let mut load = 0;
        for (k, d) in diff.iter().enumerate() {
            load += d;
            if load > units as i64 {
                return Err(format!("r{r} over its {units} units at minute {k}"));
            }
        }
    }
    Ok(())
}

/// The critical-path schedule computed naively, task by task.
fn naive_cpm(c: &Case, o: &Oracle) -> Vec<(Minute, Minute)> {
    let t0 = minute_of_date(origin());
    let mut out: Vec<(Minute, Minute)> = Vec::new();
    for (i, (_, _, _, deps, _)) in c.tasks.iter().enumerate() {
        let cal = &o.task(i);
        let d = o.dur[i];
        let mut est = t0;
        let mut finish_w = i64::MIN;
        for &(p, k, lag) in deps {
            let (ps, pf) = out[p];
            let pa = if k == 0 || k == 2 { pf } else { ps };
            let b = o.proj.shift(pa, lag * 60);
            if (k == 2 || k == 3) && d > 0 {
                finish_w = finish_w.max(o.proj.w(b));
            } else {
                est = est.max(b);
            }
        }
        if d > 0 {
            // Scan working minutes until the finish reaches every finish bound.
            let mut s = cal.next_working(est);
            while o.proj.w(cal.end_of(cal.w(s) + d)) < finish_w {
                s = cal.next_working(s + 1);
            }
            est = s;
        }
        if d == 0 {
            out.push((est, est));
        } else {
            let s = cal.next_working(est);
            out.push((s, cal.end_of(cal.w(s) + d)));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn leveled_schedules_are_feasible_and_deterministic(c in case(), splits in any::<bool>(), seed in 0u64..4) {
        let input = build(&c);
        let opts = Options { level: true, allow_splits: splits, schedules: 6, seed };
        let s = schedule(&input, &opts).unwrap();
        let o = oracle(&c);
        if let Err(e) = check_feasible(&c, &o, &s, true) {
            prop_assert!(false, "{}", e);
        }
        if !splits {
            prop_assert!(s.tasks.iter().all(|t| t.segments.is_empty()));
        }
        prop_assert_eq!(&s, &schedule(&input, &opts).unwrap());
        prop_assert!(s.tasks.iter().all(|t| t.total_float >= 0 && t.free_float >= 0 && t.free_float <= t.total_float));
        prop_assert!(s.tasks.iter().any(|t| t.critical));
    }

    #[test]
    fn without_resource_limits_it_is_the_critical_path_schedule(c in case()) {
        let input = build(&c);
        let o = oracle(&c);
        let cpm = naive_cpm(&c, &o);
        for level in [false, true] {
            let mut input = input.clone();
            if level {
                for r in &mut input.resources { r.units = 1000; }
            }
            let s = schedule(&input, &Options { level, ..Options::default() }).unwrap();
            for (i, t) in s.tasks.iter().enumerate() {
                prop_assert_eq!((t.start, t.finish), cpm[i], "task t{} (level {})", i, level);
            }
            if let Err(e) = check_feasible(&c, &o, &s, false) {
                prop_assert!(false, "{}", e);
            }
        }
    }
}
