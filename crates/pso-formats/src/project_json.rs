//! `pso-project/1` in, `pso-schedule/1` out (see `shared/formats/pso-project.md`).
//!
//! [`read`] turns a project document into the engine's [`Input`]: the project calendar
//! (working days, the same hours each day, holidays as days off), one calendar per
//! resource with vacations (the project calendar plus those days off), `*_days` figures
//! as working minutes (a working day is the sum of the working hours). [`write`] turns
//! the engine's [`Schedule`] back into `pso-schedule/1`: local times, `finish` at the end
//! of the last working minute, segments only for split tasks, float in working days.
//!
//! Beyond the required fields the reader accepts a task `"constraint": {"type": "SNET",
//! "date": "2025-02-03T09:00"}` (ASAP, ALAP, SNET, SNLT, FNET, FNLT, MSO, MFO) and the
//! writer adds `free_float_days`, `why` and group spans (`"group": true`).

use chrono::{NaiveDate, NaiveDateTime};
use pso_schedule::calendar::{self, Calendar, CalendarSpec, Minute};
use pso_schedule::{
    Constraint, DepKind, Dependency, Input, Options, Resource, Schedule, Task, Why, Work,
};
use serde::{Deserialize, Serialize};

/// What is wrong with a project document.
#[derive(Debug, thiserror::Error)]
pub enum ProjectJsonError {
    /// Not JSON, or not the shape of `pso-project/1`.
    #[error("not a pso-project/1 document: {0}")]
    Json(#[from] serde_json::Error),
    /// A field has a value the format does not allow.
    #[error("{field}: {message}")]
    Value {
        /// Where.
        field: String,
        /// What is wrong.
        message: String,
    },
}

fn bad(field: impl Into<String>, message: impl Into<String>) -> ProjectJsonError {
    ProjectJsonError::Value {
        field: field.into(),
        message: message.into(),
    }
}

#[derive(Debug, Deserialize)]
struct Doc {
    format: Option<String>,
    #[serde(default)]
    id: String,
    start: String,
    time_zone: Option<String>,
    #[serde(default)]
    allow_splits: bool,
    calendar: CalDoc,
    #[serde(default)]
    resources: Vec<ResDoc>,
    tasks: Vec<TaskDoc>,
}

#[derive(Debug, Deserialize)]
struct CalDoc {
    working_days: Option<Vec<String>>,
    working_hours: Option<Vec<(String, String)>>,
    #[serde(default)]
    holidays: Vec<Holiday>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Holiday {
    Dated { date: String },
    Plain(String),
}

#[derive(Debug, Deserialize)]
struct ResDoc {
    id: String,
    units: Option<f64>,
    #[serde(default)]
    vacations: Vec<Vacation>,
}

#[derive(Debug, Deserialize)]
struct Vacation {
    from: String,
    to: String,
}

#[derive(Debug, Deserialize)]
struct TaskDoc {
    id: String,
    parent: Option<String>,
    effort_days: Option<f64>,
    duration_days: Option<f64>,
    #[serde(default)]
    milestone: bool,
    #[serde(default)]
    resources: Vec<String>,
    priority: Option<i64>,
    #[serde(default)]
    depends: Vec<DepDoc>,
    constraint: Option<ConstraintDoc>,
}

#[derive(Debug, Deserialize)]
struct DepDoc {
    task: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    lag_days: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct ConstraintDoc {
    #[serde(rename = "type")]
    kind: String,
    date: Option<String>,
}

/// A project read and turned into engine input, with what the writer needs.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The engine's input.
    pub input: Input,
    /// Engine options the document implies (`allow_splits`).
    pub options: Options,
    /// Working minutes per working day.
    pub day_minutes: Minute,
    /// The project's time zone, as given.
    pub time_zone: String,
    /// The project id.
    pub id: String,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn date(field: &str, s: &str) -> Result<NaiveDate, ProjectJsonError> {
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
        .map_err(|_| bad(field, format!("{s:?} is not a date (YYYY-MM-DD)")))
}

fn hhmm(field: &str, s: &str) -> Result<u16, ProjectJsonError> {
    let err = || bad(field, format!("{s:?} is not a time (HH:MM)"));
    let (h, m) = s.split_once(':').ok_or_else(err)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?);
    if h > 24 || m > 59 || h * 60 + m > 1440 {
        return Err(err());
    }
    Ok(h * 60 + m)
}

fn when(field: &str, s: &str) -> Result<Minute, ProjectJsonError> {
    if s.len() == 10 {
        return Ok(calendar::minute_of_date(date(field, s)?));
    }
    NaiveDateTime::parse_from_str(s.get(..16).unwrap_or(s), "%Y-%m-%dT%H:%M")
        .map(calendar::minute_of)
        .map_err(|_| {
            bad(
                field,
                format!("{s:?} is not a date and time (YYYY-MM-DDTHH:MM)"),
            )
        })
}

fn days_to_minutes(field: &str, d: f64, day: Minute) -> Result<Minute, ProjectJsonError> {
    if !d.is_finite() || d.abs() > 1e7 {
        return Err(bad(field, format!("{d} is not a usable number of days")));
    }
    Ok((d * day as f64).round() as Minute)
}

/// Read a `pso-project/1` document.
pub fn read(text: &str) -> Result<Loaded, ProjectJsonError> {
    let doc: Doc = serde_json::from_str(text)?;
    if let Some(f) = &doc.format {
        if f != "pso-project/1" {
            return Err(bad("format", format!("{f:?} is not pso-project/1")));
        }
    }
    let start = calendar::minute_of_date(date("start", &doc.start)?);
    // The project calendar.
    let mut spec = CalendarSpec::default();
    let days = doc
        .calendar
        .working_days
        .clone()
        .unwrap_or_else(|| DAYS[..5].iter().map(|s| s.to_string()).collect());
    let hours = match &doc.calendar.working_hours {
        Some(h) => h
            .iter()
            .map(|(a, b)| {
                Ok((
                    hhmm("calendar.working_hours", a)?,
                    hhmm("calendar.working_hours", b)?,
                ))
            })
            .collect::<Result<Vec<_>, ProjectJsonError>>()?,
        None => vec![(540, 1020)],
    };
    for d in &days {
        let i = DAYS
            .iter()
            .position(|x| x.eq_ignore_ascii_case(d))
            .ok_or_else(|| bad("calendar.working_days", format!("{d:?} is not a weekday")))?;
        spec.week[i] = hours.clone();
    }
    for h in &doc.calendar.holidays {
        let s = match h {
            Holiday::Dated { date } => date,
            Holiday::Plain(s) => s,
        };
        let d = date("calendar.holidays", s)?;
        spec.day_off(d, d);
    }
    let day_minutes: Minute = hours.iter().map(|&(a, b)| b as Minute - a as Minute).sum();
    if day_minutes <= 0 {
        return Err(bad("calendar.working_hours", "a working day has no hours"));
    }
    let cal_err = |e: calendar::CalendarError| bad("calendar", e.to_string());
    let mut calendars = vec![Calendar::new(&spec).map_err(cal_err)?];
    let mut resources = Vec::with_capacity(doc.resources.len());
    for (i, r) in doc.resources.iter().enumerate() {
        let units = r.units.unwrap_or(1.0);
        if !units.is_finite() || units < 0.0 {
            return Err(bad(
                format!("resources[{i}].units"),
                "must be a non-negative number",
            ));
        }
        let calendar = if r.vacations.is_empty() {
            None
        } else {
            let mut s = spec.clone();
            for v in &r.vacations {
                let field = format!("resources[{i}].vacations");
                s.day_off(date(&field, &v.from)?, date(&field, &v.to)?);
            }
            calendars.push(Calendar::new(&s).map_err(cal_err)?);
            Some(calendars.len() - 1)
        };
        resources.push(Resource {
            id: r.id.clone(),
            units: (units + 1e-9).floor() as u32,
            calendar,
        });
    }
    let mut tasks = Vec::with_capacity(doc.tasks.len());
    for (i, t) in doc.tasks.iter().enumerate() {
        let field = |f: &str| format!("tasks[{i}].{f}");
        let work = if t.milestone {
            Work::Milestone
        } else if let Some(e) = t.effort_days {
            let m = days_to_minutes(&field("effort_days"), e, day_minutes)?;
            if t.resources.is_empty() {
                Work::Duration(m)
            } else {
                Work::Effort(m)
            }
        } else if let Some(d) = t.duration_days {
            Work::Duration(days_to_minutes(&field("duration_days"), d, day_minutes)?)
        } else {
            Work::Milestone
        };
        if matches!(work, Work::Effort(m) | Work::Duration(m) if m < 0) {
            return Err(bad(field("effort_days"), "must not be negative"));
        }
        let mut depends = Vec::with_capacity(t.depends.len());
        for d in &t.depends {
            let kind = match d.kind.as_deref().unwrap_or("FS") {
                "FS" | "fs" => DepKind::FS,
                "SS" | "ss" => DepKind::SS,
                "FF" | "ff" => DepKind::FF,
                "SF" | "sf" => DepKind::SF,
                other => {
                    return Err(bad(
                        field("depends"),
                        format!("{other:?} is not FS, SS, FF or SF"),
                    ))
                }
            };
            depends.push(Dependency {
                task: d.task.clone(),
                kind,
                lag: days_to_minutes(&field("depends"), d.lag_days.unwrap_or(0.0), day_minutes)?,
            });
        }
        let constraint = match &t.constraint {
            None => Constraint::Asap,
            Some(c) => {
                let at = || -> Result<Minute, ProjectJsonError> {
                    let d = c
                        .date
                        .as_deref()
                        .ok_or_else(|| bad(field("constraint"), "needs a date"))?;
                    when(&field("constraint.date"), d)
                };
                match c.kind.to_ascii_uppercase().as_str() {
                    "ASAP" => Constraint::Asap,
                    "ALAP" => Constraint::Alap,
                    "SNET" => Constraint::Snet(at()?),
                    "SNLT" => Constraint::Snlt(at()?),
                    "FNET" => Constraint::Fnet(at()?),
                    "FNLT" => Constraint::Fnlt(at()?),
                    "MSO" => Constraint::Mso(at()?),
                    "MFO" => Constraint::Mfo(at()?),
                    other => {
                        return Err(bad(
                            field("constraint"),
                            format!("{other:?} is not a constraint"),
                        ))
                    }
                }
            }
        };
        let priority = t.priority.unwrap_or(500);
        if !(1..=1000).contains(&priority) {
            return Err(bad(field("priority"), "must be 1 to 1000"));
        }
        tasks.push(Task {
            id: t.id.clone(),
            parent: t.parent.clone(),
            project: 0,
            work,
            resources: t.resources.clone(),
            depends,
            constraint,
            priority: priority as u32,
            calendar: None,
            progress: None,
        });
    }
    Ok(Loaded {
        input: Input {
            start,
            calendars,
            calendar: 0,
            projects: Vec::new(),
            resources,
            tasks,
            status_date: None,
        },
        options: Options {
            allow_splits: doc.allow_splits,
            ..Options::default()
        },
        day_minutes,
        time_zone: doc.time_zone.unwrap_or_else(|| "UTC".into()),
        id: doc.id,
    })
}

#[derive(Serialize)]
struct OutDoc<'a> {
    format: &'static str,
    id: &'a str,
    time_zone: &'a str,
    finish: String,
    makespan_working_days: f64,
    tasks: Vec<OutTask<'a>>,
}

#[derive(Serialize)]
struct OutTask<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    group: bool,
    start: String,
    finish: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    segments: Vec<[String; 2]>,
    total_float_days: f64,
    free_float_days: f64,
    critical: bool,
    why: String,
}

