//! Time writing pages (issue 10): the week grid (`/time`, `/people/{id}/time`), "My work",
//! the approval inbox and a site's time page. Everything goes through `pso_app`'s timesheet
//! operations, which decide who sees and writes what; the pages only show the answers.
//!
//! The grid is one plain form (a text cell per task and day) that works without JavaScript;
//! `assets/time.js` adds keyboard moves, live totals, and asks `…/check` (htmx) for the site
//! rules' findings while the person types. A cell takes `7.5`, `7:30`, `7h30` or `450m`
//! ([`pso_domain::duration::parse_duration`], the same rule as the script's).

use super::{page, query_string, readable_time, see_other, Chrome, Ctx, FormState, RawForm};
use crate::error::ApiError;
use crate::service::Svc;
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use pso_app::timesheet_views::{next_week, previous_week, this_week, TimeGrid};
use pso_domain::duration::{format_minutes, parse_duration};
use pso_domain::sheet::{
    ApproveInput, EntryInput, ProgressInput, ReasonInput, SheetState, Timesheet, TimesheetInput,
};
use pso_domain::timesheet::{Finding, Mode, PeriodLockInput, TimeRulesInput};
use std::collections::{BTreeMap, HashMap};

/// The time pages' routes.
pub fn page_table() -> super::PageTable {
    super::PageTable::default()
        .route("/my-work", &["get"], get(my_work))
        .route("/time", &["get", "post"], get(own_grid).post(own_save))
        .route("/time/check", &["post"], post(own_check))
        .route("/time/submit", &["post"], post(own_submit))
        .route(
            "/people/{id}/time",
            &["get", "post"],
            get(person_grid).post(person_save),
        )
        .route("/people/{id}/time/check", &["post"], post(person_check))
        .route("/people/{id}/time/submit", &["post"], post(person_submit))
        .route("/time/approvals", &["get"], get(inbox))
        .route("/time/approvals/approve", &["post"], post(approve))
        .route("/time/approvals/reject", &["post"], post(reject))
        .route("/time/approvals/bulk", &["post"], post(bulk_approve))
        .route("/sites/{id}/time", &["get"], get(site_time))
        .route("/sites/{id}/time/rules", &["post"], post(set_rules))
        .route("/sites/{id}/time/lock", &["post"], post(set_lock))
        .route("/sites/{id}/time/remind", &["post"], post(remind))
}

// ---------------------------------------------------------------- the week grid

/// One finding as the page shows it: `warn` or `error`, and the text.
#[derive(Debug, Clone)]
pub struct Note {
    pub kind: &'static str,
    pub text: String,
    pub task_id: String,
    pub date: String,
}

pub struct Cell {
    pub name: String,
    pub value: String,
    pub date: String,
    /// `off` (not a working day), `holiday`, or empty.
    pub shade: &'static str,
    pub notes: Vec<Note>,
}

impl Cell {
    /// `error` when a note is an error, `warn` when one warns, else empty.
    pub fn mark(&self) -> &'static str {
        mark_of(&self.notes)
    }
}

fn mark_of(notes: &[Note]) -> &'static str {
    if notes.iter().any(|n| n.kind == "error") {
        "error"
    } else if notes.is_empty() {
        ""
    } else {
        "warn"
    }
}

pub struct Row {
    pub task_id: String,
    pub task_name: String,
    pub project_code: String,
    pub project_name: String,
    pub assigned: bool,
    pub closed: bool,
    pub cells: Vec<Cell>,
    pub total: String,
}

pub struct DayHead {
    pub date: String,
    pub index: usize,
    pub weekday: &'static str,
    pub day: String,
    pub shade: &'static str,
    pub holiday: Option<String>,
    pub total: String,
    pub notes: Vec<Note>,
}

impl DayHead {
    pub fn mark(&self) -> &'static str {
        mark_of(&self.notes)
    }
}

#[derive(Template)]
#[template(path = "time/findings.html")]
struct Findings {
    notes: Vec<Note>,
    /// The cells' problems were computed on the entered values (not saved).
    checked: bool,
}

#[derive(Template)]
#[template(path = "time/grid.html")]
struct GridPage {
    chrome: Chrome,
    base: String,
    person_id: String,
    person_name: String,
    own: bool,
    site_id: String,
    site_name: String,
    week: String,
    week_range: String,
    prev_week: String,
    next_week: String,
    this_week: String,
    days: Vec<DayHead>,
    rows: Vec<Row>,
    week_total: String,
    state: &'static str,
    state_label: &'static str,
    rejection: Option<(String, String, String)>,
    version: i64,
    editable: bool,
    findings: String,
    message: Option<String>,
    ok: Option<String>,
}

/// The entered cells of a grid form: `cell|task|date` → text.
fn cells_of(raw: &RawForm) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for (k, v) in raw {
        let mut parts = k.splitn(3, '|');
        if let (Some("cell"), Some(task), Some(date)) = (parts.next(), parts.next(), parts.next()) {
            out.insert((task.to_string(), date.to_string()), v.clone());
        }
    }
    out
}

