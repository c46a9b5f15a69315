//! A parsed MSPDI document mapped onto PSO's plan and an import report.

use super::calendar::compare_calendar;
use super::units::{label, map_link, res_label, units_milli, Units};
use super::{code_from_file_name, ImportOptions, ImportReport};
use crate::error::{AppError, AppResult};
use chrono::{NaiveDateTime, TimeZone};
use pso_domain::model::{NewProject, ProjectInput, ProjectStatus, Site, MINUTES_PER_DAY};
use pso_formats::mspdi::{
    self, is_elapsed, Coded, ConstraintType, Document, Duration, ResourceType, TaskType,
    WorkContour,
};
use pso_store::interchange::{
    ImportAssignment, ImportBaseline, ImportBaselineTask, ImportDependency, ImportPerson,
    ImportPlan, ImportSource, ImportTask, PersonKey,
};
use pso_store::new_id;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the report says of whatever is not carried into PSO's data.
const KEEP: &str = "kept in the stored file and exported again";

/// Maps a document onto PSO's plan. `content` is the original file (kept with the project).
///
/// The steps, in the order their lines appear in the report: the project's header, the custom
/// field definitions, the calendar, the WBS (which task rows are imported), resources matched to
/// people, the tasks, the links, the assignments and the baselines.
pub fn map_document(
    doc: &Document,
    content: String,
    site: &Site,
    people: &[PersonKey],
    opts: &ImportOptions,
) -> AppResult<(ImportPlan, ImportReport)> {
    let p = &doc.project;
    let units = Units::of(p);
    let mut report = ImportReport {
        file_name: opts.file_name.clone(),
        minutes_per_day: units.minutes_per_day as i64,
        ..Default::default()
    };
    let project = map_project(p, opts, &mut report)?;
    let fields = custom_fields(p, &mut report);
    compare_calendar(p, site, &mut report);
    let outline = outline(&p.tasks, &mut report);
    let matched = match_resources(&p.resources, people, opts, &fields, &mut report);
    let assigned = assigned_people(&p.assignments, &matched.resource_map);
    let mapped = map_tasks(&outline, units, &assigned, &fields, &mut report);
    let dependencies = map_links(&outline, &mapped, units, &mut report);
    let assignments = map_assignments(
        &p.assignments,
        &mapped.id_of_uid,
        &matched.resource_map,
        &mut report,
    );
    let tz: chrono_tz::Tz = site.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let baselines = map_baselines(&outline, &mapped.tasks, tz, &mut report);

    let report_json = serde_json::to_value(&report).map_err(AppError::internal)?;
    Ok((
        ImportPlan {
            project,
            people: matched.new_people,
            tasks: mapped.tasks,
            dependencies,
            assignments,
            baselines,
            source: ImportSource {
                format: "mspdi".into(),
                file_name: opts.file_name.clone(),
                content,
                report: report_json,
                resource_map: matched.resource_map,
            },
        },
        report,
    ))
}

// ---------------------------------------------------------------- the project

/// The project's header: name (title, else the file's name), start, status (active when the
/// file records progress), priority and code. Sets the report's project name.
fn map_project(
    p: &mspdi::Project,
    opts: &ImportOptions,
    report: &mut ImportReport,
) -> AppResult<NewProject> {
    let name = project_name(p, &opts.file_name);
    report.project_name = name.clone();
    let code = opts
        .code
        .clone()
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| code_from_file_name(&opts.file_name));
    ProjectInput {
        code,
        name,
        description: format!("Imported from MS Project file {}.", opts.file_name),
        site_id: opts.site_id.clone(),
        business_unit_id: opts.business_unit_id.clone(),
        manager_id: None,
        status: if has_progress(p) {
            ProjectStatus::Active
        } else {
            ProjectStatus::Proposed
        },
        priority: project_priority(p),
        start_date: project_start(p).to_string(),
    }
    .validate()
    .map_err(AppError::validation)
}

/// The title, else the project's name without `.xml`/`.mpp`, else the file's stem; at most
/// 200 characters.
fn project_name(p: &mspdi::Project, file_name: &str) -> String {
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
            std::path::Path::new(file_name)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "Imported project".into())
        });
    name.chars().take(200).collect()
}

/// The project's start date, else the earliest task start, else today.
fn project_start(p: &mspdi::Project) -> chrono::NaiveDate {
    p.start_date
        .map(|d| d.date())
        .or_else(|| {
            p.tasks
                .iter()
                .filter_map(|t| t.start)
                .min()
                .map(|d| d.date())
        })
        .unwrap_or_else(|| chrono::Utc::now().date_naive())
}

/// Whether any task has progress (percent complete or an actual start).
fn has_progress(p: &mspdi::Project) -> bool {
    p.tasks
        .iter()
        .any(|t| t.percent_complete.unwrap_or(0.0) > 0.0 || t.actual_start.is_some())
}

/// The project's `<Priority>` (an untyped element), 500 by default, within 1–1000.
fn project_priority(p: &mspdi::Project) -> i64 {
    p.extra
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
        .clamp(1, 1000)
}

// ---------------------------------------------------------------- custom fields

/// The report's topic of each custom field, by field ID (`custom field Text1 'Cost centre'`).
type FieldTopics = HashMap<String, String>;

/// Reports every custom field definition (PSO has no custom fields) and returns their topics,
/// under which the values on tasks and resources are reported.
fn custom_fields(p: &mspdi::Project, report: &mut ImportReport) -> FieldTopics {
    for fd in &p.extended_attributes {
        let field = fd
            .field_name
            .clone()
            .or_else(|| fd.field_id.clone())
            .unwrap_or_default();
        report.note(
            format!("custom field {field}{}", field_alias(fd)),
            format!("PSO has no custom fields yet — {KEEP}"),
            String::new(),
        );
    }
    p.extended_attributes
        .iter()
        .filter_map(|fd| {
            let id = fd.field_id.clone()?;
            let field = fd.field_name.clone().unwrap_or_else(|| id.clone());
            Some((id, format!("custom field {field}{}", field_alias(fd))))
        })
        .collect()
}

/// ` 'Alias'`, or nothing.
fn field_alias(fd: &mspdi::FieldDefinition) -> String {
    fd.alias
        .as_deref()
        .map(|a| format!(" '{a}'"))
        .unwrap_or_default()
}

/// Reports custom field values (of tasks or resources: `owner`) under their field's topic.
fn note_field_values(
    values: &[mspdi::ExtendedAttribute],
    owner: &str,
    lab: &str,
    fields: &FieldTopics,
    report: &mut ImportReport,
) {
    for e in values {
        let topic = e
            .field_id
            .as_ref()
            .and_then(|f| fields.get(f).cloned())
            .unwrap_or_else(|| "custom field values".into());
        report.note(
            format!("{topic} ({owner} values)"),
            format!("PSO has no custom fields yet — {KEEP}"),
            format!("{lab} = {}", e.value.as_deref().unwrap_or("")),
        );
    }
}

// ---------------------------------------------------------------- the WBS

/// A task row that is imported, with its place in the WBS.
struct OutlineTask<'a> {
    t: &'a mspdi::Task,
    /// The PSO task's ID.
    id: String,
    uid: i64,
    /// Index of the parent row.
    parent: Option<usize>,
    level: i64,
}

