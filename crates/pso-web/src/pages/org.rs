//! The organisation: people (list with site filter and search, add and edit for those allowed),
//! sites and business units (readable by everybody, written by administrators).

use super::portfolio::{Directory, Opt};
use super::{page, query_string, see_other, Chrome, Ctx, FormState, RawForm};
use crate::api::paging;
use crate::error::ApiError;
use crate::service::{parse_input, Paging, Svc};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use pso_domain::ids::SiteId;
use pso_domain::model::{BusinessUnitInput, PersonInput, Site, SiteInput};
use serde_json::{json, Value};
use std::collections::HashMap;

const ALL: Paging = Paging {
    limit: 1000,
    cursor: None,
};

fn is_admin(ctx: &Ctx) -> bool {
    ctx.caller.principal.can_edit_organisation()
}

// ---------------------------------------------------------------- people

pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub site: String,
    pub site_name: String,
    pub skills: String,
    pub editable: bool,
}

#[derive(Template)]
#[template(path = "people_list.html")]
struct PeopleList {
    rows: Vec<PersonRow>,
    next_href: Option<String>,
    first_href: Option<String>,
    filtered: bool,
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    chrome: Chrome,
    filters: FormState,
    sites: Vec<Opt>,
    /// Sites where the caller may add people.
    site_choices: Vec<Opt>,
    list: String,
    f: FormState,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    chrome: Chrome,
    id: String,
    name: String,
    version: i64,
    editable: bool,
    site: String,
    email: String,
    skills: String,
    site_choices: Vec<Opt>,
    f: FormState,
}

#[derive(Template)]
#[template(path = "people_options.html")]
struct PeopleOptions {
    empty: String,
    people: Vec<Opt>,
    more: bool,
}

/// Matches shown by a person picker's search.
const PICKER_MATCHES: i64 = 50;

/// `GET /people/options?q=…&empty=…`: the `<option>`s of a person picker for a search (the
/// first matches by name; the people directory is readable by every signed-in user).
pub async fn people_options(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let query = q
        .get("person_q")
        .or_else(|| q.get("q"))
        .map(String::as_str)
        .unwrap_or("");
    match svc.people_for_picker(query, PICKER_MATCHES + 1).await {
        Ok((found, _)) => {
            let more = found.len() as i64 > PICKER_MATCHES;
            let people = found
                .into_iter()
                .take(PICKER_MATCHES as usize)
                .map(super::portfolio::person_opt)
                .collect();
            page(
                StatusCode::OK,
                &PeopleOptions {
                    empty: q.get("empty").cloned().unwrap_or_else(|| "—".into()),
                    people,
                    more,
                },
            )
        }
        Err(e) => ctx.error(e),
    }
}

/// The sites where the caller may manage people.
async fn people_sites(svc: &Svc<'_>, ctx: &Ctx) -> Result<(Vec<Site>, Vec<Opt>), ApiError> {
    let sites = svc.list_sites(&ALL).await?.items;
    let mut opts: Vec<Opt> = sites
        .iter()
        .filter(|s| ctx.caller.principal.can_edit_person(&SiteId::from(&s.id)))
        .map(|s| Opt {
            id: s.id.clone(),
            label: format!("{} ({})", s.name, s.code),
        })
        .collect();
    opts.sort_by(|a, b| a.label.cmp(&b.label));
    Ok((sites, opts))
}

