//! The REST API under `/api/v1`: thin handlers over [`crate::service`].
//!
//! Conventions: JSON in and out; `201` + `ETag` + `Location` on create; `ETag` on every single
//! object; `If-Match` required on `PATCH`/`DELETE`; lists are `{"items", "next_cursor"}` with
//! `limit` (1–1000, default 100) and `cursor`; errors are `application/problem+json`.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::service::{parse_input, Paging, Svc};
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use pso_domain::access::ProjectAction;
use pso_domain::model::{Entity, ProjectStatus};
use pso_store::{Page, ProjectFilter};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A JSON body whose every rejection is a problem document: malformed → 400, too large → 413,
/// wrong content type → 415.
pub struct ApiJson(pub Value);

impl<S: Send + Sync> FromRequest<S> for ApiJson {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<Value>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(json_rejection(r)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    let status = r.status();
    let text = r.body_text();
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            status,
            "payload_too_large",
            format!(
                "the request body is larger than {} bytes",
                crate::BODY_LIMIT
            ),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            status,
            "unsupported_media_type",
            "send JSON with Content-Type: application/json",
        ),
        _ => ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", text),
    }
}

/// The version named by `If-Match` (`"3"`, `W/"3"` or `3`); an unreadable one never matches.
fn if_match(headers: &HeaderMap) -> Option<i64> {
    let v = headers.get(header::IF_MATCH)?.to_str().ok()?.trim();
    let v = v.strip_prefix("W/").unwrap_or(v).trim_matches('"');
    Some(v.parse().unwrap_or(-1))
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

fn one<E: Entity>(e: &E) -> Response {
    let mut r = Json(e).into_response();
    r.headers_mut().insert(header::ETAG, etag(e.version()));
    r
}

fn created<E: Entity>(e: &E, base: &str) -> Response {
    let mut r = (StatusCode::CREATED, Json(e)).into_response();
    r.headers_mut().insert(header::ETAG, etag(e.version()));
    if let Ok(v) = HeaderValue::from_str(&format!("{base}/{}", e.id())) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn list<T: Serialize>(p: Page<T>) -> Response {
    Json(json!({ "items": p.items, "next_cursor": p.next_cursor })).into_response()
}

fn deleted() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

type Params = Query<HashMap<String, String>>;

/// Reads `limit` and `cursor`.
pub fn paging(q: &HashMap<String, String>) -> ApiResult<Paging> {
    let limit = match q.get("limit") {
        None => 100,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(ApiError::field(
                    "limit",
                    "out_of_range",
                    "limit is an integer from 1 to 1000",
                ))
            }
        },
    };
    Ok(Paging {
        limit,
        cursor: q.get("cursor").filter(|c| !c.is_empty()).cloned(),
    })
}

// ---------------------------------------------------------------- me and tokens

async fn me(caller: Caller) -> Response {
    Json(json!({
        "user": caller.user,
        "roles": caller.principal.roles(),
        "csrf_token": caller.csrf_token(),
    }))
    .into_response()
}

async fn list_tokens(State(s): State<AppState>, c: Caller) -> ApiResult<Response> {
    let items = Svc::new(&s, &c).list_tokens().await?;
    Ok(Json(json!({ "items": items, "next_cursor": null })).into_response())
}

