//! `siaga backup DIR` and `siaga restore DIR`: a consistent copy of the data dir. The store is
//! opened first, which takes its lock (so no server is writing), and flushed; then the store
//! files and the media files are copied, and a manifest records what was copied.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::app::DataLayout;
use crate::ledger::Ledger;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} is not empty: choose a new folder")]
    NotEmpty(PathBuf),
    #[error("{0} holds no siaga backup (no {MANIFEST} in it)")]
    NotABackup(PathBuf),
    #[error("the data dir is in use or unreadable: {0}")]
    Store(#[from] StoreError),
    #[error("copying {path}: {reason}")]
    Io { path: PathBuf, reason: String },
}

const MANIFEST: &str = "siaga-backup.json";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub siaga_version: String,
    pub reports: usize,
    pub messages: usize,
    pub media_files: usize,
    pub bytes: u64,
}

fn io_error(path: &Path, error: std::io::Error) -> BackupError {
    BackupError::Io {
        path: path.to_path_buf(),
        reason: error.to_string(),
    }
}

fn is_empty_or_missing(folder: &Path) -> Result<bool, BackupError> {
    match std::fs::read_dir(folder) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(error) => Err(io_error(folder, error)),
    }
}

/// Copies `from` into `to` recursively; returns (files, bytes).
fn copy_tree(from: &Path, to: &Path) -> Result<(usize, u64), BackupError> {
    if !from.exists() {
        return Ok((0, 0));
    }
    std::fs::create_dir_all(to).map_err(|error| io_error(to, error))?;
    let mut files = 0;
    let mut bytes = 0;
    for entry in std::fs::read_dir(from).map_err(|error| io_error(from, error))? {
        let entry = entry.map_err(|error| io_error(from, error))?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        if source.is_dir() {
            let (more_files, more_bytes) = copy_tree(&source, &target)?;
            files += more_files;
            bytes += more_bytes;
        } else {
            bytes += std::fs::copy(&source, &target).map_err(|error| io_error(&source, error))?;
            files += 1;
        }
    }
    Ok((files, bytes))
}

/// Copies the (stopped) data dir into `target`, which must be new or empty.
pub fn backup(data_dir: &Path, target: &Path) -> Result<Manifest, BackupError> {
    if !is_empty_or_missing(target)? {
        return Err(BackupError::NotEmpty(target.to_path_buf()));
    }
    let layout = DataLayout::new(data_dir);
    // Holding the store open keeps any server out while the files are copied.
    let store = Store::open(&layout.store)?;
    store.flush_blocking()?;
    let (reports, messages) = (store.reports().count(), store.messages().count());
    let (_, store_bytes) = copy_tree(&layout.store, &target.join("store"))?;
    let (media_files, media_bytes) = copy_tree(&layout.media, &target.join("media"))?;
    drop(store);
    let manifest = Manifest {
        created_at: chrono::Utc::now(),
        siaga_version: env!("CARGO_PKG_VERSION").to_string(),
        reports,
        messages,
        media_files,
        bytes: store_bytes + media_bytes,
    };
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    std::fs::write(target.join(MANIFEST), text).map_err(|error| io_error(target, error))?;
    Ok(manifest)
}

/// Copies a backup into `data_dir`, which must be new or empty, and checks that it opens.
pub fn restore(backup_dir: &Path, data_dir: &Path) -> Result<Manifest, BackupError> {
    let manifest_path = backup_dir.join(MANIFEST);
    let manifest: Manifest = std::fs::read_to_string(&manifest_path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .ok_or_else(|| BackupError::NotABackup(backup_dir.to_path_buf()))?;
    if !is_empty_or_missing(data_dir)? {
        return Err(BackupError::NotEmpty(data_dir.to_path_buf()));
    }
    let layout = DataLayout::new(data_dir);
    copy_tree(&backup_dir.join("store"), &layout.store)?;
    copy_tree(&backup_dir.join("media"), &layout.media)?;
    let store = Store::open(&layout.store)?;
    debug_assert_eq!(store.reports().count(), manifest.reports);
    Ok(manifest)
}
