"""Every read of the lakehouse: gold Delta tables through `deltalake` (no Spark, no JVM).

Reads are narrow: only the columns a page needs, and for tables partitioned by `as_of_date` only the
newest partition (or one account's rows of the history). Results are cached per table *version*: the
cache key holds the Delta version read from the log on every request, so a new `bin/cslake` run shows
up on the next page load without restarting the dashboard.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import os
import threading
from collections import OrderedDict

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import DeltaTable

# The command that writes each table, from the pipeline's declaration (io.cslake.table.TableGraph,
# generated into docs/tables.json and checked against it by TableGraphTest); `bin/cslake run` writes them all.
TABLES_JSON = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "tables.json")


def _writers(path: str = TABLES_JSON) -> dict:
    with open(path, encoding="utf-8") as f:
        return {t["name"]: t["writer"] for t in json.load(f)["tables"]}


PRODUCER = _writers()


class TableUnavailable(Exception):
    """A table the page needs is missing or empty; the message says which command writes it."""

    def __init__(self, table: str, state: str = "missing"):
        self.table = table
        self.state = state
        cmd = PRODUCER.get(table, "run")
        how = f"run `bin/cslake {cmd}` (or `bin/cslake run`)" if cmd != "run" else "run `bin/cslake run`"
        super().__init__(f"{table} is {state}: {how}")


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow → pandas with decimals as floats (money is decimal(18,4) in the tables)."""
    cols = {}
    for i, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            cols[field.name] = pc.cast(table.column(i), pa.float64())
        else:
            cols[field.name] = table.column(i)
    return pa.table(cols).to_pandas()


class Lakehouse:
    """One lakehouse folder; thread-safe, small LRU cache keyed by table version."""

    def __init__(self, root: str, cache_entries: int = 64):
        self.root = os.path.abspath(root)
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._max = cache_entries

    # -- table handles -----------------------------------------------------------------------
    def path(self, table: str) -> str:
        return os.path.join(self.root, *table.split("/"))

    def exists(self, table: str) -> bool:
        return os.path.isdir(os.path.join(self.path(table), "_delta_log"))

    def _open(self, table: str) -> DeltaTable:
        if not self.exists(table):
            raise TableUnavailable(table, "missing")
        try:
            return DeltaTable(self.path(table))
        except Exception as e:  # an unreadable log is reported like a missing table, with the reason
            raise TableUnavailable(table, f"unreadable ({type(e).__name__}: {str(e).splitlines()[0][:200]})")

    def columns(self, table: str) -> list[str]:
        return [f.name for f in self._open(table).schema().fields]

    def _cached(self, key, compute):
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = compute()
        with self._lock:
            self._cache[key] = value
            self._cache.move_to_end(key)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return value

    # -- reads -------------------------------------------------------------------------------
    def lookup(self, table: str, columns, key: str, value) -> pd.DataFrame:
        """The rows of `table` whose `key` equals `value`, `columns` only (plus key).

        The projected table is read once per Delta version and kept in memory as Arrow; each lookup is
        then an in-memory filter. For per-account histories of tables with many small files (e.g.
        churn_features: one file per snapshot and task), where a pushed-down filter still opens every
        file for every account."""
        dt = self._open(table)
        names = [f.name for f in dt.schema().fields]
        cols = [c for c in dict.fromkeys([key] + list(columns)) if c in names]
        ckey = ("lookup", table, dt.version(), tuple(cols))
        whole = self._cached(ckey, lambda: dt.to_pyarrow_dataset().to_table(columns=cols))
        return _to_pandas(whole.filter(pc.equal(whole.column(key), value)))

    def read(self, table: str, columns=None, where=None, latest_partition: bool = False,
             allow_empty: bool = False) -> pd.DataFrame:
        """Read `columns` (those that exist; None = all) of `table`.

        where: dict column -> value (equality) or list of values (IN), pushed down to Arrow.
        latest_partition: only the newest value of the table's partition column (`as_of_date`).
        Raises TableUnavailable when the table is missing, or empty (unless allow_empty)."""
        dt = self._open(table)
        version = dt.version()
        names = [f.name for f in dt.schema().fields]
        cols = names if columns is None else [c for c in columns if c in names]
        part_cols = dt.metadata().partition_columns
        part_value = None
        if latest_partition and part_cols:
            values = [p.get(part_cols[0]) for p in dt.partitions()]
            values = [v for v in values if v is not None]
            if not values:
                if allow_empty:
                    return pd.DataFrame(columns=cols)
                raise TableUnavailable(table, "empty")
            part_value = max(values)
        where_key = tuple(sorted((k, tuple(v) if isinstance(v, (list, tuple)) else v)
                                 for k, v in (where or {}).items()))
        key = (table, version, tuple(cols), where_key, part_value)

        def compute():
            dataset = dt.to_pyarrow_dataset()
            flt = None
            conds = []
            if part_value is not None:
                field = dataset.schema.field(part_cols[0])
                v = part_value
                if pa.types.is_date(field.type):
                    v = _dt.date.fromisoformat(part_value)
                conds.append(ds.field(part_cols[0]) == v)
            for k, v in (where or {}).items():
                if k not in names:
                    continue
                if isinstance(v, (list, tuple)):
                    conds.append(ds.field(k).isin(list(v)))
                else:
                    conds.append(ds.field(k) == v)
            for c in conds:
                flt = c if flt is None else (flt & c)
            return _to_pandas(dataset.to_table(columns=cols, filter=flt))

        df = self._cached(key, compute)
        if df.empty and not allow_empty and not where:
            raise TableUnavailable(table, "empty")
        return df.copy()


def fmt_money(v) -> str:
    """Money as whole units with thousands separators: 1,234,567 (— when null)."""
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return "—"
    return f"{float(v):,.0f}"


def fmt_pct(v, digits: int = 1) -> str:
    """A fraction as a percentage: 0.9731 → 97.3% (— when null)."""
    if v is None or pd.isna(v):
        return "—"
    return f"{float(v) * 100:.{digits}f}%"


def fmt_num(v, digits: int = 1) -> str:
    if v is None or pd.isna(v):
        return "—"
    if isinstance(v, (decimal.Decimal,)):
        v = float(v)
    return f"{float(v):,.{digits}f}"
