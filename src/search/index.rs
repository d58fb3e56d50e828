//! The index on disk: opening (or creating) it, applying changes with the store sequence as
//! commit payload, and answering searches and statistics from one consistent snapshot.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::indexer::IndexWriterOptions;
use tantivy::schema::Value;
use tantivy::store::Compressor;
use tantivy::{
    Executor, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, TantivyDocument, Term,
};

use super::collect::{Collected, FacetTally, HitCollector, sorted_counts};
use super::dates::TimeRange;
use super::highlight::{HighlightTerms, snippet};
use super::query::parse;
use super::query_plan::QueryBuilder;
use super::schema::{Fields, PRIORITIES, SCHEMA_VERSION};
use super::segment_cache::SegmentCache;
use super::stats::StatsCollector;
use super::tokenizer::{SiagaTokenizer, TOKENIZER_NAME};
use super::{
    FacetCounts, IndexDoc, SearchError, SearchHit, SearchRequest, SearchResults, Stats,
    StatsRequest,
};
use crate::domain::ids::ReportId;
use crate::domain::report::ReportStatus;
use crate::text::Analyzer;

/// The file beside tantivy's that says which schema version wrote the index.
pub(crate) const VERSION_FILE: &str = "siaga-index.json";
/// Searches fan out over segments on this many threads.
const SEARCH_THREADS: usize = 2;

/// What the index may hold in memory (sized by the memory budget, `crate::memory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexMemory {
    /// The serving writer's heap (one indexing thread; merges run in the background).
    pub writer_bytes: usize,
    /// Each of a rebuild's two writer threads' heap.
    pub rebuild_writer_bytes: usize,
    /// The reader's cache of decompressed doc store blocks, per segment.
    pub doc_store_cache_blocks: usize,
}

