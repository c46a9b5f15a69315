//! Server-rendered pages (askama + htmx). Every page goes through [`crate::service`], so it shows
//! and changes only what the API would allow.

use crate::auth::{self, client_of, session_cookie, MaybeCaller, Via};
use crate::AppState;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;

/// Pages reachable without signing in.
pub fn public_router() -> Router<AppState> {
    Router::new().route("/login", get(login_page).post(login_submit))
}

/// Pages for signed-in users (behind the authentication middleware).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/logout", post(logout))
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
}

async fn login_page() -> Html<String> {
    Html(login_html(None))
}

fn login_html(error: Option<&str>) -> String {
    let err = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", html_escape(e)))
        .unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in · PSO</title></head>\
         <body><main><h1>Sign in</h1>{err}<form method=\"post\" action=\"/login\">\
         <label>E-mail <input name=\"email\" type=\"email\" autocomplete=\"username\" required></label>\
         <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <button type=\"submit\">Sign in</button></form></main></body></html>"
    )
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

async fn login_submit(
    State(state): State<AppState>,
    connect: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let client = client_of(connect.as_ref().map(|c| &c.0));
    // A login replaces whatever session the browser had.
    if let Some(old) = auth::cookie(&headers, auth::SESSION_COOKIE) {
        let _ = state.store.delete_session(&auth::sha256_hex(&old)).await;
    }
    match auth::login(&state, &form.email, &form.password, &client).await {
        Ok(ok) => (
            StatusCode::SEE_OTHER,
            [
                (
                    header::SET_COOKIE,
                    session_cookie(&ok.session_id, state.config.secure_cookies),
                ),
                (header::LOCATION, "/".to_string()),
            ],
        )
            .into_response(),
        Err(e) => (e.status, Html(login_html(Some(&e.detail)))).into_response(),
    }
}

async fn logout(State(state): State<AppState>, MaybeCaller(caller): MaybeCaller) -> Response {
    if let Some(c) = caller {
        if let Via::Session { id_hash, .. } = &c.via {
            let _ = state.store.delete_session(id_hash).await;
        }
    }
    (
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                session_cookie("", state.config.secure_cookies),
            ),
            (header::LOCATION, "/login".to_string()),
        ],
    )
        .into_response()
}

async fn home(MaybeCaller(caller): MaybeCaller) -> Response {
    match caller {
        None => Redirect::to("/login").into_response(),
        Some(c) => Html(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>PSO</title></head>\
             <body><p>Signed in as {}</p></body></html>",
            html_escape(&c.user.name)
        ))
        .into_response(),
    }
}
