//! API tokens of the caller: list, create (the secret is shown once), revoke one or all.
//! A token acts with its owner's grants; a new password or a disabled account revokes them all
//! (see `Store::update_user`).

use crate::auth::issue_token;
use crate::error::{AppError, AppResult};
use crate::service::Svc;
use pso_store::ApiToken;
use serde::Deserialize;

/// Most characters of a token's label.
pub const TOKEN_LABEL_MAX: usize = 100;

/// The body of `POST /api/v1/tokens`.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// What the token is for (1 to 100 characters; default `api`).
    #[serde(default)]
    #[schemars(schema_with = "token_label")]
    pub label: Option<String>,
}

fn token_label(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut s = pso_domain::schema::label(TOKEN_LABEL_MAX);
    s.insert("type".into(), serde_json::json!(["string", "null"]));
    s
}

impl Svc<'_> {
    pub async fn list_tokens(&self) -> AppResult<Vec<ApiToken>> {
        Ok(self.store().list_tokens(&self.caller.user.id).await?)
    }

    /// A new token for the caller: its secret (shown once, stored only as a hash) and record.
    pub async fn create_token(&self, input: TokenInput) -> AppResult<(String, ApiToken)> {
        let label = input.label.as_deref().unwrap_or("api").trim().to_string();
        if label.is_empty() || label.chars().count() > TOKEN_LABEL_MAX {
            return Err(AppError::field(
                "label",
                "invalid_label",
                "a label is 1 to 100 characters",
            ));
        }
        issue_token(self.store(), &self.caller.user.id, &label).await
    }

    /// Revokes one token: the owner's own, or anyone's for an admin (404 otherwise).
    pub async fn revoke_token(&self, id: &str) -> AppResult<()> {
        let t = self
            .store()
            .get_token(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        if t.user_id != self.caller.user.id && !self.caller.principal.can_manage_users() {
            return Err(AppError::not_found());
        }
        Ok(self.store().revoke_token(&self.caller.actor(), id).await?)
    }

    /// Revokes every token of the caller at once (after a leak, or to start afresh).
    pub async fn revoke_all_tokens(&self) -> AppResult<usize> {
        Ok(self
            .store()
            .revoke_all_tokens(&self.caller.actor(), &self.caller.user.id)
            .await?)
    }
}
