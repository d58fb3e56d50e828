#!/usr/bin/env bash
# Kills a release siaga with SIGKILL under load N times, and checks after each kill, before any
# redelivery, that every acknowledged delivery is on disk; then restarts, redelivers, and checks
# that nothing is stored or answered twice and that `siaga check` is clean. Not part of
# `cargo test`: it takes about 15 s per cycle. The logic is in examples/crash_cycles.rs.
#
#   scripts/crash-cycles.sh 100                 # 100 cycles, 60 new citizens each
#   scripts/crash-cycles.sh 10 --citizens 200   # more load per cycle
set -euo pipefail
cycles=${1:?usage: scripts/crash-cycles.sh CYCLES [--citizens N] [--reconcile-seconds S]}
shift
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin siaga --example crash_cycles
target=${CARGO_TARGET_DIR:-target}
exec "$target/release/examples/crash_cycles" --cycles "$cycles" --siaga "$target/release/siaga" "$@"
