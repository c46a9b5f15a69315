//! The OpenAPI 3.1 document of the REST API, generated from the handlers' own types.
//!
//! [`routes`] is the one table of the API's contract: for each path and method, its request
//! body (the input type the handler parses), its success response (the type the handler
//! returns, with its status, content type and headers), its query parameters and whether it
//! needs `If-Match`. The schemas come from the Rust types through `schemars`: request bodies
//! from the `*Input` types with the deserialising contract (`deny_unknown_fields` becomes
//! `additionalProperties: false`; fields with a default are optional; the string rules are the
//! validators' own, see `pso_domain::schema`), responses from the entities with the serialising
//! contract. Error statuses follow from the route's shape (a body can be malformed, a path id
//! can name nothing, `If-Match` can be stale or missing) and are all
//! `application/problem+json`.
//!
//! The document is checked three ways: the tests (`healthz_and_openapi`, `every_route_answers`)
//! check that every route of the table is routed and fully described; in debug builds
//! [`undocumented_routes`] answers 500 to any `/api/v1` route missing from the table, so a test
//! of a new route fails until it is described; and `tools/contract/run.sh` (in CI) runs the
//! `schemathesis` contract fuzzer against the demo with every check on.
//!
//! **Adding a route** (a job, the outbox, timesheets...): besides its `.route(...)` in its
//! router, one entry in [`routes`]:
//! `Route::new(Method::Post, "/api/v1/things", "tag", "What it does", Reply::created::<Thing>())`
//! with `.body(Body::json::<ThingInput>())`, `.query(&[...])` or `.if_match()` as it needs (the
//! CRUD helpers [`collection`] and [`item`] write the usual five at once). [`Reply`] names the
//! success (200 JSON, an object with its ETag, a page `{items, next_cursor}`, 201 with or
//! without ETag/Location, 202 with the `Location` of the job, 204, XML). The types
//! need `#[derive(schemars::JsonSchema)]`; a string an input's validator constrains points at
//! a schema of `pso_domain::schema` (`#[schemars(schema_with = "...")]`) so the document
//! states the same rule. Then `tools/contract/run.sh` tells whether the document is true.

use crate::auth::SESSION_COOKIE;
use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use pso_domain::model::Entity;
use pso_domain::schema::{NO_CONTROL, NO_NUL};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// Makes the schema of a type with a generator (a reference to a component for responses, the
/// whole schema for request bodies).
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema_of<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// An HTTP method of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Patch => "patch",
            Method::Delete => "delete",
        }
    }
}

/// What a route takes in its body.
#[derive(Clone, Copy)]
pub enum Body {
    None,
    /// A JSON object of an input type.
    Json(SchemaFn),
    /// A JSON merge patch (RFC 7396) of an input type: every field optional, `null` resets a
    /// field that has a default.
    MergePatch(SchemaFn),
    /// An MS Project XML document.
    Xml,
    /// A CSV file.
    Csv,
}

impl Body {
    pub fn json<T: JsonSchema>() -> Body {
        Body::Json(schema_of::<T>)
    }
    pub fn merge_patch<T: JsonSchema>() -> Body {
        Body::MergePatch(schema_of::<T>)
    }
}

/// What a route answers when it succeeds.
#[derive(Clone, Copy)]
pub enum Reply {
    /// 200 with a JSON body.
    Ok(SchemaFn),
    /// 200 with one stored object and its `ETag`.
    Object(SchemaFn),
    /// 200 with `{"items": [...], "next_cursor": ...}`.
    List(SchemaFn),
    /// 201 with the new object, its `ETag` and its `Location`.
    Created(SchemaFn),
    /// 201 with a JSON body and no headers.
    CreatedBody(SchemaFn),
    /// 201 with a JSON body and the `Location` of what was made.
    CreatedAt(SchemaFn),
    /// 202 with a JSON body (the job) and the `Location` to follow it at.
    Accepted(SchemaFn),
    /// 204, no body.
    NoContent,
    /// 200 with an MS Project XML document.
    Xml,
    /// 200 with a CSV or XLSX file (`format`).
    File,
}

impl Reply {
    pub fn ok<T: JsonSchema>() -> Reply {
        Reply::Ok(schema_of::<T>)
    }
    pub fn object<T: JsonSchema>() -> Reply {
        Reply::Object(schema_of::<T>)
    }
    pub fn list<T: JsonSchema>() -> Reply {
        Reply::List(schema_of::<T>)
    }
    pub fn created<T: JsonSchema>() -> Reply {
        Reply::Created(schema_of::<T>)
    }
    pub fn created_body<T: JsonSchema>() -> Reply {
        Reply::CreatedBody(schema_of::<T>)
    }
    pub fn created_at<T: JsonSchema>() -> Reply {
        Reply::CreatedAt(schema_of::<T>)
    }
    pub fn accepted<T: JsonSchema>() -> Reply {
        Reply::Accepted(schema_of::<T>)
    }
}

/// A query parameter.
#[derive(Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub required: bool,
    pub description: &'static str,
    pub schema: fn() -> Value,
}

fn any_string() -> Value {
    json!({"type": "string", "pattern": NO_NUL})
}

fn not_blank() -> Value {
    json!({"type": "string", "pattern": concat!(
        "^[^\\u0000]*[^\\u0000\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028",
        "\\u2029\\u202f\\u205f\\u3000][^\\u0000]*$")})
}