fn cell_name(task: &str, date: &str) -> String {
    format!("cell|{task}|{date}")
}

/// Reads the cells into a sheet's input (comments and progress kept from `current`), and the
/// cells that do not read as a duration.
fn sheet_input(
    cells: &BTreeMap<(String, String), String>,
    current: Option<&Timesheet>,
) -> (TimesheetInput, Vec<Note>) {
    let mut entries = Vec::new();
    let mut bad = Vec::new();
    for ((task, date), text) in cells {
        match parse_duration(text) {
            Ok(0) => {}
            Ok(minutes) => {
                let comment: Vec<&str> = current
                    .map(|s| {
                        s.entries
                            .iter()
                            .filter(|e| &e.task_id == task && &e.date == date)
                            .map(|e| e.comment.as_str())
                            .filter(|c| !c.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                entries.push(EntryInput {
                    task_id: task.clone(),
                    date: date.clone(),
                    minutes,
                    comment: (!comment.is_empty()).then(|| comment.join("; ")),
                });
            }
            Err(e) => bad.push(Note {
                kind: "error",
                text: e.message,
                task_id: task.clone(),
                date: date.clone(),
            }),
        }
    }
    let progress = current
        .map(|s| {
            s.progress
                .iter()
                .map(|p| ProgressInput {
                    task_id: p.task_id.clone(),
                    percent_complete: p.percent_complete,
                    remaining_minutes: p.remaining_minutes,
                })
                .collect()
        })
        .unwrap_or_default();
    (TimesheetInput { entries, progress }, bad)
}

fn note_of(f: &Finding, kind: &'static str) -> Note {
    Note {
        kind,
        text: f.message.clone(),
        task_id: f.task_id.clone().unwrap_or_default(),
        date: f.date.map(|d| d.to_string()).unwrap_or_default(),
    }
}

fn notes_of(violations: &[Finding], warnings: &[Finding]) -> Vec<Note> {
    violations
        .iter()
        .map(|f| note_of(f, "error"))
        .chain(warnings.iter().map(|f| note_of(f, "warn")))
        .collect()
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// What to show in the cells instead of the sheet's own values (entered, or copied).
enum Shown {
    Stored,
    Entered(BTreeMap<(String, String), String>),
}

/// How to show a grid: its cells' values, the findings, the messages, the status.
struct GridView {
    shown: Shown,
    notes: Vec<Note>,
    /// The findings are of entered values (not saved).
    checked: bool,
    message: Option<String>,
    ok: Option<String>,
    status: StatusCode,
    /// The version the form carries instead of the sheet's (after a 412: the one the person
    /// saw, so saving again cannot overwrite a change they have not seen).
    keep_version: Option<i64>,
}

impl GridView {
    /// The stored sheet with these findings.
    fn stored(notes: Vec<Note>) -> GridView {
        GridView {
            shown: Shown::Stored,
            notes,
            checked: false,
            message: None,
            ok: None,
            status: StatusCode::OK,
            keep_version: None,
        }
    }
}

fn render_grid(ctx: &Ctx, g: &TimeGrid, base: &str, v: GridView) -> Response {
    let GridView {
        shown,
        notes,
        checked,
        message,
        ok,
        status,
        keep_version,
    } = v;
    let mut stored: BTreeMap<(String, String), i64> = BTreeMap::new();
    for e in &g.sheet.entries {
        *stored
            .entry((e.task_id.clone(), e.date.clone()))
            .or_default() += e.minutes;
    }
    let text = |task: &str, date: &str| -> String {
        match &shown {
            Shown::Stored => stored
                .get(&(task.to_string(), date.to_string()))
                .map(|m| format_minutes(*m))
                .unwrap_or_default(),
            Shown::Entered(cells) => cells
                .get(&(task.to_string(), date.to_string()))
                .cloned()
                .unwrap_or_default(),
        }
    };
    let minutes_of = |t: &str| parse_duration(t).unwrap_or(0);
    let shade = |d: &pso_app::timesheet_views::GridDay| {
        if d.holiday.is_some() {
            "holiday"
        } else if !d.working {
            "off"
        } else {
            ""
        }
    };
    let mut day_totals = [0i64; 7];
    let mut rows = Vec::new();
    for t in &g.tasks {
        let mut total = 0;
        let cells = g
            .days
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let date = d.date.to_string();
                let value = text(&t.task_id, &date);
                let m = minutes_of(&value);
                total += m;
                day_totals[i] += m;
                Cell {
                    name: cell_name(&t.task_id, &date),
                    notes: notes
                        .iter()
                        .filter(|n| n.task_id == t.task_id && n.date == date)
                        .cloned()
                        .collect(),
                    value,
                    date,
                    shade: shade(d),
                }
            })
            .collect();
        rows.push(Row {
            task_id: t.task_id.clone(),
            task_name: t.task_name.clone(),
            project_code: t.project_code.clone(),
            project_name: t.project_name.clone(),
            assigned: t.assigned,
            closed: t.closed,
            cells,
            total: if total > 0 {
                format_minutes(total)
            } else {
                String::new()
            },
        });
    }
    let days = g
        .days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let date = d.date.to_string();
            DayHead {
                index: i,
                weekday: WEEKDAYS[i],
                day: d.date.format("%d %b").to_string(),
                shade: shade(d),
                holiday: d.holiday.clone(),
                total: format_minutes(day_totals[i]),
                notes: notes
                    .iter()
                    .filter(|n| n.task_id.is_empty() && n.date == date)
                    .cloned()
                    .collect(),
                date,
            }
        })
        .collect();
    let s = &g.sheet;
    let t = GridPage {
        chrome: ctx.chrome(
            format!("Time · {} · {}", g.person.name, g.week),
            if g.own { "time" } else { "people" },
        ),
        base: base.to_string(),
        person_id: g.person.id.clone(),
        person_name: g.person.name.clone(),
        own: g.own,
        site_id: g.site.id.clone(),
        site_name: g.site.name.clone(),
        week: g.week.to_string(),
        week_range: format!(
            "{} – {}",
            g.week.monday().format("%d %b"),
            g.week.sunday().format("%d %b %Y")
        ),
        prev_week: previous_week(g.week).to_string(),
        next_week: next_week(g.week).to_string(),
        this_week: this_week(&g.site).to_string(),
        days,
        rows,
        week_total: format_minutes(day_totals.iter().sum()),
        state: s.state.as_str(),
        state_label: s.state.label(),
        rejection: s
            .rejection
            .as_ref()
            .map(|r| (r.reason.clone(), r.by.clone(), readable_time(&r.at))),
        version: keep_version.unwrap_or(s.version),
        editable: s.state == SheetState::Draft,
        findings: super::fragment(&Findings { notes, checked }),
        message,
        ok,
    };
    page(status, &t)
}

