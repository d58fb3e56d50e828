#!/usr/bin/env python3
"""Builds eval/train9.jsonl and eval/train9_holdout.jsonl from the compact raw files in eval/raw9:
`eval/raw2/build.py` run on this folder (same checks, same split, `--stats` as there).

With `--stats` it also counts this corpus's own registers, which raw2's heuristic does not know:
baso Minang, Medan/Batak Indonesian, the Hokkien words of Palembang's Tionghoa shopkeepers,
Bugis/Makassar particles of the coast, and English mixed into Indonesian."""
import os
import re
import runpy
import sys

here = os.path.dirname(os.path.abspath(__file__))
g = runpy.run_path(
    os.path.join(here, "..", "raw2", "build.py"),
    init_globals={"RAW_DIR": here, "SET_NAME": "train9"},
    run_name="__main__",
)
MINANG = set("""
awak ambo urang indak alun alah kini sadang patang bisuak baa dima kama manga bana capek maliang mancilok
dipukua bakalahi tabaka asok anyuik luko badarah pai pulang masuak kalua kadai pasa oto padusi amak uni uda
pitih takuik sajo nan inyo nyo tibo basuo tarimo kasih caliak manangih jatuah tariak kiro ruponyo kuciang
lah_ tingga rantau surek tanyo lai sinan siko iko sado salasai satangah bungkuih karuang dakek nio buek
""".replace("lah_", "").split())
MEDAN = set("lae bah kali kereta pajak nengok kek cemana bawak sikit inang horas mauliate godang kelen pigi".split())
TIONGHOA = set("owe cici koko ahia akong ama haiya kamsia".split())
BUGIS = set("tabe iye kodong mi pi ji ki ka".split())
ENGLISH = set("""
guys pls please literally fyi my neighbour wife and i think send someone now can report on her behalf scam
return per month ghosting what should do first hack followers recovery fake account it's really damaging
reputation is this true or hoax forwarded many times just witnessed not moving minor damage both parties
there's guy i'm scared just loud music security handle suspect anonymously how to the sites need apply
hello official thank you so much super helpful unprofessional where complain reported zero update roommate
goodbye smoke alarm insurance every saturday night drag race dangerous for pedestrians why traffic bad under
no id check at all like her legal even
""".split())
if "--stats" in sys.argv:
    rows = g["rows"]
    def has(words, r):
        return any(w in words for w in re.findall(r"[a-z']+", r["text"].lower()))
    groups = {"Minang": MINANG, "Medan/Batak": MEDAN, "Tionghoa": TIONGHOA, "Bugis/coast": BUGIS, "English mixed": ENGLISH}
    n = len(rows)
    own = [r for r in rows if any(has(ws, r) for ws in groups.values())]
    print("\nthis corpus's registers (own word lists; a message may count in more than one):")
    for name, ws in groups.items():
        k = sum(has(ws, r) for r in rows)
        print(f"  {name:14s} {k:4d} ({k/n:.1%})")
    both = [r for r in rows if g["is_register"](r["text"]) or r in own]
    print(f"colloquial/regional by either heuristic: {len(both)} ({len(both)/n:.1%})")
