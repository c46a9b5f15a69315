//! Timesheets on the API (issue 10): a person's week (`/api/v1/people/{id}/timesheets/{week}`)
//! with its transitions, the list of sheets the caller sees, and a site's missing sheets.
//! Everything goes through `pso_app::timesheet`, which decides who sees and writes what.

use crate::api::{paging, ApiJson};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::{parse_input, Svc};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pso_domain::sheet::{ApproveInput, Timesheet};
use pso_store::sheet::SheetFilter;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A sheet with its version as `ETag`.
fn sheet(s: &Timesheet) -> Response {
    let mut r = Json(s).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", s.version)) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

async fn get_sheet(
    State(s): State<AppState>,
    c: Caller,
    Path((id, week)): Path<(String, String)>,
) -> ApiResult<Response> {
    Ok(sheet(&Svc::new(&s, &c).timesheet(&id, &week).await?))
}

async fn put_sheet(
    State(s): State<AppState>,
    c: Caller,
    Path((id, week)): Path<(String, String)>,
    h: HeaderMap,
    ApiJson(b): ApiJson,
) -> ApiResult<Response> {
    let t = Svc::new(&s, &c)
        .save_timesheet(&id, &week, crate::api::if_match(&h), parse_input(b)?)
        .await?;
    Ok(sheet(&t))
}

/// `approve`'s body is optional: none is `{}`.
fn body_or_empty(b: &[u8]) -> ApiResult<Value> {
    if b.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(b).map_err(|e| {
        crate::error::ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not JSON: {e}"),
        )
    })
}

async fn submit_sheet(
    State(s): State<AppState>,
    c: Caller,
    Path((id, week)): Path<(String, String)>,
    h: HeaderMap,
) -> ApiResult<Response> {
    let t = Svc::new(&s, &c)
        .submit_timesheet(&id, &week, crate::api::if_match(&h))
        .await?;
    Ok(sheet(&t))
}

async fn approve_sheet(
    State(s): State<AppState>,
    c: Caller,
    Path((id, week)): Path<(String, String)>,
    h: HeaderMap,
    b: axum::body::Bytes,
) -> ApiResult<Response> {
    let input: ApproveInput = parse_input(body_or_empty(&b)?)?;
    let t = Svc::new(&s, &c)
        .approve_timesheet(&id, &week, crate::api::if_match(&h), input)
        .await?;
    Ok(sheet(&t))
}

async fn reject_sheet(
    State(s): State<AppState>,
    c: Caller,
    Path((id, week)): Path<(String, String)>,
    h: HeaderMap,
    ApiJson(b): ApiJson,
) -> ApiResult<Response> {
    let t = Svc::new(&s, &c)
        .reject_timesheet(&id, &week, crate::api::if_match(&h), parse_input(b)?)
        .await?;
    Ok(sheet(&t))
}

async fn reopen_sheet(
    State(s): State<AppState>,
    c: Caller,
    Path((id, week)): Path<(String, String)>,
    h: HeaderMap,
    ApiJson(b): ApiJson,
) -> ApiResult<Response> {
    let t = Svc::new(&s, &c)
        .reopen_timesheet(&id, &week, crate::api::if_match(&h), parse_input(b)?)
        .await?;
    Ok(sheet(&t))
}