/// White space `str::trim` removes, control characters included (a URL may hold them), as the
/// inside of a regex character class.
macro_rules! url_ws {
    () => {
        "\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
    };
}

/// An optional code in a query: blank for none, or what `Code::parse` accepts.
fn optional_code() -> Value {
    json!({"type": "string", "pattern": concat!(
        "^[", url_ws!(), "]*(?:[A-Za-z0-9._-]{2,32}[", url_ws!(), "]*)?$")})
}

/// The outbox's `state` filter: blank for any, or one of the states.
fn mail_state() -> Value {
    json!({"type": "string", "pattern": concat!(
        "^[", url_ws!(), "]*(?:(?:queued|sent|failed)[", url_ws!(), "]*)?$")})
}

/// An ISO week in a URL (`2027-W03`), as `IsoWeek::parse` takes it.
fn week() -> Value {
    json!({"type": "string", "pattern": pso_domain::schema::week_pattern(url_ws!())})
}

/// An optional ISO week in a query: blank for none.
fn optional_week() -> Value {
    let p = pso_domain::schema::week_pattern(url_ws!());
    json!({"type": "string", "pattern": format!("^[{}]*$|{p}", url_ws!())})
}

/// An export's format: blank for CSV.
fn export_format() -> Value {
    json!({"type": "string", "pattern": concat!(
        "^[", url_ws!(), "]*(?:(?:csv|xlsx)[", url_ws!(), "]*)?$")})
}

/// A date in a query, as `parse_date` takes it (trimmed).
fn url_date() -> Value {
    json!({"type": "string", "pattern": pso_domain::schema::date_pattern(url_ws!())})
}

/// The timesheet list's `state` filter: blank for any, or one of the states.
fn sheet_state() -> Value {
    json!({"type": "string", "pattern": concat!(
        "^[", url_ws!(), "]*(?:(?:draft|submitted|approved|rejected)[", url_ws!(), "]*)?$")})
}

/// `GET /api/v1/projects/{id}/progress`.
#[derive(serde::Serialize, JsonSchema)]
pub struct ProgressList {
    pub items: Vec<pso_store::sheet::TaskProgress>,
}

/// `PUT /api/v1/projects/{id}/status-date`.
#[derive(serde::Serialize, JsonSchema)]
pub struct StatusDate {
    pub status_date: Option<String>,
}

/// `POST /api/v1/timesheets/missing/remind`.
#[derive(serde::Serialize, JsonSchema)]
pub struct Reminded {
    pub messages: usize,
}

/// `GET /api/v1/timesheets/missing`.
#[derive(serde::Serialize, JsonSchema)]
pub struct MissingList {
    pub items: Vec<pso_store::sheet::MissingSheet>,
}

/// Every free string of a request body's schema (no pattern, format or list of values of its
/// own) refuses control characters but tab and newline, as the API does (`parse_input`).
fn refuse_nul(v: &mut Value) {
    match v {
        Value::Object(o) => {
            let is_string = match o.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(ts)) => ts.contains(&json!("string")),
                _ => false,
            };
            let free = ["pattern", "format", "enum", "const"]
                .iter()
                .all(|k| !o.contains_key(*k));
            if is_string && free {
                o.insert("pattern".into(), json!(NO_CONTROL));
            }
            o.values_mut().for_each(refuse_nul);
        }
        Value::Array(a) => a.iter_mut().for_each(refuse_nul),
        _ => {}
    }
}

