//! Scheduling a stored plan: from projects, tasks, dependencies and assignments to the
//! engine's input, and from the engine's result to what PSO stores and shows.
//!
//! - Each project is scheduled in its site's calendar (working week, working hours, public
//!   holidays); each person works in the calendar of their own site.
//! - Stored task durations count 8-hour days ([`MINUTES_PER_DAY`]); they become that many
//!   working days of the project's calendar, whatever its day length. Effort is absolute.
//! - The engine works in local calendar time. Results are given as RFC 3339 times with the
//!   offset of the project's site time zone, so they are unambiguous everywhere.
//!   Known limit: in a portfolio run that mixes sites, each calendar is read in its own local
//!   time on one common axis (a person in Chicago working on a Paris project is placed by
//!   Chicago's local hours as if they were Paris hours).

use crate::model::{Assignment, Dependency, DependencyType, Project, Site, Task, MINUTES_PER_DAY};
use crate::values::parse_hhmm;
use chrono::{Datelike, NaiveDate, TimeZone};
use pso_schedule::calendar::{self, Calendar, CalendarSpec, Minute};
use pso_schedule::{DepKind, Input, Options, Work};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The computed schedule of one task, as stored and returned by the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TaskSchedule {
    pub task_id: String,
    pub project_id: String,
    /// RFC 3339 with the site's offset.
    pub start: String,
    pub finish: String,
    pub total_float_hours: f64,
    pub free_float_hours: f64,
    pub critical: bool,
    pub group: bool,
    /// Why the task starts when it does, in words.
    pub why: String,
    /// Work segments when the task was split (`[start, finish]` pairs).
    pub segments: Vec<[String; 2]>,
    /// The other project whose task `why` names (a person busy there), if any: readers who may
    /// not see that project get [`TaskSchedule::why_redacted`] instead (see
    /// [`TaskSchedule::for_reader`]). Not part of the API.
    #[serde(skip)]
    pub why_project_id: Option<String>,
    /// `why` without the other project's task name ("busy on another project").
    #[serde(skip)]
    pub why_redacted: Option<String>,
}

impl TaskSchedule {
    /// The schedule as a reader sees it: the explanation names another project's task only if
    /// `may_read(project_id)` allows it.
    pub fn for_reader(mut self, may_read: impl Fn(&str) -> bool) -> Self {
        if let (Some(p), Some(r)) = (&self.why_project_id, &self.why_redacted) {
            if !may_read(p) {
                self.why = r.clone();
            }
        }
        self.why_project_id = None;
        self.why_redacted = None;
        self
    }
}

/// What one scheduling run changed, per task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TaskChange {
    pub task_id: String,
    pub name: String,
    pub old_start: Option<String>,
    pub old_finish: Option<String>,
    pub new_start: String,
    pub new_finish: String,
}

/// One project's (or the portfolio's) plan, as the engine needs it.
#[derive(Debug, Clone, Default)]
pub struct PlanData {
    /// Projects with their sites.
    pub projects: Vec<(Project, Site)>,
    pub tasks: Vec<Task>,
    pub dependencies: Vec<Dependency>,
    pub assignments: Vec<Assignment>,
    /// The site of every assigned person.
    pub person_sites: BTreeMap<String, Site>,
    /// Task names of other projects that may appear in explanations (resource waits).
    pub task_names: BTreeMap<String, String>,
    /// Reported progress by task (from approved timesheets or set by the manager).
    pub progress: BTreeMap<String, ProgressFacts>,
    /// Each project's status date, when it tracks progress.
    pub status_dates: BTreeMap<String, NaiveDate>,
}

/// A task's progress as scheduling takes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProgressFacts {
    pub percent_complete: i64,
    /// Work left in the task's own units (duration or effort minutes); none: the plan's work
    /// times what is not complete.
    pub remaining_minutes: Option<i64>,
    pub actual_start: Option<NaiveDate>,
    pub actual_finish: Option<NaiveDate>,
}

/// The engine's progress of a task of `work` minutes (duration or effort), when it started.
fn engine_progress(f: &ProgressFacts, work: Minute) -> Option<pso_schedule::Progress> {
    let start = f.actual_start?;
    // Finished: at the end of its last day.
    let actual_finish = f
        .actual_finish
        .map(|d| calendar::minute_of_date(d + chrono::Days::new(1)));
    let remaining = match f.remaining_minutes {
        Some(m) => m.max(0) as Minute,
        None => {
            let left = (100 - f.percent_complete.clamp(0, 100)) as Minute;
            work.saturating_mul(left) / 100
        }
    };
    Some(pso_schedule::Progress {
        actual_start: calendar::minute_of_date(start),
        actual_finish,
        remaining,
    })
}