async fn create_token(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(body): ApiJson,
) -> ApiResult<Response> {
    let (secret, rec) = Svc::new(&s, &c).create_token(parse_input(body)?).await?;
    let mut v = serde_json::to_value(rec).map_err(ApiError::internal)?;
    v["token"] = Value::String(secret);
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// Revokes every token of the caller at once (after a leak, or to start afresh).
async fn revoke_all_tokens(State(s): State<AppState>, c: Caller) -> ApiResult<Response> {
    Svc::new(&s, &c).revoke_all_tokens().await?;
    Ok(deleted())
}

async fn revoke_token(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Svc::new(&s, &c).revoke_token(&id).await?;
    Ok(deleted())
}

// ---------------------------------------------------------------- CRUD handlers

/// `GET`, `PATCH` and `DELETE` of one object, through the service's `get_*`, `update_*` and
/// `delete_*` operations.
macro_rules! item_handlers {
    ($get:ident, $update:ident, $delete:ident, $svc_get:ident, $svc_update:ident, $svc_delete:ident) => {
        async fn $get(
            State(s): State<AppState>,
            c: Caller,
            Path(id): Path<String>,
        ) -> ApiResult<Response> {
            Ok(one(&Svc::new(&s, &c).$svc_get(&id).await?))
        }
        async fn $update(
            State(s): State<AppState>,
            c: Caller,
            Path(id): Path<String>,
            h: HeaderMap,
            ApiJson(b): ApiJson,
        ) -> ApiResult<Response> {
            Ok(one(&Svc::new(&s, &c)
                .$svc_update(&id, if_match(&h), b)
                .await?))
        }
        async fn $delete(
            State(s): State<AppState>,
            c: Caller,
            Path(id): Path<String>,
            h: HeaderMap,
        ) -> ApiResult<Response> {
            Svc::new(&s, &c).$svc_delete(&id, if_match(&h)).await?;
            Ok(deleted())
        }
    };
}

/// `GET` (paged list) and `POST` of a top-level collection.
macro_rules! collection_handlers {
    ($base:literal, $list:ident, $create:ident, $svc_list:ident, $svc_create:ident) => {
        async fn $list(
            State(s): State<AppState>,
            c: Caller,
            Query(q): Params,
        ) -> ApiResult<Response> {
            Ok(list(Svc::new(&s, &c).$svc_list(&paging(&q)?).await?))
        }
        async fn $create(
            State(s): State<AppState>,
            c: Caller,
            ApiJson(b): ApiJson,
        ) -> ApiResult<Response> {
            Ok(created(
                &Svc::new(&s, &c).$svc_create(parse_input(b)?).await?,
                $base,
            ))
        }
    };
}

/// `GET` (paged list) and `POST` of a collection inside a project.
macro_rules! child_handlers {
    ($base:literal, $list:ident, $create:ident, $svc_list:ident, $svc_create:ident) => {
        async fn $list(
            State(s): State<AppState>,
            c: Caller,
            Path(id): Path<String>,
            Query(q): Params,
        ) -> ApiResult<Response> {
            Ok(list(Svc::new(&s, &c).$svc_list(&id, &paging(&q)?).await?))
        }
        async fn $create(
            State(s): State<AppState>,
            c: Caller,
            Path(id): Path<String>,
            ApiJson(b): ApiJson,
        ) -> ApiResult<Response> {
            let svc = Svc::new(&s, &c);
            // Outside the caller's scope the project does not exist: 404 before any 422.
            svc.project(&id, ProjectAction::Edit).await?;
            Ok(created(
                &svc.$svc_create(&id, parse_input(b)?).await?,
                $base,
            ))
        }
    };
}

collection_handlers!(
    "/api/v1/business-units",
    list_bus,
    create_bu,
    list_business_units,
    create_business_unit
);
item_handlers!(
    get_bu,
    update_bu,
    delete_bu,
    get_business_unit,
    update_business_unit,
    delete_business_unit
);
collection_handlers!(
    "/api/v1/sites",
    list_sites,
    create_site,
    list_sites,
    create_site
);
item_handlers!(
    get_site,
    update_site,
    delete_site,
    get_site,
    update_site,
    delete_site
);
collection_handlers!(
    "/api/v1/users",
    list_users,
    create_user,
    list_users,
    create_user
);
item_handlers!(
    get_user,
    update_user,
    delete_user,
    get_user,
    update_user,
    delete_user
);
item_handlers!(
    get_person,
    update_person,
    delete_person,
    get_person,
    update_person,
    delete_person
);
item_handlers!(
    get_project,
    update_project,
    delete_project,
    get_project,
    update_project,
    delete_project
);
child_handlers!(
    "/api/v1/tasks",
    list_tasks,
    create_task,
    list_tasks,
    create_task
);
item_handlers!(
    get_task,
    update_task,
    delete_task,
    get_task,
    update_task,
    delete_task
);
child_handlers!(
    "/api/v1/dependencies",
    list_dependencies,
    create_dependency,
    list_dependencies,
    create_dependency
);
item_handlers!(
    get_dependency,
    update_dependency,
    delete_dependency,
    get_dependency,
    update_dependency,
    delete_dependency
);
item_handlers!(
    get_assignment,
    update_assignment,
    delete_assignment,
    get_assignment,
    update_assignment,
    delete_assignment
);

async fn list_people(
    State(s): State<AppState>,
    c: Caller,
    Query(q): Params,
) -> ApiResult<Response> {
    let svc = Svc::new(&s, &c);
    Ok(list(
        svc.list_people(
            q.get("site_id").map(String::as_str),
            q.get("q").map(String::as_str),
            &paging(&q)?,
        )
        .await?,
    ))
}
async fn create_person(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson,
) -> ApiResult<Response> {
    Ok(created(
        &Svc::new(&s, &c).create_person(parse_input(b)?).await?,
        "/api/v1/people",
    ))
}

/// Reads the project list's filters.
pub fn project_filter(q: &HashMap<String, String>) -> ApiResult<ProjectFilter> {
    let status = match q.get("status").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(ProjectStatus::parse(s).ok_or_else(|| {
            ApiError::field(
                "status",
                "invalid_status",
                "status is one of proposed, approved, active, on_hold, closed, cancelled",
            )
        })?),
    };
    let nonempty = |k: &str| q.get(k).filter(|s| !s.is_empty()).cloned();
    Ok(ProjectFilter {
        site_id: nonempty("site_id"),
        business_unit_id: nonempty("business_unit_id"),
        status,
        q: nonempty("q"),
    })
}

