#!/usr/bin/env bash
# Where siaga's memory goes as the store grows: a release `siaga serve` (its own process, a
# temporary data dir) takes REPORTS new citizens' messages (each one a new report) from the load
# generator (`examples/loadgen.rs`) through HTTP, replies going to a fast mock Graph API
# (`examples/mock_meta.rs`), while this script samples the server's /proc status every 5 s:
# RssAnon (the heap: sled's cache and page table, tantivy's writer, siaga's own state) apart
# from RssFile (mapped files: tantivy's segments, reclaimable by the kernel).
#
#     scripts/memory.sh REPORTS [RATE]      # e.g. scripts/memory.sh 200000; RATE 0 = flat out
#
# It prints one line per sample and a summary (at rest before the load, the peak under load,
# at rest after it), and writes $MEM_OUT/samples.csv and $MEM_OUT/smaps_rollup.txt (the
# mappings' totals at the end). Settings (environment): MEM_BIN (folder with siaga, loadgen and
# mock_meta; default: $CARGO_TARGET_DIR/release, built first), MEM_EXTRA (more flags for
# `siaga serve`, e.g. "--memory-budget-mb 128"), MEM_DATA (reuse this data dir instead of a
# temporary one, to grow a store over several runs), MEM_OUT (default memory-out/<date>),
# MEM_CONCURRENCY (64), MEM_REST_SECONDS (20: the rest after the load).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || [ $# -gt 2 ] || ! [[ "$1" =~ ^[0-9]+$ ]] || ! [[ "${2:-0}" =~ ^[0-9]+$ ]]; then
    echo "usage: scripts/memory.sh REPORTS [RATE]   (whole numbers; RATE 0 = as fast as taken)" >&2
    exit 2
fi
reports=$1
rate=${2:-0}
# shellcheck source=scripts/lib/serve.sh
. scripts/lib/serve.sh
out=$(output_dir "${MEM_OUT:-}" memory-out)
bin=$(release_bins memory "${MEM_BIN:-}")
scratch=$(mktemp -d /tmp/siaga-memory.XXXXXX)
remove_on_exit "$scratch"
data_dir=${MEM_DATA:-$scratch/data}
secret="memory-secret-$RANDOM$RANDOM"
siaga_url="http://127.0.0.1:$(free_port)"

start_mock memory "$bin" "$out/mock_meta.log" --latency-p50-ms 20 --latency-sigma 0.3 \
    --failure-rate 0

# shellcheck disable=SC2086
TRIES=6000 start_siaga memory "$bin" "$out/siaga.log" "$data_dir" "$siaga_url" "$secret" 100000 \
    ${MEM_EXTRA:-}

status_kb() { awk -v key="$1:" '$1 == key { print $2 }' "/proc/$siaga_pid/status"; }
opened() { curl -sf "$siaga_url/metrics" | awk '$1 == "siaga_reports_opened_total" { print $2; exit }'; }
samples="$out/samples.csv"
echo "elapsed_s,phase,reports_opened,rss_mb,rss_anon_mb,rss_file_mb,store_mb" >"$samples"
started=$(date +%s)
sample() { # PHASE
    local line
    line=$(printf '%s,%s,%s,%s,%s,%s,%s' "$(($(date +%s) - started))" "$1" "$(opened)" \
        "$(($(status_kb VmRSS) / 1024))" "$(($(status_kb RssAnon) / 1024))" \
        "$(($(status_kb RssFile) / 1024))" "$(du -sm "$data_dir/store" | cut -f1)")
    echo "$line" >>"$samples"
    echo "$line"
}
sleep 5
sample rest-before
"$bin/loadgen" --target "$siaga_url" --secret "$secret" --messages "$reports" \
    --concurrency "${MEM_CONCURRENCY:-64}" --rate "$rate" >"$out/loadgen.log" 2>&1 &
loadgen_pid=$!
pids+=("$loadgen_pid")
while kill -0 "$loadgen_pid" 2>/dev/null; do
    sleep 5
    sample load
done
wait "$loadgen_pid" || { echo "memory: the load generator failed; see $out/loadgen.log" >&2; exit 1; }
for _ in $(seq $((${MEM_REST_SECONDS:-20} / 5))); do
    sleep 5
    sample rest-after
done
cp "/proc/$siaga_pid/smaps_rollup" "$out/smaps_rollup.txt"
grep -E '^(webhooks|webhook 200)' "$out/loadgen.log" || true
awk -F, 'NR > 1 {
        if ($2 == "rest-before") before = $0
        if ($2 == "load" && $4 + 0 > peak) { peak = $4 + 0; peak_line = $0 }
        if ($2 == "rest-after") after = $0
    }
    END {
        print "columns:     elapsed_s,phase,reports_opened,rss_mb,rss_anon_mb,rss_file_mb,store_mb"
        print "at rest:     " before
        print "peak (load): " peak_line
        print "rest after:  " after
    }' "$samples" | tee "$out/summary.txt"
echo "memory: samples in $samples"