/// Which person a grid request is about: the caller's own (`None`) or the one in the path.
async fn person_of(svc: &Svc<'_>, id: Option<String>) -> Result<(String, String), ApiError> {
    match id {
        Some(id) => Ok((id.clone(), format!("/people/{id}/time"))),
        None => Ok((svc.my_person().await?.id, "/time".to_string())),
    }
}

async fn show_grid(
    state: &AppState,
    ctx: &Ctx,
    id: Option<String>,
    q: &HashMap<String, String>,
) -> Response {
    let svc = Svc::new(state, &ctx.caller);
    let r = async {
        let (person, base) = person_of(&svc, id).await?;
        let g = svc
            .time_grid(&person, q.get("week").map(String::as_str))
            .await?;
        let notes = notes_of(&[], &g.sheet.warnings);
        let ok = match q.get("done").map(String::as_str) {
            Some("saved") => Some("Saved.".to_string()),
            Some("submitted") => Some("Submitted for approval.".to_string()),
            _ => None,
        };
        if q.get("copy").map(String::as_str) == Some("last") && g.sheet.state == SheetState::Draft {
            // Last week's tasks and minutes fill the cells still empty; nothing is saved yet.
            let mut cells: BTreeMap<(String, String), String> = BTreeMap::new();
            for e in &g.sheet.entries {
                let k = (e.task_id.clone(), e.date.clone());
                let m =
                    parse_duration(cells.get(&k).map(String::as_str).unwrap_or("")).unwrap_or(0);
                cells.insert(k, format_minutes(m + e.minutes));
            }
            let mut copied = 0;
            let last = svc.last_week_entries(&person, &g.week.to_string()).await?;
            let mut g = g;
            let mut missing: Vec<String> = Vec::new();
            for e in &last {
                if !g.tasks.iter().any(|t| t.task_id == e.task_id) && !missing.contains(&e.task_id)
                {
                    missing.push(e.task_id.clone());
                }
            }
            // Rows for last week's tasks that are not on this week's grid.
            if !missing.is_empty() {
                let extra = svc
                    .time_grid(&person, Some(&previous_week(g.week).to_string()))
                    .await?;
                for t in extra.tasks {
                    if missing.contains(&t.task_id) {
                        g.tasks.push(t);
                    }
                }
            }
            for e in last {
                let k = (e.task_id.clone(), e.date.clone());
                if cells.get(&k).is_none_or(|v| v.trim().is_empty()) {
                    cells.insert(k, format_minutes(e.minutes));
                    copied += 1;
                }
            }
            let msg = if copied == 0 {
                "Last week has nothing to copy into this week's empty cells.".to_string()
            } else {
                format!(
                    "Copied {copied} entr{} from last week: check them, then save.",
                    if copied == 1 { "y" } else { "ies" }
                )
            };
            return Ok(render_grid(
                ctx,
                &g,
                &base,
                GridView {
                    shown: Shown::Entered(cells),
                    ok: Some(msg),
                    ..GridView::stored(notes)
                },
            ));
        }
        Ok::<_, ApiError>(render_grid(
            ctx,
            &g,
            &base,
            GridView {
                ok,
                ..GridView::stored(notes)
            },
        ))
    }
    .await;
    r.unwrap_or_else(|e| ctx.error(e))
}

