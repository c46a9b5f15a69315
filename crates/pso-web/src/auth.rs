//! Authentication: passwords (argon2id), sessions (cookie), API tokens (Bearer), CSRF and
//! login throttling.
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
//! - Throttling: at most [`MAX_FAILURES_PER_ACCOUNT`] failed logins per account and
//!   [`MAX_FAILURES_PER_CLIENT`] per client address in [`THROTTLE_WINDOW_MINUTES`].

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use pso_domain::access::Principal;
use pso_domain::model::User;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "pso_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf_token";
pub const SESSION_HOURS: i64 = 12;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_CLIENT: i64 = 50;

/// Hashes a password with argon2id (OWASP parameters: 19 MiB, 2 passes).
pub fn hash_password(password: &str) -> ApiResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// A fresh 256-bit random secret, base64url without padding.
pub fn random_secret() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Makes a new API token for a user: returns the secret (shown once) and its record.
pub async fn issue_token(
    store: &pso_store::Store,
    user_id: &str,
    label: &str,
) -> ApiResult<(String, pso_store::ApiToken)> {
    let secret = format!("pso_{}", random_secret());
    let rec = store
        .create_token(user_id, label, &sha256_hex(&secret))
        .await?;
    Ok((secret, rec))
}

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    Token,
    Session { id_hash: String, csrf_token: String },
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub user: User,
    pub via: Via,
}

impl Caller {
    pub fn actor(&self) -> pso_store::Actor {
        pso_store::Actor {
            user_id: Some(self.user.id.clone()),
            label: self.user.email.clone(),
        }
    }

    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf_token, .. } => Some(csrf_token),
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

pub fn principal_of(user: &User) -> Principal {
    Principal {
        user_id: user.id.clone(),
        email: user.email.clone(),
        name: user.name.clone(),
        grants: user.grants.clone(),
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
        let user_id = state
            .store
            .token_user(&sha256_hex(token.trim()))
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let user = state
            .store
            .get_user(&user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(ApiError::unauthorized)?;
        return Ok(Some(Caller {
            principal: principal_of(&user),
            user,
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
                    principal: principal_of(&user),
                    user,
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
            if !presented.is_some_and(|p| constant_time_eq(&p, csrf_token)) {
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

/// The client address used for throttling.
pub fn client_of(connect: Option<&ConnectInfo<SocketAddr>>) -> String {
    connect
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// A successful login: the new session's cookie value and CSRF token.
pub struct LoginOk {
    pub session_id: String,
    pub csrf_token: String,
}

/// Checks the credentials under the throttling rules and opens a new session.
pub async fn login(
    state: &AppState,
    email: &str,
    password: &str,
    client: &str,
) -> ApiResult<LoginOk> {
    let account = email.trim().to_lowercase();
    let since = (chrono::Utc::now() - chrono::Duration::minutes(THROTTLE_WINDOW_MINUTES))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let (per_account, per_client) = state
        .store
        .login_failures_since(&account, client, &since)
        .await?;
    if per_account >= MAX_FAILURES_PER_ACCOUNT || per_client >= MAX_FAILURES_PER_CLIENT {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed sign-ins; try again in {THROTTLE_WINDOW_MINUTES} minutes"),
        );
        e.retry_after = Some(THROTTLE_WINDOW_MINUTES as u64 * 60);
        return Err(e);
    }
    let found = state.store.user_by_email(&account).await?;
    let ok = match &found {
        Some((user, Some(hash))) if !user.disabled => verify_password(password, hash),
        _ => {
            // Same work whether or not the account exists, so timing tells nothing.
            let _ = verify_password(password, &state.dummy_hash);
            false
        }
    };
    let user = match (ok, found) {
        (true, Some((user, _))) => user,
        _ => {
            state.store.record_login_failure(&account, client).await?;
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "wrong e-mail or password",
            ));
        }
    };
    state.store.clear_login_failures(&account).await?;
    let session_id = random_secret();
    let csrf_token = random_secret();
    let expires = (chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    state
        .store
        .create_session(&sha256_hex(&session_id), &user.id, &csrf_token, &expires)
        .await?;
    Ok(LoginOk {
        session_id,
        csrf_token,
    })
}

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
