//! Every committed fuzz corpus file (`fuzz/seeds/<target>/`), replayed on the stable toolchain
//! through the same entry points the libFuzzer targets call (`siaga::fuzzing`), and each crash
//! the fuzzers found, kept as a named regression test.

use std::path::{Path, PathBuf};

use siaga::fuzzing::{self, IntakeHarness, SearchHarness};

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("{}: {error}", folder.display()))
        .map(|entry| entry.expect("a readable seed").path())
        .filter(|path| path.is_file())
        .map(|path| {
            let bytes = std::fs::read(&path).expect("a readable seed");
            (path, bytes)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", folder.display());
    files
}

/// Runs `entry` on every seed of `target`, naming the seed that panics.
fn replay(target: &str, mut entry: impl FnMut(&[u8])) {
    for (path, bytes) in seeds(target) {
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| entry(bytes.as_slice())));
        if outcome.is_err() {
            panic!("fuzz seed {} panics", path.display());
        }
    }
}

/// libFuzzer hands `&str` targets only inputs that are UTF-8.
fn as_text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

#[test]
fn every_webhook_seed_parses_and_applies_to_a_store() {
    let mut harness = IntakeHarness::new();
    replay("webhook_intake", |bytes| {
        fuzzing::webhook_and_intake(&mut harness, bytes)
    });
}

#[test]
fn every_text_seed_goes_through_the_analyzer_and_the_router() {
    replay("text_routing", |bytes| {
        if let Some(text) = as_text(bytes) {
            fuzzing::text_and_routing(text);
        }
    });
}

#[test]
fn every_search_seed_is_parsed_searched_and_highlighted() {
    let harness = SearchHarness::new();
    replay("search_query", |bytes| {
        if let Some(input) = as_text(bytes) {
            fuzzing::search_query(&harness, input);
        }
    });
}

#[test]
fn every_date_seed_reads_as_a_relative_date_or_none() {
    replay("dates", fuzzing::dates);
}

#[test]
fn bytes_that_are_not_json_reach_intake_as_a_citizens_text() {
    let mut harness = IntakeHarness::new();
    for text in [
        &b"tolong motor saya dicuri di pasar 16"[..],
        b"\xff\xfe",
        b"",
    ] {
        fuzzing::webhook_and_intake(&mut harness, text);
    }
}
