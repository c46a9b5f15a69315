//! MS Project interchange on the web: the import API and upload page, the report and the
//! download, over `pso_app::interchange`.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::pages::{page, Chrome, Ctx};
use crate::service::Svc;
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pso_app::interchange::{ImportOptions, ImportReport, UPLOAD_LIMIT};
use pso_domain::model::{Project, Site};
use std::collections::HashMap;

// ---------------------------------------------------------------- API

fn opt(q: &HashMap<String, String>, k: &str) -> Option<String> {
    q.get(k)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn flag(q: &HashMap<String, String>, k: &str) -> bool {
    matches!(
        q.get(k).map(|s| s.trim().to_ascii_lowercase()).as_deref(),
        Some("true" | "1" | "on" | "yes")
    )
}

/// Import options from query or form fields.
fn options(q: &HashMap<String, String>, file_name: String) -> ApiResult<ImportOptions> {
    let site_id = opt(q, "site_id")
        .ok_or_else(|| ApiError::field("site_id", "required", "choose the project's site"))?;
    let business_unit_id = opt(q, "business_unit_id").ok_or_else(|| {
        ApiError::field(
            "business_unit_id",
            "required",
            "choose the project's business unit",
        )
    })?;
    Ok(ImportOptions {
        site_id,
        business_unit_id,
        code: opt(q, "code"),
        create_people: flag(q, "create_people"),
        file_name,
    })
}

/// `POST /api/v1/imports/mspdi`: the new project and what the import could not carry.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Imported {
    pub project: Project,
    pub report: ImportReport,
}

async fn api_import(
    State(s): State<AppState>,
    c: Caller,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Response> {
    let file_name = opt(&q, "file_name").unwrap_or_else(|| "import.xml".into());
    let opts = options(&q, file_name)?;
    let (project, report) = Svc::new(&s, &c)
        .import_mspdi(body.to_vec(), &opts, &|_, _, _| {})
        .await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/projects/{}", project.id))],
        Json(Imported { project, report }),
    )
        .into_response())
}

async fn api_report(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (_, stored) = Svc::new(&s, &c).import_report(&id).await?;
    Ok(Json(stored).into_response())
}

/// The project as a downloadable MSPDI file.
async fn export_response(s: &AppState, c: &Caller, id: &str) -> ApiResult<Response> {
    let (project, body) = Svc::new(s, c).export_mspdi(id).await?;
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}.xml\"", project.code))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

async fn api_export(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    export_response(&s, &c, &id).await
}

/// API routes of interchange (merged into the protected router).
pub fn api_router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/imports/mspdi",
            post(api_import).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/api/v1/projects/{id}/mspdi", get(api_export))
        .route("/api/v1/projects/{id}/import-report", get(api_report))
}

// ---------------------------------------------------------------- pages

#[derive(Template)]
#[template(path = "interchange/import.html")]
struct ImportPage {
    chrome: Chrome,
    sites: Vec<Site>,
    units: Vec<pso_domain::model::BusinessUnit>,
    site_id: String,
    business_unit_id: String,
    code: String,
    create_people: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "interchange/report.html")]
struct ReportPage {
    chrome: Chrome,
    project: Project,
    file_name: String,
    imported_at: String,
    imported_by: String,
    report: ImportReport,
    just_imported: bool,
}

async fn import_form(
    s: &AppState,
    ctx: &Ctx,
    q: &HashMap<String, String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let r = async {
        Ok::<_, ApiError>((
            s.store.all_sites().await?,
            s.store.all_business_units().await?,
        ))
    }
    .await;
    let (sites, units) = match r {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let t = ImportPage {
        chrome: ctx.chrome("Import an MS Project plan", "import"),
        sites,
        units,
        site_id: q.get("site_id").cloned().unwrap_or_default(),
        business_unit_id: q.get("business_unit_id").cloned().unwrap_or_default(),
        code: q.get("code").cloned().unwrap_or_default(),
        create_people: flag(q, "create_people"),
        error,
    };
    page(status, &t)
}

async fn import_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    import_form(&s, &ctx, &q, None, StatusCode::OK).await
}

async fn import_post(State(s): State<AppState>, ctx: Ctx, mut mp: Multipart) -> Response {
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match mp.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or("").to_string();
                if name == "file" {
                    let fname = f.file_name().unwrap_or("import.xml").to_string();
                    match f.bytes().await {
                        Ok(b) => file = Some((fname, b.to_vec())),
                        Err(e) => {
                            return ctx.error(ApiError::new(
                                e.status(),
                                "bad_upload",
                                format!("the upload failed: {}", e.body_text()),
                            ))
                        }
                    }
                } else {
                    let v = f.text().await.unwrap_or_default();
                    fields.insert(name, v);
                }
            }
            Ok(None) => break,
            Err(e) => {
                return ctx.error(ApiError::new(
                    e.status(),
                    "bad_upload",
                    format!("the upload failed: {}", e.body_text()),
                ))
            }
        }
    }
    let result = async {
        let Some((fname, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
            return Err(ApiError::field(
                "file",
                "required",
                "choose a file to import",
            ));
        };
        let fname = std::path::Path::new(&fname)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "import.xml".into());
        let opts = options(&fields, fname)?;
        Ok(Svc::new(&s, &ctx.caller)
            .import_mspdi(bytes, &opts, &|_, _, _| {})
            .await?)
    }
    .await;
    match result {
        Ok((p, _)) => {
            let to = format!("/projects/{}/import-report?imported=1", p.id);
            if ctx.htmx {
                (
                    StatusCode::OK,
                    [(
                        header::HeaderName::from_static("hx-redirect"),
                        HeaderValue::from_str(&to).unwrap_or(HeaderValue::from_static("/projects")),
                    )],
                )
                    .into_response()
            } else {
                crate::pages::see_other(&to)
            }
        }
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let msg = match e.errors.first() {
                Some(f) => f.message.clone(),
                None => e.detail.clone(),
            };
            let status = e.status;
            if ctx.htmx {
                let html = format!(
                    "<p class=\"alert alert-error\" role=\"alert\">{}</p>",
                    escape(&msg)
                );
                return (status, axum::response::Html(html)).into_response();
            }
            import_form(&s, &ctx, &fields, Some(msg), status).await
        }
        Err(e) => ctx.error(e),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn report_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let r = async {
        let (project, src) = Svc::new(&s, &ctx.caller).import_report(&id).await?;
        let report: ImportReport = src.report;
        Ok::<_, ApiError>(ReportPage {
            chrome: ctx.chrome(format!("Import report · {}", project.code), "import"),
            project,
            file_name: src.file_name,
            imported_at: src.imported_at.get(..16).unwrap_or("").replace('T', " "),
            imported_by: src.imported_by,
            report,
            just_imported: q.contains_key("imported"),
        })
    }
    .await;
    match r {
        Ok(t) => page(StatusCode::OK, &t),
        Err(e) => ctx.error(e),
    }
}

async fn download_page(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    match export_response(&s, &ctx.caller, &id).await {
        Ok(r) => r,
        Err(e) => ctx.error(e),
    }
}

/// Page routes of interchange.
pub fn page_router() -> Router<AppState> {
    Router::new()
        .route(
            "/import",
            get(import_page)
                .post(import_post)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/projects/{id}/import-report", get(report_page))
        .route("/projects/{id}/export.xml", get(download_page))
}