/// Why scheduling could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("site {site}: {message}")]
    Calendar { site: String, message: String },
    #[error("{0}")]
    Engine(String),
    #[error("there is nothing to schedule")]
    Empty,
    /// Tasks the engine could not place within the supported years (a calendar with almost no
    /// working time, or a chain that runs past the last supported year).
    #[error("{} task(s) cannot be placed before the year {}: {}", .0.len(), crate::values::MAX_YEAR, .0.join(", "))]
    Unplaceable(Vec<String>),
}

/// The working-time calendar of a site.
pub fn site_calendar(site: &Site) -> Result<CalendarSpec, PlanError> {
    let days: Vec<usize> = site
        .working_week
        .iter()
        .filter_map(|d| crate::values::WEEKDAYS.iter().position(|w| w == d))
        .collect();
    let hours: Vec<(u16, u16)> = site
        .working_hours
        .iter()
        .filter_map(|[a, b]| Some((parse_hhmm(a)?, parse_hhmm(b)?)))
        .collect();
    let mut spec = CalendarSpec::weekly(&days, &hours);
    for h in &site.holidays {
        if let Ok(d) = NaiveDate::parse_from_str(&h.date, "%Y-%m-%d") {
            spec.day_off(d, d);
        }
    }
    Ok(spec)
}

/// Working minutes of one working day of the site.
pub fn day_minutes(site: &Site) -> Minute {
    let m: Minute = site
        .working_hours
        .iter()
        .filter_map(|[a, b]| Some(Minute::from(parse_hhmm(b)?) - Minute::from(parse_hhmm(a)?)))
        .sum();
    if m > 0 {
        m
    } else {
        MINUTES_PER_DAY
    }
}

