//! `yagura user` and `yagura token`: who may sign in for an organization,
//! with what role, and their API tokens (printed once, stored hashed).

use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::json;
use yagura_core::{Accounts, Directory, OrgId, Role, TokenInfo, User, UserId};
use yagura_server::secrets;
use yagura_stix::Timestamp;
use yagura_store::SqliteStore;

use super::search::Output;

#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Add a user to an organization.
    Add {
        /// Its name (a-z, 0-9, '-', '_', '.').
        name: UserId,
        /// The organization it acts for (see `yagura org add`).
        #[arg(long)]
        org: OrgId,
        /// admin, analyst or partner.
        #[arg(long)]
        role: Role,
        /// Read a password (for HTTP Basic sign-in) from the first line of
        /// standard input; without it the user signs in with tokens only.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the users.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Remove a user and revoke its tokens.
    Remove {
        /// Its name.
        name: UserId,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Make an API token for a user and print it (once: only its hash is kept).
    Create {
        /// The user.
        #[arg(long)]
        user: UserId,
    },
    /// List tokens (ids, never secrets).
    List {
        /// Only this user's.
        #[arg(long)]
        user: Option<UserId>,
    },
    /// Revoke a token by id.
    Remove {
        /// Its id.
        id: String,
    },
}

pub(crate) async fn run_user(store: &SqliteStore, cmd: UserCommand) -> Result<ExitCode> {
    match cmd {
        UserCommand::Add {
            name,
            org,
            role,
            password_stdin,
        } => {
            if store.org(&org).await?.is_none() {
                bail!("no organization {org:?} (see `yagura org add`)");
            }
            let hash = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("reading the password")?;
                let password = line.trim_end_matches(['\r', '\n']);
                if password.chars().count() < 12 {
                    bail!("the password must be at least 12 characters");
                }
                Some(secrets::hash_password(password)?)
            } else {
                None
            };
            let user = User {
                name: name.clone(),
                org,
                role,
            };
            store.add_user(&user, hash.as_deref()).await?;
            eprintln!("added user {name}");
        }
        UserCommand::List { output } => {
            let mut out = std::io::stdout().lock();
            for u in store.users().await? {
                match output {
                    Output::Json => writeln!(
                        out,
                        "{}",
                        json!({"name": u.name, "org": u.org, "role": u.role.as_str()})
                    )?,
                    Output::Table => writeln!(out, "{:<24} {:<24} {}", u.name, u.org, u.role)?,
                }
            }
        }
        UserCommand::Remove { name } => {
            if !store.remove_user(&name).await? {
                bail!("no user {name:?}");
            }
            eprintln!("removed user {name} and its tokens");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn run_token(store: &SqliteStore, cmd: TokenCommand) -> Result<ExitCode> {
    match cmd {
        TokenCommand::Create { user } => {
            if store.user(&user).await?.is_none() {
                bail!("no user {user:?} (see `yagura user add`)");
            }
            let token = secrets::new_token()?;
            let info = TokenInfo {
                id: token.id.clone(),
                user: user.clone(),
                created: Timestamp::now().to_string(),
            };
            store.add_token(&info, &token.hash).await?;
            println!("{}", token.secret);
            eprintln!(
                "token {} for {user}: shown once, keep it now (revoke with `yagura token remove {}`)",
                token.id, token.id
            );
        }
        TokenCommand::List { user } => {
            let mut out = std::io::stdout().lock();
            for t in store.tokens(user.as_ref()).await? {
                writeln!(out, "{:<14} {:<24} {}", t.id, t.user, t.created)?;
            }
        }
        TokenCommand::Remove { id } => {
            if !store.remove_token(&id).await? {
                bail!("no token {id:?}");
            }
            eprintln!("revoked token {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