async fn people_list(
    svc: &Svc<'_>,
    ctx: &Ctx,
    sites: &[Site],
    q: &HashMap<String, String>,
) -> Result<PeopleList, ApiError> {
    let mut p = paging(q).unwrap_or_default();
    if !q.contains_key("limit") {
        p.limit = 50;
    }
    let nonempty = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let page_ = svc
        .list_people(nonempty("site_id"), nonempty("q"), &p)
        .await?;
    let rows = page_
        .items
        .into_iter()
        .map(|x| {
            let site = sites.iter().find(|s| s.id == x.site_id);
            PersonRow {
                editable: site
                    .is_some_and(|s| ctx.caller.principal.can_edit_person(&SiteId::from(&s.id))),
                site: site.map(|s| s.code.clone()).unwrap_or_default(),
                site_name: site.map(|s| s.name.clone()).unwrap_or_default(),
                id: x.id,
                name: x.name,
                email: x.email.unwrap_or_default(),
                skills: x.skills.join(", "),
            }
        })
        .collect();
    let keep = |k: &str| q.get(k).map(|s| s.as_str()).unwrap_or("");
    let base = [("q", keep("q")), ("site_id", keep("site_id"))];
    let next_href = page_.next_cursor.as_deref().map(|c| {
        let mut pairs = base.to_vec();
        pairs.push(("cursor", c));
        format!("/people?{}", query_string(&pairs))
    });
    let first_href = p
        .cursor
        .as_ref()
        .map(|_| format!("/people?{}", query_string(&base)));
    Ok(PeopleList {
        rows,
        next_href,
        first_href,
        filtered: base.iter().any(|(_, v)| !v.is_empty()),
    })
}

async fn render_people(
    state: &AppState,
    ctx: &Ctx,
    q: &HashMap<String, String>,
    f: FormState,
    status: StatusCode,
) -> Response {
    let svc = Svc::new(state, &ctx.caller);
    let r = async {
        let (sites, site_choices) = people_sites(&svc, ctx).await?;
        let list = people_list(&svc, ctx, &sites, q).await?;
        let mut resp = if ctx.htmx && status == StatusCode::OK {
            page(StatusCode::OK, &list)
        } else {
            let mut site_opts: Vec<Opt> = sites
                .iter()
                .map(|s| Opt {
                    id: s.id.clone(),
                    label: format!("{} ({})", s.name, s.code),
                })
                .collect();
            site_opts.sort_by(|a, b| a.label.cmp(&b.label));
            page(
                status,
                &PeoplePage {
                    chrome: ctx.chrome("People", "people"),
                    filters: FormState {
                        values: q.clone(),
                        ..Default::default()
                    },
                    sites: site_opts,
                    site_choices,
                    list: super::fragment(&list),
                    f,
                },
            )
        };
        resp.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("HX-Request"));
        Ok::<_, ApiError>(resp)
    }
    .await;
    r.unwrap_or_else(|e| ctx.error(e))
}

pub async fn people(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    render_people(&state, &ctx, &q, FormState::default(), StatusCode::OK).await
}