async fn list_projects(
    State(s): State<AppState>,
    c: Caller,
    Query(q): Params,
) -> ApiResult<Response> {
    Ok(list(
        Svc::new(&s, &c)
            .list_projects(&project_filter(&q)?, &paging(&q)?)
            .await?,
    ))
}
async fn create_project(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson,
) -> ApiResult<Response> {
    Ok(created(
        &Svc::new(&s, &c).create_project(parse_input(b)?).await?,
        "/api/v1/projects",
    ))
}

async fn list_assignments(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let items = Svc::new(&s, &c).list_assignments(&id).await?;
    Ok(list(Page {
        items,
        next_cursor: None,
    }))
}
async fn create_assignment(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson,
) -> ApiResult<Response> {
    let svc = Svc::new(&s, &c);
    svc.task(&id, ProjectAction::Edit).await?;
    Ok(created(
        &svc.create_assignment(&id, parse_input(b)?).await?,
        "/api/v1/assignments",
    ))
}

/// `POST /api/v1/tasks/{id}/move` with `{"action": "indent" | "outdent" | "up" | "down"}` or
/// `{"action": "to", "parent_id": ..., "index": ...}`, and `If-Match`.
async fn move_task(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    h: HeaderMap,
    ApiJson(b): ApiJson,
) -> ApiResult<Response> {
    let svc = Svc::new(&s, &c);
    // Outside the caller's scope the task does not exist: 404 before any 422.
    svc.task(&id, ProjectAction::Edit).await?;
    let mv: pso_domain::plan::WbsMove = parse_input(b)?;
    Ok(one(&svc.move_task(&id, if_match(&h), &mv).await?))
}

