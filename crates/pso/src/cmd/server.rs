//! `pso serve`, `pso demo`, `pso migrate`: the server and its database.

use anyhow::Context;
use clap::Args;
use pso_store::Store;
use std::path::PathBuf;

/// Where the data lives; shared by every command that opens the database. Each of these is
/// also a key of the configuration (`pso_app::config`): a flag beats its variable, which beats
/// the configuration file, which beats the default.
#[derive(Debug, Clone, Args)]
pub struct DbOpts {
    /// Data directory: the SQLite database and pso.toml live here [default: ./pso-data].
    #[arg(long, env = "PSO_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: `sqlite://FILE` or `postgres://USER@HOST/DB` (default: SQLite in the data dir).
    #[arg(long, env = "PSO_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Configuration file (TOML) [default: pso.toml in the data directory, when present].
    #[arg(long, env = "PSO_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

impl DbOpts {
    /// Connects to the configured database and applies migrations, with clear messages for the
    /// usual failures.
    pub async fn open(&self) -> anyhow::Result<Store> {
        let settings = super::config::db_settings(self, None)?;
        open_store(&settings).await
    }
}

/// Opens the database of `settings` (creating the data directory for the default SQLite file).
pub async fn open_store(settings: &pso_app::config::Settings) -> anyhow::Result<Store> {
    let url = settings.database_url.expose();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                settings.data_dir.display()
            )
        })?;
    }
    let store = Store::connect(url)
        .await
        .with_context(|| format!("cannot open the database {}", pso_store::redact(url)))?;
    store
        .migrate()
        .await
        .context("cannot bring the database schema up to date")?;
    Ok(store)
}

/// Options of `pso serve` and `pso demo`.
#[derive(Debug, Clone, Args)]
pub struct ServeOpts {
    #[command(flatten)]
    pub db: DbOpts,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "PSO_LISTEN")]
    pub listen: Option<String>,
    /// Mark cookies Secure (when PSO is served over TLS, directly or behind a proxy).
    #[arg(long, env = "PSO_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,
    /// Background job workers in this process (0: run no jobs here) [default: 2].
    #[arg(long, env = "PSO_JOBS_WORKERS", value_name = "N")]
    pub workers: Option<String>,
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

async fn run_server(
    store: Store,
    settings: &pso_app::config::Settings,
    banner: impl FnOnce(&str),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    let app = pso_app::App::with_limits(store.clone(), settings.limits.clone())
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the application: {e}"))?
        .with_jobs(settings.jobs.clone())
        .with_mail(settings.mail.clone());
    let state = pso_web::AppState::from_app(
        app,
        pso_web::WebConfig {
            secure_cookies: settings.secure_cookies,
        },
    );
    tracing::info!(
        workers = settings.jobs.workers,
        lease_secs = settings.jobs.lease.as_secs(),
        smtp = settings.mail.smtp.is_some(),
        "job workers"
    );
    banner(&format!("http://{addr}/"));
    pso_web::serve(listener, state, shutdown_signal())
        .await
        .context("the server stopped with an error")?;
    store.close().await;
    Ok(())
}

/// Prints a running server's banner. Written, not `println!`ed: whoever started the server may
/// have stopped reading its output (`pso demo | head`, a test that read the URL), and a closed
/// pipe must not stop the server (`println!` panics on it).
fn say(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

pub async fn serve(opts: ServeOpts, m: Option<&clap::ArgMatches>) -> anyhow::Result<()> {
    let settings = super::config::serve_settings(&opts, m)?;
    let store = open_store(&settings).await?;
    run_server(store, &settings, |url| {
        say(&format!("PSO is listening on {url}\n"))
    })
    .await
}

pub async fn demo(opts: ServeOpts, m: Option<&clap::ArgMatches>) -> anyhow::Result<()> {
    let settings = super::config::serve_settings(&opts, m)?;
    let store = open_store(&settings).await?;
    let logins = if store.is_empty().await? {
        println!("Filling the empty database with the demo organisation ...");
        crate::demo::seed(&store)
            .await
            .context("cannot load the demo data")?
    } else {
        println!("The database already holds data: serving it as it is (demo logins below if unchanged).");
        crate::demo::logins()
    };
    run_server(store, &settings, move |url| {
        let mut banner = format!("\nPSO demo is running at {url}\n\n");
        banner.push_str(&format!(
            "{:<24} {:<40} {:<18} scope\n",
            "role", "e-mail", "password"
        ));
        for l in &logins {
            banner.push_str(&format!(
                "{:<24} {:<40} {:<18} {}\n",
                l.role, l.email, l.password, l.scope
            ));
        }
        banner.push_str("\nStop with Ctrl-C.\n");
        say(&banner);
    })
    .await
}

pub async fn migrate(db: DbOpts) -> anyhow::Result<()> {
    let _ = db.open().await?;
    println!("The database schema is up to date.");
    Ok(())
}
