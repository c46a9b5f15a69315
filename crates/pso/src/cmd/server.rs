//! `pso serve`, `pso demo`, `pso migrate`: the server and its database.

use anyhow::Context;
use clap::Args;
use pso_store::Store;
use std::path::PathBuf;

/// Where the data lives; shared by every command that opens the database.
#[derive(Debug, Clone, Args)]
pub struct DbOpts {
    /// Data directory (the SQLite database lives here unless --database-url is given).
    #[arg(
        long,
        env = "PSO_DATA_DIR",
        default_value = "./pso-data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Database URL: `sqlite://FILE` or `postgres://USER@HOST/DB` (default: SQLite in the data dir).
    #[arg(long, env = "PSO_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

impl DbOpts {
    pub fn url(&self) -> anyhow::Result<String> {
        if let Some(u) = &self.database_url {
            return Ok(u.clone());
        }
        std::fs::create_dir_all(&self.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                self.data_dir.display()
            )
        })?;
        Ok(format!(
            "sqlite://{}?mode=rwc",
            self.data_dir.join("pso.db").display()
        ))
    }

    /// Connects and applies migrations, with clear messages for the usual failures.
    pub async fn open(&self) -> anyhow::Result<Store> {
        let url = self.url()?;
        let store = Store::connect(&url)
            .await
            .with_context(|| format!("cannot open the database {}", pso_store::redact(&url)))?;
        store
            .migrate()
            .await
            .context("cannot bring the database schema up to date")?;
        Ok(store)
    }
}

/// Options of `pso serve` and `pso demo`.
#[derive(Debug, Clone, Args)]
pub struct ServeOpts {
    #[command(flatten)]
    pub db: DbOpts,
    /// Address to listen on.
    #[arg(long, env = "PSO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Mark cookies Secure (when PSO is served over TLS, directly or behind a proxy).
    #[arg(long, env = "PSO_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,
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
    opts: &ServeOpts,
    banner: impl FnOnce(&str),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let addr = listener.local_addr()?;
    let state = pso_web::AppState::new(
        store.clone(),
        pso_web::WebConfig {
            secure_cookies: opts.secure_cookies,
        },
    )
    .await?;
    banner(&format!("http://{addr}/"));
    pso_web::serve(listener, state, shutdown_signal())
        .await
        .context("the server stopped with an error")?;
    store.close().await;
    Ok(())
}

pub async fn serve(opts: ServeOpts) -> anyhow::Result<()> {
    let store = opts.db.open().await?;
    run_server(store, &opts, |url| println!("PSO is listening on {url}")).await
}

pub async fn demo(opts: ServeOpts) -> anyhow::Result<()> {
    let store = opts.db.open().await?;
    let logins = if store.is_empty().await? {
        println!("Filling the empty database with the demo organisation ...");
        crate::demo::seed(&store)
            .await
            .context("cannot load the demo data")?
    } else {
        println!("The database already holds data: serving it as it is (demo logins below if unchanged).");
        crate::demo::logins()
    };
    run_server(store, &opts, move |url| {
        println!("\nPSO demo is running at {url}\n");
        println!("{:<24} {:<40} {:<18} scope", "role", "e-mail", "password");
        for l in &logins {
            println!(
                "{:<24} {:<40} {:<18} {}",
                l.role, l.email, l.password, l.scope
            );
        }
        println!("\nStop with Ctrl-C.");
    })
    .await
}

pub async fn migrate(db: DbOpts) -> anyhow::Result<()> {
    let _ = db.open().await?;
    println!("The database schema is up to date.");
    Ok(())
}
