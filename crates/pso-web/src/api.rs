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
use pso_domain::access::{ProjectAction, Role};
use pso_domain::model::{Entity, ProjectStatus, User};
use pso_store::{Page, ProjectFilter};
use schemars::JsonSchema;
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
            // Text rules (control characters) are `parse_input`'s, for every body alike.
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(json_rejection(r)),
        }
    }
}

/// Refuses a request whose path or query holds an encoded NUL character (`%00`): no stored
/// text can contain one, and PostgreSQL fails on it instead of finding nothing.
pub async fn refuse_nul(req: Request, next: axum::middleware::Next) -> Response {
    let has_nul = |s: &str| {
        s.as_bytes()
            .windows(3)
            .any(|w| w.eq_ignore_ascii_case(b"%00"))
    };
    if has_nul(req.uri().path()) || req.uri().query().is_some_and(has_nul) {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_character",
            "the URL may not contain the NUL character (%00)",
        )
        .into_response();
    }
    next.run(req).await
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
pub(crate) fn if_match(headers: &HeaderMap) -> Option<i64> {
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

/// `GET /api/v1/me`.
#[derive(Serialize, JsonSchema)]
pub struct Me {
    pub user: User,
    /// The roles of the user's grants, each once.
    pub roles: Vec<Role>,
    /// For a browser session: the token that writes send as `X-CSRF-Token`; null for a Bearer
    /// token.
    pub csrf_token: Option<String>,
}

async fn me(caller: Caller) -> Response {
    Json(Me {
        roles: caller.principal.roles(),
        csrf_token: caller.csrf_token().map(str::to_string),
        user: caller.user.clone(),
    })
    .into_response()
}

/// A new API token: the record and, this once, the secret.
#[derive(Serialize, JsonSchema)]
pub struct NewToken {
    #[serde(flatten)]
    pub record: pso_store::ApiToken,
    /// The secret to send as `Authorization: Bearer ...`; shown only now.
    pub token: String,
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
    let (token, record) = Svc::new(&s, &c).create_token(parse_input(body)?).await?;
    Ok((StatusCode::CREATED, Json(NewToken { record, token })).into_response())
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

/// A site's time rules: every version.
async fn get_time_rules(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(Json(Svc::new(&s, &c).time_rules(&id).await?).into_response())
}

/// Sets a site's time rules from a date on.
async fn put_time_rules(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson,
) -> ApiResult<Response> {
    let set = Svc::new(&s, &c)
        .set_time_rules(&id, parse_input(b)?)
        .await?;
    Ok(Json(set).into_response())
}

/// A site's period lock.
async fn get_period_lock(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(Json(Svc::new(&s, &c).period_lock(&id).await?).into_response())
}

/// Locks a site's time through a day.
async fn set_period_lock(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson,
) -> ApiResult<Response> {
    let lock = Svc::new(&s, &c)
        .set_period_lock(&id, parse_input(b)?)
        .await?;
    Ok(Json(lock).into_response())
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
    let Some(t) = q.get("entity_type") else {
        return Err(ApiError::field(
            "entity_type",
            "required",
            "give entity_type and entity_id (a project's trail: /api/v1/projects/{id}/audit-events)",
        ));
    };
    let Some(id) = q.get("entity_id") else {
        return Err(ApiError::field(
            "entity_id",
            "required",
            "give entity_type and entity_id (a project's trail: /api/v1/projects/{id}/audit-events)",
        ));
    };
    Ok(list(svc.audit_for_entity(t, id, &p).await?))
}

/// The kinds of object `GET /api/v1/audit-events` knows (`entity_type`).
pub const AUDITED_KINDS: &[&str] = &[
    "business_unit",
    "site",
    "person",
    "user",
    "api_token",
    "project",
    "task",
    "dependency",
    "assignment",
    "schedule_run",
    "baseline",
];

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

// ---------------------------------------------------------------- routes

/// The API routes of this module; their contracts are in [`crate::openapi::routes`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(crate::openapi::serve))
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
        .route(
            "/api/v1/sites/{id}/time-rules",
            get(get_time_rules).put(put_time_rules),
        )
        .route(
            "/api/v1/sites/{id}/period-locks",
            get(get_period_lock).post(set_period_lock),
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
