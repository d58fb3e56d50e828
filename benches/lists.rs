//! Lists at archive scale: `reports` pages answered from the report catalogue, p50 and p99
//! over 100 runs of each representative request (both orders, readers of every kind, the
//! filters operators use), with the catalogue's memory and build time. Then the build from a
//! real store (sled, full report records) of `SIAGA_BENCH_STORE` reports, and a criterion
//! group over two of the requests.
//!
//! `cargo bench --bench lists` (1,000,000 reports; `SIAGA_BENCH_DOCS=N` for fewer,
//! `SIAGA_BENCH_STORE=N` for the store build, default 100,000, 0 to skip).
//! The report is printed and written to `target/lists-bench.md`.

#[path = "support/corpus.rs"]
mod corpus;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use criterion::Criterion;

use siaga::domain::access::AccessRules;
use siaga::domain::ids::UnitCode;
use siaga::domain::report::{Priority, Report, ReportStatus};
use siaga::domain::sla::SlaPolicy;
use siaga::domain::user::{Principal, Role};
use siaga::ledger::Ledger;
use siaga::profile::Profile;
use siaga::search::IndexDoc;
use siaga::store::Store;
use siaga::workflow::{
    BoundingBox, Catalogue, ListRequest, Reading, ReportCursor, ReportFilter, ReportOrder,
};

use corpus::{Corpus, end_time, memory_kib};

const SEED: u64 = 110;
const RUNS: usize = 100;

/// A synthetic report as the store keeps it, from the search bench's corpus.
fn report(doc: IndexDoc) -> Report {
    let after = |seconds: Option<i64>| {
        seconds.map(|seconds| doc.created_at + chrono::Duration::seconds(seconds))
    };
    let json = serde_json::json!({
        "id": doc.report_id, "ticket": doc.ticket, "status": doc.status, "reporter_id": 1,
        "created_at": doc.created_at, "updated_at": doc.updated_at,
        "last_activity_at": doc.updated_at,
    });
    let mut report: Report = serde_json::from_value(json).expect("a minimal report");
    report.first_action_at = after(doc.first_action_secs);
    report.forwarded_at = after(doc.forward_secs);
    report.resolved_at = after(doc.resolve_secs);
    report.category = doc.category;
    report.priority = doc.priority;
    report.assigned_unit = doc.unit_path.last().map(UnitCode::trusted);
    report.location = doc.location;
    report.has_media = doc.has_media;
    report.compartmented = doc.compartmented;
    report.summary = doc.summary;
    report.citizen_texts = doc.citizen_texts;
    // One open report in ten is in someone's hands, spread over 40 operators (`op00`…`op39`).
    let id = report.id.get();
    if !report.status.is_final() && id.is_multiple_of(10) {
        let holder = format!("op{:02}", (id / 10) % 40);
        report.assignee = Some(siaga::domain::assignment::Assignee::new(
            &holder,
            report.updated_at,
            None,
        ));
    }
    report
}

struct Case {
    name: &'static str,
    who: Principal,
    filter: ReportFilter,
    order: ReportOrder,
}

fn person(role: Role, unit: Option<&str>) -> Principal {
    Principal {
        username: format!("{}_bench", role.as_str()),
        role,
        unit: unit.map(UnitCode::trusted),
    }
}

