#!/usr/bin/env python3
"""Builds eval/train6.jsonl and eval/train6_holdout.jsonl from the compact raw files in eval/raw6:
`eval/raw2/build.py` run on this folder (same checks, same split, `--stats` as there)."""
import os
import runpy

here = os.path.dirname(os.path.abspath(__file__))
runpy.run_path(
    os.path.join(here, "..", "raw2", "build.py"),
    init_globals={"RAW_DIR": here, "SET_NAME": "train6"},
    run_name="__main__",
)
