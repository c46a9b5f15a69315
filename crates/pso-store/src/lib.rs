//! `pso-store`: PSO's one SQL schema over SQLite and PostgreSQL.
//!
//! The backend is chosen by the database URL (`sqlite://...` or `postgres://...`) and both run
//! the same code through sqlx's `Any` driver: the schema is written in the common subset (TEXT
//! ids, BIGINT integers and 0/1 booleans, RFC 3339 text timestamps, JSON as text), so one set of
//! migrations and one set of queries serve both, and the same test suite checks both.
//!
//! Every mutation runs in one transaction with its audit event ([`Store::write`]), and every
//! update or delete is conditional on the version the caller saw (optimistic concurrency).
//!
//! SQLite runs in WAL mode with `synchronous=FULL` and foreign keys on. A write transaction
//! takes SQLite's write lock with its first statement, so concurrent writers queue on
//! `busy_timeout` instead of failing with `SQLITE_BUSY` on a read-to-write upgrade.

mod auth;
pub mod interchange;
pub mod jobs;
mod org;
pub mod outbox;
mod plan;
mod schedule;
pub mod sheet;
pub mod sheet_views;
mod timesheet;

pub use auth::{ApiToken, SessionRow};
pub use plan::{ProjectFilter, ProjectRow};

use pso_domain::model::AuditEvent;
use pso_domain::ValidationErrors;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyConnection, AnyPool, Executor, Row};
use std::sync::Arc;
use std::time::Duration;

/// Which database engine is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Errors of the store: the caller's mistake (not found, stale, conflict, invalid) is kept
/// apart from our failure (unavailable, internal).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("the object has changed: its version is now {current}")]
    Stale { current: i64 },
    #[error("{message}")]
    Conflict { field: String, message: String },
    #[error("{0}")]
    Invalid(ValidationErrors),
    #[error("the database cannot be reached at {url}: {reason}")]
    Unavailable { url: String, reason: String },
    #[error(
        "the database schema (migration {version}) is newer than this pso binary; upgrade pso"
    )]
    NewerSchema { version: i64 },
    /// A stored value does not parse: the database was changed outside PSO or by a bug.
    /// Never replaced by a default.
    #[error("corrupt data in {what}: {detail}")]
    Corrupt { what: String, detail: String },
    #[error("database error: {0}")]
    Internal(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Who makes a change, for the audit trail.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<String>,
    /// E-mail of the user, or `system`/`cli` for changes not made by a signed-in user.
    pub label: String,
}

impl Actor {
    pub fn system(label: &str) -> Self {
        Self {
            user_id: None,
            label: label.to_string(),
        }
    }
}

/// A page of a list: the items and the cursor of the next page.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The database handle. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite: this process's writers take turns here (see [`Tx`]).
    writer: Arc<tokio::sync::Mutex<()>>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A write transaction on either backend ([`Store::begin_write`]).
///
/// SQLite has one write lock per database. Writers that meet it taken wait in its busy
/// handler, which sleeps with growing back-off (up to 100 ms a sleep) and lets a later writer
/// overtake: under contention that made second-long tails. So on SQLite this process's writers
/// take turns through a fair (FIFO) async lock, taken before the transaction begins and held
/// until it ends: a writer waits in a short queue, woken the moment the one before it commits,
/// and then finds SQLite's lock free (the busy handler remains only for another process
/// writing the same file). PostgreSQL needs no such turn: its row locks queue writers fairly.
///
/// Derefs to the connection (`&mut *tx`); dropped without [`Tx::commit`], it rolls back.
pub struct Tx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    /// Declared after `tx`: dropped after it.
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Tx {
    /// Commits (and lets the next writer in).
    pub async fn commit(self) -> std::result::Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}

/// A new time-ordered id (UUIDv7: lexical order is creation order).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Now, as stored: UTC RFC 3339 with microseconds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// SQLite: copies the write-ahead log into the database ten times a second, beside the
/// writers (small copies: a large one holds the disk for the commits that wait to sync).
///
/// SQLite's own automatic checkpoint runs inside the commit that crosses its threshold (1,000
/// pages): that writer then copies and syncs megabytes while holding the write lock, and every
/// writer queued behind it waits (tails of 100–500 ms under a write storm). So connections turn
/// it off (`wal_autocheckpoint = 0`) and this task checkpoints in `PASSIVE` mode, which takes
/// no lock that writers or readers need. Ends when the pool is closed; the last connection to
/// close checkpoints what is left.
async fn checkpoints(pool: AnyPool) {
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            if pool.is_closed() {
                return;
            }
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}