impl Default for IndexMemory {
    /// Without a budget (tools, tests): a 50 MB writer, 100 MB per rebuild thread, and
    /// tantivy's default of 100 blocks.
    fn default() -> IndexMemory {
        IndexMemory {
            writer_bytes: 50_000_000,
            rebuild_writer_bytes: 100_000_000,
            doc_store_cache_blocks: 100,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct VersionFile {
    schema_version: u32,
}

/// The search index of one deployment: `Send + Sync`, cheap to share behind an `Arc`.
pub struct SearchIndex {
    pub(crate) dir: PathBuf,
    pub(crate) fields: Fields,
    pub(crate) analyzer: Analyzer,
    pub(crate) reader: IndexReader,
    memory: IndexMemory,
    writer: Mutex<IndexWriter>,
    /// The payload of the last commit, the store sequence the index reflects.
    applied_seq: Mutex<Option<u64>>,
    /// What searches keep of each live segment (columns, typo lookups).
    pub(crate) cache: Arc<SegmentCache>,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when the directory is missing or empty. An index
    /// written with another schema version (or a directory holding no index) is
    /// `SearchError::NeedsRebuild`. Sized with `IndexMemory::default()`.
    pub fn open(dir: &Path, analyzer: Analyzer) -> Result<SearchIndex, SearchError> {
        SearchIndex::open_sized(dir, analyzer, IndexMemory::default())
    }

    /// `open`, with the writer's heap and the reader's cache as given.
    pub fn open_sized(
        dir: &Path,
        analyzer: Analyzer,
        memory: IndexMemory,
    ) -> Result<SearchIndex, SearchError> {
        let (schema, fields) = Fields::schema();
        let is_empty = match fs::read_dir(dir) {
            Ok(mut entries) => entries.next().is_none(),
            Err(error) if error.kind() == ErrorKind::NotFound => true,
            Err(error) => return Err(error.into()),
        };
        let index = if is_empty {
            fs::create_dir_all(dir)?;
            let index = create_index(dir, schema)?;
            write_version_file(dir)?;
            index
        } else {
            open_existing(dir)?
        };
        SearchIndex::serve(dir, index, fields, analyzer, memory)
    }

    fn serve(
        dir: &Path,
        mut index: Index,
        fields: Fields,
        analyzer: Analyzer,
        memory: IndexMemory,
    ) -> Result<SearchIndex, SearchError> {
        register_tokenizer(&index, &analyzer);
        let threads = std::thread::available_parallelism()
            .map_or(1, |threads| threads.get())
            .clamp(1, SEARCH_THREADS);
        index.set_executor(Executor::multi_thread(threads, "siaga-search-")?);
        let writer = index.writer_with_options(
            IndexWriterOptions::builder()
                .num_worker_threads(1)
                .memory_budget_per_thread(memory.writer_bytes)
                .num_merge_threads(1)
                .build(),
        )?;
        remove_leftovers(&writer)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .doc_store_cache_num_blocks(memory.doc_store_cache_blocks)
            .try_into()?;
        let applied_seq = payload_seq(&index)?;
        Ok(SearchIndex {
            dir: dir.to_path_buf(),
            fields,
            analyzer,
            reader,
            memory,
            writer: Mutex::new(writer),
            applied_seq: Mutex::new(applied_seq),
            cache: Arc::new(SegmentCache::default()),
        })
    }

    /// Replaces each doc, deletes the `removed` report ids, commits with `applied_seq` as
    /// payload and reloads the reader, so the next search sees the change. Nothing is applied
    /// when it fails.
    pub fn apply(
        &self,
        docs: &[IndexDoc],
        removed: &[ReportId],
        applied_seq: u64,
    ) -> Result<(), SearchError> {
        let mut writer = lock(&self.writer);
        let outcome = self.write_and_commit(&mut writer, docs, removed, applied_seq);
        if outcome.is_err() {
            if let Err(error) = writer.rollback() {
                tracing::error!(%error, "search index rollback failed after a failed apply");
            }
            // The rolled-back writer stamps the same operation numbers again: its delete files
            // must not find the failed commit's still there (see `remove_leftovers`).
            if let Err(error) = remove_leftovers(&writer) {
                tracing::error!(%error, "could not remove the files of a failed search commit");
            }
            return outcome;
        }
        drop(writer);
        *lock(&self.applied_seq) = Some(applied_seq);
        self.reader.reload()?;
        Ok(())
    }

    fn write_and_commit(
        &self,
        writer: &mut IndexWriter,
        docs: &[IndexDoc],
        removed: &[ReportId],
        applied_seq: u64,
    ) -> Result<(), SearchError> {
        for doc in docs {
            writer.delete_term(Term::from_field_u64(
                self.fields.report_id,
                doc.report_id.get(),
            ));
            writer.add_document(self.fields.document(doc))?;
        }
        for report_id in removed {
            writer.delete_term(Term::from_field_u64(self.fields.report_id, report_id.get()));
        }
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&applied_seq.to_string());
        prepared.commit()?;
        Ok(())
    }

    /// What the index was opened to hold in memory (`open_sized`).
    pub fn memory(&self) -> IndexMemory {
        self.memory
    }

    /// Report ids that more than one live document holds (see `Indexer::repair_duplicates`).
    pub fn reports_held_twice(&self) -> Result<Vec<ReportId>, SearchError> {
        super::inspect::reports_held_twice(&self.reader.searcher())
    }

    /// The payload of the last commit (`None` for a fresh index).
    pub fn applied_seq(&self) -> Option<u64> {
        *lock(&self.applied_seq)
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Bytes of the index files on disk.
    pub fn size_on_disk(&self) -> u64 {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return 0;
        };
        entries
            .filter_map(Result::ok)
            .filter_map(|entry| entry.metadata().ok())
            .filter(|metadata| metadata.is_file())
            .map(|metadata| metadata.len())
            .sum()
    }

    pub fn search(&self, request: &SearchRequest<'_>) -> Result<SearchResults, SearchError> {
        let parsed = parse(request.query, request.now)?;
        let builder = QueryBuilder {
            fields: &self.fields,
            analyzer: &self.analyzer,
            cache: &self.cache,
            flat_words: true,
        };
        let restrictions = builder.restrictions(
            request.filter,
            request.tree,
            request.visibility,
            parsed.created,
            request.now,
        );
        let mut highlight = HighlightTerms::default();
        let (query, has_words) = builder.search_query(
            &parsed,
            restrictions,
            request.visibility.phone_search,
            &mut highlight,
        );
        let searcher = self.reader.searcher();
        self.cache.retain_segments(&searcher);
        let collector = HitCollector {
            offset: request.offset,
            limit: request.limit,
            by_score: has_words,
            facets: request.facets,
            cache: &self.cache,
        };
        let Collected {
            total,
            page,
            facets,
        } = searcher.search(&*query, &collector)?;
        let mut hits = Vec::with_capacity(page.len());
        for ranked in page {
            let document: TantivyDocument = searcher.doc(ranked.address)?;
            let tiers: Vec<Vec<&str>> =
                [self.fields.citizen, self.fields.summary, self.fields.notes]
                    .into_iter()
                    .map(|field| {
                        let values = document.get_all(field);
                        values.filter_map(|value| value.as_str()).collect()
                    })
                    .collect();
            hits.push(SearchHit {
                report_id: ReportId::new(ranked.report_id),
                score: ranked.score,
                snippet: snippet(&tiers, &self.analyzer, &highlight),
            });
        }
        Ok(SearchResults {
            total_count: total,
            hits,
            facets: facets.map(facet_counts).unwrap_or_default(),
        })
    }

    pub fn stats(&self, request: &StatsRequest<'_>) -> Result<Stats, SearchError> {
        let builder = QueryBuilder {
            fields: &self.fields,
            analyzer: &self.analyzer,
            cache: &self.cache,
            flat_words: true,
        };
        let restrictions = builder.restrictions(
            request.filter,
            request.tree,
            request.visibility,
            TimeRange::new(request.from, request.to),
            request.now,
        );
        let query = builder.restriction_query(restrictions);
        let tally = self.reader.searcher().search(&*query, &StatsCollector)?;
        Ok(tally.into_stats())
    }
}

/// Removes the files no commit refers to: what a writer killed (SIGKILL, power cut) or rolled
/// back left behind, before this writer writes anything.
///
/// Why it matters: tantivy numbers its operations from the last commit's opstamp, and names a
/// segment's delete file after the operation it is up to date with (`<segment>.<opstamp>.del`),
/// creating it with `create_new`. A writer killed between writing the delete files of a commit
/// and writing `meta.json` leaves those files behind. The next process numbers its operations
/// from the same opstamp again, so its first commit that deletes from the same segment at the
/// same opstamp fails with `FileAlreadyExists`; `apply` rolls back and the indexer retries,
/// failing again the same way until a merge happens to run tantivy's garbage collection.
/// `tests/index_crash.rs` showed it (its restarted writers fail without this). The files are
/// unreferenced, so removing them is what tantivy's own garbage collection does after every
/// commit; doing it first makes the first commit after a crash succeed.
fn remove_leftovers(writer: &IndexWriter) -> Result<(), SearchError> {
    let collected = writer.garbage_collect_files().wait()?;
    if !collected.deleted_files.is_empty() {
        tracing::info!(
            files = collected.deleted_files.len(),
            "search index: removed files no commit refers to (left by a crash or a failed commit)"
        );
    }
    Ok(())
}

fn facet_counts(tally: FacetTally) -> Vec<FacetCounts> {
    let status = ReportStatus::ALL
        .iter()
        .zip(tally.status)
        .map(|(status, count)| (status.as_str().to_owned(), count));
    let priority = PRIORITIES
        .iter()
        .zip(tally.priority)
        .map(|(priority, count)| (priority.as_str().to_owned(), count));
    vec![
        FacetCounts {
            field: "category",
            values: sorted_counts(tally.category),
        },
        FacetCounts {
            field: "status",
            values: sorted_counts(status),
        },
        FacetCounts {
            field: "unit",
            values: sorted_counts(tally.unit),
        },
        FacetCounts {
            field: "priority",
            values: sorted_counts(priority),
        },
        FacetCounts {
            field: "channel",
            values: sorted_counts(tally.channel),
        },
    ]
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves a writer tantivy can still roll back or commit.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn register_tokenizer(index: &Index, analyzer: &Analyzer) {
    index
        .tokenizers()
        .register(TOKENIZER_NAME, SiagaTokenizer::new(analyzer.clone()));
}

/// A new, empty index in `dir` with lz4-compressed document store.
pub(crate) fn create_index(
    dir: &Path,
    schema: tantivy::schema::Schema,
) -> Result<Index, SearchError> {
    let settings = IndexSettings {
        docstore_compression: Compressor::Lz4,
        ..IndexSettings::default()
    };
    Ok(Index::builder()
        .schema(schema)
        .settings(settings)
        .create_in_dir(dir)?)
}

fn payload_seq(index: &Index) -> Result<Option<u64>, SearchError> {
    let metas = index.load_metas()?;
    Ok(metas
        .payload
        .as_deref()
        .and_then(|payload| payload.trim().parse().ok()))
}

pub(crate) fn write_version_file(dir: &Path) -> Result<(), SearchError> {
    let contents = serde_json::to_string(&VersionFile {
        schema_version: SCHEMA_VERSION,
    })
    .map_err(std::io::Error::other)?;
    let temporary = dir.join(format!("{VERSION_FILE}.tmp"));
    fs::write(&temporary, contents)?;
    fs::rename(&temporary, dir.join(VERSION_FILE))?;
    Ok(())
}

/// The index already in `dir`, written by this version's schema; `SearchError::NeedsRebuild`
/// for anything else.
pub(crate) fn open_existing(dir: &Path) -> Result<Index, SearchError> {
    check_version_file(dir)?;
    let directory = MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?;
    if !Index::exists(&directory).map_err(tantivy::TantivyError::from)? {
        return Err(SearchError::NeedsRebuild {
            reason: format!("{} holds no tantivy index", dir.display()),
        });
    }
    let index = Index::open(directory)?;
    if index.schema() != Fields::schema().0 {
        return Err(SearchError::NeedsRebuild {
            reason: "the index schema differs from this version's".to_owned(),
        });
    }
    Ok(index)
}

fn check_version_file(dir: &Path) -> Result<(), SearchError> {
    let contents = match fs::read_to_string(dir.join(VERSION_FILE)) {
        Ok(contents) => contents,
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return Err(SearchError::NeedsRebuild {
                reason: format!("{} has no {VERSION_FILE}", dir.display()),
            });
        }
        Err(error) => return Err(error.into()),
    };
    let version: VersionFile =
        serde_json::from_str(&contents).map_err(|error| SearchError::NeedsRebuild {
            reason: format!("{VERSION_FILE} is unreadable: {error}"),
        })?;
    if version.schema_version != SCHEMA_VERSION {
        return Err(SearchError::NeedsRebuild {
            reason: format!(
                "the index has schema version {}, this version writes {SCHEMA_VERSION}",
                version.schema_version
            ),
        });
    }
    Ok(())
}
