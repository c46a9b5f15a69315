//! Scheduling on the web: the API routes and pages over `pso_app::schedule` (running the
//! engine, stored schedules, baselines, resource load) and the Gantt page.

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
use pso_domain::model::Project;
use pso_domain::plan::wbs_order;
use pso_domain::schedule::{self as sched, LoadCell, ScheduleRun, TaskChange, TaskSchedule};
use pso_report::{Gantt, GanttLink, GanttRow, Zoom};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

pub use pso_app::schedule::{LoadView, ProjectRun};

// ---------------------------------------------------------------- API

/// `POST /api/v1/projects/{id}/schedule`: the run, what it changed, and every task's dates.
#[derive(Serialize, JsonSchema)]
pub struct ScheduleResult {
    pub run: ScheduleRun,
    pub changes: Vec<TaskChange>,
    /// Resource conflicts the engine could not resolve, in words.
    pub conflicts: Vec<String>,
    pub tasks: Vec<TaskSchedule>,
}

/// One project of `POST /api/v1/portfolio/schedule`.
#[derive(Serialize, JsonSchema)]
pub struct PortfolioRun {
    pub project_id: String,
    pub run: ScheduleRun,
    /// How many tasks moved.
    pub changed: usize,
}

async fn api_schedule_project(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (run, tasks) = Svc::new(&s, &c).schedule_project(&id).await?;
    Ok(Json(ScheduleResult {
        run: run.run,
        changes: run.changes,
        conflicts: run.conflicts,
        tasks,
    })
    .into_response())
}

async fn api_get_schedule(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(Json(Svc::new(&s, &c).stored_schedule(&id).await?).into_response())
}

async fn api_schedule_portfolio(State(s): State<AppState>, c: Caller) -> ApiResult<Response> {
    let runs = Svc::new(&s, &c).schedule_portfolio().await?;
    let items: Vec<PortfolioRun> = runs
        .into_iter()
        .map(|r| PortfolioRun {
            changed: r.changes.len(),
            project_id: r.project_id,
            run: r.run,
        })
        .collect();
    Ok(Json(json!({ "items": items, "next_cursor": null })).into_response())
}

/// The body of `POST /api/v1/projects/{id}/baselines`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BaselineInput {
    #[schemars(schema_with = "baseline_name")]
    pub name: String,
}

fn baseline_name(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    pso_domain::schema::label(100)
}

async fn api_list_baselines(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let items = Svc::new(&s, &c).list_baselines(&id).await?;
    Ok(Json(json!({ "items": items, "next_cursor": null })).into_response())
}

async fn api_create_baseline(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson,
) -> ApiResult<Response> {
    let input: BaselineInput = crate::service::parse_input(body)?;
    let b = Svc::new(&s, &c).create_baseline(&id, &input.name).await?;
    Ok((StatusCode::CREATED, Json(b)).into_response())
}

async fn api_compare_baseline(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let cmp = Svc::new(&s, &c).compare_baseline(&id).await?;
    Ok(
        Json(json!({ "baseline": cmp.baseline, "items": cmp.items, "next_cursor": null }))
            .into_response(),
    )
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
    match svc.schedule_project(&id).await.map_err(ApiError::from) {
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
    match svc
        .create_baseline(&id, &f.name)
        .await
        .map_err(ApiError::from)
    {
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
    match svc.schedule_portfolio().await.map_err(ApiError::from) {
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