fn person_json(f: &FormState) -> Value {
    let skills: Vec<String> = f
        .v("skills")
        .split([',', '\n'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    json!({
        "name": f.v("name").trim(),
        "email": f.opt("email"),
        "site_id": f.v("site_id").trim(),
        "skills": skills,
    })
}

const PERSON_FIELDS: &[&str] = &["name", "email", "site_id", "skills"];

pub async fn create_person(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut f = FormState::new(&raw);
    if f.opt("site_id").is_none() {
        f.add("site_id", "choose the person's site");
    }
    let body = person_json(&f);
    f.also_validate(&body, PersonInput::validate);
    let r = match f.precheck() {
        Err(e) => Err(e),
        Ok(()) => match parse_input::<PersonInput>(body) {
            Ok(input) => svc.create_person(input).await.map_err(ApiError::from),
            Err(e) => Err(e.into()),
        },
    };
    match r {
        Ok(p) => see_other(&format!("/people?{}", query_string(&[("q", &p.name)]))),
        Err(e) if e.status == StatusCode::FORBIDDEN => ctx.error(e),
        Err(e) => {
            f.errors.clear();
            f.absorb(&e, PERSON_FIELDS);
            render_people(&state, &ctx, &HashMap::new(), f, e.status).await
        }
    }
}

async fn render_person(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    f: Option<FormState>,
    status: StatusCode,
) -> Response {
    let svc = Svc::new(state, &ctx.caller);
    let r = async {
        let p = svc.get_person(id).await?;
        let (sites, site_choices) = people_sites(&svc, ctx).await?;
        let site = sites.iter().find(|s| s.id == p.site_id);
        let editable =
            site.is_some_and(|s| ctx.caller.principal.can_edit_person(&SiteId::from(&s.id)));
        let f = f.unwrap_or_else(|| {
            FormState::with(&[
                ("name", p.name.clone()),
                ("email", p.email.clone().unwrap_or_default()),
                ("site_id", p.site_id.clone()),
                ("skills", p.skills.join(", ")),
                ("version", p.version.to_string()),
            ])
        });
        Ok::<_, ApiError>(page(
            status,
            &PersonPage {
                chrome: ctx.chrome(p.name.clone(), "people"),
                id: p.id.clone(),
                name: p.name.clone(),
                version: p.version,
                editable,
                site: site
                    .map(|s| format!("{} ({})", s.name, s.code))
                    .unwrap_or_default(),
                email: p.email.clone().unwrap_or_default(),
                skills: p.skills.join(", "),
                site_choices,
                f,
            },
        ))
    }
    .await;
    r.unwrap_or_else(|e| ctx.error(e))
}

pub async fn person_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    render_person(&state, &ctx, &id, None, StatusCode::OK).await
}

pub async fn update_person(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut f = FormState::new(&raw);
    match svc
        .update_person(&id, f.version(), person_json(&f))
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => see_other(&format!("/people/{id}")),
        Err(e) if matches!(e.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => ctx.error(e),
        Err(e) => {
            f.absorb(&e, PERSON_FIELDS);
            render_person(&state, &ctx, &id, Some(f), e.status).await
        }
    }
}

pub async fn delete_person(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let f = FormState::new(&raw);
    match svc
        .delete_person(&id, f.version())
        .await
        .map_err(ApiError::from)
    {
        Ok(()) => see_other("/people"),
        Err(e) => ctx.error(e),
    }
}

// ---------------------------------------------------------------- sites

pub struct SiteRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub country: String,
    pub time_zone: String,
    pub currency: String,
    pub week: String,
    pub holidays: usize,
}

#[derive(Template)]
#[template(path = "sites.html")]
struct SitesPage {
    chrome: Chrome,
    rows: Vec<SiteRow>,
    can_edit: bool,
    f: FormState,
    days: [(&'static str, &'static str); 7],
}

#[derive(Template)]
#[template(path = "site.html")]
struct SitePage {
    chrome: Chrome,
    id: String,
    code: String,
    name: String,
    version: i64,
    can_edit: bool,
    row: SiteRow,
    hours: String,
    holidays: Vec<(String, String)>,
    f: FormState,
    days: [(&'static str, &'static str); 7],
}

const DAYS: [(&str, &str); 7] = [
    ("mon", "Mon"),
    ("tue", "Tue"),
    ("wed", "Wed"),
    ("thu", "Thu"),
    ("fri", "Fri"),
    ("sat", "Sat"),
    ("sun", "Sun"),
];

const SITE_FIELDS: &[&str] = &[
    "code",
    "name",
    "country",
    "time_zone",
    "currency",
    "working_week",
    "working_hours",
    "holidays",
];

fn site_row(s: &Site) -> SiteRow {
    SiteRow {
        id: s.id.clone(),
        code: s.code.clone(),
        name: s.name.clone(),
        country: s.country.clone(),
        time_zone: s.time_zone.clone(),
        currency: s.currency.clone(),
        week: s
            .working_week
            .iter()
            .map(|d| {
                DAYS.iter()
                    .find(|(k, _)| k == d)
                    .map(|(_, l)| *l)
                    .unwrap_or(d)
            })
            .collect::<Vec<_>>()
            .join(" "),
        holidays: s.holidays.len(),
    }
}

