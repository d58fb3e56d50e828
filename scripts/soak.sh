#!/usr/bin/env bash
# A soak run: a release build of `siaga serve` (its own process, a temporary data dir) takes
# RATE new citizens' messages per second for MINUTES, from the load generator
# (`examples/loadgen.rs`, timed mode), and answers each through a mock Graph API in a third
# process (`examples/mock_meta.rs`) that is slow and sometimes failing: log-normal latency with
# a median of 300 ms, and 10% of sends answered 500 (Graph's transient error 2, retried).
#
#     scripts/soak.sh MINUTES RATE          # e.g. scripts/soak.sh 30 200
#
# Every 10 s it samples into $SOAK_OUT/samples.csv: siaga's RSS (/proc; its anonymous part,
# the heap, and its file-backed part, mapped index files, in the last two columns), the
# durable queues' depths (`siaga_queue_depth` on /metrics), the sends the mock has in flight and its counts,
# and the p99 of the webhook's 200 over the last 10 s (the load generator's own window, also
# in windows.csv; the p99 from siaga's `siaga_webhook_seconds` histogram beside it when the
# build has one), then sled's page bookkeeping and the allocator's view (`siaga_store_memory`,
# `siaga_heap_live_bytes`, `siaga_allocator_bytes`: jemalloc's active, dirty, resident and
# metadata bytes, and allocated last) and siaga's CPU seconds, then sled's log IO buffers alive. After the load it waits up to 120 s for the outbox to drain, then prints a
# summary and exits non-zero when a criterion fails:
#   - RSS: every sample of the last 10 minutes within 10% of the sample at the 10-minute mark
#     (for runs shorter than 20 minutes: the last third against the one-third mark);
#   - outbox: after the load stops it drains (depth at most RATE within 120 s), and its mean
#     depth over the last window is at most its mean over the window before the mark + RATE;
#   - no webhook answered other than 200, and no reply failed for good.
#
# Settings (environment): SOAK_BIN (folder with siaga, loadgen and mock_meta; default: builds
# them with `cargo build --release` and uses $CARGO_TARGET_DIR/release or target/release),
# SOAK_OUT (default soak-out/<date>), SOAK_LATENCY_P50_MS (300), SOAK_LATENCY_SIGMA (0.6),
# SOAK_FAILURE_RATE (0.1), SOAK_SEND_RATE (siaga's --wa-send-rate, default 1000: Meta's
# default of 80/s per number would be the bottleneck, not the sender), SOAK_STATUSES (1: the
# mock posts `sent` and `delivered` back as Meta would; 0: not), SOAK_EXTRA (more flags for
# `siaga serve`), SOAK_CITIZENS (0, the default: every message comes from a new citizen and
# opens a report that stays open, so the store's per-report memory grows all along; N: N
# citizens write in turn, and after the first N messages each follows up its open report, a
# help line's steady state; see README, "The soak an eighth time"). Copy the binaries to a folder of their own for a long run, so that a build
# during the run does not replace them.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 2 ] || ! [[ "$1" =~ ^[0-9]+$ ]] || ! [[ "$2" =~ ^[0-9]+$ ]] || [ "$1" -eq 0 ] || [ "$2" -eq 0 ]; then
    echo "usage: scripts/soak.sh MINUTES RATE   (both whole numbers above 0)" >&2
    exit 2
fi
minutes=$1
rate=$2
seconds=$((minutes * 60))
# shellcheck source=scripts/lib/serve.sh
. scripts/lib/serve.sh
out=$(output_dir "${SOAK_OUT:-}" soak-out)
bin=$(release_bins soak "${SOAK_BIN:-}")

secret="soak-secret-$RANDOM$RANDOM"
data_dir=$(mktemp -d /tmp/siaga-soak.XXXXXX)
remove_on_exit "$data_dir"

siaga_port=$(free_port)
siaga_url="http://127.0.0.1:$siaga_port"

status_flags=()
if [ "${SOAK_STATUSES:-1}" = 1 ]; then
    status_flags=(--status-webhook "$siaga_url/webhooks/whatsapp" --secret "$secret")
fi
start_mock soak "$bin" "$out/mock_meta.log" \
    --latency-p50-ms "${SOAK_LATENCY_P50_MS:-300}" --latency-sigma "${SOAK_LATENCY_SIGMA:-0.6}" \
    --failure-rate "${SOAK_FAILURE_RATE:-0.1}" "${status_flags[@]}"

# shellcheck disable=SC2086
start_siaga soak "$bin" "$out/siaga.log" "$data_dir/data" "$siaga_url" "$secret" \
    "${SOAK_SEND_RATE:-1000}" ${SOAK_EXTRA:-}

echo "soak: $minutes min at $rate msg/s; siaga pid $siaga_pid at $siaga_url, mock at $mock_url; output in $out"
"$bin/loadgen" --target "$siaga_url" --secret "$secret" --rate "$rate" \
    --duration-seconds "$seconds" --concurrency 256 --windows "$out/windows.csv" \
    --citizens "${SOAK_CITIZENS:-0}" --follow-ups "${SOAK_FOLLOW_UPS:-0}" \
    >"$out/loadgen.log" 2>&1 &