/// `YYYY-MM-DDTHH:MM` of a minute.
pub fn format_minute(m: Minute) -> String {
    match calendar::datetime_of(m) {
        Some(t) => t.format("%Y-%m-%dT%H:%M").to_string(),
        None => String::from("9999-12-31T23:59"),
    }
}

fn days(m: Minute, day: Minute) -> f64 {
    ((m as f64 / day as f64) * 1e4).round() / 1e4
}

fn explain(input: &Input, why: &Why, day: Minute) -> String {
    let lag = |l: Minute| {
        if l == 0 {
            String::new()
        } else {
            format!(" {:+}d", days(l, day))
        }
    };
    match *why {
        Why::ProjectStart => "project start".into(),
        Why::Constraint => "constraint".into(),
        Why::Group => "span of its tasks".into(),
        Why::Dependency {
            task,
            kind,
            lag: l,
            group,
        } => {
            let via = group.map_or(String::new(), |g| {
                format!(" (dependency of group {})", input.tasks[g].id)
            });
            format!("after {} ({kind:?}{}){via}", input.tasks[task].id, lag(l))
        }
        Why::Resource { resource, task } => match task {
            Some(t) => format!(
                "resource {} busy with {}",
                input.resources[resource].id, input.tasks[t].id
            ),
            None => format!("resource {} busy", input.resources[resource].id),
        },
    }
}

/// Write the `pso-schedule/1` document of `sched` (computed from `loaded.input`).
pub fn write(loaded: &Loaded, sched: &Schedule) -> Result<String, ProjectJsonError> {
    let input = &loaded.input;
    let day = loaded.day_minutes;
    let cal = &input.calendars[input.calendar];
    let finish = sched.finish.max(input.start);
    let mut tasks = Vec::with_capacity(sched.tasks.len());
    for (t, s) in input.tasks.iter().zip(&sched.tasks) {
        tasks.push(OutTask {
            id: &t.id,
            group: s.group,
            start: format_minute(s.start),
            finish: format_minute(s.finish),
            segments: s
                .segments
                .iter()
                .map(|&(a, b)| [format_minute(a), format_minute(b)])
                .collect(),
            total_float_days: days(s.total_float, day),
            free_float_days: days(s.free_float, day),
            critical: s.critical,
            why: explain(input, &s.why, day),
        });
    }
    let doc = OutDoc {
        format: "pso-schedule/1",
        id: &loaded.id,
        time_zone: &loaded.time_zone,
        finish: format_minute(finish),
        makespan_working_days: days(cal.work_between(input.start, finish), day),
        tasks,
    };
    Ok(serde_json::to_string(&doc)?)
}
