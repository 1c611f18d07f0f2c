//! `gridline admin …`: what an admin does through the API, for scripts that
//! run on the server itself. Every action is audited as done by `cli`.

use std::{io::BufRead, path::PathBuf};

use clap::Subcommand;
use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    auth::NewApiKey,
    identity::Role,
    ports::{NewGrant, NewUser, Store},
    time::now,
    validation,
};
use uuid::Uuid;

use crate::{
    auth::{
        secrets::{self, opaque_token, token_hash, API_KEY_PREFIX},
        KeyRing, Passwords,
    },
    bootstrap,
    error::ApiError,
    routes::{import, scope::checked_scope},
    Settings,
};

#[derive(Debug, Subcommand)]
pub(super) enum AdminCommand {
    /// Create a user. The password is read from standard input with
    /// --password-stdin, else generated and printed once.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Grant a role: --unit-code for grid_worker, dispatcher and leader,
    /// --department-code for department_staff, neither for admin.
    GrantRole {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        unit_code: Option<String>,
        #[arg(long)]
        department_code: Option<String>,
    },
    /// Create an API key and print it (it is shown only this once).
    CreateApiKey {
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        unit_code: Option<String>,
        #[arg(long)]
        department_code: Option<String>,
    },
    /// Import grids from a GeoJSON FeatureCollection file, all or nothing.
    ImportGrids { file: PathBuf },
    /// Start signing tokens with a new key; tokens signed with the old one stay valid until they expire.
    RotateSigningKey,
    /// Write a consistent backup of an SQLite installation to FILE (a tar
    /// archive: the database, the installation secret, local media files)
    /// while the server runs.
    Backup { file: PathBuf },
    /// Restore a backup made by `admin backup` into an empty data directory.
    Restore { file: PathBuf },
    /// Fill the demo district (seeded first if the database is empty) with N
    /// realistic cases reported over the last two years, with their
    /// timelines, by bulk insert; for measuring at scale, never in production.
    SeedCases {
        #[arg(long)]
        count: u64,
        /// The same seed writes the same district again.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

fn audit(action: AuditAction) -> NewAuditEntry {
    let mut entry = NewAuditEntry::new(action, now());
    entry.actor_label = "cli".into();
    entry
}

/// Explains an API error on one line, fields and all.
fn explain(err: ApiError) -> anyhow::Error {
    let problem = err.problem();
    let mut message = problem.detail.unwrap_or(problem.title);
    for e in problem.errors {
        let at = e.pointer.or(e.parameter).unwrap_or_default();
        message.push_str(&format!("; {at}: {}", e.detail));
    }
    anyhow::anyhow!(message)
}

async fn unit_id(store: &dyn Store, code: Option<&str>) -> anyhow::Result<Option<Uuid>> {
    match code {
        None => Ok(None),
        Some(code) => Ok(Some(
            store.unit_by_code(code).await?.ok_or_else(|| anyhow::anyhow!("no org unit has code '{code}'"))?.id,
        )),
    }
}

async fn department_id(store: &dyn Store, code: Option<&str>) -> anyhow::Result<Option<Uuid>> {
    let Some(code) = code else { return Ok(None) };
    let found = store.departments(None).await?.into_iter().find(|d| d.code == code);
    Ok(Some(found.ok_or_else(|| anyhow::anyhow!("no department has code '{code}'"))?.id))
}

pub(super) async fn run(settings: &Settings, command: AdminCommand) -> anyhow::Result<()> {
    // Neither may open the database as the others do: a backup reads a live
    // one as it is, a restore writes where there must be none yet.
    match command {
        AdminCommand::Backup { file } => return super::backup::backup(settings, &file).await,
        AdminCommand::Restore { file } => return super::backup::restore(settings, &file),
        _ => {}
    }
    let db = super::open(settings).await?;
    let store = db.store();
    let result = execute(settings, &*store, command).await;
    db.close().await;
    result
}

async fn execute(settings: &Settings, store: &dyn Store, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::Backup { .. } | AdminCommand::Restore { .. } => {
            anyhow::bail!("backups are taken and restored without opening the database as a store")
        }
        AdminCommand::CreateUser { username, display_name, phone, password_stdin } => {
            let username = validation::username(&username).map_err(|e| anyhow::anyhow!("username {e}"))?.to_owned();
            let phone =
                phone.as_deref().map(validation::phone).transpose().map_err(|e| anyhow::anyhow!("phone {e}"))?;
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            } else {
                (secrets::base64url(&secrets::random_bytes::<18>()), true)
            };
            validation::password(&password).map_err(|e| anyhow::anyhow!("password {e}"))?;
            let passwords = Passwords::new(settings.auth.hash_memory_kib, settings.auth.hash_iterations)?;
            let user = NewUser {
                id: Uuid::now_v7(),
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                phone,
                password_hash: passwords.hash_blocking(&password)?,
                at: now(),
            };
            let entry = audit(AuditAction::UserCreated).target("user", user.id).detail("username", &user.username);
            let created = store.create_user(&user, entry).await.map_err(|e| explain(e.into()))?;
            println!("{}", created.id);
            if generated {
                println!("{password}");
            }
        }
        AdminCommand::GrantRole { username, role, unit_code, department_code } => {
            let (user, _) =
                store.user_with_hash(&username).await?.ok_or_else(|| anyhow::anyhow!("no user '{username}'"))?;
            let unit = unit_id(store, unit_code.as_deref()).await?;
            let department = department_id(store, department_code.as_deref()).await?;
            let (role, unit_id, department_id) =
                checked_scope(store, role_named(&role)?, unit, department).await.map_err(explain)?;
            let grant = NewGrant {
                id: Uuid::now_v7(),
                user_id: user.id,
                role,
                unit_id,
                department_id,
                created_by: None,
                at: now(),
            };
            let entry = audit(AuditAction::RoleGranted).target("user", user.id).detail("role", role.as_str());
            let created = store.add_grant(&grant, entry).await.map_err(|e| explain(e.into()))?;
            println!("{}", created.id);
        }
        AdminCommand::CreateApiKey { name, role, unit_code, department_code } => {
            let name = validation::line(&name, 100).map_err(|e| anyhow::anyhow!("name {e}"))?;
            let unit = unit_id(store, unit_code.as_deref()).await?;
            let department = department_id(store, department_code.as_deref()).await?;
            let (role, unit_id, department_id) =
                checked_scope(store, role_named(&role)?, unit, department).await.map_err(explain)?;
            let secret = opaque_token(API_KEY_PREFIX);
            let key = NewApiKey {
                id: Uuid::now_v7(),
                name,
                role,
                unit_id,
                department_id,
                prefix: secret.chars().take(API_KEY_PREFIX.len() + 6).collect(),
                key_hash: token_hash(&secret),
                created_by: None,
                created_at: now(),
            };
            let entry = audit(AuditAction::ApiKeyCreated).target("api_key", key.id).detail("name", &key.name);
            store.create_api_key(&key, entry).await.map_err(|e| explain(e.into()))?;
            println!("{secret}");
        }
        AdminCommand::ImportGrids { file } => {
            let text = std::fs::read(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let collection = crate::extract::parse_json(&text).map_err(explain)?;
            let result =
                import::import(store, &collection, audit(AuditAction::GridsImported)).await.map_err(explain)?;
            println!("created {}, updated {}", result.created, result.updated);
        }
        AdminCommand::SeedCases { count, seed } => {
            let passwords = Passwords::new(settings.auth.hash_memory_kib, settings.auth.hash_iterations)?;
            let password = settings
                .auth
                .demo_password
                .as_ref()
                .map_or(crate::demo::DEFAULT_DEMO_PASSWORD.to_owned(), |p| p.expose().to_owned());
            store.install_categories(&gridline_domain::cases::default_catalog(now())).await?;
            crate::demo::seed(store, &passwords, &password).await?;
            // PostgreSQL writes while the next batch is lived; SQLite has one writer.
            let writers = if settings.database_url.starts_with("sqlite") { 1 } else { 4 };
            let seeded =
                crate::case_seed::seed_cases(store, &passwords, &password, count, seed, now(), writers).await?;
            println!(
                "seeded {} cases with {} events in {:.1} s ({} could not be lived through)",
                seeded.cases, seeded.events, seeded.seconds, seeded.skipped
            );
        }
        AdminCommand::RotateSigningKey => {
            let keys = KeyRing::new(&bootstrap::installation_secret(settings)?);
            let kid = bootstrap::rotate_signing_key(store, &keys, audit(AuditAction::SigningKeyRotated)).await?;
            println!("{kid}");
        }
    }
    Ok(())
}

fn role_named(name: &str) -> anyhow::Result<Role> {
    Role::parse(name).ok_or_else(|| {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        anyhow::anyhow!("no role '{name}'; one of {}", names.join(", "))
    })
}
