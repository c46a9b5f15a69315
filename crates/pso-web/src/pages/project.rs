//! The project page: overview (with its edit form), the editable WBS tree and dependencies, and
//! the project's audit history.

use super::portfolio::{project_json, statuses, Directory, Opt, PROJECT_FIELDS};
use super::{
    fragment, num, page, query_string, readable_time, see_other, Chrome, Ctx, FormState, RawForm,
};
use crate::api::paging;
use crate::error::ApiError;
use crate::service::{parse_input, Svc};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use pso_app::plan_view::WindowRequest;
use pso_domain::access::ProjectAction;
use pso_domain::model::{AuditEvent, DependencyInput, Project, Task, TaskInput};
use pso_domain::plan::WbsMove;
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

// ---------------------------------------------------------------- view models

pub struct ProjectView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub description: String,
    pub site: String,
    pub unit: String,
    pub manager: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub priority: i64,
    pub start: String,
    pub version: i64,
    pub updated: String,
}

pub struct WbsRow {
    pub id: String,
    pub version: i64,
    pub wbs: String,
    pub name: String,
    /// Depth class (0–8) for the indentation.
    pub depth: usize,
    pub summary: bool,
    pub milestone: bool,
    pub length: String,
    pub duration: String,
    pub effort: String,
    pub can_indent: bool,
    pub can_outdent: bool,
    pub is_last: bool,
    /// Predecessors in MS Project's notation: `1.2, 3.1SS+2d`.
    pub preds: String,
    /// Assigned people (`Name`, or `Name 50%` below full time).
    pub resources: String,
    /// On a large plan: the link that opens or closes this summary task.
    pub toggle: Option<String>,
    /// Its subtasks are shown.
    pub open: bool,
    /// Number of subtasks.
    pub children: i64,
}

pub struct DepRow {
    pub id: String,
    pub version: i64,
    pub predecessor: String,
    pub successor: String,
    pub kind: &'static str,
    pub lag: String,
}

/// How a large plan is windowed on the page (rows shown, links to move the window).
pub struct WindowNav {
    /// Tasks in the whole plan.
    pub total: i64,
    pub whole: bool,
    /// "Rows 201–400" style position, for large plans.
    pub first_row_label: String,
    pub next: Option<String>,
    pub top: String,
    /// (level, link, current)
    pub levels: Vec<(usize, String, bool)>,
}

