//! Rebuilding the index from the store: a fresh index in `<dir>.rebuild`, written by a bigger
//! writer and committed once, then swapped in for `dir` by two renames.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use tantivy::IndexWriter;
use tantivy::index::SegmentId;
use tantivy::indexer::IndexWriterOptions;
use tantivy::merge_policy::NoMergePolicy;

use super::index::{create_index, register_tokenizer, write_version_file};
use super::schema::Fields;
use super::{IndexDoc, SearchError, SearchIndex};
use crate::text::Analyzer;

const REBUILD_THREADS: usize = 2;
/// As many segments as searches use threads (`index::SEARCH_THREADS`).
const REBUILD_SEGMENTS: usize = 2;
const PROGRESS_EVERY_DOCS: u64 = 1_000;
/// Bounds what a crash in the middle loses to re-indexing and what the writer holds.
const COMMIT_EVERY_DOCS: u64 = 200_000;

impl SearchIndex {
    /// Builds a fresh index of `docs` in a sibling directory (`<dir>.rebuild`), commits it with
    /// `applied_seq`, then replaces `dir` with it (old renamed away, new renamed in, old
    /// deleted). Calls `progress(docs_done)` every thousand docs and once at the end. Returns
    /// the number of docs. Each of the two writer threads takes `writer_bytes_per_thread`
    /// (`IndexMemory::rebuild_writer_bytes`).
    ///
    /// A `SearchIndex` open on `dir` keeps reading and writing the old files: drop it (and stop
    /// whatever applies changes to it) before calling this, then open `dir` again.
    pub fn rebuild(
        dir: &Path,
        analyzer: Analyzer,
        docs: impl Iterator<Item = IndexDoc>,
        applied_seq: u64,
        writer_bytes_per_thread: usize,
        progress: impl FnMut(u64),
    ) -> Result<u64, SearchError> {
        let staging = sibling(dir, "rebuild")?;
        let retired = sibling(dir, "old")?;
        remove_if_present(&staging)?;
        let written = build_in(
            &staging,
            analyzer,
            docs,
            applied_seq,
            writer_bytes_per_thread,
            progress,
        );
        let count = match written {
            Ok(count) => count,
            Err(error) => {
                if let Err(cleanup) = remove_if_present(&staging) {
                    tracing::warn!(%cleanup, dir = %staging.display(), "could not remove a failed rebuild");
                }
                return Err(error);
            }
        };
        remove_if_present(&retired)?;
        let had_old_index = match fs::rename(dir, &retired) {
            Ok(()) => true,
            Err(error) if error.kind() == ErrorKind::NotFound => false,
            Err(error) => return Err(error.into()),
        };
        if let Err(error) = fs::rename(&staging, dir) {
            // Put the old index back rather than leave no index at all.
            if had_old_index && let Err(restore) = fs::rename(&retired, dir) {
                tracing::error!(%restore, dir = %dir.display(), "could not restore the old search index");
            }
            return Err(error.into());
        }
        if had_old_index {
            remove_if_present(&retired)?;
        }
        Ok(count)
    }
}

fn build_in(
    staging: &Path,
    analyzer: Analyzer,
    docs: impl Iterator<Item = IndexDoc>,
    applied_seq: u64,
    writer_bytes_per_thread: usize,
    mut progress: impl FnMut(u64),
) -> Result<u64, SearchError> {
    fs::create_dir_all(staging)?;
    let (schema, fields) = Fields::schema();
    let index = create_index(staging, schema)?;
    register_tokenizer(&index, &analyzer);
    let mut writer: IndexWriter = index.writer_with_options(
        IndexWriterOptions::builder()
            .num_worker_threads(REBUILD_THREADS)
            .memory_budget_per_thread(writer_bytes_per_thread)
            .num_merge_threads(REBUILD_THREADS)
            .build(),
    )?;
    // Segments are merged once, at the end, into as many as search uses threads.
    writer.set_merge_policy(Box::new(NoMergePolicy));
    let mut count: u64 = 0;
    for doc in docs {
        writer.add_document(fields.document(&doc))?;
        count += 1;
        if count.is_multiple_of(PROGRESS_EVERY_DOCS) {
            progress(count);
        }
        if count.is_multiple_of(COMMIT_EVERY_DOCS) {
            writer.commit()?;
        }
    }
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&applied_seq.to_string());
    prepared.commit()?;
    merge_into_balanced_segments(&index, &mut writer)?;
    writer.wait_merging_threads()?;
    write_version_file(staging)?;
    progress(count);
    Ok(count)
}

/// Merges the segments of a fresh index into `REBUILD_SEGMENTS` of about equal size: each
/// search runs one thread per segment, and every segment costs term lookups.
fn merge_into_balanced_segments(
    index: &tantivy::Index,
    writer: &mut IndexWriter,
) -> Result<(), SearchError> {
    let mut segments = index.searchable_segment_metas()?;
    if segments.len() <= REBUILD_SEGMENTS {
        return Ok(());
    }
    segments.sort_by_key(|segment| std::cmp::Reverse(segment.num_docs()));
    let mut groups: Vec<(u64, Vec<SegmentId>)> = vec![(0, Vec::new()); REBUILD_SEGMENTS];
    for segment in segments {
        if let Some(smallest) = groups.iter_mut().min_by_key(|(docs, _)| *docs) {
            smallest.0 += u64::from(segment.num_docs());
            smallest.1.push(segment.id());
        }
    }
    let merges: Vec<_> = groups
        .into_iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|(_, ids)| writer.merge(&ids))
        .collect();
    for merge in merges {
        merge.wait()?;
    }
    Ok(())
}

/// `<dir>.<suffix>` beside `dir`.
fn sibling(dir: &Path, suffix: &str) -> Result<PathBuf, SearchError> {
    let Some(name) = dir.file_name() else {
        return Err(SearchError::Io(std::io::Error::new(
            ErrorKind::InvalidInput,
            format!("{} names no directory to rebuild", dir.display()),
        )));
    };
    let mut sibling_name = name.to_os_string();
    sibling_name.push(".");
    sibling_name.push(suffix);
    Ok(dir.with_file_name(sibling_name))
}

fn remove_if_present(dir: &Path) -> Result<(), SearchError> {
    match fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error.into()),
    }
}
