//! The data dir holds every report, message, media file and the token signing key: it is made
//! private to the user siaga runs as (0700, files 0600), and a start on a data dir that group or
//! others may read or write is refused unless the operator says it is intended.

use std::path::{Path, PathBuf};

/// Permission bits of group and others.
const SHARED_BITS: u32 = 0o077;

#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error(
        "data dir {path} is readable or writable by group or others (mode {mode:04o}): run `chmod 700 {path}` (and keep it owned by the user siaga runs as), or start with --allow-shared-data-dir if that is intended"
    )]
    Shared { path: PathBuf, mode: u32 },
    #[error("data dir {path}: {reason}")]
    Unusable { path: PathBuf, reason: String },
}

/// Files and folders siaga creates (sled's files, the search index, media, backups) get no
/// permissions for group and others. Called once at startup, before any thread is spawned.
pub fn restrict_new_file_permissions() {
    #[cfg(unix)]
    // SAFETY: umask only sets the calling process's file mode creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Creates the data dir (0700) if it is missing; refuses an existing one that group or others
/// may use, unless `allow_shared`.
pub fn prepare(path: &Path, allow_shared: bool) -> Result<(), DataDirError> {
    let unusable = |reason: String| DataDirError::Unusable {
        path: path.to_path_buf(),
        reason,
    };
    if !path.exists() {
        create_private(path).map_err(|error| unusable(format!("cannot create it: {error}")))?;
        return Ok(());
    }
    let metadata = std::fs::metadata(path).map_err(|error| unusable(error.to_string()))?;
    if !metadata.is_dir() {
        return Err(unusable("not a directory".to_string()));
    }
    let mode = permission_bits(&metadata);
    if mode & SHARED_BITS != 0 {
        if !allow_shared {
            return Err(DataDirError::Shared {
                path: path.to_path_buf(),
                mode,
            });
        }
        tracing::warn!(
            path = %path.display(),
            mode = format!("{mode:04o}"),
            "the data dir is open to group or others (allowed by --allow-shared-data-dir)"
        );
    }
    Ok(())
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)?;
    // The mode given at creation is masked by the umask; this one is not.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(path)
}

#[cfg(unix)]
fn permission_bits(metadata: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    metadata.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn permission_bits(_metadata: &std::fs::Metadata) -> u32 {
    0o700
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn a_missing_data_dir_is_created_private() {
        let parent = tempfile::tempdir().unwrap();
        let path = parent.path().join("a").join("data");
        prepare(&path, false).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }

    #[test]
    fn a_shared_data_dir_is_refused_with_the_fix_unless_allowed() {
        let path = tempfile::tempdir().unwrap();
        std::fs::set_permissions(path.path(), std::fs::Permissions::from_mode(0o750)).unwrap();
        let message = prepare(path.path(), false).unwrap_err().to_string();
        assert!(
            message.contains(&format!("chmod 700 {}", path.path().display())),
            "{message}"
        );
        assert!(message.contains("0750"), "{message}");
        prepare(path.path(), true).unwrap();
        std::fs::set_permissions(path.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        prepare(path.path(), false).unwrap();
    }
}