#[derive(Template)]
#[template(path = "project_plan.html")]
struct PlanPartial {
    pid: String,
    csrf: String,
    can_edit: bool,
    nav: WindowNav,
    rows: Vec<WbsRow>,
    deps: Vec<DepRow>,
    tf: FormState,
    df: FormState,
    row_error: Option<String>,
    notice: Option<String>,
    focus_add: bool,
    dep_types: [&'static str; 4],
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    chrome: Chrome,
    p: ProjectView,
    can_edit: bool,
    can_manage: bool,
    edit: FormState,
    sites: Vec<Opt>,
    units: Vec<Opt>,
    people: Vec<Opt>,
    people_total: i64,
    statuses: Vec<(&'static str, &'static str)>,
    plan: String,
}

/// What the plan section shows besides the plan itself (a failed form, a notice).
#[derive(Default)]
pub struct PlanState {
    pub tf: FormState,
    pub df: FormState,
    pub row_error: Option<String>,
    pub notice: Option<String>,
    pub focus_add: bool,
    /// The tasks of a refused cycle, in order.
    pub cycle: Vec<String>,
    /// Which part of a large plan to show.
    pub window: WindowRequest,
}

fn length_of(t: &Task) -> String {
    if t.milestone {
        "Milestone".into()
    } else if let Some(d) = t.duration_days {
        format!("{} d", num(d))
    } else if let Some(h) = t.effort_hours {
        format!("{} h effort", num(h))
    } else {
        "—".into()
    }
}

/// The query string of a window request (`open`, `level`, `after`).
pub fn window_query(
    pid: &str,
    open: &BTreeSet<String>,
    level: usize,
    after: Option<&str>,
) -> String {
    let open: Vec<&str> = open.iter().map(String::as_str).collect();
    let open = open.join(",");
    let level = level.to_string();
    let mut kv: Vec<(&str, &str)> = Vec::new();
    if !open.is_empty() {
        kv.push(("open", &open));
    }
    kv.push(("level", &level));
    if let Some(a) = after {
        kv.push(("after", a));
    }
    format!("/projects/{pid}?{}#plan", query_string(&kv))
}

/// Reads a window request from the page's query (`open=id,id`, `level=N`, `after=id`).
pub fn window_request(q: &HashMap<String, String>) -> WindowRequest {
    WindowRequest {
        after: q.get("after").filter(|a| !a.is_empty()).cloned(),
        open: q
            .get("open")
            .map(|o| {
                o.split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .take(pso_app::plan_view::MAX_OPEN)
                    .collect()
            })
            .unwrap_or_default(),
        level: q.get("level").and_then(|l| l.parse().ok()),
    }
}

async fn can(state: &AppState, ctx: &Ctx, p: &Project) -> Result<(bool, bool), ApiError> {
    let r = state.store.project_ref(p).await?;
    let who = &ctx.caller.principal;
    Ok((
        who.can_project(ProjectAction::Edit, &r),
        who.can_project(ProjectAction::Manage, &r),
    ))
}

async fn plan_partial(
    state: &AppState,
    ctx: &Ctx,
    p: &Project,
    can_edit: bool,
    ps: PlanState,
) -> Result<PlanPartial, ApiError> {
    let svc = Svc::new(state, &ctx.caller);
    let w = svc.plan_window(&p.id, &ps.window).await?;
    let ids: Vec<String> = w.rows.iter().map(|r| r.task.id.clone()).collect();
    let deps = state.store.dependencies_into(&ids).await?;
    let assignments = state.store.assignments_of_tasks(&ids).await?;
    let mut rows: Vec<WbsRow> = w
        .rows
        .iter()
        .map(|r| {
            let t = &r.task;
            let summary = r.children > 0;
            let toggle = (!w.whole && summary).then(|| {
                let mut open = w.open.clone();
                if r.open {
                    open.remove(&t.id);
                } else {
                    open.insert(t.id.clone());
                }
                window_query(&p.id, &open, w.level, ps.window.after.as_deref())
            });
            WbsRow {
                id: t.id.clone(),
                version: t.version,
                wbs: r.wbs.clone(),
                name: t.name.clone(),
                depth: r.depth.min(8),
                summary,
                milestone: t.milestone,
                length: if summary { String::new() } else { length_of(t) },
                duration: t.duration_days.map(num).unwrap_or_default(),
                effort: t.effort_hours.map(num).unwrap_or_default(),
                can_indent: r.has_prev,
                can_outdent: r.depth > 0,
                is_last: r.is_last,
                preds: String::new(),
                resources: String::new(),
                toggle,
                open: r.open,
                children: r.children,
            }
        })
        .collect();
    // Predecessors outside the window are named rather than numbered.
    let mut wbs_of: HashMap<String, String> =
        rows.iter().map(|r| (r.id.clone(), r.wbs.clone())).collect();
    let outside: Vec<String> = deps
        .iter()
        .filter(|d| !wbs_of.contains_key(&d.predecessor_id))
        .map(|d| d.predecessor_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut names_outside: HashMap<String, String> = HashMap::new();
    for t in state.store.tasks_by_ids(&outside).await? {
        names_outside.insert(t.id.clone(), t.name.clone());
        wbs_of.insert(t.id, format!("“{}”", t.name));
    }
    let mut preds: HashMap<&str, Vec<String>> = HashMap::new();
    for d in &deps {
        let mut s = wbs_of
            .get(d.predecessor_id.as_str())
            .cloned()
            .unwrap_or_default();
        if d.dep_type.as_str() != "FS" || d.lag_days != 0.0 {
            s.push_str(d.dep_type.as_str());
        }
        if d.lag_days > 0.0 {
            s.push_str(&format!("+{}d", num(d.lag_days)));
        } else if d.lag_days < 0.0 {
            s.push_str(&format!("−{}d", num(-d.lag_days)));
        }
        preds.entry(d.successor_id.as_str()).or_default().push(s);
    }
    let person_ids: Vec<String> = assignments
        .iter()
        .map(|a| a.person_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let people: HashMap<String, String> = state
        .store
        .people_by_ids(&person_ids)
        .await?
        .into_iter()
        .map(|x| (x.id, x.name))
        .collect();
    let mut resources: HashMap<&str, Vec<String>> = HashMap::new();
    for a in &assignments {
        let name = people
            .get(&a.person_id)
            .cloned()
            .unwrap_or_else(|| "?".into());
        let label = if (a.units - 1.0).abs() < 1e-9 {
            name
        } else {
            format!("{name} {}%", num(a.units * 100.0))
        };
        resources.entry(a.task_id.as_str()).or_default().push(label);
    }
    for r in &mut rows {
        if let Some(p) = preds.get(r.id.as_str()) {
            r.preds = p.join(", ");
        }
        if let Some(x) = resources.get(r.id.as_str()) {
            r.resources = x.join(", ");
        }
    }
    let nav = WindowNav {
        total: w.total,
        whole: w.whole,
        first_row_label: rows.first().map(|r| r.wbs.clone()).unwrap_or_default(),
        next: w
            .next_after
            .as_deref()
            .map(|a| window_query(&p.id, &w.open, w.level, Some(a))),
        top: window_query(&p.id, &w.open, w.level, None),
        levels: (1..=4)
            .map(|l| {
                (
                    l,
                    window_query(&p.id, &BTreeSet::new(), l, None),
                    l == w.level,
                )
            })
            .collect(),
    };
    let label = |id: &str| {
        rows.iter()
            .find(|r| r.id == id)
            .map(|r| format!("{} {}", r.wbs, r.name))
            .or_else(|| names_outside.get(id).cloned())
            .unwrap_or_else(|| id.to_string())
    };
    // In WBS order of the predecessor, then of the successor.
    let order: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut deps: Vec<&pso_domain::model::Dependency> = deps.iter().collect();
    deps.sort_by_key(|d| {
        (
            order
                .get(d.predecessor_id.as_str())
                .copied()
                .unwrap_or(usize::MAX),
            order
                .get(d.successor_id.as_str())
                .copied()
                .unwrap_or(usize::MAX),
        )
    });
    let deps: Vec<DepRow> = deps
        .iter()
        .map(|d| DepRow {
            id: d.id.clone(),
            version: d.version,
            predecessor: label(&d.predecessor_id),
            successor: label(&d.successor_id),
            kind: d.dep_type.as_str(),
            lag: if d.lag_days == 0.0 {
                "0 d".into()
            } else if d.lag_days > 0.0 {
                format!("+{} d", num(d.lag_days))
            } else {
                format!("−{} d", num(-d.lag_days))
            },
        })
        .collect();
    let mut df = ps.df;
    if !ps.cycle.is_empty() {
        let mut names: Vec<String> = ps
            .cycle
            .iter()
            .map(|id| format!("“{}”", label(id)))
            .collect();
        if let Some(first) = names.first().cloned() {
            names.push(first);
        }
        df.message = Some(format!(
            "This dependency would close a cycle: {}. A task cannot wait for itself; \
             choose other tasks or remove a link first.",
            names.join(" → ")
        ));
    }
    if df.v("type").is_empty() {
        df.values.insert("type".into(), "FS".into());
    }
    if df.v("lag_days").is_empty() {
        df.values.insert("lag_days".into(), "0".into());
    }
    Ok(PlanPartial {
        pid: p.id.clone(),
        csrf: ctx.caller.csrf_token().unwrap_or("").to_string(),
        can_edit,
        nav,
        rows,
        deps,
        tf: ps.tf,
        df,
        row_error: ps.row_error,
        notice: ps.notice,
        focus_add: ps.focus_add,
        dep_types: ["FS", "SS", "FF", "SF"],
    })
}

fn edit_values(p: &Project) -> FormState {
    FormState::with(&[
        ("code", p.code.clone()),
        ("name", p.name.clone()),
        ("description", p.description.clone()),
        ("site_id", p.site_id.clone()),
        ("business_unit_id", p.business_unit_id.clone()),
        ("manager_id", p.manager_id.clone().unwrap_or_default()),
        ("status", p.status.as_str().to_string()),
        ("priority", p.priority.to_string()),
        ("start_date", p.start_date.clone()),
        ("version", p.version.to_string()),
    ])
}

/// The project page (or only its plan section for htmx).
async fn render(
    state: &AppState,
    ctx: &Ctx,
    pid: &str,
    ps: PlanState,
    edit: Option<FormState>,
    status: StatusCode,
) -> Response {
    let svc = Svc::new(state, &ctx.caller);
    let result = async {
        let p = svc.project(pid, ProjectAction::Read).await?;
        let (can_edit, can_manage) = can(state, ctx, &p).await?;
        let plan = plan_partial(state, ctx, &p, can_edit, ps).await?;
        if ctx.htmx {
            return Ok(page(status, &plan));
        }
        let mut dir = Directory::load(&svc, true).await?;
        let chosen = edit
            .as_ref()
            .map(|f| f.v("manager_id").to_string())
            .or_else(|| p.manager_id.clone())
            .unwrap_or_default();
        dir.with_person(&svc, &chosen).await?;
        if let Some(m) = &p.manager_id {
            dir.with_person(&svc, m).await?;
        }
        let manager = match &p.manager_id {
            Some(m) => Directory::label(&dir.people, m).to_string(),
            None => "—".into(),
        };
        let view = ProjectView {
            id: p.id.clone(),
            code: p.code.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            site: Directory::label(&dir.sites, &p.site_id).to_string(),
            unit: Directory::label(&dir.units, &p.business_unit_id).to_string(),
            manager,
            status: p.status.as_str(),
            status_label: p.status.label(),
            priority: p.priority,
            start: p.start_date.clone(),
            version: p.version,
            updated: readable_time(&p.updated_at),
        };
        let t = ProjectPage {
            chrome: ctx.chrome(format!("{} {}", p.code, p.name), "portfolio"),
            edit: edit.unwrap_or_else(|| edit_values(&p)),
            p: view,
            can_edit,
            can_manage,
            sites: dir.sites,
            units: dir.units,
            people: dir.people,
            people_total: dir.people_total,
            statuses: statuses(),
            plan: fragment(&plan),
        };
        Ok::<_, ApiError>(page(status, &t))
    }
    .await;
    result.unwrap_or_else(|e| ctx.error(e))
}

pub async fn project_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ps = PlanState {
        window: window_request(&q),
        ..Default::default()
    };
    render(&state, &ctx, &id, ps, None, StatusCode::OK).await
}

pub async fn update_project(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut f = FormState::new(&raw);
    let body = project_json(&mut f);
    let result = match f.precheck() {
        Err(e) => Err(e),
        Ok(()) => svc
            .update_project(&id, f.version(), body)
            .await
            .map_err(ApiError::from),
    };
    match result {
        Ok(p) => see_other(&format!("/projects/{}", p.id)),
        Err(e) if e.status == StatusCode::NOT_FOUND => ctx.error(e),
        Err(e) => {
            let status = e.status;
            f.errors.clear();
            f.absorb(&e, PROJECT_FIELDS);
            // A stale version: show the current one so a second try can succeed knowingly.
            if status == StatusCode::PRECONDITION_FAILED {
                if let Ok(p) = svc.project(&id, ProjectAction::Read).await {
                    f.values.insert("version".into(), p.version.to_string());
                }
            }
            render(&state, &ctx, &id, PlanState::default(), Some(f), status).await
        }
    }
}

pub async fn delete_project(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let f = FormState::new(&raw);
    match svc
        .delete_project(&id, f.version())
        .await
        .map_err(ApiError::from)
    {
        Ok(()) => see_other("/projects"),
        Err(e) => ctx.error(e),
    }
}

// ---------------------------------------------------------------- plan changes

/// Which part of the plan section failed.
enum Failed {
    Task(FormState),
    Dep(FormState),
    Row,
}

/// The answer to a change of the plan: the plan section again (htmx) or back to the page.
async fn after_change(
    state: &AppState,
    ctx: &Ctx,
    pid: &str,
    result: Result<&str, (ApiError, Failed)>,
) -> Response {
    after_change_keeping(state, ctx, pid, result, FormState::default()).await
}

/// Like [`after_change`], with the values the "add a task" form keeps after a success.
async fn after_change_keeping(
    state: &AppState,
    ctx: &Ctx,
    pid: &str,
    result: Result<&str, (ApiError, Failed)>,
    keep: FormState,
) -> Response {
    match result {
        Ok(notice) => {
            if ctx.htmx {
                let ps = PlanState {
                    notice: Some(notice.to_string()),
                    focus_add: notice.starts_with("Task added"),
                    tf: keep,
                    ..Default::default()
                };
                render(state, ctx, pid, ps, None, StatusCode::OK).await
            } else {
                see_other(&format!("/projects/{pid}#plan"))
            }
        }
        Err((e, _))
            if matches!(
                e.status,
                StatusCode::NOT_FOUND | StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED
            ) =>
        {
            ctx.error(e)
        }
        Err((e, failed)) => {
            let status = e.status;
            let mut ps = PlanState::default();
            match failed {
                Failed::Task(mut f) => {
                    f.errors.clear();
                    f.absorb(
                        &e,
                        &[
                            "name",
                            "parent_id",
                            "duration_days",
                            "effort_hours",
                            "milestone",
                        ],
                    );
                    ps.tf = f;
                }
                Failed::Dep(mut f) => {
                    f.errors.clear();
                    f.absorb(&e, &["predecessor_id", "successor_id", "type", "lag_days"]);
                    // A cycle is explained in the form's message, with the tasks named.
                    if e.errors.iter().any(|x| x.code == "dependency_cycle") {
                        f.errors.retain(|x| x.code != "dependency_cycle");
                        f.message = None;
                        ps.cycle = e
                            .errors
                            .iter()
                            .filter(|x| x.field == "cycle")
                            .map(|x| x.message.clone())
                            .collect();
                    }
                    ps.df = f;
                }
                Failed::Row => {
                    ps.row_error = Some(match status {
                        StatusCode::PRECONDITION_FAILED => {
                            "Someone changed this task meanwhile; the plan below is the current \
                             one. Please try again."
                                .to_string()
                        }
                        _ => e
                            .errors
                            .first()
                            .map(|x| x.message.clone())
                            .unwrap_or_else(|| e.detail.clone()),
                    });
                }
            }
            render(state, ctx, pid, ps, None, status).await
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Reads the task fields of a form (`name`, `duration_days`, `effort_hours`, `milestone`).
fn task_json(f: &mut FormState, with_parent: bool) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(f.v("name").trim()));
    let d = f.number("duration_days", "the duration in days");
    let h = f.number("effort_hours", "the effort in hours");
    m.insert(
        "duration_days".into(),
        d.map(|x| json!(x)).unwrap_or(Value::Null),
    );
    m.insert(
        "effort_hours".into(),
        h.map(|x| json!(x)).unwrap_or(Value::Null),
    );
    m.insert("milestone".into(), json!(f.checked("milestone")));
    if with_parent {
        if let Some(p) = f.opt("parent_id") {
            m.insert("parent_id".into(), json!(p));
        }
    }
    Value::Object(m)
}

fn strip_nulls(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.retain(|_, x| !x.is_null());
    }
    v
}

pub async fn add_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(pid): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut f = FormState::new(&raw);
    let body = strip_nulls(task_json(&mut f, true));
    f.also_validate(&body, TaskInput::validate);
    let r = match f.precheck() {
        Err(e) => Err(e),
        Ok(()) => match parse_input::<TaskInput>(body) {
            Ok(input) => svc
                .create_task(&pid, input)
                .await
                .map(|_| ())
                .map_err(ApiError::from),
            Err(e) => Err(e.into()),
        },
    };
    // After a success the form is empty again, but keeps the chosen parent for the next task.
    let keep = FormState::with(&[("parent_id", f.v("parent_id").to_string())]);
    let r = r.map(|_| "Task added.").map_err(|e| (e, Failed::Task(f)));
    after_change_keeping(&state, &ctx, &pid, r, keep).await
}

/// The project of a task the caller may read (to know where to go back to).
async fn task_project(svc: &Svc<'_>, id: &str) -> Result<Task, ApiError> {
    svc.task(id, ProjectAction::Read)
        .await
        .map_err(ApiError::from)
}

pub async fn edit_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let task = match task_project(&svc, &id).await {
        Ok(t) => t,
        Err(e) => return ctx.error(e),
    };
    let mut f = FormState::new(&raw);
    let patch = task_json(&mut f, false);
    let r = match f.precheck() {
        Err(e) => Err(e),
        Ok(()) => svc
            .update_task(&id, f.version(), patch)
            .await
            .map_err(ApiError::from)
            .map(|_| ()),
    };
    let r = r.map(|_| "Task saved.").map_err(|e| (e, Failed::Row));
    after_change(&state, &ctx, &task.project_id, r).await
}