/// The imported task rows in file order, and which of them are groups.
struct Outline<'a> {
    rows: Vec<OutlineTask<'a>>,
    has_children: Vec<bool>,
}

/// Which task rows are imported (not: rows without a UID, blank rows, the project summary task,
/// external tasks and subprojects, second rows with the same UID), and the WBS from their
/// outline levels.
fn outline<'a>(tasks: &'a [mspdi::Task], report: &mut ImportReport) -> Outline<'a> {
    let mut rows: Vec<OutlineTask> = Vec::with_capacity(tasks.len());
    let mut stack: Vec<usize> = Vec::new();
    let mut seen_uids = BTreeSet::new();
    for t in tasks {
        let Some(uid) = t.uid else {
            report.note(
                "tasks without a UID",
                format!("not imported — {KEEP}"),
                label(t),
            );
            continue;
        };
        if t.is_null == Some(true) {
            report.note(
                "blank task rows",
                format!("PSO has no blank rows — {KEEP}"),
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
                format!("PSO does not link plans across files — {KEEP}"),
                label(t),
            );
            continue;
        }
        if !seen_uids.insert(uid) {
            report.note(
                "tasks with a duplicate UID",
                format!("only the first is imported — {KEEP}"),
                label(t),
            );
            continue;
        }
        let level = t.outline_level.unwrap_or(1).max(1);
        while let Some(&top) = stack.last() {
            if rows[top].level >= level {
                stack.pop();
            } else {
                break;
            }
        }
        let parent = stack.last().copied();
        rows.push(OutlineTask {
            t,
            id: new_id(),
            uid,
            parent,
            level,
        });
        stack.push(rows.len() - 1);
    }
    let mut has_children = vec![false; rows.len()];
    for x in &rows {
        if let Some(pi) = x.parent {
            has_children[pi] = true;
        }
    }
    Outline { rows, has_children }
}

// ---------------------------------------------------------------- resources and people

/// Resources matched to people.
struct MatchedResources {
    /// Resource UID → person ID, for every resource whose assignments are imported.
    resource_map: BTreeMap<i64, String>,
    /// People created for resources that matched nobody.
    new_people: Vec<ImportPerson>,
}

/// People by lower-case e-mail and name: those that exist and those this import creates.
struct PeopleIndex<'a> {
    by_email: HashMap<String, &'a PersonKey>,
    by_name: HashMap<String, Vec<&'a PersonKey>>,
    created_by_email: HashMap<String, String>,
    created_by_name: HashMap<String, String>,
}

impl<'a> PeopleIndex<'a> {
    fn new(people: &'a [PersonKey]) -> Self {
        let by_email = people
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
        Self {
            by_email,
            by_name,
            created_by_email: HashMap::new(),
            created_by_name: HashMap::new(),
        }
    }

    /// The person of a resource: by e-mail, then by name (the first of several, reported),
    /// then among the people this import created.
    fn find(
        &self,
        r: &mspdi::Resource,
        email: Option<&String>,
        lname: &str,
        report: &mut ImportReport,
    ) -> Option<String> {
        email
            .and_then(|e| self.by_email.get(e).map(|x| x.id.clone()))
            .or_else(|| match self.by_name.get(lname) {
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
                    .and_then(|e| self.created_by_email.get(e).cloned())
                    .or_else(|| self.created_by_name.get(lname).cloned())
            })
    }
}

/// Matches work resources to people by e-mail, then by name; creates people for the others
/// when the import asks so (otherwise their assignments are not imported). Material and cost
/// resources, and what PSO does not hold of a resource, go to the report.
fn match_resources(
    resources: &[mspdi::Resource],
    people: &[PersonKey],
    opts: &ImportOptions,
    fields: &FieldTopics,
    report: &mut ImportReport,
) -> MatchedResources {
    let mut index = PeopleIndex::new(people);
    let mut resource_map: BTreeMap<i64, String> = BTreeMap::new();
    let mut new_people: Vec<ImportPerson> = Vec::new();
    for r in resources {
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
                format!("PSO's people are work resources — {KEEP}"),
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
        let person_id = match index.find(r, email.as_ref(), &lname, report) {
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
                    index.created_by_email.insert(e, id.clone());
                }
                index.created_by_name.insert(lname.clone(), id.clone());
                report.people_created += 1;
                Some(id)
            }
            None => {
                report.note(
                    "unmatched resources",
                    format!(
                        "no person with this e-mail or name; their assignments are not \
                         imported (import with \"create unmatched people\" to create them) — \
                         {KEEP}"
                    ),
                    res_label(r),
                );
                None
            }
        };
        if let Some(pid) = person_id {
            resource_map.insert(uid, pid);
        }
        note_resource_not_carried(r, fields, report);
    }
    MatchedResources {
        resource_map,
        new_people,
    }
}

/// What PSO does not hold of a work resource: cost rates, max units, availability, calendar,
/// notes, custom field values, baselines.
fn note_resource_not_carried(r: &mspdi::Resource, fields: &FieldTopics, report: &mut ImportReport) {
    if r.standard_rate.unwrap_or(0.0) != 0.0
        || r.overtime_rate.unwrap_or(0.0) != 0.0
        || r.cost_per_use.unwrap_or(0.0) != 0.0
    {
        report.note(
            "resource cost rates",
            format!("PSO has no cost rates per person yet — {KEEP}"),
            res_label(r),
        );
    }
    if r.max_units.is_some_and(|m| (m - 1.0).abs() > 1e-9) {
        report.note(
            "resource max units",
            format!("PSO's capacity comes from the person's site calendar — {KEEP}"),
            format!("{} {}%", res_label(r), r.max_units.unwrap_or(1.0) * 100.0),
        );
    }
    if !r.availability_periods.is_empty() {
        report.note(
            "resource availability periods",
            format!("not carried — {KEEP}"),
            res_label(r),
        );
    }
    if r.calendar_uid.is_some_and(|c| c >= 0) {
        report.note(
            "resource calendars",
            format!("PSO uses the calendar of the person's site — {KEEP}"),
            res_label(r),
        );
    }
    if r.notes.as_deref().is_some_and(|n| !n.trim().is_empty()) {
        report.note(
            "resource notes",
            format!("not carried — {KEEP}"),
            res_label(r),
        );
    }
    note_field_values(
        &r.extended_attributes,
        "resource",
        &res_label(r),
        fields,
        report,
    );
    if r.baselines
        .iter()
        .any(|b| b.work.is_some() || b.cost.is_some())
    {
        report.note(
            "resource baselines",
            format!("PSO baselines hold task dates — {KEEP}"),
            res_label(r),
        );
    }
}

/// How many matched people each task (by UID) has: a fixed-work task keeps its work as effort
/// only when someone does it.
fn assigned_people(
    assignments: &[mspdi::Assignment],
    resource_map: &BTreeMap<i64, String>,
) -> HashMap<i64, usize> {
    let mut assigned: HashMap<i64, usize> = HashMap::new();
    for a in assignments {
        if let (Some(t), Some(r)) = (a.task_uid, a.resource_uid) {
            if resource_map.contains_key(&r) {
                *assigned.entry(t).or_default() += 1;
            }
        }
    }
    assigned
}

