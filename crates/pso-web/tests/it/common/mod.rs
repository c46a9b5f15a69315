//! The harness of the API suite: `spawn_app()` starts the real server (`pso_web::serve`) on
//! 127.0.0.1:0 over a fresh database and gives the test an HTTP client, a seeded admin token
//! and helpers.
//!
//! Backends: SQLite always (a file in a fresh temporary directory); PostgreSQL when
//! `PSO_TEST_DATABASE_URL` names an admin connection: each test then gets its own database
//! `pso_t_<random>`, created here and dropped when the test ends (even when it fails).
//! [`both!`] turns one test body into a `sqlite` and a `postgres` test.

#![allow(dead_code)]

pub mod smtp;

use pso_domain::model::{User, UserInput};
use pso_store::Store;
use pso_web::{AppState, WebConfig};
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};
use std::path::PathBuf;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Expands `both!(name)` into `mod name { sqlite, postgres }`, each running `async fn name(app:
/// TestApp)` on its backend. Without `PSO_TEST_DATABASE_URL` the PostgreSQL variant fails when
/// `CI=true` and otherwise returns early with a notice.
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = crate::common::spawn_app(crate::common::Backend::Sqlite).await;
                super::$name(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(app) = crate::common::spawn_postgres().await else { return };
                super::$name(app).await;
            }
        }
    )*};
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const PG_ENV: &str = "PSO_TEST_DATABASE_URL";

/// A PostgreSQL app if the variable is set; `None` (with a notice) if not, outside CI.
pub async fn spawn_postgres() -> Option<TestApp> {
    if std::env::var(PG_ENV).map(|v| v.is_empty()).unwrap_or(true) {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{PG_ENV} is not set but CI=true: the PostgreSQL half of the suite must run");
        }
        eprintln!("note: {PG_ENV} is not set; skipping the PostgreSQL variant");
        return None;
    }
    Some(spawn_app(Backend::Postgres).await)
}

/// What must be cleaned up when the test ends.
enum Db {
    Sqlite { dir: PathBuf },
    Postgres { admin_url: String, name: String },
}

