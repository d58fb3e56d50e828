//! Search through a real index on disk: each form of the query language, the analyzer as seen
//! through search (stems, slang, typos, stopwords), relative dates, snippets and paging.

use chrono::{DateTime, Duration, Utc};
use tempfile::TempDir;

use super::*;
use crate::domain::ids::{ReportId, UnitCode};
use crate::domain::unit::{UnitKind, UnitRecord};
use crate::text::Analyzer;

/// 10 March 2026, 12:00 WIB.
pub(super) fn base_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-10T05:00:00Z")
        .unwrap()
        .to_utc()
}

/// A report written `id` minutes after `base_time`, so a higher id is newer.
pub(super) fn doc(id: u64, text: &str) -> IndexDoc {
    let created_at = base_time() + Duration::minutes(id as i64);
    IndexDoc::new_report(ReportId::new(id), text, created_at)
}

fn unit(code: &str, parent: Option<&str>) -> UnitRecord {
    UnitRecord {
        code: UnitCode::trusted(code),
        name: code.to_owned(),
        kind: UnitKind::Territorial,
        parent: parent.map(UnitCode::trusted),
        active: true,
        covers: Vec::new(),
        handles: Vec::new(),
    }
}

/// POLDA > POLRES_A > {POLSEK_A1, POLSEK_A2}; POLDA > POLRES_B.
pub(super) fn tree() -> UnitTree {
    UnitTree::new([
        unit("POLDA", None),
        unit("POLRES_A", Some("POLDA")),
        unit("POLSEK_A1", Some("POLRES_A")),
        unit("POLSEK_A2", Some("POLRES_A")),
        unit("POLRES_B", Some("POLDA")),
    ])
}

pub(super) fn path(codes: &[&str]) -> Vec<String> {
    codes.iter().map(|code| (*code).to_owned()).collect()
}

pub(super) struct Fixture {
    pub(super) _dir: TempDir,
    pub(super) index: SearchIndex,
    pub(super) tree: UnitTree,
    pub(super) now: DateTime<Utc>,
}

impl Fixture {
    pub(super) fn with(docs: Vec<IndexDoc>) -> Fixture {
        let dir = TempDir::new().unwrap();
        let index = SearchIndex::open(&dir.path().join("index"), Analyzer::sumsel()).unwrap();
        index.apply(&docs, &[], 1).unwrap();
        Fixture {
            _dir: dir,
            index,
            tree: tree(),
            now: base_time() + Duration::days(1),
        }
    }

    pub(super) fn search(
        &self,
        query: &str,
        filter: &ReportFilter,
        visibility: &Visibility,
    ) -> SearchResults {
        self.index
            .search(&SearchRequest {
                query,
                filter,
                tree: &self.tree,
                visibility,
                offset: 0,
                limit: 50,
                now: self.now,
                facets: true,
            })
            .unwrap()
    }

    /// The ids found by `query`, best first, for a reader who may see everything.
    pub(super) fn ids(&self, query: &str) -> Vec<u64> {
        let everything = Visibility {
            phone_search: true,
            ..Visibility::default()
        };
        self.ids_with(query, &ReportFilter::default(), &everything)
    }

    pub(super) fn ids_with(
        &self,
        query: &str,
        filter: &ReportFilter,
        visibility: &Visibility,
    ) -> Vec<u64> {
        let results = self.search(query, filter, visibility);
        assert_eq!(
            results.total_count,
            results.hits.len(),
            "a test page holds every hit"
        );
        results.hits.iter().map(|hit| hit.report_id.get()).collect()
    }
}

fn sorted(mut ids: Vec<u64>) -> Vec<u64> {
    ids.sort_unstable();
    ids
}

#[test]
fn every_word_must_match() {
    let fixture = Fixture::with(vec![
        doc(1, "motor saya hilang di pasar"),
        doc(2, "motor tetangga terbakar"),
        doc(3, "dompet hilang di angkot"),
    ]);
    assert_eq!(fixture.ids("motor hilang"), [1]);
    assert_eq!(sorted(fixture.ids("hilang")), [1, 3]);
    assert!(fixture.ids("motor pesawat").is_empty());
}