/// `limit` and `cursor` of every paged list.
pub const PAGING: &[Param] = &[
    Param {
        name: "limit",
        required: false,
        description: "items per page",
        schema: || json!({"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
    },
    Param {
        name: "cursor",
        required: false,
        description: "the `next_cursor` of the previous page",
        schema: any_string,
    },
];

/// An optional text filter.
pub const fn filter(name: &'static str, description: &'static str) -> Param {
    Param {
        name,
        required: false,
        description,
        schema: any_string,
    }
}

/// One route: a path and a method, and its contract.
#[derive(Clone)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub query: Vec<Param>,
    pub body: Body,
    pub reply: Reply,
    /// Needs `If-Match` with the ETag read (missing: 428, stale: 412).
    pub if_match: bool,
    /// For a route that makes something: the path under which the new object lives and where
    /// its id is in the response (a JSON pointer). Default for a `POST .../things`:
    /// `/api/v1/things/{id}` and `/id`. The document links the routes under it (OpenAPI links,
    /// which a contract fuzzer follows).
    pub link: Option<(&'static str, &'static str)>,
}

impl Route {
    pub fn new(
        method: Method,
        path: &'static str,
        tag: &'static str,
        summary: &'static str,
        reply: Reply,
    ) -> Route {
        Route {
            method,
            path,
            tag,
            summary,
            query: Vec::new(),
            body: Body::None,
            reply,
            if_match: false,
            link: None,
        }
    }
    /// See [`Route::link`].
    pub fn links_to(mut self, item_path: &'static str, id_pointer: &'static str) -> Route {
        self.link = Some((item_path, id_pointer));
        self
    }
    pub fn body(mut self, body: Body) -> Route {
        self.body = body;
        self
    }
    pub fn query(mut self, params: &[Param]) -> Route {
        self.query.extend_from_slice(params);
        self
    }
    pub fn if_match(mut self) -> Route {
        self.if_match = true;
        self
    }
}

/// `GET` (paged list) and `POST` (create) of a collection of `E`.
pub fn collection<E>(
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    filters: &[Param],
) -> [Route; 2]
where
    E: Entity + JsonSchema,
    E::Input: JsonSchema,
{
    [
        Route::new(Method::Get, path, tag, summary, Reply::list::<E>())
            .query(filters)
            .query(PAGING),
        Route::new(Method::Post, path, tag, summary, Reply::created::<E>())
            .body(Body::json::<E::Input>()),
    ]
}

/// `GET`, `PATCH` (merge patch with `If-Match`) and `DELETE` (with `If-Match`) of one `E`.
pub fn item<E>(path: &'static str, tag: &'static str, summary: &'static str) -> [Route; 3]
where
    E: Entity + JsonSchema,
    E::Input: JsonSchema,
{
    [
        Route::new(Method::Get, path, tag, summary, Reply::object::<E>()),
        Route::new(Method::Patch, path, tag, summary, Reply::object::<E>())
            .body(Body::merge_patch::<E::Input>())
            .if_match(),
        Route::new(Method::Delete, path, tag, summary, Reply::NoContent).if_match(),
    ]
}

/// Every route of the API and its contract. The routers (`api`, `schedule`, `interchange`)
/// route these paths to their handlers; see the module docs for adding one.
pub fn routes() -> Vec<Route> {
    use crate::api::{Me, NewToken};
    use crate::schedule::{BaselineInput, ScheduleResult};
    use pso_app::interchange::StoredImport;
    use pso_app::schedule::{BaselineComparison, LoadView, StoredSchedule};
    use pso_app::tokens::TokenInput;
    use pso_domain::jobs::{Job, OutboxMessage, Schedule};
    use pso_domain::model::*;
    use pso_domain::plan::WbsMove;
    use pso_domain::schedule::Baseline;
    use Method::*;
    let r = Route::new;
    let mut v = vec![
        r(
            Get,
            "/api/v1/me",
            "session",
            "The caller: user, roles and (for cookie sessions) the CSRF token",
            Reply::ok::<Me>(),
        ),
        r(
            Get,
            "/api/v1/tokens",
            "session",
            "The caller's API tokens",
            Reply::list::<pso_store::ApiToken>(),
        ),
        r(
            Post,
            "/api/v1/tokens",
            "session",
            "Make an API token for the caller (the secret is shown once)",
            Reply::created_body::<NewToken>(),
        )
        .body(Body::json::<TokenInput>()),
        r(
            Delete,
            "/api/v1/tokens",
            "session",
            "Revoke every API token of the caller at once (a new password or a disabled \
             account revokes them too)",
            Reply::NoContent,
        ),
        r(
            Delete,
            "/api/v1/tokens/{id}",
            "session",
            "Revoke an API token",
            Reply::NoContent,
        ),
        r(
            Get,
            "/api/v1/jobs",
            "jobs",
            "The caller's background jobs, newest first (administrators: `all=true` for \
             everyone's)",
            Reply::list::<Job>(),
        )
        .query(&[
            PAGING[0],
            PAGING[1],
            filter("all", "`true` or `1`: every user's jobs (administrators)"),
        ]),
        r(
            Get,
            "/api/v1/jobs/{id}",
            "jobs",
            "One job: state, progress, result or error (its owner and administrators)",
            Reply::ok::<Job>(),
        ),
        r(
            Post,
            "/api/v1/jobs/{id}/cancel",
            "jobs",
            "Cancel a job (queued: at once; running: at its next step)",
            Reply::ok::<Job>(),
        ),
        r(
            Get,
            "/api/v1/schedules",
            "jobs",
            "Recurring jobs and their next run (administrators)",
            Reply::list::<Schedule>(),
        ),
        r(
            Get,
            "/api/v1/outbox",
            "jobs",
            "Outgoing e-mail with state, attempts and last error (administrators)",
            Reply::list::<OutboxMessage>(),
        )
        .query(&[
            PAGING[0],
            PAGING[1],
            Param {
                name: "state",
                required: false,
                description: "queued, sent or failed",
                schema: mail_state,
            },
        ]),
    ];
    v.extend(collection::<BusinessUnit>(
        "/api/v1/business-units",
        "organisation",
        "Business units and lines",
        &[],
    ));
    v.extend(item::<BusinessUnit>(
        "/api/v1/business-units/{id}",
        "organisation",
        "One business unit",
    ));
    v.extend(collection::<Site>(
        "/api/v1/sites",
        "organisation",
        "Sites with country, time zone, currency, calendar",
        &[],
    ));
    v.extend(item::<Site>(
        "/api/v1/sites/{id}",
        "organisation",
        "One site",
    ));
    v.push(r(
        Get,
        "/api/v1/sites/{id}/time-rules",
        "time",
        "Every version of the site's time rules (each in force from its `valid_from`)",
        Reply::ok::<pso_app::timesheet::TimeRulesSet>(),
    ));
    v.push(
        r(
            Put,
            "/api/v1/sites/{id}/time-rules",
            "time",
            "Set the site's time rules from `valid_from` on (the versions from that day on are \
             replaced; earlier entries keep the rules of their date): administrators, the \
             standards office, the site's PSO",
            Reply::ok::<pso_app::timesheet::TimeRulesSet>(),
        )
        .body(Body::json::<pso_domain::timesheet::TimeRulesInput>()),
    );
    v.push(r(
        Get,
        "/api/v1/sites/{id}/period-locks",
        "time",
        "The site's period lock: time dated on or before `through` is closed",
        Reply::ok::<pso_domain::timesheet::PeriodLock>(),
    ));
    v.push(
        r(
            Post,
            "/api/v1/sites/{id}/period-locks",
            "time",
            "Lock the site's time through a day (the site's PSO, administrators); moving the \
             lock back is for administrators (409 otherwise)",
            Reply::ok::<pso_domain::timesheet::PeriodLock>(),
        )
        .body(Body::json::<pso_domain::timesheet::PeriodLockInput>()),
    );
    let sheet = "/api/v1/people/{id}/timesheets/{week}";
    v.push(r(
        Get,
        sheet,
        "time",
        "A person's timesheet for an ISO week (an empty draft when none was saved): whole for \
         the person and their site's PSO, the approvers' own project lines for them; `warnings` \
         are the site's `warn` rules the entries break",
        Reply::ok::<pso_domain::sheet::Timesheet>(),
    ));
    v.push(
        r(
            Put,
            sheet,
            "time",
            "Replace the draft's entries and progress (the person, or their site's PSO on their \
             behalf), checked against the site's rules on each entry's date: a broken `forbid` \
             rule is 422 `rule_violation` with `violations` and nothing is saved. If-Match: the \
             sheet's version (0 for a sheet never saved)",
            Reply::ok::<pso_domain::sheet::Timesheet>(),
        )
        .body(Body::json::<pso_domain::sheet::TimesheetInput>())
        .if_match(),
    );
    v.push(
        r(
            Post,
            "/api/v1/people/{id}/timesheets/{week}/submit",
            "time",
            "Submit the draft: a line per project waits for that project's manager or PSO",
            Reply::ok::<pso_domain::sheet::Timesheet>(),
        )
        .if_match(),
    );
    v.push(
        r(
            Post,
            "/api/v1/people/{id}/timesheets/{week}/approve",
            "time",
            "Approve the caller's lines (or those named); the sheet is approved when every line \
             is, and its progress becomes its tasks'",
            Reply::ok::<pso_domain::sheet::Timesheet>(),
        )
        .body(Body::json::<pso_domain::sheet::ApproveInput>())
        .if_match(),
    );
    v.push(
        r(
            Post,
            "/api/v1/people/{id}/timesheets/{week}/reject",
            "time",
            "Reject the caller's lines with a reason: the sheet returns to draft, the reason shown",
            Reply::ok::<pso_domain::sheet::Timesheet>(),
        )
        .body(Body::json::<pso_domain::sheet::ReasonInput>())
        .if_match(),
    );
    v.push(
        r(
            Post,
            "/api/v1/people/{id}/timesheets/{week}/reopen",
            "time",
            "Reopen an approved sheet with a reason (the PSO of the person's site) unless its \
             period is locked (422 `rule_violation`, rule `period_locked`)",
            Reply::ok::<pso_domain::sheet::Timesheet>(),
        )
        .body(Body::json::<pso_domain::sheet::ReasonInput>())
        .if_match(),
    );
    v.push(
        r(
            Get,
            "/api/v1/timesheets",
            "time",
            "The sheets the caller sees: their own, their sites' (PSO), and for approvers the \
             lines of their projects; by week then person",
            Reply::list::<pso_store::sheet::SheetSummary>(),
        )
        .query(&[
            PAGING[0],
            PAGING[1],
            Param {
                name: "week",
                required: false,
                description: "an ISO week, 2027-W03",
                schema: optional_week,
            },
            filter("site_id", "sheets of people of this site"),
            filter("project_id", "sheets with time on this project"),
            filter("person_id", "this person's sheets"),
            Param {
                name: "state",
                required: false,
                description: "draft, submitted, approved, or rejected (drafts sent back)",
                schema: sheet_state,
            },
        ]),
    );
    v.push(
        r(
            Get,
            "/api/v1/timesheets/missing",
            "time",
            "The people of a site who have not submitted a week's sheet, with their manager \
             (the site's PSO, administrators)",
            Reply::ok::<MissingList>(),
        )
        .query(&[
            Param {
                name: "week",
                required: true,
                description: "an ISO week, 2027-W03",
                schema: week,
            },
            Param {
                name: "site_id",
                required: true,
                description: "the site",
                schema: not_blank,
            },
        ]),
    );
    v.push(
        r(
            Post,
            "/api/v1/timesheets/missing/remind",
            "time",
            "Remind a site's missing people of a week now, and its PSO with a summary (the \
             site's PSO, administrators); `messages` queued in the outbox",
            Reply::ok::<Reminded>(),
        )
        .body(Body::json::<pso_domain::sheet::RemindInput>()),
    );
    v.push(r(
        Get,
        "/api/v1/projects/{id}/progress",
        "time",
        "The progress of the project's tasks: from approved timesheets or set by the manager",
        Reply::ok::<ProgressList>(),
    ));
    v.push(
        r(
            Put,
            "/api/v1/tasks/{id}/progress",
            "time",
            "Set a task's progress (those who edit the plan); scheduling keeps work done where \
             it was and schedules the rest from the project's status date",
            Reply::ok::<pso_store::sheet::TaskProgress>(),
        )
        .body(Body::json::<pso_domain::sheet::TaskProgressInput>()),
    );
    v.push(
        r(
            Put,
            "/api/v1/projects/{id}/status-date",
            "time",
            "Set (or clear, with null) the day up to which the project's progress is reported",
            Reply::ok::<StatusDate>(),
        )
        .body(Body::json::<pso_domain::sheet::StatusDateInput>()),
    );
    v.push(
        r(
            Post,
            "/api/v1/timesheets/import",
            "time",
            "Import timesheet lines from CSV (email, date, project, task as WBS number or id, \
             minutes or hours, comment) into the people's drafts: every line or none; a refusal \
             names each line and its rule (`errors[].field` is `line N: column`)",
            Reply::ok::<pso_app::time_io::TimeImport>(),
        )
        .body(Body::Csv),
    );
    v.push(
        r(
            Get,
            "/api/v1/timesheets/export",
            "time",
            "Approved time as CSV or XLSX, by site (its PSO) and/or project (its approvers), \
             from a day to a day",
            Reply::File,
        )
        .query(&[
            Param {
                name: "format",
                required: false,
                description: "csv (default) or xlsx",
                schema: export_format,
            },
            filter("site_id", "the people of this site"),
            filter("project_id", "time on this project"),
            Param {
                name: "from",
                required: true,
                description: "the first day, YYYY-MM-DD",
                schema: url_date,
            },
            Param {
                name: "to",
                required: true,
                description: "the last day, YYYY-MM-DD",
                schema: url_date,
            },
        ]),
    );
    v.extend(collection::<Person>(
        "/api/v1/people",
        "organisation",
        "People",
        &[
            filter("site_id", "only people of this site"),
            filter("q", "name or e-mail contains this text"),
        ],
    ));
    v.extend(item::<Person>(
        "/api/v1/people/{id}",
        "organisation",
        "One person",
    ));
    v.extend(collection::<User>(
        "/api/v1/users",
        "organisation",
        "Users and their role grants (admins)",
        &[],
    ));
    v.extend(item::<User>(
        "/api/v1/users/{id}",
        "organisation",
        "One user",
    ));
    v.extend(collection::<Project>(
        "/api/v1/projects",
        "plan",
        "Projects in the caller's scopes",
        &[
            filter("site_id", "only projects of this site"),
            filter("business_unit_id", "only projects of this business unit"),
            Param {
                name: "status",
                required: false,
                description: "only projects in this status (empty: any)",
                schema: || {
                    let mut e = vec![json!("")];
                    e.extend(ProjectStatus::ALL.iter().map(|s| json!(s.as_str())));
                    json!({"type": "string", "enum": e})
                },
            },
            filter("q", "code or name contains this text"),
        ],
    ));
    v.extend(item::<Project>(
        "/api/v1/projects/{id}",
        "plan",
        "One project",
    ));
    v.extend(collection::<Task>(
        "/api/v1/projects/{id}/tasks",
        "plan",
        "The project's tasks (WBS)",
        &[],
    ));
    v.extend(item::<Task>("/api/v1/tasks/{id}", "plan", "One task"));
    v.push(
        r(
            Post,
            "/api/v1/tasks/{id}/move",
            "plan",
            "Move a task in the WBS in one transaction (indent, outdent, up, down, or to a \
             parent and index)",
            Reply::object::<Task>(),
        )
        .body(Body::json::<WbsMove>())
        .if_match(),
    );
    v.extend(collection::<Dependency>(
        "/api/v1/projects/{id}/dependencies",
        "plan",
        "The project's dependencies",
        &[],
    ));
    v.extend(item::<Dependency>(
        "/api/v1/dependencies/{id}",
        "plan",
        "One dependency",
    ));
    v.push(r(
        Get,
        "/api/v1/tasks/{id}/assignments",
        "plan",
        "The task's assignments (one page)",
        Reply::list::<Assignment>(),
    ));
    v.push(
        r(
            Post,
            "/api/v1/tasks/{id}/assignments",
            "plan",
            "Assign a person to the task",
            Reply::created::<Assignment>(),
        )
        .body(Body::json::<AssignmentInput>()),
    );
    v.extend(item::<Assignment>(
        "/api/v1/assignments/{id}",
        "plan",
        "One assignment",
    ));
    v.push(
        r(
            Get,
            "/api/v1/projects/{id}/audit-events",
            "audit",
            "The audit trail of a project and everything in it, newest first",
            Reply::list::<AuditEvent>(),
        )
        .query(PAGING),
    );
    v.push(
        r(
            Get,
            "/api/v1/audit-events",
            "audit",
            "The audit trail of one object, newest first",
            Reply::list::<AuditEvent>(),
        )
        .query(&[
            Param {
                name: "entity_type",
                required: true,
                description: "the kind of object",
                schema: || json!({"type": "string", "enum": crate::api::AUDITED_KINDS}),
            },
            Param {
                name: "entity_id",
                required: true,
                description: "the object's id",
                schema: any_string,
            },
        ])
        .query(PAGING),
    );
    v.extend([
        r(
            Get,
            "/api/v1/projects/{id}/schedule",
            "schedule",
            "The project's stored schedule (dates, float, critical, why) and its last run; the \
             tasks are paged (`limit` up to 1,000, default 1,000; `cursor`)",
            Reply::ok::<StoredSchedule>(),
        )
        .query(PAGING),
        r(
            Post,
            "/api/v1/projects/{id}/schedule",
            "schedule",
            "Run the engine on the project; returns what changed and the first page of the \
             new dates",
            Reply::ok::<ScheduleResult>(),
        ),
        r(
            Post,
            "/api/v1/portfolio/schedule",
            "schedule",
            "Schedule and level together every open project the caller may edit (shared \
             people), as a background job: 202 with the job, whose result lists the runs and the \
             projects left out",
            Reply::accepted::<Job>(),
        ),
        r(
            Get,
            "/api/v1/projects/{id}/baselines",
            "schedule",
            "Baselines of a project (one page)",
            Reply::list::<Baseline>(),
        ),
        r(
            Post,
            "/api/v1/projects/{id}/baselines",
            "schedule",
            "Save the current schedule as a baseline",
            Reply::created_body::<Baseline>(),
        )
        .body(Body::json::<BaselineInput>()),
        r(
            Get,
            "/api/v1/baselines/{id}/comparison",
            "schedule",
            "Current schedule against a baseline: start, finish and variance in working days \
             (one page)",
            Reply::ok::<BaselineComparison>(),
        ),
        r(
            Get,
            "/api/v1/resource-load",
            "schedule",
            "Weekly load per person against capacity, with leveling proposals",
            Reply::ok::<LoadView>(),
        )
        .query(&[filter("site_id", "only people of this site")]),
        r(
            Post,
            "/api/v1/imports/mspdi",
            "interchange",
            "Import an MS Project XML document as a new project, as a background job: 202 with \
             the job, whose result names the project and holds the import report",
            Reply::accepted::<Job>(),
        )
        .body(Body::Xml)
        .query(&[
            Param {
                name: "site_id",
                required: true,
                description: "the new project's site",
                schema: not_blank,
            },
            Param {
                name: "business_unit_id",
                required: true,
                description: "the new project's business unit",
                schema: not_blank,
            },
            Param {
                name: "code",
                required: false,
                description: "the new project's code (default: from the file's title)",
                schema: optional_code,
            },
            filter(
                "create_people",
                "`true`, `1`, `on` or `yes`: create people for unknown resources",
            ),
            filter("file_name", "the file's name, for the report"),
        ]),
        r(
            Get,
            "/api/v1/projects/{id}/mspdi",
            "interchange",
            "The project as MS Project XML (lossless for what was imported)",
            Reply::Xml,
        ),
        r(
            Get,
            "/api/v1/projects/{id}/import-report",
            "interchange",
            "What an MS Project import could not carry into PSO, and why",
            Reply::ok::<StoredImport>(),
        ),
    ]);
    v
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
        "plan_changed",
        "409: the plan changed while the engine was scheduling it; nothing was stored, \
         schedule again",
    ),
    (
        "invalid_character",
        "400: a URL with the NUL character (%00); text in a body with a control character is \
         a 422 `validation_failed` naming the field (rule `control_character`)",
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
        "rule_violation",
        "422: a timesheet breaks a `forbid` time rule of the site; see `violations`",
    ),
    (
        "precondition_required",
        "428: PATCH, DELETE and moves need If-Match",
    ),
    ("too_many_attempts", "429: too many failed sign-ins"),
    ("internal", "500: our failure, logged"),
    ("unavailable", "503: the database cannot be reached"),
];

/// The error statuses a route can answer, from its shape.
fn error_statuses(route: &Route) -> Vec<u16> {
    // 400: a malformed body, or a NUL character in the URL.
    let mut s = vec![400, 401, 403, 422, 500, 503];
    if route.path.contains('{') {
        s.push(404);
    }
    match route.body {
        Body::Json(_) | Body::MergePatch(_) => s.extend([413, 415]),
        Body::Xml | Body::Csv => s.push(413),
        Body::None => {}
    }
    if route.method != Method::Get {
        s.push(409);
    }
    if route.if_match {
        s.extend([412, 428]);
    }
    s.sort_unstable();
    s
}

/// A merge patch of an input: nothing required; `null` allowed where the field has a default
/// (it resets it), refused where it has none (a required field cannot be removed).
fn merge_patch_schema(mut input: Value) -> Value {
    let required: Vec<String> = input
        .get("required")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(o) = input.as_object_mut() {
        o.remove("required");
        o.remove("title");
        if let Some(Value::Object(props)) = o.get_mut("properties") {
            for (name, p) in props.iter_mut() {
                if !required.contains(name) {
                    nullable(p);
                }
                if let Some(p) = p.as_object_mut() {
                    p.remove("default");
                }
            }
        }
    }
    input
}

/// Lets a schema accept `null` too.
fn nullable(p: &mut Value) {
    let Some(o) = p.as_object_mut() else { return };
    match o.get_mut("type") {
        Some(Value::String(t)) if t != "null" => {
            let t = t.clone();
            o.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(ts)) if !ts.contains(&json!("null")) => ts.push(json!("null")),
        Some(_) => {}
        None => {
            *p = json!({"anyOf": [p.clone(), {"type": "null"}]});
            return;
        }
    }
    if let Some(Value::Array(e)) = o.get_mut("enum") {
        if !e.contains(&Value::Null) {
            e.push(Value::Null);
        }
    }
}

fn header(description: &str) -> Value {
    json!({"description": description, "required": true, "schema": {"type": "string"}})
}

/// OpenAPI links from a route's success response to the routes that act on what it returned:
/// from a creation to everything under the new object's path, from reading an object to
/// changing and deleting it (with the `ETag` just read as `If-Match`).
fn links(route: &Route, all: &[Route]) -> Map<String, Value> {
    let target = match (route.method, route.reply) {
        (Method::Post, Reply::Created(_) | Reply::CreatedBody(_) | Reply::CreatedAt(_)) => {
            route.link.map(|(p, ptr)| (p.to_string(), ptr)).or_else(|| {
                let last = route.path.rsplit('/').next()?;
                Some((format!("/api/v1/{last}/{{id}}"), "/id"))
            })
        }
        (Method::Get, Reply::Object(_)) => Some((route.path.to_string(), "/id")),
        _ => None,
    };
    let mut out = Map::new();
    let Some((prefix, pointer)) = target else {
        return out;
    };
    let etag = matches!(route.reply, Reply::Created(_) | Reply::Object(_));
    for r in all {
        let under = r.path == prefix || r.path.starts_with(&format!("{prefix}/"));
        let reading = route.method == Method::Get;
        if !under || (reading && (r.path != prefix || r.method == Method::Get)) {
            continue;
        }
        let mut params = json!({"path.id": format!("$response.body#{pointer}")});
        if r.if_match && etag && r.path == prefix {
            params["header.If-Match"] = json!("$response.header.ETag");
        }
        out.insert(
            operation_id(r),
            json!({"operationId": operation_id(r), "parameters": params}),
        );
    }
    out
}

fn operation(route: &Route, req: &mut SchemaGenerator, resp: &mut SchemaGenerator) -> Value {
    let mut params: Vec<Value> = Vec::new();
    if route.path.contains("{id}") {
        params.push(json!({"name": "id", "in": "path", "required": true,
            "schema": any_string()}));
    }
    if route.path.contains("{week}") {
        params.push(json!({"name": "week", "in": "path", "required": true,
            "schema": week(), "description": "an ISO week, 2027-W03"}));
    }
    for q in &route.query {
        params.push(
            json!({"name": q.name, "in": "query", "required": q.required,
            "schema": (q.schema)(), "description": q.description}),
        );
    }
    if route.if_match {
        params.push(json!({"name": "If-Match", "in": "header", "required": true,
            "schema": {"type": "string"},
            "description": "The ETag you read (missing: 428, stale: 412)"}));
    }
    let json_body = |schema: Value| json!({"application/json": {"schema": schema}});
    let mut responses = Map::new();
    let (status, ok) = match route.reply {
        Reply::Ok(f) => (
            200,
            json!({"description": "OK", "content": json_body(f(resp).to_value())}),
        ),
        Reply::Object(f) => (
            200,
            json!({"description": "OK", "content": json_body(f(resp).to_value()),
            "headers": {"ETag": header("The object's version, for If-Match")}}),
        ),
        Reply::List(f) => (
            200,
            json!({"description": "One page", "content": json_body(json!({
            "type": "object", "required": ["items", "next_cursor"], "additionalProperties": false,
            "properties": {"items": {"type": "array", "items": f(resp).to_value()},
                "next_cursor": {"type": ["string", "null"],
                    "description": "pass as `cursor` for the next page; null on the last"}}}))}),
        ),
        Reply::Created(f) => (
            201,
            json!({"description": "Created", "content": json_body(f(resp).to_value()),
            "headers": {"ETag": header("The object's version, for If-Match"),
                "Location": header("The new object's URL")}}),
        ),
        Reply::CreatedBody(f) => (
            201,
            json!({"description": "Created", "content": json_body(f(resp).to_value())}),
        ),
        Reply::CreatedAt(f) => (
            201,
            json!({"description": "Created", "content": json_body(f(resp).to_value()),
            "headers": {"Location": header("The new object's URL")}}),
        ),
        Reply::Accepted(f) => (
            202,
            json!({"description": "Accepted: the work runs as a job",
            "content": json_body(f(resp).to_value()),
            "headers": {"Location": header("Where to follow the job")}}),
        ),
        Reply::NoContent => (204, json!({"description": "Done"})),
        Reply::File => (
            200,
            json!({"description": "OK",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                    {"schema": {"type": "string", "format": "binary"}}},
            "headers": {"Content-Disposition": header("attachment; filename=\"time-FROM-TO.csv\"")}}),
        ),
        Reply::Xml => (
            200,
            json!({"description": "OK",
            "content": {"application/xml": {"schema": {"type": "string"}}},
            "headers": {"Content-Disposition": header("attachment; filename=\"CODE.xml\"")}}),
        ),
    };
    responses.insert(status.to_string(), ok);
    for s in error_statuses(route) {
        let reason = StatusCode::from_u16(s)
            .ok()
            .and_then(|c| c.canonical_reason())
            .unwrap_or("Error");
        let mut r = json!({"description": reason, "content": {"application/problem+json":
            {"schema": {"$ref": "#/components/schemas/Problem"}}}});
        if s == 401 {
            r["headers"] = json!({"WWW-Authenticate": header("Bearer realm=\"pso\"")});
        }
        responses.insert(s.to_string(), r);
    }
    let mut op = json!({
        "tags": [route.tag],
        "summary": route.summary,
        "operationId": operation_id(route),
        "parameters": params,
        "responses": responses,
        "security": [{"bearer": []}, {"session": []}],
    });
    match route.body {
        Body::None => {}
        Body::Json(f) => {
            let mut schema = f(req).to_value();
            refuse_nul(&mut schema);
            op["requestBody"] = json!({"required": true, "content": json_body(schema)});
        }
        Body::MergePatch(f) => {
            let mut schema = merge_patch_schema(f(req).to_value());
            refuse_nul(&mut schema);
            op["requestBody"] = json!({"required": true,
                "description": "A JSON merge patch (RFC 7396): the fields to change; null resets \
                                a field to its default",
                "content": {"application/json": {"schema": schema},
                    "application/merge-patch+json": {"schema": schema}}});
        }
        Body::Xml => {
            op["requestBody"] = json!({"required": true,
                "description": "An MS Project XML (MSPDI) document",
                "content": {"application/xml": {"schema": {"type": "string"}}}});
        }
        Body::Csv => {
            op["requestBody"] = json!({"required": true,
                "description": "A CSV file with a header line",
                "content": {"text/csv": {"schema": {"type": "string"}}}});
        }
    }
    op
}

