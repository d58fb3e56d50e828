#!/usr/bin/env bash
# Bytes per report: a release build of `siaga serve` (its own process, a temporary data dir)
# takes REPORTS new citizens' messages from the load generator (each opens a report and is
# answered through the mock Graph API, which posts `sent` and `delivered` back as Meta would);
# once the outbox and the index queue are drained the server is stopped and
# `examples/store_bytes.rs` prints where the store's bytes go. With KEEP=DIR the data dir is
# moved there afterwards (for `siaga compact` or a second look).
#
#     scripts/store-bytes.sh 100000
#
# Settings (environment): BYTES_BIN (folder with siaga, loadgen, mock_meta and store_bytes;
# default: builds them), BYTES_OUT (default bytes-out/<date>), BYTES_EXTRA (more flags for
# `siaga serve`), KEEP. The keys written per table (from `/metrics`) go to key_writes.txt.
# SIAGA_SLED_CLEANUP_PERCENT and SIAGA_SLED_CONSOLIDATION reach the server (see
# `src/store/open.rs`): sled's space settings, to compare values without a rebuild.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]] || [ "$1" -eq 0 ]; then
    echo "usage: scripts/store-bytes.sh REPORTS   (a whole number above 0)" >&2
    exit 2
fi
reports=$1
# shellcheck source=scripts/lib/serve.sh
. scripts/lib/serve.sh
out=$(output_dir "${BYTES_OUT:-}" bytes-out)
if [ -z "${BYTES_BIN:-}" ]; then
    cargo build --release --example store_bytes >&2
fi
bin=$(release_bins store-bytes "${BYTES_BIN:-}")
if [ -z "${BYTES_BIN:-}" ]; then cp "$bin/examples/store_bytes" "$bin/"; fi

secret="bytes-secret-$RANDOM$RANDOM"
data_dir=$(mktemp -d /tmp/siaga-bytes.XXXXXX)
remove_on_exit "$data_dir"
siaga_port=$(free_port)
siaga_url="http://127.0.0.1:$siaga_port"
start_mock store-bytes "$bin" "$out/mock_meta.log" --latency-p50-ms 5 --latency-sigma 0.3 \
    --failure-rate 0 --status-webhook "$siaga_url/webhooks/whatsapp" --secret "$secret"
# shellcheck disable=SC2086
start_siaga store-bytes "$bin" "$out/siaga.log" "$data_dir/data" "$siaga_url" "$secret" 5000 \
    ${BYTES_EXTRA:-}

"$bin/loadgen" --target "$siaga_url" --secret "$secret" --messages "$reports" --concurrency 64 \
    | tee "$out/loadgen.log"
depth() { curl -sf "$siaga_url/metrics" | awk -v q="siaga_queue_depth{queue=\"$1\"}" '$1 == q { print $2 }'; }
for _ in $(seq 600); do
    [ "$(depth outbox)" = 0 ] && [ "$(depth index)" = 0 ] && break
    sleep 1
done
sleep 3 # the last statuses
# The keys written per table by committed writes (issue 16 part 4), per report.
curl -sf "$siaga_url/metrics" \
    | awk -v n="$reports" '/^siaga_store_(key_writes|transactions|log_bytes|log_messages)_total/ { print; if ($1 ~ /key_writes/) total += $2 }
        /^siaga_store_log_bytes_total/ { printf "  (%.0f per report)\n", $2 / n }
        END { printf "keys written per report: %.2f\n", total / n }' | tee "$out/key_writes.txt"
kill -TERM "$siaga_pid"
wait "$siaga_pid" || true
"$bin/store_bytes" --data-dir "$data_dir/data" | tee "$out/store_bytes.md"
if [ -n "${KEEP:-}" ]; then
    mv "$data_dir/data" "$KEEP"
    echo "store-bytes: the data dir is kept in $KEEP"
fi