async fn audit_events(
    State(s): State<AppState>,
    c: Caller,
    Query(q): Params,
) -> ApiResult<Response> {
    let svc = Svc::new(&s, &c);
    let p = paging(&q)?;
    if let Some(pid) = q.get("project_id") {
        return Ok(list(svc.audit_for_project(pid, &p).await?));
    }
    let (Some(t), Some(id)) = (q.get("entity_type"), q.get("entity_id")) else {
        return Err(ApiError::field(
            "entity_id",
            "required",
            "give entity_type and entity_id (or project_id)",
        ));
    };
    Ok(list(svc.audit_for_entity(t, id, &p).await?))
}

async fn project_audit(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Query(q): Params,
) -> ApiResult<Response> {
    Ok(list(
        Svc::new(&s, &c)
            .audit_for_project(&id, &paging(&q)?)
            .await?,
    ))
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such API route")
}

// ---------------------------------------------------------------- routes and OpenAPI

/// Every API route: (path, methods, tag, summary). The router and the OpenAPI document are both
/// made from this table (see `openapi_covers_every_route` in the tests).
pub const ROUTES: &[(&str, &[&str], &str, &str)] = &[
    (
        "/api/v1/me",
        &["get"],
        "session",
        "The caller: user, roles and (for cookie sessions) CSRF token",
    ),
    (
        "/api/v1/tokens",
        &["get", "post", "delete"],
        "session",
        "The caller's API tokens; POST makes one (the secret is shown once); DELETE revokes \
         them all. A new password or a disabled account revokes them too",
    ),
    (
        "/api/v1/tokens/{id}",
        &["delete"],
        "session",
        "Revoke an API token",
    ),
    (
        "/api/v1/business-units",
        &["get", "post"],
        "organisation",
        "Business units and lines",
    ),
    (
        "/api/v1/business-units/{id}",
        &["get", "patch", "delete"],
        "organisation",
        "One business unit",
    ),
    (
        "/api/v1/sites",
        &["get", "post"],
        "organisation",
        "Sites with country, time zone, currency, calendar",
    ),
    (
        "/api/v1/sites/{id}",
        &["get", "patch", "delete"],
        "organisation",
        "One site",
    ),
    (
        "/api/v1/people",
        &["get", "post"],
        "organisation",
        "People (filters: site_id, q)",
    ),
    (
        "/api/v1/people/{id}",
        &["get", "patch", "delete"],
        "organisation",
        "One person",
    ),
    (
        "/api/v1/users",
        &["get", "post"],
        "organisation",
        "Users and their role grants (admins)",
    ),
    (
        "/api/v1/users/{id}",
        &["get", "patch", "delete"],
        "organisation",
        "One user",
    ),
    (
        "/api/v1/projects",
        &["get", "post"],
        "plan",
        "Projects in the caller's scopes (filters: site_id, business_unit_id, status, q)",
    ),
    (
        "/api/v1/projects/{id}",
        &["get", "patch", "delete"],
        "plan",
        "One project",
    ),
    (
        "/api/v1/projects/{id}/tasks",
        &["get", "post"],
        "plan",
        "The project's tasks (WBS)",
    ),
    (
        "/api/v1/tasks/{id}",
        &["get", "patch", "delete"],
        "plan",
        "One task",
    ),
    (
        "/api/v1/tasks/{id}/move",
        &["post"],
        "plan",
        "Move a task in the WBS in one transaction (indent, outdent, up, down, or to a parent \
         and index); needs If-Match",
    ),
    (
        "/api/v1/projects/{id}/dependencies",
        &["get", "post"],
        "plan",
        "The project's dependencies",
    ),
    (
        "/api/v1/dependencies/{id}",
        &["get", "patch", "delete"],
        "plan",
        "One dependency",
    ),
    (
        "/api/v1/tasks/{id}/assignments",
        &["get", "post"],
        "plan",
        "The task's assignments",
    ),
    (
        "/api/v1/assignments/{id}",
        &["get", "patch", "delete"],
        "plan",
        "One assignment",
    ),
    (
        "/api/v1/projects/{id}/audit-events",
        &["get"],
        "audit",
        "The audit trail of a project, newest first",
    ),
    (
        "/api/v1/audit-events",
        &["get"],
        "audit",
        "The audit trail of one object (entity_type, entity_id) or a project (project_id)",
    ),
    (
        "/api/v1/projects/{id}/schedule",
        &["get", "post"],
        "schedule",
        "The project's computed schedule (dates, float, critical, why); POST runs the engine \
         and returns what changed",
    ),
    (
        "/api/v1/portfolio/schedule",
        &["post"],
        "schedule",
        "Schedule and level together every open project the caller may edit (shared people): \
         202 with the job (Location: /api/v1/jobs/{id}); the finished job's result lists the runs",
    ),
    (
        "/api/v1/projects/{id}/baselines",
        &["get", "post"],
        "schedule",
        "Baselines of a project; POST {name} saves the current schedule",
    ),
    (
        "/api/v1/baselines/{id}/comparison",
        &["get"],
        "schedule",
        "Current schedule against a baseline: start, finish and variance in working days",
    ),
    (
        "/api/v1/resource-load",
        &["get"],
        "schedule",
        "Weekly load per person against capacity (filter: site_id), with leveling proposals",
    ),
    (
        "/api/v1/imports/mspdi",
        &["post"],
        "interchange",
        "Import an MS Project XML document (the request body, application/xml) as a new project \
         (query: site_id, business_unit_id, code, create_people, file_name): 202 with the job \
         (Location: /api/v1/jobs/{id}); the finished job's result is {project_id, code, report}",
    ),
    (
        "/api/v1/projects/{id}/mspdi",
        &["get"],
        "interchange",
        "The project as MS Project XML (lossless for what was imported)",
    ),
    (
        "/api/v1/projects/{id}/import-report",
        &["get"],
        "interchange",
        "What an MS Project import could not carry into PSO, and why",
    ),
    (
        "/api/v1/jobs",
        &["get"],
        "jobs",
        "The caller's background jobs, newest first (all=true: everyone's, administrators only)",
    ),
    (
        "/api/v1/jobs/{id}",
        &["get"],
        "jobs",
        "One job: kind, state (queued, running, done, failed, cancelled), progress {done, total, \
         message}, result, error; its owner and administrators only",
    ),
    (
        "/api/v1/jobs/{id}/cancel",
        &["post"],
        "jobs",
        "Cancel a job: a queued one at once, a running one at its next check (cancel_requested); \
         409 when it has ended",
    ),
    (
        "/api/v1/schedules",
        &["get"],
        "jobs",
        "Recurring jobs with their spec, time zone and next run (administrators)",
    ),
    (
        "/api/v1/outbox",
        &["get"],
        "jobs",
        "Outgoing e-mail with state (queued, sent, failed), attempts and last error; filter: \
         state (administrators)",
    ),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/me", get(me))
        .route(
            "/api/v1/tokens",
            get(list_tokens)
                .post(create_token)
                .delete(revoke_all_tokens),
        )
        .route("/api/v1/tokens/{id}", axum::routing::delete(revoke_token))
        .route("/api/v1/business-units", get(list_bus).post(create_bu))
        .route(
            "/api/v1/business-units/{id}",
            get(get_bu).patch(update_bu).delete(delete_bu),
        )
        .route("/api/v1/sites", get(list_sites).post(create_site))
        .route(
            "/api/v1/sites/{id}",
            get(get_site).patch(update_site).delete(delete_site),
        )
        .route("/api/v1/people", get(list_people).post(create_person))
        .route(
            "/api/v1/people/{id}",
            get(get_person).patch(update_person).delete(delete_person),
        )
        .route("/api/v1/users", get(list_users).post(create_user))
        .route(
            "/api/v1/users/{id}",
            get(get_user).patch(update_user).delete(delete_user),
        )
        .route("/api/v1/projects", get(list_projects).post(create_project))
        .route(
            "/api/v1/projects/{id}",
            get(get_project)
                .patch(update_project)
                .delete(delete_project),
        )
        .route(
            "/api/v1/projects/{id}/tasks",
            get(list_tasks).post(create_task),
        )
        .route(
            "/api/v1/tasks/{id}",
            get(get_task).patch(update_task).delete(delete_task),
        )
        .route("/api/v1/tasks/{id}/move", axum::routing::post(move_task))
        .route(
            "/api/v1/projects/{id}/dependencies",
            get(list_dependencies).post(create_dependency),
        )
        .route(
            "/api/v1/dependencies/{id}",
            get(get_dependency)
                .patch(update_dependency)
                .delete(delete_dependency),
        )
        .route(
            "/api/v1/tasks/{id}/assignments",
            get(list_assignments).post(create_assignment),
        )
        .route(
            "/api/v1/assignments/{id}",
            get(get_assignment)
                .patch(update_assignment)
                .delete(delete_assignment),
        )
        .route("/api/v1/projects/{id}/audit-events", get(project_audit))
        .route("/api/v1/audit-events", get(audit_events))
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
}

