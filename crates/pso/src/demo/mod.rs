//! `pso demo`: a realistic demo organisation.
//!
//! Vantor Industries (fictional) makes industrial automation equipment and runs its own IT:
//! two business units with two lines each, three sites (Grenoble, Chicago, Pune) with their
//! time zones, currencies, working hours and real 2025–2027 public holidays, sixty people with
//! skills, twelve projects of every nature and stage with a full WBS (phases, work packages,
//! tasks, gate milestones, dependencies, assignments), and a login for every role.
//!
//! Everything goes through the store's ordinary create calls, so the demo data passes the same
//! validation and leaves the same audit trail as data entered by users. The content is fixed and
//! the variety (durations, effort, who does what) comes from a seeded generator, so every run
//! produces the same organisation.

mod org;
mod projects;
mod rng;
mod time;
mod wbs;

use anyhow::{anyhow, Context};
use org::{email_of, LoginSpec, BUSINESS_UNITS, LOGINS, PEOPLE, SITES};
use projects::{ProjectSpec, PROJECTS};
use pso_domain::access::{Grant, Role, Scope};
use pso_domain::model::{
    AssignmentInput, BusinessUnitInput, DependencyInput, DependencyType, Holiday, PersonInput,
    ProjectInput, Task, TaskInput, UserInput,
};
use pso_store::{Actor, Store};
use rng::SplitMix64;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;
use wbs::{Link, Plan, Start, Work};

/// A demo login printed by `pso demo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub role: String,
    pub email: String,
    pub password: String,
    pub scope: String,
}

/// A person once stored: id, site code and skills.
struct Staff {
    id: String,
    name: &'static str,
    site: &'static str,
    skills: &'static [&'static str],
}