async fn own_grid(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    show_grid(&state, &ctx, None, &q).await
}

async fn person_grid(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    show_grid(&state, &ctx, Some(id), &q).await
}

/// `POST …/time`: saves the draft (the form's `version` guards against lost updates); a
/// broken rule shows the grid again with the entered values and the findings on their cells.
async fn save(state: &AppState, ctx: &Ctx, id: Option<String>, raw: &RawForm) -> Response {
    let svc = Svc::new(state, &ctx.caller);
    let f = FormState::new(raw);
    let r = async {
        let (person, base) = person_of(&svc, id).await?;
        let week = f.v("week").trim().to_string();
        let g = svc.time_grid(&person, Some(&week)).await?;
        let cells = cells_of(raw);
        let (input, bad) = sheet_input(&cells, Some(&g.sheet));
        let again = |notes: Vec<Note>, message: String, status: StatusCode| {
            render_grid(
                ctx,
                &g,
                &base,
                GridView {
                    shown: Shown::Entered(cells.clone()),
                    notes,
                    checked: true,
                    message: Some(message),
                    ok: None,
                    status,
                    keep_version: (status == StatusCode::PRECONDITION_FAILED)
                        .then(|| f.version())
                        .flatten(),
                },
            )
        };
        if !bad.is_empty() {
            return Ok(again(
                bad,
                "Some cells are not a time: correct the cells marked below.".into(),
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
        let week = g.week.to_string();
        match svc.save_timesheet(&person, &week, f.version(), input).await {
            Ok(_) => Ok(see_other(&format!(
                "{base}?{}",
                query_string(&[("week", &week), ("done", "saved")])
            ))),
            Err(e) => {
                let e = ApiError::from(e);
                if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND {
                    return Err(e);
                }
                let message = match e.status {
                    StatusCode::PRECONDITION_FAILED => {
                        "Someone changed this sheet meanwhile: reload the week (your entries \
                         below are not saved)."
                            .to_string()
                    }
                    StatusCode::UNPROCESSABLE_ENTITY if !e.violations.is_empty() => {
                        "Not saved: the sheet breaks the site's time rules marked below."
                            .to_string()
                    }
                    _ => {
                        let mut fs = FormState::default();
                        fs.absorb(&e, &[]);
                        fs.message.unwrap_or(e.detail.clone())
                    }
                };
                let notes = notes_of(&e.violations, &[]);
                Ok(again(notes, message, e.status))
            }
        }
    }
    .await;
    r.unwrap_or_else(|e: ApiError| ctx.error(e))
}

async fn own_save(State(state): State<AppState>, ctx: Ctx, Form(raw): Form<RawForm>) -> Response {
    save(&state, &ctx, None, &raw).await
}

async fn person_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    save(&state, &ctx, Some(id), &raw).await
}

/// `POST …/time/check` (htmx): the findings of the entered cells, without saving.
async fn check(state: &AppState, ctx: &Ctx, id: Option<String>, raw: &RawForm) -> Response {
    let svc = Svc::new(state, &ctx.caller);
    let f = FormState::new(raw);
    let r = async {
        let (person, _) = person_of(&svc, id).await?;
        let week = f.v("week").trim().to_string();
        let (input, mut notes) = sheet_input(&cells_of(raw), None);
        let c = svc.check_timesheet(&person, &week, input).await?;
        notes.extend(notes_of(&c.violations, &c.warnings));
        Ok::<_, ApiError>(page(
            StatusCode::OK,
            &Findings {
                notes,
                checked: true,
            },
        ))
    }
    .await;
    r.unwrap_or_else(|e| ctx.error(e))
}

async fn own_check(State(state): State<AppState>, ctx: Ctx, Form(raw): Form<RawForm>) -> Response {
    check(&state, &ctx, None, &raw).await
}

async fn person_check(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    check(&state, &ctx, Some(id), &raw).await
}

/// `POST …/time/submit`: submits the saved draft.
async fn submit(state: &AppState, ctx: &Ctx, id: Option<String>, raw: &RawForm) -> Response {
    let svc = Svc::new(state, &ctx.caller);
    let f = FormState::new(raw);
    let r = async {
        let (person, base) = person_of(&svc, id).await?;
        let week = f.v("week").trim().to_string();
        match svc.submit_timesheet(&person, &week, f.version()).await {
            Ok(s) => Ok(see_other(&format!(
                "{base}?{}",
                query_string(&[("week", &s.week), ("done", "submitted")])
            ))),
            Err(e) => {
                let e = ApiError::from(e);
                if e.violations.is_empty() || e.status != StatusCode::UNPROCESSABLE_ENTITY {
                    return Err(e);
                }
                let g = svc.time_grid(&person, Some(&week)).await?;
                Ok(render_grid(
                    ctx,
                    &g,
                    &base,
                    GridView {
                        message: Some(
                            "Not submitted: the sheet breaks the site's time rules marked below."
                                .into(),
                        ),
                        status: e.status,
                        ..GridView::stored(notes_of(&e.violations, &[]))
                    },
                ))
            }
        }
    }
    .await;
    r.unwrap_or_else(|e: ApiError| ctx.error(e))
}

async fn own_submit(State(state): State<AppState>, ctx: Ctx, Form(raw): Form<RawForm>) -> Response {
    submit(&state, &ctx, None, &raw).await
}

async fn person_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    submit(&state, &ctx, Some(id), &raw).await
}

// ---------------------------------------------------------------- my work

pub struct WorkRow {
    pub task_name: String,
    pub project_id: String,
    pub project_code: String,
    pub start: String,
    pub finish: String,
    pub week: &'static str,
}

#[derive(Template)]
#[template(path = "time/my_work.html")]
struct MyWorkPage {
    chrome: Chrome,
    name: String,
    this_week: String,
    last_week: String,
    tasks: Vec<WorkRow>,
    sheet_state: &'static str,
    sheet_label: &'static str,
    sheet_total: String,
    last_state: &'static str,
    last_label: &'static str,
    last_saved: bool,
    rejected: Vec<(String, String, String)>,
}

async fn my_work(State(state): State<AppState>, ctx: Ctx) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let r = async {
        let w = svc.my_work().await?;
        let next_monday = w.next_week.monday().to_string();
        let tasks = w
            .tasks
            .iter()
            .map(|t| {
                let start = t.start.as_deref().and_then(|s| s.get(..10)).unwrap_or("");
                WorkRow {
                    task_name: t.task_name.clone(),
                    project_id: t.project_id.clone(),
                    project_code: t.project_code.clone(),
                    start: start.to_string(),
                    finish: t
                        .finish
                        .as_deref()
                        .and_then(|s| s.get(..10))
                        .unwrap_or("")
                        .to_string(),
                    week: if start >= next_monday.as_str() {
                        "next"
                    } else {
                        "this"
                    },
                }
            })
            .collect();
        let rejected = w
            .rejected
            .iter()
            .map(|s| {
                (
                    s.week.clone(),
                    s.rejection
                        .as_ref()
                        .map(|r| r.reason.clone())
                        .unwrap_or_default(),
                    s.rejection
                        .as_ref()
                        .map(|r| r.by.clone())
                        .unwrap_or_default(),
                )
            })
            .collect();
        Ok::<_, ApiError>(page(
            StatusCode::OK,
            &MyWorkPage {
                chrome: ctx.chrome("My work", "my-work"),
                name: w.person.name.clone(),
                this_week: w.this_week.to_string(),
                last_week: w.last_sheet.week.clone(),
                tasks,
                sheet_state: w.sheet.state.as_str(),
                sheet_label: w.sheet.state.label(),
                sheet_total: format_minutes(w.sheet.total_minutes),
                last_state: w.last_sheet.state.as_str(),
                last_label: w.last_sheet.state.label(),
                last_saved: w.last_sheet.version > 0,
                rejected,
            },
        ))
    }
    .await;
    r.unwrap_or_else(|e| ctx.error(e))
}