fn operation_id(route: &Route) -> String {
    format!(
        "{}_{}",
        route.method.as_str(),
        route
            .path
            .trim_start_matches("/api/v1/")
            .replace(['/', '-'], "_")
            .replace(['{', '}'], "")
    )
}

/// The OpenAPI 3.1 document of every route.
pub fn document() -> Value {
    let mut req = SchemaSettings::draft2020_12()
        .for_deserialize()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    let mut resp = SchemaSettings::draft2020_12()
        .for_serialize()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator();
    let mut paths = Map::new();
    let all = routes();
    for route in &all {
        let mut op = operation(route, &mut req, &mut resp);
        let l = links(route, &all);
        if !l.is_empty() {
            if let Some(ok) = op["responses"]
                .as_object_mut()
                .and_then(|rs| rs.iter_mut().find(|(k, _)| k.starts_with('2')))
                .map(|(_, v)| v)
            {
                ok["links"] = Value::Object(l);
            }
        }
        let item = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        item[route.method.as_str()] = op;
    }
    paths.insert(
        "/healthz".into(),
        json!({"get": {"summary": "Liveness and database check", "operationId": "healthz",
            "security": [], "tags": ["session"],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}}}}},
                "503": {"description": "Database unavailable", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}}}}}}}}),
    );
    paths.insert(
        "/api/v1/openapi.json".into(),
        json!({"get": {"summary": "This document", "operationId": "openapi", "security": [],
            "tags": ["session"],
            "responses": {"200": {"description": "OpenAPI 3.1",
                "content": {"application/json": {"schema": {"type": "object"}}}}}}}),
    );
    let mut schemas = resp.take_definitions(true);
    let problem = resp.subschema_for::<crate::error::Problem>();
    schemas.extend(resp.take_definitions(true));
    if let Some(Value::Object(p)) = schemas.get_mut("Problem") {
        p.insert(
            "description".into(),
            json!(format!(
                "RFC 9457 problem document. Codes: {}",
                ERROR_CODES
                    .iter()
                    .map(|(c, d)| format!("`{c}` ({d})"))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        );
    }
    debug_assert_eq!(
        problem.to_value(),
        json!({"$ref": "#/components/schemas/Problem"})
    );
    json!({
        "openapi": "3.1.0",
        "info": {"title": "PSO API", "version": env!("CARGO_PKG_VERSION"),
            "description": "The REST API of PSO, the platform for project support offices. Lists \
                return {items, next_cursor}; PATCH, DELETE and moves need If-Match; errors are \
                application/problem+json."},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                    "description": "An API token from `pso token create` or POST /api/v1/tokens"},
                "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
                    "description": "Browser session; writes need the X-CSRF-Token header"}
            }
        }
    })
}

