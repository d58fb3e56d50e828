#!/usr/bin/env python3
"""Builds eval/train5.jsonl and eval/train5_holdout.jsonl from the compact raw files in eval/raw5:
`eval/raw2/build.py` run on this folder (same checks, same split, `--stats` as there)."""
import os
import runpy

here = os.path.dirname(os.path.abspath(__file__))
runpy.run_path(
    os.path.join(here, "..", "raw2", "build.py"),
    init_globals={"RAW_DIR": here, "SET_NAME": "train5"},
    run_name="__main__",
)