/// The engine's input for a plan, and the index of each input task in `plan.tasks`.
pub fn build_input(plan: &PlanData) -> Result<Input, PlanError> {
    if plan.projects.is_empty() {
        return Err(PlanError::Empty);
    }
    // One calendar per site used.
    let mut cal_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut calendars = Vec::new();
    let mut add_site = |site: &Site, calendars: &mut Vec<Calendar>| -> Result<usize, PlanError> {
        if let Some(i) = cal_index.get(&site.id) {
            return Ok(*i);
        }
        let cal = Calendar::new(&site_calendar(site)?).map_err(|e| PlanError::Calendar {
            site: site.code.clone(),
            message: e.to_string(),
        })?;
        calendars.push(cal);
        cal_index.insert(site.id.clone(), calendars.len() - 1);
        Ok(calendars.len() - 1)
    };
    let mut projects = Vec::new();
    let mut project_index: BTreeMap<String, (usize, usize, Minute)> = BTreeMap::new();
    let mut start = Minute::MAX;
    for (i, (p, site)) in plan.projects.iter().enumerate() {
        let c = add_site(site, &mut calendars)?;
        let d = NaiveDate::parse_from_str(&p.start_date, "%Y-%m-%d")
            .map_err(|_| PlanError::Engine(format!("project {}: bad start date", p.code)))?;
        let s = calendar::minute_of_date(d);
        start = start.min(s);
        projects.push(pso_schedule::Project {
            id: p.id.clone(),
            priority: p.priority.clamp(1, 1000) as u32,
            start: Some(s),
        });
        project_index.insert(p.id.clone(), (i, c, day_minutes(site)));
    }
    let mut resources = Vec::new();
    let mut people: BTreeMap<&str, ()> = BTreeMap::new();
    for a in &plan.assignments {
        people.insert(a.person_id.as_str(), ());
    }
    for person in people.keys() {
        let cal = match plan.person_sites.get(*person) {
            Some(site) => Some(add_site(site, &mut calendars)?),
            None => None,
        };
        resources.push(pso_schedule::Resource {
            id: person.to_string(),
            units: 1,
            calendar: cal,
        });
    }
    let mut by_task: BTreeMap<&str, Vec<&Assignment>> = BTreeMap::new();
    for a in &plan.assignments {
        by_task.entry(a.task_id.as_str()).or_default().push(a);
    }
    let mut preds: BTreeMap<&str, Vec<&Dependency>> = BTreeMap::new();
    for d in &plan.dependencies {
        preds.entry(d.successor_id.as_str()).or_default().push(d);
    }
    let parents: std::collections::BTreeSet<&str> = plan
        .tasks
        .iter()
        .filter_map(|t| t.parent_id.as_deref())
        .collect();
    let mut tasks = Vec::with_capacity(plan.tasks.len());
    for t in &plan.tasks {
        let Some(&(pi, cal, day)) = project_index.get(&t.project_id) else {
            continue;
        };
        let res: Vec<String> = by_task
            .get(t.id.as_str())
            .map(|v| v.iter().map(|a| a.person_id.clone()).collect())
            .unwrap_or_default();
        let minutes = |days: f64| (days * day as f64).round() as Minute;
        let work = if parents.contains(t.id.as_str()) {
            Work::Duration(0)
        } else if t.milestone {
            Work::Milestone
        } else if let Some(h) = t.effort_hours {
            Work::Effort((h * 60.0).round() as Minute)
        } else {
            Work::Duration(minutes(t.duration_days.unwrap_or(0.0)))
        };
        let mut task = pso_schedule::Task::new(t.id.clone(), work);
        if !parents.contains(t.id.as_str()) {
            let size = match work {
                Work::Duration(m) | Work::Effort(m) => m,
                Work::Milestone => 0,
            };
            task.progress = plan
                .progress
                .get(&t.id)
                .and_then(|f| engine_progress(f, size));
        }
        task.parent = t.parent_id.clone();
        task.project = pi;
        task.calendar = Some(cal);
        task.resources = if parents.contains(t.id.as_str()) {
            Vec::new()
        } else {
            res
        };
        task.depends = preds
            .get(t.id.as_str())
            .map(|v| {
                v.iter()
                    .map(|d| pso_schedule::Dependency {
                        task: d.predecessor_id.clone(),
                        kind: match d.dep_type {
                            DependencyType::FS => DepKind::FS,
                            DependencyType::SS => DepKind::SS,
                            DependencyType::FF => DepKind::FF,
                            DependencyType::SF => DepKind::SF,
                        },
                        lag: minutes(d.lag_days),
                    })
                    .collect()
            })
            .unwrap_or_default();
        tasks.push(task);
    }
    Ok(Input {
        start,
        calendars,
        calendar: 0,
        projects,
        resources,
        tasks,
        // Projects scheduled together share the latest of their status dates.
        status_date: plan
            .projects
            .iter()
            .filter_map(|(p, _)| plan.status_dates.get(&p.id))
            .max()
            .map(|d| calendar::minute_of_date(*d)),
    })
}

/// Options of a product run: leveling on, a modest search budget, a fixed seed.
pub fn product_options() -> Options {
    Options {
        level: true,
        allow_splits: false,
        schedules: 32,
        seed: 1,
    }
}

fn stamp(m: Minute, tz: &chrono_tz::Tz) -> String {
    match calendar::datetime_of(m) {
        Some(local) => match tz.from_local_datetime(&local).earliest() {
            Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            None => local.format("%Y-%m-%dT%H:%M:%S").to_string(),
        },
        None => String::new(),
    }
}

/// A problem the engine met on one project's task (a missed constraint, a person without
/// capacity): kept with the project, so each project's run shows only its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub project_id: String,
    pub task_id: String,
    pub message: String,
}

