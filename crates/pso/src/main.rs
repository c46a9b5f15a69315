//! `pso`: the command line of the PSO platform. Thin: every command calls into the libraries.

mod cmd;
mod demo;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use cmd::server::{DbOpts, ServeOpts};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "pso",
    version,
    about = "PSO: the platform for project support offices"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web application and API.
    Serve(ServeOpts),
    /// Fill an empty database with a realistic demo organisation and serve it.
    Demo(ServeOpts),
    /// Apply database migrations and exit.
    Migrate(DbOpts),
    /// Check the configuration (pso.toml, PSO_* variables, flags).
    #[command(subcommand)]
    Config(cmd::config::ConfigCmd),
    /// Manage users.
    #[command(subcommand)]
    User(UserCmd),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Import a plan into the database.
    #[command(subcommand)]
    Import(cmd::interchange::ImportCmd),
    /// Export a plan from the database.
    #[command(subcommand)]
    Export(cmd::interchange::ExportCmd),
    /// Run the engine on files (no database needed).
    #[command(subcommand)]
    Schedule(cmd::schedule::ScheduleCmd),
    /// Read an MS Project XML file and write it again through PSO's model.
    Convert {
        /// MSPDI file to read.
        input: PathBuf,
        /// MSPDI file to write.
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum UserCmd {
    /// Add a user with one role grant.
    Add {
        #[command(flatten)]
        db: DbOpts,
        #[command(flatten)]
        user: cmd::users::UserAdd,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCmd {
    /// Create an API token for a user; prints only the token.
    Create {
        #[command(flatten)]
        db: DbOpts,
        #[command(flatten)]
        token: cmd::users::TokenCreate,
    },
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PSO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,pso=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn main() -> std::process::ExitCode {
    // Parsed through the matches, so the configuration can tell a flag from its variable.
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    match run(cli, &matches) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli, m: &clap::ArgMatches) -> anyhow::Result<()> {
    match cli.command {
        Command::Schedule(c) => cmd::schedule::run(c),
        Command::Convert { input, output } => cmd::mspdi::convert(&input, &output),
        Command::Serve(o) => {
            init_tracing();
            runtime()?.block_on(cmd::server::serve(o, m.subcommand_matches("serve")))
        }
        Command::Demo(o) => {
            init_tracing();
            runtime()?.block_on(cmd::server::demo(o, m.subcommand_matches("demo")))
        }
        Command::Import(c) => runtime()?.block_on(cmd::interchange::import(c)),
        Command::Export(c) => runtime()?.block_on(cmd::interchange::export(c)),
        Command::Migrate(db) => runtime()?.block_on(cmd::server::migrate(db)),
        Command::Config(c) => cmd::config::run(
            c,
            m.subcommand_matches("config")
                .and_then(|c| c.subcommand_matches("check")),
        ),
        Command::User(UserCmd::Add { db, user }) => {
            runtime()?.block_on(cmd::users::user_add(db, user))
        }
        Command::Token(TokenCmd::Create { db, token }) => {
            runtime()?.block_on(cmd::users::token_create(db, token))
        }
    }
}
