# Shared by scripts/soak.sh and scripts/memory.sh (sourced, not run): release binaries, a free
# port, the mock Graph API and a `siaga serve` waited for until ready. Each function takes the
# calling script's name first, for its messages; processes started are appended to `pids`.

# release_bins NAME DIR: prints DIR when set, else builds siaga, loadgen and mock_meta with
# `cargo build --release` and prints the folder they are in; exits when one is missing.
release_bins() {
    local name=$1 dir=$2
    if [ -z "$dir" ]; then
        cargo build --release --bin siaga --example loadgen --example mock_meta >&2
        dir=${CARGO_TARGET_DIR:-target}/release
        for binary in loadgen mock_meta; do cp "$dir/examples/$binary" "$dir/"; done
    fi
    for binary in siaga loadgen mock_meta; do
        [ -x "$dir/$binary" ] || { echo "$name: $dir/$binary is missing" >&2; exit 2; }
    done
    echo "$dir"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_mock NAME BIN_DIR LOG ARGS...: starts mock_meta on a free port and sets `mock_url`.
start_mock() {
    local name=$1 bin=$2 log=$3
    shift 3
    "$bin/mock_meta" --listen 127.0.0.1:0 "$@" >"$log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do
        grep -q '^listening on ' "$log" 2>/dev/null && break
        sleep 0.1
    done
    mock_url=$(sed -n 's/^listening on //p' "$log")
    [ -n "$mock_url" ] || { echo "$name: the mock Graph API did not start" >&2; exit 1; }
}

# wait_ready NAME URL PID LOG: waits (up to TRIES tenths of a second, default 600) for
# /readyz, and exits when the server dies or never gets ready.
wait_ready() {
    local name=$1 url=$2 pid=$3 log=$4
    for _ in $(seq "${TRIES:-600}"); do
        curl -sf "$url/readyz" >/dev/null 2>&1 && return 0
        kill -0 "$pid" 2>/dev/null || { echo "$name: siaga exited; see $log" >&2; exit 1; }
        sleep 0.1
    done
    curl -sf "$url/readyz" >/dev/null || { echo "$name: siaga never became ready" >&2; exit 1; }
}

# remove_on_exit DIR: on exit, stops every process in `pids`, then removes DIR.
remove_on_exit() {
    scratch_dir=$1
    pids=()
    trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
          wait 2>/dev/null || true
          rm -rf "$scratch_dir"' EXIT
}

# start_siaga NAME BIN_DIR LOG DATA_DIR URL SECRET SEND_RATE [FLAGS...]: `siaga serve` against
# the mock at `mock_url`, JSON logs at warn, waited for until ready; sets `siaga_pid`.
start_siaga() {
    local name=$1 bin=$2 log=$3 data=$4 url=$5 secret=$6 send_rate=$7
    shift 7
    SIAGA_DATA_DIR="$data" SIAGA_LISTEN="${url#http://}" \
        SIAGA_WA_APP_SECRET="$secret" SIAGA_WA_ACCESS_TOKEN="$name-token" \
        SIAGA_WA_PHONE_NUMBER_ID=112233445566778 SIAGA_WA_GRAPH_URL="$mock_url" \
        SIAGA_WA_SEND_RATE="$send_rate" SIAGA_LOG_FORMAT=json RUST_LOG=warn \
        "$bin/siaga" serve "$@" >"$log" 2>&1 &
    siaga_pid=$!
    pids+=("$siaga_pid")
    wait_ready "$name" "$url" "$siaga_pid" "$log"
}

# output_dir DIR PREFIX: prints DIR (or PREFIX/<UTC time> when empty) made and absolute.
output_dir() {
    local dir=${1:-$2/$(date -u +%Y%m%dT%H%M%SZ)}
    mkdir -p "$dir"
    (cd "$dir" && pwd)
}
