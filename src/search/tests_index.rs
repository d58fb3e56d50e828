//! The index's life on disk: applying changes, the commit payload across reopening, schema
//! versions, and rebuilding.

use tempfile::TempDir;

use super::index::VERSION_FILE;
use super::tests::{Fixture, base_time, doc, path, tree};
use super::*;
use crate::domain::ids::ReportId;
use crate::text::Analyzer;

fn everything() -> Visibility {
    Visibility {
        phone_search: true,
        ..Visibility::default()
    }
}

#[test]
fn apply_replaces_a_changed_report_and_removes_deleted_ones() {
    let fixture = Fixture::with(vec![doc(1, "motor hilang"), doc(2, "dompet hilang")]);
    let forwarded = ReportFilter {
        status: vec![ReportStatus::Forwarded],
        ..ReportFilter::default()
    };
    let new = ReportFilter {
        status: vec![ReportStatus::New],
        ..ReportFilter::default()
    };
    assert!(fixture.ids_with("", &forwarded, &everything()).is_empty());
    let mut changed = doc(1, "motor hilang di pasar");
    changed.status = ReportStatus::Forwarded;
    fixture.index.apply(&[changed], &[], 2).unwrap();
    assert_eq!(fixture.ids_with("", &forwarded, &everything()), [1]);
    assert_eq!(fixture.ids_with("", &new, &everything()), [2]);
    assert_eq!(fixture.index.num_docs(), 2);
    fixture.index.apply(&[], &[ReportId::new(2)], 3).unwrap();
    assert!(fixture.ids("dompet").is_empty());
    assert_eq!(fixture.index.num_docs(), 1);
    assert_eq!(fixture.index.applied_seq(), Some(3));
    assert!(fixture.index.size_on_disk() > 0);
}

#[test]
fn the_applied_sequence_survives_reopening() {
    let dir = TempDir::new().unwrap();
    let index_dir = dir.path().join("index");
    {
        let index = SearchIndex::open(&index_dir, Analyzer::sumsel()).unwrap();
        assert_eq!(index.applied_seq(), None);
        assert_eq!(index.num_docs(), 0);
        index.apply(&[doc(1, "motor hilang")], &[], 41).unwrap();
        index.apply(&[doc(2, "dompet hilang")], &[], 42).unwrap();
    }
    let reopened = SearchIndex::open(&index_dir, Analyzer::sumsel()).unwrap();
    assert_eq!(reopened.applied_seq(), Some(42));
    assert_eq!(reopened.num_docs(), 2);
}

#[test]
fn another_schema_version_or_a_foreign_directory_needs_a_rebuild() {
    let dir = TempDir::new().unwrap();
    let index_dir = dir.path().join("index");
    drop(SearchIndex::open(&index_dir, Analyzer::sumsel()).unwrap());
    std::fs::write(index_dir.join(VERSION_FILE), r#"{"schema_version": 999}"#).unwrap();
    let error = SearchIndex::open(&index_dir, Analyzer::sumsel())
        .err()
        .unwrap();
    assert!(matches!(error, SearchError::NeedsRebuild { .. }), "{error}");

    let foreign = dir.path().join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "not an index").unwrap();
    let error = SearchIndex::open(&foreign, Analyzer::sumsel())
        .err()
        .unwrap();
    assert!(matches!(error, SearchError::NeedsRebuild { .. }), "{error}");
}

fn corpus() -> Vec<IndexDoc> {
    let texts = [
        "motor saya hilang di pasar 16 ilir",
        "korban penipuan online lewat whatsapp",
        "begal di jalan sukarami tadi malam",
        "kemacetan parah di jembatan ampera",
        "anak dipukuli preman di terminal",
        "mtr sy ilang td mlm dpn rumah",
    ];
    let mut docs = Vec::new();
    for id in 1..=60u64 {
        let mut report = doc(id, texts[(id % texts.len() as u64) as usize]);
        report.category = Some(["curanmor", "penipuan", "begal"][(id % 3) as usize].to_owned());
        report.unit_path = if id % 4 == 0 {
            Vec::new()
        } else {
            path(&["POLDA", "POLRES_A"])
        };
        report.summary = (id % 5 == 0).then(|| "diteruskan ke polsek".to_owned());
        docs.push(report);
    }
    docs
}