impl Store {
    /// Connects to `url` (no migrations; see [`Store::migrate`]).
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Unavailable {
                url: redact(url),
                reason: "the URL must start with sqlite: or postgres://".into(),
            });
        };
        let opts = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(5))
            // A file does not drop connections: no ping before each use (one round trip to the
            // connection's thread less per statement outside a transaction, and per
            // transaction — inside the writers' turn).
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                             PRAGMA wal_autocheckpoint = 0;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            });
        let pool = opts
            .connect(url)
            .await
            .map_err(|e| StoreError::Unavailable {
                url: redact(url),
                reason: e.to_string(),
            })?;
        if backend == Backend::Sqlite {
            tokio::spawn(checkpoints(pool.clone()));
        }
        Ok(Store {
            pool,
            backend,
            writer: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations, then the data conversions that SQL alone cannot do on both
    /// engines; refuses a database migrated by a newer binary.
    pub async fn migrate(&self) -> Result<()> {
        match MIGRATOR.run(&self.pool).await {
            Ok(()) => {}
            Err(sqlx::migrate::MigrateError::VersionMissing(v)) => {
                return Err(StoreError::NewerSchema { version: v })
            }
            Err(e) => return Err(e.into()),
        }
        self.convert_legacy_grants().await
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a write transaction (holding SQLite's write lock from the start).
    pub async fn begin_write(&self) -> Result<Tx> {
        let turn = self.turn().await;
        // SQLite: take the write lock at BEGIN (a deferred transaction that reads first could
        // meet another process's write between its read and its write).
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx { tx, _turn: turn })
    }

    /// SQLite: waits for this process's writers' turn (see [`Tx`]); PostgreSQL: `None`.
    async fn turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.backend {
            Backend::Sqlite => Some(self.writer.clone().lock_owned().await),
            Backend::Postgres => None,
        }
    }

    /// One statement that writes, on its own (no transaction of several statements): in the
    /// writers' turn on SQLite, like [`Store::begin_write`].
    pub(crate) async fn write<'q>(
        &self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<sqlx::any::AnyQueryResult> {
        let _turn = self.turn().await;
        Ok(q.execute(&self.pool).await?)
    }

    /// [`Store::write`] of a statement that returns at most one row (`... RETURNING`).
    pub(crate) async fn write_returning<'q>(
        &self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<Option<AnyRow>> {
        let _turn = self.turn().await;
        Ok(q.fetch_optional(&self.pool).await?)
    }

    /// Is the database answering?
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Whether the database holds no organisation yet (for `pso demo`).
    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM sites")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let u: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(n == 0 && u == 0)
    }

    /// The audit trail of one object, oldest first.
    pub async fn audit_for_entity(
        &self,
        entity_type: &str,
        entity_id: &str,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT * FROM audit_events WHERE entity_type = $1 AND entity_id = $2 AND id > $3 \
             ORDER BY id LIMIT $4",
        )
        .bind(entity_type)
        .bind(entity_id)
        .bind(cursor.unwrap_or(""))
        .bind(limit + 1)
        .fetch_all(&self.pool)
        .await?;
        page(rows, limit, audit_from_row)
    }

    /// The audit trail of a project and everything in it, newest first.
    pub async fn audit_for_project(
        &self,
        project_id: &str,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT * FROM audit_events WHERE project_id = $1 AND ($2 = '' OR id < $2) \
             ORDER BY id DESC LIMIT $3",
        )
        .bind(project_id)
        .bind(cursor.unwrap_or(""))
        .bind(limit + 1)
        .fetch_all(&self.pool)
        .await?;
        page(rows, limit, audit_from_row)
    }
}