/// Runs the engine on a plan and returns each task's stored schedule and the conflicts met.
pub fn run(plan: &PlanData) -> Result<(Vec<TaskSchedule>, Vec<Conflict>), PlanError> {
    let input = build_input(plan)?;
    let out = pso_schedule::schedule(&input, &product_options())
        .map_err(|e| PlanError::Engine(e.to_string()))?;
    let names: BTreeMap<&str, &str> = plan
        .tasks
        .iter()
        .map(|t| (t.id.as_str(), t.name.as_str()))
        .chain(
            plan.task_names
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str())),
        )
        .collect();
    let person_names: BTreeMap<&str, &str> = BTreeMap::new();
    let tz_of: BTreeMap<&str, chrono_tz::Tz> = plan
        .projects
        .iter()
        .map(|(p, s)| (p.id.as_str(), s.time_zone.parse().unwrap_or(chrono_tz::UTC)))
        .collect();
    let mut result = Vec::with_capacity(out.tasks.len());
    let mut unplaced = Vec::new();
    for (i, ts) in out.tasks.iter().enumerate() {
        let t = &input.tasks[i];
        let project_id = &input.projects[t.project].id;
        let tz = tz_of
            .get(project_id.as_str())
            .copied()
            .unwrap_or(chrono_tz::UTC);
        let placed = |m: Minute| {
            calendar::datetime_of(m).is_some_and(|d| d.year() <= crate::values::MAX_YEAR)
        };
        if !placed(ts.start) || !placed(ts.finish) {
            if unplaced.len() < 20 {
                unplaced.push(format!(
                    "'{}'",
                    names.get(t.id.as_str()).copied().unwrap_or(t.id.as_str())
                ));
            }
            continue;
        }
        let why = explain(&input, &ts.why, ts.calendar_wait, &names, &person_names);
        // A person busy on another project's task: the redacted words for readers who may not
        // see that project.
        let (why_project_id, why_redacted) = match &ts.why {
            pso_schedule::Why::Resource { task: Some(o), .. }
                if input.tasks.get(*o).map(|x| x.project) != Some(t.project) =>
            {
                let other = input
                    .tasks
                    .get(*o)
                    .map(|x| input.projects[x.project].id.clone());
                let redacted = explain(
                    &input,
                    &pso_schedule::Why::Resource {
                        resource: match &ts.why {
                            pso_schedule::Why::Resource { resource, .. } => *resource,
                            _ => 0,
                        },
                        task: None,
                    },
                    ts.calendar_wait,
                    &names,
                    &person_names,
                )
                .replacen("to be available", "(busy on another project)", 1);
                (other, Some(redacted))
            }
            _ => (None, None),
        };
        // A finish is the end of the last working minute; show it as that minute's end.
        result.push(TaskSchedule {
            task_id: t.id.clone(),
            project_id: project_id.clone(),
            start: stamp(ts.start, &tz),
            finish: stamp(ts.finish, &tz),
            total_float_hours: ts.total_float as f64 / 60.0,
            free_float_hours: ts.free_float as f64 / 60.0,
            critical: ts.critical,
            group: ts.group,
            why,
            segments: if ts.segments.len() > 1 {
                ts.segments
                    .iter()
                    .map(|(a, b)| [stamp(*a, &tz), stamp(*b, &tz)])
                    .collect()
            } else {
                Vec::new()
            },
            why_project_id,
            why_redacted,
        });
    }
    if !unplaced.is_empty() {
        let extra = out.tasks.len() - result.len();
        if extra > unplaced.len() {
            unplaced.push(format!("and {} more", extra - unplaced.len()));
        }
        return Err(PlanError::Unplaceable(unplaced));
    }
    let conflicts = out
        .conflicts
        .iter()
        .map(|c| {
            let (task, message) = match c {
                pso_schedule::Conflict::ConstraintMissed { task, .. } => (
                    *task,
                    format!(
                        "task '{}' cannot meet its constraint",
                        names.get(input.tasks[*task].id.as_str()).unwrap_or(&"?")
                    ),
                ),
                pso_schedule::Conflict::NoUnits { task, resource } => (
                    *task,
                    format!(
                        "task '{}' needs {} who has no capacity",
                        names.get(input.tasks[*task].id.as_str()).unwrap_or(&"?"),
                        input.resources[*resource].id
                    ),
                ),
            };
            let t = &input.tasks[task];
            Conflict {
                project_id: input.projects[t.project].id.clone(),
                task_id: t.id.clone(),
                message,
            }
        })
        .collect();
    Ok((result, conflicts))
}

