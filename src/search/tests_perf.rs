//! A measurement, not a check: rebuild speed, search latency with facets, and statistics time
//! over synthetic reports. Run in release on the target machine:
//! `SIAGA_SEARCH_BENCH_DOCS=1000000 cargo test --release --lib search::tests_perf -- --ignored --nocapture`

use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tempfile::TempDir;

use super::tests::{base_time, doc};
use super::*;
use crate::domain::ids::UnitCode;
use crate::domain::unit::{UnitKind, UnitRecord};
use crate::text::Analyzer;

const WORDS: &[&str] = &[
    "motor",
    "mobil",
    "hilang",
    "dicuri",
    "pencurian",
    "maling",
    "begal",
    "jambret",
    "copet",
    "penipuan",
    "ditipu",
    "transfer",
    "rekening",
    "online",
    "kemacetan",
    "macet",
    "kecelakaan",
    "tabrakan",
    "ditabrak",
    "dipukuli",
    "pengeroyokan",
    "preman",
    "pungli",
    "narkoba",
    "sabu",
    "judi",
    "togel",
    "tawuran",
    "kebakaran",
    "banjir",
    "pohon",
    "tumbang",
    "jalan",
    "rusak",
    "pasar",
    "terminal",
    "jembatan",
    "ampera",
    "sukarami",
    "plaju",
    "kertapati",
    "seberang",
    "ulu",
    "ilir",
    "kenten",
    "alang",
    "lebong",
    "gandus",
    "kalidoni",
    "sako",
    "rumah",
    "toko",
    "warung",
    "masjid",
    "sekolah",
    "kantor",
    "parkiran",
    "depan",
    "belakang",
    "samping",
    "malam",
    "pagi",
    "siang",
    "sore",
    "kemarin",
    "tolong",
    "segera",
    "bantu",
    "pak",
    "polisi",
    "petugas",
    "anggota",
    "orang",
    "pelaku",
    "korban",
    "saksi",
    "anak",
    "ibu",
    "bapak",
    "tetangga",
    "warga",
    "helm",
    "dompet",
    "handphone",
    "hp",
    "kunci",
    "plat",
    "nomor",
    "honda",
    "yamaha",
    "beat",
    "vario",
    "scoopy",
    "avanza",
    "truk",
    "angkot",
    "ojek",
    "becak",
    "senjata",
    "tajam",
    "pisau",
    "celurit",
    "ancam",
    "diancam",
    "luka",
    "berdarah",
    "meninggal",
    "kabur",
    "lari",
    "arah",
    "kejar",
    "ditangkap",
    "lapor",
    "laporan",
    "kejadian",
    "lokasi",
    "sekitar",
    "jam",
    "tadi",
    "sudah",
    "belum",
    "tidak",
    "ada",
    "yang",
    "di",
    "ke",
    "dari",
    "saya",
    "kami",
    "mereka",
];
const CATEGORIES: &[&str] = &[
    "curanmor",
    "curat",
    "curas",
    "penipuan",
    "penganiayaan",
    "narkoba",
    "judi",
    "lakalantas",
    "kemacetan",
    "kebakaran",
    "bencana",
    "tawuran",
    "premanisme",
    "pungli_oknum",
    "kdrt",
    "orang_hilang",
    "lainnya",
];

fn unit_tree() -> (UnitTree, Vec<Vec<String>>) {
    let mut records = vec![UnitRecord {
        code: UnitCode::trusted("POLDA"),
        name: "POLDA".to_owned(),
        kind: UnitKind::Territorial,
        parent: None,
        active: true,
        covers: Vec::new(),
        handles: Vec::new(),
    }];
    let mut paths = Vec::new();
    for polres in 0..17 {
        let polres_code = format!("POLRES_{polres}");
        paths.push(vec!["POLDA".to_owned(), polres_code.clone()]);
        records.push(UnitRecord {
            code: UnitCode::trusted(polres_code.as_str()),
            parent: Some(UnitCode::trusted("POLDA")),
            ..records[0].clone()
        });
        for polsek in 0..10 {
            let code = format!("POLSEK_{polres}_{polsek}");
            paths.push(vec!["POLDA".to_owned(), polres_code.clone(), code.clone()]);
            records.push(UnitRecord {
                code: UnitCode::trusted(code),
                parent: Some(UnitCode::trusted(polres_code.as_str())),
                ..records[0].clone()
            });
        }
    }
    (UnitTree::new(records), paths)
}

fn sentence(rng: &mut StdRng) -> String {
    let length = rng.random_range(6..14);
    let words: Vec<&str> = (0..length)
        .map(|_| {
            // Skewed towards the start of the list, like real word frequencies.
            let skew: f64 = rng.random::<f64>().powi(2);
            WORDS[(skew * WORDS.len() as f64) as usize % WORDS.len()]
        })
        .collect();
    words.join(" ")
}

