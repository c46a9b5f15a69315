//! Users and their role grants (administrators only): list, create with a password and a first
//! grant, add and remove grants, reset the password, disable and enable.

use super::portfolio::Opt;
use super::{page, see_other, Chrome, Ctx, FormState, RawForm};
use crate::error::ApiError;
use crate::service::{parse_input, Paging, Svc};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pso_domain::access::{Grant, Role, Scope, UserGrant};
use pso_domain::model::{User, UserInput};
use serde_json::{json, Value};

const ALL: Paging = Paging {
    limit: 1000,
    cursor: None,
};

pub struct GrantView {
    pub role: &'static str,
    pub role_label: &'static str,
    pub scope: String,
}

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub grants: Vec<GrantView>,
    pub disabled: bool,
}

fn grant_views(grants: &[UserGrant]) -> Vec<GrantView> {
    grants
        .iter()
        .map(|g| GrantView {
            role: g.role.as_str(),
            role_label: g.role.label(),
            scope: g.scope.to_string(),
        })
        .collect()
}

fn roles() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect()
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    rows: Vec<UserRow>,
    f: FormState,
    roles: Vec<(&'static str, &'static str)>,
    scopes: Vec<String>,
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    chrome: Chrome,
    id: String,
    name: String,
    email: String,
    version: i64,
    disabled: bool,
    is_self: bool,
    grants: Vec<GrantView>,
    people: Vec<Opt>,
    people_total: i64,
    f: FormState,
    g: FormState,
    roles: Vec<(&'static str, &'static str)>,
    scopes: Vec<String>,
}

/// Scopes to suggest: `global`, every site and every business unit.
async fn scopes(svc: &Svc<'_>) -> Result<Vec<String>, ApiError> {
    let mut out = vec!["global".to_string()];
    for s in svc.list_sites(&ALL).await?.items {
        out.push(format!("site:{}", s.code));
    }
    for b in svc.list_business_units(&ALL).await?.items {
        out.push(format!("business_unit:{}", b.code));
    }
    Ok(out)
}

async fn render_users(state: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> Response {
    let svc = Svc::new(state, &ctx.caller);
    let r = async {
        let mut users = svc.list_users(&ALL).await?.items;
        users.sort_by_key(|u| u.name.to_lowercase());
        let rows = users
            .into_iter()
            .map(|u| UserRow {
                grants: grant_views(&u.grants),
                id: u.id,
                name: u.name,
                email: u.email,
                disabled: u.disabled,
            })
            .collect();
        Ok::<_, ApiError>(page(
            status,
            &UsersPage {
                chrome: ctx.chrome("Users", "users"),
                rows,
                f,
                roles: roles(),
                scopes: scopes(&svc).await?,
            },
        ))
    }
    .await;
    r.unwrap_or_else(|e| ctx.error(e))
}

pub async fn users(State(state): State<AppState>, ctx: Ctx) -> Response {
    let f = FormState::with(&[("scope", "global".into())]);
    render_users(&state, &ctx, f, StatusCode::OK).await
}

/// A grant from the form's `role` and `scope` (errors on the fields).
fn grant_of(f: &mut FormState) -> Option<Grant> {
    let role = Role::parse(f.v("role"));
    let scope = Scope::parse(f.v("scope"));
    if role.is_none() {
        f.add("role", "choose a role");
    }
    if scope.is_none() {
        f.add(
            "scope",
            "a scope is global, site:CODE, business_unit:CODE or project:CODE",
        );
    }
    Some(Grant {
        role: role?,
        scope: scope?,
    })
}

const USER_FIELDS: &[&str] = &["email", "name", "password", "person_id", "role", "scope"];

/// Errors about `grants[...]` are shown next to the scope field.
fn grant_errors_to_scope(f: &mut FormState) {
    for e in &mut f.errors {
        if e.field.starts_with("grants") {
            e.field = "scope".into();
        }
    }
}

pub async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut f = FormState::new(&raw);
    let grants: Vec<Grant> = if f.opt("role").is_some() {
        grant_of(&mut f).into_iter().collect()
    } else {
        Vec::new()
    };
    if f.v("password").is_empty() {
        f.add("password", "set a first password (at least 10 characters)");
    }
    let r = match f.precheck() {
        Err(e) => Err(e),
        Ok(()) => {
            let body = json!({
                "email": f.v("email").trim(),
                "name": f.v("name").trim(),
                "password": f.v("password"),
                "grants": grants,
            });
            match parse_input::<UserInput>(body) {
                Ok(input) => svc.create_user(input).await.map_err(ApiError::from),
                Err(e) => Err(e.into()),
            }
        }
    };
    match r {
        Ok(u) => see_other(&format!("/admin/users/{}", u.id)),
        Err(e) if e.status == StatusCode::FORBIDDEN => ctx.error(e),
        Err(e) => {
            f.errors.clear();
            let mut e = e;
            for fe in &mut e.errors {
                if fe.field.starts_with("grants") {
                    fe.field = "scope".into();
                }
            }
            f.absorb(&e, USER_FIELDS);
            grant_errors_to_scope(&mut f);
            // Never send a password back.
            f.values.remove("password");
            render_users(&state, &ctx, f, e.status).await
        }
    }
}