impl Drop for Db {
    fn drop(&mut self) {
        match self {
            Db::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Db::Postgres { admin_url, name } => {
                // Drop runs inside the test's runtime (or while unwinding): use a thread with
                // its own runtime; FORCE ends the server's pooled connections.
                let (url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(rt) = rt {
                        rt.block_on(async move {
                            if let Ok(admin) = Store::connect(&url).await {
                                let _ = sqlx::query(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .execute(admin.pool())
                                .await;
                                admin.close().await;
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}

/// A running server over a fresh database.
pub struct TestApp {
    pub backend: Backend,
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub database_url: String,
    /// A handle on the same database (for seeding users and tokens).
    pub store: Store,
    /// The client used by the helpers: no redirects followed, no cookie jar (tests handle
    /// cookies explicitly).
    pub client: reqwest::Client,
    /// API token of a global admin.
    pub admin_token: String,
    pub admin: User,
    config: WebConfig,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    // Last, so the database is dropped after the server and store are gone.
    _db: Db,
}

fn random_suffix() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn start_server(
    store: Store,
    config: WebConfig,
    limits: pso_app::Limits,
) -> (String, oneshot::Sender<()>, JoinHandle<std::io::Result<()>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    let app = pso_app::App::with_limits(store, limits).await.expect("app");
    let state = AppState::from_app(app, config);
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(pso_web::serve(listener, state, async move {
        let _ = rx.await;
    }));
    (address, tx, server)
}

/// Starts the server on a fresh database of the given backend, with an admin and their token.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, WebConfig::default()).await
}

/// [`spawn_app`] with web settings of the test's choosing.
pub async fn spawn_app_with(backend: Backend, config: WebConfig) -> TestApp {
    let (database_url, db) = match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("pso-test-{}", random_suffix()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            (
                format!("sqlite://{}/pso.db?mode=rwc", dir.display()),
                Db::Sqlite { dir },
            )
        }
        Backend::Postgres => {
            let admin_url = std::env::var(PG_ENV).expect("PSO_TEST_DATABASE_URL");
            let name = format!("pso_t_{}", random_suffix());
            let admin = Store::connect(&admin_url)
                .await
                .expect("connect to PSO_TEST_DATABASE_URL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(admin.pool())
                .await
                .expect("create test database");
            admin.close().await;
            let (base, query) = match admin_url.split_once('?') {
                Some((b, q)) => (b.to_string(), format!("?{q}")),
                None => (admin_url.clone(), String::new()),
            };
            let base = match base.rfind('/') {
                Some(i) if i > "postgres://".len() => base[..i].to_string(),
                _ => base,
            };
            (
                format!("{base}/{name}{query}"),
                Db::Postgres { admin_url, name },
            )
        }
    };
    let store = Store::connect(&database_url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let admin = create_user(
        &store,
        "admin@test.example",
        "Ada Admin",
        &[("admin", "global")],
        None,
    )
    .await;
    let (admin_token, _) = pso_web::auth::issue_token(&store, &admin.id, "test")
        .await
        .expect("token");
    let (address, tx, server) =
        start_server(store.clone(), config.clone(), pso_app::Limits::default()).await;
    TestApp {
        config,
        backend,
        address,
        database_url,
        store,
        client: client(),
        admin_token,
        admin,
        shutdown: Some(tx),
        server: Some(server),
        _db: db,
    }
}

/// Creates a user through the application layer as the local administrator (grants as
/// `(role, scope)` with scope codes, resolved to ids), optionally with a password.
pub async fn create_user(
    store: &Store,
    email: &str,
    name: &str,
    grants: &[(&str, &str)],
    password: Option<&str>,
) -> User {
    let mut input: UserInput = serde_json::from_value(json!({
        "email": email,
        "name": name,
        "grants": grants.iter().map(|(r, s)| json!({"role": r, "scope": s})).collect::<Vec<_>>(),
    }))
    .expect("user input");
    input.password = password.map(Into::into);
    let app = pso_app::App::new(store.clone()).await.expect("app");
    let system = pso_app::Caller::system("test");
    pso_app::Svc::new(&app, &system)
        .create_user(input)
        .await
        .expect("create user")
}

/// A response, read once.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    /// The body as JSON (`Null` when it is not JSON).
    pub json: Value,
}

impl Resp {
    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    #[track_caller]
    pub fn etag(&self) -> String {
        self.header("etag").expect("an ETag header")
    }

    pub fn id(&self) -> String {
        self.json["id"].as_str().expect("an id").to_string()
    }

    /// `items` of a list.
    pub fn items(&self) -> Vec<Value> {
        self.json["items"].as_array().cloned().unwrap_or_default()
    }

    /// The `field` of every entry in `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.json["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asserts an RFC 9457 problem document with this status and code.
    #[track_caller]
    pub fn problem(self, status: u16, code: &str) -> Self {
        let r = self.expect(status);
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/problem+json"),
            "problem content type; body: {}",
            r.text
        );
        assert_eq!(r.json["status"], json!(status), "body: {}", r.text);
        assert_eq!(r.json["code"], json!(code), "body: {}", r.text);
        assert!(r.json["title"].is_string(), "title; body: {}", r.text);
        assert!(r.json["type"].is_string(), "type; body: {}", r.text);
        assert!(r.json["detail"].is_string(), "detail; body: {}", r.text);
        r
    }

    /// Asserts a 422 naming `field`.
    #[track_caller]
    pub fn invalid(self, field: &str) -> Self {
        let r = self.problem(422, "validation_failed");
        assert!(
            r.error_fields().iter().any(|f| f == field),
            "expected an error on '{field}'; body: {}",
            r.text
        );
        r
    }
}

/// Sends a request and reads the response.
pub async fn send(rb: RequestBuilder) -> Resp {
    let r = rb.send().await.expect("request");
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        json,
    }
}

/// Ids of the organisation made by [`TestApp::org`].
#[derive(Debug, Clone)]
pub struct Org {
    /// Business unit `ENG` and its line `ENG-SW`.
    pub bu: String,
    pub line: String,
    /// Site `PAR` (France) and `CHI` (USA).
    pub paris: String,
    pub chicago: String,
    pub person: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A request without credentials.
    pub fn anon(&self, m: Method, path: &str) -> RequestBuilder {
        self.client.request(m, self.url(path))
    }

    /// A request with a Bearer token.
    pub fn with(&self, token: &str, m: Method, path: &str) -> RequestBuilder {
        self.anon(m, path).bearer_auth(token)
    }

    /// A request as the seeded admin.
    pub fn req(&self, m: Method, path: &str) -> RequestBuilder {
        self.with(&self.admin_token, m, path)
    }

    pub async fn get(&self, path: &str) -> Resp {
        send(self.req(Method::GET, path)).await
    }

    pub async fn get_as(&self, token: &str, path: &str) -> Resp {
        send(self.with(token, Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        send(self.req(Method::POST, path).json(&body)).await
    }

    pub async fn post_as(&self, token: &str, path: &str, body: Value) -> Resp {
        send(self.with(token, Method::POST, path).json(&body)).await
    }

    /// A POST with `If-Match` (actions on one object, such as a WBS move).
    pub async fn post_with_if_match(&self, path: &str, etag: &str, body: Value) -> Resp {
        send(
            self.req(Method::POST, path)
                .header("if-match", etag)
                .json(&body),
        )
        .await
    }

    pub async fn patch(&self, path: &str, etag: &str, body: Value) -> Resp {
        send(
            self.req(Method::PATCH, path)
                .header("if-match", etag)
                .json(&body),
        )
        .await
    }

    pub async fn patch_as(&self, token: &str, path: &str, etag: &str, body: Value) -> Resp {
        send(
            self.with(token, Method::PATCH, path)
                .header("if-match", etag)
                .json(&body),
        )
        .await
    }

    pub async fn delete(&self, path: &str, etag: &str) -> Resp {
        send(self.req(Method::DELETE, path).header("if-match", etag)).await
    }

    pub async fn delete_as(&self, token: &str, path: &str, etag: &str) -> Resp {
        send(
            self.with(token, Method::DELETE, path)
                .header("if-match", etag),
        )
        .await
    }

    /// A user with these grants (created in the store, no password) and an API token.
    pub async fn user_with(&self, email: &str, grants: &[(&str, &str)]) -> (User, String) {
        let u = create_user(&self.store, email, email, grants, None).await;
        let (token, _) = pso_web::auth::issue_token(&self.store, &u.id, "test")
            .await
            .expect("token");
        (u, token)
    }

    /// A user linked to a person, with these grants, and an API token.
    pub async fn user_for(
        &self,
        email: &str,
        person_id: &str,
        grants: &[(&str, &str)],
    ) -> (User, String) {
        let input: UserInput = serde_json::from_value(json!({
            "email": email,
            "name": email,
            "person_id": person_id,
            "grants": grants.iter().map(|(r, s)| json!({"role": r, "scope": s})).collect::<Vec<_>>(),
        }))
        .expect("user input");
        let app = pso_app::App::new(self.store.clone()).await.expect("app");
        let system = pso_app::Caller::system("test");
        let u = pso_app::Svc::new(&app, &system)
            .create_user(input)
            .await
            .expect("create user");
        let (token, _) = pso_web::auth::issue_token(&self.store, &u.id, "test")
            .await
            .expect("token");
        (u, token)
    }

    /// A user with a password (hashed: slow-ish, use sparingly).
    pub async fn user_with_password(
        &self,
        email: &str,
        grants: &[(&str, &str)],
        password: &str,
    ) -> User {
        create_user(&self.store, email, email, grants, Some(password)).await
    }

    /// A signed-in browser session of a new admin with a password: the `Cookie` header value
    /// and the session's CSRF token.
    pub async fn login_as_admin(&self) -> (String, String) {
        let email = format!("admin-{}@test.example", uuid_like());
        let password = "correct horse battery";
        self.user_with_password(&email, &[("admin", "global")], password)
            .await;
        self.session(&email, password).await
    }

    /// Signs in through the login form: the `Cookie` header value and the CSRF token.
    pub async fn session(&self, email: &str, password: &str) -> (String, String) {
        let r = send(
            self.anon(Method::POST, "/login")
                .form(&[("email", email), ("password", password)]),
        )
        .await
        .expect(303);
        let sid = r
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix("pso_session="))
            .and_then(|v| v.split(';').next())
            .expect("a session cookie")
            .to_string();
        let cookie = format!("pso_session={sid}");
        let me = send(
            self.anon(Method::GET, "/api/v1/me")
                .header("cookie", &cookie),
        )
        .await
        .expect(200);
        let csrf = me.json["csrf_token"].as_str().expect("csrf").to_string();
        (cookie, csrf)
    }

    pub async fn create_site(&self, code: &str, country: &str, tz: &str, currency: &str) -> String {
        self.post(
            "/api/v1/sites",
            json!({"code": code, "name": format!("Site {code}"), "country": country,
                   "time_zone": tz, "currency": currency}),
        )
        .await
        .expect(201)
        .id()
    }

    /// Two sites, a business unit with a line, one person.
    pub async fn org(&self) -> Org {
        let bu = self
            .post(
                "/api/v1/business-units",
                json!({"code": "ENG", "name": "Engineering"}),
            )
            .await
            .expect(201)
            .id();
        let line = self
            .post(
                "/api/v1/business-units",
                json!({"code": "ENG-SW", "name": "Software", "parent_id": bu}),
            )
            .await
            .expect(201)
            .id();
        let paris = self.create_site("PAR", "FR", "Europe/Paris", "EUR").await;
        let chicago = self
            .create_site("CHI", "US", "America/Chicago", "USD")
            .await;
        let person = self
            .post(
                "/api/v1/people",
                json!({"name": "Marie Curie", "email": "marie@test.example", "site_id": paris,
                       "skills": ["physics"]}),
            )
            .await
            .expect(201)
            .id();
        Org {
            bu,
            line,
            paris,
            chicago,
            person,
        }
    }

    /// Creates a project as the admin; returns its JSON.
    pub async fn project(&self, code: &str, site: &str, bu: &str) -> Value {
        self.post(
            "/api/v1/projects",
            json!({"code": code, "name": format!("Project {code}"), "site_id": site,
                   "business_unit_id": bu, "start_date": "2026-01-05", "status": "active"}),
        )
        .await
        .expect(201)
        .json
    }

    /// Creates a task in a project; returns its id.
    pub async fn task(&self, project: &str, name: &str) -> String {
        self.post(
            &format!("/api/v1/projects/{project}/tasks"),
            json!({"name": name, "duration_days": 2}),
        )
        .await
        .expect(201)
        .id()
    }

    /// The audit trail of one object, oldest first.
    pub async fn audit(&self, entity_type: &str, id: &str) -> Vec<Value> {
        self.get(&format!(
            "/api/v1/audit-events?entity_type={entity_type}&entity_id={id}&limit=1000"
        ))
        .await
        .expect(200)
        .items()
    }

    /// Stops the server (through its shutdown future) and starts a new one on the same
    /// database, with a fresh store handle. The address changes.
    pub async fn restart(&mut self) {
        self.restart_with_limits(pso_app::Limits::default()).await
    }

    /// Restarts the server on the same database with other limits.
    pub async fn restart_with_limits(&mut self, limits: pso_app::Limits) {
        self.client = client();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            tokio::time::timeout(std::time::Duration::from_secs(10), h)
                .await
                .expect("server stops within 10 s")
                .expect("server task")
                .expect("server result");
        }
        self.store.close().await;
        let store = Store::connect(&self.database_url).await.expect("reconnect");
        store.migrate().await.expect("migrate again");
        let (address, tx, server) = start_server(store.clone(), self.config.clone(), limits).await;
        self.store = store;
        self.address = address;
        self.shutdown = Some(tx);
        self.server = Some(server);
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            h.abort();
        }
    }
}

/// A short unique suffix for names in one test.
pub fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The outcome of a request that may run as a background job: the body of a 2xx answer, or,
/// for `202 Accepted`, the result of the job it names once it has finished (panics if it
/// failed).
pub async fn finished(app: &TestApp, r: Resp) -> Value {
    assert!(r.status.is_success(), "{}", r.text);
    if r.status.as_u16() != 202 {
        return r.json;
    }
    let location = r.header("location").expect("a job location");
    for _ in 0..600 {
        let j = app.get(&location).await.expect(200);
        match j.json["state"].as_str() {
            Some("done") => return j.json["result"].clone(),
            Some("failed") | Some("cancelled") => panic!("the job did not finish: {}", j.text),
            _ => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    panic!("the job at {location} did not finish within 60 s");
}

impl TestApp {
    /// Follows a job (as the holder of `token`) until it has ended; its final JSON.
    pub async fn wait_job_as(&self, token: &str, id: &str) -> Value {
        let start = std::time::Instant::now();
        loop {
            let j = self
                .get_as(token, &format!("/api/v1/jobs/{id}"))
                .await
                .expect(200)
                .json;
            if matches!(j["state"].as_str(), Some("done" | "failed" | "cancelled")) {
                return j;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(120),
                "job {id} did not end: {j}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Follows a job of the admin until it has ended.
    pub async fn wait_job(&self, id: &str) -> Value {
        self.wait_job_as(&self.admin_token.clone(), id).await
    }

    /// The answer to a submission: `202 Accepted` with `Location` naming the job; the job
    /// followed to its end.
    #[track_caller]
    pub fn accepted(r: Resp) -> String {
        let r = r.expect(202);
        let id = r.json["id"].as_str().expect("the job's id").to_string();
        assert_eq!(
            r.header("location").as_deref(),
            Some(format!("/api/v1/jobs/{id}").as_str())
        );
        assert!(
            matches!(
                r.json["state"].as_str(),
                Some("queued" | "running" | "done")
            ),
            "{}",
            r.text
        );
        id
    }
}
