//! Speed of the Indonesian analyzer on the 300 messages of the profile's development corpus:
//! `terms()` per message (messages/s) and per word (words/s, so ns/word = 1e9 / rate), and the
//! stemmer alone on the same words.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use siaga::text::{Analyzer, stem};

const CORPUS: &str = include_str!("../src/profile/sumsel/corpus_dev.jsonl");

fn corpus_messages() -> Vec<String> {
    CORPUS
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let message: serde_json::Value = serde_json::from_str(line).unwrap();
            message["text"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn analyze_the_corpus(criterion: &mut Criterion) {
    let analyzer = Analyzer::sumsel();
    let messages = corpus_messages();
    let word_count: usize = messages
        .iter()
        .map(|text| analyzer.tokens(text).len())
        .sum();
    let content_words: Vec<String> = messages
        .iter()
        .flat_map(|text| analyzer.tokens(text))
        .filter(|token| !analyzer.is_stopword(&token.term))
        .map(|token| token.term)
        .collect();
    eprintln!(
        "corpus: {} messages, {word_count} words after slang expansion, {} content words",
        messages.len(),
        content_words.len()
    );
    // Build the lexicon and the analyzer tables outside the measurement.
    black_box(stem("penipuan"));

    let mut group = criterion.benchmark_group("text");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("terms_per_message", |bencher| {
        bencher.iter(|| {
            for text in &messages {
                black_box(analyzer.terms(black_box(text)));
            }
        })
    });
    group.throughput(Throughput::Elements(word_count as u64));
    group.bench_function("terms_per_word", |bencher| {
        bencher.iter(|| {
            for text in &messages {
                black_box(analyzer.terms(black_box(text)));
            }
        })
    });
    group.throughput(Throughput::Elements(content_words.len() as u64));
    group.bench_function("stem_per_content_word", |bencher| {
        bencher.iter(|| {
            for word in &content_words {
                black_box(stem(black_box(word)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, analyze_the_corpus);
criterion_main!(benches);
