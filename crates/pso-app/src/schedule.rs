//! Scheduling stored plans: run the `pso-schedule` engine on one project or the whole
//! portfolio, store the computed dates, float and critical flags with what changed since the
//! last run; baselines and their comparison; the weekly resource load with the engine's
//! leveling proposals.
//!
//! Reads follow the same permission rules as everything else: a project's schedule is visible
//! to whoever may read the project; running the engine and saving baselines need the right to
//! edit it; the load view covers the projects the caller may read. The plan is read in batched
//! queries (one per table and chunk of projects, not one per project or person), and the engine
//! runs on the blocking pool.

use crate::error::{AppError, AppResult, ErrorKind};
use crate::service::Svc;
use pso_domain::access::ProjectAction;
use pso_domain::model::{Project, ProjectStatus};
use pso_domain::schedule::{
    self as sched, Baseline, LoadCell, PlanData, ScheduleRun, TaskChange, TaskSchedule, Variance,
};
use pso_domain::values::parse_date;
use pso_domain::FieldError;
use pso_store::{ProjectFilter, Store};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Most changes kept with a run (in its summary and its answer); `changed` counts them all.
pub const CHANGES_KEPT: usize = 1000;

/// The outcome of scheduling one project.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProjectRun {
    pub project_id: String,
    pub run: ScheduleRun,
    /// How many tasks moved.
    pub changed: usize,
    /// The first [`CHANGES_KEPT`] of them.
    pub changes: Vec<TaskChange>,
    /// Problems met on this project's own tasks.
    pub conflicts: Vec<String>,
}

/// A project a portfolio run had to leave out, and why (its own plan is broken): the others
/// are scheduled without it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LeftOut {
    pub project_id: String,
    pub code: String,
    pub reason: String,
}

/// What scheduling several projects together did.
#[derive(Debug, Clone, Serialize, Default, schemars::JsonSchema)]
pub struct PortfolioRun {
    pub runs: Vec<ProjectRun>,
    pub left_out: Vec<LeftOut>,
}

/// A project's stored schedule: the last run and one page of its tasks' dates.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StoredSchedule {
    pub run: Option<ScheduleRun>,
    pub tasks: Vec<TaskSchedule>,
    pub next_cursor: Option<String>,
}

/// Everything the engine needs about these projects, read in batches.
pub async fn plan_data(store: &Store, projects: Vec<Project>) -> AppResult<PlanData> {
    let sites: BTreeMap<String, pso_domain::model::Site> = store
        .all_sites()
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let ids: Vec<String> = projects.iter().map(|p| p.id.clone()).collect();
    let mut plan = PlanData {
        tasks: store.tasks_of_projects(&ids).await?,
        dependencies: store.dependencies_of_projects(&ids).await?,
        assignments: store.assignments_of_projects(&ids).await?,
        ..Default::default()
    };
    for p in projects {
        let site = sites
            .get(&p.site_id)
            .cloned()
            .ok_or_else(|| AppError::internal(format!("project {} has no site", p.id)))?;
        plan.projects.push((p, site));
    }
    let people: BTreeSet<String> = plan
        .assignments
        .iter()
        .map(|a| a.person_id.clone())
        .collect();
    let people: Vec<String> = people.into_iter().collect();
    for person in store.people_by_ids(&people).await? {
        if let Some(site) = sites.get(&person.site_id) {
            plan.person_sites.insert(person.id, site.clone());
        }
    }
    let day = |s: &Option<String>| s.as_deref().and_then(|d| parse_date(d).ok());
    for p in store.progress_of_projects(&ids).await? {
        plan.progress.insert(
            p.task_id.clone(),
            sched::ProgressFacts {
                percent_complete: p.percent_complete,
                remaining_minutes: p.remaining_minutes,
                actual_start: day(&p.actual_start),
                actual_finish: day(&p.actual_finish),
            },
        );
    }
    for (id, d) in store.status_dates(&ids).await? {
        if let Some(d) = day(&Some(d)) {
            plan.status_dates.insert(id, d);
        }
    }
    Ok(plan)
}

