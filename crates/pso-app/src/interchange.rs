//! Interchange in the application: MS Project XML (MSPDI) import with its report, and export.
//!
//! # Design
//!
//! - **Import** reads the file with `pso_formats::mspdi` (refuses entities and DTDs, locates
//!   syntax errors), maps it onto PSO's plan ([`map_document`]: WBS from outline levels,
//!   durations in PSO's 8-hour days using the file's minutes per day, links with their lags,
//!   resources matched to people, assignments, baselines 0–10) and writes everything with
//!   [`pso_store::Store::import_project`]: one transaction, one audit event.
//! - **Nothing is lost silently.** Whatever PSO cannot hold in its own data (constraints,
//!   progress, notes, costs, custom fields, calendars that differ from the site's, …) is listed
//!   in the [`ImportReport`] with the reason, and the original document is stored with the
//!   project.
//! - **Lossless export.** [`export_document`] takes the stored original and changes it only
//!   where PSO's data differs from what was imported (names, durations, WBS, links,
//!   assignments; tasks created in PSO appended with new UIDs, tasks deleted in PSO removed),
//!   so a plan imported and exported again is the same plan. A project that was not imported
//!   is written from PSO's data alone.

use crate::error::{AppError, AppResult};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use pso_domain::access::ProjectAction;
use pso_domain::model::{
    DependencyType, Project, ProjectInput, ProjectStatus, Site, MINUTES_PER_DAY,
};
use pso_domain::plan::wbs_order;
use pso_formats::mspdi::{
    self, is_elapsed, is_percent, Coded, ConstraintType, DayType, Document, Duration,
    DurationFormat, LinkType, ResourceType, TaskType, WorkContour, WorkFormat,
};
use pso_store::interchange::{
    ImportAssignment, ImportBaseline, ImportBaselineTask, ImportDependency, ImportPerson,
    ImportPlan, ImportSource, ImportTask, PersonKey, TaskSource,
};
use pso_store::{new_id, Actor, Store};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How many examples a report line keeps.
const EXAMPLES: usize = 8;

// ---------------------------------------------------------------- the report

/// One kind of element that could not be carried into PSO's own data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ReportItem {
    /// What (e.g. `constraint`, `custom field Text1 'Cost centre'`).
    pub topic: String,
    /// Why it could not be carried, and what happened to it.
    pub reason: String,
    /// How many elements.
    pub count: usize,
    /// A few of them (task, resource or date).
    pub examples: Vec<String>,
}

/// What an import did and every element it could not carry.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ImportReport {
    pub file_name: String,
    pub project_name: String,
    pub minutes_per_day: i64,
    pub tasks: usize,
    pub groups: usize,
    pub milestones: usize,
    pub dependencies: usize,
    pub assignments: usize,
    pub people_matched: usize,
    pub people_created: usize,
    pub baselines: Vec<String>,
    pub items: Vec<ReportItem>,
}

impl ImportReport {
    fn note(&mut self, topic: impl Into<String>, reason: impl Into<String>, example: String) {
        let topic = topic.into();
        match self.items.iter_mut().find(|i| i.topic == topic) {
            Some(i) => {
                i.count += 1;
                if i.examples.len() < EXAMPLES {
                    i.examples.push(example);
                }
            }
            None => self.items.push(ReportItem {
                topic,
                reason: reason.into(),
                count: 1,
                examples: if example.is_empty() {
                    vec![]
                } else {
                    vec![example]
                },
            }),
        }
    }

    /// The report as text lines (for the command line).
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!(
            "{}: {} tasks ({} groups, {} milestones), {} dependencies, {} assignments, \
             {} people matched, {} created, baselines: {}",
            self.file_name,
            self.tasks,
            self.groups,
            self.milestones,
            self.dependencies,
            self.assignments,
            self.people_matched,
            self.people_created,
            if self.baselines.is_empty() {
                "none".to_string()
            } else {
                self.baselines.join(", ")
            }
        )];
        if self.items.is_empty() {
            out.push("Everything in the file was carried into PSO.".into());
        } else {
            out.push(format!(
                "Not carried into PSO's data ({} kinds; all of it is kept in the stored file \
                 and exported again):",
                self.items.len()
            ));
        }
        for i in &self.items {
            let ex = if i.examples.is_empty() {
                String::new()
            } else {
                format!(
                    " — e.g. {}{}",
                    i.examples.join("; "),
                    if i.count > i.examples.len() {
                        "; …"
                    } else {
                        ""
                    }
                )
            };
            out.push(format!("  - {} ×{}: {}{}", i.topic, i.count, i.reason, ex));
        }
        out
    }
}

// ---------------------------------------------------------------- reading

/// Reads an MSPDI document, turning its errors into a 422 that says where the file is wrong.
pub fn parse_document(bytes: &[u8]) -> AppResult<Document> {
    mspdi::read(bytes).map_err(|e| match e {
        mspdi::Error::Refused { .. } => {
            AppError::field("file", "refused_file", format!("the file was refused: {e}"))
        }
        mspdi::Error::Syntax { .. } => AppError::field(
            "file",
            "malformed_file",
            format!("the file is not well-formed XML: {e}"),
        ),
        mspdi::Error::NotMspdi(_) => AppError::field("file", "not_mspdi", e.to_string()),
        mspdi::Error::Io { .. } => AppError::internal(e),
    })
}

// ---------------------------------------------------------------- mapping helpers

/// The file's time units.
#[derive(Debug, Clone, Copy)]
struct Units {
    minutes_per_day: f64,
    minutes_per_week: f64,
}

impl Units {
    fn of(p: &mspdi::Project) -> Self {
        let mpd = p.minutes_per_day.filter(|m| *m > 0).unwrap_or(480) as f64;
        let mpw = p
            .minutes_per_week
            .filter(|m| *m > 0)
            .map(|m| m as f64)
            .unwrap_or(mpd * 5.0);
        Units {
            minutes_per_day: mpd,
            minutes_per_week: mpw,
        }
    }
    /// Working minutes of the file → PSO minutes (8-hour days).
    fn to_pso(self, working_minutes: f64) -> i64 {
        (working_minutes / self.minutes_per_day * MINUTES_PER_DAY as f64).round() as i64
    }
    /// Elapsed minutes → PSO minutes, by the share of working time in a week.
    fn elapsed_to_pso(self, elapsed_minutes: f64) -> i64 {
        self.to_pso(elapsed_minutes * self.minutes_per_week / (7.0 * 1440.0))
    }
    /// PSO minutes → working minutes of the file.
    fn to_file(self, pso_minutes: i64) -> i64 {
        (pso_minutes as f64 * self.minutes_per_day / MINUTES_PER_DAY as f64).round() as i64
    }
}

/// A link type in PSO (an unknown or missing type is finish-to-start, as in MS Project).
fn dep_type(t: Option<Coded<LinkType>>) -> DependencyType {
    match t.and_then(Coded::known) {
        Some(LinkType::FinishToFinish) => DependencyType::FF,
        Some(LinkType::StartToFinish) => DependencyType::SF,
        Some(LinkType::StartToStart) => DependencyType::SS,
        Some(LinkType::FinishToStart) | None => DependencyType::FS,
    }
}

fn mspdi_type(t: DependencyType) -> LinkType {
    match t {
        DependencyType::FF => LinkType::FinishToFinish,
        DependencyType::FS => LinkType::FinishToStart,
        DependencyType::SF => LinkType::StartToFinish,
        DependencyType::SS => LinkType::StartToStart,
    }
}

/// What a predecessor link becomes in PSO: type, lag in PSO minutes, and a note when the lag
/// was converted approximately.
fn map_link(
    l: &mspdi::PredecessorLink,
    units: Units,
    pred_minutes: Option<i64>,
) -> (DependencyType, i64, Option<&'static str>) {
    let t = dep_type(l.link_type);
    let raw = l.link_lag.unwrap_or(0) as f64;
    let (lag, note) = if raw == 0.0 {
        (0, None)
    } else if is_percent(l.lag_format) {
        let pct = raw / 10.0;
        (
            (pred_minutes.unwrap_or(0) as f64 * pct / 100.0).round() as i64,
            Some("percentage lag"),
        )
    } else if is_elapsed(l.lag_format) {
        (units.elapsed_to_pso(raw / 10.0), Some("elapsed lag"))
    } else {
        (units.to_pso(raw / 10.0), None)
    };
    (t, lag.clamp(-4_800_000, 4_800_000), note)
}

fn units_milli(u: Option<f64>) -> i64 {
    (u.unwrap_or(1.0) * 1000.0).round() as i64
}