fn synthetic(id: u64, rng: &mut StdRng, unit_paths: &[Vec<String>]) -> IndexDoc {
    let sentences = rng.random_range(1..=3);
    let text: Vec<String> = (0..sentences).map(|_| sentence(rng)).collect();
    let mut report = doc(id, &text.join(". "));
    report.created_at = base_time() - Duration::seconds(rng.random_range(0..365 * 86_400));
    report.updated_at = report.created_at;
    report.category = rng
        .random_bool(0.8)
        .then(|| CATEGORIES[rng.random_range(0..CATEGORIES.len())].to_owned());
    report.compartmented = report.category.as_deref() == Some("pungli_oknum");
    report.status = ReportStatus::ALL[rng.random_range(0..ReportStatus::ALL.len())];
    report.priority = rng.random_bool(0.7).then(|| {
        [
            Priority::Urgent,
            Priority::High,
            Priority::Normal,
            Priority::Low,
        ][rng.random_range(0..4)]
    });
    if rng.random_bool(0.7) {
        report.unit_path = unit_paths[rng.random_range(0..unit_paths.len())].clone();
    }
    report.has_media = rng.random_bool(0.2);
    report.reporter_phone = Some(format!("62813{:08}", rng.random_range(0..100_000_000u64)));
    report.location = rng.random_bool(0.5).then(|| GeoPoint {
        latitude: rng.random_range(-4.5..-1.5),
        longitude: rng.random_range(102.0..106.0),
    });
    report.sla_due_at = rng
        .random_bool(0.3)
        .then(|| base_time() + Duration::seconds(rng.random_range(-86_400..86_400)));
    report.first_action_secs = rng.random_bool(0.8).then(|| rng.random_range(10..3600));
    report.forward_secs = rng.random_bool(0.5).then(|| rng.random_range(60..7200));
    report.resolve_secs = rng
        .random_bool(0.3)
        .then(|| rng.random_range(3600..864_000));
    if rng.random_bool(0.1) {
        report.sla_breaches = vec![SlaStage::FirstAction];
    }
    report.tags = vec!["sukarami".to_owned(), "palembang".to_owned()];
    report
}

fn percentile(sorted: &[StdDuration], p: f64) -> StdDuration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[test]
#[ignore = "a measurement: run in release with --ignored --nocapture"]
fn measure_rebuild_search_and_stats() {
    let count: u64 = std::env::var("SIAGA_SEARCH_BENCH_DOCS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(100_000);
    let (tree, unit_paths) = unit_tree();
    let dir = TempDir::new().unwrap();
    let index_dir = dir.path().join("index");
    let mut rng = StdRng::seed_from_u64(7);
    let docs = (1..=count).map(move |id| synthetic(id, &mut rng, &unit_paths));
    let started = Instant::now();
    SearchIndex::rebuild(
        &index_dir,
        Analyzer::sumsel(),
        docs,
        1,
        crate::search::IndexMemory::default().rebuild_writer_bytes,
        |_| {},
    )
    .unwrap();
    let elapsed = started.elapsed();
    println!(
        "rebuild: {count} docs in {elapsed:.1?} = {:.0} docs/s",
        count as f64 / elapsed.as_secs_f64()
    );
    let index = SearchIndex::open(&index_dir, Analyzer::sumsel()).unwrap();
    let segments = index.reader.searcher().segment_readers().len();
    println!(
        "index: {} docs, {segments} segments, {} MB",
        index.num_docs(),
        index.size_on_disk() / 1_000_000
    );
    let now = base_time();
    let officer = Visibility {
        within_unit_path: Some(vec!["POLDA".to_owned(), "POLRES_3".to_owned()]),
        exclude_compartmented: true,
        phone_search: true,
    };
    let everyone = Visibility {
        phone_search: true,
        ..Visibility::default()
    };
    let forwarded = ReportFilter {
        status: vec![ReportStatus::Forwarded, ReportStatus::InProgress],
        ..ReportFilter::default()
    };
    let in_polres = ReportFilter {
        unit_code: Some("POLRES_5".to_owned()),
        created_from: Some(now - Duration::days(90)),
        ..ReportFilter::default()
    };
    let none = ReportFilter::default();
    let cases: Vec<(&str, &ReportFilter, &Visibility)> = vec![
        ("motor hilang", &none, &everyone),
        ("begal sukarami", &forwarded, &everyone),
        ("penipuan transfer rekening", &none, &officer),
        ("dicuri", &in_polres, &everyone),
        ("dicuri", &none, &everyone),
        ("", &in_polres, &everyone),
        ("penipuan transfer rekening", &none, &everyone),
        ("ampera", &none, &everyone),
        ("kemarin", &none, &everyone),
        ("\"motor hilang\"", &none, &everyone),
        ("pencurain", &none, &everyone),
        ("jambret OR copet pasar", &none, &everyone),
        ("kecelakaan bulan lalu", &none, &everyone),
        ("", &forwarded, &everyone),
        ("", &none, &officer),
        ("081370001234", &none, &everyone),
        ("WA-2026-000123", &none, &everyone),
    ];
    let mut all = Vec::new();
    for (query, filter, visibility) in &cases {
        let mut timings = Vec::new();
        let mut total = 0;
        for _ in 0..30 {
            let started = Instant::now();
            let results = index
                .search(&SearchRequest {
                    query,
                    filter,
                    tree: &tree,
                    visibility,
                    offset: 0,
                    limit: 20,
                    now,
                    facets: true,
                })
                .unwrap();
            timings.push(started.elapsed());
            total = results.total_count;
        }
        timings.sort();
        println!(
            "search {query:?}: {total} hits, p50 {:.2?}, max {:.2?}",
            percentile(&timings, 0.5),
            timings[timings.len() - 1]
        );
        all.extend(timings);
    }
    all.sort();
    println!(
        "search overall: p50 {:.2?}, p99 {:.2?}",
        percentile(&all, 0.5),
        percentile(&all, 0.99)
    );
    let started = Instant::now();
    let stats = index
        .stats(&StatsRequest {
            from: None,
            to: None,
            filter: &none,
            tree: &tree,
            visibility: &everyone,
            now,
        })
        .unwrap();
    println!(
        "stats over {} reports: {:.1?}",
        stats.total_reports,
        started.elapsed()
    );
}
