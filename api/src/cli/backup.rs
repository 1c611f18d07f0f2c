//! `gridline admin backup <file>` and `gridline admin restore <file>` for an
//! SQLite installation: one tar archive with a consistent copy of the
//! database (`VACUUM INTO`, taken while the server goes on writing), the
//! installation secret that seals the signing keys, and the evidence files
//! when they are kept in a local directory. PostgreSQL and S3 have their own
//! tools; the README gives the steps.

use std::{
    fs::File,
    io::Write,
    path::{Component, Path, PathBuf},
};

use anyhow::{bail, Context};
use gridline_persistence::{Backend, Database};
use serde::{Deserialize, Serialize};

use crate::{config::MediaLocation, Settings};

const MANIFEST: &str = "manifest.json";
const DATABASE: &str = "gridline.db";
const SECRET_KEY: &str = "secret-key";
const MEDIA: &str = "media";
/// Files the orphan clean-up set aside to delete: not part of the data.
const SET_ASIDE: &str = "trash";

/// What an archive holds, written first in it.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    gridline_version: String,
    created_at: chrono::DateTime<chrono::Utc>,
    /// `false` when the secret comes from `GRIDLINE_SECRET_KEY`, which the
    /// operator keeps: the restored installation needs the same value.
    secret_key: bool,
    media_files: u64,
}

fn sqlite_only(settings: &Settings, what: &str) -> anyhow::Result<()> {
    if Backend::from_url(&settings.database_url) != Some(Backend::Sqlite) {
        bail!("{what} is for SQLite installations; back PostgreSQL up with pg_dump and restore it with pg_restore (see the README's Backups)");
    }
    Ok(())
}

/// The SQLite file the database URL names.
fn database_path(url: &str) -> anyhow::Result<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        bail!("the database URL names no file");
    }
    Ok(PathBuf::from(path))
}

fn media_dir(settings: &Settings) -> Option<&Path> {
    match &settings.media.store {
        MediaLocation::Directory(dir) => Some(dir),
        MediaLocation::S3(_) => None,
    }
}

/// Every file under `dir` but the set-aside ones, as paths relative to it.
fn media_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&relative)) else { continue };
        for entry in entries {
            let entry = entry?;
            let name = relative.join(entry.file_name());
            let kind = entry.file_type()?;
            if kind.is_dir() && name != Path::new(SET_ASIDE) {
                pending.push(name);
            } else if kind.is_file() {
                found.push(name);
            }
        }
    }
    found.sort();
    Ok(found)
}

