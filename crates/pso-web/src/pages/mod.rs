//! Server-rendered pages (askama + htmx). Every page goes through [`crate::service`], so it shows
//! and changes only what the API would allow.
//!
//! Conventions (STYLE.md, "Web pages"): one template per page and per partial; a handler answers
//! an htmx request (`HX-Request` header) with the partial it changed and any other request with
//! the whole page; every form works without JavaScript (POST, then `303 See Other` back to the
//! page, or the page again with the errors next to the fields and the entered values kept).

mod assets;
mod login;
mod org;
mod portfolio;
pub mod project;
mod time;
mod users;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use pso_domain::access::Role;
use pso_domain::FieldError;
use std::collections::HashMap;

pub use login::LoginForm;

/// Pages reachable without signing in (and the embedded assets).
pub fn public_router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::login_page).post(login::login_submit))
        .route("/assets/{name}", get(assets::asset))
}

/// The page routes as a table: the router is built from it, and the route × role matrix test
/// lists it, so a page added here is checked against every role without anyone remembering to.
pub struct PageTable {
    entries: Vec<(&'static str, Vec<&'static str>)>,
    router: Router<AppState>,
}

impl Default for PageTable {
    fn default() -> Self {
        PageTable {
            entries: Vec::new(),
            router: Router::new(),
        }
    }
}