/// Fills an empty database with the demo organisation; returns the logins to print.
pub async fn seed(store: &Store) -> anyhow::Result<Vec<DemoLogin>> {
    let started = Instant::now();
    let actor = Actor::system("demo");

    eprintln!(
        "demo: {} — sites, business units and people …",
        org::COMPANY
    );
    let mut site_ids: BTreeMap<&str, String> = BTreeMap::new();
    for s in SITES {
        let input = pso_domain::model::SiteInput {
            code: s.code.into(),
            name: s.name.into(),
            country: s.country.into(),
            time_zone: s.time_zone.into(),
            currency: s.currency.into(),
            working_week: s.working_week.iter().map(|d| d.to_string()).collect(),
            working_hours: s
                .working_hours
                .iter()
                .map(|(a, b)| [a.to_string(), b.to_string()])
                .collect(),
            holidays: s
                .holidays
                .iter()
                .map(|(date, name)| Holiday {
                    date: date.to_string(),
                    name: name.to_string(),
                })
                .collect(),
        };
        let valid = input
            .validate()
            .with_context(|| format!("demo site {}", s.code))?;
        let site = store
            .create_site(&actor, &valid)
            .await
            .with_context(|| format!("cannot create the demo site {}", s.code))?;
        site_ids.insert(s.code, site.id);
    }

    for (code, rules) in org::time_rules() {
        let site = site_ids
            .get(code)
            .ok_or_else(|| anyhow!("demo time rules: no site {code}"))?;
        let input: pso_domain::timesheet::TimeRulesInput = serde_json::from_value(rules)?;
        let valid = input
            .validate()
            .map_err(|e| anyhow!("demo time rules of {code}: {e:?}"))?;
        store.set_time_rules(&actor, site, &valid).await?;
    }

    let mut unit_ids: BTreeMap<&str, String> = BTreeMap::new();
    for (code, name, parent) in BUSINESS_UNITS {
        let parent_id = match parent {
            Some(p) => Some(
                unit_ids
                    .get(p)
                    .cloned()
                    .ok_or_else(|| anyhow!("demo unit {code}: parent {p} comes later"))?,
            ),
            None => None,
        };
        let valid = BusinessUnitInput {
            code: code.to_string(),
            name: name.to_string(),
            parent_id,
        }
        .validate()
        .with_context(|| format!("demo business unit {code}"))?;
        let unit = store
            .create_business_unit(&actor, &valid)
            .await
            .with_context(|| format!("cannot create the demo business unit {code}"))?;
        unit_ids.insert(code, unit.id);
    }

    let mut staff: Vec<Staff> = Vec::new();
    for p in PEOPLE {
        let site_id = site_ids
            .get(p.site)
            .ok_or_else(|| anyhow!("demo person {}: unknown site {}", p.name, p.site))?;
        let valid = PersonInput {
            name: p.name.into(),
            email: Some(email_of(p.name)),
            site_id: site_id.clone(),
            skills: p.skills.iter().map(|s| s.to_string()).collect(),
            manager_id: None,
        }
        .validate()
        .with_context(|| format!("demo person {}", p.name))?;
        let person = store
            .create_person(&actor, &valid)
            .await
            .with_context(|| format!("cannot create the demo person {}", p.name))?;
        staff.push(Staff {
            id: person.id,
            name: p.name,
            site: p.site,
            skills: p.skills,
        });
    }

    let (mut tasks, mut deps, mut assignments) = (0, 0, 0);
    for (i, spec) in PROJECTS.iter().enumerate() {
        let (t, d, a) = seed_project(store, &actor, spec, &site_ids, &unit_ids, &staff)
            .await
            .with_context(|| format!("demo project {}", spec.code))?;
        eprintln!(
            "demo: projects {}/{} {} — {t} tasks, {d} dependencies, {a} assignments",
            i + 1,
            PROJECTS.len(),
            spec.code
        );
        tasks += t;
        deps += d;
        assignments += a;
    }
    // After the projects: project-scoped grants name them by id.
    eprintln!("demo: users …");
    for l in LOGINS {
        create_login(store, &actor, l, &staff).await?;
    }
    // Each project scheduled on its own, as its manager would: the Gantt charts are filled, and
    // people shared between projects show up as over-allocations in the resource load view,
    // with the engine's proposals. Projects past approval get the baseline they were approved on.
    eprintln!("demo: scheduling the projects and saving their baselines …");
    for spec in PROJECTS {
        let Some(project) = store.project_by_code(spec.code).await? else {
            continue;
        };
        if project.status == pso_domain::model::ProjectStatus::Cancelled {
            continue;
        }
        let status = project.status;
        pso_app::schedule::schedule_and_store(store, &actor, vec![project.clone()])
            .await
            .map_err(|e| anyhow!("cannot schedule demo project {}: {}", spec.code, e.detail))?;
        if !matches!(status, pso_domain::model::ProjectStatus::Proposed) {
            store
                .create_baseline(&actor, &project.id, "Approved plan")
                .await
                .with_context(|| format!("baseline of demo project {}", spec.code))?;
        }
    }
    eprintln!("demo: timesheets of the last weeks …");
    let (approved, waiting, drafts) = time::seed(store).await?;
    eprintln!(
        "demo: {approved} approved timesheets, {waiting} waiting for approval, {drafts} drafts"
    );
    eprintln!(
        "demo: {} sites, {} business units, {} people, {} users, {} projects, {tasks} tasks, \
         {deps} dependencies, {assignments} assignments in {:.1} s",
        SITES.len(),
        BUSINESS_UNITS.len(),
        PEOPLE.len(),
        LOGINS.len(),
        PROJECTS.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(logins())
}

/// The demo logins (the same every time the demo data is loaded).
pub fn logins() -> Vec<DemoLogin> {
    LOGINS
        .iter()
        .map(|l| DemoLogin {
            role: l.role.to_string(),
            email: email_of(l.person),
            password: l.password.to_string(),
            scope: l.scope.to_string(),
        })
        .collect()
}

async fn create_login(
    store: &Store,
    actor: &Actor,
    l: &LoginSpec,
    staff: &[Staff],
) -> anyhow::Result<()> {
    let role = Role::parse(l.role).ok_or_else(|| anyhow!("demo login: bad role {}", l.role))?;
    let scope =
        Scope::parse(l.scope).ok_or_else(|| anyhow!("demo login: bad scope {}", l.scope))?;
    let person = staff
        .iter()
        .find(|s| s.name == l.person)
        .ok_or_else(|| anyhow!("demo login: no person {}", l.person))?;
    let input = UserInput {
        email: email_of(l.person),
        name: l.person.to_string(),
        person_id: Some(person.id.clone()),
        grants: vec![Grant { role, scope }],
        disabled: false,
        password: Some(l.password.into()),
    };
    // The same operation as an administrator's: grant codes resolved to ids, password hashed.
    let app = pso_app::App::new(store.clone())
        .await
        .map_err(|e| anyhow!("{}", e.detail))?;
    let system = pso_app::Caller::system(&actor.label);
    pso_app::Svc::new(&app, &system)
        .create_user(input)
        .await
        .map_err(|e| anyhow!("cannot create the demo user {}: {}", l.person, e.detail))?;
    Ok(())
}

/// Picks the project team: for each skill the plan needs, one or two people, mostly from the
/// project's site, sometimes from another site (or from wherever the skill exists).
fn pick_team<'s>(
    spec: &ProjectSpec,
    plan: &Plan,
    staff: &'s [Staff],
    r: &mut SplitMix64,
) -> BTreeMap<&'static str, Vec<&'s Staff>> {
    let mut skills: BTreeSet<&'static str> = BTreeSet::new();
    for p in &plan.phases {
        for w in &p.wps {
            skills.extend(w.leaves.iter().filter_map(|l| l.skill));
        }
    }
    let mut team: BTreeMap<&'static str, Vec<&Staff>> = BTreeMap::new();
    let forced: Vec<&Staff> = staff
        .iter()
        .filter(|s| s.name == spec.manager || spec.core.contains(&s.name))
        .collect();
    for skill in skills {
        let mut chosen: Vec<&Staff> = forced
            .iter()
            .copied()
            .filter(|s| s.skills.contains(&skill))
            .collect();
        let local: Vec<&Staff> = staff
            .iter()
            .filter(|s| {
                s.site == spec.site
                    && s.skills.contains(&skill)
                    && !chosen.iter().any(|c| c.id == s.id)
            })
            .collect();
        let remote: Vec<&Staff> = staff
            .iter()
            .filter(|s| s.site != spec.site && s.skills.contains(&skill))
            .collect();
        let want = if r.chance(0.35) { 2 } else { 1 };
        while chosen.len() < want {
            let pool = if !local.is_empty() && (remote.is_empty() || !r.chance(0.15)) {
                &local
            } else {
                &remote
            };
            let free: Vec<&Staff> = pool
                .iter()
                .copied()
                .filter(|s| !chosen.iter().any(|c| c.id == s.id))
                .collect();
            if free.is_empty() {
                break;
            }
            chosen.push(free[r.below(free.len())]);
        }
        if chosen.is_empty() {
            // Nobody has the skill: the manager covers it.
            chosen.extend(staff.iter().filter(|s| s.name == spec.manager));
        }
        team.insert(skill, chosen);
    }
    team
}

