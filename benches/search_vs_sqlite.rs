//! Search at archive scale, siaga (tantivy) beside SQLite FTS5 on the same synthetic reports
//! and the same 20 queries: indexing rate, query latency (top 20 with facets), size on disk
//! and resident memory. Then a small criterion group over the built index.
//!
//! `cargo bench --bench search_vs_sqlite` (1,000,000 reports; `SIAGA_BENCH_DOCS=N` for fewer).
//! The report is printed and written to `target/search-bench.md`.
//!
//! For quick iterations on siaga's side (not for the README's figures):
//! `SIAGA_BENCH_INDEX=dir` keeps the siaga index in `dir` and reuses it when it opens and holds
//! as many reports; `SIAGA_BENCH_SQLITE=0` leaves FTS5 out; `SIAGA_BENCH_RUNS=N` runs each query
//! N times (default 30); `SIAGA_BENCH_CRITERION=0` skips the criterion group;
//! `SIAGA_BENCH_DUMP=file` writes every query's results (total, hits with scores and snippets,
//! facets), so that two versions can be diffed for the same results.

#[path = "support/corpus.rs"]
mod corpus;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use criterion::Criterion;
use rusqlite::{Connection, params};

use siaga::domain::report::ReportStatus;
use siaga::search::{IndexDoc, SearchIndex, SearchRequest, Visibility};
use siaga::text::Analyzer;
use siaga::workflow::ReportFilter;

use corpus::{Corpus, end_time, memory_kib};

const SEED: u64 = 110;
const RUNS_PER_QUERY: usize = 30;

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
}

/// A query as an analyst types it into siaga, and the nearest FTS5 expression.
struct Case {
    siaga: String,
    fts: Option<String>,
    filter: ReportFilter,
    /// SQL conditions on the `meta` table matching `filter`.
    sql_filter: String,
}

fn case(siaga: &str, fts: &str) -> Case {
    Case {
        siaga: siaga.to_string(),
        fts: Some(fts.to_string()),
        filter: ReportFilter::default(),
        sql_filter: String::new(),
    }
}

fn cases(ticket: &str, phone_local: &str, phone_e164: &str) -> Vec<Case> {
    let month_start = |year: i32, month: u32| {
        DateTime::parse_from_rfc3339(&format!("{year}-{month:02}-01T00:00:00+07:00"))
            .expect("valid")
            .with_timezone(&Utc)
    };
    let last_month = (month_start(2026, 10), month_start(2026, 11));
    let mut list = vec![
        case("curanmor sukarami", "curanmor sukarami"),
        case("motor hilang", "motor hilang"),
        case("begal", "begal"),
        case("penipuan online", "penipuan online"),
        case("tipu transfer", "tipu transfer"),
        case("macet ampera", "macet ampera"),
        case("kecelakaan truk", "kecelakaan truk"),
        case("\"jembatan ampera\"", "\"jembatan ampera\""),
        case("narkoba -ganja", "narkoba NOT ganja"),
        case("judi OR togel", "judi OR togel"),
        case("pungli oknum", "pungli oknum"),
        case("tawuran pelajar", "tawuran pelajar"),
        case("kebakaran rumah", "kebakaran rumah"),
        case("anak hilang", "anak hilang"),
        case("pencurain", "pencurain"),
        Case {
            siaga: ticket.to_string(),
            fts: None,
            filter: ReportFilter::default(),
            sql_filter: format!("m.ticket = '{ticket}'"),
        },
        Case {
            siaga: phone_local.to_string(),
            fts: None,
            filter: ReportFilter::default(),
            sql_filter: format!("m.phone = '{phone_e164}'"),
        },
        Case {
            siaga: "begal bulan lalu".to_string(),
            fts: Some("begal".to_string()),
            filter: ReportFilter::default(),
            sql_filter: format!(
                "m.created >= {} AND m.created < {}",
                last_month.0.timestamp(),
                last_month.1.timestamp()
            ),
        },
        Case {
            siaga: "motor".to_string(),
            fts: Some("motor".to_string()),
            filter: ReportFilter {
                status: vec![ReportStatus::Forwarded],
                unit_code: Some("POLRESTABES_PALEMBANG".to_string()),
                ..ReportFilter::default()
            },
            sql_filter: "m.status = 'FORWARDED' AND m.unit_path LIKE '%/POLRESTABES_PALEMBANG/%'"
                .to_string(),
        },
        Case {
            siaga: "kecelakaan".to_string(),
            fts: Some("kecelakaan".to_string()),
            filter: ReportFilter {
                category: vec!["kecelakaan_lalin".to_string()],
                has_media: Some(true),
                created_from: Some(month_start(2026, 1)),
                ..ReportFilter::default()
            },
            sql_filter: format!(
                "m.category = 'kecelakaan_lalin' AND m.has_media = 1 AND m.created >= {}",
                month_start(2026, 1).timestamp()
            ),
        },
    ];
    list.truncate(20);
    list
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                dir_size(&path)
            } else {
                entry.metadata().map(|m| m.len()).unwrap_or(0)
            }
        })
        .sum()
}

