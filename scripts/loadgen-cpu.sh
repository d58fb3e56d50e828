#!/usr/bin/env bash
# The in-process load generator (siaga, the mock Graph API and the clients in one process) with
# the CPU it spends per message over its timed window (issue 16 part 4). The process's user +
# system time is sampled every 0.1 s from /proc; the window is the "end to end" time the load
# generator prints, counted back from its last sample, so the router's training at start and
# the deliveries built before the clock are left out.
#
#     scripts/loadgen-cpu.sh target/release/examples/loadgen --messages 30000 --concurrency 64
#
# Prints the load generator's output, the load average before and after, and the CPU per
# message (whole process: siaga, mock Graph API and load generator together).
set -euo pipefail
if [ $# -lt 1 ] || ! [ -x "$1" ]; then
    echo "usage: scripts/loadgen-cpu.sh LOADGEN_BINARY [LOADGEN FLAGS...]" >&2
    exit 2
fi
binary=$1
shift
log=$(mktemp /tmp/siaga-loadgen-cpu.XXXXXX)
trap 'rm -f "$log" "$log.out"' EXIT
ticks=$(getconf CLK_TCK)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$binary" "$@" >"$log.out" &
pid=$!
while [ -r "/proc/$pid/stat" ]; do
    # Time (s) and user + system ticks; the command name has no spaces here.
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || break
    echo "$(date +%s.%N) $(echo "$stat" | awk '{ print $14 + $15 }')" >>"$log"
    sleep 0.1
done
wait "$pid"
cat "$log.out"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
window=$(sed -n 's/^end to end: \([0-9]*\) messages stored and answered in \([0-9.]*\)s.*/\1 \2/p' "$log.out")
[ -n "$window" ] || { echo "loadgen-cpu: no end-to-end line"; exit 1; }
awk -v t="$ticks" -v window="$window" 'BEGIN { split(window, w, " ") }
    { time[NR] = $1; cpu[NR] = $2 }
    END {
        # The last samples are after the window (the metrics read, the exit): end at the
        # last sample, start the window before it.
        end = NR; start = 1
        for (i = NR; i >= 1; i--) if (time[end] - time[i] >= w[2]) { start = i; break }
        printf "CPU per message over the last %.1f s: %.0f us (whole process, %d messages)\n",
            time[end] - time[start], (cpu[end] - cpu[start]) / t / w[1] * 1e6, w[1]
    }' "$log"