fn hours_text(s: &Site) -> String {
    s.working_hours
        .iter()
        .map(|[a, b]| format!("{a}-{b}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn holidays_text(s: &Site) -> String {
    s.holidays
        .iter()
        .map(|h| format!("{} {}", h.date, h.name))
        .collect::<Vec<_>>()
        .join("\n")
}

fn site_values(s: &Site) -> FormState {
    let mut f = FormState::with(&[
        ("code", s.code.clone()),
        ("name", s.name.clone()),
        ("country", s.country.clone()),
        ("time_zone", s.time_zone.clone()),
        ("currency", s.currency.clone()),
        ("working_hours", hours_text(s)),
        ("holidays", holidays_text(s)),
        ("version", s.version.to_string()),
    ]);
    f.multi = s
        .working_week
        .iter()
        .map(|d| ("working_week".to_string(), d.clone()))
        .collect();
    f
}

/// Reads a site form; the working hours are `09:00-12:30, 13:30-18:00`, the holidays one
/// `YYYY-MM-DD Name` per line.
fn site_json(f: &mut FormState) -> Value {
    let week: Vec<String> = f
        .multi
        .iter()
        .filter(|(k, _)| k == "working_week")
        .map(|(_, v)| v.clone())
        .collect();
    let mut hours: Vec<[String; 2]> = Vec::new();
    let mut bad_hours = false;
    for part in f
        .v("working_hours")
        .split([',', '\n', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match part.split_once('-') {
            Some((a, b)) => hours.push([a.trim().to_string(), b.trim().to_string()]),
            None => bad_hours = true,
        }
    }
    if bad_hours {
        f.add(
            "working_hours",
            "write periods as HH:MM-HH:MM, separated by commas",
        );
    }
    let mut holidays: Vec<Value> = Vec::new();
    let mut bad_holiday = None;
    for line in f
        .v("holidays")
        .lines()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match line.split_once(char::is_whitespace) {
            Some((d, n)) => holidays.push(json!({"date": d.trim(), "name": n.trim()})),
            None => bad_holiday = Some(line.to_string()),
        }
    }
    if let Some(l) = bad_holiday {
        f.add(
            "holidays",
            format!("“{l}”: write one holiday per line as YYYY-MM-DD and its name"),
        );
    }
    json!({
        "code": f.v("code").trim(),
        "name": f.v("name").trim(),
        "country": f.v("country").trim().to_uppercase(),
        "time_zone": f.v("time_zone").trim(),
        "currency": f.v("currency").trim().to_uppercase(),
        "working_week": week,
        "working_hours": hours,
        "holidays": holidays,
    })
}

async fn render_sites(state: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> Response {
    let svc = Svc::new(state, &ctx.caller);
    match svc.list_sites(&ALL).await {
        Ok(p) => {
            let mut rows: Vec<SiteRow> = p.items.iter().map(site_row).collect();
            rows.sort_by(|a, b| a.code.cmp(&b.code));
            page(
                status,
                &SitesPage {
                    chrome: ctx.chrome("Sites", "sites"),
                    rows,
                    can_edit: is_admin(ctx),
                    f,
                    days: DAYS,
                },
            )
        }
        Err(e) => ctx.error(e),
    }
}

pub async fn sites(State(state): State<AppState>, ctx: Ctx) -> Response {
    let mut f = FormState::with(&[("working_hours", "09:00-12:30, 13:30-18:00".into())]);
    f.multi = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|d| ("working_week".to_string(), d.to_string()))
        .collect();
    render_sites(&state, &ctx, f, StatusCode::OK).await
}

pub async fn create_site(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut f = FormState::new(&raw);
    let body = site_json(&mut f);
    let r = match f.precheck() {
        Err(e) => Err(e),
        Ok(()) => match parse_input::<SiteInput>(body) {
            Ok(input) => svc.create_site(input).await.map_err(ApiError::from),
            Err(e) => Err(e.into()),
        },
    };
    match r {
        Ok(s) => see_other(&format!("/admin/sites/{}", s.id)),
        Err(e) if e.status == StatusCode::FORBIDDEN => ctx.error(e),
        Err(e) => {
            f.errors.clear();
            f.absorb(&e, SITE_FIELDS);
            render_sites(&state, &ctx, f, e.status).await
        }
    }
}

async fn render_site(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    f: Option<FormState>,
    status: StatusCode,
) -> Response {
    let svc = Svc::new(state, &ctx.caller);
    match svc.get_site(id).await.map_err(ApiError::from) {
        Ok(s) => page(
            status,
            &SitePage {
                chrome: ctx.chrome(s.name.clone(), "sites"),
                id: s.id.clone(),
                code: s.code.clone(),
                name: s.name.clone(),
                version: s.version,
                can_edit: is_admin(ctx),
                row: site_row(&s),
                hours: hours_text(&s),
                holidays: s
                    .holidays
                    .iter()
                    .map(|h| (h.date.clone(), h.name.clone()))
                    .collect(),
                f: f.unwrap_or_else(|| site_values(&s)),
                days: DAYS,
            },
        ),
        Err(e) => ctx.error(e),
    }
}

pub async fn site_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    render_site(&state, &ctx, &id, None, StatusCode::OK).await
}

pub async fn update_site(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut f = FormState::new(&raw);
    let body = site_json(&mut f);
    let r = match f.precheck() {
        Err(e) => Err(e),
        Ok(()) => svc
            .update_site(&id, f.version(), body)
            .await
            .map_err(ApiError::from),
    };
    match r {
        Ok(_) => see_other(&format!("/admin/sites/{id}")),
        Err(e) if matches!(e.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => ctx.error(e),
        Err(e) => {
            f.errors.clear();
            f.absorb(&e, SITE_FIELDS);
            render_site(&state, &ctx, &id, Some(f), e.status).await
        }
    }
}

pub async fn delete_site(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let f = FormState::new(&raw);
    match svc
        .delete_site(&id, f.version())
        .await
        .map_err(ApiError::from)
    {
        Ok(()) => see_other("/admin/sites"),
        Err(e) => ctx.error(e),
    }
}

// ---------------------------------------------------------------- business units

pub struct UnitRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub parent: String,
    pub is_line: bool,
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    chrome: Chrome,
    rows: Vec<UnitRow>,
    parents: Vec<Opt>,
    can_edit: bool,
    f: FormState,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    chrome: Chrome,
    id: String,
    code: String,
    name: String,
    parent: String,
    version: i64,
    can_edit: bool,
    parents: Vec<Opt>,
    f: FormState,
}

const UNIT_FIELDS: &[&str] = &["code", "name", "parent_id"];

fn unit_json(f: &FormState) -> Value {
    json!({
        "code": f.v("code").trim(),
        "name": f.v("name").trim(),
        "parent_id": f.opt("parent_id"),
    })
}

async fn render_units(state: &AppState, ctx: &Ctx, f: FormState, status: StatusCode) -> Response {
    let svc = Svc::new(state, &ctx.caller);
    let r = async {
        let units = svc.list_business_units(&ALL).await?.items;
        // Units first, each followed by its lines.
        let mut rows: Vec<UnitRow> = Vec::new();
        let mut tops: Vec<_> = units.iter().filter(|u| u.parent_id.is_none()).collect();
        tops.sort_by(|a, b| a.name.cmp(&b.name));
        for t in &tops {
            rows.push(UnitRow {
                id: t.id.clone(),
                code: t.code.clone(),
                name: t.name.clone(),
                parent: String::new(),
                is_line: false,
            });
            let mut lines: Vec<_> = units
                .iter()
                .filter(|u| u.parent_id.as_deref() == Some(t.id.as_str()))
                .collect();
            lines.sort_by(|a, b| a.name.cmp(&b.name));
            for l in lines {
                rows.push(UnitRow {
                    id: l.id.clone(),
                    code: l.code.clone(),
                    name: l.name.clone(),
                    parent: t.name.clone(),
                    is_line: true,
                });
            }
        }
        // Deeper lines (a line of a line) follow at the end.
        for u in &units {
            if !rows.iter().any(|r| r.id == u.id) {
                rows.push(UnitRow {
                    id: u.id.clone(),
                    code: u.code.clone(),
                    name: u.name.clone(),
                    parent: u
                        .parent_id
                        .as_ref()
                        .and_then(|p| units.iter().find(|x| &x.id == p))
                        .map(|p| p.name.clone())
                        .unwrap_or_default(),
                    is_line: true,
                });
            }
        }
        let dir = Directory::load(&svc, false).await?;
        Ok::<_, ApiError>(page(
            status,
            &UnitsPage {
                chrome: ctx.chrome("Business units", "units"),
                rows,
                parents: dir.units,
                can_edit: is_admin(ctx),
                f,
            },
        ))
    }
    .await;
    r.unwrap_or_else(|e| ctx.error(e))
}

pub async fn units(State(state): State<AppState>, ctx: Ctx) -> Response {
    render_units(&state, &ctx, FormState::default(), StatusCode::OK).await
}

pub async fn create_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut f = FormState::new(&raw);
    let r = match parse_input::<BusinessUnitInput>(unit_json(&f)) {
        Ok(input) => svc
            .create_business_unit(input)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e.into()),
    };
    match r {
        Ok(_) => see_other("/admin/business-units"),
        Err(e) if e.status == StatusCode::FORBIDDEN => ctx.error(e),
        Err(e) => {
            f.absorb(&e, UNIT_FIELDS);
            render_units(&state, &ctx, f, e.status).await
        }
    }
}

