"""Started against an empty folder, every page says which table is missing and which command writes it."""

import pytest
from selenium.webdriver.common.by import By

from .helpers import assert_no_error, screenshot, visit

PAGES = [("overview", "/overview", "gold/kpi_monthly is missing: run `bin/cslake metrics` (or `bin/cslake run`)"),
         ("at-risk", "/at-risk", "gold/churn_risk_scores is missing: run `bin/cslake score` (or `bin/cslake run`)"),
         ("account", "/account/A-1", "gold/account_360 is missing: run `bin/cslake score` (or `bin/cslake run`)"),
         ("team", "/team", "gold/cs_team_kpis is missing: run `bin/cslake metrics` (or `bin/cslake run`)"),
         ("model", "/model", "gold/model_runs is missing: run `bin/cslake train` (or `bin/cslake run`)")]


@pytest.fixture(scope="module")
def empty_app(start_dashboard, tmp_path_factory):
    return start_dashboard(str(tmp_path_factory.mktemp("empty-lakehouse")))


@pytest.mark.parametrize("page_id,path,expected", PAGES, ids=[p[0] for p in PAGES])
def test_empty_lakehouse_explains(empty_app, browser, screenshots, page_id, path, expected):
    visit(browser, empty_app.url + path, page_id)
    assert_no_error(browser, f"empty {page_id}")
    missing = [m.text for m in browser.find_elements(By.CSS_SELECTOR, ".missing")]
    assert expected in missing, missing
    assert all("bin/cslake" in m for m in missing), missing
    screenshot(browser, screenshots, f"empty-{page_id}")