/// Error codes of the API (the `code` member of a problem document).
const ERROR_CODES: &[(&str, &str)] = &[
    ("malformed_json", "400: the body is not JSON"),
    ("unauthorized", "401: no session and no valid Bearer token"),
    ("invalid_credentials", "401: wrong e-mail or password"),
    ("forbidden", "403: your role does not allow this"),
    (
        "csrf_failed",
        "403: a cookie-authenticated write without the session's CSRF token",
    ),
    ("not_found", "404: no such object, or outside your scopes"),
    (
        "conflict",
        "409: a unique value is taken, or the object is still in use",
    ),
    (
        "precondition_failed",
        "412: If-Match does not match the current ETag",
    ),
    (
        "payload_too_large",
        "413: the body is larger than the limit",
    ),
    (
        "unsupported_media_type",
        "415: the body is not application/json",
    ),
    (
        "validation_failed",
        "422: see `errors` for each field and rule",
    ),
    (
        "precondition_required",
        "428: PATCH and DELETE need If-Match",
    ),
    ("too_many_attempts", "429: too many failed sign-ins"),
    ("internal", "500: our failure, logged"),
];

fn entity_schemas() -> Value {
    let s = |t: &str| json!({"type": t});
    let ns = json!({"type": ["string", "null"]});
    let meta = |props: Value| {
        let mut p = json!({
            "id": s("string"), "version": s("integer"),
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"}
        });
        if let (Some(p), Some(extra)) = (p.as_object_mut(), props.as_object()) {
            for (k, v) in extra {
                p.insert(k.clone(), v.clone());
            }
        }
        json!({"type": "object", "properties": p})
    };
    json!({
        "BusinessUnit": meta(json!({"code": s("string"), "name": s("string"), "parent_id": ns})),
        "Site": meta(json!({
            "code": s("string"), "name": s("string"),
            "country": {"type": "string", "description": "ISO 3166-1 alpha-2"},
            "time_zone": {"type": "string", "description": "IANA time zone"},
            "currency": {"type": "string", "description": "ISO 4217"},
            "working_week": {"type": "array", "items": {"enum": ["mon","tue","wed","thu","fri","sat","sun"]}},
            "working_hours": {"type": "array", "items": {"type": "array", "items": s("string")}},
            "holidays": {"type": "array", "items": {"type": "object", "properties": {"date": {"type": "string", "format": "date"}, "name": s("string")}}}
        })),
        "Person": meta(json!({"name": s("string"), "email": ns, "site_id": s("string"),
            "skills": {"type": "array", "items": s("string")}})),
        "User": meta(json!({"email": s("string"), "name": s("string"), "person_id": ns,
            "disabled": s("boolean"),
            "password": {"type": "string", "writeOnly": true, "minLength": 10},
            "grants": {"type": "array", "items": {"type": "object", "properties": {
                "role": {"enum": ["admin","pmo","standards","pso","project_manager","member","executive","qa"]},
                "scope": {"type": "string", "description": "global, business_unit:CODE, site:CODE or project:CODE"}}}}})),
        "Project": meta(json!({"code": s("string"), "name": s("string"), "description": s("string"),
            "site_id": s("string"), "business_unit_id": s("string"), "manager_id": ns,
            "status": {"enum": ["proposed","approved","active","on_hold","closed","cancelled"]},
            "priority": {"type": "integer", "minimum": 1, "maximum": 1000},
            "start_date": {"type": "string", "format": "date"}})),
        "Task": meta(json!({"project_id": s("string"), "parent_id": ns, "position": s("integer"),
            "name": s("string"), "duration_days": {"type": ["number", "null"]},
            "effort_hours": {"type": ["number", "null"]}, "milestone": s("boolean")})),
        "Dependency": meta(json!({"project_id": s("string"), "predecessor_id": s("string"),
            "successor_id": s("string"), "type": {"enum": ["FS","SS","FF","SF"]},
            "lag_days": {"type": "number", "description": "negative for a lead"}})),
        "Assignment": meta(json!({"project_id": s("string"), "task_id": s("string"),
            "person_id": s("string"), "units": {"type": "number", "description": "1.0 = full time"}})),
        "AuditEvent": {"type": "object", "properties": {"id": s("string"), "at": s("string"),
            "actor_id": ns, "actor": s("string"), "action": {"enum": ["create","update","delete"]},
            "entity_type": s("string"), "entity_id": s("string"), "project_id": ns,
            "before": {}, "after": {}}},
        "Problem": {"type": "object", "description": format!("RFC 9457 problem. Codes: {}",
            ERROR_CODES.iter().map(|(c, d)| format!("`{c}` ({d})")).collect::<Vec<_>>().join("; ")),
            "properties": {"type": s("string"), "title": s("string"), "status": s("integer"),
            "code": s("string"), "detail": s("string"),
            "errors": {"type": "array", "items": {"type": "object", "properties": {
                "field": s("string"), "code": s("string"), "message": s("string")}}}}}
    })
}