fn build_sqlite(path: &Path, docs: impl Iterator<Item = IndexDoc>) -> rusqlite::Result<u64> {
    let mut connection = Connection::open(path)?;
    connection.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE VIRTUAL TABLE docs USING fts5(body, summary, notes, tags,
             tokenize = 'unicode61 remove_diacritics 2');
         CREATE TABLE meta(rowid INTEGER PRIMARY KEY, ticket TEXT, phone TEXT, category TEXT,
             status TEXT, unit TEXT, unit_path TEXT, priority TEXT, created INTEGER,
             has_media INTEGER);",
    )?;
    let transaction = connection.transaction()?;
    let mut count = 0;
    {
        let mut insert_text = transaction.prepare(
            "INSERT INTO docs(rowid, body, summary, notes, tags) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut insert_meta = transaction
            .prepare("INSERT INTO meta VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")?;
        for doc in docs {
            let id = doc.report_id.get() as i64;
            insert_text.execute(params![
                id,
                doc.citizen_texts.join("\n"),
                doc.summary.unwrap_or_default(),
                doc.notes.join("\n"),
                doc.tags.join(" "),
            ])?;
            insert_meta.execute(params![
                id,
                doc.ticket.as_str(),
                doc.reporter_phone,
                doc.category,
                doc.status.as_str(),
                doc.unit_path.last(),
                format!("/{}/", doc.unit_path.join("/")),
                doc.priority.map(|priority| priority.as_str()),
                doc.created_at.timestamp(),
                doc.has_media as i64,
            ])?;
            count += 1;
        }
    }
    transaction.commit()?;
    connection.execute_batch(
        "CREATE INDEX meta_ticket ON meta(ticket); CREATE INDEX meta_phone ON meta(phone);
         CREATE INDEX meta_created ON meta(created);",
    )?;
    Ok(count)
}

/// The FROM and WHERE of a case: the full-text match (if any) joined with its filter.
fn sql_parts(case: &Case) -> (&'static str, String) {
    let mut conditions = Vec::new();
    if case.fts.is_some() {
        conditions.push("docs MATCH ?1".to_string());
    }
    if !case.sql_filter.is_empty() {
        conditions.push(case.sql_filter.clone());
    }
    let from = if case.fts.is_some() {
        "docs JOIN meta m ON m.rowid = docs.rowid"
    } else {
        "meta m"
    };
    (from, conditions.join(" AND "))
}

/// Top 20 by bm25 plus the four facet counts over the whole match set: the work siaga does.
fn sqlite_query(connection: &Connection, case: &Case) -> rusqlite::Result<usize> {
    let (from, condition) = sql_parts(case);
    let order = if case.fts.is_some() {
        "ORDER BY bm25(docs)"
    } else {
        ""
    };
    let run = |sql: String| -> rusqlite::Result<usize> {
        let mut statement = connection.prepare_cached(&sql)?;
        let mut rows = match &case.fts {
            Some(fts) => statement.query(params![fts])?,
            None => statement.query([])?,
        };
        let mut count = 0;
        while rows.next()?.is_some() {
            count += 1;
        }
        Ok(count)
    };
    let hits = run(format!(
        "SELECT m.rowid FROM {from} WHERE {condition} {order} LIMIT 20"
    ))?;
    for field in ["category", "status", "unit", "priority"] {
        run(format!(
            "SELECT m.{field}, count(*) FROM {from} WHERE {condition} GROUP BY m.{field}"
        ))?;
    }
    Ok(hits)
}

fn sqlite_total(connection: &Connection, case: &Case) -> rusqlite::Result<u64> {
    let (from, condition) = sql_parts(case);
    let sql = format!("SELECT count(*) FROM {from} WHERE {condition}");
    let mut statement = connection.prepare(&sql)?;
    match &case.fts {
        Some(fts) => statement.query_row(params![fts], |row| row.get(0)),
        None => statement.query_row([], |row| row.get(0)),
    }
}

