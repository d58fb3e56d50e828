#!/usr/bin/env python3
"""Builds eval/train7.jsonl and eval/train7_holdout.jsonl from the compact raw files in eval/raw7:
`eval/raw2/build.py` run on this folder (same checks, same split, `--stats` as there).

With `--stats` it also counts this corpus's own registers, which raw2's heuristic does not know:
Javanese, Sundanese and Lampung words mixed into Indonesian, voice-note and forwarded texts."""
import os
import re
import runpy
import sys

here = os.path.dirname(os.path.abspath(__file__))
g = runpy.run_path(
    os.path.join(here, "..", "raw2", "build.py"),
    init_globals={"RAW_DIR": here, "SET_NAME": "train7"},
    run_name="__main__",
)
MIGRANT = set("""
aku_ora ora wis isih saiki wingi bengi omah bojo bocah tonggo kobong geni mlayu ngumpet wedi
nggowo krungu ketok getih getihe getihen gelut digebuki mendem kae iki ning nang karo sing opo piye
kulo nggih mboten sampun ngapunten nyuwun matur nuwun simbah mbah mbak mbakku sikil lawang dewe
ambruk tiba obah mulih durung ilang wonge anakku nganggo nyedak mburi mlebu metu
abdi teu aya ayeuna peuting imah budak kahuruan palid sieun urang geus can keur nu di_dieu
walungan nareangan kamari seuneuna tatangga kaluar ningali ngahadang eureun batur punten ieu
nyak ram mak ganta wat jelma lamban bingi sanak mulang sikam
""".replace("aku_ora", "").replace("di_dieu", "").split())
if "--stats" in sys.argv:
    rows = g["rows"]
    mig = [r for r in rows if any(w in MIGRANT for w in re.findall(r"[a-z]+", r["text"].lower()))]
    vn = [r for r in rows if re.search(r"\b(vn|pesan suara|transkrip|diteruskan|teruskan)\b", r["text"].lower())]
    both = [r for r in rows if g["is_register"](r["text"]) or r in mig or r in vn]
    n = len(rows)
    print(f"\nthis corpus's registers: Javanese/Sundanese/Lampung-mixed {len(mig)} ({len(mig)/n:.1%}), "
          f"voice notes or forwarded {len(vn)}; colloquial/regional by either heuristic {len(both)} ({len(both)/n:.1%})")
