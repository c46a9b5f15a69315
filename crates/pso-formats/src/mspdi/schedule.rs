//! Scheduling an MSPDI project as MS Project does, ignoring the dates stored in the file.
//!
//! This module is the MSPDI-specific front end: it turns MS Project's calendars (base and
//! derived calendars, weekday working times, exceptions in both the pre-2007 `WeekDay` form and
//! the recurring `Exception` form, work weeks) into [`pso_schedule::calendar::CalendarSpec`]s, and
//! runs a forward pass with MS Project's rules over the task network:
//!
//! - tasks are placed at the first working minute of their calendar at or after their early
//!   start; a milestone stays at the end of its predecessor's working time (17:00, not 08:00 the
//!   next day), as MS Project shows it;
//! - a task's calendar is its own calendar, or the calendars of the work resources assigned to
//!   it (intersected with the task calendar when both are set), unless it ignores resource
//!   calendars; the project calendar otherwise;
//! - links FS/SS/FF/SF with lags in working time (of the successor's calendar) or elapsed time,
//!   lags in percent of the predecessor's duration; links and start constraints on a summary
//!   task apply to every task under it; a link to a summary task is a link to its span;
//! - constraints: SNET, FNET, MSO, MFO, and SNLT/FNLT when the project honours constraints;
//! - summary tasks span their children; manually scheduled tasks and tasks with progress keep
//!   their dates from the file (they are facts, not results), and drive their successors.
//!
//! Not modelled yet: projects scheduled from their finish date (refused with
//! [`ScheduleError::FromFinish`]), as-late-as-possible tasks (scheduled as soon as possible),
//! work contours other than flat (such assignments keep the task's duration; MS Project stretches
//! them), resource leveling beyond the leveling delays stored in the file, and split tasks.
//!
//! The schedule engine's public API offers calendars but no task network yet; when it does, the
//! forward pass below should move there and this module keep only the MSPDI mapping.

use super::{
    is_elapsed, is_percent, Calendar as MsCalendar, Coded, ConstraintType, DayType, LinkType,
    Project, ResourceType, Task, WeekDay, WorkContour, WorkingTime,
};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};
use pso_schedule::calendar::{
    datetime_of, minute_of, Calendar, CalendarError, CalendarSpec, DayInterval, Exception, Minute,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Why a project could not be scheduled.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// The project has no start date.
    #[error("the project has no <StartDate>")]
    NoStart,
    /// The project is scheduled backward from its finish date (not supported yet).
    #[error("the project is scheduled from its finish date (<ScheduleFromStart>0</ScheduleFromStart>), which is not supported yet")]
    FromFinish,
    /// A calendar is not valid.
    #[error("calendar {uid}: {source}")]
    Calendar {
        /// The calendar's UID.
        uid: i64,
        /// What is wrong.
        source: CalendarError,
    },
    /// Calendars derive from each other in a circle.
    #[error("calendar {0} derives from itself")]
    CalendarCycle(i64),
    /// The links form a cycle.
    #[error("the task links form a cycle through task UID {0}")]
    Cycle(i64),
    /// A task's calendar has no working time where the task needs it.
    #[error("task UID {0}: its calendar has no working time")]
    NoWorkingTime(i64),
}

/// One task of a `pso-schedule/1` document.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScheduledTask {
    /// The MSPDI task UID.
    pub id: String,
    /// Start, `YYYY-MM-DDTHH:MM` local time.
    pub start: String,
    /// Finish: the end of the last working minute.
    pub finish: String,
    /// A summary task (group): its span.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub group: bool,
    /// The dates come from the file (manual scheduling or progress), not from the pass.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fixed: bool,
    /// Total float in days of the project's minutes per day (leaves only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_float_days: Option<f64>,
    /// No float: on the critical path (leaves only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub critical: Option<bool>,
}

/// `pso-schedule/1` (see `shared/formats/pso-project.md`).
#[derive(Debug, Clone, Serialize)]
pub struct Schedule {
    /// Always `pso-schedule/1`.
    pub format: &'static str,
    /// The latest finish.
    pub finish: String,
    /// Working time from the project start to `finish` on the project calendar, in days of
    /// the project's minutes per day.
    pub makespan_working_days: f64,
    /// Every scheduled task, in file order.
    pub tasks: Vec<ScheduledTask>,
}

const MINUTES_PER_DAY_DEFAULT: i64 = 480;

