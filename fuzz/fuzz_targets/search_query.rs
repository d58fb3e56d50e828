//! The search box language on any UTF-8: parsed, planned, searched in a small index, and the
//! snippet of a text marked for it.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use siaga::fuzzing::{SearchHarness, search_query};

static HARNESS: LazyLock<SearchHarness> = LazyLock::new(SearchHarness::new);

fuzz_target!(|input: &str| {
    search_query(&HARNESS, input);
});