// ---------------------------------------------------------------- approvals

pub struct InboxLineView {
    pub project_code: String,
    pub project_name: String,
    pub hours: String,
    pub waiting: bool,
}

pub struct InboxView {
    pub key: String,
    pub person_id: String,
    pub person_name: String,
    pub week: String,
    pub version: i64,
    pub total: String,
    pub lines: Vec<InboxLineView>,
}

#[derive(Template)]
#[template(path = "time/approvals.html")]
struct InboxPage {
    chrome: Chrome,
    sheets: Vec<InboxView>,
    results: Vec<(String, String, bool)>,
    message: Option<String>,
    ok: Option<String>,
}

async fn render_inbox(
    state: &AppState,
    ctx: &Ctx,
    results: Vec<(String, String, bool)>,
    message: Option<String>,
    ok: Option<String>,
    status: StatusCode,
) -> Response {
    let svc = Svc::new(state, &ctx.caller);
    match svc.approval_inbox().await {
        Ok(items) => {
            let sheets = items
                .into_iter()
                .map(|i| InboxView {
                    key: format!("{}|{}|{}", i.sheet.person_id, i.sheet.week, i.sheet.version),
                    person_id: i.sheet.person_id.clone(),
                    person_name: i.sheet.person_name.clone(),
                    week: i.sheet.week.clone(),
                    version: i.sheet.version,
                    total: format_minutes(i.lines.iter().map(|l| l.minutes).sum()),
                    lines: i
                        .lines
                        .iter()
                        .map(|l| InboxLineView {
                            project_code: l.project_code.clone(),
                            project_name: l.project_name.clone(),
                            hours: format_minutes(l.minutes),
                            waiting: l.state == pso_domain::sheet::LineState::Submitted,
                        })
                        .collect(),
                })
                .collect();
            page(
                status,
                &InboxPage {
                    chrome: ctx.chrome("Approvals", "approvals"),
                    sheets,
                    results,
                    message,
                    ok,
                },
            )
        }
        Err(e) => ctx.error(e),
    }
}