fn cases(now: DateTime<Utc>) -> Vec<Case> {
    let operator = person(Role::Operator, None);
    let case = |name, who: &Principal, filter, order| Case {
        name,
        who: who.clone(),
        filter,
        order,
    };
    vec![
        case(
            "operator, everything, newest first",
            &operator,
            ReportFilter::default(),
            ReportOrder::NewestFirst,
        ),
        case(
            "operator, everything, queue",
            &operator,
            ReportFilter::default(),
            ReportOrder::Queue,
        ),
        case(
            "operator, NEW + TRIAGED, queue",
            &operator,
            ReportFilter {
                status: vec![ReportStatus::New, ReportStatus::Triaged],
                ..ReportFilter::default()
            },
            ReportOrder::Queue,
        ),
        case(
            "operator, overdue, queue",
            &operator,
            ReportFilter {
                overdue: Some(true),
                ..ReportFilter::default()
            },
            ReportOrder::Queue,
        ),
        case(
            "officer of a Polres, everything, queue",
            &person(Role::Officer, Some("POLRESTABES_PALEMBANG")),
            ReportFilter::default(),
            ReportOrder::Queue,
        ),
        case(
            "officer of a Polsek, FORWARDED, newest first",
            &person(Role::Officer, Some("POLSEK_PLG_ILIR_BARAT_I")),
            ReportFilter {
                status: vec![ReportStatus::Forwarded],
                ..ReportFilter::default()
            },
            ReportOrder::NewestFirst,
        ),
        case(
            "analyst, curanmor in the last 30 days, newest first",
            &person(Role::Analyst, None),
            ReportFilter {
                category: vec!["curanmor".into()],
                created_from: Some(now - chrono::Duration::days(30)),
                ..ReportFilter::default()
            },
            ReportOrder::NewestFirst,
        ),
        case(
            "supervisor, POLRES_OKI subtree, URGENT + HIGH, queue",
            &person(Role::Supervisor, None),
            ReportFilter {
                unit_code: Some("POLRES_OKI".into()),
                priority: vec![Priority::Urgent, Priority::High],
                ..ReportFilter::default()
            },
            ReportOrder::Queue,
        ),
        case(
            "operator op07, held by me, queue",
            &Principal {
                username: "op07".into(),
                role: Role::Operator,
                unit: None,
            },
            ReportFilter {
                assignee: Some("op07".into()),
                ..ReportFilter::default()
            },
            ReportOrder::Queue,
        ),
        case(
            "operator, open and held by nobody, queue",
            &operator,
            ReportFilter {
                status: ReportStatus::ALL
                    .into_iter()
                    .filter(|status| !status.is_final())
                    .collect(),
                unassigned: Some(true),
                ..ReportFilter::default()
            },
            ReportOrder::Queue,
        ),
        case(
            "operator, within Palembang with media, newest first",
            &operator,
            ReportFilter {
                has_media: Some(true),
                within: Some(BoundingBox {
                    south: -3.1,
                    west: 104.6,
                    north: -2.8,
                    east: 104.9,
                }),
                ..ReportFilter::default()
            },
            ReportOrder::NewestFirst,
        ),
    ]
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let rank = (fraction * sorted.len() as f64).ceil() as usize;
    sorted[rank.saturating_sub(1).min(sorted.len() - 1)]
}

fn ms(duration: Duration) -> String {
    format!("{:.2}", duration.as_secs_f64() * 1000.0)
}