fn user_values(u: &User) -> FormState {
    FormState::with(&[
        ("name", u.name.clone()),
        ("email", u.email.clone()),
        ("person_id", u.person_id.clone().unwrap_or_default()),
        ("version", u.version.to_string()),
    ])
}

async fn render_user(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    f: Option<FormState>,
    g: Option<FormState>,
    status: StatusCode,
) -> Response {
    let svc = Svc::new(state, &ctx.caller);
    let r = async {
        if !ctx.caller.principal.can_manage_users() {
            return Err(ApiError::forbidden("only administrators manage users"));
        }
        let u = svc.get_user(id).await?;
        let (found, people_total) = svc
            .people_for_picker("", super::portfolio::PICKER_PEOPLE)
            .await?;
        let mut people: Vec<Opt> = found
            .into_iter()
            .map(super::portfolio::person_opt)
            .collect();
        let chosen = f
            .as_ref()
            .map(|f| f.v("person_id").to_string())
            .or_else(|| u.person_id.clone())
            .unwrap_or_default();
        if !chosen.is_empty() && !people.iter().any(|p| p.id == chosen) {
            if let Ok(p) = svc.get_person(&chosen).await {
                people.insert(0, super::portfolio::person_opt(p));
            }
        }
        Ok(page(
            status,
            &UserPage {
                chrome: ctx.chrome(u.name.clone(), "users"),
                id: u.id.clone(),
                name: u.name.clone(),
                email: u.email.clone(),
                version: u.version,
                disabled: u.disabled,
                is_self: u.id == ctx.caller.user.id,
                grants: grant_views(&u.grants),
                people,
                people_total,
                f: f.unwrap_or_else(|| user_values(&u)),
                g: g.unwrap_or_else(|| FormState::with(&[("scope", "global".into())])),
                roles: roles(),
                scopes: scopes(&svc).await?,
            },
        ))
    }
    .await;
    r.unwrap_or_else(|e| ctx.error(e))
}

pub async fn user_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    render_user(&state, &ctx, &id, None, None, StatusCode::OK).await
}

pub async fn update_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut f = FormState::new(&raw);
    let mut patch = json!({
        "name": f.v("name").trim(),
        "email": f.v("email").trim(),
        "person_id": f.opt("person_id").map(Value::String).unwrap_or(Value::Null),
    });
    if !f.v("password").is_empty() {
        patch["password"] = json!(f.v("password"));
    }
    match svc
        .update_user(&id, f.version(), patch)
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => see_other(&format!("/admin/users/{id}")),
        Err(e) if matches!(e.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => ctx.error(e),
        Err(e) => {
            f.absorb(&e, USER_FIELDS);
            f.values.remove("password");
            render_user(&state, &ctx, &id, Some(f), None, e.status).await
        }
    }
}

/// Replaces the user's grants with `change(current)`, with the version the form was read at.
async fn change_grants(
    svc: &Svc<'_>,
    id: &str,
    version: Option<i64>,
    change: impl FnOnce(Vec<Grant>) -> Vec<Grant>,
) -> Result<User, ApiError> {
    let u = svc.get_user(id).await.map_err(ApiError::from)?;
    let grants = change(u.grants.iter().map(UserGrant::input).collect());
    Ok(svc
        .update_user(id, version, json!({ "grants": grants }))
        .await?)
}

pub async fn add_grant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut g = FormState::new(&raw);
    let grant = grant_of(&mut g);
    let r = match (g.precheck(), grant) {
        (Err(e), _) => Err(e),
        (Ok(()), Some(grant)) => {
            change_grants(&svc, &id, g.version(), |mut v| {
                v.push(grant);
                v
            })
            .await
        }
        (Ok(()), None) => Err(ApiError::field("role", "required", "choose a role")),
    };
    match r {
        Ok(_) => see_other(&format!("/admin/users/{id}")),
        Err(e) if matches!(e.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => ctx.error(e),
        Err(e) => {
            g.errors.clear();
            g.absorb(&e, &["role", "scope", "grants"]);
            grant_errors_to_scope(&mut g);
            render_user(&state, &ctx, &id, None, Some(g), e.status).await
        }
    }
}

pub async fn remove_grant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut f = FormState::new(&raw);
    let Some(grant) = grant_of(&mut f) else {
        return ctx.error(ApiError::field("role", "required", "no such grant"));
    };
    match change_grants(&svc, &id, f.version(), |v| {
        v.into_iter().filter(|x| x != &grant).collect()
    })
    .await
    {
        Ok(_) => see_other(&format!("/admin/users/{id}")),
        Err(e) => ctx.error(e),
    }
}

pub async fn toggle_disabled(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let f = FormState::new(&raw);
    let disable = f.v("disabled") == "true";
    if disable && id == ctx.caller.user.id {
        return ctx.error(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "you cannot disable your own account",
        ));
    }
    match svc
        .update_user(&id, f.version(), json!({ "disabled": disable }))
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => see_other(&format!("/admin/users/{id}")),
        Err(e) => ctx.error(e),
    }
}