#[test]
fn a_phrase_needs_its_words_in_order_with_stopword_gaps() {
    let fixture = Fixture::with(vec![
        doc(1, "motor hilang di pasar"),
        doc(2, "hilang motor pasar"),
        doc(3, "ada motor di pasar kuto"),
    ]);
    assert_eq!(fixture.ids(r#""motor hilang""#), [1]);
    assert_eq!(fixture.ids(r#""motor di pasar""#), [3]);
    assert_eq!(
        fixture.ids(r#""pasar""#).len(),
        3,
        "a phrase of one word is a word"
    );
    assert_eq!(
        fixture.ids(r#"kuto "motor di"#),
        [3],
        "an unbalanced quote runs to the end"
    );
}

#[test]
fn exclusions_remove_matches_even_alone() {
    let fixture = Fixture::with(vec![
        doc(1, "motor hilang di pasar"),
        doc(2, "motor terbakar"),
        doc(3, "dompet hilang"),
    ]);
    assert_eq!(fixture.ids("motor -hilang"), [2]);
    assert_eq!(fixture.ids("-hilang"), [2]);
    assert_eq!(fixture.ids(r#"-"motor hilang""#), [3, 2]);
}

#[test]
fn or_joins_the_items_beside_it() {
    let fixture = Fixture::with(vec![
        doc(1, "begal di sukarami"),
        doc(2, "jambret di sukarami"),
        doc(3, "begal di plaju"),
        doc(4, "copet di sukarami"),
    ]);
    assert_eq!(sorted(fixture.ids("begal OR jambret sukarami")), [1, 2]);
    assert_eq!(
        sorted(fixture.ids("begal OR jambret OR copet sukarami")),
        [1, 2, 4]
    );
    assert_eq!(
        fixture.ids("begal or jambret"),
        Vec::<u64>::new(),
        "lowercase or is a word"
    );
}

#[test]
fn a_ticket_finds_its_report_in_any_case_and_padding() {
    let fixture = Fixture::with(vec![doc(1, "motor hilang"), doc(123, "motor hilang")]);
    assert_eq!(fixture.ids("WA-2026-000123"), [123]);
    assert_eq!(fixture.ids("wa-2026-123"), [123]);
    assert!(fixture.ids("WA-2025-000123").is_empty());
}

#[test]
fn a_phone_number_in_any_common_form_finds_the_reporter() {
    let mut reporter = doc(1, "motor hilang");
    reporter.reporter_phone = Some("6281370002110".to_owned());
    let mut other = doc(2, "motor hilang");
    other.reporter_phone = Some("6281370009999".to_owned());
    let fixture = Fixture::with(vec![reporter, other]);
    for form in [
        "081370002110",
        "+6281370002110",
        "6281370002110",
        "81370002110",
        "0813-7000-2110",
        "0813.7000.2110",
        r#""0813 7000 2110""#,
        r#""+62 813-7000-2110""#,
    ] {
        assert_eq!(fixture.ids(form), [1], "{form}");
    }
    let analyst = Visibility {
        phone_search: false,
        ..Visibility::default()
    };
    let found = fixture.ids_with("081370002110", &ReportFilter::default(), &analyst);
    assert!(found.is_empty(), "analysts cannot search by phone");
}

#[test]
fn typos_match_but_rank_below_exact_words() {
    let fixture = Fixture::with(vec![
        doc(1, "motor dcuri orang"),
        doc(2, "motor dicuri orang"),
        doc(3, "motor rusak"),
    ]);
    assert_eq!(fixture.ids("dicuri"), [2, 1], "the older exact match first");
    let misspelt = Fixture::with(vec![
        doc(1, "kasus pencurian kendaraan"),
        doc(2, "kasus lain"),
    ]);
    assert_eq!(misspelt.ids("pencurain"), [1]);
    assert_eq!(misspelt.ids("kendaran"), [1]);
    let short = Fixture::with(vec![doc(1, "ada copet"), doc(2, "ada cepat")]);
    assert_eq!(short.ids("copet"), [1], "short words match exactly only");
}

#[test]
fn inflections_find_each_other_through_the_stemmer() {
    let fixture = Fixture::with(vec![
        doc(1, "saya jadi korban penipuan online"),
        doc(2, "kemacetan parah di jembatan ampera"),
        doc(3, "anak saya dipukuli preman"),
    ]);
    assert_eq!(fixture.ids("tipu"), [1]);
    assert_eq!(fixture.ids("ditipu"), [1]);
    assert_eq!(fixture.ids("macet"), [2]);
    assert_eq!(fixture.ids("pukul"), [3]);
    assert_eq!(fixture.ids("memukul"), [3]);
}

#[test]
fn chat_slang_is_read_as_what_it_means() {
    let fixture = Fixture::with(vec![doc(1, "motor saya hilang"), doc(2, "mobil rusak")]);
    assert_eq!(fixture.ids("mtr ilang"), [1]);
    let slang_doc = Fixture::with(vec![doc(1, "mtr sy ilang td mlm")]);
    assert_eq!(slang_doc.ids("motor hilang"), [1]);
}

#[test]
fn one_slang_word_may_mean_two_words() {
    let fixture = Fixture::with(vec![
        doc(1, "sepeda motor saya hilang"),
        doc(2, "motor saya hilang"),
    ]);
    assert_eq!(fixture.ids("spm"), [1]);
    assert_eq!(fixture.ids("\"spm saya hilang\""), [1]);
    assert_eq!(fixture.ids("\"sepeda motor\" OR mobil"), [1]);
}

#[test]
fn a_query_of_stopwords_looks_for_them_as_roots_only() {
    let fixture = Fixture::with(vec![
        doc(1, "anak saya dipukuli preman"),
        doc(2, "pukul 10 malam motor hilang"),
        doc(3, "motor dicuri"),
    ]);
    // "pukul" is a stopword (a time word), and the root of "dipukuli".
    assert_eq!(fixture.ids("pukul"), [1]);
    assert!(fixture.ids("yang dan di").is_empty());
    assert_eq!(
        sorted(fixture.ids("motor pukul")),
        [2, 3],
        "stopwords never narrow a query with content words"
    );
    assert_eq!(fixture.ids("preman pukul"), [1]);
}

#[test]
fn an_empty_query_lists_everything_newest_first() {
    let fixture = Fixture::with(vec![doc(1, "motor hilang"), doc(3, "dompet"), doc(2, "hp")]);
    for query in ["", "   ", "\"\"", "- \" . \""] {
        let results = fixture.search(query, &ReportFilter::default(), &Visibility::default());
        let ids: Vec<u64> = results.hits.iter().map(|hit| hit.report_id.get()).collect();
        assert_eq!(ids, [3, 2, 1], "{query:?}");
        assert!(results.hits.iter().all(|hit| hit.score == 0.0));
    }
}

#[test]
fn relative_dates_narrow_the_creation_time_in_wib() {
    let now = base_time(); // 10 March 2026, 12:00 WIB
    let mut docs = Vec::new();
    for (id, created) in [
        (1, "2026-03-10T01:00:00+07:00"), // today
        (2, "2026-03-09T23:30:00+07:00"), // yesterday (16:30 UTC)
        (3, "2026-02-15T10:00:00+07:00"), // last month
        (4, "2025-03-20T10:00:00+07:00"), // March last year
        (5, "2026-03-05T10:00:00+07:00"), // last week (Thursday)
    ] {
        let mut report = doc(id, "curanmor di sukarami");
        report.created_at = DateTime::parse_from_rfc3339(created).unwrap().to_utc();
        docs.push(report);
    }
    let mut fixture = Fixture::with(docs);
    fixture.now = now;
    assert_eq!(fixture.ids("curanmor hari ini"), [1]);
    assert_eq!(fixture.ids("curanmor kemarin"), [2]);
    assert_eq!(fixture.ids("curanmor di Sukarami bulan lalu"), [3]);
    assert_eq!(fixture.ids("minggu lalu"), [5]);
    assert_eq!(sorted(fixture.ids("curanmor maret")), [1, 2, 5]);
    assert_eq!(fixture.ids("maret 2025"), [4]);
    assert_eq!(sorted(fixture.ids("2 hari terakhir")), [1, 2]);
    assert_eq!(sorted(fixture.ids("tahun ini")), [1, 2, 3, 5]);
    assert!(
        fixture.ids("hari ini kemarin").is_empty(),
        "ranges intersect"
    );
}

#[test]
fn snippets_mark_matches_and_escape_html() {
    let fixture = Fixture::with(vec![doc(
        1,
        "<script>alert(1)</script> motor saya dicuri & motor dcuri",
    )]);
    let results = fixture.search("dicuri", &ReportFilter::default(), &Visibility::default());
    let snippet = &results.hits[0].snippet;
    assert!(snippet.contains("<b>dicuri</b>"), "{snippet}");
    assert!(
        snippet.contains("<b>dcuri</b>"),
        "a typo is marked too: {snippet}"
    );
    assert!(snippet.contains("&lt;script&gt;"), "{snippet}");
    assert!(!snippet.contains("<script>"), "{snippet}");
    assert!(snippet.contains("&amp;"), "{snippet}");
}

#[test]
fn snippets_fall_back_to_summary_notes_and_the_start() {
    let mut report = doc(1, "tolong pak ada kejadian");
    report.summary = Some("Pencurian motor di parkiran".to_owned());
    report.notes = vec!["Sudah diteruskan ke polsek".to_owned()];
    let fixture = Fixture::with(vec![report]);
    let nobody = Visibility::default();
    let filter = ReportFilter::default();
    let summary = &fixture.search("curi", &filter, &nobody).hits[0].snippet;
    assert_eq!(summary, "<b>Pencurian</b> motor di parkiran");
    let notes = &fixture.search("polsek", &filter, &nobody).hits[0].snippet;
    assert_eq!(notes, "Sudah diteruskan ke <b>polsek</b>");
    let start = &fixture.search("", &filter, &nobody).hits[0].snippet;
    assert_eq!(start, "tolong pak ada kejadian");
}

#[test]
fn the_snippet_comes_from_the_citizen_text_with_most_matches() {
    let mut report = doc(1, "selamat malam pak");
    report
        .citizen_texts
        .push("motor saya hilang, motor tetangga juga".to_owned());
    report.citizen_texts.push("motor".to_owned());
    let fixture = Fixture::with(vec![report]);
    let results = fixture.search("motor", &ReportFilter::default(), &Visibility::default());
    assert_eq!(
        results.hits[0].snippet,
        "<b>motor</b> saya hilang, <b>motor</b> tetangga juga"
    );
}

#[test]
fn pages_slice_one_stable_ranking() {
    let docs: Vec<IndexDoc> = (1..=25).map(|id| doc(id, "motor hilang")).collect();
    let fixture = Fixture::with(docs);
    let everything = Visibility::default();
    let filter = ReportFilter::default();
    let mut seen = Vec::new();
    for offset in [0, 10, 20] {
        let results = fixture
            .index
            .search(&SearchRequest {
                query: "motor",
                filter: &filter,
                tree: &fixture.tree,
                visibility: &everything,
                offset,
                limit: 10,
                now: fixture.now,
                facets: false,
            })
            .unwrap();
        assert_eq!(results.total_count, 25);
        assert!(results.facets.is_empty());
        seen.extend(results.hits.iter().map(|hit| hit.report_id.get()));
    }
    assert_eq!(
        seen,
        (1..=25).rev().collect::<Vec<u64>>(),
        "equal scores: newest first"
    );
    let counts_only = fixture
        .index
        .search(&SearchRequest {
            query: "motor",
            filter: &filter,
            tree: &fixture.tree,
            visibility: &everything,
            offset: 0,
            limit: 0,
            now: fixture.now,
            facets: true,
        })
        .unwrap();
    assert_eq!((counts_only.total_count, counts_only.hits.len()), (25, 0));
}