pub async fn indent_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    move_task(state, ctx, id, raw, WbsMove::Indent, "Task indented.").await
}

pub async fn outdent_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    move_task(state, ctx, id, raw, WbsMove::Outdent, "Task outdented.").await
}

pub async fn move_up(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    move_task(state, ctx, id, raw, WbsMove::Up, "Task moved up.").await
}

pub async fn move_down(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    move_task(state, ctx, id, raw, WbsMove::Down, "Task moved down.").await
}

/// A WBS move through the one operation the API uses too (one transaction), checked against
/// the version the form was read at.
async fn move_task(
    state: AppState,
    ctx: Ctx,
    id: String,
    raw: RawForm,
    mv: WbsMove,
    done: &'static str,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let task = match task_project(&svc, &id).await {
        Ok(t) => t,
        Err(e) => return ctx.error(e),
    };
    let f = FormState::new(&raw);
    let r = svc
        .move_task(&id, f.version(), &mv)
        .await
        .map(|_| done)
        .map_err(|e| (e.into(), Failed::Row));
    after_change(&state, &ctx, &task.project_id, r).await
}

pub async fn delete_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let task = match task_project(&svc, &id).await {
        Ok(t) => t,
        Err(e) => return ctx.error(e),
    };
    let f = FormState::new(&raw);
    let r = svc
        .delete_task(&id, f.version())
        .await
        .map(|_| "Task deleted.")
        .map_err(|e| (e.into(), Failed::Row));
    after_change(&state, &ctx, &task.project_id, r).await
}