pub(super) async fn backup(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    sqlite_only(settings, "gridline admin backup")?;
    if file.exists() {
        bail!("{} exists already; name a new file", file.display());
    }
    let work = file.with_extension(format!("partial-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let result = write_archive(settings, file, &work).await;
    let _ = std::fs::remove_dir_all(&work);
    result
}

async fn write_archive(settings: &Settings, file: &Path, work: &Path) -> anyhow::Result<()> {
    let snapshot = work.join(DATABASE);
    let db = Database::connect(&settings.database_url, &settings.db).await?;
    let taken = db.snapshot_into(&snapshot).await;
    db.close().await;
    taken.context("copying the database")?;

    let secret = settings.data_dir.join(SECRET_KEY);
    let with_secret = settings.auth.secret_key.is_none() && secret.exists();
    let media = match media_dir(settings) {
        Some(dir) => media_files(dir)?.into_iter().map(|f| (dir.join(&f), f)).collect(),
        None => Vec::new(),
    };
    let manifest = Manifest {
        format: 1,
        gridline_version: env!("CARGO_PKG_VERSION").into(),
        created_at: chrono::Utc::now(),
        secret_key: with_secret,
        media_files: media.len() as u64,
    };

    let partial = work.join("archive.tar");
    let mut tar = tar::Builder::new(File::create(&partial)?);
    let manifest_bytes = serde_json::to_vec_pretty(&manifest)?;
    let mut header = tar::Header::new_gnu();
    header.set_size(manifest_bytes.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(manifest.created_at.timestamp().max(0) as u64);
    header.set_cksum();
    tar.append_data(&mut header, MANIFEST, manifest_bytes.as_slice())?;
    tar.append_path_with_name(&snapshot, DATABASE)?;
    if with_secret {
        tar.append_path_with_name(&secret, SECRET_KEY)?;
    }
    for (path, name) in &media {
        match tar.append_path_with_name(path, Path::new(MEDIA).join(name)) {
            Ok(()) => {}
            // Removed since it was listed: an orphan the clean-up took.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("adding {}", path.display())),
        }
    }
    let mut out = tar.into_inner()?;
    out.flush()?;
    out.sync_all()?;
    // Only a whole archive ever carries the name asked for.
    std::fs::rename(&partial, file).with_context(|| format!("cannot write {}", file.display()))?;
    println!(
        "backed up the database{}{} to {}",
        if with_secret { ", the installation secret" } else { "" },
        if media.is_empty() { String::new() } else { format!(" and {} media files", media.len()) },
        file.display()
    );
    if !with_secret {
        println!("the installation secret is GRIDLINE_SECRET_KEY's: keep it with the archive");
    }
    Ok(())
}

/// Where an archive's entry goes, or `None` for one that is not Gridline's.
fn destination(settings: &Settings, database: &Path, name: &Path) -> anyhow::Result<Option<PathBuf>> {
    if !name.components().all(|c| matches!(c, Component::Normal(_))) {
        bail!("the archive names a path outside the data directory: {}", name.display());
    }
    if name == Path::new(DATABASE) {
        return Ok(Some(database.to_owned()));
    }
    if name == Path::new(SECRET_KEY) {
        return Ok(Some(settings.data_dir.join(SECRET_KEY)));
    }
    if let Ok(rest) = name.strip_prefix(MEDIA) {
        let Some(dir) = media_dir(settings) else {
            bail!(
                "the archive holds media files but GRIDLINE_MEDIA_URL names a bucket; restore with the media directory"
            );
        };
        return Ok(Some(dir.join(rest)));
    }
    Ok(None)
}

pub(super) fn restore(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    sqlite_only(settings, "gridline admin restore")?;
    let database = database_path(&settings.database_url)?;
    let occupied = [database.clone(), settings.data_dir.join(SECRET_KEY)]
        .into_iter()
        .chain(media_dir(settings).and_then(|d| media_files(d).ok()?.first().map(|f| d.join(f))))
        .find(|p| p.exists());
    if let Some(found) = occupied {
        bail!("restore goes into an empty data directory, and {} exists", found.display());
    }
    let mut archive = tar::Archive::new(File::open(file).with_context(|| format!("cannot open {}", file.display()))?);
    let mut entries = archive.entries()?;
    let manifest: Manifest = match entries.next() {
        Some(first) => {
            let first = first?;
            if first.path()? != Path::new(MANIFEST) {
                bail!("{} is not a Gridline backup (it does not start with its manifest)", file.display());
            }
            serde_json::from_reader(first).context("reading the manifest")?
        }
        None => bail!("{} is empty", file.display()),
    };
    if manifest.format != 1 {
        bail!("this backup's format ({}) is newer than this Gridline reads", manifest.format);
    }
    std::fs::create_dir_all(&settings.data_dir)?;
    let (mut restored_db, mut media) = (false, 0u64);
    for entry in entries {
        let mut entry = entry?;
        let name = entry.path()?.into_owned();
        let Some(to) = destination(settings, &database, &name)? else { continue };
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        entry.unpack(&to).with_context(|| format!("writing {}", to.display()))?;
        if name == Path::new(SECRET_KEY) {
            #[cfg(unix)]
            std::fs::set_permissions(&to, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        }
        restored_db |= name == Path::new(DATABASE);
        media += u64::from(name.starts_with(MEDIA));
    }
    if !restored_db {
        bail!("{} holds no database", file.display());
    }
    println!(
        "restored the backup of {} (Gridline {}): the database{}, {media} media files",
        manifest.created_at,
        manifest.gridline_version,
        if manifest.secret_key { ", the installation secret" } else { "" }
    );
    if !manifest.secret_key {
        println!("set GRIDLINE_SECRET_KEY to the value the backed-up installation used");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn the_database_file_is_read_from_the_url() {
        assert_eq!(
            super::database_path("sqlite:///data/gridline.db?mode=rwc").unwrap(),
            Path::new("/data/gridline.db")
        );
        assert_eq!(super::database_path("sqlite://rel/g.db").unwrap(), Path::new("rel/g.db"));
        assert!(super::database_path("sqlite::memory:").is_err());
    }
}
