//! Suggestion time per message over the dev corpus and the tuning set (target: under 100 µs per
//! message, the learned model included).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use siaga::profile::Profile;
use siaga::routing::Router;
use siaga::text::Analyzer;

fn suggestion_time(criterion: &mut Criterion) {
    let profile = Profile::load("sumsel").expect("the built-in profile loads");
    let router = Router::new(&profile, Analyzer::sumsel());
    let texts: Vec<String> = profile
        .samples
        .iter()
        .map(|sample| sample.text.clone())
        .collect();
    let mut group = criterion.benchmark_group("routing");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("suggest every corpus message", |bencher| {
        bencher.iter(|| {
            for text in &texts {
                black_box(router.suggest(&[black_box(text.as_str())], None));
            }
        });
    });
    let tuning: Vec<String> = include_str!("../eval/tuning.jsonl")
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|value| value["text"].as_str().map(str::to_string))
        .collect();
    group.throughput(Throughput::Elements(tuning.len() as u64));
    group.bench_function("suggest every tuning-set message", |bencher| {
        bencher.iter(|| {
            for text in &tuning {
                black_box(router.suggest(&[black_box(text.as_str())], None));
            }
        });
    });
    group.finish();
    let longest = texts
        .iter()
        .max_by_key(|text| text.len())
        .cloned()
        .unwrap_or_default();
    criterion.bench_function(
        "routing/suggest the longest message with a location",
        |bencher| {
            bencher.iter(|| black_box(router.suggest(&[longest.as_str()], Some((-2.99, 104.75)))));
        },
    );
    criterion.bench_function("routing/build the router", |bencher| {
        bencher.iter(|| black_box(Router::new(&profile, Analyzer::sumsel())));
    });
}

criterion_group!(benches, suggestion_time);
criterion_main!(benches);
