//! Outgoing e-mail through an outbox.
//!
//! # Design
//!
//! - **Queue, then send.** An operation that sends mail calls [`queue`]: the message is written
//!   to the outbox with its audit event and, in the same transaction, the `outbox_flush` job
//!   that sends it. Nothing is sent inside a request, and a mail server that is down loses
//!   nothing: the message waits in the outbox.
//! - **Sending** ([`flush`], the `outbox_flush` job) claims each due message (compare and set
//!   on its next attempt time, so two senders never send the same message at once), sends it
//!   over SMTP with `lettre`, and records `sent`, or the error with the next attempt after an
//!   exponential backoff ([`MailConfig::retry_base`] doubled per attempt, at most an hour), or
//!   `failed` when the server refused the message for good (a permanent 5xx answer) or the
//!   attempts ran out. When messages still wait, the job queues the next flush for the earliest
//!   of them; a recurring flush every ten minutes is the safety net.
//! - Delivery is at least once: a sender that dies after the server accepted a message but
//!   before it recorded `sent` sends it again once its claim has run out.
//! - **Without an SMTP server** (the demo) messages stay queued and visible to administrators
//!   on `/admin/outbox`; a process without SMTP settings does not run the flush job at all.

use crate::config::Secret;
use crate::error::{AppError, AppResult};
use crate::jobs::JobCtx;
use crate::service::{Paging, Svc};
use crate::App;
use lettre::message::{header::ContentType, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use pso_domain::jobs::{MailState, OutboxMessage};
use pso_domain::ValidationErrors;
use pso_store::jobs::{time_after, NewJob};
use pso_store::outbox::{flush_job, NewMail};
use pso_store::{Actor, Page, Store};
use serde_json::{json, Value};
use std::time::Duration;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text (a relay on the same machine or network).
    None,
    /// Plain connection upgraded with STARTTLS (usually port 587); refused without it.
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

impl TlsMode {
    pub fn parse(s: &str) -> Option<TlsMode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Some(TlsMode::None),
            "starttls" => Some(TlsMode::Starttls),
            "tls" => Some(TlsMode::Tls),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::None => "none",
            TlsMode::Starttls => "starttls",
            TlsMode::Tls => "tls",
        }
    }
}

/// The SMTP server.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: Option<String>,
    pub password: Option<Secret>,
    /// The sender: `PSO <pso@example.org>`.
    pub from: String,
    /// How long one SMTP conversation may take.
    pub timeout: Duration,
}

/// Mail settings of the application.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `None`: no mail server; messages stay in the outbox.
    pub smtp: Option<SmtpSettings>,
    /// The address of PSO for links in messages (`https://pso.example.org`).
    pub base_url: Option<String>,
    /// The first retry waits this long; each further one twice as long (at most an hour).
    pub retry_base: Duration,
    /// Attempts before a message is given up.
    pub max_attempts: i64,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp: None,
            base_url: None,
            retry_base: Duration::from_secs(30),
            max_attempts: 8,
        }
    }
}

impl MailConfig {
    /// The wait before the attempt after `attempts` failed ones.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let exp = attempts.clamp(1, 20) as u32 - 1;
        self.retry_base
            .saturating_mul(1u32 << exp.min(16))
            .min(Duration::from_secs(3600))
    }
}

/// A message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    /// An HTML alternative of the text.
    pub html: Option<String>,
}

/// Checks a message: at least one valid recipient, a one-line subject, a text body.
pub fn check(m: &Message) -> AppResult<NewMail> {
    let mut e = ValidationErrors::new();
    if m.to.is_empty() {
        e.add("to", "required", "name at least one recipient");
    }
    let mut to = Vec::new();
    for (i, a) in m.to.iter().enumerate() {
        match a.trim().parse::<lettre::Address>() {
            Ok(addr) => to.push(addr.to_string()),
            Err(err) => e.add(
                &format!("to[{i}]"),
                "invalid_email",
                format!("'{a}' is not an e-mail address: {err}"),
            ),
        }
    }
    let subject = m.subject.trim();
    if subject.is_empty() {
        e.add("subject", "required", "a message needs a subject");
    } else if subject.contains(['\r', '\n']) || subject.chars().count() > 200 {
        e.add(
            "subject",
            "invalid_subject",
            "a subject is one line of at most 200 characters",
        );
    }
    if m.text.trim().is_empty() {
        e.add("text", "required", "a message needs a text body");
    }
    e.into_result(NewMail {
        to,
        subject: subject.to_string(),
        body_text: m.text.clone(),
        body_html: m.html.clone(),
    })
    .map_err(AppError::validation)
}

/// Queues a message for sending (audited, with the job that sends it, in one transaction).
/// Operations that send mail call this; it never waits for the mail server.
pub async fn queue(store: &Store, actor: &Actor, m: Message) -> AppResult<OutboxMessage> {
    let n = check(&m)?;
    Ok(store.queue_mail(actor, &n).await?)
}

impl Svc<'_> {
    /// The outbox, newest first (administrators only).
    pub async fn list_outbox(
        &self,
        state: Option<&str>,
        p: &Paging,
    ) -> AppResult<Page<OutboxMessage>> {
        if !self.caller.principal.can_read_outbox() {
            return Err(AppError::forbidden("only administrators see the outbox"));
        }
        let state = match state.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(MailState::parse(s).ok_or_else(|| {
                AppError::field(
                    "state",
                    "invalid_state",
                    "state is one of queued, sent, failed",
                )
            })?),
        };
        Ok(self
            .store()
            .list_outbox(state, p.limit, p.cursor.as_deref())
            .await?)
    }
}

