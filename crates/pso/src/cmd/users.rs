//! `pso user add` and `pso token create`.

use super::server::DbOpts;
use anyhow::{bail, Context};
use pso_app::{App, Caller, Svc};
use pso_domain::access::{Grant, Role, Scope};
use pso_domain::model::UserInput;
use std::io::BufRead;

/// Options of `pso user add`.
#[derive(Debug, clap::Args)]
pub struct UserAdd {
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    /// admin, pmo, standards, pso, project_manager, member, executive or qa.
    #[arg(long)]
    pub role: String,
    /// global, business_unit:CODE, site:CODE or project:CODE.
    #[arg(long, default_value = "global")]
    pub scope: String,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

pub async fn user_add(db: DbOpts, a: UserAdd) -> anyhow::Result<()> {
    let role = Role::parse(&a.role).with_context(|| {
        format!("--role '{}' is not one of admin, pmo, standards, pso, project_manager, member, executive, qa", a.role)
    })?;
    let scope = Scope::parse(&a.scope).with_context(|| {
        format!(
            "--scope '{}' is not global, business_unit:CODE, site:CODE or project:CODE",
            a.scope
        )
    })?;
    let password = if a.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        Some(line.trim_end_matches(['\n', '\r']).to_string())
    } else {
        None
    };
    let input = UserInput {
        email: a.email,
        name: a.name,
        person_id: None,
        grants: vec![Grant { role, scope }],
        disabled: false,
        password: password.map(Into::into),
    };
    let store = db.open().await?;
    let app = App::new(store).await?;
    let cli = Caller::system("cli");
    let user = Svc::new(&app, &cli)
        .create_user(input)
        .await
        .map_err(|e| anyhow::anyhow!("cannot add the user: {}", super::describe(&e)))?;
    eprintln!(
        "Added user {} ({}) as {} on {}",
        user.email,
        user.id,
        role.as_str(),
        user.grants
            .first()
            .map(|g| g.scope.to_string())
            .unwrap_or_default()
    );
    Ok(())
}

/// Options of `pso token create`.
#[derive(Debug, clap::Args)]
pub struct TokenCreate {
    #[arg(long)]
    pub email: String,
    #[arg(long, default_value = "cli")]
    pub label: String,
}

pub async fn token_create(db: DbOpts, t: TokenCreate) -> anyhow::Result<()> {
    let store = db.open().await?;
    let Some((user, _)) = store.user_by_email(&t.email).await? else {
        bail!("no user with e-mail {}", t.email);
    };
    let (secret, _) = pso_app::auth::issue_token(&store, &user.id, &t.label)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    println!("{secret}");
    Ok(())
}
