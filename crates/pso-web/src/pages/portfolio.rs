//! The portfolio: the project list with filters and paging, and the "New project" form.

use super::{fragment, page, query_string, see_other, Chrome, Ctx, FormState, RawForm};
use crate::api::{paging, project_filter};
use crate::error::ApiError;
use crate::service::{parse_input, Paging, Svc};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use pso_domain::access::ProjectAction;
use pso_domain::ids::{BusinessUnitId, SiteId};
use pso_domain::model::{ProjectInput, ProjectStatus};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// One entry of a `<select>`.
#[derive(Debug, Clone)]
pub struct Opt {
    pub id: String,
    pub label: String,
}

pub struct Row {
    pub id: String,
    pub code: String,
    pub name: String,
    pub site: String,
    pub unit: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub priority: i64,
    pub start: String,
}

#[derive(Template)]
#[template(path = "portfolio_list.html")]
struct ListPartial {
    rows: Vec<Row>,
    next_href: Option<String>,
    first_href: Option<String>,
    filtered: bool,
}

#[derive(Template)]
#[template(path = "portfolio.html")]
struct PortfolioPage {
    chrome: Chrome,
    filters: FormState,
    sites: Vec<Opt>,
    units: Vec<Opt>,
    people: Vec<Opt>,
    people_total: i64,
    new_sites: Vec<Opt>,
    new_units: Vec<Opt>,
    statuses: Vec<(&'static str, &'static str)>,
    list: String,
    can_create: bool,
    form: FormState,
}

pub fn statuses() -> Vec<(&'static str, &'static str)> {
    ProjectStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect()
}

const ALL: Paging = Paging {
    limit: 1000,
    cursor: None,
};

/// People a picker lists before it needs a search (the rest are reached by searching).
pub const PICKER_PEOPLE: i64 = 200;

/// Sites, business units and people as choices, with lookups by id.
pub struct Directory {
    pub sites: Vec<Opt>,
    pub units: Vec<Opt>,
    /// The first [`PICKER_PEOPLE`] people by name (see `people_total`).
    pub people: Vec<Opt>,
    /// Everyone: when more than `people` lists, the pickers offer a search.
    pub people_total: i64,
    pub site_codes: HashMap<String, String>,
    /// Short names of business units (without their parent).
    pub unit_names: HashMap<String, String>,
    /// Ids of each business unit and of the units above it.
    pub unit_chains: HashMap<String, Vec<String>>,
}

/// A person as a picker shows them.
pub fn person_opt(p: pso_domain::model::Person) -> Opt {
    Opt {
        id: p.id,
        label: match p.email {
            Some(e) => format!("{} <{e}>", p.name),
            None => p.name,
        },
    }
}

impl Directory {
    /// Makes sure the person chosen in a form is among the people listed.
    pub async fn with_person(&mut self, svc: &Svc<'_>, id: &str) -> Result<(), ApiError> {
        if id.is_empty() || self.people.iter().any(|p| p.id == id) {
            return Ok(());
        }
        if let Ok(p) = svc.get_person(id).await {
            self.people.insert(0, person_opt(p));
        }
        Ok(())
    }