pub async fn add_dependency(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(pid): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut f = FormState::new(&raw);
    let pred = f.v("predecessor_id").trim().to_string();
    let succ = f.v("successor_id").trim().to_string();
    if pred.is_empty() {
        f.add("predecessor_id", "choose the task that comes first");
    }
    if succ.is_empty() {
        f.add("successor_id", "choose the task that follows");
    }
    let lag = f.number("lag_days", "the lag in days").unwrap_or(0.0);
    let kind = f.v("type").to_string();
    let r = match f.precheck() {
        Err(e) => Err(e),
        Ok(()) => {
            let body = json!({
                "predecessor_id": pred, "successor_id": succ, "type": kind, "lag_days": lag
            });
            match parse_input::<DependencyInput>(body) {
                Ok(input) => svc
                    .create_dependency(&pid, input)
                    .await
                    .map(|_| ())
                    .map_err(ApiError::from),
                Err(e) => Err(e.into()),
            }
        }
    };
    let r = r
        .map(|_| "Dependency added.")
        .map_err(|e| (e, Failed::Dep(f)));
    after_change(&state, &ctx, &pid, r).await
}

pub async fn delete_dependency(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let dep = match svc
        .dependency(&id, ProjectAction::Read)
        .await
        .map_err(ApiError::from)
    {
        Ok(d) => d,
        Err(e) => return ctx.error(e),
    };
    let f = FormState::new(&raw);
    let r = svc
        .delete_dependency(&id, f.version())
        .await
        .map(|_| "Dependency removed.")
        .map_err(|e| (e.into(), Failed::Row));
    after_change(&state, &ctx, &dep.project_id, r).await
}

