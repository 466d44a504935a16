"""Minimal Delta Lake reader for the benchmark: the live Parquet files of a table's latest version.

Replays _delta_log (the last checkpoint, then the JSON commits after it) so DuckDB can read cslake's
tables without the delta extension. Enough for cslake's tables (no deletion vectors, no column mapping).
"""
import glob
import json
import os
import urllib.parse

import duckdb


def live_files(table):
    log = os.path.join(table, "_delta_log")
    files = {}
    start = -1
    last = os.path.join(log, "_last_checkpoint")
    if os.path.exists(last):
        with open(last) as f:
            cp = json.load(f)
        start = cp["version"]
        parts = sorted(glob.glob(os.path.join(log, "%020d.checkpoint*.parquet" % start)))
        con = duckdb.connect()
        for (path,) in con.execute(
            "select add.path from read_parquet(?) where add is not null and add.path is not null", [parts]
        ).fetchall():
            files[path] = True
        con.close()
    for commit in sorted(glob.glob(os.path.join(log, "*.json"))):
        version = int(os.path.basename(commit).split(".")[0])
        if version <= start:
            continue
        with open(commit) as f:
            for line in f:
                action = json.loads(line)
                if "add" in action:
                    files[action["add"]["path"]] = True
                elif "remove" in action:
                    files.pop(action["remove"]["path"], None)
    return [os.path.join(table, urllib.parse.unquote(p)) for p in files]


def scan(table):
    """A DuckDB table expression over the table's live files (partition columns from the path)."""
    files = live_files(table)
    if not files:
        raise RuntimeError("no live files in " + table)
    quoted = ", ".join("'" + p.replace("'", "''") + "'" for p in files)
    return "read_parquet([%s], hive_partitioning = true, union_by_name = true)" % quoted
