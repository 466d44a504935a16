"""notebooks/cslake_nb.py without Spark: a missing table's message names the command that writes it.

pytest notebooks/tests   (bin/test step 5)
"""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cslake_nb  # noqa: E402


@pytest.fixture
def empty_lakehouse(tmp_path):
    previous = cslake_nb.lakehouse()
    cslake_nb.lakehouse(tmp_path)
    yield tmp_path
    cslake_nb.lakehouse(previous)


def test_a_missing_gold_table_names_its_command(empty_lakehouse):
    with pytest.raises(cslake_nb.MissingTable) as e:
        cslake_nb.table("kpi_monthly")
    assert str(e.value) == (
        f"No Delta table at {empty_lakehouse / 'gold' / 'kpi_monthly'}: run `bin/cslake metrics` (or `bin/cslake demo`)"
        " to produce gold/kpi_monthly, or point CSLAKE_LAKEHOUSE at a lakehouse that has it."
    )


def test_every_declared_table_names_the_declared_command(empty_lakehouse):
    """Each table of docs/tables.json (generated from io.cslake.table.TableGraph) names its writer."""
    tables = json.loads(cslake_nb.TABLES_JSON.read_text(encoding="utf-8"))["tables"]
    assert len(tables) > 20
    # Every table by its lakehouse-relative name, the root-level _quarantine and _runs included.
    assert {"_quarantine", "_runs"} <= {t["name"] for t in tables}
    for t in tables:
        with pytest.raises(cslake_nb.MissingTable) as e:
            cslake_nb.table(t["name"])
        assert f"run `bin/cslake {t['writer']}` (or `bin/cslake demo`) to produce {t['name']}," in str(e.value)
    with pytest.raises(cslake_nb.MissingTable, match=r"run `bin/cslake score` .* to produce gold/churn_risk_latest"):
        cslake_nb.table("gold/churn_risk_latest")


def test_root_level_tables_by_bare_name(empty_lakehouse):
    """_quarantine and _runs sit at the lakehouse's root, not under gold/."""
    assert cslake_nb.path_of("_runs") == str(empty_lakehouse / "_runs")
    assert cslake_nb.path_of("kpi_monthly") == str(empty_lakehouse / "gold" / "kpi_monthly")
    with pytest.raises(cslake_nb.MissingTable, match=r"run `bin/cslake ingest` .* to produce _quarantine,"):
        cslake_nb.table("_quarantine")
