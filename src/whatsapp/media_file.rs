//! A media file on its way to disk: written to a temporary file in the media folder as it
//! arrives, hashed (sha256) on the way, synced, then renamed to its hash, with every folder
//! whose entries changed synced too. A crash leaves either no file under the hash name or the
//! whole file, and once `store_as` returns, the file survives a power cut.
//!
//! At most `WRITE_BUFFER_BYTES` of a download are in memory at once; the writes and the hashing
//! run on blocking threads.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// How much of a download is gathered before it is written: the most of a file held in memory.
pub const WRITE_BUFFER_BYTES: usize = 256 * 1024;
/// Temporary files start with this; `remove_partials` clears those a crash left behind.
pub const PARTIAL_PREFIX: &str = ".partial-";

/// A file being written under a temporary name in the media folder.
pub struct PartialFile {
    /// `None` once the file was renamed or removed.
    path: Option<PathBuf>,
    /// `None` only while a write is under way on a blocking thread (or after it failed).
    writer: Option<(File, Sha256)>,
    buffer: Vec<u8>,
    size: u64,
}

/// What `finish` wrote.
pub struct Written {
    pub sha256: [u8; 32],
    pub size: u64,
}

impl PartialFile {
    /// Creates the temporary file in `media_dir` (and the folder, durably, if it is new), so
    /// that a folder that cannot be written fails before anything is downloaded.
    pub async fn create(media_dir: &Path) -> std::io::Result<PartialFile> {
        let media_dir = media_dir.to_path_buf();
        let path = media_dir.join(format!("{PARTIAL_PREFIX}{:016x}", rand::random::<u64>()));
        let path_for_create = path.clone();
        let file = blocking(move || {
            create_dir_all_durably(&media_dir)?;
            File::create_new(&path_for_create)
        })
        .await?;
        Ok(PartialFile {
            path: Some(path),
            writer: Some((file, Sha256::new())),
            buffer: Vec::with_capacity(WRITE_BUFFER_BYTES),
            size: 0,
        })
    }

    /// Adds `bytes` to the file; they are written once the buffer is full.
    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.size = self.size.saturating_add(bytes.len() as u64);
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= WRITE_BUFFER_BYTES {
            self.write_buffer().await?;
        }
        Ok(())
    }

    async fn write_buffer(&mut self) -> std::io::Result<()> {
        let (mut file, mut hasher) = self
            .writer
            .take()
            .ok_or_else(|| std::io::Error::other("an earlier write of this file failed"))?;
        let mut buffer = std::mem::take(&mut self.buffer);
        let (file, hasher, buffer) = blocking(move || {
            file.write_all(&buffer)?;
            hasher.update(&buffer);
            buffer.clear();
            Ok((file, hasher, buffer))
        })
        .await?;
        self.writer = Some((file, hasher));
        self.buffer = buffer;
        Ok(())
    }

    /// Writes what is left and syncs the file's contents to disk. On failure, `discard` it.
    pub async fn finish(&mut self) -> std::io::Result<Written> {
        self.write_buffer().await?;
        let (file, hasher) = self
            .writer
            .take()
            .ok_or_else(|| std::io::Error::other("an earlier write of this file failed"))?;
        let sha256 = blocking(move || {
            file.sync_all()?;
            Ok(hasher.finalize().into())
        })
        .await?;
        Ok(Written {
            sha256,
            size: self.size,
        })
    }

    /// Gives the finished file its final name (`path`, in a subfolder of the media folder),
    /// then syncs the folders, so that the name survives a power cut. A file already stored
    /// under that name has the same hash, hence the same bytes: the temporary one is dropped.
    pub async fn store_as(mut self, path: PathBuf) -> std::io::Result<()> {
        let temporary = self.take_path()?;
        drop(self);
        blocking(move || {
            let folder = path
                .parent()
                .ok_or_else(|| std::io::Error::other("media path has no folder"))?;
            create_dir_all_durably(folder)?;
            if path.exists() {
                std::fs::remove_file(&temporary)?;
            } else {
                std::fs::rename(&temporary, &path)?;
            }
            // Also when the file existed: its rename may not have been synced before a crash.
            // The media folder too: the subfolder may have been made by a run that crashed
            // before syncing it.
            sync_folder(folder)?;
            match folder.parent() {
                Some(media_dir) => sync_folder(media_dir),
                None => Ok(()),
            }
        })
        .await
    }

    /// Removes the temporary file (a hash mismatch, a failed download).
    pub async fn discard(mut self) {
        let Ok(temporary) = self.take_path() else {
            return;
        };
        drop(self);
        let _ = blocking(move || std::fs::remove_file(&temporary)).await;
    }

    /// The temporary name, which `Drop` then leaves alone.
    fn take_path(&mut self) -> std::io::Result<PathBuf> {
        self.path
            .take()
            .ok_or_else(|| std::io::Error::other("the temporary media file is gone"))
    }
}

impl Drop for PartialFile {
    /// A download abandoned by an early return or a cancelled task leaves no temporary file.
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Removes the temporary files of downloads a crash interrupted. Call at startup, before the
/// fetcher runs.
pub fn remove_partials(media_dir: &Path) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(media_dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let is_partial = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with(PARTIAL_PREFIX));
        if is_partial && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Creates `folder` and any missing parents, syncing the parent of each one created, so that
/// the new folders survive a power cut with the files later put in them.
fn create_dir_all_durably(folder: &Path) -> std::io::Result<()> {
    if folder.is_dir() {
        return Ok(());
    }
    if let Some(parent) = folder.parent() {
        create_dir_all_durably(parent)?;
    }
    match std::fs::create_dir(folder) {
        Ok(()) => {}
        // Another download created it meanwhile.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists && folder.is_dir() => {}
        Err(error) => return Err(error),
    }
    match folder.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => sync_folder(parent),
        _ => Ok(()),
    }
}

/// Syncs a folder, which makes the names created or renamed in it durable.
fn sync_folder(folder: &Path) -> std::io::Result<()> {
    File::open(folder)?.sync_all()
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(std::io::Error::other)?
}
