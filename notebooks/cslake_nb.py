"""Shared helpers of cslake's analyst notebooks (docs/notebooks.md).

spark()          a small local SparkSession with Delta Lake, bound to loopback
table(name)      a lakehouse table as a Spark DataFrame, e.g. table("gold/kpi_monthly")
lakehouse()      the lakehouse path in use (CSLAKE_LAKEHOUSE, else ../lakehouse: the demo's)

Delta's jars come from the build (target/runtime-classpath.txt, written by Maven) so the notebooks read
the tables with exactly the Delta version of the jar; without a build, delta-spark's pip helper fetches
the same version from Maven Central.
"""

import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLASSPATH_FILE = REPO / "target" / "runtime-classpath.txt"

# Which command writes each table, for the message when one is missing: the pipeline's declaration
# (io.cslake.table.TableGraph), generated into docs/tables.json and checked against it by TableGraphTest.
TABLES_JSON = REPO / "docs" / "tables.json"
_WRITERS = {t["name"]: t["writer"] for t in json.loads(TABLES_JSON.read_text(encoding="utf-8"))["tables"]}

_LAKEHOUSE = None
_SPARK = None


class MissingTable(RuntimeError):
    pass


def lakehouse(path=None):
    """Sets (when given) and returns the lakehouse path the helpers read."""
    global _LAKEHOUSE
    if path is not None:
        _LAKEHOUSE = str(path)
    if _LAKEHOUSE is None:
        _LAKEHOUSE = os.environ.get("CSLAKE_LAKEHOUSE", str(REPO / "lakehouse"))
    return _LAKEHOUSE


def _delta_jars():
    if not CLASSPATH_FILE.is_file():
        return None
    entries = CLASSPATH_FILE.read_text().strip().split(os.pathsep)
    jars = [e for e in entries if Path(e).name.startswith(("delta-spark_", "delta-storage-"))]
    if len(jars) == 2 and all(Path(j).is_file() for j in jars):
        return jars
    return None


def spark():
    """The notebook's SparkSession (created once): local[2], 2 shuffle partitions, UTC, no UI, Delta."""
    global _SPARK
    if _SPARK is not None:
        return _SPARK
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master("local[2]")
        .appName("cslake-notebook")
        .config("spark.driver.memory", "1g")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        # Delta rebuilds a table version's state in this many tasks (default 50): 2 on two threads.
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
    )
    jars = _delta_jars()
    if jars:
        builder = builder.config("spark.jars", ",".join(jars))
    else:
        from delta import configure_spark_with_delta_pip

        builder = configure_spark_with_delta_pip(builder)
    _SPARK = builder.getOrCreate()
    _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


def _qualified(name):
    """The lakehouse-relative name: a bare name means gold, except the root-level _quarantine and _runs."""
    return name if "/" in name or name.startswith("_") else "gold/" + name


def path_of(name):
    """<lakehouse>/<layer>/<table>; a bare name means gold (_quarantine and _runs sit at the root)."""
    return os.path.join(lakehouse(), _qualified(name))


def exists(name):
    """True when the table has at least one committed version (a _delta_log with a commit or checkpoint)."""
    log = Path(path_of(name)) / "_delta_log"
    return log.is_dir() and any(f.suffix in (".json", ".parquet") for f in log.iterdir())


def table(name):
    """A lakehouse table as a DataFrame; a clear error naming the command that writes it when absent."""
    p = path_of(name)
    if not exists(name):
        full = _qualified(name)
        cmd = _WRITERS.get(full, "run")
        raise MissingTable(
            f"No Delta table at {p}: run `bin/cslake {cmd}` (or `bin/cslake demo`) to produce "
            f"{full}, or point CSLAKE_LAKEHOUSE at a lakehouse that has it."
        )
    return spark().read.format("delta").load(p)


def pdf(df, limit=100_000):
    """toPandas() of a small result; refuses a large one (aggregate in Spark first)."""
    rows = df.limit(limit + 1).toPandas()
    if len(rows) > limit:
        raise ValueError(f"{limit}+ rows: aggregate in Spark before toPandas()")
    return rows


def money(x, _pos=None):
    """Axis formatter: 950, 1.5k, 12k, 4.5M."""
    a = abs(x)
    if a >= 1e6:
        return f"{x / 1e6:.1f}M"
    if a >= 1e4:
        return f"{x / 1e3:.0f}k"
    if a >= 1e3:
        return f"{x / 1e3:.1f}k"
    return f"{x:.0f}"