    pub async fn load(svc: &Svc<'_>, with_people: bool) -> Result<Directory, ApiError> {
        let sites = svc.list_sites(&ALL).await?.items;
        let units = svc.list_business_units(&ALL).await?.items;
        let (people, people_total) = if with_people {
            svc.people_for_picker("", PICKER_PEOPLE).await?
        } else {
            (Vec::new(), 0)
        };
        let mut units_sorted: Vec<Opt> = units
            .iter()
            .map(|u| {
                let parent = u
                    .parent_id
                    .as_ref()
                    .and_then(|p| units.iter().find(|x| &x.id == p));
                Opt {
                    id: u.id.clone(),
                    label: match parent {
                        Some(p) => format!("{} › {} ({})", p.name, u.name, u.code),
                        None => format!("{} ({})", u.name, u.code),
                    },
                }
            })
            .collect();
        units_sorted.sort_by(|a, b| a.label.cmp(&b.label));
        let mut site_opts: Vec<Opt> = sites
            .iter()
            .map(|s| Opt {
                id: s.id.clone(),
                label: format!("{} ({})", s.name, s.code),
            })
            .collect();
        site_opts.sort_by(|a, b| a.label.cmp(&b.label));
        let people_opts: Vec<Opt> = people.into_iter().map(person_opt).collect();
        let mut unit_chains: HashMap<String, Vec<String>> = HashMap::new();
        for u in &units {
            let mut codes = vec![u.id.clone()];
            let mut cur = u.parent_id.clone();
            while let Some(p) = cur.take() {
                if codes.len() > units.len() {
                    break;
                }
                if let Some(x) = units.iter().find(|x| x.id == p) {
                    codes.push(x.id.clone());
                    cur = x.parent_id.clone();
                }
            }
            unit_chains.insert(u.id.clone(), codes);
        }
        Ok(Directory {
            unit_chains,
            unit_names: units
                .iter()
                .map(|u| (u.id.clone(), u.name.clone()))
                .collect(),
            site_codes: sites
                .iter()
                .map(|s| (s.id.clone(), s.code.clone()))
                .collect(),
            sites: site_opts,
            units: units_sorted,
            people: people_opts,
            people_total,
        })
    }

    pub fn label<'a>(list: &'a [Opt], id: &str) -> &'a str {
        list.iter()
            .find(|o| o.id == id)
            .map(|o| o.label.as_str())
            .unwrap_or("—")
    }
}

async fn list_partial(
    svc: &Svc<'_>,
    dir: &Directory,
    q: &HashMap<String, String>,
) -> Result<ListPartial, ApiError> {
    let filter = project_filter(q).unwrap_or_default();
    let mut p = paging(q).unwrap_or_default();
    if !q.contains_key("limit") {
        p.limit = 50;
    }
    let page = svc.list_projects(&filter, &p).await?;
    let site_code = |id: &str| dir.site_codes.get(id).cloned().unwrap_or_default();
    let rows = page
        .items
        .into_iter()
        .map(|pr| Row {
            site: site_code(&pr.site_id),
            unit: dir
                .unit_names
                .get(&pr.business_unit_id)
                .cloned()
                .unwrap_or_default(),
            status: pr.status.as_str(),
            status_label: pr.status.label(),
            id: pr.id,
            code: pr.code,
            name: pr.name,
            priority: pr.priority,
            start: pr.start_date,
        })
        .collect();
    let keep = |k: &str| q.get(k).map(|s| s.as_str()).unwrap_or("");
    let base = [
        ("q", keep("q")),
        ("site_id", keep("site_id")),
        ("business_unit_id", keep("business_unit_id")),
        ("status", keep("status")),
    ];
    let next_href = page.next_cursor.as_deref().map(|c| {
        let mut pairs = base.to_vec();
        pairs.push(("cursor", c));
        format!("/projects?{}", query_string(&pairs))
    });
    let first_href = p
        .cursor
        .as_ref()
        .map(|_| format!("/projects?{}", query_string(&base)));
    Ok(ListPartial {
        rows,
        next_href,
        first_href,
        filtered: base.iter().any(|(_, v)| !v.is_empty()),
    })
}