/// `UID 12 'Design'`.
fn label(t: &mspdi::Task) -> String {
    format!(
        "UID {} '{}'",
        t.uid.unwrap_or(-1),
        t.name.as_deref().unwrap_or("").trim()
    )
}

fn res_label(r: &mspdi::Resource) -> String {
    format!(
        "UID {} '{}'",
        r.uid.unwrap_or(-1),
        r.name.as_deref().unwrap_or("").trim()
    )
}

const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

fn hm(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// Working intervals of a week day (minutes from midnight).
fn intervals(wd: &mspdi::WeekDay) -> Vec<(u32, u32)> {
    wd.working_times
        .iter()
        .filter_map(|w| {
            let a = w.from_time?.minutes();
            let mut b = w.to_time?.minutes();
            if b == 0 {
                b = 1440;
            }
            (b > a).then_some((a, b))
        })
        .collect()
}

/// A site's `HH:MM` in minutes after midnight (site hours are validated when saved).
fn parse_hhmm(s: &str) -> Option<u32> {
    pso_domain::values::parse_hhmm(s).map(u32::from)
}

/// Compares the file's project calendar with the site's; differences go to the report.
fn compare_calendar(doc: &mspdi::Project, site: &Site, report: &mut ImportReport) {
    let cal = doc
        .calendars
        .iter()
        .find(|c| c.uid.is_some() && c.uid == doc.calendar_uid)
        .or_else(|| {
            doc.calendars
                .iter()
                .find(|c| c.is_base_calendar == Some(true))
        });
    let Some(cal) = cal else { return };
    let cal_name = cal.name.clone().unwrap_or_else(|| "Standard".into());
    // The working week: a day the calendar does not define works Monday to Friday, 08:00-12:00
    // and 13:00-17:00 (MS Project's default).
    let mut week: Vec<(bool, Vec<(u32, u32)>)> = (0..7)
        .map(|d| {
            if (1..=5).contains(&d) {
                (true, vec![(480, 720), (780, 1020)])
            } else {
                (false, vec![])
            }
        })
        .collect();
    for wd in &cal.week_days {
        if let Some(i) = wd
            .day_type
            .and_then(Coded::known)
            .and_then(DayType::sunday_index)
        {
            let working = wd.day_working.unwrap_or(false);
            week[i] = (working, if working { intervals(wd) } else { vec![] });
        }
    }
    let file_days: Vec<&str> = (0..7).filter(|i| week[*i].0).map(|i| DAYS[i]).collect();
    let site_days: Vec<&str> = DAYS
        .iter()
        .copied()
        .filter(|d| site.working_week.iter().any(|w| w.eq_ignore_ascii_case(d)))
        .collect();
    let reason = "PSO schedules on the site's calendar; the file's calendar is kept in the \
                  stored file and exported again";
    if file_days != site_days {
        report.note(
            "calendar: working days",
            reason,
            format!(
                "'{cal_name}' works {} — site {} works {}",
                file_days.join(", "),
                site.code,
                site_days.join(", ")
            ),
        );
    }
    let site_hours: Vec<(u32, u32)> = site
        .working_hours
        .iter()
        .filter_map(|[a, b]| Some((parse_hhmm(a)?, parse_hhmm(b)?)))
        .collect();
    let fmt = |v: &[(u32, u32)]| {
        v.iter()
            .map(|(a, b)| format!("{}-{}", hm(*a), hm(*b)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut seen = BTreeSet::new();
    for (i, (working, hours)) in week.iter().enumerate() {
        if *working && *hours != site_hours && seen.insert(hours.clone()) {
            report.note(
                "calendar: working hours",
                reason,
                format!(
                    "'{cal_name}' {} {} — site {} {}",
                    DAYS[i],
                    fmt(hours),
                    site.code,
                    fmt(&site_hours)
                ),
            );
        }
    }
    // Exceptions: non-working days that are not holidays of the site.
    let holidays: BTreeSet<&str> = site.holidays.iter().map(|h| h.date.as_str()).collect();
    let mut check_period = |name: &str, p: &mspdi::TimePeriod, working: bool, recurring: bool| {
        let (Some(a), Some(b)) = (p.from_date, p.to_date) else {
            return;
        };
        let what = if name.is_empty() {
            String::new()
        } else {
            format!("'{name}' ")
        };
        if working {
            report.note(
                "calendar: working exceptions",
                reason,
                format!("{what}{} to {}", a.date(), b.date()),
            );
            return;
        }
        if recurring {
            report.note(
                "calendar: recurring exceptions",
                reason,
                format!("{what}from {} to {}", a.date(), b.date()),
            );
            return;
        }
        let mut d = a.date();
        let mut n = 0;
        while d <= b.date() && n < 400 {
            let ds = d.to_string();
            if !holidays.contains(ds.as_str()) {
                report.note(
                    "calendar: non-working days that are not holidays of the site",
                    reason,
                    format!("{what}{ds}"),
                );
            }
            d = d.succ_opt().unwrap_or(d);
            n += 1;
        }
    };
    for e in &cal.exceptions {
        if let Some(p) = &e.time_period {
            let recurring = e.occurrences.unwrap_or(1) > 1
                || e.exception_type.is_some_and(|t| t != 1 && t != 0) && {
                    let a = p.from_date.map(|d| d.date());
                    let b = p.to_date.map(|d| d.date());
                    a != b
                };
            check_period(
                e.name.as_deref().unwrap_or(""),
                p,
                e.day_working.unwrap_or(false),
                recurring && e.occurrences.unwrap_or(1) > 1,
            );
        }
    }
    for wd in &cal.week_days {
        if wd.day_type == Some(Coded::Known(DayType::Exception)) {
            if let Some(p) = &wd.time_period {
                check_period("", p, wd.day_working.unwrap_or(false), false);
            }
        }
    }
    if !cal.work_weeks.is_empty() {
        for w in &cal.work_weeks {
            report.note(
                "calendar: work weeks",
                reason,
                w.name.clone().unwrap_or_default(),
            );
        }
    }
    for c in &doc.calendars {
        if std::ptr::eq(c, cal) {
            continue;
        }
        report.note(
            "other calendars (resource and base calendars)",
            "PSO uses the calendar of each person's site; kept in the stored file and exported \
             again",
            c.name.clone().unwrap_or_default(),
        );
    }
}

/// A project code from a file name: `Office move (v2).xml` → `OFFICE-MOVE-V2`.
pub fn code_from_file_name(name: &str) -> String {
    let stem = std::path::Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut code = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            code.push(c.to_ascii_uppercase());
        } else if !code.ends_with('-') && !code.is_empty() {
            code.push('-');
        }
    }
    let mut code: String = code.trim_matches('-').chars().take(32).collect();
    code = code.trim_end_matches('-').to_string();
    if code.len() < 2 {
        code = "MSP-IMPORT".into();
    }
    code
}

/// Choices of an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub site_id: String,
    pub business_unit_id: String,
    /// The project's code (default: from the file name).
    pub code: Option<String>,
    /// Create people for resources that match nobody.
    pub create_people: bool,
    pub file_name: String,
}

/// Maps a document onto PSO's plan. `content` is the original file (kept with the project).
pub fn map_document(
    doc: &Document,
    content: String,
    site: &Site,
    people: &[PersonKey],
    opts: &ImportOptions,
) -> AppResult<(ImportPlan, ImportReport)> {
    let p = &doc.project;
    let units = Units::of(p);
    let tz: chrono_tz::Tz = site.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let mut report = ImportReport {
        file_name: opts.file_name.clone(),
        minutes_per_day: units.minutes_per_day as i64,
        ..Default::default()
    };
    let keep = "kept in the stored file and exported again";

    // Project.
    let name = p
        .title
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .or_else(|| {
            p.name
                .as_deref()
                .map(|n| n.trim().trim_end_matches(".xml").trim_end_matches(".mpp"))
                .filter(|s| !s.is_empty())
        })
        .map(str::to_string)
        .unwrap_or_else(|| {
            std::path::Path::new(&opts.file_name)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "Imported project".into())
        });
    let name: String = name.chars().take(200).collect();
    report.project_name = name.clone();
    let start = p
        .start_date
        .map(|d| d.date())
        .or_else(|| {
            p.tasks
                .iter()
                .filter_map(|t| t.start)
                .min()
                .map(|d| d.date())
        })
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let progress = p
        .tasks
        .iter()
        .any(|t| t.percent_complete.unwrap_or(0.0) > 0.0 || t.actual_start.is_some());
    let priority = p
        .extra
        .iter()
        .find_map(|r| {
            r.xml
                .strip_prefix("<Priority>")?
                .strip_suffix("</Priority>")?
                .trim()
                .parse::<i64>()
                .ok()
        })
        .unwrap_or(500)
        .clamp(1, 1000);
    let code = opts
        .code
        .clone()
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| code_from_file_name(&opts.file_name));
    let project = ProjectInput {
        code,
        name: name.clone(),
        description: format!("Imported from MS Project file {}.", opts.file_name),
        site_id: opts.site_id.clone(),
        business_unit_id: opts.business_unit_id.clone(),
        manager_id: None,
        status: if progress {
            ProjectStatus::Active
        } else {
            ProjectStatus::Proposed
        },
        priority,
        start_date: start.to_string(),
    }
    .validate()
    .map_err(AppError::validation)?;
    for fd in &p.extended_attributes {
        let field = fd
            .field_name
            .clone()
            .or_else(|| fd.field_id.clone())
            .unwrap_or_default();
        let alias = fd
            .alias
            .as_deref()
            .map(|a| format!(" '{a}'"))
            .unwrap_or_default();
        report.note(
            format!("custom field {field}{alias}"),
            format!("PSO has no custom fields yet — {keep}"),
            String::new(),
        );
    }
    let field_topic: HashMap<String, String> = p
        .extended_attributes
        .iter()
        .filter_map(|fd| {
            let id = fd.field_id.clone()?;
            let field = fd.field_name.clone().unwrap_or_else(|| id.clone());
            let alias = fd
                .alias
                .as_deref()
                .map(|a| format!(" '{a}'"))
                .unwrap_or_default();
            Some((id, format!("custom field {field}{alias}")))
        })
        .collect();
    compare_calendar(p, site, &mut report);

    // Tasks: which are imported, and the WBS from outline levels.
    struct Pending<'a> {
        t: &'a mspdi::Task,
        id: String,
        uid: i64,
        parent: Option<usize>,
        level: i64,
    }
    let mut pending: Vec<Pending> = Vec::with_capacity(p.tasks.len());
    let mut stack: Vec<usize> = Vec::new();
    let mut seen_uids = BTreeSet::new();
    for t in &p.tasks {
        let Some(uid) = t.uid else {
            report.note(
                "tasks without a UID",
                format!("not imported — {keep}"),
                label(t),
            );
            continue;
        };
        if t.is_null == Some(true) {
            report.note(
                "blank task rows",
                format!("PSO has no blank rows — {keep}"),
                format!("UID {uid}"),
            );
            continue;
        }
        if t.outline_level == Some(0) || (uid == 0 && t.outline_level.is_none()) {
            continue; // the project summary task: the project itself
        }
        if t.external_task == Some(true) || t.is_subproject == Some(true) {
            report.note(
                "external tasks and inserted subprojects",
                format!("PSO does not link plans across files — {keep}"),
                label(t),
            );
            continue;
        }
        if !seen_uids.insert(uid) {
            report.note(
                "tasks with a duplicate UID",
                format!("only the first is imported — {keep}"),
                label(t),
            );
            continue;
        }
        let level = t.outline_level.unwrap_or(1).max(1);
        while let Some(&top) = stack.last() {
            if pending[top].level >= level {
                stack.pop();
            } else {
                break;
            }
        }
        let parent = stack.last().copied();
        pending.push(Pending {
            t,
            id: new_id(),
            uid,
            parent,
            level,
        });
        stack.push(pending.len() - 1);
    }
    let mut has_children = vec![false; pending.len()];
    for x in &pending {
        if let Some(pi) = x.parent {
            has_children[pi] = true;
        }
    }
    let mut next_pos: HashMap<Option<usize>, i64> = HashMap::new();
    let mut tasks: Vec<ImportTask> = Vec::with_capacity(pending.len());
    let mut id_of_uid: HashMap<i64, (String, usize)> = HashMap::with_capacity(pending.len());

    // People: match resources by e-mail, then by name.
    let by_email: HashMap<String, &PersonKey> = people
        .iter()
        .filter_map(|x| Some((x.email.as_deref()?.trim().to_lowercase(), x)))
        .collect();
    let mut by_name: HashMap<String, Vec<&PersonKey>> = HashMap::new();
    for x in people {
        by_name
            .entry(x.name.trim().to_lowercase())
            .or_default()
            .push(x);
    }
    let mut resource_map: BTreeMap<i64, String> = BTreeMap::new();
    let mut new_people: Vec<ImportPerson> = Vec::new();
    let mut created_by_email: HashMap<String, String> = HashMap::new();
    let mut created_by_name: HashMap<String, String> = HashMap::new();
    for r in &p.resources {
        let Some(uid) = r.uid else { continue };
        let rname = r.name.as_deref().map(str::trim).unwrap_or("");
        if r.is_null == Some(true) || rname.is_empty() {
            continue;
        }
        let resource_type = r.resource_type.and_then(Coded::known);
        if matches!(
            resource_type,
            Some(ResourceType::Material | ResourceType::Cost)
        ) || r.is_cost_resource == Some(true)
        {
            report.note(
                if resource_type == Some(ResourceType::Material) {
                    "material resources"
                } else {
                    "cost resources"
                },
                format!("PSO's people are work resources — {keep}"),
                res_label(r),
            );
            continue;
        }
        let email = r
            .email_address
            .as_deref()
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty());
        let lname = rname.to_lowercase();
        let found = email
            .as_ref()
            .and_then(|e| by_email.get(e).map(|x| x.id.clone()))
            .or_else(|| match by_name.get(&lname) {
                Some(v) if v.len() == 1 => Some(v[0].id.clone()),
                Some(v) if v.len() > 1 => {
                    report.note(
                        "resources matching several people by name",
                        "matched to the first; give the resource an e-mail address to choose",
                        res_label(r),
                    );
                    Some(v[0].id.clone())
                }
                _ => None,
            })
            .or_else(|| {
                email
                    .as_ref()
                    .and_then(|e| created_by_email.get(e).cloned())
                    .or_else(|| created_by_name.get(&lname).cloned())
            });
        let person_id = match found {
            Some(id) => {
                report.people_matched += 1;
                Some(id)
            }
            None if opts.create_people => {
                let valid_email = email
                    .clone()
                    .filter(|e| pso_domain::values::Email::parse(e).is_ok());
                let id = new_id();
                new_people.push(ImportPerson {
                    id: id.clone(),
                    name: rname.chars().take(200).collect(),
                    email: valid_email.clone(),
                    site_id: opts.site_id.clone(),
                });
                if let Some(e) = valid_email {
                    created_by_email.insert(e, id.clone());
                }
                created_by_name.insert(lname.clone(), id.clone());
                report.people_created += 1;
                Some(id)
            }
            None => {
                report.note(
                    "unmatched resources",
                    format!(
                        "no person with this e-mail or name; their assignments are not \
                         imported (import with \"create unmatched people\" to create them) — \
                         {keep}"
                    ),
                    res_label(r),
                );
                None
            }
        };
        if let Some(pid) = person_id {
            resource_map.insert(uid, pid);
        }
        if r.standard_rate.unwrap_or(0.0) != 0.0
            || r.overtime_rate.unwrap_or(0.0) != 0.0
            || r.cost_per_use.unwrap_or(0.0) != 0.0
        {
            report.note(
                "resource cost rates",
                format!("PSO has no cost rates per person yet — {keep}"),
                res_label(r),
            );
        }
        if r.max_units.is_some_and(|m| (m - 1.0).abs() > 1e-9) {
            report.note(
                "resource max units",
                format!("PSO's capacity comes from the person's site calendar — {keep}"),
                format!("{} {}%", res_label(r), r.max_units.unwrap_or(1.0) * 100.0),
            );
        }
        if !r.availability_periods.is_empty() {
            report.note(
                "resource availability periods",
                format!("not carried — {keep}"),
                res_label(r),
            );
        }
        if r.calendar_uid.is_some_and(|c| c >= 0) {
            report.note(
                "resource calendars",
                format!("PSO uses the calendar of the person's site — {keep}"),
                res_label(r),
            );
        }
        if r.notes.as_deref().is_some_and(|n| !n.trim().is_empty()) {
            report.note(
                "resource notes",
                format!("not carried — {keep}"),
                res_label(r),
            );
        }
        for x in &r.extended_attributes {
            let topic = x
                .field_id
                .as_ref()
                .and_then(|f| field_topic.get(f).cloned())
                .unwrap_or_else(|| "custom field values".into());
            report.note(
                format!("{topic} (resource values)"),
                format!("PSO has no custom fields yet — {keep}"),
                format!("{} = {}", res_label(r), x.value.as_deref().unwrap_or("")),
            );
        }
        if r.baselines
            .iter()
            .any(|b| b.work.is_some() || b.cost.is_some())
        {
            report.note(
                "resource baselines",
                format!("PSO baselines hold task dates — {keep}"),
                res_label(r),
            );
        }
    }

    // Assignments (needed first for the effort rule).
    let mut assigned_people: HashMap<i64, usize> = HashMap::new();
    for a in &p.assignments {
        if let (Some(t), Some(r)) = (a.task_uid, a.resource_uid) {
            if resource_map.contains_key(&r) {
                *assigned_people.entry(t).or_default() += 1;
            }
        }
    }

    for (i, x) in pending.iter().enumerate() {
        let t = x.t;
        let lab = label(t);
        let group = has_children[i];
        let mut tname = t.name.as_deref().map(str::trim).unwrap_or("").to_string();
        if tname.is_empty() {
            tname = format!("Task {}", x.uid);
            report.note(
                "tasks without a name",
                "named 'Task <UID>' in PSO",
                lab.clone(),
            );
        } else if tname.chars().count() > 200 {
            tname = tname.chars().take(200).collect();
            report.note(
                "task names over 200 characters",
                format!("shortened in PSO — {keep}"),
                lab.clone(),
            );
        }
        let minutes = t.duration.as_ref().and_then(Duration::minutes);
        let pso_minutes = minutes.map(|m| {
            if is_elapsed(t.duration_format) {
                units.elapsed_to_pso(m)
            } else {
                units.to_pso(m)
            }
        });
        if is_elapsed(t.duration_format) && !group {
            report.note(
                "elapsed durations",
                format!(
                    "PSO counts working days: converted by the share of working time in a week \
                     — {keep}"
                ),
                lab.clone(),
            );
        }
        let milestone = t.milestone == Some(true) && !group;
        let mut duration_minutes = None;
        let mut effort_minutes = None;
        if group {
            // A group's dates come from its children.
        } else if milestone {
            if pso_minutes.unwrap_or(0) > 0 {
                report.note(
                    "milestones with a duration",
                    format!("PSO milestones have no length — {keep}"),
                    lab.clone(),
                );
            }
        } else {
            let work = t.work.as_ref().and_then(Duration::minutes).unwrap_or(0.0);
            if t.task_type.and_then(Coded::known) == Some(TaskType::FixedWork)
                && work > 0.0
                && assigned_people.get(&x.uid).copied().unwrap_or(0) > 0
            {
                effort_minutes = Some(work.round() as i64);
            } else {
                duration_minutes = Some(pso_minutes.unwrap_or(0).clamp(0, 48_000_000));
            }
        }
        if group && t.summary != Some(true) {
            // Outline says group; fine.
        }
        if !group && t.summary == Some(true) {
            report.note(
                "summary tasks without subtasks",
                "imported as ordinary tasks",
                lab.clone(),
            );
        }
        let constraint = t.constraint_type.and_then(Coded::known);
        if let Some(c) = constraint.filter(|c| c.has_date()) {
            report.note(
                "date constraints",
                format!("PSO has no date constraints yet — {keep}"),
                format!(
                    "{lab}: {} {}",
                    c.phrase(),
                    t.constraint_date.map(|d| d.to_string()).unwrap_or_default()
                ),
            );
        } else if constraint == Some(ConstraintType::AsLateAsPossible) {
            report.note(
                "as late as possible",
                format!("PSO schedules as soon as possible — {keep}"),
                lab.clone(),
            );
        }
        if let Some(d) = t.deadline {
            report.note(
                "deadlines",
                format!("PSO has no deadlines yet — {keep}"),
                format!("{lab}: {d}"),
            );
        }
        if t.percent_complete.unwrap_or(0.0) > 0.0 || t.actual_start.is_some() {
            report.note(
                "progress (percent complete, actual dates)",
                format!("PSO records progress through status updates — {keep}"),
                format!("{lab}: {}%", t.percent_complete.unwrap_or(0.0)),
            );
        }
        if t.notes.as_deref().is_some_and(|n| !n.trim().is_empty()) {
            report.note("task notes", format!("not carried — {keep}"), lab.clone());
        }
        if t.cost.unwrap_or(0.0) != 0.0 || t.fixed_cost.unwrap_or(0.0) != 0.0 {
            report.note(
                "task costs",
                format!("PSO's budgets are kept per cost category — {keep}"),
                format!("{lab}: {}", t.cost.or(t.fixed_cost).unwrap_or(0.0)),
            );
        }
        if t.manual == Some(true) {
            report.note(
                "manually scheduled tasks",
                format!("PSO schedules every task — {keep}"),
                lab.clone(),
            );
        }
        if t.calendar_uid.is_some_and(|c| c >= 0) {
            report.note(
                "task calendars",
                format!("PSO uses the site's calendar — {keep}"),
                lab.clone(),
            );
        }
        if t.priority.is_some_and(|pr| pr != 500) {
            report.note(
                "task priorities",
                format!("PSO has priorities per project — {keep}"),
                format!("{lab}: {}", t.priority.unwrap_or(500)),
            );
        }
        if t.recurring == Some(true) {
            report.note(
                "recurring tasks",
                format!("imported as one task — {keep}"),
                lab.clone(),
            );
        }
        if t.leveling_delay.unwrap_or(0.0) != 0.0 {
            report.note(
                "leveling delays",
                format!("PSO levels by itself — {keep}"),
                lab.clone(),
            );
        }
        if t.active == Some(false) {
            report.note(
                "inactive tasks",
                "imported as ordinary tasks".to_string(),
                lab.clone(),
            );
        }
        if !t.timephased_data.is_empty() {
            report.note(
                "timephased task data",
                format!("not carried — {keep}"),
                lab.clone(),
            );
        }
        for e in &t.extended_attributes {
            let topic = e
                .field_id
                .as_ref()
                .and_then(|f| field_topic.get(f).cloned())
                .unwrap_or_else(|| "custom field values".into());
            report.note(
                format!("{topic} (task values)"),
                format!("PSO has no custom fields yet — {keep}"),
                format!("{lab} = {}", e.value.as_deref().unwrap_or("")),
            );
        }
        if group {
            report.groups += 1;
        }
        if milestone {
            report.milestones += 1;
        }
        let parent_id = x.parent.map(|pi| pending[pi].id.clone());
        let pos = next_pos.entry(x.parent).or_insert(0);
        let position = *pos;
        *pos += 1;
        id_of_uid.insert(x.uid, (x.id.clone(), tasks.len()));
        tasks.push(ImportTask {
            id: x.id.clone(),
            parent_id,
            position,
            name: tname,
            duration_minutes,
            effort_minutes,
            milestone,
            source_uid: x.uid,
        });
    }
    report.tasks = tasks.len();

    // Links.
    let mut pairs = BTreeSet::new();
    let mut dependencies = Vec::new();
    for x in &pending {
        let t = x.t;
        for l in &t.predecessor_links {
            let Some(puid) = l.predecessor_uid else {
                continue;
            };
            if l.cross_project == Some(true) {
                report.note(
                    "links to other projects",
                    format!("PSO does not link plans across files — {keep}"),
                    label(t),
                );
                continue;
            }
            let Some((pid, pidx)) = id_of_uid.get(&puid) else {
                report.note(
                    "links to tasks that were not imported",
                    format!("not carried — {keep}"),
                    format!("{} ← UID {puid}", label(t)),
                );
                continue;
            };
            if *pid == x.id {
                report.note(
                    "links of a task to itself",
                    format!("not carried — {keep}"),
                    label(t),
                );
                continue;
            }
            if !pairs.insert((pid.clone(), x.id.clone())) {
                report.note(
                    "second links between the same two tasks",
                    format!("PSO keeps one link per pair of tasks — {keep}"),
                    label(t),
                );
                continue;
            }
            let pred_minutes = tasks[*pidx].duration_minutes;
            let (dt, lag, note) = map_link(l, units, pred_minutes);
            if let Some(n) = note {
                report.note(
                    format!("{n}s"),
                    format!(
                        "PSO's lags are in working days: converted to a fixed lag of the same \
                         length today — {keep}"
                    ),
                    format!(
                        "{} ← UID {puid}: {:.2} days",
                        label(t),
                        lag as f64 / MINUTES_PER_DAY as f64
                    ),
                );
            }
            dependencies.push(ImportDependency {
                predecessor_id: pid.clone(),
                successor_id: x.id.clone(),
                dep_type: dt,
                lag_minutes: lag,
            });
        }
    }
    report.dependencies = dependencies.len();

    // Assignments.
    let mut assignments = Vec::new();
    let mut asg_pairs = BTreeSet::new();
    for a in &p.assignments {
        let (Some(tu), Some(ru)) = (a.task_uid, a.resource_uid) else {
            continue;
        };
        let Some((tid, _)) = id_of_uid.get(&tu) else {
            continue;
        };
        let Some(person) = resource_map.get(&ru) else {
            continue; // unmatched, material or cost resource: reported above
        };
        let alab = format!("task UID {tu}, resource UID {ru}");
        let mut u = units_milli(a.units);
        if u <= 0 {
            report.note(
                "assignments with no units",
                format!("PSO assignments have units above 0 — {keep}"),
                alab,
            );
            continue;
        }
        if u > 10_000 {
            report.note(
                "assignments over 1000 %",
                format!("capped at 1000 % in PSO — {keep}"),
                alab.clone(),
            );
            u = 10_000;
        }
        if !asg_pairs.insert((tid.clone(), person.clone())) {
            report.note(
                "second assignments of the same person to a task",
                format!("PSO keeps one assignment per person and task — {keep}"),
                alab,
            );
            continue;
        }
        if a.work_contour
            .is_some_and(|c| c != Coded::Known(WorkContour::Flat))
        {
            report.note(
                "work contours",
                format!("PSO spreads work evenly — {keep}"),
                alab.clone(),
            );
        }
        if a.delay.unwrap_or(0.0) != 0.0 {
            report.note(
                "assignment delays",
                format!("not carried — {keep}"),
                alab.clone(),
            );
        }
        if a.cost.unwrap_or(0.0) != 0.0 {
            report.note(
                "assignment costs",
                format!("not carried — {keep}"),
                alab.clone(),
            );
        }
        if !a.timephased_data.is_empty() {
            report.note(
                "timephased assignment data",
                format!("not carried — {keep}"),
                alab.clone(),
            );
        }
        if !a.baselines.is_empty() {
            report.note(
                "assignment baselines",
                format!("PSO baselines hold task dates — {keep}"),
                alab.clone(),
            );
        }
        assignments.push(ImportAssignment {
            task_id: tid.clone(),
            person_id: person.clone(),
            units_milli: u,
        });
    }
    report.assignments = assignments.len();

    // Baselines.
    let to_site = |d: NaiveDateTime| -> String {
        tz.from_local_datetime(&d)
            .earliest()
            .or_else(|| {
                tz.from_local_datetime(&(d + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map(|x| x.to_rfc3339())
            .unwrap_or_else(|| d.and_utc().to_rfc3339())
    };
    let mut by_number: BTreeMap<i64, Vec<ImportBaselineTask>> = BTreeMap::new();
    for (x, it) in pending.iter().zip(&tasks) {
        for b in &x.t.baselines {
            let n = b.number.unwrap_or(0);
            if let (Some(s), Some(f)) = (b.start, b.finish) {
                by_number.entry(n).or_default().push(ImportBaselineTask {
                    task_id: it.id.clone(),
                    name: it.name.clone(),
                    start: to_site(s),
                    finish: to_site(f),
                });
            }
            if b.cost.unwrap_or(0.0) != 0.0 || b.work.is_some() {
                report.note(
                    "baseline work and cost",
                    format!("PSO baselines hold task dates — {keep}"),
                    format!("{} baseline {n}", label(x.t)),
                );
            }
        }
    }
    let baselines: Vec<ImportBaseline> = by_number
        .into_iter()
        .map(|(n, tasks)| ImportBaseline {
            name: format!("MS Project baseline {n}"),
            tasks,
        })
        .collect();
    report.baselines = baselines.iter().map(|b| b.name.clone()).collect();

    let report_json = serde_json::to_value(&report).map_err(AppError::internal)?;
    Ok((
        ImportPlan {
            project,
            people: new_people,
            tasks,
            dependencies,
            assignments,
            baselines,
            source: ImportSource {
                format: "mspdi".into(),
                file_name: opts.file_name.clone(),
                content,
                report: report_json,
                resource_map,
            },
        },
        report,
    ))
}

/// The refusal of an upload above `limits.max_upload_bytes`.
pub fn too_large(size: usize, limit: usize) -> AppError {
    AppError::new(
        crate::ErrorKind::TooLarge,
        "payload_too_large",
        format!(
            "the file has {size} bytes; this server accepts at most {limit} \
             (limits.max_upload_bytes)"
        ),
    )
}

fn too_many_tasks(n: usize, limit: usize) -> AppError {
    AppError::field(
        "file",
        "too_many_tasks",
        format!(
            "the file has {n} tasks; this server accepts at most {limit} per project \
             (limits.max_tasks_per_project)"
        ),
    )
}

/// The plan's own rules, as for edits through the API: no more tasks than the limit, no text
/// with control characters, no dependency cycle (a cycle would break every portfolio run that
/// includes the project).
pub fn check_plan_rules(plan: &ImportPlan, max_tasks: usize) -> AppResult<()> {
    if plan.tasks.len() > max_tasks {
        return Err(too_many_tasks(plan.tasks.len(), max_tasks));
    }
    let label = |id: &str| {
        plan.tasks
            .iter()
            .find(|t| t.id == id)
            .map(|t| format!("'{}' (UID {})", t.name, t.source_uid))
            .unwrap_or_else(|| id.to_string())
    };
    for t in &plan.tasks {
        if let Err(e) = pso_domain::values::check_text(&t.name) {
            return Err(AppError::field(
                "file",
                e.code,
                format!("task UID {}: its name {}", t.source_uid, e.message),
            ));
        }
    }
    for p in &plan.people {
        if let Err(e) = pso_domain::values::check_text(&p.name) {
            return Err(AppError::field(
                "file",
                e.code,
                format!(
                    "resource '{}': its name {}",
                    p.name.escape_debug(),
                    e.message
                ),
            ));
        }
    }
    let edges: Vec<(String, String)> = plan
        .dependencies
        .iter()
        .map(|d| (d.predecessor_id.clone(), d.successor_id.clone()))
        .collect();
    if let Some(cycle) = pso_domain::plan::find_cycle(&edges) {
        let names: Vec<String> = cycle.iter().map(|id| label(id)).collect();
        return Err(AppError::field(
            "file",
            "dependency_cycle",
            format!(
                "the file's links form a cycle ({}): a task cannot wait for itself; nothing \
                 was imported",
                names.join(" → ")
            ),
        ));
    }
    Ok(())
}

/// Stages of an import, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Reading,
    Mapping,
    Writing,
}

/// Imports an MSPDI file as a new project: read, map, write in one transaction. The caller
/// has checked the permission (see [`check_import_scope`]).
pub async fn import_bytes(
    store: &Store,
    actor: &Actor,
    limits: &crate::Limits,
    bytes: Vec<u8>,
    opts: &ImportOptions,
    progress: &(dyn Fn(Stage, usize, usize) + Sync),
) -> AppResult<(Project, ImportReport)> {
    if bytes.len() > limits.max_upload_bytes {
        return Err(too_large(bytes.len(), limits.max_upload_bytes));
    }
    progress(Stage::Reading, 0, bytes.len());
    let len = bytes.len();
    let (doc, content) = crate::blocking(move || {
        let doc = parse_document(&bytes)?;
        let content = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(_) => mspdi::to_string(&doc),
        };
        Ok::<_, AppError>((doc, content))
    })
    .await??;
    progress(Stage::Reading, len, len);
    let site = store.get_site(&opts.site_id).await?.ok_or_else(|| {
        AppError::field(
            "site_id",
            "unknown_reference",
            format!("site '{}' does not exist", opts.site_id),
        )
    })?;
    if store
        .get_business_unit(&opts.business_unit_id)
        .await?
        .is_none()
    {
        return Err(AppError::field(
            "business_unit_id",
            "unknown_reference",
            format!("business unit '{}' does not exist", opts.business_unit_id),
        ));
    }
    let tasks_in_file = doc.project.tasks.len();
    if tasks_in_file > limits.max_tasks_per_project {
        return Err(too_many_tasks(tasks_in_file, limits.max_tasks_per_project));
    }
    let people = store.people_keys().await?;
    progress(Stage::Mapping, 0, tasks_in_file);
    let o = opts.clone();
    let max_tasks = limits.max_tasks_per_project;
    let (plan, report) = crate::blocking(move || {
        let (plan, report) = map_document(&doc, content, &site, &people, &o)?;
        check_plan_rules(&plan, max_tasks)?;
        Ok::<_, AppError>((plan, report))
    })
    .await??;
    progress(Stage::Mapping, report.tasks, report.tasks);
    let project = store
        .import_project(actor, plan, &|done, total| {
            progress(Stage::Writing, done, total)
        })
        .await?;
    Ok((project, report))
}

/// A stored import: where the project came from and what could not be carried.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StoredImport {
    pub project_id: String,
    pub format: String,
    pub file_name: String,
    pub imported_at: String,
    pub imported_by: String,
    pub report: ImportReport,
}