fn explain(
    input: &Input,
    why: &pso_schedule::Why,
    calendar_wait: Minute,
    names: &BTreeMap<&str, &str>,
    _people: &BTreeMap<&str, &str>,
) -> String {
    let name = |i: usize| {
        input
            .tasks
            .get(i)
            .map(|t| {
                names
                    .get(t.id.as_str())
                    .copied()
                    .unwrap_or(t.id.as_str())
                    .to_string()
            })
            .unwrap_or_default()
    };
    let mut s = match why {
        pso_schedule::Why::ProjectStart => "starts with the project".to_string(),
        pso_schedule::Why::Constraint => "held by its date constraint".to_string(),
        pso_schedule::Why::Group => "spans its subtasks".to_string(),
        pso_schedule::Why::Dependency {
            task, kind, lag, ..
        } => {
            let k = match kind {
                DepKind::FS => "finish-to-start",
                DepKind::SS => "start-to-start",
                DepKind::FF => "finish-to-finish",
                DepKind::SF => "start-to-finish",
            };
            let lag = if *lag != 0 {
                format!(", lag {:+.1} h", *lag as f64 / 60.0)
            } else {
                String::new()
            };
            format!("waits for '{}' ({k}{lag})", name(*task))
        }
        pso_schedule::Why::Resource { resource, task } => {
            let who = input
                .resources
                .get(*resource)
                .map(|r| r.id.clone())
                .unwrap_or_default();
            match task {
                Some(t) => format!("waits for person {who}, busy on '{}'", name(*t)),
                None => format!("waits for person {who} to be available"),
            }
        }
    };
    if calendar_wait > 0 {
        s.push_str(&format!(
            "; then {:.1} h of non-working time (weekend, holiday or vacation)",
            calendar_wait as f64 / 60.0
        ));
    }
    s
}

/// Compares a previous schedule with a new one.
pub fn changes(
    old: &[TaskSchedule],
    new: &[TaskSchedule],
    names: &BTreeMap<String, String>,
) -> Vec<TaskChange> {
    let before: BTreeMap<&str, &TaskSchedule> =
        old.iter().map(|t| (t.task_id.as_str(), t)).collect();
    new.iter()
        .filter(|n| {
            before
                .get(n.task_id.as_str())
                .is_none_or(|o| o.start != n.start || o.finish != n.finish)
        })
        .map(|n| {
            let o = before.get(n.task_id.as_str());
            TaskChange {
                task_id: n.task_id.clone(),
                name: names.get(&n.task_id).cloned().unwrap_or_default(),
                old_start: o.map(|o| o.start.clone()),
                old_finish: o.map(|o| o.finish.clone()),
                new_start: n.start.clone(),
                new_finish: n.finish.clone(),
            }
        })
        .collect()
}

/// Demand of one person in one week against what they can work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LoadCell {
    pub person_id: String,
    /// Monday of the week, `YYYY-MM-DD`.
    pub week: String,
    pub demand_hours: f64,
    pub capacity_hours: f64,
    /// The tasks that make the demand.
    pub task_ids: Vec<String>,
}

