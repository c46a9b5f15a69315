//! Sessions, API tokens and login throttling. Secrets are never stored: only their SHA-256
//! (hashing is the caller's; these functions take and compare hashes).

use crate::{new_id, now, Result, Store, StoreError};
use sqlx::Row;

/// A live session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user_id: String,
    pub csrf_token: String,
    pub expires_at: String,
}

/// An API token as listed (never the secret).
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub label: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

fn token_from_row(r: &sqlx::any::AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        label: r.try_get("label")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

impl Store {
    /// Stores a new session (the caller made the id and keeps only its hash here).
    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: &str,
        csrf_token: &str,
        expires_at: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        // Housekeeping: expired sessions go.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(now())
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live (unexpired) session with this id hash.
    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRow>> {
        let r = sqlx::query(
            "SELECT user_id, csrf_token, expires_at FROM sessions WHERE id_hash = $1 \
             AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(now())
        .fetch_optional(self.pool())
        .await?;
        match r {
            Some(r) => Ok(Some(SessionRow {
                user_id: r.try_get("user_id")?,
                csrf_token: r.try_get("csrf_token")?,
                expires_at: r.try_get("expires_at")?,
            })),
            None => Ok(None),
        }
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed login for an account and a client.
    pub async fn record_login_failure(&self, account: &str, client: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO login_failures (id, account, client, at) VALUES ($1, $2, $3, $4)")
            .bind(new_id())
            .bind(account)
            .bind(client)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Failed logins since `since` (RFC 3339) for the account and for the client.
    pub async fn login_failures_since(
        &self,
        account: &str,
        client: &str,
        since: &str,
    ) -> Result<(i64, i64)> {
        let a: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM login_failures WHERE account = $1 AND at > $2")
                .bind(account)
                .bind(since)
                .fetch_one(self.pool())
                .await?
                .try_get("n")?;
        let c: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM login_failures WHERE client = $1 AND at > $2")
                .bind(client)
                .bind(since)
                .fetch_one(self.pool())
                .await?
                .try_get("n")?;
        Ok((a, c))
    }

    /// Forgets an account's failures after a successful login (the client's count stays).
    pub async fn clear_login_failures(&self, account: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM login_failures WHERE account = $1")
            .bind(account)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_token(&self, user_id: &str, label: &str, hash: &str) -> Result<ApiToken> {
        let mut tx = self.begin_write().await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, label, token_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(user_id)
        .bind(label)
        .bind(hash)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        let r = sqlx::query("SELECT * FROM api_tokens WHERE id = $1")
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
        let t = token_from_row(&r)?;
        crate::audit(
            &mut tx,
            &crate::Actor {
                user_id: Some(user_id.to_string()),
                label: "token".into(),
            },
            "create",
            "api_token",
            &id,
            None,
            None,
            Some(&t),
        )
        .await?;
        tx.commit().await?;
        Ok(t)
    }

    /// The user id of a live (unrevoked) token with this hash; notes its use.
    pub async fn token_user(&self, hash: &str) -> Result<Option<String>> {
        let r = sqlx::query(
            "SELECT id, user_id, last_used_at FROM api_tokens WHERE token_hash = $1 \
             AND revoked_at IS NULL",
        )
        .bind(hash)
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = r else { return Ok(None) };
        let user_id: String = r.try_get("user_id")?;
        // Note the use at most once a minute, to keep reads from becoming writes.
        let last: Option<String> = r.try_get("last_used_at")?;
        let stale = last
            .and_then(|l| chrono::DateTime::parse_from_rfc3339(&l).ok())
            .map(|l| chrono::Utc::now().signed_duration_since(l).num_seconds() > 60)
            .unwrap_or(true);
        if stale {
            let id: String = r.try_get("id")?;
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now())
                .bind(id)
                .execute(self.pool())
                .await?;
        }
        Ok(Some(user_id))
    }

    pub async fn list_tokens(&self, user_id: &str) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query("SELECT * FROM api_tokens WHERE user_id = $1 ORDER BY id")
            .bind(user_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(token_from_row).collect()
    }

    pub async fn get_token(&self, id: &str) -> Result<Option<ApiToken>> {
        let r = sqlx::query("SELECT * FROM api_tokens WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        r.as_ref().map(token_from_row).transpose()
    }

    pub async fn revoke_token(&self, actor: &crate::Actor, id: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before = sqlx::query("SELECT * FROM api_tokens WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let before = token_from_row(&before)?;
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let after = token_from_row(
            &sqlx::query("SELECT * FROM api_tokens WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?,
        )?;
        crate::audit(
            &mut tx,
            actor,
            "update",
            "api_token",
            id,
            None,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