/// Reads the list filters (`week` and `state` checked).
pub fn sheet_filter(q: &HashMap<String, String>) -> ApiResult<SheetFilter> {
    let text = |k: &str| {
        q.get(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let week = match text("week") {
        Some(w) => Some(pso_app::timesheet::parse_week(&w)?.to_string()),
        None => None,
    };
    let state = text("state");
    if let Some(st) = &state {
        if !pso_domain::sheet::LIST_STATES.contains(&st.as_str()) {
            return Err(crate::error::ApiError::field(
                "state",
                "invalid_state",
                "state is draft, submitted, approved or rejected",
            ));
        }
    }
    Ok(SheetFilter {
        week,
        site_id: text("site_id"),
        project_id: text("project_id"),
        state,
        person_id: text("person_id"),
    })
}

async fn list_sheets(
    State(s): State<AppState>,
    c: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let f = sheet_filter(&q)?;
    let p = paging(&q)?;
    let page = Svc::new(&s, &c).list_timesheets(&f, &p).await?;
    Ok(Json(json!({"items": page.items, "next_cursor": page.next_cursor})).into_response())
}

async fn missing_sheets(
    State(s): State<AppState>,
    c: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let need = |k: &str| {
        q.get(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| crate::error::ApiError::field(k, "required", format!("{k} is required")))
    };
    let (week, site) = (need("week")?, need("site_id")?);
    let items = Svc::new(&s, &c).missing_timesheets(&site, &week).await?;
    Ok(Json(json!({ "items": items })).into_response())
}

async fn remind(State(s): State<AppState>, c: Caller, ApiJson(b): ApiJson) -> ApiResult<Response> {
    let input: pso_domain::sheet::RemindInput = parse_input(b)?;
    let n = Svc::new(&s, &c)
        .remind_missing(&input.site_id, &input.week)
        .await?;
    Ok(Json(json!({ "messages": n })).into_response())
}

async fn get_progress(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let items = Svc::new(&s, &c).project_progress(&id).await?;
    Ok(Json(json!({ "items": items })).into_response())
}

async fn put_progress(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson,
) -> ApiResult<Response> {
    let p = Svc::new(&s, &c).set_task_progress(&id, b).await?;
    Ok(Json(p).into_response())
}

async fn put_status_date(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson,
) -> ApiResult<Response> {
    let d = Svc::new(&s, &c).set_status_date(&id, b).await?;
    Ok(Json(json!({ "status_date": d })).into_response())
}

async fn import(
    State(s): State<AppState>,
    c: Caller,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Response> {
    let body = body.map_err(|r| {
        crate::error::ApiError::new(
            r.status(),
            "payload_too_large",
            format!("the file is larger than {} bytes", crate::BODY_LIMIT),
        )
    })?;
    let done = Svc::new(&s, &c).import_timesheets(&body).await?;
    Ok(Json(done).into_response())
}

async fn export(
    State(s): State<AppState>,
    c: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    use pso_app::time_io::{ExportFilter, ExportFormat};
    let text = |k: &str| {
        q.get(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let format = match text("format").as_deref() {
        None | Some("csv") => ExportFormat::Csv,
        Some("xlsx") => ExportFormat::Xlsx,
        Some(_) => {
            return Err(crate::error::ApiError::field(
                "format",
                "invalid_format",
                "format is csv or xlsx",
            ))
        }
    };
    let f = ExportFilter {
        site_id: text("site_id"),
        project_id: text("project_id"),
        from: text("from").unwrap_or_default(),
        to: text("to").unwrap_or_default(),
    };
    let (bytes, name) = Svc::new(&s, &c).export_time(&f, format).await?;
    let kind = match format {
        ExportFormat::Csv => "text/csv; charset=utf-8",
        ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The timesheet API routes; their contracts are in [`crate::openapi::routes`].
pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/timesheets", get(list_sheets))
        .route("/api/v1/timesheets/missing", get(missing_sheets))
        .route("/api/v1/timesheets/missing/remind", post(remind))
        .route("/api/v1/timesheets/import", post(import))
        .route("/api/v1/timesheets/export", get(export))
        .route("/api/v1/projects/{id}/progress", get(get_progress))
        .route(
            "/api/v1/tasks/{id}/progress",
            axum::routing::put(put_progress),
        )
        .route(
            "/api/v1/projects/{id}/status-date",
            axum::routing::put(put_status_date),
        )
        .route(
            "/api/v1/people/{id}/timesheets/{week}",
            get(get_sheet).put(put_sheet),
        )
        .route(
            "/api/v1/people/{id}/timesheets/{week}/submit",
            post(submit_sheet),
        )
        .route(
            "/api/v1/people/{id}/timesheets/{week}/approve",
            post(approve_sheet),
        )
        .route(
            "/api/v1/people/{id}/timesheets/{week}/reject",
            post(reject_sheet),
        )
        .route(
            "/api/v1/people/{id}/timesheets/{week}/reopen",
            post(reopen_sheet),
        )
}