impl crate::Svc<'_> {
    /// Checks that the caller may create a project on this site and unit (422 `out_of_scope`
    /// otherwise, as for a new project).
    pub async fn check_import_scope(&self, site_id: &str, business_unit_id: &str) -> AppResult<()> {
        let r = self
            .app
            .store
            .project_ref_parts(site_id, business_unit_id)
            .await?;
        if !self.caller.principal.can_project(ProjectAction::Manage, &r) {
            return Err(AppError::field(
                "site_id",
                "out_of_scope",
                "this site and business unit are outside the scopes where you may create projects",
            ));
        }
        Ok(())
    }

    /// What an import asks checked before any work: the site and unit exist, the caller may
    /// create a project there (and people, when asked to), the file is there and within the
    /// size limit. Used when an import is submitted and again when it runs.
    pub async fn precheck_import(&self, size: usize, opts: &ImportOptions) -> AppResult<()> {
        if self.store().get_site(&opts.site_id).await?.is_none() {
            return Err(AppError::field(
                "site_id",
                "unknown_reference",
                format!("site '{}' does not exist", opts.site_id),
            ));
        }
        if self
            .store()
            .get_business_unit(&opts.business_unit_id)
            .await?
            .is_none()
        {
            return Err(AppError::field(
                "business_unit_id",
                "unknown_reference",
                format!("business unit '{}' does not exist", opts.business_unit_id),
            ));
        }
        self.check_import_scope(&opts.site_id, &opts.business_unit_id)
            .await?;
        // People an import creates pass the same rule as their own route.
        if opts.create_people
            && !self
                .caller
                .principal
                .can_edit_person(&opts.site_id.as_str().into())
        {
            return Err(AppError::forbidden(
                "you may not create people on this site: import without create_people, or ask \
                 the site's PSO",
            ));
        }
        if size == 0 {
            return Err(AppError::field(
                "file",
                "required",
                "send the MS Project XML file",
            ));
        }
        if size > self.app.limits.max_upload_bytes {
            return Err(too_large(size, self.app.limits.max_upload_bytes));
        }
        Ok(())
    }

    /// Imports an MSPDI file as a new project, after checking the caller may create it.
    pub async fn import_mspdi(
        &self,
        bytes: Vec<u8>,
        opts: &ImportOptions,
        progress: &(dyn Fn(Stage, usize, usize) + Sync),
    ) -> AppResult<(Project, ImportReport)> {
        self.precheck_import(bytes.len(), opts).await?;
        import_bytes(
            &self.app.store,
            &self.caller.actor(),
            &self.app.limits,
            bytes,
            opts,
            progress,
        )
        .await
    }

    /// What an import of this project could not carry (404 `not_imported` for a project that
    /// was not imported).
    pub async fn import_report(&self, project_id: &str) -> AppResult<(Project, StoredImport)> {
        let project = self.project(project_id, ProjectAction::Read).await?;
        let src = self
            .app
            .store
            .project_source(project_id)
            .await?
            .ok_or_else(|| {
                AppError::new(
                    crate::ErrorKind::NotFound,
                    "not_imported",
                    "this project was not imported from a file",
                )
            })?;
        let report: ImportReport = serde_json::from_value(src.report)
            .map_err(|e| AppError::internal(format!("corrupt import report: {e}")))?;
        Ok((
            project,
            StoredImport {
                project_id: project_id.to_string(),
                format: src.format,
                file_name: src.file_name,
                imported_at: src.imported_at,
                imported_by: src.imported_by,
                report,
            },
        ))
    }

    /// The project as MS Project XML text (the caller may read it).
    pub async fn export_mspdi(&self, project_id: &str) -> AppResult<(Project, String)> {
        let project = self.project(project_id, ProjectAction::Read).await?;
        let doc = export_document(&self.app.store, &project).await?;
        let body = crate::blocking(move || mspdi::to_string(&doc)).await?;
        Ok((project, body))
    }
}

