#!/usr/bin/env bash
# Ingest through HTTP and the CPU it costs (issue 16 part 4): a release `siaga serve` (its own
# process) takes MESSAGES new citizens' messages from the load generator (`loadgen --target`,
# its own process, concurrency 64), each answered through the mock Graph API (which posts
# `sent` and `delivered` back, as Meta would). It prints the webhook rate, the end-to-end rate
# (until the outbox and the index queue are empty) and the CPU per message of each process
# (user + system, from /proc), with the load average before and after.
#
#     scripts/ingest-rate.sh 20000
#     RATE_BIN=/tmp/before RATE_DATA=/tmp/store-100k scripts/ingest-rate.sh 20000
#
# Settings (environment): RATE_BIN (folder with siaga, loadgen and mock_meta; default: builds
# them), RATE_DATA (a data dir to run on, e.g. a copy of a kept 100k store; default: a new
# empty one), RATE_FIRST (the first citizen's number, so that runs on one kept store open new
# reports; default a random one), RATE_CONCURRENCY (64), RATE_OUT (default rate-out/<date>).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]] || [ "$1" -eq 0 ]; then
    echo "usage: scripts/ingest-rate.sh MESSAGES   (a whole number above 0)" >&2
    exit 2
fi
messages=$1
# shellcheck source=scripts/lib/serve.sh
. scripts/lib/serve.sh
out=$(output_dir "${RATE_OUT:-}" rate-out)
bin=$(release_bins ingest-rate "${RATE_BIN:-}")
scratch=$(mktemp -d /tmp/siaga-rate.XXXXXX)
remove_on_exit "$scratch"
data_dir=${RATE_DATA:-$scratch/data}
secret="rate-secret-$RANDOM$RANDOM"
siaga_url="http://127.0.0.1:$(free_port)"
start_mock ingest-rate "$bin" "$out/mock_meta.log" --latency-p50-ms 5 --latency-sigma 0.3 \
    --failure-rate 0 --status-webhook "$siaga_url/webhooks/whatsapp" --secret "$secret"
mock_pid=${pids[-1]}
TRIES=6000 start_siaga ingest-rate "$bin" "$out/siaga.log" "$data_dir" "$siaga_url" "$secret" \
    100000

depth() { curl -sf "$siaga_url/metrics" | awk -v q="siaga_queue_depth{queue=\"$1\"}" '$1 == q { print $2 }'; }
# Let the start settle (the indexer's catch-up, the SLA pass) before the clock starts.
for _ in $(seq 600); do
    [ "$(depth index)" = 0 ] && break
    sleep 1
done
sleep 2
ticks=$(getconf CLK_TCK)
cpu() { awk -v t="$ticks" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$1/stat"; }
now() { date +%s.%N; }
first=${RATE_FIRST:-$((RANDOM * 1000))}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/summary.txt"
siaga_before=$(cpu "$siaga_pid")
mock_before=$(cpu "$mock_pid")
started=$(now)
"$bin/loadgen" --target "$siaga_url" --secret "$secret" --messages "$messages" \
    --concurrency "${RATE_CONCURRENCY:-64}" --first-citizen "$first" >"$out/loadgen.log" &
loadgen_pid=$!
loadgen_cpu=0
while kill -0 "$loadgen_pid" 2>/dev/null; do
    loadgen_cpu=$(cpu "$loadgen_pid" 2>/dev/null || echo "$loadgen_cpu")
    sleep 0.2
done
wait "$loadgen_pid"
for _ in $(seq 6000); do
    [ "$(depth outbox)" = 0 ] && [ "$(depth index)" = 0 ] && break
    sleep 0.1
done
ended=$(now)
siaga_after=$(cpu "$siaga_pid")
mock_after=$(cpu "$mock_pid")
{
    cat "$out/loadgen.log"
    echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    awk -v n="$messages" -v s0="$started" -v s1="$ended" -v a0="$siaga_before" -v a1="$siaga_after" \
        -v m0="$mock_before" -v m1="$mock_after" -v l="$loadgen_cpu" 'BEGIN {
        printf "end to end (outbox and index queue empty): %d messages in %.2fs = %.0f messages/s\n", n, s1 - s0, n / (s1 - s0)
        printf "CPU per message: siaga %.0f us, mock Graph API %.0f us, load generator %.0f us (at most; sampled every 0.2 s)\n", (a1 - a0) / n * 1e6, (m1 - m0) / n * 1e6, l / n * 1e6
    }'
} | tee -a "$out/summary.txt"
kill -TERM "$siaga_pid"
wait "$siaga_pid" || true
