#!/usr/bin/env bash
# Measures POST /media/upload with a 100 MB PDF against a real siaga process (sandbox mode):
# the time of the upload and the process's peak resident memory (VmHWM) before and after, to
# show that the file is streamed to disk rather than held in memory.
#
#   scripts/upload-memory.sh [path/to/siaga]   (default: target/release/siaga)
set -euo pipefail
binary="${1:-${CARGO_TARGET_DIR:-target}/release/siaga}"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
data="$work/data"
port=18$((RANDOM % 900 + 100))
echo "upload-secret-1" | "$binary" user add --data-dir "$data" --username uploader --role operator --password-stdin >/dev/null
"$binary" serve --data-dir "$data" --listen "127.0.0.1:$port" --jwt-secret "upload-memory-jwt-secret-0123456789abcdef" >"$work/log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token=$(curl -fs "http://127.0.0.1:$port/graphql" -H 'Content-Type: application/json' \
  -d '{"query":"mutation { login(username: \"uploader\", password: \"upload-secret-1\") { token } }"}' |
  sed 's/.*"token":"\([^"]*\)".*/\1/')
{ printf '%%PDF-1.7\n'; head -c 99990000 /dev/urandom; } >"$work/big.pdf"
before=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
start=$(date +%s.%N)
answer=$(curl -s -w ' HTTP %{http_code}' -H "Authorization: Bearer $token" \
  -F "file=@$work/big.pdf;type=application/pdf" "http://127.0.0.1:$port/media/upload")
end=$(date +%s.%N)
after=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
echo "answer: ${answer:0:160}"
printf 'file: %d bytes; upload took %.2f s\n' "$(stat -c %s "$work/big.pdf")" "$(echo "$end - $start" | bc)"
echo "peak RSS (VmHWM) before: $((before / 1024)) MiB, after: $((after / 1024)) MiB (+$(((after - before) / 1024)) MiB)"