/// The siaga index of `count` reports in `dir`: the one already there when it opens and holds
/// as many (`SIAGA_BENCH_INDEX`), else rebuilt. Returns the indexing rate when it was built.
fn siaga_index(
    dir: &Path,
    corpus: &Corpus,
    count: u64,
    reuse: bool,
) -> anyhow::Result<Option<f64>> {
    if reuse
        && let Ok(index) = SearchIndex::open(dir, Analyzer::sumsel())
        && index.num_docs() == count
    {
        println!(
            "siaga: reusing the index of {count} reports in {}",
            dir.display()
        );
        return Ok(None);
    }
    let started = Instant::now();
    let indexed = SearchIndex::rebuild(
        dir,
        Analyzer::sumsel(),
        corpus.reports(count, SEED),
        count,
        siaga::search::IndexMemory::default().rebuild_writer_bytes,
        |_| {},
    )?;
    let elapsed = started.elapsed().as_secs_f64();
    let rate = indexed as f64 / elapsed;
    println!("siaga: indexed {indexed} in {elapsed:.1} s = {rate:.0} reports/s");
    Ok(Some(rate))
}

/// One query's results as text, for `SIAGA_BENCH_DUMP`.
fn dump_results(query: &str, results: &siaga::search::SearchResults) -> String {
    let mut text = format!("## {query}\ntotal {}\n", results.total_count);
    for hit in &results.hits {
        text.push_str(&format!(
            "{} {:.6} {}\n",
            hit.report_id.get(),
            hit.score,
            hit.snippet
        ));
    }
    for facet in &results.facets {
        text.push_str(&format!("{}: {:?}\n", facet.field, facet.values));
    }
    text
}

