//! Identity: passwords (argon2id), API tokens, sign-in with throttling, and the [`Caller`]
//! every operation acts for.
//!
//! Password hashing is CPU work (about 20 MiB and tens of milliseconds): it runs on tokio's
//! blocking pool ([`hash_password`], [`verify_password`]), never on the async worker threads,
//! so a storm of sign-ins cannot stall other requests.

use crate::error::{AppError, AppResult, ErrorKind};
use crate::App;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use pso_domain::access::Principal;
use pso_domain::model::User;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const SESSION_HOURS: i64 = 12;

/// Who an operation acts for: the signed-in user (or the owner of an API token) and the
/// permission view of their grants.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub user: User,
}

impl Caller {
    pub fn new(user: User) -> Self {
        Caller {
            principal: principal_of(&user),
            user,
        }
    }

    /// The local administrator (the command line, the demo loader, scheduled jobs): whoever
    /// can run the binary on the database owns it. Acts with a global admin grant and is
    /// audited under `label` without a user id.
    pub fn system(label: &str) -> Self {
        let user = User {
            id: String::new(),
            version: 0,
            email: label.to_string(),
            name: label.to_string(),
            person_id: None,
            grants: vec![pso_domain::access::UserGrant {
                role: pso_domain::access::Role::Admin,
                scope: pso_domain::access::Scope::Global,
                scope_id: None,
            }],
            disabled: false,
            created_at: String::new(),
            updated_at: String::new(),
        };
        Caller::new(user)
    }

    /// Is this the local administrator rather than a signed-in user?
    pub fn is_system(&self) -> bool {
        self.user.id.is_empty()
    }

    /// The audit trail's view of the caller.
    pub fn actor(&self) -> pso_store::Actor {
        pso_store::Actor {
            user_id: (!self.is_system()).then(|| self.user.id.clone()),
            label: self.user.email.clone(),
        }
    }
}

pub fn principal_of(user: &User) -> Principal {
    Principal {
        user_id: user.id.clone(),
        email: user.email.clone(),
        name: user.name.clone(),
        grants: user.grants.iter().map(|g| g.access()).collect(),
    }
}

/// Hashes a password with argon2id (OWASP parameters: 19 MiB, 2 passes). Synchronous: call
/// [`hash_password`] from async code.
pub fn hash_password_blocking(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

/// Checks a password against a PHC hash. Synchronous: call [`verify_password`] from async code.
pub fn verify_password_blocking(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// [`hash_password_blocking`] on the blocking pool.
pub async fn hash_password(password: &str) -> AppResult<String> {
    let p = password.to_string();
    crate::blocking(move || hash_password_blocking(&p)).await?
}

/// [`verify_password_blocking`] on the blocking pool.
pub async fn verify_password(password: &str, phc: &str) -> bool {
    let (p, h) = (password.to_string(), phc.to_string());
    crate::blocking(move || verify_password_blocking(&p, &h))
        .await
        .unwrap_or(false)
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
) -> AppResult<(String, pso_store::ApiToken)> {
    let secret = format!("pso_{}", random_secret());
    let rec = store
        .create_token(user_id, label, &sha256_hex(&secret))
        .await?;
    Ok((secret, rec))
}

/// A successful sign-in: the new session's secret id and CSRF token.
pub struct LoginOk {
    pub session_id: String,
    pub csrf_token: String,
    pub user: User,
}

/// The user behind an API token (`None` when the token is unknown, revoked or its user
/// disabled).
pub async fn token_caller(app: &App, token: &str) -> AppResult<Option<Caller>> {
    Ok(app
        .store
        .token_owner(&sha256_hex(token.trim()))
        .await?
        .filter(|u| !u.disabled)
        .map(Caller::new))
}

/// Checks the credentials under the throttling rules (`pso_domain::signin`) and opens a new
/// session. The attempt is reserved before the password is checked, so concurrent attempts
/// cannot slip past the count.
pub async fn login(app: &App, email: &str, password: &str, client: &str) -> AppResult<LoginOk> {
    let store = &app.store;
    let account = email.trim().to_lowercase();
    let reserved = store
        .reserve_login_attempt(
            &account,
            client,
            pso_domain::signin::WINDOW_SECONDS,
            pso_domain::signin::wait_before_attempt,
        )
        .await?;
    if let Err(wait) = reserved {
        let mut e = AppError::new(
            ErrorKind::TooManyRequests,
            "too_many_attempts",
            format!("too many failed sign-ins from here; try again in {wait} s"),
        );
        e.retry_after = Some(wait.max(1) as u64);
        return Err(e);
    }
    let found = store.user_by_email(&account).await?;
    let ok = match &found {
        Some((user, Some(hash))) if !user.disabled => verify_password(password, hash).await,
        _ => {
            // Same work whether or not the account exists, so timing tells nothing.
            let _ = verify_password(password, &app.dummy_hash).await;
            false
        }
    };
    let user = match (ok, found) {
        (true, Some((user, _))) => user,
        // The reservation stays: it is this failure's record.
        _ => {
            return Err(AppError::new(
                ErrorKind::Unauthorized,
                "invalid_credentials",
                "wrong e-mail or password",
            ))
        }
    };
    store.login_succeeded(&account, client).await?;
    let session_id = random_secret();
    let csrf_token = random_secret();
    let expires = (chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    store
        .create_session(&sha256_hex(&session_id), &user.id, &csrf_token, &expires)
        .await?;
    Ok(LoginOk {
        session_id,
        csrf_token,
        user,
    })
}