// ---------------------------------------------------------------- tasks

/// The imported tasks, in the order of the outline's rows.
struct MappedTasks {
    tasks: Vec<ImportTask>,
    /// Task UID → (PSO task ID, index in `tasks`).
    id_of_uid: HashMap<i64, (String, usize)>,
}

/// A task's length in PSO: a duration, an effort (fixed-work tasks with people), or neither
/// (groups, milestones).
#[derive(Debug, PartialEq)]
struct Length {
    duration_minutes: Option<i64>,
    effort_minutes: Option<i64>,
    milestone: bool,
}

/// The outline's rows as PSO tasks (name, place in the WBS, length); counts tasks, groups and
/// milestones, and reports what PSO does not hold of each task.
fn map_tasks(
    outline: &Outline,
    units: Units,
    assigned: &HashMap<i64, usize>,
    fields: &FieldTopics,
    report: &mut ImportReport,
) -> MappedTasks {
    let rows = &outline.rows;
    let mut next_pos: HashMap<Option<usize>, i64> = HashMap::new();
    let mut tasks: Vec<ImportTask> = Vec::with_capacity(rows.len());
    let mut id_of_uid: HashMap<i64, (String, usize)> = HashMap::with_capacity(rows.len());
    for (i, x) in rows.iter().enumerate() {
        let t = x.t;
        let lab = label(t);
        let group = outline.has_children[i];
        let name = task_name(t, x.uid, &lab, report);
        let with_people = assigned.get(&x.uid).copied().unwrap_or(0) > 0;
        let length = task_length(t, group, with_people, units, &lab, report);
        note_task_not_carried(t, group, &lab, fields, report);
        if group {
            report.groups += 1;
        }
        if length.milestone {
            report.milestones += 1;
        }
        let parent_id = x.parent.map(|pi| rows[pi].id.clone());
        let pos = next_pos.entry(x.parent).or_insert(0);
        let position = *pos;
        *pos += 1;
        id_of_uid.insert(x.uid, (x.id.clone(), tasks.len()));
        tasks.push(ImportTask {
            id: x.id.clone(),
            parent_id,
            position,
            name,
            duration_minutes: length.duration_minutes,
            effort_minutes: length.effort_minutes,
            milestone: length.milestone,
            source_uid: x.uid,
        });
    }
    report.tasks = tasks.len();
    MappedTasks { tasks, id_of_uid }
}

/// The task's name, trimmed: `Task <UID>` when it has none, at most 200 characters.
fn task_name(t: &mspdi::Task, uid: i64, lab: &str, report: &mut ImportReport) -> String {
    let mut name = t.name.as_deref().map(str::trim).unwrap_or("").to_string();
    if name.is_empty() {
        name = format!("Task {uid}");
        report.note(
            "tasks without a name",
            "named 'Task <UID>' in PSO",
            lab.to_string(),
        );
    } else if name.chars().count() > 200 {
        name = name.chars().take(200).collect();
        report.note(
            "task names over 200 characters",
            format!("shortened in PSO — {KEEP}"),
            lab.to_string(),
        );
    }
    name
}

/// The task's length in PSO minutes (the file's working minutes in 8-hour days; elapsed
/// durations by the share of working time in a week). A group's dates come from its children;
/// a milestone has no length; a fixed-work task with people keeps its work as effort.
fn task_length(
    t: &mspdi::Task,
    group: bool,
    with_people: bool,
    units: Units,
    lab: &str,
    report: &mut ImportReport,
) -> Length {
    let elapsed = is_elapsed(t.duration_format);
    let minutes = t.duration.as_ref().and_then(Duration::minutes);
    let pso_minutes = minutes.map(|m| {
        if elapsed {
            units.elapsed_to_pso(m)
        } else {
            units.to_pso(m)
        }
    });
    if elapsed && !group {
        report.note(
            "elapsed durations",
            format!(
                "PSO counts working days: converted by the share of working time in a week \
                 — {KEEP}"
            ),
            lab.to_string(),
        );
    }
    let milestone = t.milestone == Some(true) && !group;
    let mut length = Length {
        duration_minutes: None,
        effort_minutes: None,
        milestone,
    };
    if group {
        // A group's dates come from its children.
    } else if milestone {
        if pso_minutes.unwrap_or(0) > 0 {
            report.note(
                "milestones with a duration",
                format!("PSO milestones have no length — {KEEP}"),
                lab.to_string(),
            );
        }
    } else {
        let work = t.work.as_ref().and_then(Duration::minutes).unwrap_or(0.0);
        if t.task_type.and_then(Coded::known) == Some(TaskType::FixedWork)
            && work > 0.0
            && with_people
        {
            length.effort_minutes = Some(work.round() as i64);
        } else {
            length.duration_minutes = Some(pso_minutes.unwrap_or(0).clamp(0, 48_000_000));
        }
    }
    length
}

/// What PSO does not hold of a task: summary flags without subtasks, constraints, deadlines,
/// progress, notes, costs, manual scheduling, calendars, priorities, recurrence, leveling
/// delays, inactivity, timephased data, custom field values.
fn note_task_not_carried(
    t: &mspdi::Task,
    group: bool,
    lab: &str,
    fields: &FieldTopics,
    report: &mut ImportReport,
) {
    if !group && t.summary == Some(true) {
        report.note(
            "summary tasks without subtasks",
            "imported as ordinary tasks",
            lab.to_string(),
        );
    }
    let constraint = t.constraint_type.and_then(Coded::known);
    if let Some(c) = constraint.filter(|c| c.has_date()) {
        report.note(
            "date constraints",
            format!("PSO has no date constraints yet — {KEEP}"),
            format!(
                "{lab}: {} {}",
                c.phrase(),
                t.constraint_date.map(|d| d.to_string()).unwrap_or_default()
            ),
        );
    } else if constraint == Some(ConstraintType::AsLateAsPossible) {
        report.note(
            "as late as possible",
            format!("PSO schedules as soon as possible — {KEEP}"),
            lab.to_string(),
        );
    }
    if let Some(d) = t.deadline {
        report.note(
            "deadlines",
            format!("PSO has no deadlines yet — {KEEP}"),
            format!("{lab}: {d}"),
        );
    }
    if t.percent_complete.unwrap_or(0.0) > 0.0 || t.actual_start.is_some() {
        report.note(
            "progress (percent complete, actual dates)",
            format!("PSO records progress through status updates — {KEEP}"),
            format!("{lab}: {}%", t.percent_complete.unwrap_or(0.0)),
        );
    }
    if t.notes.as_deref().is_some_and(|n| !n.trim().is_empty()) {
        report.note(
            "task notes",
            format!("not carried — {KEEP}"),
            lab.to_string(),
        );
    }
    if t.cost.unwrap_or(0.0) != 0.0 || t.fixed_cost.unwrap_or(0.0) != 0.0 {
        report.note(
            "task costs",
            format!("PSO's budgets are kept per cost category — {KEEP}"),
            format!("{lab}: {}", t.cost.or(t.fixed_cost).unwrap_or(0.0)),
        );
    }
    if t.manual == Some(true) {
        report.note(
            "manually scheduled tasks",
            format!("PSO schedules every task — {KEEP}"),
            lab.to_string(),
        );
    }
    if t.calendar_uid.is_some_and(|c| c >= 0) {
        report.note(
            "task calendars",
            format!("PSO uses the site's calendar — {KEEP}"),
            lab.to_string(),
        );
    }
    if t.priority.is_some_and(|pr| pr != 500) {
        report.note(
            "task priorities",
            format!("PSO has priorities per project — {KEEP}"),
            format!("{lab}: {}", t.priority.unwrap_or(500)),
        );
    }
    if t.recurring == Some(true) {
        report.note(
            "recurring tasks",
            format!("imported as one task — {KEEP}"),
            lab.to_string(),
        );
    }
    if t.leveling_delay.unwrap_or(0.0) != 0.0 {
        report.note(
            "leveling delays",
            format!("PSO levels by itself — {KEEP}"),
            lab.to_string(),
        );
    }
    if t.active == Some(false) {
        report.note(
            "inactive tasks",
            "imported as ordinary tasks".to_string(),
            lab.to_string(),
        );
    }
    if !t.timephased_data.is_empty() {
        report.note(
            "timephased task data",
            format!("not carried — {KEEP}"),
            lab.to_string(),
        );
    }
    note_field_values(&t.extended_attributes, "task", lab, fields, report);
}

