//! Scheduling in the product: run the `pso-schedule` engine on stored plans (one project or the
//! whole portfolio), store the computed dates, float and critical flags with what changed since
//! the last run, baselines and their comparison, the weekly resource load with the engine's
//! leveling proposals, and the Gantt page.
//!
//! Reads follow the same permission rules as everything else: a project's schedule is visible
//! to whoever may read the project; running the engine and saving baselines need the right to
//! edit it; the load view covers the projects the caller may read.

use crate::api::ApiJson;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::pages::{page, see_other, Chrome, Ctx};
use crate::service::Svc;
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pso_domain::access::ProjectAction;
use pso_domain::model::{Project, ProjectStatus, Task};
use pso_domain::schedule::{self as sched, LoadCell, PlanData, TaskChange, TaskSchedule};
use pso_report::{Gantt, GanttLink, GanttRow, Zoom};
use pso_store::ProjectFilter;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// The outcome of scheduling one project.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectRun {
    pub project_id: String,
    pub run: pso_domain::schedule::ScheduleRun,
    pub changes: Vec<TaskChange>,
    pub conflicts: Vec<String>,
}

/// Tasks in WBS order (depth-first by position) with their depth.
pub fn wbs_order(tasks: &[Task]) -> Vec<(usize, &Task)> {
    let mut children: BTreeMap<Option<&str>, Vec<&Task>> = BTreeMap::new();
    for t in tasks {
        children.entry(t.parent_id.as_deref()).or_default().push(t);
    }
    for v in children.values_mut() {
        v.sort_by(|a, b| a.position.cmp(&b.position).then(a.id.cmp(&b.id)));
    }
    let mut out = Vec::with_capacity(tasks.len());
    let mut stack: Vec<(usize, &Task)> = children
        .get(&None)
        .map(|v| v.iter().rev().map(|t| (0, *t)).collect())
        .unwrap_or_default();
    while let Some((d, t)) = stack.pop() {
        out.push((d, t));
        if out.len() > tasks.len() {
            break;
        }
        if let Some(kids) = children.get(&Some(t.id.as_str())) {
            stack.extend(kids.iter().rev().map(|k| (d + 1, *k)));
        }
    }
    out
}

/// Everything the engine needs about these projects.
pub async fn plan_data(store: &pso_store::Store, projects: Vec<Project>) -> ApiResult<PlanData> {
    let sites: BTreeMap<String, pso_domain::model::Site> = store
        .all_sites()
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let mut plan = PlanData::default();
    for p in projects {
        let site = sites
            .get(&p.site_id)
            .cloned()
            .ok_or_else(|| ApiError::internal("project without site"))?;
        plan.tasks.extend(store.all_tasks(&p.id).await?);
        plan.dependencies
            .extend(store.all_dependencies(&p.id).await?);
        plan.assignments
            .extend(store.project_assignments(&p.id).await?);
        plan.projects.push((p, site));
    }
    let mut people: Vec<String> = plan
        .assignments
        .iter()
        .map(|a| a.person_id.clone())
        .collect();
    people.sort();
    people.dedup();
    for id in people {
        if let Some(person) = store.get_person(&id).await? {
            if let Some(site) = sites.get(&person.site_id) {
                plan.person_sites.insert(id, site.clone());
            }
        }
    }
    Ok(plan)
}

