#!/bin/bash
# scripts/first-start-memory.sh BIN STORE_DIR LABEL: memory of a first start of BIN on a fresh copy of STORE_DIR (a folder holding `data/`, e.g. the scale example's `--data DIR`);
# first start on a fresh copy; samples every 2 s until 45 s
# after /readyz 200 (the index caught up); then SIGTERM, start again, samples for 45 s.
bin=$1; from=$2; label=$3; shift 3
run=${MEM_WORK:-/tmp}/run-$label; rm -rf $run; cp -a $from $run
out=${MEM_WORK:-/tmp}/out-$label.txt; : > $out
port=$((20000 + RANDOM % 20000))
start() {
  env SIAGA_DATA_DIR=$run/data SIAGA_LISTEN=127.0.0.1:$port SIAGA_WA_APP_SECRET=scale-secret SIAGA_JWT_SECRET=scale-jwt-secret-0123456789abcdef-0123456789abcdef RUST_LOG=${LOGLEVEL:-warn} $bin serve 2>>$run/serve.log >/dev/null &
  pid=$!
}
sample() { awk '/^VmRSS:/{r=$2}/^RssAnon:/{a=$2}/^RssFile:/{f=$2}/^VmHWM:/{h=$2}END{printf "rss %d anon %d file %d hwm %d", r/1024, a/1024, f/1024, h/1024}' /proc/$pid/status; }
for phase in first restart; do
  echo "$label $phase load $(cut -d' ' -f1-3 /proc/loadavg)" >> $out
  start; t0=$(date +%s); ready=""
  while true; do
    now=$(( $(date +%s) - t0 ))
    if [ -z "$ready" ] && curl -sf -m 2 http://127.0.0.1:$port/readyz >/dev/null; then ready=$now; echo "ready after $now s" >> $out; fi
    echo "$(date +%H:%M:%S) $now s $(sample)" >> $out
    [ -n "$ready" ] && [ $((now - ready)) -ge 45 ] && break
    sleep 1
  done
  kill -TERM $pid; wait $pid
done
echo "$label done load $(cut -d' ' -f1-3 /proc/loadavg)" >> $out
cp $run/serve.log ${MEM_WORK:-/tmp}/log-$label.txt; rm -rf $run