fn main() -> anyhow::Result<()> {
    let count = env_number("SIAGA_BENCH_DOCS").unwrap_or(1_000_000);
    let runs = env_number("SIAGA_BENCH_RUNS").map_or(RUNS_PER_QUERY, |runs| runs as usize);
    let with_sqlite = env_number("SIAGA_BENCH_SQLITE") != Some(0);
    let corpus = Corpus::load();
    let work = tempfile::tempdir()?;
    let kept_index = std::env::var_os("SIAGA_BENCH_INDEX").map(std::path::PathBuf::from);
    let index_dir = kept_index
        .clone()
        .unwrap_or_else(|| work.path().join("index"));
    let sqlite_path = work.path().join("fts.sqlite");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("search bench: {count} synthetic reports, {cores} cores");

    // A ticket and a phone number that exist, for the exact-match queries.
    let sample = corpus
        .reports(count, SEED)
        .nth((count / 2) as usize)
        .expect("a report");
    let phone_e164 = sample.reporter_phone.clone().unwrap_or_default();
    let phone_local = format!("0{}", &phone_e164[2..]);

    let siaga_rate = siaga_index(&index_dir, &corpus, count, kept_index.is_some())?;

    let mut sqlite_rate = None;
    if with_sqlite {
        let started = Instant::now();
        let inserted = build_sqlite(&sqlite_path, corpus.reports(count, SEED))?;
        let sqlite_build = started.elapsed();
        let rate = inserted as f64 / sqlite_build.as_secs_f64();
        println!(
            "sqlite fts5: indexed {inserted} in {:.1} s = {rate:.0} reports/s",
            sqlite_build.as_secs_f64()
        );
        sqlite_rate = Some(rate);
    }

    let rss_before = memory_kib("VmRSS:");
    let index = SearchIndex::open(&index_dir, Analyzer::sumsel())?;
    let visibility = Visibility {
        phone_search: true,
        ..Visibility::default()
    };
    let now = end_time();
    let cases = cases(&sample.ticket, &phone_local, &phone_e164);
    let search = |case: &Case| {
        index.search(&SearchRequest {
            query: &case.siaga,
            filter: &case.filter,
            tree: &corpus.tree,
            visibility: &visibility,
            offset: 0,
            limit: 20,
            now,
            facets: true,
        })
    };

    let mut rows = Vec::new();
    let mut all_siaga = Vec::new();
    let mut all_sqlite = Vec::new();
    let mut dump = String::new();
    let connection = with_sqlite
        .then(|| Connection::open(&sqlite_path))
        .transpose()?;
    for case in &cases {
        let first = search(case)?;
        dump.push_str(&dump_results(&case.siaga, &first));
        let sqlite_hits = match &connection {
            Some(connection) => sqlite_total(connection, case)?.to_string(),
            None => "-".to_string(),
        };
        for _ in 0..3 {
            search(case)?;
            if let Some(connection) = &connection {
                sqlite_query(connection, case)?;
            }
        }
        let mut siaga_times = Vec::with_capacity(runs);
        let mut sqlite_times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            std::hint::black_box(search(case)?);
            siaga_times.push(started.elapsed());
            if let Some(connection) = &connection {
                let started = Instant::now();
                std::hint::black_box(sqlite_query(connection, case)?);
                sqlite_times.push(started.elapsed());
            }
        }
        siaga_times.sort();
        sqlite_times.sort();
        rows.push(format!(
            "| `{}` | {} | {:.2} | {:.2} | {} | {:.2} | {:.2} |",
            case.siaga,
            first.total_count,
            ms(percentile(&siaga_times, 0.5)),
            ms(percentile(&siaga_times, 0.99)),
            sqlite_hits,
            ms(percentile(&sqlite_times, 0.5)),
            ms(percentile(&sqlite_times, 0.99)),
        ));
        all_siaga.extend(siaga_times);
        all_sqlite.extend(sqlite_times);
    }
    if let Some(path) = std::env::var_os("SIAGA_BENCH_DUMP") {
        std::fs::write(path, &dump)?;
    }
    let rss_serving = memory_kib("VmRSS:");
    all_siaga.sort();
    all_sqlite.sort();
    let siaga_size = dir_size(&index_dir);
    let sqlite_size: u64 = ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| dir_size(Path::new(&format!("{}{suffix}", sqlite_path.display()))))
        .sum();
    let rate =
        |rate: Option<f64>| rate.map_or("-".to_string(), |rate| format!("{rate:.0} reports/s"));

    let mut report = String::new();
    report.push_str(&format!(
        "Search bench: {count} synthetic reports, {cores} cores, {runs} runs of each of {} queries (top 20 with facets).\n\n",
        cases.len()
    ));
    report.push_str(
        "| measure | siaga (tantivy) | SQLite FTS5 | siaga / SQLite |\n| --- | --- | --- | --- |\n",
    );
    report.push_str(&format!(
        "| indexing | {} | {} | {:.2}× |\n",
        rate(siaga_rate),
        rate(sqlite_rate),
        siaga_rate.unwrap_or(f64::NAN) / sqlite_rate.unwrap_or(f64::NAN)
    ));
    for (name, fraction) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
        let ours = ms(percentile(&all_siaga, fraction));
        let theirs = ms(percentile(&all_sqlite, fraction));
        report.push_str(&format!(
            "| query {name} | {ours:.2} ms | {theirs:.2} ms | {:.2}× |\n",
            ours / theirs
        ));
    }
    report.push_str(&format!(
        "| query max | {:.2} ms | {:.2} ms | |\n",
        ms(*all_siaga.last().unwrap_or(&Duration::ZERO)),
        ms(*all_sqlite.last().unwrap_or(&Duration::ZERO)),
    ));
    report.push_str(&format!(
        "| size on disk | {:.0} MB | {:.0} MB | {:.2}× |\n",
        siaga_size as f64 / 1e6,
        sqlite_size as f64 / 1e6,
        siaga_size as f64 / sqlite_size as f64
    ));
    report.push_str(&format!(
        "| bench process RSS after opening the index and querying | {:.0} MB (+{:.0} MB for the open index) | | |\n\n",
        rss_serving as f64 / 1024.0,
        rss_serving.saturating_sub(rss_before) as f64 / 1024.0,
    ));
    report.push_str("Per query (hits = total matches; FTS5 has no Indonesian stemming, slang or typo tolerance, so its counts differ):\n\n");
    report.push_str("| query | siaga hits | siaga p50 ms | siaga p99 ms | FTS5 hits | FTS5 p50 ms | FTS5 p99 ms |\n| --- | --- | --- | --- | --- | --- | --- |\n");
    for row in rows {
        report.push_str(&row);
        report.push('\n');
    }
    println!("\n{report}");
    let _ = std::fs::create_dir_all("target");
    std::fs::write("target/search-bench.md", &report)?;

    if env_number("SIAGA_BENCH_CRITERION") == Some(0) {
        return Ok(());
    }
    let mut criterion = Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    for case in cases.iter().take(4) {
        criterion.bench_function(
            &format!("search top 20 + facets: {}", case.siaga),
            |bench| bench.iter(|| search(case).expect("search")),
        );
    }
    criterion.final_summary();
    Ok(())
}
