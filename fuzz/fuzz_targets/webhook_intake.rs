//! A webhook body, parsed and applied to a real store (twice, as Meta redelivers).
#![no_main]

use std::sync::{LazyLock, Mutex};

use libfuzzer_sys::fuzz_target;
use siaga::fuzzing::{IntakeHarness, webhook_and_intake};

static HARNESS: LazyLock<Mutex<IntakeHarness>> = LazyLock::new(Mutex::default);

fuzz_target!(|body: &[u8]| {
    let mut harness = HARNESS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    webhook_and_intake(&mut harness, body);
});