fn fmt_minute(m: Minute) -> String {
    datetime_of(m)
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Calendars

fn default_hours() -> Vec<DayInterval> {
    vec![(8 * 60, 12 * 60), (13 * 60, 17 * 60)]
}

/// Working intervals of a day; `ToTime` `00:00` (or before `FromTime`) ends at midnight.
fn intervals(times: &[WorkingTime], working: Option<bool>) -> Vec<DayInterval> {
    if working == Some(false) {
        return Vec::new();
    }
    let mut v: Vec<DayInterval> = Vec::new();
    for t in times {
        let (Some(from), Some(to)) = (t.from_time, t.to_time) else {
            continue;
        };
        let a = from.minutes().min(1440) as u16;
        let mut b = to.minutes().min(1440) as u16;
        if b <= a {
            b = 1440;
        }
        if b > a {
            v.push((a, b));
        }
    }
    if v.is_empty() && working == Some(true) {
        return default_hours();
    }
    v.sort_unstable();
    // Merge overlaps so the engine accepts the day.
    let mut out: Vec<DayInterval> = Vec::with_capacity(v.len());
    for x in v {
        match out.last_mut() {
            Some(last) if last.1 >= x.0 => last.1 = last.1.max(x.1),
            _ => out.push(x),
        }
    }
    out
}

/// Monday-first index of an MSPDI day type (1 Sunday … 7 Saturday).
fn weekday_index(day_type: Coded<DayType>) -> Option<usize> {
    let sunday_first = day_type.known()?.sunday_index()?;
    Some((sunday_first + 6) % 7)
}

fn date_range(tp: Option<&super::TimePeriod>) -> Option<(NaiveDate, NaiveDate)> {
    let tp = tp?;
    let from = tp.from_date?.date();
    let to = tp.to_date.map(|t| t.date()).unwrap_or(from);
    (to >= from).then_some((from, to))
}

/// Does `d` belong to the recurrence of `e` (whose range contains `d`)?
fn recurs_on(e: &super::Exception, from: NaiveDate, d: NaiveDate) -> bool {
    let period = e.period.unwrap_or(1).max(1);
    let nth_weekday = |d: NaiveDate| -> bool {
        // MonthItem 3 = Sunday … 9 = Saturday; MonthPosition 0..3 = first..fourth, 4 = last.
        let Some(item) = e.month_item else {
            return false;
        };
        let wd = match item {
            3 => Weekday::Sun,
            4 => Weekday::Mon,
            5 => Weekday::Tue,
            6 => Weekday::Wed,
            7 => Weekday::Thu,
            8 => Weekday::Fri,
            9 => Weekday::Sat,
            _ => return false,
        };
        if d.weekday() != wd {
            return false;
        }
        match e.month_position.unwrap_or(0) {
            4 => d
                .checked_add_days(chrono::Days::new(7))
                .is_none_or(|n| n.month() != d.month()),
            p => (d.day() as i64 - 1) / 7 == p,
        }
    };
    let months = |d: NaiveDate| d.year() as i64 * 12 + d.month0() as i64;
    match e.exception_type.unwrap_or(1) {
        // Daily, every `period` days.
        1 | 7 => (d - from).num_days() % period == 0,
        // Yearly on a month day.
        2 => {
            d.month0() as i64 == e.month.unwrap_or(0) && d.day() as i64 == e.month_day.unwrap_or(1)
        }
        // Yearly on the nth weekday of a month.
        3 => d.month0() as i64 == e.month.unwrap_or(0) && nth_weekday(d),
        // Monthly on a day, every `period` months.
        4 => (months(d) - months(from)) % period == 0 && d.day() as i64 == e.month_day.unwrap_or(1),
        // Monthly on the nth weekday, every `period` months.
        5 => (months(d) - months(from)) % period == 0 && nth_weekday(d),
        // Weekly on some days, every `period` weeks (weeks start on Sunday).
        6 => {
            let mask = e.days_of_week.unwrap_or(0);
            let bit = 1i64 << d.weekday().num_days_from_sunday();
            let week0 = from - chrono::Duration::days(from.weekday().num_days_from_sunday() as i64);
            let weeks = (d - week0).num_days().div_euclid(7);
            mask & bit != 0 && weeks % period == 0
        }
        _ => false,
    }
}

/// Working intervals of a day under a weekday definition, looking up the base chain.
struct CalendarBuilder<'a> {
    by_uid: HashMap<i64, &'a MsCalendar>,
    built: HashMap<i64, CalendarSpec>,
}