impl PageTable {
    /// Adds a route; `methods` are those `handler` answers (lower case).
    pub fn route(
        mut self,
        path: &'static str,
        methods: &[&'static str],
        handler: axum::routing::MethodRouter<AppState>,
    ) -> Self {
        self.entries.push((path, methods.to_vec()));
        self.router = self.router.route(path, handler);
        self
    }

    pub fn merge(mut self, other: PageTable) -> Self {
        self.entries.extend(other.entries);
        self.router = self.router.merge(other.router);
        self
    }

    /// (path, methods) of every page route.
    pub fn entries(&self) -> &[(&'static str, Vec<&'static str>)] {
        &self.entries
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router.fallback(not_found)
    }
}

/// Pages for signed-in users (behind the authentication middleware).
pub fn table() -> PageTable {
    PageTable::default()
        .route("/", &["get"], get(home))
        .route("/logout", &["post"], post(login::logout))
        .merge(time::page_table())
        .route(
            "/projects",
            &["get", "post"],
            get(portfolio::portfolio).post(portfolio::create_project),
        )
        .route(
            "/projects/{id}",
            &["get", "post"],
            get(project::project_page).post(project::update_project),
        )
        .route(
            "/projects/{id}/delete",
            &["post"],
            post(project::delete_project),
        )
        .route("/projects/{id}/history", &["get"], get(project::history))
        .route("/projects/{id}/tasks", &["post"], post(project::add_task))
        .route(
            "/projects/{id}/dependencies",
            &["post"],
            post(project::add_dependency),
        )
        .route("/tasks/{id}/edit", &["post"], post(project::edit_task))
        .route("/tasks/{id}/indent", &["post"], post(project::indent_task))
        .route(
            "/tasks/{id}/outdent",
            &["post"],
            post(project::outdent_task),
        )
        .route("/tasks/{id}/delete", &["post"], post(project::delete_task))
        .route("/tasks/{id}/up", &["post"], post(project::move_up))
        .route("/tasks/{id}/down", &["post"], post(project::move_down))
        .route(
            "/dependencies/{id}/delete",
            &["post"],
            post(project::delete_dependency),
        )
        .route(
            "/people",
            &["get", "post"],
            get(org::people).post(org::create_person),
        )
        .route("/people/options", &["get"], get(org::people_options))
        .route(
            "/people/{id}",
            &["get", "post"],
            get(org::person_page).post(org::update_person),
        )
        .route("/people/{id}/delete", &["post"], post(org::delete_person))
        .route(
            "/admin/sites",
            &["get", "post"],
            get(org::sites).post(org::create_site),
        )
        .route(
            "/admin/sites/{id}",
            &["get", "post"],
            get(org::site_page).post(org::update_site),
        )
        .route(
            "/admin/sites/{id}/delete",
            &["post"],
            post(org::delete_site),
        )
        .route(
            "/admin/business-units",
            &["get", "post"],
            get(org::units).post(org::create_unit),
        )
        .route(
            "/admin/business-units/{id}",
            &["get", "post"],
            get(org::unit_page).post(org::update_unit),
        )
        .route(
            "/admin/business-units/{id}/delete",
            &["post"],
            post(org::delete_unit),
        )
        .route(
            "/admin/users",
            &["get", "post"],
            get(users::users).post(users::create_user),
        )
        .route(
            "/admin/users/{id}",
            &["get", "post"],
            get(users::user_page).post(users::update_user),
        )
        .route(
            "/admin/users/{id}/grants",
            &["post"],
            post(users::add_grant),
        )
        .route(
            "/admin/users/{id}/grants/remove",
            &["post"],
            post(users::remove_grant),
        )
        .route(
            "/admin/users/{id}/disable",
            &["post"],
            post(users::toggle_disabled),
        )
}

/// `/`: a member's "My work" (a user linked to a person whose only role is member), the
/// portfolio for everyone else.
async fn home(
    state: axum::extract::State<AppState>,
    ctx: Ctx,
    q: axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let roles = ctx.caller.principal.roles();
    if ctx.caller.user.person_id.is_some() && roles == [Role::Member] {
        return see_other("/my-work");
    }
    portfolio::portfolio(state, ctx, q).await
}

/// Any other address: the "not found" page.
async fn not_found(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

/// A signed-in visitor of a page, and whether the request came from htmx. Without a session the
/// visitor is sent to the login page (`HX-Redirect` for htmx requests).
pub struct Ctx {
    pub caller: Caller,
    pub htmx: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        let htmx = parts.headers.contains_key("hx-request")
            && !parts.headers.contains_key("hx-history-restore-request");
        match parts.extensions.get::<Caller>() {
            Some(c) => Ok(Ctx {
                caller: c.clone(),
                htmx,
            }),
            None if htmx => Err((
                StatusCode::OK,
                [(
                    header::HeaderName::from_static("hx-redirect"),
                    HeaderValue::from_static("/login"),
                )],
            )
                .into_response()),
            None => Err(Redirect::to("/login").into_response()),
        }
    }
}

impl Ctx {
    /// The common frame of every page (header, navigation, CSRF token for htmx).
    pub fn chrome(&self, title: impl Into<String>, nav: &'static str) -> Chrome {
        Chrome {
            title: title.into(),
            user_name: self.caller.user.name.clone(),
            user_email: self.caller.user.email.clone(),
            csrf: self.caller.csrf_token().unwrap_or("").to_string(),
            is_admin: self.caller.principal.can_manage_users(),
            may_import: self.caller.principal.may_create_projects(),
            has_person: self.caller.user.person_id.is_some(),
            approver: self
                .caller
                .principal
                .roles()
                .iter()
                .any(|r| matches!(r, Role::Admin | Role::Pso | Role::ProjectManager)),
            nav,
            v: assets::version(),
        }
    }

