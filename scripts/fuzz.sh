#!/usr/bin/env bash
# Runs each fuzz target of fuzz/ (cargo-fuzz, libFuzzer) for SECONDS, one after the other, and
# prints how many inputs each one ran. Any crash stops the run with a non-zero exit; libFuzzer
# leaves the input in fuzz/artifacts/<target>/ (replay it with `cargo +nightly fuzz run
# <target> <file>`, then add it to fuzz/seeds/<target>/ once fixed).
#
#     scripts/fuzz.sh [SECONDS] [TARGET...]    # default: 600 seconds, every target
#     scripts/fuzz.sh --merge [TARGET...]      # minimise fuzz/seeds/<target> with what the
#                                              # runs found (libFuzzer -merge=1)
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Each target starts
# from its committed seeds (fuzz/seeds/<target>, from tests/fixtures and the profile corpus)
# and keeps what it finds in fuzz/corpus/<target> (not committed). Builds go to
# $CARGO_TARGET_DIR/fuzz when CARGO_TARGET_DIR is set, else fuzz/target. Set FUZZ_NICE=10 to
# run at a lower priority. FUZZ_SANITIZER (default none: the findings sought are panics in
# safe code, and without AddressSanitizer each target runs two to three times as many inputs)
# is passed to `cargo fuzz -s`; set it to address to look for memory errors as well.
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(webhook_intake text_routing search_query dates)
mode=run
seconds=600
if [ "${1:-}" = "--merge" ]; then
    mode=merge
    shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
    seconds=$1
    shift
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=("${all_targets[@]}")
fi

toolchain=${FUZZ_TOOLCHAIN:-nightly}
target_dir=${CARGO_TARGET_DIR:+$CARGO_TARGET_DIR/fuzz}
target_dir=${target_dir:-$PWD/fuzz/target}
sanitizer=${FUZZ_SANITIZER:-none}
nice_level=${FUZZ_NICE:-0}

max_len_of() {
    case "$1" in
        webhook_intake) echo 16384 ;;
        *) echo 4096 ;;
    esac
}

# `fuzz run TARGET [CORPUS...] -- [LIBFUZZER OPTIONS...]`, with our build options before the
# `--` (after it they would go to libFuzzer).
fuzz_run() {
    local target=$1
    shift
    nice -n "$nice_level" cargo "+$toolchain" fuzz run --fuzz-dir fuzz \
        --target-dir "$target_dir" --sanitizer "$sanitizer" --debug-assertions "$target" "$@"
}

summary=()
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target" "fuzz/logs"
    dictionary=()
    if [ -f "fuzz/dict/$target.dict" ]; then
        dictionary=("-dict=fuzz/dict/$target.dict")
    fi
    if [ "$mode" = merge ]; then
        merged=$(mktemp -d)
        fuzz_run "$target" "$merged" "fuzz/seeds/$target" "fuzz/corpus/$target" -- \
            -merge=1 -max_len="$(max_len_of "$target")" "${dictionary[@]}"
        rm -rf "fuzz/seeds/$target"
        mv "$merged" "fuzz/seeds/$target"
        chmod 755 "fuzz/seeds/$target"
        summary+=("$target: $(find "fuzz/seeds/$target" -type f | wc -l) seeds after merging")
        continue
    fi
    log="fuzz/logs/$target.log"
    echo "== $target for ${seconds}s (log: $log)"
    status=0
    fuzz_run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -max_len="$(max_len_of "$target")" -timeout=20 \
        -rss_limit_mb=3072 -print_final_stats=1 "${dictionary[@]}" >"$log" 2>&1 || status=$?
    executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    if [ "$status" -ne 0 ]; then
        tail -n 60 "$log"
        echo "$target: FAILED after $executions executions (exit $status); see $log and fuzz/artifacts/$target/" >&2
        exit 1
    fi
    summary+=("$target: $executions executions in ${seconds}s, no crash")
done
printf '%s\n' "${summary[@]}"
