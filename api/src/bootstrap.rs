//! First start: the installation secret, the first signing key and the first
//! admin. Each step is safe when several nodes start at once.

use std::{io::Write, path::Path};

use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    identity::Role,
    ports::{NewGrant, NewUser, Store},
    time::now,
    RepoError, Taken,
};
use uuid::Uuid;

use crate::{
    auth::{secrets, KeyRing, Passwords},
    config::Settings,
};

/// Writes a file only its owner may read.
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

/// The secret that seals signing keys: configured, or generated once into the
/// data directory.
///
/// # Errors
/// When the file cannot be read or written.
pub fn installation_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = &settings.auth.secret_key {
        return Ok(secret.expose().as_bytes().to_vec());
    }
    let path = settings.data_dir.join("secret-key");
    if !path.exists() {
        let generated = secrets::base64url(&secrets::random_bytes::<32>());
        match write_private(&path, &generated) {
            Ok(()) => tracing::info!(path = %path.display(), "generated the installation secret"),
            Err(e) if path.exists() => tracing::debug!(error = %e, "another process wrote the secret first"),
            Err(e) => return Err(e.context(format!("cannot write {}", path.display()))),
        }
    }
    let secret = std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    Ok(secret.trim().as_bytes().to_vec())
}

/// Makes sure a signing key exists.
///
/// # Errors
/// When the store fails.
pub async fn ensure_signing_key(store: &dyn Store, keys: &KeyRing) -> anyhow::Result<()> {
    if store.signing_keys().await?.is_empty() {
        let key = keys.generate(now())?;
        if store.add_signing_key(&key, true, None).await? {
            tracing::info!(kid = %key.kid, "created the first token-signing key");
        }
    }
    Ok(())
}

/// Starts signing with a new key; the old one verifies until its tokens expire.
///
/// # Errors
/// When the store fails.
pub async fn rotate_signing_key(store: &dyn Store, keys: &KeyRing, audit: NewAuditEntry) -> anyhow::Result<String> {
    let key = keys.generate(now())?;
    store.add_signing_key(&key, false, Some(audit.target("signing_key", &key.kid))).await?;
    Ok(key.kid)
}

/// Creates `admin` on an empty database.
///
/// # Errors
/// When the store fails or the password file cannot be written.
pub async fn ensure_admin(store: &dyn Store, passwords: &Passwords, settings: &Settings) -> anyhow::Result<()> {
    if store.user_count().await? > 0 {
        return Ok(());
    }
    let (password, generated) = match &settings.auth.admin_password {
        Some(p) => (p.expose().to_owned(), false),
        None => (secrets::base64url(&secrets::random_bytes::<18>()), true),
    };
    let at = now();
    let user = NewUser {
        id: Uuid::now_v7(),
        username: "admin".into(),
        display_name: "Administrator".into(),
        phone: None,
        password_hash: passwords.hash_blocking(&password)?,
        at,
    };
    let audit = NewAuditEntry::new(AuditAction::UserCreated, at).target("user", user.id).detail("username", "admin");
    match store.create_user(&user, audit).await {
        Ok(_) => {}
        Err(RepoError::Duplicate(Taken::Username)) => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    let grant = NewGrant {
        id: Uuid::now_v7(),
        user_id: user.id,
        role: Role::Admin,
        unit_id: None,
        department_id: None,
        created_by: None,
        at,
    };
    let audit =
        NewAuditEntry::new(AuditAction::RoleGranted, at).target("user", user.id).detail("role", Role::Admin.as_str());
    store.add_grant(&grant, audit).await?;
    if generated {
        let path = settings.data_dir.join("admin-password");
        let _ = std::fs::remove_file(&path);
        write_private(&path, &format!("{password}\n"))?;
        tracing::warn!(path = %path.display(), "created user 'admin'; its generated password is in this file");
    } else {
        tracing::info!("created user 'admin' with the password from GRIDLINE_ADMIN_PASSWORD");
    }
    Ok(())
}

/// Indexes for search the cases written before the index existed, a batch at
/// a time. Idempotent: several nodes starting together write the same terms.
///
/// # Errors
/// When the store fails.
pub async fn index_for_search(store: &dyn Store) -> anyhow::Result<()> {
    let mut indexed = 0usize;
    loop {
        let cases = store.unindexed_cases(500).await?;
        if cases.is_empty() {
            break;
        }
        let terms: Vec<(Uuid, String)> =
            cases.iter().map(|c| (c.id, gridline_domain::cases::search_terms(c))).collect();
        store.save_search_terms(&terms).await?;
        indexed += terms.len();
    }
    if indexed > 0 {
        tracing::info!(cases = indexed, "indexed existing cases for search");
    }
    Ok(())
}