async fn render(
    ctx: &Ctx,
    svc: &Svc<'_>,
    q: &HashMap<String, String>,
    form: FormState,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let can_create = ctx.caller.principal.may_create_projects();
    let mut dir = Directory::load(svc, can_create).await?;
    if can_create {
        dir.with_person(svc, form.v("manager_id")).await?;
    }
    let list = list_partial(svc, &dir, q).await?;
    if ctx.htmx && status == StatusCode::OK {
        let mut r = page(StatusCode::OK, &list);
        r.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("HX-Request"));
        return Ok(r);
    }
    let filters = FormState {
        values: q.clone(),
        ..Default::default()
    };
    // The "New project" form offers the sites and units where the caller may create projects
    // (the service decides; this only spares choices that would be refused).
    let manage = ctx.caller.principal.project_scope(ProjectAction::Manage);
    let new_sites: Vec<Opt> = if manage.all || !manage.business_unit_ids.is_empty() {
        dir.sites.clone()
    } else {
        dir.sites
            .iter()
            .filter(|o| manage.site_ids.contains(&SiteId::from(&o.id)))
            .cloned()
            .collect()
    };
    let new_units: Vec<Opt> = if manage.all || !manage.site_ids.is_empty() {
        dir.units.clone()
    } else {
        dir.units
            .iter()
            .filter(|o| {
                dir.unit_chains.get(&o.id).is_some_and(|c| {
                    c.iter()
                        .any(|c| manage.business_unit_ids.contains(&BusinessUnitId::from(c)))
                })
            })
            .cloned()
            .collect()
    };
    let mut form = form;
    for (field, only) in [("site_id", &new_sites), ("business_unit_id", &new_units)] {
        if let ([one], true) = (only.as_slice(), form.v(field).is_empty()) {
            form.values.insert(field.into(), one.id.clone());
        }
    }
    let t = PortfolioPage {
        new_sites,
        new_units,
        chrome: ctx.chrome("Portfolio", "portfolio"),
        filters,
        sites: dir.sites.clone(),
        units: dir.units.clone(),
        people: dir.people.clone(),
        people_total: dir.people_total,
        statuses: statuses(),
        list: fragment(&list),
        can_create,
        form,
    };
    let mut r = page(status, &t);
    r.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("HX-Request"));
    Ok(r)
}

pub async fn portfolio(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let today = chrono::Utc::now().date_naive().to_string();
    let form = FormState::with(&[
        ("status", "proposed".into()),
        ("priority", "500".into()),
        ("start_date", today),
    ]);
    match render(&ctx, &svc, &q, form, StatusCode::OK).await {
        Ok(r) => r,
        Err(e) => ctx.error(e),
    }
}

/// Reads the project fields of a form into the JSON of the API (`None` values left out).
pub fn project_json(f: &mut FormState) -> Value {
    let mut m = Map::new();
    for k in ["code", "name", "site_id", "business_unit_id", "start_date"] {
        m.insert(k.into(), json!(f.v(k).trim()));
    }
    m.insert("description".into(), json!(f.v("description")));
    m.insert(
        "manager_id".into(),
        f.opt("manager_id")
            .map(Value::String)
            .unwrap_or(Value::Null),
    );
    match ProjectStatus::parse(f.v("status")) {
        Some(s) => {
            m.insert("status".into(), json!(s.as_str()));
        }
        None => f.add("status", "choose a status"),
    }
    match f.v("priority").trim().parse::<i64>() {
        Ok(n) => {
            m.insert("priority".into(), json!(n));
        }
        Err(_) => f.add("priority", "priority is a whole number from 1 to 1000"),
    }
    Value::Object(m)
}

pub const PROJECT_FIELDS: &[&str] = &[
    "code",
    "name",
    "description",
    "site_id",
    "business_unit_id",
    "manager_id",
    "status",
    "priority",
    "start_date",
];

pub async fn create_project(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(raw): Form<RawForm>,
) -> Response {
    let svc = Svc::new(&state, &ctx.caller);
    let mut f = FormState::new(&raw);
    let mut body = project_json(&mut f);
    if let Value::Object(m) = &mut body {
        if m.get("manager_id") == Some(&Value::Null) {
            m.remove("manager_id");
        }
    }
    f.also_validate(&body, ProjectInput::validate);
    let result = match f.precheck() {
        Err(e) => Err(e),
        Ok(()) => match parse_input::<ProjectInput>(body) {
            Ok(input) => svc.create_project(input).await.map_err(ApiError::from),
            Err(e) => Err(e.into()),
        },
    };
    match result {
        Ok(p) => see_other(&format!("/projects/{}", p.id)),
        Err(e) => {
            let status = e.status;
            f.errors.clear();
            f.absorb(&e, PROJECT_FIELDS);
            match render(&ctx, &svc, &HashMap::new(), f, status).await {
                Ok(r) => r,
                Err(e) => ctx.error(e),
            }
        }
    }
}