impl<'a> CalendarBuilder<'a> {
    fn new(project: &'a Project) -> Self {
        let by_uid = project
            .calendars
            .iter()
            .filter_map(|c| Some((c.uid?, c)))
            .collect();
        Self {
            by_uid,
            built: HashMap::new(),
        }
    }

    fn spec(&mut self, uid: i64, depth: usize) -> Result<CalendarSpec, ScheduleError> {
        if let Some(s) = self.built.get(&uid) {
            return Ok(s.clone());
        }
        if depth > 16 {
            return Err(ScheduleError::CalendarCycle(uid));
        }
        let Some(cal) = self.by_uid.get(&uid).copied() else {
            return Ok(CalendarSpec::weekly(&[0, 1, 2, 3, 4], &default_hours()));
        };
        let mut spec = match cal.base_calendar_uid {
            Some(base) if base >= 0 && base != uid && self.by_uid.contains_key(&base) => {
                self.spec(base, depth + 1)?
            }
            _ if cal.is_base_calendar == Some(false) && cal.base_calendar_uid.is_some() => {
                CalendarSpec::weekly(&[0, 1, 2, 3, 4], &default_hours())
            }
            _ => {
                // A base calendar: days it does not list are non-working, except that a
                // calendar listing no weekday at all gets MS Project's standard week.
                if cal
                    .week_days
                    .iter()
                    .any(|d| d.day_type.is_some_and(|t| t.code() > 0))
                {
                    CalendarSpec::default()
                } else {
                    CalendarSpec::weekly(&[0, 1, 2, 3, 4], &default_hours())
                }
            }
        };
        for wd in &cal.week_days {
            apply_week_day(&mut spec, wd);
        }
        for ww in &cal.work_weeks {
            let Some((from, to)) = date_range(ww.time_period.as_ref()) else {
                continue;
            };
            let mut week: [Option<Vec<DayInterval>>; 7] = Default::default();
            for wd in &ww.week_days {
                if let Some(i) = wd.day_type.and_then(weekday_index) {
                    week[i] = Some(intervals(&wd.working_times, wd.day_working));
                }
            }
            let mut d = from;
            let mut n = 0;
            while d <= to && n < 366 * 30 {
                let i = d.weekday().num_days_from_monday() as usize;
                if let Some(iv) = &week[i] {
                    spec.exceptions.push(Exception {
                        from: d,
                        to: d,
                        intervals: iv.clone(),
                    });
                }
                d = match d.succ_opt() {
                    Some(n) => n,
                    None => break,
                };
                n += 1;
            }
        }
        for e in &cal.exceptions {
            let Some((from, to)) = date_range(e.time_period.as_ref()) else {
                continue;
            };
            let iv = intervals(&e.working_times, e.day_working.or(Some(false)));
            let simple =
                matches!(e.exception_type, None | Some(1) | Some(7)) && e.period.unwrap_or(1) <= 1;
            if simple {
                spec.exceptions.push(Exception {
                    from,
                    to,
                    intervals: iv,
                });
                continue;
            }
            let mut d = from;
            let mut n = 0;
            while d <= to && n < 366 * 100 {
                if recurs_on(e, from, d) {
                    spec.exceptions.push(Exception {
                        from: d,
                        to: d,
                        intervals: iv.clone(),
                    });
                }
                d = match d.succ_opt() {
                    Some(n) => n,
                    None => break,
                };
                n += 1;
            }
        }
        self.built.insert(uid, spec.clone());
        Ok(spec)
    }
}

/// The engine's form of MSPDI calendar `uid`: its working week (inherited from its base calendar
/// where it does not say otherwise) and every exception, recurring ones expanded day by day and
/// work weeks as dated days. An unknown UID gives MS Project's standard week.
pub fn calendar_spec(project: &Project, uid: i64) -> Result<CalendarSpec, ScheduleError> {
    CalendarBuilder::new(project).spec(uid, 0)
}

fn apply_week_day(spec: &mut CalendarSpec, wd: &WeekDay) {
    match wd.day_type {
        Some(Coded::Known(DayType::Exception)) => {
            // Before Project 2007: an exception is a WeekDay with a time period.
            if let Some((from, to)) = date_range(wd.time_period.as_ref()) {
                spec.exceptions.push(Exception {
                    from,
                    to,
                    intervals: intervals(&wd.working_times, wd.day_working.or(Some(false))),
                });
            }
        }
        Some(t) => {
            if let Some(i) = weekday_index(t) {
                spec.week[i] = intervals(&wd.working_times, wd.day_working);
            }
        }
        None => {}
    }
}

