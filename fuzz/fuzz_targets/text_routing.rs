//! Any UTF-8 text through the Indonesian analyzer and the router.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    siaga::fuzzing::text_and_routing(text);
});
