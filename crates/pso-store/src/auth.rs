//! Sessions, API tokens and login throttling. Secrets are never stored: only their SHA-256
//! (hashing is the caller's; these functions take and compare hashes).

use crate::{new_id, now, Result, Store, StoreError};
use sqlx::Row;

/// A live session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user_id: String,
    pub csrf_token: pso_domain::values::Secret,
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
                csrf_token: r.try_get::<String, _>("csrf_token")?.into(),
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

    /// Reserves a sign-in attempt before its password is checked: under a row lock per account
    /// and per client (taken in one order, so concurrent attempts queue instead of racing), counts
    /// the failures in the window, asks `decide` whether the attempt may go ahead and, if so,
    /// records it as a failure at once. [`Store::login_succeeded`] removes it again; a wrong
    /// password leaves it. Returns the reservation's id, or the seconds to wait.
    pub async fn reserve_login_attempt(
        &self,
        account: &str,
        client: &str,
        window_seconds: i64,
        decide: impl Fn(pso_domain::signin::Failures) -> Option<i64>,
    ) -> Result<std::result::Result<String, i64>> {
        let now_t = chrono::Utc::now();
        let since = (now_t - chrono::Duration::seconds(window_seconds))
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut tx = self.begin_write().await?;
        let mut keys = [format!("a:{account}"), format!("c:{client}")];
        keys.sort();
        for k in &keys {
            sqlx::query(
                "INSERT INTO login_throttle (key, n) VALUES ($1, 0) ON CONFLICT (key) DO NOTHING",
            )
            .bind(k)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE login_throttle SET n = n + 1 WHERE key = $1")
                .bind(k)
                .execute(&mut *tx)
                .await?;
        }
        let count = |sql: &'static str, a: &str, b: Option<&str>| {
            let q = sqlx::query(sql).bind(a.to_string());
            let q = match b {
                Some(b) => q.bind(b.to_string()),
                None => q,
            };
            q.bind(since.clone())
        };
        let pair_row = count(
            "SELECT COUNT(*) AS n, MAX(at) AS last FROM login_failures \
             WHERE account = $1 AND client = $2 AND at > $3",
            account,
            Some(client),
        )
        .fetch_one(&mut *tx)
        .await?;
        let pair: i64 = pair_row.try_get("n")?;
        let last: Option<String> = pair_row.try_get("last")?;
        let client_n: i64 = count(
            "SELECT COUNT(*) AS n FROM login_failures WHERE client = $1 AND at > $2",
            client,
            None,
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        let account_n: i64 = count(
            "SELECT COUNT(*) AS n FROM login_failures WHERE account = $1 AND at > $2",
            account,
            None,
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        let pair_last_ago = match last {
            Some(l) => Some(
                (now_t
                    - chrono::DateTime::parse_from_rfc3339(&l)
                        .map_err(|e| crate::corrupt("login_failures.at", e))?
                        .with_timezone(&chrono::Utc))
                .num_seconds(),
            ),
            None => None,
        };
        let f = pso_domain::signin::Failures {
            pair,
            pair_last_ago,
            client: client_n,
            account: account_n,
        };
        if let Some(wait) = decide(f) {
            tx.commit().await?;
            return Ok(Err(wait));
        }
        let id = new_id();
        sqlx::query("INSERT INTO login_failures (id, account, client, at) VALUES ($1, $2, $3, $4)")
            .bind(&id)
            .bind(account)
            .bind(client)
            .bind(now_t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// A successful sign-in: its reservation and this client's earlier failures on the account
    /// are forgotten (other clients' failures stay).
    pub async fn login_succeeded(&self, account: &str, client: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM login_failures WHERE account = $1 AND client = $2")
            .bind(account)
            .bind(client)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Housekeeping: failures older than `before` (RFC 3339) no longer count; delete them.
    pub async fn forget_login_failures(&self, before: &str) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(r.rows_affected())
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

    /// Revokes every live token of a user (one audit event per token).
    pub async fn revoke_all_tokens(&self, actor: &crate::Actor, user_id: &str) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        let live = sqlx::query(
            "SELECT * FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?;
        let t = now();
        for r in &live {
            let before = token_from_row(r)?;
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
                .bind(&t)
                .bind(&before.id)
                .execute(&mut *tx)
                .await?;
            let after = ApiToken {
                revoked_at: Some(t.clone()),
                ..before.clone()
            };
            crate::audit(
                &mut tx,
                actor,
                "update",
                "api_token",
                &before.id,
                None,
                Some(&before),
                Some(&after),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(live.len())
    }
}
