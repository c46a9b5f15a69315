//! `pso demo`: a realistic demo organisation.

use pso_store::Store;

/// A demo login printed by `pso demo`.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub role: String,
    pub email: String,
    pub password: String,
    pub scope: String,
}

/// Fills an empty database with the demo organisation; returns the logins to print.
pub async fn seed(_store: &Store) -> anyhow::Result<Vec<DemoLogin>> {
    anyhow::bail!("demo data not implemented yet")
}

/// The demo logins (the same every time the demo data is loaded).
pub fn logins() -> Vec<DemoLogin> {
    Vec::new()
}
