"""dashboard/data.py without a browser: missing and empty tables, newest partition, refresh on a new version."""

import datetime as dt

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from dashboard.app import page_overview
from dashboard.data import Lakehouse, TableUnavailable


def test_missing_and_empty_tables_name_the_command(tmp_path):
    lh = Lakehouse(str(tmp_path))
    with pytest.raises(TableUnavailable, match=r"gold/model_runs is missing: run `bin/cslake train` \(or `bin/cslake run`\)"):
        lh.read("gold/model_runs")
    schema = pa.schema([("month", pa.date32()), ("segment", pa.string()), ("mrr", pa.decimal128(18, 4))])
    write_deltalake(str(tmp_path / "gold" / "kpi_monthly"), pa.table({"month": [], "segment": [], "mrr": []},
                                                                      schema=schema))
    with pytest.raises(TableUnavailable, match=r"gold/kpi_monthly is empty: run `bin/cslake metrics`"):
        lh.read("gold/kpi_monthly", ["month", "mrr"])
    assert "gold/kpi_monthly is empty: run `bin/cslake metrics` (or `bin/cslake run`)" in str(page_overview(lh))


def test_newest_partition_and_refresh_after_a_new_version(tmp_path):
    path = str(tmp_path / "gold" / "churn_risk_scores")
    day1, day2 = dt.date(2026, 9, 30), dt.date(2026, 10, 31)
    t = pa.table({"account_id": ["a", "b"], "as_of_date": [day1, day1], "mrr_at_risk": [1.0, 2.0]})
    write_deltalake(path, t, partition_by=["as_of_date"])
    lh = Lakehouse(str(tmp_path))
    first = lh.read("gold/churn_risk_scores", ["account_id", "as_of_date", "mrr_at_risk"], latest_partition=True)
    assert sorted(first["account_id"]) == ["a", "b"]
    write_deltalake(path, pa.table({"account_id": ["c"], "as_of_date": [day2], "mrr_at_risk": [3.0]}), mode="append")
    second = lh.read("gold/churn_risk_scores", ["account_id", "as_of_date", "mrr_at_risk"], latest_partition=True)
    assert list(second["account_id"]) == ["c"], "a new Delta version is read again, newest partition only"
    assert list(lh.lookup("gold/churn_risk_scores", ["as_of_date"], "account_id", "a")["account_id"]) == ["a"]


def test_every_declared_table_names_its_declared_command(tmp_path):
    """The message of a missing table names the command docs/tables.json (TableGraph) declares."""
    import json

    from dashboard.data import TABLES_JSON

    with open(TABLES_JSON, encoding="utf-8") as f:
        tables = json.load(f)["tables"]
    assert {"gold/kpi_monthly", "gold/churn_risk_scores", "gold/model_runs", "gold/clv"} <= {t["name"] for t in tables}
    lh = Lakehouse(str(tmp_path))
    for t in tables:
        with pytest.raises(TableUnavailable) as e:
            lh.read(t["name"])
        assert str(e.value) == f"{t['name']} is missing: run `bin/cslake {t['writer']}` (or `bin/cslake run`)"