// ---------------------------------------------------------------- export

/// The project as an MSPDI document: the stored original with PSO's current state applied,
/// or (for a project that was not imported) PSO's data alone.
pub async fn export_document(store: &Store, project: &Project) -> AppResult<Document> {
    let tasks = store.all_tasks(&project.id).await?;
    let deps = store.all_dependencies(&project.id).await?;
    let asg = store.project_assignments(&project.id).await?;
    let site = store
        .get_site(&project.site_id)
        .await?
        .ok_or_else(|| AppError::internal("project without site"))?;
    let mut names: HashMap<String, (String, Option<String>)> = HashMap::new();
    for a in &asg {
        if !names.contains_key(&a.person_id) {
            if let Some(p) = store.get_person(&a.person_id).await? {
                names.insert(p.id.clone(), (p.name, p.email));
            }
        }
    }
    let (doc, sources, resource_map) = match (
        store.project_source(&project.id).await?,
        store.project_source_content(&project.id).await?,
    ) {
        (Some(src), Some(content)) => {
            let doc = parse_document(content.as_bytes())?;
            (
                doc,
                store.task_sources(&project.id).await?,
                src.resource_map,
            )
        }
        _ => (fresh_document(project, &site), Vec::new(), BTreeMap::new()),
    };
    Ok(apply_state(
        doc,
        project,
        &tasks,
        &deps,
        &asg,
        &sources,
        &resource_map,
        &names,
    ))
}

