#!/usr/bin/env python3
# Where intake's CPU goes (issue 16 part 4): sorts the samples of a profile by part, from
#     perf record -F 250 --call-graph dwarf,16384 -o prof.data -- target/release/examples/loadgen ...
#     perf script -i prof.data -F comm,tid,ip,sym --no-demangle > prof.txt
#     MSGS=20000 python3 scripts/perf_parts.py prof.txt     # MSGS: the messages of the run
# Each sample goes to the first part whose thread name or stack frames (mangled names, whose
# path components read <length><name>) match; the start (router training) and the load
# generator's main thread (deliveries built before the clock) are left out. Prints the share
# and the microseconds per message (samples / 250 Hz / MSGS) of each part.
import sys, collections, re
# Reads `perf script -F comm,tid,ip,sym` output; classifies each sample by its thread and the
# frames on its stack (mangled v0 names: path components appear as <len><name>).
RULES = [  # (category, substrings any of which on the stack), first match wins, checked in order
  ("loadgen: client and mock Graph API", ["7loadgen"]),
  ("webhook: HMAC signature", ["9signature6verify", "4hmac", "4sha2"]),
  ("webhook: parse JSON", ["7webhook18parse_notification", "7webhook5parse"]),
  ("router (presuggest)", ["7routing"]),
  ("outbox sender (attempt marks, acceptances, send)", ["6outbox"]),
  ("indexer (documents, tantivy add)", ["6search7indexer", "7tantivy"]),
  ("SLA clock", ["5clock"]),
  ("subscriptions / bus", ["7graphql", "3bus"]),
  ("metrics", ["7metrics"]),
]
INGEST_RULES = [
  ("ingest tx: sled commit", ["11transaction", "transaction"]),
]
def cat_frames(frames, rules):
    for name, subs in rules:
        for f in frames:
            if any(s in f for s in subs):
                return name
    return None
counts = collections.Counter(); other = collections.Counter(); total = 0
sub = collections.Counter()
import os
MSGS=int(os.environ.get("MSGS","20000")); HZ=250
skipped=0
def flush(comm, frames):
    global total, skipped
    if comm is None: return
    if comm.startswith("loadgen") or any("9open_core" in f or "4main" in f and "5siaga" in f for f in frames[-3:]) or any("9open_core" in f for f in frames):
        skipped += 1; return
    total += 1
    c = None
    if comm.startswith("siaga-ingest"):
        c = "ingest thread (the intake transaction)"
        # sub-breakdown
        s = None
        for name, subs in [("codec encode (serde_json + lz4)", ["5codec6encode"]), ("codec decode", ["5codec6decode"]),
                           ("catalogue watch", ["9catalogue"]), ("routing in tx", ["7routing"]),
                           ("sled tx commit", ["4sled11transaction", "4sled4tree", "4sled"]),]:
            if any(any(x in f for x in subs) for f in frames):
                s = name; break
        sub[s or "other in ingest"] += 1
    elif comm.startswith(("thrd-tantivy", "merge_thread", "segment_upd", "docstore")):
        c = "tantivy threads (indexing, merges)"
    elif comm.startswith(("siaga-flush", "sled-io", "log flusher")):
        c = "flush: sled I/O threads, fdatasync"
    elif comm.startswith("loadgen"):
        c = "loadgen main thread (deliveries built before the clock)"
    else:
        c = cat_frames(frames, RULES)
        if c is None:
            if any("5hyper" in f or "4axum" in f or "5tower" in f for f in frames):
                c = "HTTP (hyper/axum), not attributed above"
            elif any("4sled" in f for f in frames):
                c = "sled on runtime threads"
            else:
                c = "runtime other"
                leaf = next((f for f in frames if "5tokio" not in f), frames[0] if frames else "?")
                other[leaf[:140]] += 1
    counts[c] += 1
comm = None; frames = []
for line in open(sys.argv[1], errors="replace"):
    if not line.strip():
        continue
    if not line.startswith(("\t", " ")):
        flush(comm, frames)
        parts = line.split()
        comm = parts[0]; frames = []
    else:
        bits = line.strip().split(None, 1)
        frames.append(bits[1] if len(bits) > 1 else "")
flush(comm, frames)
print(f"{total} samples counted, {skipped} left out (start: router training, deliveries built)")
print(f"counted CPU: {total/HZ/MSGS*1e6:.0f} us per message")
for c, n in counts.most_common():
    print(f"{100*n/total:5.1f}%  {n/HZ/MSGS*1e6:4.0f} us  {c}")
print("-- ingest thread by part")
for c, n in sub.most_common():
    print(f"{100*n/total:5.1f}%  {n/HZ/MSGS*1e6:4.0f} us  {c}")
if "-v" in sys.argv:
    print("-- runtime other, top frames")
    for f, n in other.most_common(25):
        print(n, f)
