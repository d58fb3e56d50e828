//! The plain-word path (`flat_words.rs`) against the nested boolean queries it replaces: the
//! same matches, the same scores to the bit, the same page and facets, over several segments,
//! with deletions, filters, exclusions, `OR`, typos and slang.

use super::collect::{Collected, HitCollector, sorted_counts};
use super::highlight::HighlightTerms;
use super::query::parse;
use super::query_plan::QueryBuilder;
use super::tests::{Fixture, doc, path};
use super::*;
use crate::domain::report::ReportStatus;

const TEXTS: [&str; 12] = [
    "motor saya hilang di pasar, motor honda",
    "motor tetangga dicuri orang semalam",
    "dompet hilang di angkot",
    "saya jadi korban penipuan online, ditipu lewat transfer",
    "kasus pencurian kendaraan bermotor di sukarami",
    "mtr sy ilang td mlm di depan rumah",
    "sepeda motor saya hilang",
    "ada judi togel di warung",
    "motor dcuri orang tadi pagi",
    "kemacetan parah di jembatan ampera",
    "anak saya hilang sejak sore",
    "penipuan arisan online, uang hilang",
];

fn fixture() -> Fixture {
    let docs: Vec<IndexDoc> = (1..=120)
        .map(|id| {
            let mut doc = doc(id, TEXTS[id as usize % TEXTS.len()]);
            if id % 5 == 0 {
                doc.summary = Some("laporan kehilangan motor".to_owned());
            }
            if id % 7 == 0 {
                doc.notes = vec!["sudah dihubungi, motor belum ditemukan".to_owned()];
            }
            if id % 3 == 0 {
                doc.tags = vec!["pencurian kendaraan bermotor".to_owned()];
                doc.category = Some("curanmor".to_owned());
            }
            doc.status = ReportStatus::ALL[id as usize % ReportStatus::ALL.len()];
            doc.unit_path = path(&["POLDA", if id % 2 == 0 { "POLRES_A" } else { "POLRES_B" }]);
            doc
        })
        .collect();
    let fixture = Fixture::with(docs[..60].to_vec());
    // More segments, and deletions in the first (replaced documents).
    fixture.index.apply(&docs[60..], &[], 2).unwrap();
    fixture
        .index
        .apply(&docs[10..20], &[ReportId::new(3)], 3)
        .unwrap();
    fixture
}

fn collect(fixture: &Fixture, query: &str, filter: &ReportFilter, flat: bool) -> Collected {
    let index = &fixture.index;
    let parsed = parse(query, fixture.now).unwrap();
    let builder = QueryBuilder {
        fields: &index.fields,
        analyzer: &index.analyzer,
        cache: &index.cache,
        flat_words: flat,
    };
    let visibility = Visibility {
        phone_search: true,
        ..Visibility::default()
    };
    let restrictions = builder.restrictions(
        filter,
        &fixture.tree,
        &visibility,
        parsed.created,
        fixture.now,
    );
    let mut highlight = HighlightTerms::default();
    let (tantivy_query, has_words) =
        builder.search_query(&parsed, restrictions, true, &mut highlight);
    let collector = HitCollector {
        offset: 0,
        limit: 30,
        by_score: has_words,
        facets: true,
        cache: &index.cache,
    };
    index
        .reader
        .searcher()
        .search(&*tantivy_query, &collector)
        .unwrap()
}

type Facets = (Vec<(String, u64)>, Vec<(String, u64)>, Vec<u64>, Vec<u64>);

fn facets(collected: &Collected) -> Facets {
    let tally = collected.facets.as_ref().expect("facets asked for");
    (
        sorted_counts(tally.category.clone()),
        sorted_counts(tally.unit.clone()),
        tally.status.to_vec(),
        tally.priority.to_vec(),
    )
}

#[test]
fn plain_words_match_and_score_as_the_nested_queries_do() {
    let fixture = fixture();
    assert!(fixture.index.reader.searcher().segment_readers().len() >= 2);
    let forwarded = ReportFilter {
        status: vec![ReportStatus::ALL[1], ReportStatus::ALL[2]],
        unit_code: Some("POLRES_A".to_owned()),
        ..ReportFilter::default()
    };
    let queries = [
        "motor",
        "motor hilang",
        "hilang motor",
        "penipuan online",
        "tipu",
        "pencurain",
        "judi OR togel",
        "motor OR dompet hilang",
        "motor -dicuri",
        "mtr ilang",
        "spm",
        "motor hilang orang",
        "pesawat",
        "motor pesawat",
        "kendaran bermotor",
    ];
    for query in queries {
        for filter in [&ReportFilter::default(), &forwarded] {
            let flat = collect(&fixture, query, filter, true);
            let nested = collect(&fixture, query, filter, false);
            assert_eq!(flat.total, nested.total, "{query}");
            let page = |collected: &Collected| -> Vec<(u64, u32)> {
                collected
                    .page
                    .iter()
                    .map(|hit| (hit.report_id, hit.score.to_bits()))
                    .collect()
            };
            if query == "motor hilang orang" {
                // Three words: tantivy adds them in cost order, the flat path in query order.
                let close = flat.page.iter().zip(&nested.page).all(|(left, right)| {
                    left.report_id == right.report_id
                        && (left.score - right.score).abs() <= 1e-5 * right.score.abs()
                });
                assert!(close, "{query}");
            } else {
                assert_eq!(page(&flat), page(&nested), "{query}");
            }
            assert_eq!(facets(&flat), facets(&nested), "{query}");
        }
    }
    assert!(collect(&fixture, "motor hilang", &ReportFilter::default(), true).total > 10);
}