/// A new document with the project's properties and the site's calendar.
fn fresh_document(project: &Project, site: &Site) -> Document {
    let start = NaiveDate::parse_from_str(&project.start_date, "%Y-%m-%d")
        .unwrap_or_else(|_| chrono::Utc::now().date_naive());
    let hours: Vec<(u32, u32)> = site
        .working_hours
        .iter()
        .filter_map(|[a, b]| Some((parse_hhmm(a)?, parse_hhmm(b)?)))
        .collect();
    let first = hours.first().map(|h| h.0).unwrap_or(480);
    let last = hours.last().map(|h| h.1).unwrap_or(1020);
    let tod = |m: u32| mspdi::TimeOfDay::from_seconds(m * 60);
    let week_days = (0..7)
        .map(|i| {
            let working = site
                .working_week
                .iter()
                .any(|w| w.eq_ignore_ascii_case(DAYS[i]));
            mspdi::WeekDay {
                day_type: DayType::from_sunday_index(i).map(Coded::Known),
                day_working: Some(working),
                working_times: if working {
                    hours
                        .iter()
                        .map(|(a, b)| mspdi::WorkingTime {
                            from_time: tod(*a),
                            to_time: tod(*b),
                            ..Default::default()
                        })
                        .collect()
                } else {
                    vec![]
                },
                ..Default::default()
            }
        })
        .collect();
    let exceptions = site
        .holidays
        .iter()
        .filter_map(|h| {
            let d = NaiveDate::parse_from_str(&h.date, "%Y-%m-%d").ok()?;
            Some(mspdi::Exception {
                entered_by_occurrences: Some(false),
                time_period: Some(mspdi::TimePeriod {
                    from_date: Some(d.and_hms_opt(0, 0, 0)?),
                    to_date: Some(d.and_hms_opt(23, 59, 0)?),
                    ..Default::default()
                }),
                occurrences: Some(1),
                name: Some(h.name.clone()),
                exception_type: Some(1),
                day_working: Some(false),
                ..Default::default()
            })
        })
        .collect();
    let day_minutes: u32 = hours.iter().map(|(a, b)| b - a).sum();
    let p = mspdi::Project {
        save_version: Some(14),
        name: Some(format!("{}.xml", project.code)),
        title: Some(project.name.clone()),
        schedule_from_start: Some(true),
        start_date: start.and_hms_opt(first / 60, first % 60, 0),
        calendar_uid: Some(1),
        default_start_time: tod(first),
        default_finish_time: tod(last),
        minutes_per_day: Some(MINUTES_PER_DAY),
        minutes_per_week: Some(MINUTES_PER_DAY * 5),
        days_per_month: Some(20),
        duration_format: Some(DurationFormat::Days.into()),
        work_format: Some(WorkFormat::Hours.into()),
        calendars: vec![mspdi::Calendar {
            uid: Some(1),
            name: Some(format!("{} ({} h a day)", site.name, day_minutes / 60)),
            is_base_calendar: Some(true),
            base_calendar_uid: Some(-1),
            week_days,
            exceptions,
            ..Default::default()
        }],
        tasks: vec![mspdi::Task {
            uid: Some(0),
            id: Some(0),
            name: Some(project.name.clone()),
            outline_level: Some(0),
            summary: Some(true),
            ..Default::default()
        }],
        ..Default::default()
    };
    Document::new(p)
}

