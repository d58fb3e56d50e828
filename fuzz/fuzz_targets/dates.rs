//! Indonesian relative dates ("kemarin", "7 hari terakhir", "maret 2026") at any clock.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    siaga::fuzzing::dates(data);
});