// ---------------------------------------------------------------- history

pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

pub struct HistRow {
    pub at: String,
    pub at_iso: String,
    pub actor: String,
    pub action: String,
    pub what: String,
    pub changes: Vec<Change>,
}

#[derive(Template)]
#[template(path = "project_history.html")]
struct HistoryPage {
    chrome: Chrome,
    pid: String,
    code: String,
    name: String,
    events: Vec<HistRow>,
    next_href: Option<String>,
    first_href: Option<String>,
}

const SKIP: &[&str] = &["id", "version", "created_at", "updated_at", "project_id"];

fn shown(v: Option<&Value>, labels: &HashMap<String, String>) -> String {
    match v {
        None | Some(Value::Null) => "—".into(),
        Some(Value::String(s)) if s.is_empty() => "—".into(),
        Some(Value::String(s)) => labels.get(s).cloned().unwrap_or_else(|| s.clone()),
        Some(Value::Bool(b)) => if *b { "yes" } else { "no" }.into(),
        Some(Value::Number(n)) => n.as_f64().map(num).unwrap_or_else(|| n.to_string()),
        Some(other) => other.to_string(),
    }
}

fn field_label(k: &str) -> String {
    let k = k.strip_suffix("_id").unwrap_or(k);
    capitalise(&k.replace('_', " "))
}