    /// An error as a page (or as a short text for htmx, shown by `app.js`).
    pub fn error(&self, e: impl Into<ApiError>) -> Response {
        let e: ApiError = e.into();
        if self.htmx {
            return (e.status, e.detail).into_response();
        }
        let (heading, text) = match e.status {
            StatusCode::NOT_FOUND => (
                "Not found",
                "This page does not exist, or it is outside what you may see.".to_string(),
            ),
            StatusCode::FORBIDDEN => ("Not allowed", e.detail.clone()),
            StatusCode::PRECONDITION_FAILED => (
                "Changed meanwhile",
                "Someone changed this while you were looking at it. Go back, reload the page \
                 and try again."
                    .to_string(),
            ),
            s if s.is_server_error() => (
                "Something went wrong",
                "An internal error occurred; it has been logged.".to_string(),
            ),
            _ => ("That did not work", e.detail.clone()),
        };
        let t = ErrorPage {
            chrome: self.chrome(heading, ""),
            status: e.status.as_u16(),
            heading,
            text,
        };
        page(e.status, &t)
    }
}

/// What every full page shows around its content.
pub struct Chrome {
    pub title: String,
    pub user_name: String,
    pub user_email: String,
    pub csrf: String,
    pub is_admin: bool,
    /// May create projects (and so import them).
    pub may_import: bool,
    /// The user is linked to a person: they write time ("My work", "Time").
    pub has_person: bool,
    /// Holds a role that approves time (navigation only; the inbox asks the service).
    pub approver: bool,
    /// Which navigation entry is current: `my-work`, `time`, `approvals`, `portfolio`,
    /// `load`, `people`, `sites`, `units`, `import`, `users`.
    pub nav: &'static str,
    /// Version of the assets (cache busting).
    pub v: &'static str,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    heading: &'static str,
    text: String,
}

/// Renders a template as an HTML response with the given status.
pub fn page<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// Renders a template to a string (a partial inside a page); errors become an alert.
pub fn fragment<T: Template>(t: &T) -> String {
    t.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "template rendering failed");
        "<p class=\"alert alert-error\">This part of the page could not be shown.</p>".into()
    })
}

/// `303 See Other` to `to` (the answer to a successful form without htmx).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// The values of a submitted form, in order (checkbox groups repeat a name).
pub type RawForm = Vec<(String, String)>;

/// A form's entered values and the errors to show next to its fields.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub multi: Vec<(String, String)>,
    pub errors: Vec<FieldError>,
    /// An error that belongs to the form as a whole.
    pub message: Option<String>,
}

impl FormState {
    /// The form as posted; text areas' line breaks (`\r\n`, as browsers send them) become
    /// `\n`, the only line break the API accepts.
    pub fn new(raw: &RawForm) -> Self {
        let raw: RawForm = raw
            .iter()
            .map(|(k, v)| (k.clone(), v.replace("\r\n", "\n")))
            .collect();
        FormState {
            values: raw.iter().cloned().collect(),
            multi: raw,
            ..Default::default()
        }
    }

    pub fn with(values: &[(&str, String)]) -> Self {
        FormState {
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            ..Default::default()
        }
    }

    /// The entered value of a field ("" when absent).
    pub fn v(&self, k: &str) -> &str {
        self.values.get(k).map(|s| s.as_str()).unwrap_or("")
    }

    /// The trimmed value, `None` when empty.
    pub fn opt(&self, k: &str) -> Option<String> {
        let s = self.v(k).trim();
        (!s.is_empty()).then(|| s.to_string())
    }

    pub fn is(&self, k: &str, value: &str) -> bool {
        self.v(k) == value
    }

    /// Is a checkbox ticked (or one value of a checkbox group)?
    pub fn checked(&self, k: &str) -> bool {
        matches!(self.v(k), "on" | "true" | "1")
    }

    pub fn has(&self, k: &str, value: &str) -> bool {
        self.multi.iter().any(|(n, v)| n == k && v == value)
    }

