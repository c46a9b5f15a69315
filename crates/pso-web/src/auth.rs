//! Authentication on the web: sessions (cookie), API tokens (Bearer) and CSRF. Passwords,
//! tokens and the sign-in rules themselves are `pso_app::auth`'s.
//!
//! One middleware ([`authenticate`]) resolves every request's caller once and stores it in the
//! request's extensions; it also enforces CSRF for cookie-authenticated writes, so no handler
//! can forget it. Handlers take [`Caller`] (401 without one) or [`MaybeCaller`].
//!
//! - Session ids and API tokens are 256-bit random values; only their SHA-256 is stored.
//! - A login always makes a new session id (no fixation); logout deletes it on the server.
//! - CSRF: synchronizer token per session, sent as header `X-CSRF-Token` (htmx, API), as the
//!   form field `csrf_token` (plain forms), or, for multipart uploads only, as the query
//!   parameter `csrf_token` of the form's action. Bearer-token requests carry no ambient authority
//!   and need none.

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;

pub use pso_app::auth::{
    hash_password, issue_token, random_secret, sha256_hex, verify_password, SESSION_HOURS,
};

pub const SESSION_COOKIE: &str = "pso_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf_token";

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    Token,
    Session {
        id_hash: String,
        /// Never printed (`Secret`'s `Debug`).
        csrf_token: pso_domain::values::Secret,
    },
}

/// The authenticated caller of a request: who (the application's [`pso_app::Caller`], which it
/// derefs to) and how they proved it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub who: pso_app::Caller,
    pub via: Via,
}

impl std::ops::Deref for Caller {
    type Target = pso_app::Caller;
    fn deref(&self) -> &pso_app::Caller {
        &self.who
    }
}

impl Caller {
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf_token, .. } => Some(csrf_token.expose()),
            Via::Token => None,
        }
    }
}

/// The caller if there is one (pages use it to redirect to the login page).
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Caller>);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(ApiError::unauthorized)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeCaller {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeCaller(parts.extensions.get::<Caller>().cloned()))
    }
}

/// Reads a cookie from the request headers.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

async fn resolve(state: &AppState, headers: &axum::http::HeaderMap) -> ApiResult<Option<Caller>> {
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let v = auth.to_str().unwrap_or("");
        let token = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
            .ok_or_else(ApiError::unauthorized)?;
        let who = pso_app::auth::token_caller(state, token)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        return Ok(Some(Caller {
            who,
            via: Via::Token,
        }));
    }
    if let Some(sid) = cookie(headers, SESSION_COOKIE) {
        let id_hash = sha256_hex(&sid);
        if let Some(s) = state.store.session(&id_hash).await? {
            if let Some(user) = state
                .store
                .get_user(&s.user_id)
                .await?
                .filter(|u| !u.disabled)
            {
                return Ok(Some(Caller {
                    who: pso_app::Caller::new(user),
                    via: Via::Session {
                        id_hash,
                        csrf_token: s.csrf_token,
                    },
                }));
            }
        }
    }
    Ok(None)
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Resolves the caller and enforces CSRF on cookie-authenticated writes.
pub async fn authenticate(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let (mut parts, body) = request.into_parts();
    let caller = resolve(&state, &parts.headers).await?;
    let unsafe_method = !matches!(
        parts.method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    let mut body = body;
    if let Some(c) = &caller {
        if let (true, Via::Session { csrf_token, .. }) = (unsafe_method, &c.via) {
            let mut presented = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let is_form = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            // A multipart upload (a file) carries the token in the query string of the form's
            // action: its body is not buffered just to find a field.
            let is_multipart = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("multipart/form-data"));
            if presented.is_none() && is_multipart {
                presented = parts.uri.query().and_then(|q| {
                    form_urlencoded::parse(q.as_bytes())
                        .find(|(k, _)| k == CSRF_FIELD)
                        .map(|(_, v)| v.into_owned())
                });
            }
            if presented.is_none() && is_form {
                let bytes = axum::body::to_bytes(body, crate::BODY_LIMIT)
                    .await
                    .map_err(|_| {
                        ApiError::new(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "payload_too_large",
                            "the request body is too large",
                        )
                    })?;
                presented = form_urlencoded::parse(&bytes)
                    .find(|(k, _)| k == CSRF_FIELD)
                    .map(|(_, v)| v.into_owned());
                body = axum::body::Body::from(bytes);
            }
            if !presented.is_some_and(|p| constant_time_eq(&p, csrf_token.expose())) {
                return Err(ApiError::forbidden(
                    "missing or wrong CSRF token (send the X-CSRF-Token header or the csrf_token \
                     form field of your session)",
                )
                .with_code("csrf_failed"));
            }
        }
        parts.extensions.insert(c.clone());
    }
    Ok(next.run(Request::from_parts(parts, body)).await)
}

impl ApiError {
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }
}

/// Whether a request without a session (the sign-in form) comes from PSO's own pages: a browser
/// says where a request comes from (`Sec-Fetch-Site`, `Origin`, `Referer`); a request from
/// another site is refused. Requests without these headers (scripts, tools) are not from a
/// browser and carry no ambient authority.
pub fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let get = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    if let Some(site) = get("sec-fetch-site") {
        if site == "cross-site" || site == "same-site" {
            return false;
        }
    }
    let Some(host) = get("host") else {
        return true;
    };
    let origin_host = |url: &str| -> Option<String> {
        let rest = url.split_once("://")?.1;
        Some(rest.split('/').next().unwrap_or("").to_ascii_lowercase())
    };
    for h in ["origin", "referer"] {
        if let Some(v) = get(h) {
            if v == "null" {
                return false;
            }
            return origin_host(v).as_deref() == Some(host.to_ascii_lowercase().as_str());
        }
    }
    true
}

/// The client address used for throttling.
pub fn client_of(connect: Option<&ConnectInfo<SocketAddr>>) -> String {
    connect
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub use pso_app::auth::{login, LoginOk};

/// The `Set-Cookie` value of a session cookie (or of its removal when `value` is empty).
pub fn session_cookie(value: &str, secure: bool) -> String {
    let max_age = if value.is_empty() {
        0
    } else {
        SESSION_HOURS * 3600
    };
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}