/// Why a project's own plan cannot be scheduled (a dependency cycle), if it cannot.
fn plan_problem(plan: &PlanData, project_id: &str) -> Option<String> {
    let in_project: BTreeSet<&str> = plan
        .tasks
        .iter()
        .filter(|t| t.project_id == project_id)
        .map(|t| t.id.as_str())
        .collect();
    let edges: Vec<(String, String)> = plan
        .dependencies
        .iter()
        .filter(|d| in_project.contains(d.successor_id.as_str()))
        .map(|d| (d.predecessor_id.clone(), d.successor_id.clone()))
        .collect();
    let cycle = pso_domain::plan::find_cycle(&edges)?;
    let names: BTreeMap<&str, &str> = plan
        .tasks
        .iter()
        .map(|t| (t.id.as_str(), t.name.as_str()))
        .collect();
    let named: Vec<String> = cycle
        .iter()
        .map(|id| format!("'{}'", names.get(id.as_str()).copied().unwrap_or(id)))
        .collect();
    Some(format!(
        "its dependencies form a cycle: {}",
        named.join(" → ")
    ))
}

/// The part of `plan` whose projects pass `keep` (with their tasks, links and assignments).
fn part(plan: &PlanData, keep: impl Fn(&str) -> bool) -> PlanData {
    let tasks: BTreeSet<&str> = plan
        .tasks
        .iter()
        .filter(|t| keep(&t.project_id))
        .map(|t| t.id.as_str())
        .collect();
    PlanData {
        projects: plan
            .projects
            .iter()
            .filter(|(p, _)| keep(&p.id))
            .cloned()
            .collect(),
        tasks: plan
            .tasks
            .iter()
            .filter(|t| keep(&t.project_id))
            .cloned()
            .collect(),
        dependencies: plan
            .dependencies
            .iter()
            .filter(|d| tasks.contains(d.successor_id.as_str()))
            .cloned()
            .collect(),
        assignments: plan
            .assignments
            .iter()
            .filter(|a| keep(&a.project_id))
            .cloned()
            .collect(),
        person_sites: plan.person_sites.clone(),
        task_names: plan.task_names.clone(),
        progress: plan.progress.clone(),
        status_dates: plan.status_dates.clone(),
    }
}

/// `plan` without the project `id`.
fn without(plan: &PlanData, id: &str) -> PlanData {
    part(plan, |p| p != id)
}

fn plan_error(e: sched::PlanError) -> AppError {
    match e {
        sched::PlanError::Engine(m) => AppError::field("tasks", "cannot_schedule", m),
        other => AppError::field("project", "cannot_schedule", other.to_string()),
    }
}

/// Runs the engine on the plan, leaving out the projects whose own plan breaks it (a cycle,
/// tasks that cannot be placed): one bad project never stops the others. With a single
/// project, its problem is the error.
/// What [`run_leaving_out`] gives: the plan that was scheduled, its rows and conflicts, and the
/// projects left out.
type Outcome = (
    PlanData,
    Vec<TaskSchedule>,
    Vec<sched::Conflict>,
    Vec<LeftOut>,
);

fn run_leaving_out(mut plan: PlanData) -> Result<Outcome, AppError> {
    let mut left_out = Vec::new();
    let single = plan.projects.len() == 1;
    let ids: Vec<(String, String)> = plan
        .projects
        .iter()
        .map(|(p, _)| (p.id.clone(), p.code.clone()))
        .collect();
    for (id, code) in &ids {
        if let Some(reason) = plan_problem(&plan, id) {
            if single {
                return Err(AppError::field("dependencies", "cycle", reason));
            }
            plan = without(&plan, id);
            left_out.push(LeftOut {
                project_id: id.clone(),
                code: code.clone(),
                reason,
            });
        }
    }
    loop {
        if plan.projects.is_empty() {
            return Ok((plan, Vec::new(), Vec::new(), left_out));
        }
        match sched::run(&plan) {
            Ok((rows, conflicts)) => return Ok((plan, rows, conflicts, left_out)),
            Err(e) if plan.projects.len() == 1 => {
                if single {
                    return Err(plan_error(e));
                }
                let (p, _) = &plan.projects[0];
                left_out.push(LeftOut {
                    project_id: p.id.clone(),
                    code: p.code.clone(),
                    reason: e.to_string(),
                });
                plan = without(&plan, &p.id.clone());
            }
            Err(_) => {
                // Find the projects that fail on their own and leave them out.
                let mut bad = Vec::new();
                for (p, _) in &plan.projects {
                    let alone = part(&plan, |q| q == p.id);
                    if let Err(e) = sched::run(&alone) {
                        bad.push((p.id.clone(), p.code.clone(), e.to_string()));
                    }
                }
                if bad.is_empty() {
                    // Only together do they fail: nothing to blame on one project.
                    return sched::run(&plan)
                        .map(|(r, c)| (plan, r, c, left_out))
                        .map_err(plan_error);
                }
                for (id, code, reason) in bad {
                    plan = without(&plan, &id);
                    left_out.push(LeftOut {
                        project_id: id,
                        code,
                        reason,
                    });
                }
            }
        }
    }
}