// ---------------------------------------------------------------------------------------------
// The network

struct Link {
    pred: usize,
    kind: LinkType,
    /// Lag in minutes (working or elapsed), or percent of the predecessor's duration.
    lag: Lag,
}

#[derive(Clone, Copy)]
enum Lag {
    Working(Minute),
    Elapsed(Minute),
    Percent(f64),
}

struct Node<'a> {
    task: &'a Task,
    uid: i64,
    parent: Option<usize>,
    children: Vec<usize>,
    links: Vec<Link>,
    /// What must be worked on which calendar: one entry per work assignment (work / units on
    /// the resource's calendar), or the task's duration on the task's or project's calendar.
    spans: Vec<Span>,
    duration: Minute,
    elapsed: bool,
    fixed: Option<(Minute, Minute)>,
}

/// Work to be done on one calendar: an assignment, or the task itself.
#[derive(Debug, Clone, Copy)]
struct Span {
    key: CalKey,
    minutes: Minute,
    /// Assignment delay after the task's start (working minutes).
    delay: Minute,
    /// Assignment leveling delay (working or elapsed minutes).
    leveling_delay: Minute,
    leveling_elapsed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct CalKey {
    task: i64,
    resource: i64,
}

/// Schedules `project` forward from its start date; see the module documentation.
pub fn schedule(project: &Project) -> Result<Schedule, ScheduleError> {
    if project.schedule_from_start == Some(false) {
        return Err(ScheduleError::FromFinish);
    }
    let project_start = project.start_date.ok_or(ScheduleError::NoStart)?;
    let honor = project.honor_constraints.unwrap_or(false);
    let project_cal_uid = project.calendar_uid.unwrap_or(1);
    let minutes_per_day = project
        .minutes_per_day
        .filter(|&m| m > 0)
        .unwrap_or(MINUTES_PER_DAY_DEFAULT);

    // Calendars, built lazily per (task calendar, resource calendar).
    let mut builder = CalendarBuilder::new(project);
    let mut calendars: BTreeMap<CalKey, Calendar> = BTreeMap::new();
    let get_cal = |key: CalKey,
                   builder: &mut CalendarBuilder<'_>,
                   calendars: &mut BTreeMap<CalKey, Calendar>|
     -> Result<(), ScheduleError> {
        if calendars.contains_key(&key) {
            return Ok(());
        }
        let make = |uid: i64, b: &mut CalendarBuilder<'_>| -> Result<Calendar, ScheduleError> {
            let spec = b.spec(uid, 0)?;
            Calendar::new(&spec).map_err(|source| ScheduleError::Calendar { uid, source })
        };
        let cal = match (key.task, key.resource) {
            (t, -1) => make(t, builder)?,
            (-1, r) => make(r, builder)?,
            (t, r) => make(t, builder)?.intersect(&make(r, builder)?),
        };
        calendars.insert(key, cal);
        Ok(())
    };

    // Work resources and their calendars (-1: none of its own).
    let resource_cal: HashMap<i64, i64> = project
        .resources
        .iter()
        .filter(|r| {
            r.resource_type.unwrap_or(Coded::Known(ResourceType::Work))
                == Coded::Known(ResourceType::Work)
                && r.is_null != Some(true)
                && r.is_cost_resource != Some(true)
        })
        .filter_map(|r| Some((r.uid?, r.calendar_uid.filter(|&c| c >= 0).unwrap_or(-1))))
        .collect();
    // Each work assignment is scheduled on its resource's calendar for work / units.
    let mut task_assignments: HashMap<i64, Vec<Span>> = HashMap::new();
    let mut contoured: HashSet<i64> = HashSet::new();
    for a in &project.assignments {
        let (Some(t), Some(r)) = (a.task_uid, a.resource_uid) else {
            continue;
        };
        let Some(&c) = resource_cal.get(&r) else {
            continue;
        };
        let units = a.units.unwrap_or(1.0);
        let work = a.work.as_ref().and_then(|w| w.minutes()).unwrap_or(0.0);
        if units <= 0.0 || work <= 0.0 {
            continue;
        }
        if a.work_contour
            .is_some_and(|c| c != Coded::Known(WorkContour::Flat))
        {
            contoured.insert(t);
        }
        let delay = a.delay.unwrap_or(0.0) / 10.0;
        let leveling = a.leveling_delay.unwrap_or(0.0) / 10.0;
        task_assignments.entry(t).or_default().push(Span {
            key: CalKey {
                task: -1,
                resource: c,
            },
            minutes: (work / units).round() as Minute,
            delay: delay.round() as Minute,
            leveling_delay: leveling.round() as Minute,
            leveling_elapsed: is_elapsed(a.leveling_delay_format),
        });
    }

