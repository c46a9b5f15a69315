//! `pso-app`: PSO's operations, each written once, for every face (the REST API, the pages,
//! the command line, the demo loader).
//!
//! An operation authorises its caller through `pso-domain`'s permission rules, checks
//! references, validates the input into domain types, and calls the store (which writes the row
//! and its audit event in one transaction). It returns [`AppError`], whose [`ErrorKind`] each
//! face maps once: `pso-web` to an HTTP status and a problem document, the CLI to a message.
//! Nothing here knows HTTP.
//!
//! - [`auth`]: passwords, tokens, sign-in with throttling, the [`Caller`];
//! - [`service`]: the organisation and the plan ([`Svc`]);
//! - [`schedule`]: scheduling stored plans, baselines, resource load;
//! - [`interchange`]: MS Project import and export.
//!
//! CPU-heavy work (password hashing, parsing uploads, scheduling) runs through [`blocking`],
//! off the async worker threads.

pub mod auth;
pub mod error;
pub mod interchange;
pub mod schedule;
pub mod service;

pub use auth::Caller;
pub use error::{AppError, AppResult, ErrorKind};
pub use service::{Paging, Svc};

use pso_store::Store;
use std::sync::Arc;

/// The application: the store and what every operation shares. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    /// A password hash to verify against when the account does not exist (constant timing).
    pub dummy_hash: Arc<String>,
}

impl App {
    /// The application over a store (hashes the dummy password once, off the async threads).
    pub async fn new(store: Store) -> AppResult<Self> {
        let dummy = auth::hash_password("not-a-real-password").await?;
        Ok(Self {
            store,
            dummy_hash: Arc::new(dummy),
        })
    }
}

/// Runs CPU-heavy work on tokio's blocking pool, so the async worker threads keep answering.
pub async fn blocking<T, F>(f: F) -> AppResult<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(AppError::internal)
}