/// Schedules the projects together (they share people) and stores the result with what
/// changed since the last run. Authorisation is the caller's (see [`Svc::schedule_projects`]);
/// `pso demo` calls this directly.
pub async fn schedule_and_store(
    store: &pso_store::Store,
    actor: &pso_store::Actor,
    projects: Vec<Project>,
) -> ApiResult<Vec<ProjectRun>> {
    if projects.is_empty() {
        return Ok(Vec::new());
    }
    let plan = plan_data(store, projects).await?;
    let (rows, conflicts) = sched::run(&plan).map_err(|e| match e {
        sched::PlanError::Engine(m) => ApiError::field("tasks", "cannot_schedule", m),
        other => ApiError::field("project", "cannot_schedule", other.to_string()),
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
    let mut batch = Vec::new();
    let mut details = Vec::new();
    for (p, _) in &plan.projects {
        let new = by_project.remove(&p.id).unwrap_or_default();
        let old = store.task_schedules(&p.id).await?;
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

impl Svc<'_> {
    async fn plan_data(&self, projects: Vec<Project>) -> ApiResult<PlanData> {
        plan_data(&self.state.store, projects).await
    }

    /// Schedules the projects together and stores the result; the caller must already have
    /// been authorised to edit each of them.
    pub async fn schedule_projects(&self, projects: Vec<Project>) -> ApiResult<Vec<ProjectRun>> {
        schedule_and_store(&self.state.store, &self.caller.actor(), projects).await
    }

    /// Projects of the portfolio in the caller's scope for `action`, still open.
    async fn open_projects(&self, action: ProjectAction) -> ApiResult<Vec<Project>> {
        let scope = self.caller.principal.project_scope(action);
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .state
                .store
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
    pub async fn resource_load(&self, site_id: Option<&str>) -> ApiResult<LoadView> {
        let projects = self.open_projects(ProjectAction::Read).await?;
        let plan = self.plan_data(projects.clone()).await?;
        let mut current = Vec::new();
        for (p, _) in &plan.projects {
            current.extend(self.state.store.task_schedules(&p.id).await?);
        }
        let cells =
            sched::weekly_load(&current, &plan.tasks, &plan.assignments, &plan.person_sites);
        let people: BTreeMap<String, pso_domain::model::Person> = {
            let mut m = BTreeMap::new();
            for id in plan.person_sites.keys() {
                if let Some(p) = self.state.store.get_person(id).await? {
                    m.insert(id.clone(), p);
                }
            }
            m
        };
        let keep =
            |pid: &str| site_id.is_none_or(|s| people.get(pid).is_some_and(|p| p.site_id == s));
        let cells: Vec<LoadCell> = cells.into_iter().filter(|c| keep(&c.person_id)).collect();
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
                let involved: std::collections::BTreeSet<&str> = over
                    .iter()
                    .flat_map(|c| c.task_ids.iter().map(String::as_str))
                    .collect();
                proposals = sched::changes(&current, &leveled, &names)
                    .into_iter()
                    .filter(|c| involved.contains(c.task_id.as_str()))
                    .collect();
            }
        }
        let over_count = over.len();
        let shown: BTreeMap<String, String> = people
            .iter()
            .filter(|(id, _)| keep(id))
            .map(|(id, p)| (id.clone(), p.name.clone()))
            .collect();
        Ok(LoadView {
            people: shown,
            cells,
            overloaded_cells: over_count,
            proposals,
        })
    }
}

/// The weekly load of people, with the engine's proposals for the over-allocations.
#[derive(Debug, Clone, Serialize)]
pub struct LoadView {
    /// Person id → name.
    pub people: BTreeMap<String, String>,
    pub cells: Vec<LoadCell>,
    pub overloaded_cells: usize,
    /// Task moves that leveling the portfolio together would make.
    pub proposals: Vec<TaskChange>,
}

// ---------------------------------------------------------------- API

async fn api_schedule_project(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let svc = Svc::new(&s, &c);
    let p = svc.project(&id, ProjectAction::Edit).await?;
    let mut runs = svc.schedule_projects(vec![p]).await?;
    let run = runs.pop().ok_or_else(|| ApiError::internal("no run"))?;
    let tasks = s.store.task_schedules(&id).await?;
    Ok(Json(json!({
        "run": run.run, "changes": run.changes, "conflicts": run.conflicts, "tasks": tasks
    }))
    .into_response())
}

async fn api_get_schedule(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Svc::new(&s, &c).project(&id, ProjectAction::Read).await?;
    let run = s.store.last_schedule_run(&id).await?;
    let tasks = s.store.task_schedules(&id).await?;
    Ok(Json(json!({ "run": run, "tasks": tasks })).into_response())
}

async fn api_schedule_portfolio(State(s): State<AppState>, c: Caller) -> ApiResult<Response> {
    let svc = Svc::new(&s, &c);
    let projects = svc.open_projects(ProjectAction::Edit).await?;
    let runs = svc.schedule_projects(projects).await?;
    let items: Vec<Value> = runs
        .iter()
        .map(|r| json!({"project_id": r.project_id, "run": r.run, "changed": r.changes.len()}))
        .collect();
    Ok(Json(json!({ "items": items, "next_cursor": null })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineInput {
    name: String,
}

async fn api_list_baselines(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Svc::new(&s, &c).project(&id, ProjectAction::Read).await?;
    let items = s.store.list_baselines(&id).await?;
    Ok(Json(json!({ "items": items, "next_cursor": null })).into_response())
}

fn baseline_name(name: &str) -> ApiResult<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 {
        return Err(ApiError::field(
            "name",
            "invalid_name",
            "a baseline name is 1 to 100 characters",
        ));
    }
    Ok(n.to_string())
}

async fn api_create_baseline(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson,
) -> ApiResult<Response> {
    let input: BaselineInput = crate::service::parse_input(body)?;
    Svc::new(&s, &c).project(&id, ProjectAction::Edit).await?;
    let b = s
        .store
        .create_baseline(&c.actor(), &id, &baseline_name(&input.name)?)
        .await?;
    Ok((StatusCode::CREATED, Json(b)).into_response())
}

async fn api_compare_baseline(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let b = s
        .store
        .get_baseline(&id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Svc::new(&s, &c)
        .project(&b.project_id, ProjectAction::Read)
        .await?;
    let base = s.store.baseline_tasks(&id).await?;
    let current = s.store.task_schedules(&b.project_id).await?;
    let names = s
        .store
        .all_tasks(&b.project_id)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let project = s
        .store
        .get_project(&b.project_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let site = s
        .store
        .get_site(&project.site_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let items = sched::compare(&current, &base, &names, &site);
    Ok(Json(json!({ "baseline": b, "items": items, "next_cursor": null })).into_response())
}

async fn api_resource_load(
    State(s): State<AppState>,
    c: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let view = Svc::new(&s, &c)
        .resource_load(
            q.get("site_id")
                .map(String::as_str)
                .filter(|s| !s.is_empty()),
        )
        .await?;
    Ok(Json(view).into_response())
}

/// API routes of scheduling (merged into the protected router).
pub fn api_router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/projects/{id}/schedule",
            get(api_get_schedule).post(api_schedule_project),
        )
        .route("/api/v1/portfolio/schedule", post(api_schedule_portfolio))
        .route(
            "/api/v1/projects/{id}/baselines",
            get(api_list_baselines).post(api_create_baseline),
        )
        .route(
            "/api/v1/baselines/{id}/comparison",
            get(api_compare_baseline),
        )
        .route("/api/v1/resource-load", get(api_resource_load))
}

// ---------------------------------------------------------------- pages

/// One line of the task table under the Gantt chart.
pub struct GanttLine {
    pub depth: usize,
    pub name: String,
    pub start: String,
    pub finish: String,
    pub float: String,
    pub critical: bool,
    pub group: bool,
    pub why: String,
    pub variance: String,
}

#[derive(Template)]
#[template(path = "schedule/gantt.html")]
struct GanttPage {
    chrome: Chrome,
    project: Project,
    svg: String,
    zoom: &'static str,
    lines: Vec<GanttLine>,
    can_edit: bool,
    last_run: Option<String>,
    changes: Vec<TaskChange>,
    conflicts: Vec<String>,
    baselines: Vec<pso_domain::schedule::Baseline>,
    baseline_id: String,
    time_zone: String,
}

fn local(s: &str) -> Option<chrono::NaiveDateTime> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.naive_local())
}

fn short(s: &str) -> String {
    local(s)
        .map(|t| t.format("%a %d %b %Y %H:%M").to_string())
        .unwrap_or_default()
}

async fn gantt_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match gantt_inner(&s, &ctx, &id, &q).await {
        Ok(r) => r,
        Err(e) => ctx.error(e),
    }
}

async fn gantt_inner(
    s: &AppState,
    ctx: &Ctx,
    id: &str,
    q: &HashMap<String, String>,
) -> ApiResult<Response> {
    let svc = Svc::new(s, &ctx.caller);
    let project = svc.project(id, ProjectAction::Read).await?;
    let r = s.store.project_ref(&project).await?;
    let can_edit = ctx.caller.principal.can_project(ProjectAction::Edit, &r);
    let zoom = q
        .get("zoom")
        .and_then(|z| Zoom::parse(z))
        .unwrap_or(Zoom::Week);
    let tasks = s.store.all_tasks(id).await?;
    let schedules: BTreeMap<String, TaskSchedule> = s
        .store
        .task_schedules(id)
        .await?
        .into_iter()
        .map(|t| (t.task_id.clone(), t))
        .collect();
    let baselines = s.store.list_baselines(id).await?;
    let baseline_id = q.get("baseline").cloned().unwrap_or_default();
    let base: BTreeMap<String, pso_domain::schedule::BaselineTask> =
        match baselines.iter().find(|b| b.id == baseline_id) {
            Some(b) => s
                .store
                .baseline_tasks(&b.id)
                .await?
                .into_iter()
                .map(|t| (t.task_id.clone(), t))
                .collect(),
            None => BTreeMap::new(),
        };
    let site = s
        .store
        .get_site(&project.site_id)
        .await?
        .ok_or_else(|| ApiError::internal("project without site"))?;
    let site_ref = &site;
    let time_zone = site.time_zone.clone();
    let tz: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::UTC);
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let order = wbs_order(&tasks);
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    let mut row_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (depth, t) in &order {
        let Some(sc) = schedules.get(&t.id) else {
            continue;
        };
        let (Some(a), Some(b)) = (local(&sc.start), local(&sc.finish)) else {
            continue;
        };
        let bl = base.get(&t.id);
        let variance = match bl {
            Some(bt) => {
                let v = sched::compare(
                    std::slice::from_ref(sc),
                    std::slice::from_ref(bt),
                    &BTreeMap::new(),
                    site_ref,
                );
                match v.first().and_then(|v| v.finish_variance_days) {
                    Some(d) if d.abs() < 0.01 => "on plan".to_string(),
                    Some(d) => format!("{d:+.1} working days"),
                    None => String::new(),
                }
            }
            None if !base.is_empty() => "new".to_string(),
            None => String::new(),
        };
        row_of.insert(t.id.as_str(), rows.len());
        rows.push(GanttRow {
            label: t.name.clone(),
            depth: *depth,
            start: a,
            finish: b,
            group: sc.group,
            milestone: t.milestone,
            critical: sc.critical,
            baseline: bl.and_then(|b| Some((local(&b.start)?, local(&b.finish)?))),
            tooltip: format!(
                "{} — {} to {}; total float {:.1} h; {}",
                t.name,
                short(&sc.start),
                short(&sc.finish),
                sc.total_float_hours,
                sc.why
            ),
        });
        lines.push(GanttLine {
            depth: *depth,
            name: t.name.clone(),
            start: short(&sc.start),
            finish: short(&sc.finish),
            float: format!("{:.1} h", sc.total_float_hours),
            critical: sc.critical && !sc.group,
            group: sc.group,
            why: sc.why.clone(),
            variance,
        });
    }
    let links = s
        .store
        .all_dependencies(id)
        .await?
        .iter()
        .filter_map(|d| {
            Some(GanttLink {
                from: *row_of.get(d.predecessor_id.as_str())?,
                to: *row_of.get(d.successor_id.as_str())?,
                kind: d.dep_type.as_str(),
            })
        })
        .collect();
    let svg = pso_report::gantt_svg(&Gantt {
        rows,
        links,
        today: Some(today),
        zoom,
    });
    let run = s.store.last_schedule_run(id).await?;
    let (changes, conflicts) = match &run {
        Some(r) => (
            serde_json::from_value(r.summary["changes"].clone()).unwrap_or_default(),
            serde_json::from_value(r.summary["conflicts"].clone()).unwrap_or_default(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let t = GanttPage {
        chrome: ctx.chrome(format!("Gantt · {}", project.code), "portfolio"),
        svg,
        zoom: zoom.as_str(),
        lines,
        can_edit,
        last_run: run.map(|r| {
            format!(
                "{} UTC by {}",
                r.at.get(..16).unwrap_or(&r.at).replace('T', " "),
                r.actor
            )
        }),
        changes,
        conflicts,
        baselines,
        baseline_id,
        time_zone,
        project,
    };
    Ok(page(StatusCode::OK, &t))
}

async fn page_schedule(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let svc = Svc::new(&s, &ctx.caller);
    let r = async {
        let p = svc.project(&id, ProjectAction::Edit).await?;
        svc.schedule_projects(vec![p]).await
    }
    .await;
    match r {
        Ok(_) => see_other(&format!("/projects/{id}/gantt")),
        Err(e) => ctx.error(e),
    }
}

#[derive(Deserialize)]
struct BaselineForm {
    name: String,
}

async fn page_baseline(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<BaselineForm>,
) -> Response {
    let svc = Svc::new(&s, &ctx.caller);
    let r = async {
        svc.project(&id, ProjectAction::Edit).await?;
        let b = s
            .store
            .create_baseline(&ctx.caller.actor(), &id, &baseline_name(&f.name)?)
            .await?;
        Ok::<_, ApiError>(b)
    }
    .await;
    match r {
        Ok(b) => see_other(&format!("/projects/{id}/gantt?baseline={}", b.id)),
        Err(e) => ctx.error(e),
    }
}

/// A row of the load heatmap.
pub struct LoadRow {
    pub name: String,
    pub cells: Vec<(String, &'static str, String)>,
}

#[derive(Template)]
#[template(path = "schedule/load.html")]
struct LoadPage {
    chrome: Chrome,
    weeks: Vec<String>,
    rows: Vec<LoadRow>,
    overloaded: usize,
    proposals: Vec<TaskChange>,
    sites: Vec<pso_domain::model::Site>,
    site_id: String,
    can_level: bool,
}

async fn load_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let site_id = q.get("site_id").cloned().unwrap_or_default();
    let r = async {
        let view = Svc::new(&s, &ctx.caller)
            .resource_load(Some(site_id.as_str()).filter(|x| !x.is_empty()))
            .await?;
        let sites = s.store.all_sites().await?;
        Ok::<_, ApiError>((view, sites))
    }
    .await;
    let (view, sites) = match r {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    // The next 16 weeks from this one, plus any earlier overloaded week.
    let this_monday = {
        let d = chrono::Utc::now().date_naive();
        d.week(chrono::Weekday::Mon).first_day()
    };
    let mut weeks: Vec<String> = (0..16)
        .map(|i| (this_monday + chrono::Duration::weeks(i)).to_string())
        .collect();
    for c in &view.cells {
        if c.demand_hours > c.capacity_hours + 0.05 && !weeks.contains(&c.week) {
            weeks.push(c.week.clone());
        }
    }
    weeks.sort();
    let mut by: BTreeMap<(&str, &str), &LoadCell> = BTreeMap::new();
    for c in &view.cells {
        by.insert((c.person_id.as_str(), c.week.as_str()), c);
    }
    let mut rows: Vec<LoadRow> = view
        .people
        .iter()
        .map(|(id, name)| LoadRow {
            name: name.clone(),
            cells: weeks
                .iter()
                .map(|w| match by.get(&(id.as_str(), w.as_str())) {
                    Some(c) => {
                        let ratio = c.demand_hours / c.capacity_hours.max(0.1);
                        let class = if ratio > 1.0 + 1e-6 {
                            "load-over"
                        } else if ratio >= 0.8 {
                            "load-high"
                        } else {
                            "load-ok"
                        };
                        (
                            format!("{:.0}", c.demand_hours),
                            class,
                            format!("{:.1} h of {:.1} h", c.demand_hours, c.capacity_hours),
                        )
                    }
                    None => (String::new(), "load-none", String::new()),
                })
                .collect(),
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let can_level = ctx.caller.principal.may_create_projects()
        || !ctx
            .caller
            .principal
            .project_scope(ProjectAction::Edit)
            .is_empty();
    let t = LoadPage {
        chrome: ctx.chrome("Resource load", "load"),
        weeks: weeks
            .iter()
            .map(|w| w.get(5..).unwrap_or(w).to_string())
            .collect(),
        rows,
        overloaded: view.overloaded_cells,
        proposals: view.proposals,
        sites,
        site_id,
        can_level,
    };
    page(StatusCode::OK, &t)
}

async fn page_level_portfolio(State(s): State<AppState>, ctx: Ctx) -> Response {
    let svc = Svc::new(&s, &ctx.caller);
    let r = async {
        let projects = svc.open_projects(ProjectAction::Edit).await?;
        svc.schedule_projects(projects).await
    }
    .await;
    match r {
        Ok(_) => see_other("/resources/load"),
        Err(e) => ctx.error(e),
    }
}

/// Page routes of scheduling.
pub fn page_router() -> Router<AppState> {
    Router::new()
        .route("/projects/{id}/gantt", get(gantt_page))
        .route("/projects/{id}/schedule", post(page_schedule))
        .route("/projects/{id}/baselines", post(page_baseline))
        .route("/resources/load", get(load_page))
        .route("/resources/level", post(page_level_portfolio))
}
