//! Background jobs and the outbox on the web: the job API (`/api/v1/jobs`), the answer to a
//! submission (`202 Accepted` with `Location: /api/v1/jobs/{id}`), the job page that follows a
//! job until it ends (htmx polling every second; without JavaScript a refresh does the same),
//! and the administrators' outbox (API and page). Everything goes through `pso_app::jobs` and
//! `pso_app::mail`, which decide who sees what.

use crate::api::paging;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::pages::{page, readable_time, see_other, Chrome, Ctx};
use crate::service::Svc;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pso_app::jobs::JobKind;
use pso_domain::jobs::{Job, JobState, OutboxMessage};
use serde_json::json;
use std::collections::HashMap;

// ---------------------------------------------------------------- API

/// The answer to a submitted job: `202 Accepted`, `Location` of the job, the job.
pub fn accepted(job: &Job) -> Response {
    let mut resp = (StatusCode::ACCEPTED, Json(job)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/jobs/{}", job.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

async fn api_list_jobs(
    State(s): State<AppState>,
    c: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let p = paging(&q)?;
    let everyone = matches!(q.get("all").map(String::as_str), Some("true" | "1"));
    let page = Svc::new(&s, &c).list_jobs(everyone, &p).await?;
    Ok(Json(json!({"items": page.items, "next_cursor": page.next_cursor})).into_response())
}

async fn api_get_job(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(Json(Svc::new(&s, &c).get_job(&id).await?).into_response())
}

async fn api_cancel_job(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(Json(Svc::new(&s, &c).cancel_job(&id).await?).into_response())
}

async fn api_outbox(
    State(s): State<AppState>,
    c: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let p = paging(&q)?;
    let page = Svc::new(&s, &c)
        .list_outbox(q.get("state").map(String::as_str), &p)
        .await?;
    Ok(Json(json!({"items": page.items, "next_cursor": page.next_cursor})).into_response())
}

async fn api_schedules(State(s): State<AppState>, c: Caller) -> ApiResult<Response> {
    let items = Svc::new(&s, &c).list_schedules().await?;
    Ok(Json(json!({"items": items, "next_cursor": null})).into_response())
}

/// API routes of jobs and the outbox (merged into the protected router).
pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/jobs", get(api_list_jobs))
        .route("/api/v1/jobs/{id}", get(api_get_job))
        .route("/api/v1/jobs/{id}/cancel", post(api_cancel_job))
        .route("/api/v1/schedules", get(api_schedules))
        .route("/api/v1/outbox", get(api_outbox))
}

// ---------------------------------------------------------------- pages

/// A job as the page shows it.
struct JobView {
    id: String,
    label: String,
    state: &'static str,
    finished: bool,
    cancellable: bool,
    cancel_requested: bool,
    /// Percent done, when the job knows its total.
    percent: Option<i64>,
    message: String,
    error: Option<String>,
    error_fields: Vec<String>,
    created_at: String,
    finished_at: String,
    /// Where to go from a finished job.
    next: Option<(String, String)>,
    /// A one-line summary of the result.
    summary: Option<String>,
    /// The session's CSRF token for the cancel form.
    csrf: String,
}

fn view(job: &Job, csrf: &str) -> JobView {
    let kind = JobKind::parse(&job.kind);
    let p = &job.progress;
    let percent = (p.total > 0).then(|| (100 * p.done / p.total).clamp(0, 100));
    let error = job
        .error
        .as_ref()
        .map(|e| e["detail"].as_str().unwrap_or("the job failed").to_string());
    let error_fields = job
        .error
        .as_ref()
        .and_then(|e| e["errors"].as_array())
        .map(|a| {
            a.iter()
                .filter_map(|f| f["message"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let (next, summary) = match (kind, job.state, &job.result) {
        (Some(JobKind::MspdiImport), JobState::Done, Some(r)) => (
            r["project_id"].as_str().map(|id| {
                (
                    format!("/projects/{id}/import-report?imported=1"),
                    "Open the import report".to_string(),
                )
            }),
            Some(format!(
                "Project {} imported.",
                r["code"].as_str().unwrap_or("")
            )),
        ),
        (Some(JobKind::MspdiImport), JobState::Failed | JobState::Cancelled, _) => (
            Some(("/import".to_string(), "Import another file".to_string())),
            None,
        ),
        (Some(JobKind::PortfolioSchedule), JobState::Done, Some(r)) => (
            Some((
                "/resources/load".to_string(),
                "See the resource load".to_string(),
            )),
            Some(format!(
                "{} projects scheduled and leveled together.",
                r["runs"].as_array().map(Vec::len).unwrap_or(0)
            )),
        ),
        _ => (None, None),
    };
    JobView {
        id: job.id.clone(),
        label: kind
            .map(|k| k.label().to_string())
            .unwrap_or_else(|| job.kind.clone()),
        state: job.state.as_str(),
        finished: job.state.is_finished(),
        cancellable: !job.state.is_finished() && !job.cancel_requested,
        cancel_requested: job.cancel_requested,
        percent,
        message: p.message.clone(),
        error,
        error_fields,
        created_at: readable_time(&job.created_at),
        finished_at: job
            .finished_at
            .as_deref()
            .map(readable_time)
            .unwrap_or_default(),
        next,
        summary,
        csrf: csrf.to_string(),
    }
}

#[derive(Template)]
#[template(path = "jobs/job.html")]
struct JobPage {
    chrome: Chrome,
    job: JobView,
}

#[derive(Template)]
#[template(path = "jobs/job_status.html")]
struct JobStatus {
    job: JobView,
}

/// Where a finished import goes by itself: its report.
fn follow(job: &Job) -> Option<String> {
    (JobKind::parse(&job.kind) == Some(JobKind::MspdiImport) && job.state == JobState::Done)
        .then(|| {
            job.result.as_ref().and_then(|r| {
                r["project_id"]
                    .as_str()
                    .map(|id| format!("/projects/{id}/import-report?imported=1"))
            })
        })
        .flatten()
}

fn hx_redirect(to: &str) -> Response {
    (
        StatusCode::OK,
        [(
            header::HeaderName::from_static("hx-redirect"),
            HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/")),
        )],
    )
        .into_response()
}

/// The job page: the whole page, or (htmx polling) the status part; a finished import goes on
/// to its report.
async fn job_page(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let job = match Svc::new(&s, &ctx.caller).get_job(&id).await {
        Ok(j) => j,
        Err(e) => return ctx.error(e),
    };
    if let Some(to) = follow(&job) {
        return if ctx.htmx {
            hx_redirect(&to)
        } else {
            see_other(&to)
        };
    }
    let v = view(&job, ctx.caller.csrf_token().unwrap_or(""));
    if ctx.htmx {
        return match (JobStatus { job: v }).render() {
            Ok(html) => Html(html).into_response(),
            Err(e) => ctx.error(ApiError::internal(e)),
        };
    }
    let title = format!("{} · {}", v.label, v.state);
    page(
        StatusCode::OK,
        &JobPage {
            chrome: ctx.chrome(title, ""),
            job: v,
        },
    )
}

async fn cancel_page(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    match Svc::new(&s, &ctx.caller).cancel_job(&id).await {
        Ok(_) if ctx.htmx => hx_redirect(&format!("/jobs/{id}")),
        Ok(_) => see_other(&format!("/jobs/{id}")),
        Err(e) if e.kind == pso_app::ErrorKind::Conflict => see_other(&format!("/jobs/{id}")),
        Err(e) => ctx.error(e),
    }
}

struct MailRow {
    created_at: String,
    to: String,
    subject: String,
    state: &'static str,
    attempts: i64,
    last_error: String,
    next_attempt: String,
    sent_at: String,
}

fn mail_row(m: OutboxMessage) -> MailRow {
    let waiting = m.state == pso_domain::jobs::MailState::Queued;
    MailRow {
        created_at: readable_time(&m.created_at),
        to: m.to.join(", "),
        subject: m.subject,
        state: m.state.as_str(),
        attempts: m.attempts,
        last_error: m.last_error.unwrap_or_default(),
        next_attempt: if waiting {
            readable_time(&m.next_attempt_at)
        } else {
            String::new()
        },
        sent_at: m.sent_at.as_deref().map(readable_time).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "jobs/outbox.html")]
struct OutboxPage {
    chrome: Chrome,
    rows: Vec<MailRow>,
    state: String,
    next_cursor: Option<String>,
    smtp: Option<String>,
}

async fn outbox_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let r = async {
        let p = paging(&q)?;
        let state = q.get("state").cloned().unwrap_or_default();
        let page = Svc::new(&s, &ctx.caller)
            .list_outbox(Some(&state), &p)
            .await?;
        Ok::<_, ApiError>(OutboxPage {
            chrome: ctx.chrome("Outbox", "outbox"),
            rows: page.items.into_iter().map(mail_row).collect(),
            state,
            next_cursor: page.next_cursor,
            smtp: s
                .mail
                .smtp
                .as_ref()
                .map(|m| format!("{}:{} ({})", m.host, m.port, m.tls.as_str())),
        })
    }
    .await;
    match r {
        Ok(t) => page(StatusCode::OK, &t),
        Err(e) => ctx.error(e),
    }
}

/// Page routes of jobs and the outbox.
pub fn page_table() -> crate::pages::PageTable {
    crate::pages::PageTable::default()
        .route("/jobs/{id}", &["get"], get(job_page))
        .route("/jobs/{id}/cancel", &["post"], post(cancel_page))
        .route("/admin/outbox", &["get"], get(outbox_page))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pso_domain::jobs::Progress;

    fn job(kind: &str, state: JobState, result: Option<serde_json::Value>) -> Job {
        Job {
            id: "j1".into(),
            version: 1,
            kind: kind.into(),
            state,
            owner_id: Some("u".into()),
            owner: "u@x.org".into(),
            payload: json!({}),
            progress: Progress {
                done: 30,
                total: 120,
                message: "writing the project".into(),
            },
            result,
            error: None,
            attempts: 1,
            max_attempts: 3,
            cancel_requested: false,
            run_at: "2026-01-01T00:00:00Z".into(),
            lease_until: None,
            schedule_id: None,
            created_at: "2026-01-01T00:00:00Z".into(),
            started_at: None,
            finished_at: None,
            updated_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn a_running_import_shows_progress_and_a_done_one_goes_to_its_report() {
        let running = job("mspdi_import", JobState::Running, None);
        let v = view(&running, "t");
        assert_eq!(v.percent, Some(25));
        assert!(v.cancellable && !v.finished);
        assert_eq!(follow(&running), None);
        let done = job(
            "mspdi_import",
            JobState::Done,
            Some(json!({"project_id": "p1", "code": "X"})),
        );
        assert_eq!(
            follow(&done).as_deref(),
            Some("/projects/p1/import-report?imported=1")
        );
        let html = JobStatus {
            job: view(&running, "t"),
        }
        .render()
        .unwrap();
        assert!(html.contains("every 1s"), "{html}");
        let html = JobStatus {
            job: view(
                &job(
                    "portfolio_schedule",
                    JobState::Done,
                    Some(json!({"runs": [1, 2]})),
                ),
                "t",
            ),
        }
        .render()
        .unwrap();
        assert!(
            !html.contains("every 1s"),
            "a finished job stops polling: {html}"
        );
        assert!(html.contains("2 projects"), "{html}");
    }
}