async fn inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ok = q.get("done").map(|d| match d.as_str() {
        "approved" => "Approved.".to_string(),
        "rejected" => "Rejected: the sheet is back with the person, with your reason.".to_string(),
        _ => "Done.".to_string(),
    });
    render_inbox(&state, &ctx, vec![], None, ok, StatusCode::OK).await
}

/// What happened to one sheet of a decision, in words.
fn outcome(e: &ApiError) -> String {
    match e.status {
        StatusCode::PRECONDITION_FAILED => {
            "not approved: the sheet changed meanwhile (412); look at it again".to_string()
        }
        _ => format!("not approved: {} ({})", e.detail, e.status.as_u16()),
    }
}

async fn approve(State(state): State<AppState>, ctx: Ctx, Form(raw): Form<RawForm>) -> Response {
    let f = FormState::new(&raw);
    let svc = Svc::new(&state, &ctx.caller);
    let r = svc
        .approve_timesheet(
            f.v("person_id").trim(),
            f.v("week").trim(),
            f.version(),
            ApproveInput::default(),
        )
        .await;
    match r {
        Ok(_) => see_other("/time/approvals?done=approved"),
        Err(e) => {
            let e = ApiError::from(e);
            let msg = outcome(&e);
            render_inbox(&state, &ctx, vec![], Some(msg), None, e.status).await
        }
    }
}

async fn reject(State(state): State<AppState>, ctx: Ctx, Form(raw): Form<RawForm>) -> Response {
    let f = FormState::new(&raw);
    let svc = Svc::new(&state, &ctx.caller);
    let r = svc
        .reject_timesheet(
            f.v("person_id").trim(),
            f.v("week").trim(),
            f.version(),
            ReasonInput {
                reason: f.v("reason").to_string(),
                project_ids: None,
            },
        )
        .await;
    match r {
        Ok(_) => see_other("/time/approvals?done=rejected"),
        Err(e) => {
            let e = ApiError::from(e);
            let msg = match e.status {
                StatusCode::PRECONDITION_FAILED => {
                    "Not rejected: the sheet changed meanwhile (412); look at it again.".to_string()
                }
                _ => format!("Not rejected: {}", e.detail),
            };
            render_inbox(&state, &ctx, vec![], Some(msg), None, e.status).await
        }
    }
}

/// `POST /time/approvals/bulk`: approves each selected sheet (`sheet` = `person|week|version`)
/// and reports what happened to each.
async fn bulk_approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let chosen: Vec<&str> = raw
        .iter()
        .filter(|(k, _)| k == "sheet")
        .map(|(_, v)| v.as_str())
        .collect();
    if chosen.is_empty() {
        return render_inbox(
            &state,
            &ctx,
            vec![],
            Some("Select the sheets to approve first.".into()),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let mut results = Vec::new();
    for key in chosen.into_iter().take(200) {
        let mut parts = key.splitn(3, '|');
        let (Some(person), Some(week), Some(version)) = (parts.next(), parts.next(), parts.next())
        else {
            results.push((key.to_string(), "not a sheet".to_string(), false));
            continue;
        };
        let name = svc
            .get_person(person)
            .await
            .map(|p| format!("{} · {week}", p.name))
            .unwrap_or_else(|_| format!("{person} · {week}"));
        match svc
            .approve_timesheet(person, week, version.parse().ok(), ApproveInput::default())
            .await
        {
            Ok(s) => results.push((
                name,
                format!("approved (the sheet is now {})", s.state.as_str()),
                true,
            )),
            Err(e) => results.push((name, outcome(&ApiError::from(e)), false)),
        }
    }
    render_inbox(&state, &ctx, results, None, None, StatusCode::OK).await
}

// ---------------------------------------------------------------- a site's time

pub struct RulesRow {
    pub valid_from: String,
    pub per_day: String,
    pub per_week: String,
    pub weekend: &'static str,
    pub holiday: &'static str,
    pub only_assigned: bool,
    pub within_dates: &'static str,
    pub submit_by: String,
    pub lock_after: String,
    pub set_by: String,
    pub set_at: String,
}

pub struct MissingRow {
    pub person_id: String,
    pub name: String,
    pub email: String,
    pub state: &'static str,
    pub manager: String,
}

#[derive(Template)]
#[template(path = "time/site_time.html")]
struct SiteTimePage {
    chrome: Chrome,
    id: String,
    code: String,
    name: String,
    versions: Vec<RulesRow>,
    lock_through: String,
    lock_by: String,
    lock_at: String,
    can_set_rules: bool,
    can_lock: bool,
    week: String,
    missing: Option<Vec<MissingRow>>,
    modes: Vec<&'static str>,
    mode_fields: Vec<(&'static str, &'static str)>,
    rules_form: FormState,
    lock_form: FormState,
    /// Messages queued by "Remind now" just before.
    reminded: Option<usize>,
}

fn hours(m: Option<i64>) -> String {
    m.map(|m| format!("{} h", super::num(m as f64 / 60.0)))
        .unwrap_or_else(|| "—".into())
}

/// What the site time page shows besides the site: the missing list's week, and how many
/// reminders were just queued.
#[derive(Default, Clone, Copy)]
struct SiteView<'a> {
    week: Option<&'a str>,
    reminded: Option<usize>,
}

