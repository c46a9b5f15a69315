//! A parsed MSPDI document mapped onto PSO's plan and an import report.

use super::calendar::compare_calendar;
use super::units::{label, map_link, res_label, units_milli, Units};
use super::{code_from_file_name, ImportOptions, ImportReport};
use crate::error::{AppError, AppResult};
use chrono::{NaiveDateTime, TimeZone};
use pso_domain::model::{ProjectInput, ProjectStatus, Site, MINUTES_PER_DAY};
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