fn kind_label(k: &str) -> &str {
    match k {
        "project" => "Project",
        "task" => "Task",
        "dependency" => "Dependency",
        "assignment" => "Assignment",
        other => other,
    }
}

pub fn history_rows(events: &[AuditEvent], labels: &HashMap<String, String>) -> Vec<HistRow> {
    events
        .iter()
        .map(|e| {
            let empty = Map::new();
            let before = e
                .before
                .as_ref()
                .and_then(|v| v.as_object())
                .unwrap_or(&empty);
            let after = e
                .after
                .as_ref()
                .and_then(|v| v.as_object())
                .unwrap_or(&empty);
            let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
            keys.sort();
            keys.dedup();
            let changes = keys
                .into_iter()
                .filter(|k| !SKIP.contains(&k.as_str()))
                .filter(|k| before.get(*k) != after.get(*k))
                .map(|k| Change {
                    field: field_label(k),
                    before: if e.before.is_some() {
                        shown(before.get(k), labels)
                    } else {
                        String::new()
                    },
                    after: if e.after.is_some() {
                        shown(after.get(k), labels)
                    } else {
                        String::new()
                    },
                })
                .collect();
            let obj = if after.is_empty() { before } else { after };
            let name = match e.entity_type.as_str() {
                "assignment" => format!(
                    "of {} to {}",
                    shown(obj.get("person_id"), labels),
                    shown(obj.get("task_id"), labels)
                ),
                "dependency" => format!(
                    "{} → {}",
                    shown(obj.get("predecessor_id"), labels),
                    shown(obj.get("successor_id"), labels)
                ),
                _ => obj
                    .get("name")
                    .and_then(|v| v.as_str())
                    .map(|s| format!("“{s}”"))
                    .unwrap_or_default(),
            };
            HistRow {
                at: readable_time(&e.at),
                at_iso: e.at.clone(),
                actor: e.actor.clone(),
                action: e.action.clone(),
                what: format!("{} {}", kind_label(&e.entity_type), name)
                    .trim()
                    .to_string(),
                changes,
            }
        })
        .collect()
}