async fn render_site_time(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    shown: SiteView<'_>,
    rules_form: Option<FormState>,
    lock_form: Option<FormState>,
    status: StatusCode,
) -> Response {
    let SiteView { week, reminded } = shown;
    let svc = Svc::new(state, &ctx.caller);
    let r = async {
        let site = svc.get_site(id).await?;
        let rules = svc.time_rules(&site.id).await?;
        let lock = svc.period_lock(&site.id).await?;
        let week = match week.map(str::trim).filter(|w| !w.is_empty()) {
            Some(w) => pso_app::timesheet::parse_week(w)?,
            None => previous_week(this_week(&site)),
        };
        let missing = match svc.missing_timesheets(&site.id, &week.to_string()).await {
            Ok(m) => Some(
                m.into_iter()
                    .map(|m| MissingRow {
                        person_id: m.person_id,
                        name: m.name,
                        email: m.email.unwrap_or_default(),
                        state: m.state.map_or("none", |s| s.as_str()),
                        manager: m.manager_name.unwrap_or_default(),
                    })
                    .collect(),
            ),
            Err(e) if e.kind == pso_app::ErrorKind::Forbidden => None,
            Err(e) => return Err(e.into()),
        };
        let site_id = pso_domain::ids::SiteId::from(&site.id);
        let versions = rules
            .versions
            .iter()
            .rev()
            .map(|v| RulesRow {
                valid_from: v.valid_from.clone(),
                per_day: hours(v.max_minutes_per_day),
                per_week: hours(v.max_minutes_per_week),
                weekend: v.weekend.as_str(),
                holiday: v.holiday.as_str(),
                only_assigned: v.only_assigned_tasks,
                within_dates: v.within_task_dates.as_str(),
                submit_by: v.submit_by.clone().unwrap_or_else(|| "—".into()),
                lock_after: v
                    .lock_after_days
                    .map(|d| format!("{d} days"))
                    .unwrap_or_else(|| "—".into()),
                set_by: v.set_by.clone(),
                set_at: readable_time(&v.set_at),
            })
            .collect();
        let current = rules.versions.last();
        let rules_form = rules_form.unwrap_or_else(|| {
            let minutes =
                |m: Option<i64>| m.map(|m| super::num(m as f64 / 60.0)).unwrap_or_default();
            FormState::with(&[
                ("valid_from", this_week(&site).monday().to_string()),
                (
                    "max_hours_per_day",
                    minutes(current.and_then(|c| c.max_minutes_per_day)),
                ),
                (
                    "max_hours_per_week",
                    minutes(current.and_then(|c| c.max_minutes_per_week)),
                ),
                (
                    "weekend",
                    current.map_or(Mode::Allow, |c| c.weekend).as_str().into(),
                ),
                (
                    "holiday",
                    current.map_or(Mode::Allow, |c| c.holiday).as_str().into(),
                ),
                (
                    "within_task_dates",
                    current
                        .map_or(Mode::Allow, |c| c.within_task_dates)
                        .as_str()
                        .into(),
                ),
                (
                    "only_assigned_tasks",
                    if current.is_some_and(|c| c.only_assigned_tasks) {
                        "on".into()
                    } else {
                        String::new()
                    },
                ),
                (
                    "submit_by",
                    current
                        .and_then(|c| c.submit_by.clone())
                        .unwrap_or_default(),
                ),
                (
                    "lock_after_days",
                    current
                        .and_then(|c| c.lock_after_days)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                ),
            ])
        });
        let lock_form = lock_form.unwrap_or_else(|| {
            FormState::with(&[("through", lock.through.clone().unwrap_or_default())])
        });
        Ok::<_, ApiError>(page(
            status,
            &SiteTimePage {
                chrome: ctx.chrome(format!("Time · {}", site.name), "sites"),
                id: site.id.clone(),
                code: site.code.clone(),
                name: site.name.clone(),
                versions,
                lock_through: lock.through.clone().unwrap_or_default(),
                lock_by: lock.set_by.clone().unwrap_or_default(),
                lock_at: lock
                    .set_at
                    .as_deref()
                    .map(readable_time)
                    .unwrap_or_default(),
                can_set_rules: ctx.caller.principal.can_set_time_rules(&site_id),
                can_lock: ctx.caller.principal.can_lock_periods(&site_id),
                week: week.to_string(),
                missing,
                modes: vec!["allow", "warn", "forbid"],
                mode_fields: vec![
                    ("weekend", "Weekend"),
                    ("holiday", "Holidays"),
                    ("within_task_dates", "Outside the task's dates"),
                ],
                rules_form,
                lock_form,
                reminded,
            },
        ))
    }
    .await;
    r.unwrap_or_else(|e| ctx.error(e))
}