fn schema_of(path: &str) -> Option<&'static str> {
    let table = [
        ("business-units", "BusinessUnit"),
        ("sites", "Site"),
        ("people", "Person"),
        ("users", "User"),
        ("tasks/{id}/assignments", "Assignment"),
        ("assignments", "Assignment"),
        ("projects/{id}/tasks", "Task"),
        ("tasks", "Task"),
        ("projects/{id}/dependencies", "Dependency"),
        ("dependencies", "Dependency"),
        ("audit-events", "AuditEvent"),
        ("projects", "Project"),
    ];
    let rest = path.strip_prefix("/api/v1/")?;
    table
        .iter()
        .find(|(p, _)| {
            rest.starts_with(p) && !(rest.starts_with("projects/{id}/") && *p == "projects")
        })
        .map(|(_, s)| *s)
}

/// The OpenAPI 3.1 document of every route.
pub fn openapi_document() -> Value {
    let mut paths = serde_json::Map::new();
    let problem = json!({"description": "Error", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}});
    for (path, methods, tag, summary) in ROUTES {
        let schema = schema_of(path);
        let is_item = path.ends_with("{id}");
        let mut ops = serde_json::Map::new();
        for m in methods.iter() {
            let obj_ref = schema.map(|s| json!({"$ref": format!("#/components/schemas/{s}")}));
            let ok_schema = match (*m, is_item, &obj_ref) {
                ("get", false, Some(r)) => {
                    json!({"type": "object", "properties": {"items": {"type": "array", "items": r}, "next_cursor": {"type": ["string", "null"]}}})
                }
                (_, _, Some(r)) => r.clone(),
                _ => json!({"type": "object"}),
            };
            let mut params = vec![];
            if path.contains("{id}") {
                params.push(json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}));
            }
            if *m == "get" && !is_item {
                params.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}));
                params.push(json!({"name": "cursor", "in": "query", "schema": {"type": "string"}}));
            }
            if *m == "patch" || *m == "delete" {
                params.push(json!({"name": "If-Match", "in": "header", "required": true, "schema": {"type": "string"}, "description": "The ETag you read"}));
            }
            if *path == "/api/v1/projects" && *m == "get" {
                for f in ["site_id", "business_unit_id", "status", "q"] {
                    params.push(json!({"name": f, "in": "query", "schema": {"type": "string"}}));
                }
            }
            if *path == "/api/v1/audit-events" {
                for f in ["entity_type", "entity_id", "project_id"] {
                    params.push(json!({"name": f, "in": "query", "schema": {"type": "string"}}));
                }
            }
            let submits_job =
                path.ends_with("/imports/mspdi") || path.ends_with("/portfolio/schedule");
            let (code, desc) = match *m {
                "post" if submits_job => (
                    "202",
                    "Accepted: the job (Location: /api/v1/jobs/{id}); poll it until it ends",
                ),
                "post" if path.ends_with("/cancel") => ("200", "The job"),
                "post" => ("201", "Created (with ETag and Location)"),
                "delete" => ("204", "Deleted"),
                _ => ("200", "OK"),
            };
            let mut responses = serde_json::Map::new();
            if code == "204" {
                responses.insert(code.into(), json!({"description": desc}));
            } else {
                responses.insert(code.into(), json!({"description": desc, "content": {"application/json": {"schema": ok_schema}}}));
            }
            responses.insert("default".into(), problem.clone());
            let mut op = json!({
                "tags": [tag], "summary": summary,
                "operationId": format!("{m}_{}", path.trim_start_matches("/api/v1/").replace(['/', '-'], "_").replace(['{', '}'], "")),
                "parameters": params, "responses": responses,
                "security": [{"bearer": []}, {"session": []}]
            });
            if *m == "post" || *m == "patch" {
                let body = obj_ref.clone().unwrap_or(json!({"type": "object"}));
                let ct = if *m == "patch" {
                    "application/merge-patch+json"
                } else {
                    "application/json"
                };
                op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": body}}, "description": if *m == "patch" { format!("JSON merge patch ({ct} semantics)") } else { "The new object".to_string() }});
                if path.ends_with("/imports/mspdi") {
                    op["requestBody"] = json!({"required": true, "content": {"application/xml": {"schema": {"type": "string"}}}, "description": "An MS Project XML (MSPDI) document"});
                }
            }
            ops.insert(m.to_string(), op);
        }
        paths.insert(path.to_string(), Value::Object(ops));
    }
    paths.insert("/healthz".into(), json!({"get": {"summary": "Liveness and database check (no auth)", "operationId": "healthz", "responses": {"200": {"description": "OK"}, "503": {"description": "Database unavailable"}}}}));
    paths.insert("/api/v1/openapi.json".into(), json!({"get": {"summary": "This document", "operationId": "openapi", "responses": {"200": {"description": "OpenAPI 3.1"}}}}));
    json!({
        "openapi": "3.1.0",
        "info": {"title": "PSO API", "version": env!("CARGO_PKG_VERSION"),
            "description": "The REST API of PSO, the platform for project support offices. Lists return {items, next_cursor}; PATCH and DELETE need If-Match; errors are application/problem+json."},
        "paths": paths,
        "components": {
            "schemas": entity_schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "An API token from `pso token create` or POST /api/v1/tokens"},
                "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE, "description": "Browser session; writes need the X-CSRF-Token header"}
            }
        }
    })
}

async fn openapi() -> Response {
    Json(openapi_document()).into_response()
}
