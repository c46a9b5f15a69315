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
    /// How many tasks moved (the first 1,000 are listed in `changes`).
    pub changed: usize,
    pub changes: Vec<TaskChange>,
    /// Resource conflicts the engine could not resolve, in words.
    pub conflicts: Vec<String>,
    /// The first page of the new dates (`GET .../schedule?cursor=` for the rest).
    pub tasks: Vec<TaskSchedule>,
    pub next_cursor: Option<String>,
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
    let (run, page) = Svc::new(&s, &c).schedule_project(&id).await?;
    Ok(Json(ScheduleResult {
        run: run.run,
        changed: run.changed,
        changes: run.changes,
        conflicts: run.conflicts,
        tasks: page.tasks,
        next_cursor: page.next_cursor,
    })
    .into_response())
}

/// The stored schedule, its tasks paged (`limit`, `cursor`) so a large plan is never sent whole.
async fn api_get_schedule(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let p = crate::api::paging(&q)?;
    let mut p = p;
    if !q.contains_key("limit") {
        p.limit = 1000;
    }
    Ok(Json(Svc::new(&s, &c).stored_schedule(&id, &p).await?).into_response())
}

/// Submits scheduling and leveling of the portfolio as a job (`202 Accepted`).
async fn api_schedule_portfolio(State(s): State<AppState>, c: Caller) -> ApiResult<Response> {
    let job = Svc::new(&s, &c).submit_portfolio_schedule().await?;
    Ok(crate::jobs::accepted(&job))
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
    let svc = Svc::new(&s, &c);
    svc.project(&id, ProjectAction::Edit).await?;
    let input: BaselineInput = crate::service::parse_input(body)?;
    let b = svc.create_baseline(&id, &input.name).await?;
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
    /// How many tasks the last run changed (only the first few are listed).
    changed: usize,
    /// The plan is shown whole; otherwise a window of `total` tasks.
    whole: bool,
    total: i64,
    /// The dates drawn, and the links to the earlier and later ones.
    shown_dates: String,
    earlier: Option<String>,
    later: Option<String>,
    /// The next rows of a large plan.
    next_rows: Option<String>,
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

/// Most changes of the last run listed on the page (the rest are counted).
const CHANGES_SHOWN: usize = 50;

async fn gantt_inner(
    s: &AppState,
    ctx: &Ctx,
    id: &str,
    q: &HashMap<String, String>,
) -> ApiResult<Response> {
    let svc = Svc::new(s, &ctx.caller);
    let req = crate::pages::project::window_request(q);
    // The rows: the same window of the WBS as the plan page (bounded whatever the plan's size).
    let w = svc.plan_window(id, &req).await?;
    let project = w.project.clone();
    let r = s.store.project_ref(&project).await?;
    let can_edit = ctx.caller.principal.can_project(ProjectAction::Edit, &r);
    let zoom = q
        .get("zoom")
        .and_then(|z| Zoom::parse(z))
        .unwrap_or(Zoom::Week);
    let ids: Vec<String> = w.rows.iter().map(|r| r.task.id.clone()).collect();
    let schedules: BTreeMap<String, TaskSchedule> = svc
        .for_reader(s.store.schedules_of_tasks(&ids).await?)
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
                .baseline_tasks_of(&b.id, &ids)
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
    // Progress bars and the status date line.
    let progress: BTreeMap<String, pso_store::sheet::TaskProgress> = s
        .store
        .task_progress(id)
        .await?
        .into_iter()
        .map(|p| (p.task_id.clone(), p))
        .collect();
    let status_date = s
        .store
        .status_dates(std::slice::from_ref(&project.id))
        .await?
        .pop()
        .and_then(|(_, d)| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    let mut row_of: BTreeMap<&str, usize> = BTreeMap::new();
    for wr in &w.rows {
        let (t, depth) = (&wr.task, wr.depth);
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
            depth,
            start: a,
            finish: b,
            group: sc.group,
            milestone: t.milestone,
            critical: sc.critical,
            progress: progress
                .get(t.id.as_str())
                .map(|p| p.percent_complete.clamp(0, 100) as u8),
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
            depth,
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
        .dependencies_into(&ids)
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
    // The dates: one screen at this zoom, from `from` (default: the first bar shown).
    let first = rows.iter().map(|r| r.start.date()).min();
    let last = rows.iter().map(|r| r.finish.date()).max();
    let span = chrono::Duration::days(zoom.window_days());
    let from = q
        .get("from")
        .and_then(|f| chrono::NaiveDate::parse_from_str(f, "%Y-%m-%d").ok())
        .or(first.map(|d| d - chrono::Duration::days(3)));
    let window = from.map(|f| (f, f + span));
    let dates = DateNav::new(window, first, last, span);
    let svg = pso_report::gantt_svg(&Gantt {
        rows,
        links,
        today: Some(today),
        status_date,
        zoom,
        window,
    });
    let run = s.store.last_schedule_run(id).await?;
    let (changes, changed, conflicts): (Vec<TaskChange>, usize, Vec<String>) = match &run {
        Some(r) => {
            let all: Vec<TaskChange> =
                serde_json::from_value(r.summary["changes"].clone()).unwrap_or_default();
            let changed = r.summary["changed"].as_u64().unwrap_or(all.len() as u64) as usize;
            (
                all.into_iter().take(CHANGES_SHOWN).collect(),
                changed,
                serde_json::from_value(r.summary["conflicts"].clone()).unwrap_or_default(),
            )
        }
        None => (Vec::new(), 0, Vec::new()),
    };
    let base_query = |extra: &str| {
        let mut kv: Vec<(&str, String)> = vec![
            ("zoom", zoom.as_str().to_string()),
            ("baseline", baseline_id.clone()),
            ("level", w.level.to_string()),
        ];
        let open: Vec<&str> = w.open.iter().map(String::as_str).collect();
        if !open.is_empty() {
            kv.push(("open", open.join(",")));
        }
        if let Some(a) = &req.after {
            kv.push(("after", a.clone()));
        }
        let kv: Vec<(&str, &str)> = kv.iter().map(|(k, v)| (*k, v.as_str())).collect();
        format!("?{}{extra}", crate::pages::query_string(&kv))
    };
    let earlier = dates.earlier.map(|d| base_query(&format!("&from={d}")));
    let later = dates.later.map(|d| base_query(&format!("&from={d}")));
    let next_rows = w.next_after.as_deref().map(|a| {
        let mut q = base_query("");
        if let Some(prev) = &req.after {
            q = q.replace(&format!("after={prev}"), "");
        }
        format!("{q}&after={a}")
    });
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
        changed,
        changes,
        conflicts,
        baselines,
        baseline_id: baseline_id.clone(),
        time_zone,
        whole: w.whole,
        total: w.total,
        shown_dates: window
            .map(|(a, b)| format!("{a} to {b}"))
            .unwrap_or_default(),
        earlier,
        later,
        next_rows,
        project,
    };
    Ok(page(StatusCode::OK, &t))
}

/// The links that move the Gantt's date window.
struct DateNav {
    earlier: Option<chrono::NaiveDate>,
    later: Option<chrono::NaiveDate>,
}

impl DateNav {
    fn new(
        window: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
        first: Option<chrono::NaiveDate>,
        last: Option<chrono::NaiveDate>,
        span: chrono::Duration,
    ) -> Self {
        match (window, first, last) {
            (Some((a, b)), Some(f), Some(l)) => DateNav {
                earlier: (a > f).then(|| a - span),
                later: (b < l).then_some(b),
            },
            _ => DateNav {
                earlier: None,
                later: None,
            },
        }
    }
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
    // A job: the page that follows it links back to the load when it is done.
    let svc = Svc::new(&s, &ctx.caller);
    match svc
        .submit_portfolio_schedule()
        .await
        .map_err(ApiError::from)
    {
        Ok(job) => see_other(&format!("/jobs/{}", job.id)),
        Err(e) => ctx.error(e),
    }
}

/// Page routes of scheduling.
pub fn page_table() -> crate::pages::PageTable {
    crate::pages::PageTable::default()
        .route("/projects/{id}/gantt", &["get"], get(gantt_page))
        .route("/projects/{id}/schedule", &["post"], post(page_schedule))
        .route("/projects/{id}/baselines", &["post"], post(page_baseline))
        .route("/resources/load", &["get"], get(load_page))
        .route("/resources/level", &["post"], post(page_level_portfolio))
}
