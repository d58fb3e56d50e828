#!/usr/bin/env python3
"""Builds eval/train8.jsonl and eval/train8_holdout.jsonl from the compact raw files in eval/raw8:
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
    init_globals={"RAW_DIR": here, "SET_NAME": "train8"},
    run_name="__main__",
)
OWN = set("""
jingok ado dak idak nian kini kagek dio aku_ kami_ wong budak lanang betino tejerembab tegeletak bedarah ngamuk nyo
tetanggo terimo caro nak dewek dewekan bae samo la kato katonyo apo berapo cak mano ngenjuk tiduk jeme ambo dide
tetangga_sy crita kt td tp blm udh skrg sblh brp bgt msh rmh
""".replace("aku_", "").replace("kami_", "").replace("tetangga_sy", "").split())
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
    mig = [r for r in rows if any(w in OWN for w in re.findall(r"[a-z]+", r["text"].lower()))]
    vn = [r for r in rows if re.search(r"\b(crita|cerita|cerito|kata tetangga|kt tetangga|kato|lapor\.|ketua rt|ketua rw|kades melapor|shift|jaga malam|satpam|jam \d)", r["text"].lower())]
    both = [r for r in rows if g["is_register"](r["text"]) or r in mig or r in vn]
    n = len(rows)
    print(f"\nthis corpus's registers: Palembang Malay as spoken or chat shorthand (own list) {len(mig)} ({len(mig)/n:.1%}), "
          f"relayed, formal-terse or night-shift {len(vn)}; colloquial/regional by either heuristic {len(both)} ({len(both)/n:.1%})")