#[test]
fn a_rebuild_answers_like_incremental_applies() {
    let dir = TempDir::new().unwrap();
    let incremental_dir = dir.path().join("incremental");
    let incremental = SearchIndex::open(&incremental_dir, Analyzer::sumsel()).unwrap();
    let docs = corpus();
    for (batch, chunk) in docs.chunks(7).enumerate() {
        incremental.apply(chunk, &[], batch as u64 + 1).unwrap();
    }

    let rebuilt_dir = dir.path().join("rebuilt");
    // An old index in the way is replaced.
    drop(SearchIndex::open(&rebuilt_dir, Analyzer::sumsel()).unwrap());
    let mut reported = Vec::new();
    let count = SearchIndex::rebuild(
        &rebuilt_dir,
        Analyzer::sumsel(),
        docs.into_iter(),
        9,
        crate::search::IndexMemory::default().rebuild_writer_bytes,
        |done| reported.push(done),
    )
    .unwrap();
    assert_eq!(count, 60);
    assert_eq!(reported.last(), Some(&60));
    assert!(!dir.path().join("rebuilt.rebuild").exists());
    assert!(!dir.path().join("rebuilt.old").exists());
    let rebuilt = SearchIndex::open(&rebuilt_dir, Analyzer::sumsel()).unwrap();
    assert_eq!(rebuilt.applied_seq(), Some(9));
    assert_eq!(rebuilt.num_docs(), 60);

    let tree = tree();
    let filter = ReportFilter {
        unit_code: Some("POLDA".to_owned()),
        ..ReportFilter::default()
    };
    let visibility = everything();
    let now = base_time();
    for query in [
        "motor hilang",
        "tipu",
        "\"jembatan ampera\"",
        "polsek -begal",
        "",
    ] {
        let request = SearchRequest {
            query,
            filter: &filter,
            tree: &tree,
            visibility: &visibility,
            offset: 0,
            limit: 100,
            now,
            facets: true,
        };
        let from_applies = incremental.search(&request).unwrap();
        let from_rebuild = rebuilt.search(&request).unwrap();
        assert!(from_applies.total_count > 0, "{query}");
        assert_eq!(
            from_applies.total_count, from_rebuild.total_count,
            "{query}"
        );
        assert_eq!(from_applies.facets, from_rebuild.facets, "{query}");
        let ids = |results: &SearchResults| -> Vec<u64> {
            let mut ids: Vec<u64> = results.hits.iter().map(|hit| hit.report_id.get()).collect();
            ids.sort_unstable();
            ids
        };
        assert_eq!(ids(&from_applies), ids(&from_rebuild), "{query}");
    }
}

#[test]
fn the_index_can_be_shared_between_threads() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<SearchIndex>();
    shared::<std::sync::Arc<SearchIndex>>();
}

#[test]
fn the_last_version_of_a_report_in_one_apply_wins() {
    let fixture = Fixture::with(Vec::new());
    let first = doc(1, "motor hilang");
    let second = doc(1, "dompet hilang");
    fixture.index.apply(&[first, second], &[], 2).unwrap();
    assert_eq!(fixture.index.num_docs(), 1);
    assert_eq!(fixture.ids("dompet"), [1]);
    assert!(fixture.ids("motor").is_empty());
}

#[test]
fn only_unusable_queries_are_errors() {
    let fixture = Fixture::with(vec![doc(1, "motor hilang")]);
    let filter = ReportFilter::default();
    let visibility = everything();
    let search = |query: &str| {
        fixture.index.search(&SearchRequest {
            query,
            filter: &filter,
            tree: &fixture.tree,
            visibility: &visibility,
            offset: 0,
            limit: 10,
            now: fixture.now,
            facets: false,
        })
    };
    for lenient in [
        r#""motor"#,
        "OR",
        "- -",
        "motor OR",
        "\"\"\"",
        "((motor))",
        "<b>",
    ] {
        assert!(search(lenient).is_ok(), "{lenient}");
    }
    let error = search(&"motor ".repeat(300)).err().unwrap();
    assert!(matches!(error, SearchError::BadQuery(_)), "{error}");
    assert_eq!(error.code(), crate::error::ErrorCode::BadUserInput);
}