/// Weekly load per person from scheduled tasks: each assignment spreads the task's work evenly
/// over the task's working time in the person's calendar.
pub fn weekly_load(
    schedules: &[TaskSchedule],
    tasks: &[Task],
    assignments: &[Assignment],
    person_sites: &BTreeMap<String, Site>,
) -> Vec<LoadCell> {
    let sched: BTreeMap<&str, &TaskSchedule> =
        schedules.iter().map(|s| (s.task_id.as_str(), s)).collect();
    let task_by_id: BTreeMap<&str, &Task> = tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut cells: BTreeMap<(String, NaiveDate), LoadCell> = BTreeMap::new();
    let mut cal_cache: BTreeMap<String, Calendar> = BTreeMap::new();
    let local = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| calendar::minute_of(t.naive_local()))
    };
    for a in assignments {
        let (Some(s), Some(t)) = (
            sched.get(a.task_id.as_str()),
            task_by_id.get(a.task_id.as_str()),
        ) else {
            continue;
        };
        let (Some(from), Some(to)) = (local(&s.start), local(&s.finish)) else {
            continue;
        };
        let Some(site) = person_sites.get(&a.person_id) else {
            continue;
        };
        if !cal_cache.contains_key(&site.id) {
            match site_calendar(site)
                .ok()
                .and_then(|c| Calendar::new(&c).ok())
            {
                Some(c) => {
                    cal_cache.insert(site.id.clone(), c);
                }
                None => continue,
            }
        }
        let Some(cal) = cal_cache.get(&site.id) else {
            continue;
        };
        let span = cal.work_between(from, to).max(1);
        // Work of the assignment: effort split over assignees, or units × duration.
        let total_work = match t.effort_hours {
            Some(h) => {
                h * 60.0 * a.units
                    / assignments
                        .iter()
                        .filter(|x| x.task_id == a.task_id)
                        .map(|x| x.units)
                        .sum::<f64>()
                        .max(0.001)
            }
            None => span as f64 * a.units,
        };
        // Walk the weeks of the task.
        let mut week_start = calendar::minute_of_date(
            calendar::datetime_of(from)
                .map(|d| d.date())
                .unwrap_or_default()
                .week(chrono::Weekday::Mon)
                .first_day(),
        );
        while week_start < to {
            let week_end = week_start + calendar::WEEK;
            let a0 = from.max(week_start);
            let b0 = to.min(week_end);
            let worked = cal.work_between(a0, b0);
            if worked > 0 {
                let date = calendar::datetime_of(week_start)
                    .map(|d| d.date())
                    .unwrap_or_default();
                let cap = cal.work_between(week_start, week_end) as f64 / 60.0;
                let cell = cells
                    .entry((a.person_id.clone(), date))
                    .or_insert_with(|| LoadCell {
                        person_id: a.person_id.clone(),
                        week: date.to_string(),
                        demand_hours: 0.0,
                        capacity_hours: cap,
                        task_ids: Vec::new(),
                    });
                cell.demand_hours += total_work * worked as f64 / span as f64 / 60.0;
                cell.task_ids.push(a.task_id.clone());
            }
            week_start = week_end;
        }
    }
    cells
        .into_values()
        .map(|mut c| {
            c.demand_hours = (c.demand_hours * 10.0).round() / 10.0;
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Holiday, ProjectStatus};

    fn site() -> Site {
        Site {
            id: "s".into(),
            version: 1,
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
            working_hours: vec![
                ["09:00".into(), "12:30".into()],
                ["13:30".into(), "18:00".into()],
            ],
            holidays: vec![Holiday {
                date: "2026-05-01".into(),
                name: "Fête du Travail".into(),
            }],
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn task(id: &str, days: Option<f64>, effort: Option<f64>) -> Task {
        Task {
            id: id.into(),
            version: 1,
            project_id: "p".into(),
            parent_id: None,
            position: 0,
            name: id.to_uppercase(),
            duration_days: days,
            effort_hours: effort,
            milestone: false,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn plan() -> PlanData {
        let project = Project {
            id: "p".into(),
            version: 1,
            code: "P1".into(),
            name: "P".into(),
            description: String::new(),
            site_id: "s".into(),
            business_unit_id: "b".into(),
            manager_id: None,
            status: ProjectStatus::Active,
            priority: 500,
            start_date: "2026-04-29".into(),
            created_at: String::new(),
            updated_at: String::new(),
        };
        let dep = Dependency {
            id: "d".into(),
            version: 1,
            project_id: "p".into(),
            predecessor_id: "a".into(),
            successor_id: "b".into(),
            dep_type: DependencyType::FS,
            lag_days: 0.0,
            created_at: String::new(),
            updated_at: String::new(),
        };
        PlanData {
            projects: vec![(project, site())],
            tasks: vec![task("a", Some(2.0), None), task("b", Some(1.0), None)],
            dependencies: vec![dep],
            ..Default::default()
        }
    }

    #[test]
    fn site_calendar_holiday_and_zone() {
        // Wednesday 29 April 2026: two days (Wed, Thu); 1 May is a holiday, so B runs Monday.
        let (s, conflicts) = run(&plan()).unwrap();
        assert!(conflicts.is_empty());
        let a = s.iter().find(|t| t.task_id == "a").unwrap();
        let b = s.iter().find(|t| t.task_id == "b").unwrap();
        assert_eq!(a.start, "2026-04-29T09:00:00+02:00");
        assert_eq!(a.finish, "2026-04-30T18:00:00+02:00");
        assert_eq!(b.start, "2026-05-04T09:00:00+02:00");
        assert!(b.why.contains("waits for 'A'"), "{}", b.why);
        assert!(a.critical && b.critical);
    }

    #[test]
    fn changes_list_moved_tasks_only() {
        let (old, _) = run(&plan()).unwrap();
        let mut p = plan();
        p.tasks[1].duration_days = Some(3.0);
        let (new, _) = run(&p).unwrap();
        let names = BTreeMap::from([("b".to_string(), "B".to_string())]);
        let c = changes(&old, &new, &names);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].task_id, "b");
        assert_eq!(
            c[0].old_finish.as_deref(),
            Some("2026-05-04T18:00:00+02:00")
        );
    }

    #[test]
    fn weekly_load_counts_effort_per_week() {
        let mut p = plan();
        p.tasks[0] = task("a", None, Some(24.0));
        p.assignments = vec![Assignment {
            id: "x".into(),
            version: 1,
            project_id: "p".into(),
            task_id: "a".into(),
            person_id: "ana".into(),
            units: 1.0,
            created_at: String::new(),
            updated_at: String::new(),
        }];
        p.person_sites.insert("ana".into(), site());
        let (s, _) = run(&p).unwrap();
        let load = weekly_load(&s, &p.tasks, &p.assignments, &p.person_sites);
        // 24 h from Wednesday 29 April: Wed + Thu in week 1 (16 h), Mon in week 2 (8 h).
        assert_eq!(load.len(), 2);
        assert_eq!(load[0].week, "2026-04-27");
        assert!((load[0].demand_hours - 16.0).abs() < 0.01, "{:?}", load);
        assert!((load[0].capacity_hours - 32.0).abs() < 0.01, "{:?}", load);
        assert!((load[1].demand_hours - 8.0).abs() < 0.01);
    }
}

/// One scheduling run of a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScheduleRun {
    pub id: String,
    pub project_id: Option<String>,
    pub at: String,
    pub actor: String,
    /// Latest finish of the project's tasks.
    pub finish: Option<String>,
    /// `{"changes": [TaskChange...], "conflicts": [...], "tasks": n}`.
    pub summary: serde_json::Value,
}

/// A saved copy of a project's schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Baseline {
    pub id: String,
    pub version: i64,
    pub project_id: String,
    pub name: String,
    pub created_at: String,
    pub created_by: String,
}