// ---------------------------------------------------------------- links

/// The predecessor links between imported tasks as dependencies: one per pair of tasks, none
/// across projects or of a task to itself; lags in PSO minutes (percent and elapsed lags
/// converted and reported).
fn map_links(
    outline: &Outline,
    mapped: &MappedTasks,
    units: Units,
    report: &mut ImportReport,
) -> Vec<ImportDependency> {
    let mut pairs = BTreeSet::new();
    let mut dependencies = Vec::new();
    for x in &outline.rows {
        let t = x.t;
        for l in &t.predecessor_links {
            let Some(puid) = l.predecessor_uid else {
                continue;
            };
            if l.cross_project == Some(true) {
                report.note(
                    "links to other projects",
                    format!("PSO does not link plans across files — {KEEP}"),
                    label(t),
                );
                continue;
            }
            let Some((pid, pidx)) = mapped.id_of_uid.get(&puid) else {
                report.note(
                    "links to tasks that were not imported",
                    format!("not carried — {KEEP}"),
                    format!("{} ← UID {puid}", label(t)),
                );
                continue;
            };
            if *pid == x.id {
                report.note(
                    "links of a task to itself",
                    format!("not carried — {KEEP}"),
                    label(t),
                );
                continue;
            }
            if !pairs.insert((pid.clone(), x.id.clone())) {
                report.note(
                    "second links between the same two tasks",
                    format!("PSO keeps one link per pair of tasks — {KEEP}"),
                    label(t),
                );
                continue;
            }
            let pred_minutes = mapped.tasks[*pidx].duration_minutes;
            let (dt, lag, note) = map_link(l, units, pred_minutes);
            if let Some(n) = note {
                report.note(
                    format!("{n}s"),
                    format!(
                        "PSO's lags are in working days: converted to a fixed lag of the same \
                         length today — {KEEP}"
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
    dependencies
}

// ---------------------------------------------------------------- assignments

/// Assignments of matched people to imported tasks: one per person and task, units above 0
/// and at most 1000 %; what PSO does not hold of an assignment is reported.
fn map_assignments(
    assignments: &[mspdi::Assignment],
    id_of_uid: &HashMap<i64, (String, usize)>,
    resource_map: &BTreeMap<i64, String>,
    report: &mut ImportReport,
) -> Vec<ImportAssignment> {
    let mut out = Vec::new();
    let mut pairs = BTreeSet::new();
    for a in assignments {
        let (Some(tu), Some(ru)) = (a.task_uid, a.resource_uid) else {
            continue;
        };
        let Some((tid, _)) = id_of_uid.get(&tu) else {
            continue;
        };
        let Some(person) = resource_map.get(&ru) else {
            continue; // unmatched, material or cost resource: reported with the resources
        };
        let alab = format!("task UID {tu}, resource UID {ru}");
        let mut u = units_milli(a.units);
        if u <= 0 {
            report.note(
                "assignments with no units",
                format!("PSO assignments have units above 0 — {KEEP}"),
                alab,
            );
            continue;
        }
        if u > 10_000 {
            report.note(
                "assignments over 1000 %",
                format!("capped at 1000 % in PSO — {KEEP}"),
                alab.clone(),
            );
            u = 10_000;
        }
        if !pairs.insert((tid.clone(), person.clone())) {
            report.note(
                "second assignments of the same person to a task",
                format!("PSO keeps one assignment per person and task — {KEEP}"),
                alab,
            );
            continue;
        }
        note_assignment_not_carried(a, &alab, report);
        out.push(ImportAssignment {
            task_id: tid.clone(),
            person_id: person.clone(),
            units_milli: u,
        });
    }
    report.assignments = out.len();
    out
}

/// What PSO does not hold of an assignment: work contours, delays, costs, timephased data,
/// baselines.
fn note_assignment_not_carried(a: &mspdi::Assignment, alab: &str, report: &mut ImportReport) {
    if a.work_contour
        .is_some_and(|c| c != Coded::Known(WorkContour::Flat))
    {
        report.note(
            "work contours",
            format!("PSO spreads work evenly — {KEEP}"),
            alab.to_string(),
        );
    }
    if a.delay.unwrap_or(0.0) != 0.0 {
        report.note(
            "assignment delays",
            format!("not carried — {KEEP}"),
            alab.to_string(),
        );
    }
    if a.cost.unwrap_or(0.0) != 0.0 {
        report.note(
            "assignment costs",
            format!("not carried — {KEEP}"),
            alab.to_string(),
        );
    }
    if !a.timephased_data.is_empty() {
        report.note(
            "timephased assignment data",
            format!("not carried — {KEEP}"),
            alab.to_string(),
        );
    }
    if !a.baselines.is_empty() {
        report.note(
            "assignment baselines",
            format!("PSO baselines hold task dates — {KEEP}"),
            alab.to_string(),
        );
    }
}

// ---------------------------------------------------------------- baselines

/// A date and time of the file (local, no zone) in the site's time zone, RFC 3339; a time
/// skipped by a DST change moves one hour on.
fn to_site(tz: chrono_tz::Tz, d: NaiveDateTime) -> String {
    tz.from_local_datetime(&d)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(d + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|x| x.to_rfc3339())
        .unwrap_or_else(|| d.and_utc().to_rfc3339())
}

/// The task baselines 0–10 with their dates (`MS Project baseline <n>`); baseline work and cost
/// are reported. Sets the report's baseline names.
fn map_baselines(
    outline: &Outline,
    tasks: &[ImportTask],
    tz: chrono_tz::Tz,
    report: &mut ImportReport,
) -> Vec<ImportBaseline> {
    let mut by_number: BTreeMap<i64, Vec<ImportBaselineTask>> = BTreeMap::new();
    for (x, it) in outline.rows.iter().zip(tasks) {
        for b in &x.t.baselines {
            let n = b.number.unwrap_or(0);
            if let (Some(s), Some(f)) = (b.start, b.finish) {
                by_number.entry(n).or_default().push(ImportBaselineTask {
                    task_id: it.id.clone(),
                    name: it.name.clone(),
                    start: to_site(tz, s),
                    finish: to_site(tz, f),
                });
            }
            if b.cost.unwrap_or(0.0) != 0.0 || b.work.is_some() {
                report.note(
                    "baseline work and cost",
                    format!("PSO baselines hold task dates — {KEEP}"),
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
    baselines
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use pso_domain::model::DependencyType;

    /// A document from the children of `<Project>`.
    fn project(children: &str) -> mspdi::Project {
        let xml = format!(
            "<Project xmlns=\"{}\">{children}</Project>",
            mspdi::NAMESPACE
        );
        mspdi::from_str(&xml).unwrap().project
    }

    fn opts() -> ImportOptions {
        ImportOptions {
            site_id: "site".into(),
            business_unit_id: "bu".into(),
            code: None,
            create_people: false,
            file_name: "Office move (v2).xml".into(),
        }
    }

    /// The report's items as `(topic, count, examples)`.
    fn items(r: &ImportReport) -> Vec<(&str, usize, Vec<&str>)> {
        r.items
            .iter()
            .map(|i| {
                (
                    i.topic.as_str(),
                    i.count,
                    i.examples.iter().map(String::as_str).collect(),
                )
            })
            .collect()
    }

    fn topics(r: &ImportReport) -> Vec<&str> {
        r.items.iter().map(|i| i.topic.as_str()).collect()
    }

    fn person(id: &str, name: &str, email: Option<&str>) -> PersonKey {
        PersonKey {
            id: id.into(),
            name: name.into(),
            email: email.map(str::to_string),
        }
    }

    #[test]
    fn project_header() {
        let mut r = ImportReport::default();
        let p = project(
            "<Name>move.mpp</Name><Title>  Office move </Title>\
             <StartDate>2025-03-03T08:00:00</StartDate><Priority>2000</Priority>\
             <Tasks><Task><UID>1</UID><PercentComplete>10</PercentComplete></Task></Tasks>",
        );
        let np = map_project(&p, &opts(), &mut r).unwrap();
        assert_eq!(r.project_name, "Office move");
        assert_eq!(np.name.as_str(), "Office move");
        assert_eq!(np.code.as_str(), "OFFICE-MOVE-V2");
        assert_eq!(np.priority, 1000);
        assert_eq!(np.start_date.to_string(), "2025-03-03");
        assert_eq!(np.status, ProjectStatus::Active);
        assert!(r.items.is_empty());

        // No title: the name without its extension; no start: the first task's.
        let p = project(
            "<Name>plan.xml</Name><Tasks><Task><UID>1</UID>\
             <Start>2025-05-02T08:00:00</Start></Task><Task><UID>2</UID>\
             <Start>2025-04-01T08:00:00</Start></Task></Tasks>",
        );
        assert_eq!(project_name(&p, "f.xml"), "plan");
        assert_eq!(project_start(&p).to_string(), "2025-04-01");
        assert_eq!(project_priority(&p), 500);
        assert!(!has_progress(&p));
        // Nothing: the file's stem; long names are cut at 200 characters.
        assert_eq!(project_name(&project(""), "dir/Big plan.xml"), "Big plan");
        let long = format!("<Title>{}</Title>", "é".repeat(300));
        assert_eq!(project_name(&project(&long), "x.xml").chars().count(), 200);
        // A code given with the import wins over the file name's.
        let o = ImportOptions {
            code: Some("MOVE-1".into()),
            ..opts()
        };
        let np = map_project(&project("<Title>T</Title>"), &o, &mut r).unwrap();
        assert_eq!(np.code.as_str(), "MOVE-1");
        assert_eq!(np.status, ProjectStatus::Proposed);
    }

    #[test]
    fn project_header_that_is_not_valid_is_refused() {
        let mut r = ImportReport::default();
        let o = ImportOptions {
            code: Some("x y".into()),
            ..opts()
        };
        assert!(map_project(&project("<Title>T</Title>"), &o, &mut r).is_err());
    }

    #[test]
    fn custom_field_definitions_and_values() {
        let mut r = ImportReport::default();
        let p = project(
            "<ExtendedAttributes>\
               <ExtendedAttribute><FieldID>188743731</FieldID><FieldName>Text1</FieldName>\
               <Alias>Cost centre</Alias></ExtendedAttribute>\
               <ExtendedAttribute><FieldID>188743734</FieldID></ExtendedAttribute>\
             </ExtendedAttributes>",
        );
        let fields = custom_fields(&p, &mut r);
        assert_eq!(
            items(&r),
            [
                ("custom field Text1 'Cost centre'", 1, vec![]),
                ("custom field 188743734", 1, vec![]),
            ]
        );
        assert_eq!(
            fields.get("188743731").map(String::as_str),
            Some("custom field Text1 'Cost centre'")
        );
        let values = [
            mspdi::ExtendedAttribute {
                field_id: Some("188743731".into()),
                value: Some("CC-7".into()),
                ..Default::default()
            },
            mspdi::ExtendedAttribute {
                field_id: Some("999".into()),
                ..Default::default()
            },
        ];
        let mut r = ImportReport::default();
        note_field_values(&values, "task", "UID 3 'Design'", &fields, &mut r);
        assert_eq!(
            items(&r),
            [
                (
                    "custom field Text1 'Cost centre' (task values)",
                    1,
                    vec!["UID 3 'Design' = CC-7"]
                ),
                (
                    "custom field values (task values)",
                    1,
                    vec!["UID 3 'Design' = "]
                ),
            ]
        );
    }

    #[test]
    fn outline_from_levels_and_rows_left_out() {
        let mut r = ImportReport::default();
        let p = project(
            "<Tasks>\
               <Task><UID>0</UID><OutlineLevel>0</OutlineLevel><Name>Project</Name></Task>\
               <Task><UID>1</UID><OutlineLevel>1</OutlineLevel><Name>Phase</Name></Task>\
               <Task><UID>2</UID><OutlineLevel>2</OutlineLevel><Name>A</Name></Task>\
               <Task><OutlineLevel>2</OutlineLevel><Name>No UID</Name></Task>\
               <Task><UID>3</UID><IsNull>1</IsNull></Task>\
               <Task><UID>4</UID><OutlineLevel>3</OutlineLevel><Name>A.1</Name></Task>\
               <Task><UID>5</UID><ExternalTask>1</ExternalTask><Name>Ext</Name></Task>\
               <Task><UID>2</UID><OutlineLevel>1</OutlineLevel><Name>Again</Name></Task>\
               <Task><UID>6</UID><OutlineLevel>1</OutlineLevel><Name>B</Name></Task>\
             </Tasks>",
        );
        let o = outline(&p.tasks, &mut r);
        let rows: Vec<(i64, Option<i64>)> = o
            .rows
            .iter()
            .map(|x| (x.uid, x.parent.map(|i| o.rows[i].uid)))
            .collect();
        assert_eq!(rows, [(1, None), (2, Some(1)), (4, Some(2)), (6, None)]);
        assert_eq!(o.has_children, [true, true, false, false]);
        assert_eq!(
            items(&r),
            [
                ("tasks without a UID", 1, vec!["UID -1 'No UID'"]),
                ("blank task rows", 1, vec!["UID 3"]),
                (
                    "external tasks and inserted subprojects",
                    1,
                    vec!["UID 5 'Ext'"]
                ),
                ("tasks with a duplicate UID", 1, vec!["UID 2 'Again'"]),
            ]
        );
        assert!(r.items[0].reason.ends_with(KEEP));
    }

    const RESOURCES: &str = "<Resources>\
        <Resource><UID>0</UID><Name>Unassigned</Name><IsNull>1</IsNull></Resource>\
        <Resource><UID>1</UID><Name>Ann</Name><EmailAddress> ANN@x.org </EmailAddress>\
          <Type>1</Type></Resource>\
        <Resource><UID>2</UID><Name>bob</Name><MaxUnits>0.5</MaxUnits></Resource>\
        <Resource><UID>3</UID><Name>Cy</Name><StandardRate>10</StandardRate></Resource>\
        <Resource><UID>4</UID><Name>Cement</Name><Type>0</Type></Resource>\
        <Resource><UID>5</UID><Name>Travel</Name><Type>2</Type></Resource>\
        <Resource><UID>6</UID><Name>Dee</Name><EmailAddress>dee@x.org</EmailAddress></Resource>\
        <Resource><UID>7</UID><Name>dee</Name></Resource>\
        <Resource><UID>8</UID><Name>Odd</Name><Type>9</Type></Resource>\
      </Resources>";

    #[test]
    fn resources_matched_to_people() {
        let people = [
            person("p-ann", "Someone else", Some("ann@x.org")),
            person("p-bob1", "Bob", None),
            person("p-bob2", "BOB ", None),
        ];
        let mut r = ImportReport::default();
        let p = project(RESOURCES);
        let m = match_resources(&p.resources, &people, &opts(), &HashMap::new(), &mut r);
        // By e-mail first, then by name (the first of several); others are not imported.
        assert_eq!(
            m.resource_map,
            BTreeMap::from([(1, "p-ann".to_string()), (2, "p-bob1".to_string())])
        );
        assert!(m.new_people.is_empty());
        assert_eq!((r.people_matched, r.people_created), (2, 0));
        // An unknown resource type (9) is matched as a work resource.
        assert_eq!(
            items(&r),
            [
                (
                    "resources matching several people by name",
                    1,
                    vec!["UID 2 'bob'"]
                ),
                ("resource max units", 1, vec!["UID 2 'bob' 50%"]),
                (
                    "unmatched resources",
                    4,
                    vec!["UID 3 'Cy'", "UID 6 'Dee'", "UID 7 'dee'", "UID 8 'Odd'"]
                ),
                ("resource cost rates", 1, vec!["UID 3 'Cy'"]),
                ("material resources", 1, vec!["UID 4 'Cement'"]),
                ("cost resources", 1, vec!["UID 5 'Travel'"]),
            ]
        );
    }

    #[test]
    fn people_created_for_unmatched_resources() {
        let mut r = ImportReport::default();
        let p = project(RESOURCES);
        let o = ImportOptions {
            create_people: true,
            ..opts()
        };
        let m = match_resources(&p.resources, &[], &o, &HashMap::new(), &mut r);
        // Ann, bob, Cy, Dee (dee is the same person by name), Odd (an unknown type is no
        // material or cost resource).
        let names: Vec<(&str, Option<&str>)> = m
            .new_people
            .iter()
            .map(|x| (x.name.as_str(), x.email.as_deref()))
            .collect();
        assert_eq!(
            names,
            [
                ("Ann", Some("ann@x.org")),
                ("bob", None),
                ("Cy", None),
                ("Dee", Some("dee@x.org")),
                ("Odd", None)
            ]
        );
        assert_eq!(m.resource_map.get(&6), m.resource_map.get(&7));
        assert_eq!(m.resource_map.len(), 6);
        assert_eq!((r.people_matched, r.people_created), (1, 5));
        assert!(m.new_people.iter().all(|x| x.site_id == "site"));
        assert!(!topics(&r).contains(&"unmatched resources"));
    }

    #[test]
    fn what_a_resource_does_not_carry() {
        let mut r = ImportReport::default();
        let p = project(
            "<Resources><Resource><UID>1</UID><Name>Ann</Name><CalendarUID>3</CalendarUID>\
             <Notes>n</Notes><ExtendedAttribute><FieldID>1</FieldID><Value>v</Value>\
             </ExtendedAttribute><Baseline><Number>0</Number><Work>PT8H0M0S</Work></Baseline>\
             <AvailabilityPeriods><AvailabilityPeriod><AvailableUnits>1</AvailableUnits>\
             </AvailabilityPeriod></AvailabilityPeriods></Resource></Resources>",
        );
        note_resource_not_carried(&p.resources[0], &HashMap::new(), &mut r);
        assert_eq!(
            topics(&r),
            [
                "resource availability periods",
                "resource calendars",
                "resource notes",
                "custom field values (resource values)",
                "resource baselines",
            ]
        );
        assert_eq!(r.items[3].examples, ["UID 1 'Ann' = v"]);
    }

    #[test]
    fn people_per_task() {
        let p = project(
            "<Assignments>\
               <Assignment><TaskUID>1</TaskUID><ResourceUID>1</ResourceUID></Assignment>\
               <Assignment><TaskUID>1</TaskUID><ResourceUID>2</ResourceUID></Assignment>\
               <Assignment><TaskUID>2</TaskUID><ResourceUID>9</ResourceUID></Assignment>\
               <Assignment><TaskUID>3</TaskUID></Assignment>\
             </Assignments>",
        );
        let map = BTreeMap::from([(1, "a".to_string()), (2, "b".to_string())]);
        assert_eq!(
            assigned_people(&p.assignments, &map),
            HashMap::from([(1, 2)])
        );
    }

    fn units(minutes_per_day: f64) -> Units {
        Units {
            minutes_per_day,
            minutes_per_week: minutes_per_day * 5.0,
        }
    }

    fn task(xml: &str) -> mspdi::Task {
        project(&format!("<Tasks><Task>{xml}</Task></Tasks>"))
            .tasks
            .remove(0)
    }

    #[test]
    fn task_lengths() {
        let mut r = ImportReport::default();
        let u = units(420.0);
        let len = |t: &mspdi::Task, group, people, r: &mut ImportReport| {
            task_length(t, group, people, u, "L", r)
        };
        // Two 7-hour days are two PSO days.
        let t = task("<Duration>PT14H0M0S</Duration><DurationFormat>7</DurationFormat>");
        assert_eq!(
            len(&t, false, false, &mut r),
            Length {
                duration_minutes: Some(960),
                effort_minutes: None,
                milestone: false
            }
        );
        // A group has no length of its own, even when elapsed (and is not reported).
        let t = task("<Duration>PT168H0M0S</Duration><DurationFormat>8</DurationFormat>");
        assert_eq!(len(&t, true, false, &mut r).duration_minutes, None);
        assert!(r.items.is_empty());
        // Seven elapsed days: five working days, reported.
        assert_eq!(
            len(&t, false, false, &mut r).duration_minutes,
            Some(5 * 480)
        );
        assert_eq!(items(&r), [("elapsed durations", 1, vec!["L"])]);
        // A fixed-work task with people keeps its work; without people, its duration.
        let t = task(
            "<Type>2</Type><Duration>PT7H0M0S</Duration><Work>PT20H0M0S</Work>\
             <DurationFormat>5</DurationFormat>",
        );
        assert_eq!(len(&t, false, true, &mut r).effort_minutes, Some(1200));
        assert_eq!(len(&t, false, true, &mut r).duration_minutes, None);
        assert_eq!(len(&t, false, false, &mut r).duration_minutes, Some(480));
        // A milestone has no length; one with a duration is reported.
        let t = task("<Milestone>1</Milestone><Duration>PT7H0M0S</Duration>");
        let l = len(&t, false, false, &mut r);
        assert_eq!((l.duration_minutes, l.milestone), (None, true));
        assert_eq!(topics(&r)[1], "milestones with a duration");
        // A group is never a milestone; an unknown duration format counts working time.
        assert!(!len(&t, true, false, &mut r).milestone);
        let t = task("<Duration>PT7H0M0S</Duration><DurationFormat>99</DurationFormat>");
        assert_eq!(len(&t, false, false, &mut r).duration_minutes, Some(480));
        // Negative durations are 0.
        let t = task("<Duration>-PT7H0M0S</Duration>");
        assert_eq!(len(&t, false, false, &mut r).duration_minutes, Some(0));
    }

    #[test]
    fn task_names() {
        let mut r = ImportReport::default();
        assert_eq!(task_name(&task("<Name> A </Name>"), 4, "L", &mut r), "A");
        assert_eq!(
            task_name(&task("<Name> </Name>"), 4, "L4", &mut r),
            "Task 4"
        );
        let long = task(&format!("<Name>{}</Name>", "x".repeat(250)));
        assert_eq!(task_name(&long, 5, "L5", &mut r).len(), 200);
        assert_eq!(
            items(&r),
            [
                ("tasks without a name", 1, vec!["L4"]),
                ("task names over 200 characters", 1, vec!["L5"]),
            ]
        );
    }

    #[test]
    fn what_a_task_does_not_carry() {
        let notes = |xml: &str, group: bool| {
            let mut r = ImportReport::default();
            note_task_not_carried(&task(xml), group, "L", &HashMap::new(), &mut r);
            items(&r)
                .into_iter()
                .map(|(t, _, e)| format!("{t}: {}", e.join("; ")))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            notes(
                "<ConstraintType>4</ConstraintType>\
                 <ConstraintDate>2025-01-06T08:00:00</ConstraintDate>",
                false
            ),
            ["date constraints: L: start no earlier than 2025-01-06 08:00:00"]
        );
        assert_eq!(
            notes("<ConstraintType>1</ConstraintType>", false),
            ["as late as possible: L"]
        );
        // As soon as possible and unknown constraint types say nothing.
        assert!(notes("<ConstraintType>0</ConstraintType>", false).is_empty());
        assert!(notes("<ConstraintType>12</ConstraintType>", false).is_empty());
        assert_eq!(
            notes("<Summary>1</Summary>", false),
            ["summary tasks without subtasks: L"]
        );
        assert!(notes("<Summary>1</Summary>", true).is_empty());
        assert_eq!(
            notes(
                "<Priority>700</Priority><Manual>1</Manual><Active>0</Active>\
                 <PercentComplete>50</PercentComplete><FixedCost>20</FixedCost>\
                 <Deadline>2025-02-01T17:00:00</Deadline><Notes>n</Notes>\
                 <CalendarUID>2</CalendarUID><Recurring>1</Recurring>\
                 <LevelingDelay>4800</LevelingDelay>",
                false
            ),
            [
                "deadlines: L: 2025-02-01 17:00:00",
                "progress (percent complete, actual dates): L: 50%",
                "task notes: L",
                "task costs: L: 20",
                "manually scheduled tasks: L",
                "task calendars: L",
                "task priorities: L: 700",
                "recurring tasks: L",
                "leveling delays: L",
                "inactive tasks: L",
            ]
        );
    }

    /// A small plan: a group with two tasks and a milestone, links between them.
    const PLAN: &str = "<MinutesPerDay>480</MinutesPerDay><Tasks>\
        <Task><UID>1</UID><OutlineLevel>1</OutlineLevel><Name>Phase</Name></Task>\
        <Task><UID>2</UID><OutlineLevel>2</OutlineLevel><Name>A</Name>\
          <Duration>PT32H0M0S</Duration></Task>\
        <Task><UID>3</UID><OutlineLevel>2</OutlineLevel><Name>B</Name>\
          <Duration>PT8H0M0S</Duration>\
          <PredecessorLink><PredecessorUID>2</PredecessorUID><Type>3</Type>\
            <LinkLag>500</LinkLag><LagFormat>19</LagFormat></PredecessorLink>\
          <PredecessorLink><PredecessorUID>2</PredecessorUID><Type>1</Type></PredecessorLink>\
          <PredecessorLink><PredecessorUID>3</PredecessorUID></PredecessorLink>\
          <PredecessorLink><PredecessorUID>9</PredecessorUID></PredecessorLink>\
          <PredecessorLink><PredecessorUID>2</PredecessorUID><CrossProject>1</CrossProject>\
          </PredecessorLink>\
          <Baseline><Number>1</Number><Start>2025-03-31T08:00:00</Start>\
            <Finish>2025-03-31T17:00:00</Finish><Work>PT8H0M0S</Work></Baseline>\
        </Task>\
        <Task><UID>4</UID><OutlineLevel>1</OutlineLevel><Name>Done</Name>\
          <Milestone>1</Milestone>\
          <PredecessorLink><PredecessorUID>3</PredecessorUID><Type>7</Type>\
            <LinkLag>-4800</LinkLag><LagFormat>7</LagFormat></PredecessorLink>\
          <Baseline><Number>0</Number><Start>2025-01-06T08:00:00</Start>\
            <Finish>2025-01-06T08:00:00</Finish></Baseline>\
        </Task></Tasks>";

    fn mapped_plan(r: &mut ImportReport) -> (Outline<'static>, MappedTasks) {
        let p: &'static mspdi::Project = Box::leak(Box::new(project(PLAN)));
        let o = outline(&p.tasks, r);
        let m = map_tasks(&o, Units::of(p), &HashMap::new(), &HashMap::new(), r);
        (o, m)
    }

    #[test]
    fn tasks_in_the_wbs() {
        let mut r = ImportReport::default();
        let (o, m) = mapped_plan(&mut r);
        let rows: Vec<_> = m
            .tasks
            .iter()
            .map(|t| {
                (
                    t.name.as_str(),
                    t.parent_id.is_some(),
                    t.position,
                    t.duration_minutes,
                    t.milestone,
                    t.source_uid,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("Phase", false, 0, None, false, 1),
                ("A", true, 0, Some(1920), false, 2),
                ("B", true, 1, Some(480), false, 3),
                ("Done", false, 1, None, true, 4),
            ]
        );
        assert_eq!(m.tasks[1].parent_id.as_ref(), Some(&m.tasks[0].id));
        assert_eq!(m.tasks[2].id, o.rows[2].id);
        assert_eq!(m.id_of_uid[&3], (m.tasks[2].id.clone(), 2));
        assert_eq!((r.tasks, r.groups, r.milestones), (4, 1, 1));
        assert!(r.items.is_empty());
    }

    #[test]
    fn links_between_imported_tasks() {
        let mut r = ImportReport::default();
        let (o, m) = mapped_plan(&mut r);
        let deps = map_links(&o, &m, units(480.0), &mut r);
        let got: Vec<_> = deps
            .iter()
            .map(|d| {
                let uid = |id: &str| m.tasks.iter().find(|t| t.id == id).unwrap().source_uid;
                (
                    uid(&d.predecessor_id),
                    uid(&d.successor_id),
                    d.dep_type,
                    d.lag_minutes,
                )
            })
            .collect();
        // SS with 50 % of A's four days; an unknown link type is FS; a day of lead.
        assert_eq!(
            got,
            [
                (2, 3, DependencyType::SS, 960),
                (3, 4, DependencyType::FS, -480),
            ]
        );
        assert_eq!(r.dependencies, 2);
        assert_eq!(
            items(&r),
            [
                ("percentage lags", 1, vec!["UID 3 'B' ← UID 2: 2.00 days"]),
                (
                    "second links between the same two tasks",
                    1,
                    vec!["UID 3 'B'"]
                ),
                ("links of a task to itself", 1, vec!["UID 3 'B'"]),
                (
                    "links to tasks that were not imported",
                    1,
                    vec!["UID 3 'B' ← UID 9"]
                ),
                ("links to other projects", 1, vec!["UID 3 'B'"]),
            ]
        );
    }

    #[test]
    fn assignments_of_matched_people() {
        let mut r = ImportReport::default();
        let p = project(
            "<Assignments>\
               <Assignment><TaskUID>1</TaskUID><ResourceUID>1</ResourceUID></Assignment>\
               <Assignment><TaskUID>1</TaskUID><ResourceUID>1</ResourceUID>\
                 <Units>0.5</Units></Assignment>\
               <Assignment><TaskUID>1</TaskUID><ResourceUID>2</ResourceUID>\
                 <Units>12</Units><WorkContour>3</WorkContour><Cost>5</Cost></Assignment>\
               <Assignment><TaskUID>2</TaskUID><ResourceUID>1</ResourceUID>\
                 <Units>0</Units></Assignment>\
               <Assignment><TaskUID>2</TaskUID><ResourceUID>3</ResourceUID></Assignment>\
               <Assignment><TaskUID>9</TaskUID><ResourceUID>1</ResourceUID></Assignment>\
               <Assignment><TaskUID>2</TaskUID><ResourceUID>2</ResourceUID>\
                 <WorkContour>0</WorkContour><Delay>4800</Delay></Assignment>\
             </Assignments>",
        );
        let ids = HashMap::from([(1, ("t1".to_string(), 0)), (2, ("t2".to_string(), 1))]);
        let people = BTreeMap::from([(1, "pa".to_string()), (2, "pb".to_string())]);
        let a = map_assignments(&p.assignments, &ids, &people, &mut r);
        let got: Vec<_> = a
            .iter()
            .map(|a| (a.task_id.as_str(), a.person_id.as_str(), a.units_milli))
            .collect();
        assert_eq!(
            got,
            [("t1", "pa", 1000), ("t1", "pb", 10_000), ("t2", "pb", 1000)]
        );
        assert_eq!(r.assignments, 3);
        assert_eq!(
            items(&r),
            [
                (
                    "second assignments of the same person to a task",
                    1,
                    vec!["task UID 1, resource UID 1"]
                ),
                (
                    "assignments over 1000 %",
                    1,
                    vec!["task UID 1, resource UID 2"]
                ),
                ("work contours", 1, vec!["task UID 1, resource UID 2"]),
                ("assignment costs", 1, vec!["task UID 1, resource UID 2"]),
                (
                    "assignments with no units",
                    1,
                    vec!["task UID 2, resource UID 1"]
                ),
                ("assignment delays", 1, vec!["task UID 2, resource UID 2"]),
            ]
        );
    }

    #[test]
    fn baselines_in_the_site_time_zone() {
        let mut r = ImportReport::default();
        let (o, m) = mapped_plan(&mut r);
        let b = map_baselines(&o, &m.tasks, chrono_tz::Europe::Zurich, &mut r);
        assert_eq!(
            r.baselines,
            ["MS Project baseline 0", "MS Project baseline 1"]
        );
        assert_eq!(b[0].tasks.len(), 1);
        assert_eq!(b[0].tasks[0].name, "Done");
        assert_eq!(b[0].tasks[0].start, "2025-01-06T08:00:00+01:00");
        assert_eq!(b[1].tasks[0].finish, "2025-03-31T17:00:00+02:00");
        assert_eq!(
            items(&r),
            [("baseline work and cost", 1, vec!["UID 3 'B' baseline 1"])]
        );
        // A time skipped by the change to summer time moves one hour on.
        let d = NaiveDateTime::parse_from_str("2025-03-30T02:30:00", "%Y-%m-%dT%H:%M:%S").unwrap();
        assert_eq!(
            to_site(chrono_tz::Europe::Zurich, d),
            "2025-03-30T03:30:00+02:00"
        );
    }

    fn site() -> Site {
        crate::interchange::test_site(vec![])
    }

    #[test]
    fn a_whole_document() {
        let xml = format!(
            "<Project xmlns=\"{}\"><Title>Move</Title>{PLAN}\
             <Resources><Resource><UID>1</UID><Name>Ann</Name></Resource></Resources>\
             <Assignments><Assignment><TaskUID>2</TaskUID><ResourceUID>1</ResourceUID>\
             </Assignment></Assignments></Project>",
            mspdi::NAMESPACE
        );
        let doc = mspdi::from_str(&xml).unwrap();
        let people = [person("p-ann", "ann", None)];
        let (plan, report) =
            map_document(&doc, "content".into(), &site(), &people, &opts()).unwrap();
        assert_eq!(plan.project.name.as_str(), "Move");
        assert_eq!(plan.tasks.len(), 4);
        assert_eq!(plan.dependencies.len(), 2);
        assert_eq!(plan.assignments.len(), 1);
        assert_eq!(plan.assignments[0].task_id, plan.tasks[1].id);
        assert_eq!(plan.baselines.len(), 2);
        assert_eq!(plan.source.format, "mspdi");
        assert_eq!(plan.source.content, "content");
        assert_eq!(
            plan.source.resource_map,
            BTreeMap::from([(1, "p-ann".to_string())])
        );
        assert_eq!(plan.source.report, serde_json::to_value(&report).unwrap());
        assert_eq!(
            (
                report.file_name.as_str(),
                report.minutes_per_day,
                report.tasks,
                report.groups,
                report.milestones,
                report.dependencies,
                report.assignments,
                report.people_matched,
            ),
            ("Office move (v2).xml", 480, 4, 1, 1, 2, 1, 1)
        );
        // The steps' lines in order: the WBS and tasks say nothing here, then the links, then
        // the baselines.
        assert_eq!(
            topics(&report),
            [
                "percentage lags",
                "second links between the same two tasks",
                "links of a task to itself",
                "links to tasks that were not imported",
                "links to other projects",
                "baseline work and cost",
            ]
        );
    }
}
