//! The outbox of outgoing e-mail in SQL (sending and its rules live in `pso_app::mail`).
//!
//! A message is written with its audit event and, in the same transaction, a job that sends
//! it (`outbox_flush`, one queued at a time), so a message is never queued without someone to
//! send it. A sender claims a message by compare and set: it counts the attempt and moves
//! `next_attempt_at` past the attempt (a lease: a sender that dies mid-send leaves the message
//! to be tried again once that time has passed).

use crate::jobs::{enqueue_job_tx, NewJob};
use crate::{audit, corrupt, new_id, now, page, Actor, Page, Result, Store, StoreError};
use pso_domain::jobs::{MailState, OutboxMessage};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// The job kind that sends the outbox, and its dedupe key.
pub const FLUSH_KIND: &str = "outbox_flush";

/// A message to queue (already checked by the application).
#[derive(Debug, Clone)]
pub struct NewMail {
    pub to: Vec<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
}

fn mail_from_row(r: &AnyRow) -> Result<OutboxMessage> {
    let state: String = r.try_get("state")?;
    Ok(OutboxMessage {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        to: crate::json_col(r, "recipients")?,
        subject: r.try_get("subject")?,
        body_text: r.try_get("body_text")?,
        body_html: r.try_get("body_html")?,
        state: MailState::parse(&state).ok_or_else(|| corrupt("outbox.state", &state))?,
        attempts: r.try_get("attempts")?,
        last_error: r.try_get("last_error")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        sent_at: r.try_get("sent_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// A job that sends the outbox now (or joins the one already queued).
pub fn flush_job() -> NewJob {
    NewJob {
        kind: FLUSH_KIND.into(),
        owner_id: None,
        owner_label: "system".into(),
        payload: json!({}),
        input: None,
        dedupe_key: Some(FLUSH_KIND.into()),
        schedule_id: None,
        max_attempts: 3,
        run_at: None,
    }
}

/// Queues a message inside the caller's write transaction: the row, its audit event and the
/// job that sends it.
pub async fn queue_mail_tx(
    tx: &mut AnyConnection,
    actor: &Actor,
    m: &NewMail,
) -> Result<OutboxMessage> {
    let id = new_id();
    let t = now();
    sqlx::query(
        "INSERT INTO outbox (id, version, recipients, subject, body_text, body_html, state, \
         attempts, next_attempt_at, created_by, created_at, updated_at) \
         VALUES ($1, 1, $2, $3, $4, $5, 'queued', 0, $6, $7, $6, $6)",
    )
    .bind(&id)
    .bind(crate::to_json(&m.to)?)
    .bind(&m.subject)
    .bind(&m.body_text)
    .bind(m.body_html.clone())
    .bind(&t)
    .bind(&actor.label)
    .execute(&mut *tx)
    .await?;
    let after = crate::fetch(tx, "outbox", &id, mail_from_row).await?;
    let shown = json!({"to": after.to, "subject": after.subject});
    audit(
        tx,
        actor,
        "queue",
        "outbox_message",
        &id,
        None,
        None,
        Some(&shown),
    )
    .await?;
    enqueue_job_tx(tx, &Actor::system("mail"), &flush_job()).await?;
    Ok(after)
}

impl Store {
    /// Queues a message in its own transaction (see [`queue_mail_tx`]).
    pub async fn queue_mail(&self, actor: &Actor, m: &NewMail) -> Result<OutboxMessage> {
        let mut tx = self.begin_write().await?;
        let out = queue_mail_tx(&mut tx, actor, m).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn get_mail(&self, id: &str) -> Result<Option<OutboxMessage>> {
        self.get_table("outbox", id, mail_from_row).await
    }

    /// The outbox, newest first, optionally of one state.
    pub async fn list_outbox(
        &self,
        state: Option<MailState>,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<OutboxMessage>> {
        let rows = sqlx::query(
            "SELECT * FROM outbox WHERE ($1 = '' OR state = $1) AND ($2 = '' OR id < $2) \
             ORDER BY id DESC LIMIT $3",
        )
        .bind(state.map(|s| s.as_str()).unwrap_or(""))
        .bind(cursor.unwrap_or(""))
        .bind(limit + 1)
        .fetch_all(self.pool())
        .await?;
        page(rows, limit, mail_from_row)
    }

    /// Ids of up to `limit` queued messages due at `at`, oldest due first.
    pub async fn due_mail(&self, at: &str, limit: i64) -> Result<Vec<String>> {
        sqlx::query(
            "SELECT id FROM outbox WHERE state = 'queued' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(at)
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| Ok(r.try_get("id")?))
        .collect()
    }

    /// Claims a due message for one attempt: counts the attempt and holds the message until
    /// `lease_until`. `None` when another sender took it or it is no longer due.
    pub async fn claim_mail(&self, id: &str, lease_until: &str) -> Result<Option<OutboxMessage>> {
        let t = now();
        let n = self.write(sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, updated_at = $2, \
             version = version + 1 WHERE id = $3 AND state = 'queued' AND next_attempt_at <= $2",
        )
        .bind(lease_until)
        .bind(&t)
        .bind(id)
        )
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(None);
        }
        self.get_mail(id).await
    }

    /// Records a sent message.
    pub async fn mail_sent(&self, id: &str) -> Result<()> {
        let t = now();
        self.write(sqlx::query(
            "UPDATE outbox SET state = 'sent', sent_at = $1, updated_at = $1, last_error = NULL, \
             version = version + 1 WHERE id = $2",
        )
        .bind(&t)
        .bind(id)
        )
        .await?;
        Ok(())
    }

    /// Records a failed attempt: tried again at `retry_at`, or given up (`None`).
    pub async fn mail_failed(&self, id: &str, error: &str, retry_at: Option<&str>) -> Result<()> {
        let t = now();
        let n = self.write(sqlx::query(
            "UPDATE outbox SET state = $1, last_error = $2, next_attempt_at = COALESCE($3, \
             next_attempt_at), updated_at = $4, version = version + 1 WHERE id = $5",
        )
        .bind(if retry_at.is_some() {
            "queued"
        } else {
            "failed"
        })
        .bind(error)
        .bind(retry_at.map(str::to_string))
        .bind(&t)
        .bind(id)
        )
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// When the next queued message is due (`None`: nothing waits).
    pub async fn next_mail_due(&self) -> Result<Option<String>> {
        let r = sqlx::query("SELECT MIN(next_attempt_at) AS t FROM outbox WHERE state = 'queued'")
            .fetch_one(self.pool())
            .await?;
        Ok(r.try_get::<Option<String>, _>("t")?)
    }
}