fn main() -> anyhow::Result<()> {
    let count: u64 = std::env::var("SIAGA_BENCH_DOCS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1_000_000);
    let store_count: u64 = std::env::var("SIAGA_BENCH_STORE")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(100_000);
    let corpus = Corpus::load();
    let profile = Profile::load("sumsel")?;
    let rules: Arc<AccessRules> = Arc::new(profile.access_rules());
    let sla = SlaPolicy::default();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut out = format!("lists bench: {count} synthetic reports, {cores} cores\n\n");

    let rss_before = memory_kib("VmRSS:");
    let started = Instant::now();
    let catalogue = Catalogue::of_reports(
        corpus.reports(count, SEED).map(|doc| {
            let mut report = report(doc);
            // The catalogue keeps none of the text; no need to carry it here.
            report.citizen_texts.clear();
            report
        }),
        Arc::clone(&rules),
    );
    let built = started.elapsed();
    let size = catalogue.size();
    let rss_after = memory_kib("VmRSS:");
    out.push_str(&format!(
        "catalogue: {} reports, {:.1} MB held ({} bytes per report), RSS +{:.1} MB; built from \
         reports in memory in {:.2} s (corpus generation included)\n\n",
        size.reports,
        size.bytes as f64 / 1e6,
        size.bytes / size.reports.max(1),
        (rss_after.saturating_sub(rss_before)) as f64 / 1024.0,
        built.as_secs_f64(),
    ));

    let now = end_time();
    let page = |case: &Case, after: Option<ReportCursor>| {
        let request = ListRequest {
            filter: &case.filter,
            order: case.order,
            first: 50,
            after,
        };
        let reading = Reading {
            who: &case.who,
            tree: &corpus.tree,
            rules: &rules,
            sla: &sla,
            now,
        };
        catalogue
            .page(&reading, &request)
            .expect("a catalogue that follows no store never loses track")
    };
    out.push_str("| request (first: 50) | totalCount | p50 ms | p99 ms | next page p99 ms |\n");
    out.push_str("| --- | --- | --- | --- | --- |\n");
    for case in cases(now) {
        let mut times = Vec::with_capacity(RUNS);
        let mut first_page = None;
        for _ in 0..RUNS {
            let started = Instant::now();
            let result = page(&case, None);
            times.push(started.elapsed());
            first_page = Some(result);
        }
        let first_page = first_page.expect("ran");
        let mut next_times = Vec::with_capacity(RUNS);
        let after = first_page.cursors.last().copied();
        for _ in 0..RUNS {
            let started = Instant::now();
            std::hint::black_box(page(&case, after));
            next_times.push(started.elapsed());
        }
        times.sort();
        next_times.sort();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            case.name,
            first_page.total_count,
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            ms(percentile(&next_times, 0.99)),
        ));
    }

    if store_count > 0 {
        out.push_str(&store_build(&corpus, store_count, &rules)?);
    }
    println!("{out}");
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    std::fs::write(format!("{target}/lists-bench.md"), &out)?;

    let cases = cases(now);
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(30)
        .measurement_time(Duration::from_secs(5));
    for case in [&cases[1], &cases[4]] {
        criterion.bench_function(&format!("lists/{}", case.name), |bench| {
            bench.iter(|| page(case, None))
        });
    }
    criterion.final_summary();
    Ok(())
}

/// Writes `count` full reports (texts and all) into a real store, times building the
/// catalogue from it as `siaga serve` does at start, then writes `count / 4` more reports
/// with and without a catalogue following, to show what following costs a writer.
fn store_build(corpus: &Corpus, count: u64, rules: &Arc<AccessRules>) -> anyhow::Result<String> {
    let work = tempfile::tempdir()?;
    let store = Store::open(&work.path().join("store"))?;
    let extra = count / 4;
    let mut reports = corpus.reports(count + 2 * extra, SEED).map(report);
    let mut write = |how_many: u64| -> anyhow::Result<Duration> {
        let started = Instant::now();
        let mut left = how_many;
        while left > 0 {
            let batch: Vec<Report> = reports.by_ref().take(left.min(1000) as usize).collect();
            left -= batch.len() as u64;
            siaga::ledger::write(&store, |tx| {
                for report in &batch {
                    tx.reports().save(report)?;
                }
                Ok(())
            })?;
        }
        store.flush_blocking()?;
        Ok(started.elapsed())
    };
    let written = write(count)?;
    let unfollowed = write(extra)?;
    let started = Instant::now();
    let catalogue = Catalogue::open(&store, Arc::clone(rules))?;
    let opened = started.elapsed();
    let built_size = catalogue.size();
    let followed = write(extra)?;
    let per_report = |elapsed: Duration, reports: u64| elapsed.as_secs_f64() * 1e6 / reports as f64;
    Ok(format!(
        "\nstore build: {count} full reports written in {:.1} s; the catalogue built from the \
         store in {:.2} s ({:.1} µs per report, {} reports, {:.1} MB). Writing {extra} more \
         reports in transactions of 1,000: {:.1} µs per report with no catalogue, {:.1} µs \
         with the catalogue following ({} reports after)\n",
        written.as_secs_f64(),
        opened.as_secs_f64(),
        per_report(opened, count + extra),
        built_size.reports,
        built_size.bytes as f64 / 1e6,
        per_report(unfollowed, extra),
        per_report(followed, extra),
        catalogue.size().reports,
    ))
}