fn mspdi_duration(pso_minutes: i64, units: Units) -> Duration {
    Duration::from_minutes(units.to_file(pso_minutes))
}

/// Applies PSO's current plan to `doc`: only what differs from what was imported changes.
#[allow(clippy::too_many_arguments)]
fn apply_state(
    mut doc: Document,
    project: &Project,
    tasks: &[pso_domain::model::Task],
    deps: &[pso_domain::model::Dependency],
    asg: &[pso_domain::model::Assignment],
    sources: &[TaskSource],
    resource_map: &BTreeMap<i64, String>,
    people: &HashMap<String, (String, Option<String>)>,
) -> Document {
    let p = &mut doc.project;
    let units = Units::of(p);
    let snap: HashMap<&str, &TaskSource> =
        sources.iter().map(|s| (s.task_id.as_str(), s)).collect();
    let current: HashMap<&str, &pso_domain::model::Task> =
        tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    let imported_uids: BTreeSet<i64> = sources.iter().map(|s| s.source_uid).collect();
    let deleted_uids: BTreeSet<i64> = sources
        .iter()
        .filter(|s| !current.contains_key(s.task_id.as_str()))
        .map(|s| s.source_uid)
        .collect();
    let structure_changed = !deleted_uids.is_empty()
        || tasks.iter().any(|t| match snap.get(t.id.as_str()) {
            None => true,
            Some(s) => s.parent_id != t.parent_id || s.position != t.position,
        });
    // UIDs: imported tasks keep theirs; new tasks get new ones.
    let mut next_uid = p.tasks.iter().filter_map(|t| t.uid).max().unwrap_or(0) + 1;
    let mut uid_of: HashMap<String, i64> = HashMap::new();
    for t in tasks {
        let uid = match snap.get(t.id.as_str()) {
            Some(s) => s.source_uid,
            None => {
                let u = next_uid;
                next_uid += 1;
                u
            }
        };
        uid_of.insert(t.id.clone(), uid);
    }
    // Field changes and the (possibly new) task list.
    let order = wbs_order(tasks);
    let has_children: BTreeSet<&str> = tasks
        .iter()
        .filter_map(|t| t.parent_id.as_deref())
        .collect();
    let originals: Vec<mspdi::Task> = std::mem::take(&mut p.tasks);
    let mut by_uid: HashMap<i64, mspdi::Task> = HashMap::new();
    let mut kept_order: Vec<Option<i64>> = Vec::new(); // original order; None = no UID
    let mut no_uid: Vec<mspdi::Task> = Vec::new();
    for t in originals {
        kept_order.push(t.uid);
        match t.uid {
            Some(u) if !by_uid.contains_key(&u) => {
                by_uid.insert(u, t);
            }
            _ => no_uid.push(t),
        }
    }
    let update = |t: &mut mspdi::Task, pt: &pso_domain::model::Task, s: Option<&TaskSource>| {
        let name_changed = s.is_none_or(|s| s.name != pt.name);
        if name_changed {
            t.name = Some(pt.name.clone());
        }
        let dm = pt
            .duration_days
            .map(|d| (d * MINUTES_PER_DAY as f64).round() as i64);
        let em = pt.effort_hours.map(|h| (h * 60.0).round() as i64);
        let length_changed = s.is_none_or(|s| s.duration_minutes != dm || s.effort_minutes != em);
        if length_changed && !has_children.contains(pt.id.as_str()) {
            if let Some(m) = dm {
                t.duration = Some(mspdi_duration(m, units));
                if s.is_none() {
                    t.duration_format = Some(DurationFormat::Days.into());
                }
            }
            if let Some(m) = em {
                t.work = Some(Duration::from_minutes(m));
            }
        }
        if s.is_none_or(|s| s.milestone != pt.milestone) {
            t.milestone = Some(pt.milestone);
            if pt.milestone {
                t.duration = Some(Duration::from_minutes(0));
            }
        }
    };
    let mut out: Vec<mspdi::Task> = Vec::with_capacity(tasks.len() + 8);
    if !structure_changed {
        // Same tasks in the same places: the original order, fields updated in place.
        let by_uid_id: HashMap<i64, &pso_domain::model::Task> = tasks
            .iter()
            .filter_map(|t| Some((snap.get(t.id.as_str())?.source_uid, t)))
            .collect();
        let mut no_uid_iter = no_uid.into_iter();
        let mut taken: BTreeSet<i64> = BTreeSet::new();
        for u in kept_order {
            let Some(u) = u.filter(|u| !taken.contains(u)) else {
                if let Some(t) = no_uid_iter.next() {
                    out.push(t);
                }
                continue;
            };
            taken.insert(u);
            let Some(mut t) = by_uid.remove(&u) else {
                continue;
            };
            if let Some(pt) = by_uid_id.get(&u) {
                update(&mut t, pt, snap.get(pt.id.as_str()).copied());
            }
            out.push(t);
        }
    } else {
        // Rebuild: the project summary task and anything before the first imported task,
        // then PSO's WBS, each task followed by the unimported rows that followed it.
        let mut anchored: HashMap<Option<i64>, Vec<mspdi::Task>> = HashMap::new();
        let mut anchor: Option<i64> = None;
        let mut no_uid_iter = no_uid.into_iter();
        let mut taken: BTreeSet<i64> = BTreeSet::new();
        for u in &kept_order {
            match u {
                Some(u) if imported_uids.contains(u) && !taken.contains(u) => {
                    taken.insert(*u);
                    if !deleted_uids.contains(u) {
                        anchor = Some(*u);
                    } else {
                        by_uid.remove(u);
                    }
                }
                Some(u) if !taken.contains(u) => {
                    taken.insert(*u);
                    if let Some(t) = by_uid.remove(u) {
                        anchored.entry(anchor).or_default().push(t);
                    }
                }
                _ => {
                    if let Some(t) = no_uid_iter.next() {
                        anchored.entry(anchor).or_default().push(t);
                    }
                }
            }
        }
        out.extend(anchored.remove(&None).unwrap_or_default());
        let mut counters: Vec<i64> = Vec::new();
        for (depth, pt) in &order {
            let uid = uid_of.get(&pt.id).copied().unwrap_or(0);
            let s = snap.get(pt.id.as_str()).copied();
            let mut t = match s.and_then(|s| by_uid.remove(&s.source_uid)) {
                Some(t) => t,
                None => mspdi::Task {
                    uid: Some(uid),
                    ..Default::default()
                },
            };
            update(&mut t, pt, s);
            counters.truncate(depth + 1);
            while counters.len() < depth + 1 {
                counters.push(0);
            }
            counters[*depth] += 1;
            let number = counters
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(".");
            let level = *depth as i64 + 1;
            if t.outline_level != Some(level) {
                t.outline_level = Some(level);
            }
            if t.outline_number.as_deref() != Some(number.as_str()) {
                if t.wbs == t.outline_number {
                    t.wbs = Some(number.clone());
                }
                t.outline_number = Some(number);
            }
            let group = has_children.contains(pt.id.as_str());
            if t.summary != Some(group) {
                t.summary = Some(group);
            }
            out.push(t);
            out.extend(anchored.remove(&Some(uid)).unwrap_or_default());
        }
        // Rows anchored to nothing that survived (cannot happen, but never drop data).
        for (_, v) in anchored {
            out.extend(v);
        }
        // IDs are row numbers.
        let base = if out.first().is_some_and(|t| t.uid == Some(0)) {
            0
        } else {
            1
        };
        for (i, t) in out.iter_mut().enumerate() {
            let id = i as i64 + base;
            if t.id != Some(id) {
                t.id = Some(id);
            }
        }
    }

    // Links, per successor.
    let task_of_uid: HashMap<i64, &str> = uid_of.iter().map(|(k, v)| (*v, k.as_str())).collect();
    let mut pso_links: HashMap<(i64, i64), &pso_domain::model::Dependency> = HashMap::new();
    for d in deps {
        if let (Some(a), Some(b)) = (uid_of.get(&d.predecessor_id), uid_of.get(&d.successor_id)) {
            pso_links.insert((*a, *b), d);
        }
    }
    let mut by_succ: BTreeMap<i64, Vec<(i64, &pso_domain::model::Dependency)>> = BTreeMap::new();
    for ((a, b), d) in &pso_links {
        by_succ.entry(*b).or_default().push((*a, d));
    }
    let snap_minutes: HashMap<i64, Option<i64>> = sources
        .iter()
        .map(|s| (s.source_uid, s.duration_minutes))
        .collect();
    let lag_of =
        |d: &pso_domain::model::Dependency| (d.lag_days * MINUTES_PER_DAY as f64).round() as i64;
    for t in out.iter_mut() {
        let Some(succ) = t.uid else { continue };
        if !task_of_uid.contains_key(&succ) {
            continue; // a row PSO does not hold: its links stay as they are
        }
        let mut consumed: BTreeSet<i64> = BTreeSet::new();
        let imported_succ = imported_uids.contains(&succ);
        let links = std::mem::take(&mut t.predecessor_links);
        let mut seen_pairs = BTreeSet::new();
        for mut l in links {
            let Some(pu) = l.predecessor_uid else {
                t.predecessor_links.push(l);
                continue;
            };
            // Was this link carried into PSO at import? (Same rules as the import.)
            let carried = imported_succ
                && imported_uids.contains(&pu)
                && l.cross_project != Some(true)
                && pu != succ
                && seen_pairs.insert(pu);
            if !carried {
                if !deleted_uids.contains(&pu) {
                    t.predecessor_links.push(l);
                }
                continue;
            }
            // A carried link that PSO no longer has was deleted there.
            if let Some(d) = pso_links.get(&(pu, succ)) {
                consumed.insert(pu);
                let (dt, lag, _) = map_link(&l, units, snap_minutes.get(&pu).copied().flatten());
                if dt != d.dep_type {
                    l.link_type = Some(mspdi_type(d.dep_type).into());
                }
                if lag != lag_of(d) {
                    l.link_lag = Some(units.to_file(lag_of(d)) * 10);
                    l.lag_format = Some(DurationFormat::Days.into());
                }
                t.predecessor_links.push(l);
            }
        }
        if let Some(v) = by_succ.get(&succ) {
            let mut v: Vec<_> = v.iter().filter(|(a, _)| !consumed.contains(a)).collect();
            v.sort_by_key(|(a, _)| *a);
            for (a, d) in v {
                t.predecessor_links.push(mspdi::PredecessorLink {
                    predecessor_uid: Some(*a),
                    link_type: Some(mspdi_type(d.dep_type).into()),
                    cross_project: Some(false),
                    link_lag: Some(units.to_file(lag_of(d)) * 10),
                    lag_format: Some(DurationFormat::Days.into()),
                    ..Default::default()
                });
            }
        }
    }
    p.tasks = out;

    // Assignments.
    let mut pso_asg: HashMap<(i64, &str), &pso_domain::model::Assignment> = HashMap::new();
    for a in asg {
        if let Some(u) = uid_of.get(&a.task_id) {
            pso_asg.insert((*u, a.person_id.as_str()), a);
        }
    }
    let mut consumed: BTreeSet<(i64, String)> = BTreeSet::new();
    let originals = std::mem::take(&mut p.assignments);
    for mut a in originals {
        let (Some(tu), Some(ru)) = (a.task_uid, a.resource_uid) else {
            p.assignments.push(a);
            continue;
        };
        if deleted_uids.contains(&tu) {
            continue;
        }
        let person = resource_map.get(&ru);
        let carried = imported_uids.contains(&tu)
            && person.is_some_and(|pid| !consumed.contains(&(tu, pid.clone())))
            && units_milli(a.units) > 0;
        if !carried {
            p.assignments.push(a);
            continue;
        }
        let pid = person.cloned().unwrap_or_default();
        // A carried assignment that PSO no longer has was deleted there.
        if let Some(x) = pso_asg.get(&(tu, pid.as_str())) {
            let now_milli = (x.units * 1000.0).round() as i64;
            if now_milli != units_milli(a.units).min(10_000) {
                a.units = Some(x.units);
            }
            consumed.insert((tu, pid));
            p.assignments.push(a);
        }
    }
    let mut res_of_person: HashMap<String, i64> = HashMap::new();
    for (u, pid) in resource_map {
        res_of_person.entry(pid.clone()).or_insert(*u);
    }
    let mut next_res = p.resources.iter().filter_map(|r| r.uid).max().unwrap_or(0) + 1;
    let mut next_res_id = p.resources.iter().filter_map(|r| r.id).max().unwrap_or(0) + 1;
    let next_asg = p
        .assignments
        .iter()
        .filter_map(|a| a.uid)
        .max()
        .unwrap_or(0)
        + 1;
    let mut new_asg: Vec<_> = pso_asg
        .iter()
        .filter(|((tu, pid), _)| !consumed.contains(&(*tu, pid.to_string())))
        .map(|((tu, pid), a)| (*tu, pid.to_string(), a.units))
        .collect();
    new_asg.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    for ((tu, pid, u), asg_uid) in new_asg.into_iter().zip(next_asg..) {
        let ru = match res_of_person.get(&pid) {
            Some(r) => *r,
            None => {
                let (name, email) = people.get(&pid).cloned().unwrap_or_default();
                let r = next_res;
                next_res += 1;
                p.resources.push(mspdi::Resource {
                    uid: Some(r),
                    id: Some(next_res_id),
                    name: Some(name),
                    resource_type: Some(ResourceType::Work.into()),
                    email_address: email,
                    max_units: Some(1.0),
                    ..Default::default()
                });
                next_res_id += 1;
                res_of_person.insert(pid.clone(), r);
                r
            }
        };
        p.assignments.push(mspdi::Assignment {
            uid: Some(asg_uid),
            task_uid: Some(tu),
            resource_uid: Some(ru),
            units: Some(u),
            ..Default::default()
        });
    }
    let _ = project;
    doc
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn link(t: i64, lag: i64, format: Option<i64>) -> mspdi::PredecessorLink {
        mspdi::PredecessorLink {
            predecessor_uid: Some(1),
            link_type: Some(Coded::from_code(t)),
            link_lag: Some(lag),
            lag_format: format.map(Coded::from_code),
            ..Default::default()
        }
    }

    #[test]
    fn links_map_types_and_lags() {
        // A 7-hour day file: 2 days of lag are 2 PSO days of 8 hours.
        let u = Units {
            minutes_per_day: 420.0,
            minutes_per_week: 2100.0,
        };
        let (t, lag, note) = map_link(&link(1, 2 * 420 * 10, Some(7)), u, None);
        assert_eq!((t, lag, note), (DependencyType::FS, 960, None));
        // Negative lag (a lead) of half a day, SS.
        let (t, lag, _) = map_link(&link(3, -210 * 10, Some(7)), u, None);
        assert_eq!((t, lag), (DependencyType::SS, -240));
        assert_eq!(dep_type(Some(Coded::from_code(0))), DependencyType::FF);
        assert_eq!(dep_type(Some(Coded::from_code(2))), DependencyType::SF);
        // 50 % of a 4-day predecessor: 2 days, reported as converted.
        let (_, lag, note) = map_link(&link(1, 500, Some(19)), u, Some(4 * 480));
        assert_eq!((lag, note), (960, Some("percentage lag")));
        // 7 elapsed days: 5 working days in a 5-day week.
        let (_, lag, note) = map_link(&link(1, 7 * 1440 * 10, Some(8)), u, None);
        assert_eq!((lag, note), (5 * 480, Some("elapsed lag")));
        // And back to the file's units.
        assert_eq!(u.to_file(960), 840);
        for t in [
            DependencyType::FF,
            DependencyType::FS,
            DependencyType::SF,
            DependencyType::SS,
        ] {
            assert_eq!(dep_type(Some(mspdi_type(t).into())), t);
        }
    }

    #[test]
    fn codes_from_file_names() {
        assert_eq!(
            code_from_file_name("Office move (v2).xml"),
            "OFFICE-MOVE-V2"
        );
        assert_eq!(code_from_file_name("x.xml"), "MSP-IMPORT");
        assert_eq!(
            code_from_file_name(&format!("{}.xml", "a".repeat(40))).len(),
            32
        );
    }
}