    // Nodes: active, non-null tasks with a UID, in file order; parents from outline levels.
    let mut nodes: Vec<Node<'_>> = Vec::new();
    let mut by_uid: HashMap<i64, usize> = HashMap::new();
    let mut stack: Vec<(i64, usize)> = Vec::new();
    for task in &project.tasks {
        let Some(uid) = task.uid else { continue };
        if task.is_null == Some(true) || task.active == Some(false) {
            continue;
        }
        let level = task.outline_level.unwrap_or(if uid == 0 { 0 } else { 1 });
        while stack.last().is_some_and(|&(l, _)| l >= level) {
            stack.pop();
        }
        let parent = stack.last().map(|&(_, i)| i);
        let i = nodes.len();
        if let Some(p) = parent {
            nodes[p].children.push(i);
        }
        stack.push((level, i));
        by_uid.insert(uid, i);

        let own_cal = task.calendar_uid.filter(|&c| c >= 0);
        let duration = task
            .duration
            .as_ref()
            .and_then(|d| d.minutes())
            .map(|m| m.round() as Minute)
            .unwrap_or(0)
            .max(0);
        let task_key = CalKey {
            task: own_cal.unwrap_or(project_cal_uid),
            resource: -1,
        };
        let assignments = task_assignments.get(&uid).filter(|_| duration > 0);
        // A contoured assignment's span is not its work over its units: MS Project stretches
        // it by the contour. Those tasks keep their duration (and disagree: see the table).
        let by_work = !contoured.contains(&uid);
        let spans: Vec<Span> = match assignments {
            Some(list) => list
                .iter()
                .map(|sp| {
                    let rc = sp.key.resource;
                    let key = if task.ignore_resource_calendar == Some(true) || rc < 0 {
                        task_key
                    } else {
                        CalKey {
                            task: own_cal.unwrap_or(-1),
                            resource: rc,
                        }
                    };
                    Span {
                        key,
                        minutes: if by_work { sp.minutes } else { duration },
                        ..*sp
                    }
                })
                .collect(),
            None => vec![Span {
                key: task_key,
                minutes: duration,
                delay: 0,
                leveling_delay: 0,
                leveling_elapsed: false,
            }],
        };
        for sp in &spans {
            get_cal(sp.key, &mut builder, &mut calendars)?;
        }
        let manual = task.manual == Some(true);
        let progress = task.actual_start.is_some() || task.percent_complete.unwrap_or(0.0) > 0.0;
        let fixed = if manual || progress {
            let s = task.actual_start.or(task.start).or(task.manual_start);
            let f = task.actual_finish.or(task.finish).or(task.manual_finish);
            match (s, f) {
                (Some(s), Some(f)) => Some((minute_of(s), minute_of(f))),
                _ => None,
            }
        } else {
            None
        };
        nodes.push(Node {
            task,
            uid,
            parent,
            children: Vec::new(),
            links: Vec::new(),
            spans,
            duration,
            elapsed: is_elapsed(task.duration_format),
            fixed,
        });
    }

    // Links (cross-project and dangling links are dropped; so are links between a task and its
    // own summary, which MS Project refuses).
    for i in 0..nodes.len() {
        let mut links = Vec::new();
        for l in &nodes[i].task.predecessor_links {
            if l.cross_project == Some(true) {
                continue;
            }
            let Some(&p) = l.predecessor_uid.and_then(|u| by_uid.get(&u)) else {
                continue;
            };
            if p == i || is_ancestor(&nodes, p, i) || is_ancestor(&nodes, i, p) {
                continue;
            }
            let kind = l
                .link_type
                .and_then(Coded::known)
                .unwrap_or(LinkType::FinishToStart);
            let raw = l.link_lag.unwrap_or(0);
            let lag = match l.lag_format {
                f if is_percent(f) => Lag::Percent(raw as f64 / 10.0),
                f if is_elapsed(f) => Lag::Elapsed(raw / 10),
                _ => Lag::Working(raw / 10),
            };
            links.push(Link { pred: p, kind, lag });
        }
        nodes[i].links = links;
    }

