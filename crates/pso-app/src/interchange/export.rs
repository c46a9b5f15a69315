//! Export: the stored original with PSO's current state applied.

use super::calendar::{parse_hhmm, DAYS};
use super::parse_document;
use super::units::{map_link, mspdi_type, units_milli, Units};
use crate::error::{AppError, AppResult};
use chrono::NaiveDate;
use pso_domain::model::{Project, Site, MINUTES_PER_DAY};
use pso_domain::plan::wbs_order;
use pso_formats::mspdi::{
    self, Coded, DayType, Document, Duration, DurationFormat, ResourceType, WorkFormat,
};
use pso_store::interchange::TaskSource;
use pso_store::Store;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