/// `GET /api/v1/openapi.json`: the document, made once.
pub async fn serve() -> Response {
    static DOC: OnceLock<Value> = OnceLock::new();
    Json(DOC.get_or_init(document)).into_response()
}

/// Debug builds: a `/api/v1` route that is routed but missing from [`routes`] answers 500,
/// naming the table, so the tests of a new route fail until its contract is written down.
pub async fn undocumented_routes(req: Request, next: Next) -> Response {
    static TABLE: OnceLock<Vec<(Method, &'static str)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| routes().iter().map(|r| (r.method, r.path)).collect());
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let method = match *req.method() {
        axum::http::Method::GET => Some(Method::Get),
        axum::http::Method::POST => Some(Method::Post),
        axum::http::Method::PUT => Some(Method::Put),
        axum::http::Method::PATCH => Some(Method::Patch),
        axum::http::Method::DELETE => Some(Method::Delete),
        _ => None,
    };
    let exempt = ["/api/v1/openapi.json", "/api/v1/{*rest}"];
    let documented = !path.starts_with("/api/")
        || exempt.contains(&path.as_str())
        || method.is_some_and(|m| table.contains(&(m, path.as_str())));
    let resp = next.run(req).await;
    // A method the path does not route is answered 405 by the router, as it should be.
    if documented || resp.status() == StatusCode::METHOD_NOT_ALLOWED {
        return resp;
    }
    crate::error::ApiError::internal(format!(
        "{} {path} is routed but not in the OpenAPI table (pso_web::openapi::routes)",
        method.map(Method::as_str).unwrap_or("?").to_uppercase()
    ))
    .into_response()
}