async fn site_time(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    render_site_time(
        &state,
        &ctx,
        &id,
        SiteView {
            week: q.get("week").map(String::as_str),
            reminded: q.get("reminded").and_then(|n| n.parse().ok()),
        },
        None,
        None,
        StatusCode::OK,
    )
    .await
}

/// "Remind now": the week's missing people and the site's PSO, through the outbox.
async fn remind(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let f = FormState::new(&raw);
    let week = f.v("week").trim().to_string();
    match Svc::new(&state, &ctx.caller)
        .remind_missing(&id, &week)
        .await
    {
        Ok(n) => see_other(&format!("/sites/{id}/time?week={week}&reminded={n}")),
        Err(e) => ctx.error(ApiError::from(e)),
    }
}

const RULE_FIELDS: &[&str] = &[
    "valid_from",
    "max_minutes_per_day",
    "max_minutes_per_week",
    "weekend",
    "holiday",
    "within_task_dates",
    "submit_by",
    "lock_after_days",
];

async fn set_rules(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut f = FormState::new(&raw);
    let minutes =
        |f: &mut FormState, k: &str| f.number(k, "hours").map(|h| (h * 60.0).round() as i64);
    let per_day = minutes(&mut f, "max_hours_per_day");
    let per_week = minutes(&mut f, "max_hours_per_week");
    let lock_after = f.number("lock_after_days", "days").map(|d| d as i64);
    let mode = |f: &mut FormState, k: &str| match Mode::parse(f.v(k)) {
        Some(m) => m,
        None => {
            f.add(k, "choose allow, warn or forbid");
            Mode::Allow
        }
    };
    let input = TimeRulesInput {
        valid_from: f.v("valid_from").trim().to_string(),
        max_minutes_per_day: per_day,
        max_minutes_per_week: per_week,
        weekend: mode(&mut f, "weekend"),
        holiday: mode(&mut f, "holiday"),
        only_assigned_tasks: f.checked("only_assigned_tasks"),
        within_task_dates: mode(&mut f, "within_task_dates"),
        submit_by: f.opt("submit_by"),
        lock_after_days: lock_after,
    };
    let r = match f.precheck() {
        Err(e) => Err(e),
        Ok(()) => svc.set_time_rules(&id, input).await.map_err(ApiError::from),
    };
    match r {
        Ok(_) => see_other(&format!("/sites/{id}/time")),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => {
            ctx.error(e)
        }
        Err(mut e) => {
            // The API's minute fields are hours on the form.
            for fe in &mut e.errors {
                fe.field = match fe.field.as_str() {
                    "max_minutes_per_day" => "max_hours_per_day".into(),
                    "max_minutes_per_week" => "max_hours_per_week".into(),
                    other => other.into(),
                };
            }
            let mut fields = RULE_FIELDS.to_vec();
            fields.extend(["max_hours_per_day", "max_hours_per_week"]);
            if f.errors.is_empty() {
                f.absorb(&e, &fields);
            } else {
                f.message = Some("Please correct the fields marked below.".into());
            }
            render_site_time(
                &state,
                &ctx,
                &id,
                SiteView::default(),
                Some(f),
                None,
                e.status,
            )
            .await
        }
    }
}

async fn set_lock(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut f = FormState::new(&raw);
    let r = svc
        .set_period_lock(
            &id,
            PeriodLockInput {
                through: f.v("through").trim().to_string(),
            },
        )
        .await
        .map_err(ApiError::from);
    match r {
        Ok(_) => see_other(&format!("/sites/{id}/time")),
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => {
            ctx.error(e)
        }
        Err(e) => {
            f.absorb(&e, &["through"]);
            render_site_time(
                &state,
                &ctx,
                &id,
                SiteView::default(),
                None,
                Some(f),
                e.status,
            )
            .await
        }
    }
}
