//! `pso-web`: PSO's HTTP face — the REST API under `/api/v1`, the server-rendered pages, and
//! authentication (sessions, API tokens, CSRF).
//!
//! Layout: the operations live in `pso-app` (authorisation through `pso-domain`, reference
//! checks, validation, store call); [`api`] and [`pages`] are thin wrappers that turn HTTP into
//! operation calls and results into JSON or HTML, and [`error`] maps the application's error
//! kinds to HTTP statuses in one place. [`auth`] resolves the caller of every request in one
//! middleware. [`serve`] takes a bound listener and a shutdown future, so tests run the real
//! server on port 0.

pub mod api;
pub mod auth;
pub mod error;
pub mod interchange;
pub mod jobs;
pub mod openapi;
pub mod pages;
pub mod schedule;
pub mod service;
pub mod timesheets;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use pso_store::Store;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Largest accepted request body (bytes).
pub const BODY_LIMIT: usize = 1 << 20;

/// Settings of the web layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when PSO is served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
}

/// Shared state of all handlers: the application and the web settings. Cheap to clone; derefs
/// to [`pso_app::App`], so `state.store` and `Svc::new(&state, &caller)` read naturally.
#[derive(Clone)]
pub struct AppState {
    pub app: pso_app::App,
    pub config: Arc<WebConfig>,
}

impl AppState {
    pub async fn new(store: Store, config: WebConfig) -> anyhow::Result<Self> {
        let app = pso_app::App::new(store)
            .await
            .map_err(|e| anyhow::anyhow!("cannot start the application: {e}"))?;
        Ok(Self::from_app(app, config))
    }

    pub fn from_app(app: pso_app::App, config: WebConfig) -> Self {
        Self {
            app,
            config: Arc::new(config),
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = pso_app::App;
    fn deref(&self) -> &pso_app::App {
        &self.app
    }
}

async fn healthz(axum::extract::State(s): axum::extract::State<AppState>) -> impl IntoResponse {
    match s.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok"})),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "database unavailable"})),
            )
        }
    }
}

/// Every page route (behind sign-in): the router is built from this table.
pub fn page_table(upload_limit: usize) -> pages::PageTable {
    pages::table()
        .merge(schedule::page_table())
        .merge(interchange::page_table(upload_limit))
        .merge(jobs::page_table())
}

/// The whole application: API, pages, assets, with authentication and security headers.
pub fn app(state: AppState) -> Router {
    let upload_limit = state.limits.max_upload_bytes;
    let protected = Router::new()
        .merge(schedule::api_router())
        .merge(interchange::api_router(upload_limit))
        .merge(jobs::api_router())
        .merge(timesheets::api_router())
        .merge(api::router())
        .merge(page_table(upload_limit).into_router());
    // Debug builds (tests, the demo in CI) refuse API routes missing from the OpenAPI table.
    let protected = if cfg!(debug_assertions) {
        protected.layer(axum::middleware::from_fn(openapi::undocumented_routes))
    } else {
        protected
    };
    let protected = protected
        .layer(axum::middleware::from_fn(api::refuse_nul))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .merge(pages::public_router())
        .merge(protected)
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
            ),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the application on `listener` until `shutdown` completes, with the background job
/// workers of `state.app.jobs` (stopped, after their grace period, when the server stops).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let workers = pso_app::jobs::WorkerPool::start(&state.app).await;
    let served = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    workers.shutdown().await;
    served
}