type Transport = AsyncSmtpTransport<Tokio1Executor>;

fn transport(s: &SmtpSettings) -> AppResult<Transport> {
    let tls = |host: &str| {
        TlsParameters::new(host.to_string())
            .map_err(|e| AppError::internal(format!("TLS setup for {host}: {e}")))
    };
    let mut b = Transport::builder_dangerous(s.host.clone())
        .port(s.port)
        .timeout(Some(s.timeout));
    b = match s.tls {
        TlsMode::None => b.tls(Tls::None),
        TlsMode::Starttls => b.tls(Tls::Required(tls(&s.host)?)),
        TlsMode::Tls => b.tls(Tls::Wrapper(tls(&s.host)?)),
    };
    if let Some(user) = &s.user {
        let pass = s
            .password
            .as_ref()
            .map(|p| p.expose().to_string())
            .unwrap_or_default();
        b = b.credentials(Credentials::new(user.clone(), pass));
    }
    Ok(b.build())
}

/// Why one attempt failed, and whether trying again can help.
struct SendError {
    message: String,
    permanent: bool,
}

async fn send(t: &Transport, s: &SmtpSettings, m: &OutboxMessage) -> Result<(), SendError> {
    let bad = |message: String| SendError {
        message,
        permanent: true,
    };
    let from: Mailbox = s
        .from
        .parse()
        .map_err(|e| bad(format!("the sender '{}' is not an address: {e}", s.from)))?;
    let mut b = lettre::Message::builder()
        .from(from)
        .subject(m.subject.clone());
    for to in &m.to {
        b = b.to(to
            .parse::<Mailbox>()
            .map_err(|e| bad(format!("recipient '{to}': {e}")))?);
    }
    let email = match &m.body_html {
        Some(html) => b.multipart(MultiPart::alternative_plain_html(
            m.body_text.clone(),
            html.clone(),
        )),
        None => b.header(ContentType::TEXT_PLAIN).body(m.body_text.clone()),
    }
    .map_err(|e| bad(format!("the message cannot be built: {e}")))?;
    t.send(email).await.map(|_| ()).map_err(|e| SendError {
        permanent: e.is_permanent(),
        message: e.to_string(),
    })
}

/// The `outbox_flush` job: sends every due message, then queues the next flush for what waits.
pub async fn flush(app: &App, ctx: &JobCtx) -> AppResult<Value> {
    let cfg = &app.mail;
    let Some(smtp) = &cfg.smtp else {
        return Ok(json!({"sent": 0, "retried": 0, "failed": 0,
                         "note": "no SMTP server is configured"}));
    };
    let t = transport(smtp)?;
    let store = &app.store;
    let (mut sent, mut retried, mut failed) = (0i64, 0i64, 0i64);
    // Each round takes the messages due now; a message is due again only after its backoff,
    // so the rounds end.
    for _ in 0..1000 {
        let due = store.due_mail(&pso_store::now(), 50).await?;
        if due.is_empty() {
            break;
        }
        for id in due {
            if ctx.cancelled() {
                break;
            }
            let hold = time_after(smtp.timeout * 2 + Duration::from_secs(30));
            let Some(m) = store.claim_mail(&id, &hold).await? else {
                continue;
            };
            match send(&t, smtp, &m).await {
                Ok(()) => {
                    store.mail_sent(&id).await?;
                    sent += 1;
                }
                Err(e) => {
                    let give_up = e.permanent || m.attempts >= cfg.max_attempts;
                    let retry = (!give_up).then(|| time_after(cfg.backoff(m.attempts)));
                    tracing::warn!(message = %id, attempt = m.attempts, error = %e.message,
                        retry_at = ?retry, "sending an e-mail failed");
                    store.mail_failed(&id, &e.message, retry.as_deref()).await?;
                    if give_up {
                        failed += 1;
                    } else {
                        retried += 1;
                    }
                }
            }
            ctx.progress(
                sent + retried + failed,
                0,
                format!("{sent} sent, {retried} to retry, {failed} failed"),
            );
        }
    }
    if let Some(at) = store.next_mail_due().await? {
        store
            .enqueue_job(
                &Actor::system("mail"),
                &NewJob {
                    run_at: Some(at),
                    ..flush_job()
                },
            )
            .await?;
    }
    Ok(json!({"sent": sent, "retried": retried, "failed": failed}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(to: &[&str], subject: &str) -> Message {
        Message {
            to: to.iter().map(|s| s.to_string()).collect(),
            subject: subject.into(),
            text: "Hello".into(),
            html: None,
        }
    }

    #[test]
    fn messages_are_checked_field_by_field() {
        assert!(check(&msg(&["ada@example.org"], "Report")).is_ok());
        let e = check(&msg(&["ada@example.org", "nope"], "Report")).unwrap_err();
        assert_eq!(e.errors[0].field, "to[1]");
        let e = check(&msg(&[], "a\r\nBcc: x@y.org")).unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["to", "subject"]);
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let c = MailConfig {
            retry_base: Duration::from_secs(30),
            ..Default::default()
        };
        assert_eq!(c.backoff(1), Duration::from_secs(30));
        assert_eq!(c.backoff(2), Duration::from_secs(60));
        assert_eq!(c.backoff(3), Duration::from_secs(120));
        assert_eq!(c.backoff(30), Duration::from_secs(3600));
        assert_eq!(TlsMode::parse("STARTTLS"), Some(TlsMode::Starttls));
        assert_eq!(TlsMode::parse("ssl"), None);
    }
}
