//! Sign-in and sign-out.

use super::page;
use crate::auth::{self, client_of, session_cookie, MaybeCaller, Via};
use crate::error::ApiError;
use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;

#[derive(serde::Deserialize)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    v: &'static str,
    email: &'a str,
    error: Option<&'a str>,
}

pub async fn login_page(MaybeCaller(caller): MaybeCaller) -> Response {
    if caller.is_some() {
        return Redirect::to("/").into_response();
    }
    page(
        StatusCode::OK,
        &LoginPage {
            v: super::assets::version(),
            email: "",
            error: None,
        },
    )
}

pub async fn login_submit(
    State(state): State<AppState>,
    connect: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let client = client_of(connect.as_ref().map(|c| &c.0));
    // Login CSRF: a form posted from another site would sign the victim in as the attacker.
    if !crate::auth::same_origin(&headers) {
        return page(
            StatusCode::FORBIDDEN,
            &LoginPage {
                v: super::assets::version(),
                email: "",
                error: Some("This sign-in came from another site and was refused."),
            },
        );
    }
    // A login replaces whatever session the browser had.
    if let Some(old) = auth::cookie(&headers, auth::SESSION_COOKIE) {
        let _ = state.store.delete_session(&auth::sha256_hex(&old)).await;
    }
    match auth::login(&state, &form.email, &form.password, &client)
        .await
        .map_err(ApiError::from)
    {
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
        Err(e) => {
            let mut r = page(
                e.status,
                &LoginPage {
                    v: super::assets::version(),
                    email: &form.email,
                    error: Some(&e.detail),
                },
            );
            if let Some(s) = e.retry_after {
                if let Ok(v) = header::HeaderValue::from_str(&s.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            r
        }
    }
}

pub async fn logout(State(state): State<AppState>, MaybeCaller(caller): MaybeCaller) -> Response {
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