async fn render_unit(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    f: Option<FormState>,
    status: StatusCode,
) -> Response {
    let svc = Svc::new(state, &ctx.caller);
    let r = async {
        let u = svc.get_business_unit(id).await?;
        let dir = Directory::load(&svc, false).await?;
        let parent = u
            .parent_id
            .as_deref()
            .map(|p| Directory::label(&dir.units, p).to_string())
            .unwrap_or_default();
        let f = f.unwrap_or_else(|| {
            FormState::with(&[
                ("code", u.code.clone()),
                ("name", u.name.clone()),
                ("parent_id", u.parent_id.clone().unwrap_or_default()),
                ("version", u.version.to_string()),
            ])
        });
        Ok::<_, ApiError>(page(
            status,
            &UnitPage {
                chrome: ctx.chrome(u.name.clone(), "units"),
                id: u.id.clone(),
                code: u.code.clone(),
                name: u.name.clone(),
                parent,
                version: u.version,
                can_edit: is_admin(ctx),
                parents: dir.units.into_iter().filter(|o| o.id != u.id).collect(),
                f,
            },
        ))
    }
    .await;
    r.unwrap_or_else(|e| ctx.error(e))
}

pub async fn unit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    render_unit(&state, &ctx, &id, None, StatusCode::OK).await
}

pub async fn update_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut f = FormState::new(&raw);
    let mut patch = unit_json(&f);
    if let Value::Object(m) = &mut patch {
        // An empty parent removes it (JSON merge patch: null deletes the member).
        m.entry("parent_id").or_insert(Value::Null);
    }
    match svc
        .update_business_unit(&id, f.version(), patch)
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => see_other(&format!("/admin/business-units/{id}")),
        Err(e) if matches!(e.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => ctx.error(e),
        Err(e) => {
            f.absorb(&e, UNIT_FIELDS);
            render_unit(&state, &ctx, &id, Some(f), e.status).await
        }
    }
}

pub async fn delete_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let f = FormState::new(&raw);
    match svc
        .delete_business_unit(&id, f.version())
        .await
        .map_err(ApiError::from)
    {
        Ok(()) => see_other("/admin/business-units"),
        Err(e) => ctx.error(e),
    }
}