    /// The first error of a field (also of its elements: `holidays` covers `holidays[2].date`).
    pub fn err(&self, k: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| {
                e.field == k
                    || (e.field.starts_with(k)
                        && matches!(e.field.as_bytes().get(k.len()), Some(b'[') | Some(b'.')))
            })
            .map(|e| e.message.as_str())
    }

    pub fn failed(&self) -> bool {
        !self.errors.is_empty() || self.message.is_some()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            code: "invalid".into(),
            message: message.into(),
        });
    }

    /// Takes an error of the service: field errors go next to `fields`, the rest into the
    /// form's message.
    pub fn absorb(&mut self, e: &ApiError, fields: &[&str]) {
        let shown = |f: &str| {
            fields.iter().any(|k| {
                f == *k
                    || (f.starts_with(k)
                        && matches!(f.as_bytes().get(k.len()), Some(b'[') | Some(b'.')))
            })
        };
        let mut rest: Vec<String> = Vec::new();
        for fe in &e.errors {
            if shown(&fe.field) {
                self.errors.push(fe.clone());
            } else if fe.field != "cycle" {
                rest.push(fe.message.clone());
            }
        }
        self.message = Some(if !rest.is_empty() {
            rest.join(" ")
        } else if !self.errors.is_empty() {
            "Please correct the fields marked below.".to_string()
        } else {
            e.detail.clone()
        });
    }

    /// A number field: `None` when empty, a field error when not a number.
    pub fn number(&mut self, k: &str, what: &str) -> Option<f64> {
        let s = self.v(k).trim().replace(',', ".");
        if s.is_empty() {
            return None;
        }
        match s.parse::<f64>() {
            Ok(n) if n.is_finite() => Some(n),
            _ => {
                self.add(k, format!("enter {what} as a number"));
                None
            }
        }
    }

    /// The `version` hidden field (If-Match semantics through the service).
    pub fn version(&self) -> Option<i64> {
        self.v("version").trim().parse().ok()
    }

    /// Adds the domain's validation errors of `body` to the errors found while reading the form,
    /// so one answer names every field to correct (the service validates again on its own).
    pub fn also_validate<T: serde::de::DeserializeOwned, N>(
        &mut self,
        body: &serde_json::Value,
        validate: impl Fn(&T) -> Result<N, pso_domain::ValidationErrors>,
    ) {
        if self.errors.is_empty() {
            return;
        }
        if let Ok(input) = serde_json::from_value::<T>(body.clone()) {
            if let Err(v) = validate(&input) {
                for e in v.0 {
                    if self.err(&e.field).is_none() {
                        self.errors.push(e);
                    }
                }
            }
        }
    }

    /// The validation error as an [`ApiError`] (422) when fields failed before the service.
    pub fn precheck(&self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            let mut e = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "Please correct the fields marked below.",
            );
            e.errors = self.errors.clone();
            Err(e)
        }
    }
}

/// UTC timestamp (RFC 3339) shown readably.
pub fn readable_time(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M UTC")
                .to_string()
        })
        .unwrap_or_else(|_| at.to_string())
}

/// A number without useless decimals (5, 2.5).
pub fn num(x: f64) -> String {
    let r = (x * 1000.0).round() / 1000.0;
    format!("{r}")
}

/// The query string of a list with its filters and a cursor.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_errors_match_fields_and_their_elements() {
        let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "x");
        for (field, code) in [
            ("holidays[2].date", "invalid_date"),
            ("name", "required"),
            ("cycle", "cycle_task"),
            ("other", "weird"),
        ] {
            e.errors.push(FieldError {
                field: field.into(),
                code: code.into(),
                message: format!("{field} is wrong"),
            });
        }
        let mut f = FormState::default();
        f.absorb(&e, &["holidays", "name", "holiday"]);
        assert_eq!(f.err("holidays"), Some("holidays[2].date is wrong"));
        assert_eq!(f.err("holiday"), None);
        assert_eq!(f.err("name"), Some("name is wrong"));
        // Errors of fields the form does not show go into its message; "cycle" is explained
        // separately.
        assert_eq!(f.message.as_deref(), Some("other is wrong"));
    }

    #[test]
    fn numbers_and_times_read_well() {
        assert_eq!(num(5.0), "5");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(
            readable_time("2026-01-02T03:04:05Z"),
            "2026-01-02 03:04 UTC"
        );
        let mut f = FormState::with(&[("d", "1,5".into()), ("x", "abc".into())]);
        assert_eq!(f.number("d", "days"), Some(1.5));
        assert_eq!(f.number("x", "days"), None);
        assert!(f.err("x").is_some());
    }
}