pub async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(pid): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let r = async {
        let p = svc.project(&pid, ProjectAction::Read).await?;
        let mut paging = paging(&q).unwrap_or_default();
        if !q.contains_key("limit") {
            paging.limit = 50;
        }
        let page_ = svc.audit_for_project(&pid, &paging).await?;
        let dir = Directory::load(&svc, false).await?;
        let mut labels: HashMap<String, String> = HashMap::new();
        for o in dir.sites.iter().chain(&dir.units) {
            labels.insert(o.id.clone(), o.label.clone());
        }
        // The tasks and people this page's events name (never the whole plan): ids in the
        // events' fields, looked up in two batched reads.
        let mut ids: BTreeSet<String> = BTreeSet::new();
        for e in &page_.items {
            ids.insert(e.entity_id.clone());
            for v in [&e.before, &e.after].into_iter().flatten() {
                if let Some(m) = v.as_object() {
                    for (k, x) in m {
                        if let (true, Some(x)) = (k.ends_with("_id"), x.as_str()) {
                            ids.insert(x.to_string());
                        }
                    }
                }
            }
        }
        let ids: Vec<String> = ids.into_iter().collect();
        for t in state.store.tasks_by_ids(&ids).await? {
            labels.insert(t.id.clone(), t.name.clone());
        }
        for p in state.store.people_by_ids(&ids).await? {
            labels.insert(p.id.clone(), p.name.clone());
        }
        for e in &page_.items {
            if e.entity_type == "task" {
                for v in [&e.before, &e.after].into_iter().flatten() {
                    if let Some(n) = v.get("name").and_then(|n| n.as_str()) {
                        labels
                            .entry(e.entity_id.clone())
                            .or_insert_with(|| n.to_string());
                    }
                }
            }
        }
        let events = history_rows(&page_.items, &labels);
        let next_href = page_
            .next_cursor
            .as_deref()
            .map(|c| format!("/projects/{pid}/history?{}", query_string(&[("cursor", c)])));
        let first_href = paging
            .cursor
            .as_ref()
            .map(|_| format!("/projects/{pid}/history"));
        Ok::<_, ApiError>(page(
            StatusCode::OK,
            &HistoryPage {
                chrome: ctx.chrome(format!("History of {}", p.code), "portfolio"),
                pid: p.id.clone(),
                code: p.code,
                name: p.name,
                events,
                next_href,
                first_href,
            },
        ))
    }
    .await;
    r.unwrap_or_else(|e| ctx.error(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_shows_only_changed_fields() {
        let ev = AuditEvent {
            id: "e".into(),
            at: "2026-11-23T14:05:09.123456Z".into(),
            actor_id: None,
            actor: "ada@example.test".into(),
            action: "update".into(),
            entity_type: "task".into(),
            entity_id: "t".into(),
            project_id: Some("p".into()),
            before: Some(json!({"name": "Design", "duration_days": 5.0, "version": 1})),
            after: Some(json!({"name": "Design", "duration_days": 7.5, "version": 2})),
            plan_version: Some(2),
        };
        let rows = history_rows(&[ev], &HashMap::new());
        assert_eq!(rows[0].at, "2026-11-23 14:05 UTC");
        assert_eq!(rows[0].what, "Task “Design”");
        assert_eq!(rows[0].changes.len(), 1);
        assert_eq!(rows[0].changes[0].field, "Duration days");
        assert_eq!(rows[0].changes[0].before, "5");
        assert_eq!(rows[0].changes[0].after, "7.5");
    }
}
