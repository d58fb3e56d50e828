//! `siaga compact`: gives back the disk space that deleted and pruned records leave in sled's
//! files. The store of a stopped server is copied into a fresh one beside it
//! (`store.compact`), the copy is verified table by table against the original (keys and a
//! SHA-256 of every key and value), and only then are the two folders swapped in one atomic
//! rename (`renameat2` with `RENAME_EXCHANGE`); the old store is removed last. A crash before
//! the swap leaves the old store in place, one after it leaves the verified copy; either way
//! the next `siaga compact` removes what is left in `store.compact`. A running server holds the
//! store's lock, and the command refuses to start.

use std::path::{Path, PathBuf};

use crate::app::DataLayout;
use crate::store::{Store, StoreError, folder_bytes};

#[derive(Debug, thiserror::Error)]
pub enum CompactError {
    #[error("{0} holds no siaga store: nothing to compact")]
    NoStore(PathBuf),
    #[error("{0} (siaga compact needs the server stopped)")]
    Store(#[from] StoreError),
    #[error("the copy differs from the store in table {table}: the store is left as it was")]
    CopyDiffers { table: &'static str },
    #[error("{what} {path}: {reason}")]
    Io {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },
}

/// What `compact` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compacted {
    pub entries: u64,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

fn io_error(what: &'static str, path: &Path, error: std::io::Error) -> CompactError {
    CompactError::Io {
        what,
        path: path.to_path_buf(),
        reason: error.to_string(),
    }
}

/// Compacts the store of the (stopped) data dir `data_dir`.
pub fn compact(data_dir: &Path) -> Result<Compacted, CompactError> {
    let layout = DataLayout::new(data_dir);
    if !layout.store.is_dir() {
        return Err(CompactError::NoStore(data_dir.to_path_buf()));
    }
    let scratch = data_dir.join("store.compact");
    // Holding the store open keeps a server out until the swap is done.
    let store = Store::open(&layout.store)?;
    store.flush_blocking()?;
    remove_leftover(&scratch)?;
    let bytes_before = folder_bytes(&layout.store);
    let copy = Store::open(&scratch)?;
    let entries = store.copy_into(&copy)?;
    let (original, copied) = (store.digests()?, copy.digests()?);
    if let Some(differs) = original.iter().zip(&copied).find(|(a, b)| a != b) {
        drop(copy);
        remove_leftover(&scratch)?;
        return Err(CompactError::CopyDiffers {
            table: differs.0.table.tree_name(),
        });
    }
    exchange(&layout.store, &scratch)?;
    sync_folder(data_dir)?;
    drop(copy);
    drop(store);
    // The swapped-in copy must open where the store was before the old one goes.
    let reopened = Store::open(&layout.store)?;
    drop(reopened);
    remove_leftover(&scratch)?;
    Ok(Compacted {
        entries,
        bytes_before,
        bytes_after: folder_bytes(&layout.store),
    })
}

/// Removes `store.compact`: a copy a failed compact left, or the old store after a swap.
fn remove_leftover(scratch: &Path) -> Result<(), CompactError> {
    match std::fs::remove_dir_all(scratch) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(io_error("removing", scratch, error)),
    }
}

/// Swaps the two folders in one step, so that `store` is always a whole store.
fn exchange(store: &Path, scratch: &Path) -> Result<(), CompactError> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = |path: &Path| {
        std::ffi::CString::new(path.as_os_str().as_bytes())
            .map_err(|error| io_error("naming", path, std::io::Error::other(error)))
    };
    let (from, to) = (c_path(scratch)?, c_path(store)?);
    // SAFETY: both paths are NUL-terminated strings that live across the call.
    let swapped = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if swapped != 0 {
        return Err(io_error(
            "swapping the compacted copy in at",
            store,
            std::io::Error::last_os_error(),
        ));
    }
    Ok(())
}

fn sync_folder(folder: &Path) -> Result<(), CompactError> {
    std::fs::File::open(folder)
        .and_then(|handle| handle.sync_all())
        .map_err(|error| io_error("syncing", folder, error))
}