loadgen_pid=$!
pids+=("$loadgen_pid")

metric() { # metric NAME_WITH_LABELS FILE: the value, or empty
    awk -v name="$1" '$1 == name { print $2; exit }' "$2"
}
# The p99 of siaga's own webhook histogram over the last window, from two scrapes' buckets.
histogram_p99() { # PREVIOUS CURRENT
    awk '
        FNR == 1 { file++ }
        /^siaga_webhook_seconds_bucket\{/ {
            match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
            if (file == 1) before[le] = $2; else { now[le] = $2; order[++n] = le }
        }
        END {
            if (n == 0) { print ""; exit }
            total = now["+Inf"] - before["+Inf"]
            if (total <= 0) { print ""; exit }
            for (i = 1; i <= n; i++) {
                le = order[i]
                if ((now[le] - before[le]) >= 0.99 * total) {
                    print (le == "+Inf" ? "inf" : le * 1000); exit
                }
            }
        }' "$1" "$2"
}

samples="$out/samples.csv"
echo "elapsed_s,rss_mb,outbox,media,index,mock_in_flight,mock_accepted,mock_failed,replies_sent,replies_failed,webhook_p99_ms,histogram_p99_ms,rss_anon_mb,rss_file_mb,sled_pages,sled_cached_pages,sled_cached_node_kb,threads,threads_started,heap_live_mb,je_active_mb,je_dirty_mb,je_resident_mb,je_metadata_mb,sled_cache_infos,sled_lru_entry_capacity,cpu_s,sled_io_buffers,je_allocated_mb" >"$samples"
: >"$out/tids"
started=$(date +%s)
: >"$out/metrics.prev"
loadgen_done_at=
while :; do
    sleep 10
    now=$(($(date +%s) - started))
    kill -0 "$siaga_pid" 2>/dev/null || { echo "soak: siaga died at ${now}s; see $out/siaga.log" >&2; exit 1; }
    rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$siaga_pid/status")
    anon_kb=$(awk '/^RssAnon:/ { print $2 }' "/proc/$siaga_pid/status")
    file_kb=$(awk '/^RssFile:/ { print $2 }' "/proc/$siaga_pid/status")
    threads=$(awk '/^Threads:/ { print $2 }' "/proc/$siaga_pid/status")
    # Every thread id seen so far: threads started (and perhaps ended) since the start.
    ls "/proc/$siaga_pid/task" >>"$out/tids" 2>/dev/null || true
    threads_started=$(sort -u "$out/tids" | tee "$out/tids.sorted" | wc -l)
    mv "$out/tids.sorted" "$out/tids"
    curl -sf "$siaga_url/metrics" >"$out/metrics.now" || true
    mock=$(curl -sf "$mock_url/stats" || echo '{}')
    mock_field() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" <<<"$mock"; }
    p99=$(tail -n 1 "$out/windows.csv" 2>/dev/null | awk -F, 'NR == 1 && $1 != "elapsed_s" { print $5 }')
    histogram=$(histogram_p99 "$out/metrics.prev" "$out/metrics.now")
    outbox=$(metric 'siaga_queue_depth{queue="outbox"}' "$out/metrics.now")
    node_bytes=$(metric 'siaga_store_memory{kind="cached_node_bytes"}' "$out/metrics.now")
    heap_live=$(metric siaga_heap_live_bytes "$out/metrics.now")
    mb() { local bytes; bytes=$(metric "$1" "$out/metrics.now"); if [ -n "$bytes" ]; then echo $((bytes / 1048576)); fi; }
    printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$now" "$((rss_kb / 1024))" "$outbox" \
        "$(metric 'siaga_queue_depth{queue="media"}' "$out/metrics.now")" \
        "$(metric 'siaga_queue_depth{queue="index"}' "$out/metrics.now")" \
        "$(mock_field in_flight)" "$(mock_field accepted)" "$(mock_field failed)" \
        "$(metric 'siaga_replies_total{outcome="sent"}' "$out/metrics.now")" \
        "$(metric 'siaga_replies_total{outcome="failed"}' "$out/metrics.now")" \
        "$p99" "$histogram" "$((anon_kb / 1024))" "$((file_kb / 1024))" \
        "$(metric 'siaga_store_memory{kind="pages"}' "$out/metrics.now")" \
        "$(metric 'siaga_store_memory{kind="cached_pages"}' "$out/metrics.now")" \
        "$(( ${node_bytes:-0} / 1024 ))" "$threads" "$threads_started" \
        "$(if [ -n "$heap_live" ]; then echo $((heap_live / 1048576)); fi)" \
        "$(mb 'siaga_allocator_bytes{kind="active"}')" "$(mb 'siaga_allocator_bytes{kind="dirty"}')" \
        "$(mb 'siaga_allocator_bytes{kind="resident"}')" "$(mb 'siaga_allocator_bytes{kind="metadata"}')" \
        "$(metric 'siaga_store_memory{kind="cache_infos"}' "$out/metrics.now")" \
        "$(metric 'siaga_store_memory{kind="lru_entry_capacity"}' "$out/metrics.now")" \
        "$(metric process_cpu_seconds_total "$out/metrics.now")" \
        "$(metric 'siaga_store_memory{kind="io_buffers"}' "$out/metrics.now")" \
        "$(mb 'siaga_allocator_bytes{kind="allocated"}')" >>"$samples"
    cp "$out/metrics.now" "$out/metrics.prev"
    if [ -z "$loadgen_done_at" ] && ! kill -0 "$loadgen_pid" 2>/dev/null; then
        loadgen_done_at=$now
    fi
    if [ -n "$loadgen_done_at" ]; then
        if [ "${outbox:-0}" -le "$rate" ] || [ $((now - loadgen_done_at)) -ge 120 ]; then
            break
        fi
    fi
done
wait "$loadgen_pid" || true
cp "/proc/$siaga_pid/smaps_rollup" "$out/smaps_rollup.txt" 2>/dev/null || true
cp "$out/metrics.now" "$out/metrics.final"
rm -f "$out/metrics.now" "$out/metrics.prev" "$out/tids"

awk -F, -v seconds="$seconds" -v rate="$rate" -v loadgen_done="$loadgen_done_at" \
    -v loadgen_summary="$(grep '^webhooks:' "$out/loadgen.log" || true)" \
    -v latency_summary="$(grep '^webhook 200 latency' "$out/loadgen.log" || true)" '
    NR == 1 { next }
    { t[++n] = $1; rss[n] = $2; outbox[n] = $3; p99[n] = $11; hp99[n] = $12; anon[n] = $13; file[n] = $14
      sent = $9; failed = $10; last_outbox = $3 }
    END {
        span = (seconds >= 1200) ? 600 : int(seconds / 3)
        mark = span; last_from = seconds - span
        best = -1
        for (i = 1; i <= n; i++) if (t[i] <= seconds && (best < 0 || abs(t[i] - mark) < abs(t[best] - mark))) best = i
        rss_mark = rss[best]; lo = 1e18; hi = 0; worst_p99 = 0; worst_hp99 = 0
        for (i = 1; i <= n; i++) {
            if (t[i] > last_from && t[i] <= seconds) {
                if (rss[i] < lo) lo = rss[i]; if (rss[i] > hi) hi = rss[i]
                if (anon_lo == "" || anon[i] + 0 < anon_lo) anon_lo = anon[i] + 0
                if (anon[i] + 0 > anon_hi) anon_hi = anon[i] + 0
                late_sum += outbox[i]; late_n++
            }
            if (t[i] > mark - span && t[i] <= mark) { early_sum += outbox[i]; early_n++ }
            if (t[i] <= seconds && p99[i] + 0 > worst_p99) worst_p99 = p99[i] + 0
            if (t[i] <= seconds && hp99[i] != "inf" && hp99[i] + 0 > worst_hp99) worst_hp99 = hp99[i] + 0
            if (t[i] <= seconds) { ob = outbox[i] + 0; if (ob > max_outbox) max_outbox = ob }
        }
        early = early_n ? early_sum / early_n : 0; late = late_n ? late_sum / late_n : 0
        rss_ok = (lo >= rss_mark * 0.9 && hi <= rss_mark * 1.1)
        drained = (last_outbox + 0 <= rate)
        trend_ok = (late <= early + rate)
        printf "load:    %s\n         %s\n", loadgen_summary, latency_summary
        printf "rss:     %d MB at %ds; last %ds: %d to %d MB (allowed %d to %d) -> %s\n", rss_mark, t[best], span, lo, hi, rss_mark * 0.9, rss_mark * 1.1, rss_ok ? "ok" : "FAIL"
        printf "         of which anonymous (heap): %d MB at the mark, %d to %d MB over the last %ds; mapped files %d MB at the mark, %d MB at the end\n", anon[best], anon_lo, anon_hi, span, file[best], file[n]
        printf "outbox:  mean depth %.0f over %d-%ds, %.0f over the last %ds, max %d -> %s\n", early, mark - span, mark, late, span, max_outbox, trend_ok ? "ok" : "FAIL"
        printf "drain:   depth %d %ds after the load stopped -> %s\n", last_outbox, t[n] - loadgen_done, drained ? "ok" : "FAIL"
        printf "p99:     worst 10 s window of the webhook 200: %.1f ms (load generator), %s ms (siaga histogram, bucket bound)\n", worst_p99, worst_hp99 ? worst_hp99 : "n/a"
        printf "replies: %d sent, %d failed for good\n", sent, failed
        if (!rss_ok || !drained || !trend_ok || failed + 0 > 0) exit 1
    }
    function abs(x) { return x < 0 ? -x : x }
' "$samples" | tee "$out/summary.txt"
status=${PIPESTATUS[0]}
if grep -Eq '^webhooks: [0-9]+ ok, [1-9]' "$out/loadgen.log"; then
    echo "webhooks: some were not answered 200 -> FAIL" | tee -a "$out/summary.txt"
    status=1
fi
echo "soak: samples in $samples, summary in $out/summary.txt"
exit "$status"
