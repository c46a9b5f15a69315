//! `pso config check` and the reading of the configuration for every command: the flags of
//! the command line (and clap's `PSO_*` variables of those flags) on top of the environment,
//! the file and the defaults (`pso_app::config`, which documents the precedence).

use super::server::{DbOpts, ServeOpts};
use anyhow::Context;
use clap::parser::ValueSource;
use clap::{ArgMatches, Subcommand};
use pso_app::config::{Inputs, Settings, Source, KEYS};

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Check the configuration and print the effective settings, each with where it came from
    /// (default, file, env, flag); secrets are not printed.
    Check(ServeOpts),
}

/// Where a flag's value came from: the command line or its variable (clap tells, when the
/// matches are at hand; otherwise the variable is compared with the value).
fn source(m: Option<&ArgMatches>, id: &str, env: &str, value: &str) -> Option<Source> {
    match m.and_then(|m| m.value_source(id)) {
        Some(ValueSource::CommandLine) => Some(Source::Flag),
        Some(ValueSource::EnvVariable) => Some(Source::Env),
        Some(_) => None,
        None => Some(if std::env::var(env).ok().as_deref() == Some(value) {
            Source::Env
        } else {
            Source::Flag
        }),
    }
}

fn push(
    flags: &mut Vec<(&'static str, String, Source)>,
    m: Option<&ArgMatches>,
    key: &'static str,
    id: &str,
    value: Option<String>,
) {
    let Some(v) = value else { return };
    let env = KEYS
        .iter()
        .find(|k| k.name == key)
        .map(|k| k.env())
        .unwrap_or_default();
    if let Some(s) = source(m, id, &env, &v) {
        flags.push((key, v, s));
    }
}

/// The settings of a command that only needs the database.
pub fn db_settings(db: &DbOpts, m: Option<&ArgMatches>) -> anyhow::Result<Settings> {
    settings(db, m, Vec::new())
}

/// The settings of `pso serve` / `pso demo` / `pso config check`.
pub fn serve_settings(o: &ServeOpts, m: Option<&ArgMatches>) -> anyhow::Result<Settings> {
    let mut flags = Vec::new();
    push(&mut flags, m, "listen", "listen", o.listen.clone());
    if o.secure_cookies {
        push(
            &mut flags,
            m,
            "secure_cookies",
            "secure_cookies",
            Some("true".into()),
        );
    }
    push(&mut flags, m, "jobs.workers", "workers", o.workers.clone());
    settings(&o.db, m, flags)
}

fn settings(
    db: &DbOpts,
    m: Option<&ArgMatches>,
    mut flags: Vec<(&'static str, String, Source)>,
) -> anyhow::Result<Settings> {
    push(
        &mut flags,
        m,
        "data_dir",
        "data_dir",
        db.data_dir.as_ref().map(|d| d.display().to_string()),
    );
    push(
        &mut flags,
        m,
        "database_url",
        "database_url",
        db.database_url.clone(),
    );
    let inputs = Inputs {
        config_file: db.config.clone(),
        flags,
    };
    pso_app::config::load(&inputs, &|k| std::env::var(k).ok()).context("invalid configuration")
}

pub fn run(c: ConfigCmd, m: Option<&ArgMatches>) -> anyhow::Result<()> {
    match c {
        ConfigCmd::Check(o) => {
            let s = serve_settings(&o, m)?;
            match &s.file {
                Some(f) => println!("configuration file: {}", f.display()),
                None => println!(
                    "configuration file: none ({} does not exist)",
                    s.data_dir.join("pso.toml").display()
                ),
            }
            println!("precedence: default < file < env < flag\n");
            let width = KEYS.iter().map(|k| k.name.len()).max().unwrap_or(10);
            for (key, value, source) in s.describe() {
                let shown = if value.is_empty() {
                    "(unset)".to_string()
                } else {
                    value.clone()
                };
                println!("{key:<width$}  {shown:<40}  {}", source.as_str());
            }
            if s.mail.smtp.is_none() {
                println!("\nno SMTP server: e-mail stays in the outbox (smtp.host)");
            }
            println!("\nThe configuration is valid.");
            Ok(())
        }
    }
}