/// Creates one project with its WBS, dependencies and assignments; returns the counts.
async fn seed_project(
    store: &Store,
    actor: &Actor,
    spec: &ProjectSpec,
    site_ids: &BTreeMap<&str, String>,
    unit_ids: &BTreeMap<&str, String>,
    staff: &[Staff],
) -> anyhow::Result<(usize, usize, usize)> {
    let mut r = SplitMix64::from_text(spec.code);
    let shape = wbs::Shape {
        items: spec.items,
        size: spec.size,
        dev: spec.dev,
        field: spec.field,
    };
    let plan = wbs::build(spec.nature, &shape, &mut r);
    let manager = staff
        .iter()
        .find(|s| s.name == spec.manager)
        .ok_or_else(|| anyhow!("no manager {}", spec.manager))?;
    let valid = ProjectInput {
        code: spec.code.into(),
        name: spec.name.into(),
        description: spec
            .description
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        site_id: site_ids
            .get(spec.site)
            .cloned()
            .ok_or_else(|| anyhow!("unknown site {}", spec.site))?,
        business_unit_id: unit_ids
            .get(spec.unit)
            .cloned()
            .ok_or_else(|| anyhow!("unknown unit {}", spec.unit))?,
        manager_id: Some(manager.id.clone()),
        status: spec.status,
        priority: spec.priority,
        start_date: spec.start.into(),
    }
    .validate()?;
    let project = store.create_project(actor, &valid).await?;
    let pid = project.id.as_str();

    let new_task = |name: &str, parent: Option<&str>, work: Work| -> anyhow::Result<_> {
        let (duration_days, effort_hours, milestone) = match work {
            Work::Days(d) => (Some(d), None, false),
            Work::Hours(h) => (None, Some(h), false),
            Work::Milestone => (None, None, true),
        };
        TaskInput {
            name: name.to_string(),
            parent_id: parent.map(str::to_string),
            position: None,
            duration_days,
            effort_hours,
            milestone,
        }
        .validate()
        .with_context(|| format!("task {name}"))
    };
    let summary = |name: &str, parent: Option<&str>| -> anyhow::Result<_> {
        TaskInput {
            name: name.to_string(),
            parent_id: parent.map(str::to_string),
            position: None,
            duration_days: None,
            effort_hours: None,
            milestone: false,
        }
        .validate()
        .with_context(|| format!("summary task {name}"))
    };

    let mut count = 0;
    let mut links: Vec<(String, String, DependencyType, f64)> = Vec::new();
    let mut by_name: BTreeMap<String, String> = BTreeMap::new();
    let mut work_tasks: Vec<(Task, Option<&'static str>)> = Vec::new();
    let mut prev_gate: Option<String> = None;
    for phase in &plan.phases {
        let ph = store
            .create_task(actor, pid, &summary(&phase.name, None)?)
            .await?;
        count += 1;
        // Per work package: (first leaf id, end leaf ids).
        let mut done: Vec<(String, Vec<String>)> = Vec::new();
        let mut gate_preds: Vec<String> = Vec::new();
        for (wi, w) in phase.wps.iter().enumerate() {
            let wt = store
                .create_task(actor, pid, &summary(&w.name, Some(&ph.id))?)
                .await?;
            count += 1;
            // Where the work package starts: (predecessor, type, lag).
            let start_preds: Vec<(String, DependencyType, f64)> = match (w.start, done.last()) {
                (Start::AfterPrev(lag), Some((_, ends))) if wi > 0 => ends
                    .iter()
                    .map(|e| (e.clone(), DependencyType::FS, lag))
                    .collect(),
                (Start::WithPrev(lag), Some((first, _))) if wi > 0 => {
                    vec![(first.clone(), DependencyType::SS, lag)]
                }
                _ => prev_gate
                    .iter()
                    .map(|g| (g.clone(), DependencyType::FS, 0.0))
                    .collect(),
            };
            let mut ids: Vec<String> = Vec::new();
            let mut ends: Vec<String> = Vec::new();
            for (li, leaf) in w.leaves.iter().enumerate() {
                let t = store
                    .create_task(actor, pid, &new_task(&leaf.name, Some(&wt.id), leaf.work)?)
                    .await?;
                count += 1;
                by_name
                    .entry(leaf.name.clone())
                    .or_insert_with(|| t.id.clone());
                match (leaf.link, ids.last()) {
                    (Link::Par, _) | (_, None) => {
                        for (p, ty, lag) in &start_preds {
                            links.push((p.clone(), t.id.clone(), *ty, *lag));
                        }
                    }
                    (Link::Fs(lag), Some(prev)) => {
                        links.push((prev.clone(), t.id.clone(), DependencyType::FS, lag))
                    }
                    (Link::Ss(lag), Some(prev)) => {
                        links.push((prev.clone(), t.id.clone(), DependencyType::SS, lag))
                    }
                    (Link::Ff(lag), Some(prev)) => {
                        links.push((prev.clone(), t.id.clone(), DependencyType::FF, lag))
                    }
                }
                // A task ends its work package when nothing after it waits for its finish.
                let next_link = w.leaves.get(li + 1).map(|n| n.link);
                if matches!(next_link, None | Some(Link::Par) | Some(Link::Ss(_))) {
                    ends.push(t.id.clone());
                }
                ids.push(t.id.clone());
                if leaf.work != Work::Milestone {
                    work_tasks.push((t, leaf.skill));
                }
            }
            let followed = matches!(
                phase.wps.get(wi + 1).map(|n| n.start),
                Some(Start::AfterPrev(_))
            );
            if !followed {
                gate_preds.extend(ends.iter().cloned());
            }
            done.push((ids.first().cloned().unwrap_or_default(), ends));
        }
        if let Some(gate) = &phase.gate {
            let g = store
                .create_task(actor, pid, &new_task(gate, Some(&ph.id), Work::Milestone)?)
                .await?;
            count += 1;
            by_name.entry(gate.clone()).or_insert_with(|| g.id.clone());
            for p in gate_preds {
                links.push((p, g.id.clone(), DependencyType::FS, 0.0));
            }
            prev_gate = Some(g.id);
        }
    }
    anyhow::ensure!(
        count == plan.task_count(),
        "created {count} tasks of {}",
        plan.task_count()
    );
    for (from, to, ty, lag) in &plan.links {
        match (by_name.get(from), by_name.get(to)) {
            (Some(a), Some(b)) => links.push((a.clone(), b.clone(), *ty, *lag)),
            _ => anyhow::bail!("template link {from} -> {to}: no such task"),
        }
    }

    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut dep_count = 0;
    for (pred, succ, ty, lag) in links {
        if !seen.insert((pred.clone(), succ.clone())) {
            continue;
        }
        let valid = DependencyInput {
            predecessor_id: pred,
            successor_id: succ,
            dep_type: ty,
            lag_days: lag,
        }
        .validate()?;
        store.create_dependency(actor, pid, &valid).await?;
        dep_count += 1;
    }

    let team = pick_team(spec, &plan, staff, &mut r);
    let mut assigned = 0;
    for (task, skill) in &work_tasks {
        let Some(people) = skill.and_then(|s| team.get(s)) else {
            continue;
        };
        if people.is_empty() || r.chance(0.08) {
            continue; // a few tasks are not staffed yet
        }
        let first = people[r.below(people.len())];
        let two = people.len() > 1 && r.chance(0.25);
        let units = if two || r.chance(0.2) { 0.5 } else { 1.0 };
        let mut who = vec![first];
        if two {
            if let Some(other) = people.iter().find(|p| p.id != first.id) {
                who.push(other);
            }
        }
        for p in who {
            let valid = AssignmentInput {
                person_id: p.id.clone(),
                units,
            }
            .validate()?;
            store.create_assignment(actor, task, &valid).await?;
            assigned += 1;
        }
    }
    Ok((count, dep_count, assigned))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pso_domain::access::ProjectScope;
    use pso_domain::model::ProjectStatus;
    use pso_store::ProjectFilter;

    /// A fresh directory for a test database: in memory-backed /dev/shm when there is one
    /// (SQLite's fsync per commit is what makes seeding slow on disk), else the temp dir.
    fn test_dir() -> std::path::PathBuf {
        let shm = std::path::Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = base.join(format!("pso-demo-test-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn seeds_a_realistic_organisation() {
        let dir = test_dir();
        let store = Store::connect(&format!("sqlite://{}/demo.db?mode=rwc", dir.display()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let returned = seed(&store).await.unwrap();
        assert_eq!(returned, logins());
        assert!(!store.is_empty().await.unwrap());

        // Three sites in three countries, time zones and currencies, with their holidays.
        let sites = store.all_sites().await.unwrap();
        assert_eq!(sites.len(), 3);
        let fields: [fn(&pso_domain::model::Site) -> String; 3] = [
            |s| s.country.clone(),
            |s| s.time_zone.clone(),
            |s| s.currency.clone(),
        ];
        for f in fields {
            let distinct: BTreeSet<String> = sites.iter().map(f).collect();
            assert_eq!(distinct.len(), 3);
        }
        for s in &sites {
            for year in ["2025-", "2026-", "2027-"] {
                let n = s
                    .holidays
                    .iter()
                    .filter(|h| h.date.starts_with(year))
                    .count();
                assert!(n >= 10, "{}: {n} holidays in {year}", s.code);
            }
        }

        // Each site's time rules, different by country.
        let mut limits = BTreeSet::new();
        for s in &sites {
            let v = store.time_rules(&s.id).await.unwrap();
            assert_eq!(v.len(), 1, "{}", s.code);
            limits.insert((v[0].max_minutes_per_day, v[0].max_minutes_per_week));
        }
        assert_eq!(limits.len(), 3);

        // Two business units with two lines each.
        let units = store.all_business_units().await.unwrap();
        let tops: Vec<_> = units.iter().filter(|u| u.parent_id.is_none()).collect();
        assert_eq!(tops.len(), 2);
        for t in &tops {
            let lines = units
                .iter()
                .filter(|u| u.parent_id.as_deref() == Some(t.id.as_str()))
                .count();
            assert_eq!(lines, 2, "lines of {}", t.code);
        }
        assert_eq!(units.len(), 6);

        // About sixty people with skills on every site.
        let people = store
            .list_people(None, None, 500, None)
            .await
            .unwrap()
            .items;
        assert!((55..=65).contains(&people.len()), "{} people", people.len());
        assert!(people
            .iter()
            .all(|p| !p.skills.is_empty() && p.email.is_some()));
        for s in &sites {
            assert!(people.iter().filter(|p| p.site_id == s.id).count() >= 15);
        }

        // Twelve projects at every stage, each with a real plan.
        let all = ProjectScope {
            all: true,
            ..Default::default()
        };
        let projects = store
            .list_projects(&all, &ProjectFilter::default(), 100, None)
            .await
            .unwrap()
            .items;
        assert_eq!(projects.len(), 12);
        let statuses: BTreeSet<&str> = projects.iter().map(|p| p.status.as_str()).collect();
        assert_eq!(statuses.len(), ProjectStatus::ALL.len());
        for p in &projects {
            assert!(p.manager_id.is_some() && !p.description.is_empty());
            let tasks = store.all_tasks(&p.id).await.unwrap();
            assert!(
                (20..=200).contains(&tasks.len()),
                "{}: {}",
                p.code,
                tasks.len()
            );
            assert!(
                tasks.iter().any(|t| t.milestone),
                "{}: no milestone",
                p.code
            );
            assert!(tasks.iter().any(|t| t.parent_id.is_some()));
            let deps = store.all_dependencies(&p.id).await.unwrap();
            assert!(
                deps.len() >= tasks.len() / 2,
                "{}: {} dependencies",
                p.code,
                deps.len()
            );
            let asg = store.project_assignments(&p.id).await.unwrap();
            assert!(
                asg.len() >= tasks.len() / 3,
                "{}: {} assignments",
                p.code,
                asg.len()
            );
        }
        let deps: Vec<_> = {
            let mut v = Vec::new();
            for p in &projects {
                v.extend(store.all_dependencies(&p.id).await.unwrap());
            }
            v
        };
        for ty in [
            DependencyType::FS,
            DependencyType::SS,
            DependencyType::FF,
            DependencyType::SF,
        ] {
            assert!(
                deps.iter().any(|d| d.dep_type == ty),
                "no {ty:?} dependency"
            );
        }
        assert!(deps.iter().any(|d| d.lag_days < 0.0), "no lead");
        assert!(deps.iter().any(|d| d.lag_days > 0.0), "no lag");

        // A user for every role, whose demo password works.
        for role in Role::ALL {
            assert!(returned.iter().any(|l| l.role == role.as_str()), "{role:?}");
        }
        for l in &returned {
            let (user, hash) = store.user_by_email(&l.email).await.unwrap().unwrap();
            assert!(user.person_id.is_some());
            assert_eq!(user.grants.len(), 1);
            assert_eq!(user.grants[0].role.as_str(), l.role);
            assert_eq!(user.grants[0].scope.to_string(), l.scope);
            assert!(pso_app::auth::verify_password_blocking(
                &l.password,
                &hash.unwrap()
            ));
            // Project-scoped logins are the manager or a member of the team of their project.
            if let Some(code) = l.scope.strip_prefix("project:") {
                let p = store.project_by_code(code).await.unwrap().unwrap();
                let person = user.person_id.clone().unwrap();
                let on_team = store
                    .project_assignments(&p.id)
                    .await
                    .unwrap()
                    .iter()
                    .any(|a| a.person_id == person);
                assert!(p.manager_id == Some(person) || on_team, "{}", l.email);
            }
            assert!(l.password.len() >= 10);
        }

        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Easter Sunday (anonymous Gregorian algorithm).
    fn easter(y: i32) -> chrono::NaiveDate {
        let (a, b, c) = (y % 19, y / 100, y % 100);
        let (d, e) = (b / 4, b % 4);
        let f = (b + 8) / 25;
        let g = (b - f + 1) / 3;
        let h = (19 * a + b - d - g + 15) % 30;
        let (i, k) = (c / 4, c % 4);
        let l = (32 + 2 * e + 2 * i - h - k) % 7;
        let m = (a + 11 * h + 22 * l) / 451;
        let month = (h + l - 7 * m + 114) / 31;
        let day = (h + l - 7 * m + 114) % 31 + 1;
        chrono::NaiveDate::from_ymd_opt(y, month as u32, day as u32).unwrap()
    }

    fn holidays_of(code: &str) -> Vec<(chrono::NaiveDate, &'static str)> {
        let site = SITES.iter().find(|s| s.code == code).unwrap();
        site.holidays
            .iter()
            .map(|(d, n)| (d.parse().unwrap(), *n))
            .collect()
    }

    #[test]
    fn holidays_follow_the_calendar_rules() {
        use chrono::{Datelike, Duration, Weekday};
        for s in SITES {
            let dates: Vec<&str> = s.holidays.iter().map(|h| h.0).collect();
            let mut sorted = dates.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(dates, sorted, "{}: holidays sorted and unique", s.code);
        }
        let fr = holidays_of("GRE");
        let us = holidays_of("CHI");
        let has = |list: &[(chrono::NaiveDate, &str)], d: chrono::NaiveDate, name: &str| {
            assert!(
                list.iter().any(|(x, n)| *x == d && n.starts_with(name)),
                "{name} on {d}"
            )
        };
        let nth = |y: i32, m: u32, wd: Weekday, n: u8| {
            chrono::NaiveDate::from_weekday_of_month_opt(y, m, wd, n).unwrap()
        };
        for y in [2025, 2026, 2027] {
            let e = easter(y);
            has(&fr, e + Duration::days(1), "Lundi de Pâques");
            has(&fr, e + Duration::days(39), "Ascension");
            has(&fr, e + Duration::days(50), "Lundi de Pentecôte");
            assert_eq!(fr.iter().filter(|(d, _)| d.year() == y).count(), 11);
            has(&us, nth(y, 1, Weekday::Mon, 3), "Martin Luther King");
            has(&us, nth(y, 2, Weekday::Mon, 3), "Washington");
            has(&us, nth(y, 9, Weekday::Mon, 1), "Labor Day");
            has(&us, nth(y, 10, Weekday::Mon, 2), "Columbus Day");
            has(&us, nth(y, 11, Weekday::Thu, 4), "Thanksgiving");
            let last_monday_of_may = (25..=31)
                .filter_map(|d| chrono::NaiveDate::from_ymd_opt(y, 5, d))
                .find(|d| d.weekday() == Weekday::Mon)
                .unwrap();
            has(&us, last_monday_of_may, "Memorial Day");
        }
        // US holidays are listed on the day off: a Saturday one on Friday, a Sunday one on Monday.
        assert!(us
            .iter()
            .all(|(d, _)| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)));
        let pune = holidays_of("PUN");
        for (d, name) in [
            ("2026-01-26", "Republic Day"),
            ("2026-08-15", "Independence Day"),
            ("2026-10-02", "Mahatma Gandhi Jayanti"),
            ("2027-01-26", "Republic Day"),
            ("2027-08-15", "Independence Day"),
            ("2027-10-02", "Mahatma Gandhi Jayanti"),
        ] {
            has(&pune, d.parse().unwrap(), name);
        }
    }

    #[test]
    fn every_plan_has_20_to_200_tasks_and_known_skills() {
        for spec in PROJECTS {
            let mut r = SplitMix64::from_text(spec.code);
            let shape = wbs::Shape {
                items: spec.items,
                size: spec.size,
                dev: spec.dev,
                field: spec.field,
            };
            let plan = wbs::build(spec.nature, &shape, &mut r);
            let n = plan.task_count();
            assert!((20..=200).contains(&n), "{}: {n} tasks", spec.code);
            for p in &plan.phases {
                for w in &p.wps {
                    for l in &w.leaves {
                        if let Some(s) = l.skill {
                            assert!(
                                PEOPLE.iter().any(|p| p.skills.contains(&s)),
                                "{}: nobody has the skill {s}",
                                spec.code
                            );
                        }
                    }
                }
            }
        }
    }
}
