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

use crate::error::{AppError, AppResult};
use crate::service::Svc;
use pso_domain::access::ProjectAction;
use pso_domain::model::{Project, ProjectStatus};
use pso_domain::schedule::{
    self as sched, Baseline, LoadCell, PlanData, ScheduleRun, TaskChange, TaskSchedule, Variance,
};
use pso_store::{ProjectFilter, Store};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// The outcome of scheduling one project.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProjectRun {
    pub project_id: String,
    pub run: ScheduleRun,
    pub changes: Vec<TaskChange>,
    pub conflicts: Vec<String>,
}

/// A project's stored schedule: the last run and every task's dates.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StoredSchedule {
    pub run: Option<ScheduleRun>,
    pub tasks: Vec<TaskSchedule>,
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
    Ok(plan)
}

/// Schedules the projects together (they share people) and stores the result with what
/// changed since the last run. Authorisation is the caller's (see [`Svc::schedule_project`]);
/// `pso demo` calls this directly.
pub async fn schedule_and_store(
    store: &Store,
    actor: &pso_store::Actor,
    projects: Vec<Project>,
) -> AppResult<Vec<ProjectRun>> {
    if projects.is_empty() {
        return Ok(Vec::new());
    }
    let plan = plan_data(store, projects).await?;
    let (plan, result) = crate::blocking(move || {
        let r = sched::run(&plan);
        (plan, r)
    })
    .await?;
    let (rows, conflicts) = result.map_err(|e| match e {
        sched::PlanError::Engine(m) => AppError::field("tasks", "cannot_schedule", m),
        other => AppError::field("project", "cannot_schedule", other.to_string()),
    })?;
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
        let changes = sched::changes(&old, &new, &names);
        let summary = json!({
            "tasks": new.len(),
            "changed": changes.len(),
            "changes": changes,
            "conflicts": conflicts,
            "portfolio": plan.projects.len() > 1,
        });
        details.push((p.id.clone(), changes, conflicts.clone()));
        batch.push((p.id.clone(), new, summary));
    }
    let runs = store.save_schedules(actor, &batch).await?;
    Ok(runs
        .into_iter()
        .zip(details)
        .map(|(run, (project_id, changes, conflicts))| ProjectRun {
            project_id,
            run,
            changes,
            conflicts,
        })
        .collect())
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
    pub async fn schedule_projects(&self, projects: Vec<Project>) -> AppResult<Vec<ProjectRun>> {
        schedule_and_store(self.store(), &self.caller.actor(), projects).await
    }

    /// Schedules one project (the caller may edit it) and returns the run with the new dates.
    pub async fn schedule_project(&self, id: &str) -> AppResult<(ProjectRun, Vec<TaskSchedule>)> {
        let p = self.project(id, ProjectAction::Edit).await?;
        let mut runs = self.schedule_projects(vec![p]).await?;
        let run = runs
            .pop()
            .ok_or_else(|| AppError::internal("scheduling returned no run"))?;
        let tasks = self.store().task_schedules(id).await?;
        Ok((run, tasks))
    }

    /// Schedules and levels together every open project the caller may edit.
    pub async fn schedule_portfolio(&self) -> AppResult<Vec<ProjectRun>> {
        let projects = self.open_projects(ProjectAction::Edit).await?;
        self.schedule_projects(projects).await
    }

    /// The stored schedule of a project the caller may read.
    pub async fn stored_schedule(&self, id: &str) -> AppResult<StoredSchedule> {
        self.project(id, ProjectAction::Read).await?;
        Ok(StoredSchedule {
            run: self.store().last_schedule_run(id).await?,
            tasks: self.store().task_schedules(id).await?,
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