/// Schedules the projects together (they share people) and stores the result with what
/// changed since the last run. Projects whose own plan is broken are left out and named.
/// Authorisation is the caller's (see [`Svc::schedule_project`]); `pso demo` calls this
/// directly. If a project's plan changes while the engine runs, nothing is stored and the error
/// is a conflict with code `plan_changed`.
pub async fn schedule_and_store(
    store: &Store,
    actor: &pso_store::Actor,
    projects: Vec<Project>,
) -> AppResult<PortfolioRun> {
    if projects.is_empty() {
        return Ok(PortfolioRun::default());
    }
    compute(store, projects).await?.store(store, actor).await
}

/// A scheduling run computed and not stored yet, with the plan versions it was computed from.
pub struct Computed {
    plan_versions: BTreeMap<String, i64>,
    batch: Vec<(String, Vec<TaskSchedule>, serde_json::Value)>,
    details: Vec<(String, usize, Vec<TaskChange>, Vec<String>)>,
    left_out: Vec<LeftOut>,
}

/// Reads the projects' plan versions, then their plans, and runs the engine (off the async
/// workers). The versions are read first: a change that lands between the two reads makes the
/// save refuse (a needless refusal at worst, never dates of an older plan stored as current).
pub async fn compute(store: &Store, projects: Vec<Project>) -> AppResult<Computed> {
    let ids: Vec<String> = projects.iter().map(|p| p.id.clone()).collect();
    let plan_versions = store.plan_versions(&ids).await?;
    let plan = plan_data(store, projects).await?;
    let (plan, rows, conflicts, left_out) =
        crate::blocking(move || run_leaving_out(plan)).await??;
    let names: BTreeMap<String, String> = plan
        .tasks
        .iter()
        .map(|t| (t.id.clone(), t.name.clone()))
        .collect();
    let mut by_project: BTreeMap<String, Vec<TaskSchedule>> = BTreeMap::new();
    for r in rows {
        by_project.entry(r.project_id.clone()).or_default().push(r);
    }
    let ids: Vec<String> = plan.projects.iter().map(|(p, _)| p.id.clone()).collect();
    let mut old_by_project: BTreeMap<String, Vec<TaskSchedule>> = BTreeMap::new();
    for r in store.schedules_of_projects(&ids).await? {
        old_by_project
            .entry(r.project_id.clone())
            .or_default()
            .push(r);
    }
    let mut batch = Vec::new();
    let mut details = Vec::new();
    for (p, _) in &plan.projects {
        let new = by_project.remove(&p.id).unwrap_or_default();
        let old = old_by_project.remove(&p.id).unwrap_or_default();
        let mut changes = sched::changes(&old, &new, &names);
        let changed = changes.len();
        changes.truncate(CHANGES_KEPT);
        let own: Vec<String> = conflicts
            .iter()
            .filter(|c| c.project_id == p.id)
            .map(|c| c.message.clone())
            .take(CHANGES_KEPT)
            .collect();
        let summary = json!({
            "tasks": new.len(),
            "changed": changed,
            "changes": changes,
            "conflicts": own,
            "portfolio": plan.projects.len() > 1,
        });
        details.push((p.id.clone(), changed, changes, own));
        batch.push((p.id.clone(), new, summary));
    }
    Ok(Computed {
        plan_versions,
        batch,
        details,
        left_out,
    })
}

impl Computed {
    /// Stores the run if no project's plan changed since [`compute`] read it; otherwise
    /// nothing, and a conflict with code `plan_changed`.
    pub async fn store(self, store: &Store, actor: &pso_store::Actor) -> AppResult<PortfolioRun> {
        if self.batch.is_empty() {
            return Ok(PortfolioRun {
                runs: Vec::new(),
                left_out: self.left_out,
            });
        }
        let runs = match store
            .save_schedules(actor, &self.batch, &self.plan_versions)
            .await
        {
            Err(pso_store::StoreError::Conflict { field, message }) if field == "plan_version" => {
                let mut e = AppError::new(ErrorKind::Conflict, "plan_changed", message.clone());
                e.errors.push(FieldError {
                    field,
                    code: "plan_changed".into(),
                    message,
                });
                return Err(e);
            }
            r => r?,
        };
        Ok(PortfolioRun {
            runs: runs
                .into_iter()
                .zip(self.details)
                .map(
                    |(run, (project_id, changed, changes, conflicts))| ProjectRun {
                        project_id,
                        run,
                        changed,
                        changes,
                        conflicts,
                    },
                )
                .collect(),
            left_out: self.left_out,
        })
    }
}