/// A `LIKE ... ESCAPE '\'` pattern matching `q` anywhere, lower-cased, with `%`, `_` and `\`
/// taken as text rather than wildcards.
pub(crate) fn contains_pattern(q: &str) -> String {
    let escaped = q
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The row of `table` with this id, mapped by `f`; `NotFound` when there is none.
pub(crate) async fn fetch<T>(
    c: &mut AnyConnection,
    table: &str,
    id: &str,
    f: fn(&AnyRow) -> Result<T>,
) -> Result<T> {
    let r = sqlx::query(&format!("SELECT * FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_optional(c)
        .await?;
    match r {
        Some(r) => f(&r),
        None => Err(StoreError::NotFound),
    }
}

/// Most ids bound in one `IN (...)` list; longer lists are read in chunks.
const IN_CHUNK: usize = 500;

impl Store {
    /// Every row of `table` whose `col` is one of `ids`, mapped by `f`: one query per
    /// [`IN_CHUNK`] ids (instead of one per id), ordered by `order` within each chunk.
    pub(crate) async fn select_in<T>(
        &self,
        table: &str,
        col: &str,
        ids: &[String],
        order: &str,
        f: fn(&AnyRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(IN_CHUNK) {
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT * FROM {table} WHERE {col} IN ({}) ORDER BY {order}",
                ph.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.clone());
            }
            for r in q.fetch_all(self.pool()).await? {
                out.push(f(&r)?);
            }
        }
        Ok(out)
    }
}

impl Store {
    /// One row of `table` by id, mapped by `f` (`None` when there is none).
    pub(crate) async fn get_table<T>(
        &self,
        table: &str,
        id: &str,
        f: fn(&AnyRow) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut c = self.pool().acquire().await?;
        match fetch(&mut c, table, id, f).await {
            Ok(v) => Ok(Some(v)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Hides the password of a database URL in messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{}:***@{}", &url[..s], user, &url[at + 1..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Writes one audit event inside the transaction of the change it records. (Its arguments are
/// the columns of the event; bundling them in a struct would only move the list.)
#[allow(clippy::too_many_arguments)]
pub(crate) async fn audit<T: serde::Serialize>(
    tx: &mut AnyConnection,
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    project_id: Option<&str>,
    before: Option<&T>,
    after: Option<&T>,
) -> Result<()> {
    let to_json = |v: Option<&T>| -> Result<Option<String>> {
        v.map(|v| serde_json::to_string(v))
            .transpose()
            .map_err(|e| StoreError::Internal(sqlx::Error::Encode(Box::new(e))))
    };
    sqlx::query(
        "INSERT INTO audit_events (id, at, actor_id, actor, action, entity_type, entity_id, \
         project_id, before_json, after_json, plan_version) VALUES ($1, $2, $3, $4, $5, $6, $7, \
         $8, $9, $10, (SELECT plan_version FROM projects WHERE id = $8))",
    )
    .bind(new_id())
    .bind(now())
    .bind(actor.user_id.clone())
    .bind(actor.label.clone())
    .bind(action)
    .bind(entity_type)
    .bind(entity_id)
    .bind(project_id.map(str::to_string))
    .bind(to_json(before)?)
    .bind(to_json(after)?)
    .execute(tx)
    .await?;
    Ok(())
}

/// The error for a stored value that does not parse.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: what.to_string(),
        detail: detail.to_string(),
    }
}

fn audit_from_row(r: &AnyRow) -> Result<AuditEvent> {
    let parse = |s: Option<String>| -> Result<Option<serde_json::Value>> {
        s.map(|s| serde_json::from_str(&s).map_err(|e| corrupt("audit_events", e)))
            .transpose()
    };
    Ok(AuditEvent {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor_id: r.try_get("actor_id")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        entity_type: r.try_get("entity_type")?,
        entity_id: r.try_get("entity_id")?,
        project_id: r.try_get("project_id")?,
        before: parse(r.try_get("before_json")?)?,
        after: parse(r.try_get("after_json")?)?,
        plan_version: r.try_get("plan_version")?,
    })
}

/// Cuts `limit + 1` fetched rows into a page and its next cursor (the last item's id).
pub(crate) fn page<T, F>(rows: Vec<AnyRow>, limit: i64, f: F) -> Result<Page<T>>
where
    F: Fn(&AnyRow) -> Result<T>,
{
    let more = rows.len() as i64 > limit;
    let mut items = Vec::with_capacity(rows.len());
    let mut last_id = None;
    for r in rows.iter().take(limit.max(0) as usize) {
        last_id = Some(r.try_get::<String, _>("id")?);
        items.push(f(r)?);
    }
    Ok(Page {
        items,
        next_cursor: if more { last_id } else { None },
    })
}

/// Maps a database error: a unique violation becomes a 409-style conflict on `field`, a broken
/// reference a validation error.
pub(crate) fn map_write_err(e: sqlx::Error, field: &str, what: &str) -> StoreError {
    if let Some(db) = e.as_database_error() {
        if db.is_unique_violation() {
            return StoreError::Conflict {
                field: field.to_string(),
                message: format!("{what} already exists"),
            };
        }
        if db.is_foreign_key_violation() {
            return StoreError::Invalid(ValidationErrors::single(
                "reference",
                "unknown_reference",
                "refers to an object that does not exist",
            ));
        }
    }
    StoreError::Internal(e)
}

/// Checks the outcome of `UPDATE ... WHERE id = $ AND version = $`: none updated means the
/// object is gone or its version moved on.
pub(crate) async fn check_versioned(
    tx: &mut AnyConnection,
    table: &str,
    id: &str,
    affected: u64,
) -> Result<()> {
    if affected == 1 {
        return Ok(());
    }
    let row = sqlx::query(&format!("SELECT version FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx)
        .await?;
    match row {
        None => Err(StoreError::NotFound),
        Some(r) => Err(StoreError::Stale {
            current: r.try_get("version")?,
        }),
    }
}

pub(crate) fn json_col<T: serde::de::DeserializeOwned>(r: &AnyRow, col: &str) -> Result<T> {
    let s: String = r.try_get(col)?;
    serde_json::from_str(&s).map_err(|e| corrupt(col, e))
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Internal(sqlx::Error::Encode(Box::new(e))))
}