    // Dependencies for the order of computation: a leaf waits for the predecessors of its own
    // links and of its ancestors' links; a summary waits for its children.
    let n = nodes.len();
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indeg = vec![0usize; n];
    for i in 0..n {
        if nodes[i].children.is_empty() {
            let mut a = Some(i);
            while let Some(x) = a {
                for l in &nodes[x].links {
                    succ[l.pred].push(i);
                    indeg[i] += 1;
                }
                a = nodes[x].parent;
            }
        } else {
            for &c in &nodes[i].children {
                succ[c].push(i);
                indeg[i] += 1;
            }
        }
    }
    let mut ready: Vec<usize> = (0..n).rev().filter(|&i| indeg[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop() {
        order.push(i);
        for &s in &succ[i] {
            indeg[s] -= 1;
            if indeg[s] == 0 {
                ready.push(s);
            }
        }
    }
    if order.len() < n {
        let stuck = (0..n).find(|&i| indeg[i] > 0).map_or(-1, |i| nodes[i].uid);
        return Err(ScheduleError::Cycle(stuck));
    }

    let start0 = minute_of(project_start);
    let mut start = vec![start0; n];
    let mut finish = vec![start0; n];
    for &i in &order {
        let node = &nodes[i];
        if !node.children.is_empty() {
            let (s, f) = node
                .children
                .iter()
                .fold((Minute::MAX, Minute::MIN), |(s, f), &c| {
                    (s.min(start[c]), f.max(finish[c]))
                });
            start[i] = s;
            finish[i] = f;
            continue;
        }
        if let Some((s, f)) = node.fixed {
            start[i] = s;
            finish[i] = f;
            continue;
        }
        let spans: Vec<(&Calendar, &Span)> = node
            .spans
            .iter()
            .filter_map(|sp| Some((calendars.get(&sp.key)?, sp)))
            .collect();
        let Some(&(cal, _)) = spans.first() else {
            return Err(ScheduleError::NoWorkingTime(node.uid));
        };
        let no_time = || ScheduleError::NoWorkingTime(node.uid);
        let dur = node.duration;

        // The project start bounds tasks without a start constraint; a start constraint (SNET,
        // MSO) may place a task before it, as in MS Project.
        let start_constrained = matches!(
            node.task.constraint_type.and_then(Coded::known),
            Some(ConstraintType::MustStartOn | ConstraintType::StartNoEarlierThan)
        ) && node.task.constraint_date.is_some();
        let mut es = if start_constrained {
            Minute::MIN
        } else {
            start0
        };
        let mut finish_min: Option<Minute> = None;
        let mut a = Some(i);
        while let Some(x) = a {
            for l in &nodes[x].links {
                let p = l.pred;
                let base = match l.kind {
                    LinkType::FinishToStart | LinkType::FinishToFinish => finish[p],
                    LinkType::StartToStart | LinkType::StartToFinish => start[p],
                };
                let t = match l.lag {
                    Lag::Working(0) | Lag::Elapsed(0) => base,
                    Lag::Working(m) => cal.shift(base, m).ok_or_else(no_time)?,
                    Lag::Elapsed(m) => base + m,
                    Lag::Percent(pct) => {
                        let m = (nodes[p].duration as f64 * pct / 100.0).round() as Minute;
                        cal.shift(base, m).ok_or_else(no_time)?
                    }
                };
                match l.kind {
                    LinkType::FinishToStart | LinkType::StartToStart => es = es.max(t),
                    LinkType::FinishToFinish | LinkType::StartToFinish => {
                        finish_min = Some(finish_min.map_or(t, |f: Minute| f.max(t)))
                    }
                }
            }
            if x != i {
                let up = nodes[x].task;
                // Start constraints of summary tasks hold for everything under them, and so
                // does the start of a manually scheduled summary.
                if let (Some(ConstraintType::StartNoEarlierThan), Some(d)) = (
                    up.constraint_type.and_then(Coded::known),
                    up.constraint_date,
                ) {
                    es = es.max(minute_of(d));
                }
                if up.manual == Some(true) {
                    if let Some(d) = up.manual_start.or(up.start) {
                        es = es.max(minute_of(d));
                    }
                }
            }
            a = nodes[x].parent;
        }
        let task = node.task;
        let cdate = task.constraint_date.map(minute_of);
        let constraint = task.constraint_type.and_then(Coded::known);
        match (constraint, cdate) {
            (Some(ConstraintType::StartNoEarlierThan), Some(d)) => es = es.max(d),
            (Some(ConstraintType::FinishNoEarlierThan), Some(d)) => {
                finish_min = Some(finish_min.map_or(d, |f| f.max(d)))
            }
            (Some(ConstraintType::MustStartOn), Some(d)) if !honor => es = es.max(d),
            (Some(ConstraintType::MustFinishOn), Some(d)) if !honor => {
                finish_min = Some(finish_min.map_or(d, |f| f.max(d)))
            }
            _ => {}
        }
        if let Some(delay) = task.leveling_delay.filter(|&d| d > 0.0) {
            let m = (delay / 10.0).round() as Minute;
            es = if is_elapsed(task.leveling_delay_format) {
                es + m
            } else {
                cal.shift(es, m).ok_or_else(no_time)?
            };
        }

        // Forward from an early start.
        let forward = |es: Minute| -> Result<(Minute, Minute), ScheduleError> {
            if node.elapsed {
                return Ok((es, es + dur));
            }
            if dur == 0 {
                // A milestone sits where its predecessor's work ended (or at the project start),
                // unless that is outside working time altogether (then at the next working
                // minute).
                let s = if es == start0 || spans.iter().any(|(c, _)| touches_work(c, es)) {
                    es
                } else {
                    spans
                        .iter()
                        .filter_map(|(c, _)| c.next_working(es))
                        .min()
                        .ok_or_else(no_time)?
                };
                return Ok((s, s));
            }
            let mut s = Minute::MAX;
            let mut f = Minute::MIN;
            for &(c, sp) in &spans {
                let mut a = es;
                if sp.delay > 0 {
                    a = c.shift(a, sp.delay).ok_or_else(no_time)?;
                }
                if sp.leveling_delay > 0 {
                    a = if sp.leveling_elapsed {
                        a + sp.leveling_delay
                    } else {
                        c.shift(a, sp.leveling_delay).ok_or_else(no_time)?
                    };
                }
                let cs = c.next_working(a).ok_or_else(no_time)?;
                let cf = c.add(cs, sp.minutes).ok_or_else(no_time)?;
                s = s.min(cs);
                f = f.max(cf);
            }
            Ok((s, f))
        };
        // Backward from a finish that must be reached: MS Project keeps the finish where the
        // constraint puts it when that touches working time (a finish at 08:00 Monday stays
        // there), and otherwise ends at the last working minute before it.
        let backward = |fm: Minute| -> Result<(Minute, Minute), ScheduleError> {
            if node.elapsed {
                return Ok((fm - dur, fm));
            }
            let mut s = Minute::MAX;
            let mut f = Minute::MIN;
            for &(c, sp) in &spans {
                let d = sp.minutes;
                let cf = if touches_work(c, fm) {
                    fm
                } else {
                    c.end_of(c.work_at(fm)).ok_or_else(no_time)?
                };
                let cs = c.sub(cf, d).ok_or_else(no_time)?;
                s = s.min(cs);
                f = f.max(cf);
            }
            Ok((s, f))
        };

        let (mut s, mut f) = forward(es)?;
        if let Some(fm) = finish_min {
            if f < fm {
                (s, f) = backward(fm)?;
                if s < es {
                    (s, f) = forward(es)?;
                }
            }
        }
        match (constraint, cdate) {
            (Some(ConstraintType::MustStartOn), Some(d)) if honor => (s, f) = forward(d)?,
            (Some(ConstraintType::MustFinishOn), Some(d)) if honor => (s, f) = backward(d)?,
            (Some(ConstraintType::StartNoLaterThan), Some(d)) if honor && s > d => {
                (s, f) = forward(d)?
            }
            (Some(ConstraintType::FinishNoLaterThan), Some(d)) if honor && f > d => {
                (s, f) = backward(d)?
            }
            _ => {}
        }
        start[i] = s;
        finish[i] = f;
    }

    let end = finish.iter().copied().max().unwrap_or(start0);

    // Backward pass: late dates against the project finish, in reverse order of the forward
    // pass (a leaf before its predecessors, a summary before its children, which inherit its
    // bounds). Links are read as in the forward pass, turned around.
    let mut late_finish = vec![end; n];
    let mut late_start = vec![Minute::MAX; n];
    let mut float: Vec<Option<Minute>> = vec![None; n];
    for &i in order.iter().rev() {
        let node = &nodes[i];
        if let Some(p) = node.parent {
            late_finish[i] = late_finish[i].min(late_finish[p]);
            late_start[i] = late_start[i].min(late_start[p]);
        }
        if !node.children.is_empty() {
            continue;
        }
        let Some(cal) = node.spans.first().and_then(|sp| calendars.get(&sp.key)) else {
            continue;
        };
        let elapsed = node.elapsed;
        let span = if elapsed {
            finish[i] - start[i]
        } else {
            cal.work_between(start[i], finish[i])
        };
        let back = |t: Minute, d: Minute| if elapsed { Some(t - d) } else { cal.sub(t, d) };
        let fwd = |t: Minute, d: Minute| if elapsed { Some(t + d) } else { cal.add(t, d) };
        let Some(mut ls) = back(late_finish[i], span) else {
            continue;
        };
        let mut lf = late_finish[i];
        if late_start[i] < ls {
            ls = late_start[i];
            lf = fwd(ls, span).unwrap_or(lf);
        }
        float[i] = Some(if elapsed {
            ls - start[i]
        } else {
            cal.work_between(start[i], ls)
        });
        let mut a = Some(i);
        while let Some(x) = a {
            for l in &nodes[x].links {
                let p = l.pred;
                let base = match l.kind {
                    LinkType::FinishToStart | LinkType::StartToStart => ls,
                    LinkType::FinishToFinish | LinkType::StartToFinish => lf,
                };
                let t = match l.lag {
                    Lag::Working(0) | Lag::Elapsed(0) => Some(base),
                    Lag::Working(m) => cal.unshift(base, m),
                    Lag::Elapsed(m) => Some(base - m),
                    Lag::Percent(pct) => {
                        let m = (nodes[p].duration as f64 * pct / 100.0).round() as Minute;
                        cal.unshift(base, m)
                    }
                };
                let Some(t) = t else { continue };
                match l.kind {
                    LinkType::FinishToStart | LinkType::FinishToFinish => {
                        late_finish[p] = late_finish[p].min(t)
                    }
                    LinkType::StartToStart | LinkType::StartToFinish => {
                        late_start[p] = late_start[p].min(t)
                    }
                }
            }
            a = nodes[x].parent;
        }
    }

    let project_cal = calendars
        .get(&CalKey {
            task: project_cal_uid,
            resource: -1,
        })
        .cloned()
        .map(Ok)
        .unwrap_or_else(|| {
            let spec = builder.spec(project_cal_uid, 0)?;
            Calendar::new(&spec).map_err(|source| ScheduleError::Calendar {
                uid: project_cal_uid,
                source,
            })
        })?;
    let makespan = project_cal.work_between(start0, end) as f64 / minutes_per_day as f64;
    let tasks = nodes
        .iter()
        .enumerate()
        .map(|(i, node)| ScheduledTask {
            id: node.uid.to_string(),
            start: fmt_minute(start[i]),
            finish: fmt_minute(finish[i]),
            group: !node.children.is_empty(),
            fixed: node.children.is_empty() && node.fixed.is_some(),
            total_float_days: float[i]
                .map(|f| (f as f64 / minutes_per_day as f64 * 1000.0).round() / 1000.0),
            critical: float[i].map(|f| f <= 0),
        })
        .collect();
    Ok(Schedule {
        format: "pso-schedule/1",
        finish: fmt_minute(end),
        makespan_working_days: (makespan * 1000.0).round() / 1000.0,
        tasks,
    })
}

/// Whether `t` lies in or at the edge of working time.
fn touches_work(c: &Calendar, t: Minute) -> bool {
    c.work_between(t - 1, t + 1) > 0
}

fn is_ancestor(nodes: &[Node<'_>], a: usize, mut x: usize) -> bool {
    while let Some(p) = nodes[x].parent {
        if p == a {
            return true;
        }
        x = p;
    }
    false
}

/// The stored date of a task as a minute (for comparisons in tests and tools).
pub fn stored(t: Option<NaiveDateTime>) -> Option<String> {
    t.map(|t| fmt_minute(minute_of(t)))
}