/// The weekly load of people, with the engine's proposals for the over-allocations.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LoadView {
    /// Person id → name.
    pub people: BTreeMap<String, String>,
    pub cells: Vec<LoadCell>,
    pub overloaded_cells: usize,
    /// Task moves that leveling the portfolio together would make.
    pub proposals: Vec<TaskChange>,
}

/// A baseline compared with the current schedule.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BaselineComparison {
    pub baseline: Baseline,
    pub items: Vec<Variance>,
}

/// A baseline's name: 1 to 100 characters after trimming.
pub fn baseline_name(name: &str) -> AppResult<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 {
        return Err(AppError::field(
            "name",
            "invalid_name",
            "a baseline name is 1 to 100 characters",
        ));
    }
    Ok(n.to_string())
}

impl Svc<'_> {
    /// Schedules the projects together and stores the result; the caller must already have
    /// been authorised to edit each of them.
    pub async fn schedule_projects(&self, projects: Vec<Project>) -> AppResult<PortfolioRun> {
        schedule_and_store(self.store(), &self.caller.actor(), projects).await
    }

    /// Schedules one project (the caller may edit it) and returns the run with the first page
    /// of the new dates.
    pub async fn schedule_project(&self, id: &str) -> AppResult<(ProjectRun, StoredSchedule)> {
        let p = self.project(id, ProjectAction::Edit).await?;
        let mut done = self.schedule_projects(vec![p]).await?;
        let run = done
            .runs
            .pop()
            .ok_or_else(|| AppError::internal("scheduling returned no run"))?;
        let page = self
            .stored_schedule(id, &crate::Paging::default_large())
            .await?;
        Ok((run, page))
    }

    /// Schedules and levels together every open project the caller may edit; projects whose
    /// own plan is broken are left out and named.
    /// A plan that changes while the engine runs (people keep working during a long portfolio
    /// run) makes it start again from the new plans, up to three times.
    pub async fn schedule_portfolio(&self) -> AppResult<PortfolioRun> {
        let mut tries = 0;
        loop {
            let projects = self.open_projects(ProjectAction::Edit).await?;
            match self.schedule_projects(projects).await {
                Err(e) if e.code == "plan_changed" && tries < 2 => tries += 1,
                r => return r,
            }
        }
    }

    /// Schedules as the caller may read them: an explanation that names a task of a project
    /// outside the caller's scope says "busy on another project" instead.
    pub async fn for_reader(&self, rows: Vec<TaskSchedule>) -> AppResult<Vec<TaskSchedule>> {
        let others: BTreeSet<String> = rows
            .iter()
            .filter_map(|r| r.why_project_id.clone())
            .collect();
        let mut readable = BTreeSet::new();
        for id in others {
            if let Some(p) = self.store().get_project(&id).await? {
                let r = self.project_ref(&p).await?;
                if self.caller.principal.can_project(ProjectAction::Read, &r) {
                    readable.insert(id);
                }
            }
        }
        Ok(rows
            .into_iter()
            .map(|r| r.for_reader(|p| readable.contains(p)))
            .collect())
    }

    /// One page of the stored schedule of a project the caller may read (by task id).
    pub async fn stored_schedule(&self, id: &str, p: &crate::Paging) -> AppResult<StoredSchedule> {
        self.project(id, ProjectAction::Read).await?;
        let page = self
            .store()
            .task_schedules_page(id, p.limit, p.cursor.as_deref())
            .await?;
        Ok(StoredSchedule {
            run: self.store().last_schedule_run(id).await?,
            tasks: self.for_reader(page.items).await?,
            next_cursor: page.next_cursor,
        })
    }

    /// Baselines of a project the caller may read.
    pub async fn list_baselines(&self, project_id: &str) -> AppResult<Vec<Baseline>> {
        self.project(project_id, ProjectAction::Read).await?;
        Ok(self.store().list_baselines(project_id).await?)
    }

    /// Saves the current schedule as a baseline (the caller may edit the project).
    pub async fn create_baseline(&self, project_id: &str, name: &str) -> AppResult<Baseline> {
        let name = baseline_name(name)?;
        self.project(project_id, ProjectAction::Edit).await?;
        Ok(self
            .store()
            .create_baseline(&self.caller.actor(), project_id, &name)
            .await?)
    }

    /// The current schedule against a baseline, in working days of the project's site.
    pub async fn compare_baseline(&self, baseline_id: &str) -> AppResult<BaselineComparison> {
        let b = self
            .store()
            .get_baseline(baseline_id)
            .await?
            .ok_or_else(AppError::not_found)?;
        let project = self.project(&b.project_id, ProjectAction::Read).await?;
        let base = self.store().baseline_tasks(baseline_id).await?;
        let current = self.store().task_schedules(&b.project_id).await?;
        let names = self
            .store()
            .all_tasks(&b.project_id)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
        let site = self
            .store()
            .get_site(&project.site_id)
            .await?
            .ok_or_else(|| AppError::internal("project without site"))?;
        let items = sched::compare(&current, &base, &names, &site);
        Ok(BaselineComparison { baseline: b, items })
    }

    /// Projects of the portfolio in the caller's scope for `action`, still open.
    pub async fn open_projects(&self, action: ProjectAction) -> AppResult<Vec<Project>> {
        let scope = self.caller.principal.project_scope(action);
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .store()
                .list_projects(&scope, &ProjectFilter::default(), 1000, cursor.as_deref())
                .await?;
            out.extend(
                page.items.into_iter().filter(|p| {
                    !matches!(p.status, ProjectStatus::Closed | ProjectStatus::Cancelled)
                }),
            );
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        Ok(out)
    }

    /// Weekly load of people over the projects the caller may read, with overloaded cells and
    /// the engine's proposal (the portfolio leveled together, not saved).
    pub async fn resource_load(&self, site_id: Option<&str>) -> AppResult<LoadView> {
        let projects = self.open_projects(ProjectAction::Read).await?;
        let ids: Vec<String> = projects.iter().map(|p| p.id.clone()).collect();
        let plan = plan_data(self.store(), projects).await?;
        let current = self.store().schedules_of_projects(&ids).await?;
        let person_ids: Vec<String> = plan.person_sites.keys().cloned().collect();
        let people: BTreeMap<String, pso_domain::model::Person> = self
            .store()
            .people_by_ids(&person_ids)
            .await?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        let site_filter = site_id.map(str::to_string);
        let people_sites: BTreeMap<String, String> = people
            .iter()
            .map(|(id, p)| (id.clone(), p.site_id.clone()))
            .collect();
        let (cells, proposals) = crate::blocking(move || {
            let keep = |pid: &str| {
                site_filter
                    .as_deref()
                    .is_none_or(|s| people_sites.get(pid).is_some_and(|p| p == s))
            };
            let cells: Vec<LoadCell> =
                sched::weekly_load(&current, &plan.tasks, &plan.assignments, &plan.person_sites)
                    .into_iter()
                    .filter(|c| keep(&c.person_id))
                    .collect();
            let over: Vec<&LoadCell> = cells
                .iter()
                .filter(|c| c.demand_hours > c.capacity_hours + 0.05)
                .collect();
            // Task names repeat across projects ("End-user training"): name the project too.
            let codes: BTreeMap<&str, &str> = plan
                .projects
                .iter()
                .map(|(p, _)| (p.id.as_str(), p.code.as_str()))
                .collect();
            let names: BTreeMap<String, String> = plan
                .tasks
                .iter()
                .map(|t| {
                    let code = codes.get(t.project_id.as_str()).copied().unwrap_or("");
                    (t.id.clone(), format!("{code} · {}", t.name))
                })
                .collect();
            let mut proposals = Vec::new();
            if !over.is_empty() && !plan.projects.is_empty() {
                if let Ok((leveled, _)) = sched::run(&plan) {
                    let involved: BTreeSet<&str> = over
                        .iter()
                        .flat_map(|c| c.task_ids.iter().map(String::as_str))
                        .collect();
                    proposals = sched::changes(&current, &leveled, &names)
                        .into_iter()
                        .filter(|c| involved.contains(c.task_id.as_str()))
                        .collect();
                }
            }
            (cells, proposals)
        })
        .await?;
        let overloaded_cells = cells
            .iter()
            .filter(|c| c.demand_hours > c.capacity_hours + 0.05)
            .count();
        let shown: BTreeMap<String, String> = people
            .iter()
            .filter(|(_, p)| site_id.is_none_or(|s| p.site_id == s))
            .map(|(id, p)| (id.clone(), p.name.clone()))
            .collect();
        Ok(LoadView {
            people: shown,
            cells,
            overloaded_cells,
            proposals,
        })
    }
}