/// One task of a baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BaselineTask {
    pub task_id: String,
    pub name: String,
    pub start: String,
    pub finish: String,
}

/// Current against baseline, per task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Variance {
    pub task_id: String,
    pub name: String,
    pub baseline_start: Option<String>,
    pub baseline_finish: Option<String>,
    pub current_start: Option<String>,
    pub current_finish: Option<String>,
    /// Current minus baseline, in working days of the project's calendar (positive: later
    /// than planned), as MS Project reports variances.
    pub start_variance_days: Option<f64>,
    pub finish_variance_days: Option<f64>,
}

/// Compares the current schedule with a baseline (tasks in either); variances are counted in
/// working days of the project's site calendar.
pub fn compare(
    current: &[TaskSchedule],
    baseline: &[BaselineTask],
    names: &BTreeMap<String, String>,
    site: &Site,
) -> Vec<Variance> {
    let cal = site_calendar(site)
        .ok()
        .and_then(|c| Calendar::new(&c).ok());
    let day = day_minutes(site) as f64;
    let days = |a: &str, b: &str| -> Option<f64> {
        let a = calendar::minute_of(chrono::DateTime::parse_from_rfc3339(a).ok()?.naive_local());
        let b = calendar::minute_of(chrono::DateTime::parse_from_rfc3339(b).ok()?.naive_local());
        let work = match &cal {
            Some(c) if a >= b => c.work_between(b, a),
            Some(c) => -c.work_between(a, b),
            None => a - b,
        };
        Some((work as f64 / day * 100.0).round() / 100.0)
    };
    let base: BTreeMap<&str, &BaselineTask> =
        baseline.iter().map(|b| (b.task_id.as_str(), b)).collect();
    let mut out: Vec<Variance> = current
        .iter()
        .map(|c| {
            let b = base.get(c.task_id.as_str());
            Variance {
                task_id: c.task_id.clone(),
                name: names
                    .get(&c.task_id)
                    .cloned()
                    .or_else(|| b.map(|b| b.name.clone()))
                    .unwrap_or_default(),
                baseline_start: b.map(|b| b.start.clone()),
                baseline_finish: b.map(|b| b.finish.clone()),
                current_start: Some(c.start.clone()),
                current_finish: Some(c.finish.clone()),
                start_variance_days: b.and_then(|b| days(&c.start, &b.start)),
                finish_variance_days: b.and_then(|b| days(&c.finish, &b.finish)),
            }
        })
        .collect();
    let cur: std::collections::BTreeSet<&str> =
        current.iter().map(|c| c.task_id.as_str()).collect();
    for b in baseline
        .iter()
        .filter(|b| !cur.contains(b.task_id.as_str()))
    {
        out.push(Variance {
            task_id: b.task_id.clone(),
            name: b.name.clone(),
            baseline_start: Some(b.start.clone()),
            baseline_finish: Some(b.finish.clone()),
            current_start: None,
            current_finish: None,
            start_variance_days: None,
            finish_variance_days: None,
        });
    }
    out
}
