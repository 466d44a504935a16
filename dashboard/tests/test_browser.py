"""The dashboard against the demo's lakehouse, in headless Chromium.

Every page is visited; none may show an error; the figures shown are compared with values this test
computes itself from the gold tables (read here with deltalake, independently of dashboard/data.py);
one click goes from the at-risk list into an account; a screenshot of each page is saved.
"""

import datetime as dt
import os

import pyarrow.compute as pc
import pyarrow.dataset as pads
import pytest
from deltalake import DeltaTable
from selenium.webdriver.common.by import By

from .helpers import assert_no_error, screenshot, text_of, visit, wait_page

PAGE_SECONDS = 30  # generous: the demo lakehouse loads in well under a second per page


def table(lakehouse, name, columns=None, flt=None):
    t = DeltaTable(os.path.join(lakehouse, "gold", name)).to_pyarrow_dataset().to_table(columns=columns, filter=flt)
    return t.to_pylist()


def latest_date(lakehouse, name):
    parts = DeltaTable(os.path.join(lakehouse, "gold", name)).partitions()
    return dt.date.fromisoformat(max(p["as_of_date"] for p in parts))


def money(v):
    return f"{float(v):,.0f}"


def pct(v, digits=1):
    return f"{float(v) * 100:.{digits}f}%"


@pytest.fixture(scope="module")
def app(start_dashboard, lakehouse):
    return start_dashboard(lakehouse)


def test_overview(app, browser, lakehouse, screenshots):
    visit(browser, app.url + "/overview", "overview")
    assert_no_error(browser, "overview")
    assert not browser.find_elements(By.CSS_SELECTOR, ".missing"), "the demo lakehouse has every overview table"
    rows = table(lakehouse, "kpi_monthly", flt=pads.field("segment") == "ALL")
    last = max(rows, key=lambda r: r["month"])
    assert text_of(browser, "kpi-mrr") == money(last["mrr"])
    assert text_of(browser, "kpi-arr") == money(last["arr"])
    assert text_of(browser, "kpi-nrr") == pct(last["nrr"])
    assert text_of(browser, "kpi-grr") == pct(last["grr"])
    assert text_of(browser, "kpi-logo-churn") == pct(last["logo_churn_rate"], 2)
    assert text_of(browser, "kpi-nps") == f"{last['nps']:,.1f}"
    assert text_of(browser, "kpi-csat") == f"{last['csat']:,.1f}"
    # the waterfall, the three trend charts and the cohort heatmap are drawn
    assert len(browser.find_elements(By.CSS_SELECTOR, ".dash-graph .main-svg")) >= 5
    assert browser.find_elements(By.CSS_SELECTOR, "#waterfall-graph .waterfalllayer path")
    assert browser.find_elements(By.CSS_SELECTOR, "#cohort-graph .heatmaplayer .hm")
    screenshot(browser, screenshots, "overview")


def test_at_risk_then_account(app, browser, lakehouse, screenshots):
    visit(browser, app.url + "/at-risk", "at-risk")
    assert_no_error(browser, "at-risk")
    assert not browser.find_elements(By.CSS_SELECTOR, ".missing")
    day = latest_date(lakehouse, "churn_risk_scores")
    scores = table(lakehouse, "churn_risk_scores", ["account_id", "churn_probability", "mrr_at_risk", "risk_band"],
                   pads.field("as_of_date") == day)
    assert text_of(browser, "risk-accounts") == f"{len(scores):,}"
    assert text_of(browser, "risk-high-count") == f"{sum(r['risk_band'] == 'high' for r in scores):,}"
    scores.sort(key=lambda r: (-r["mrr_at_risk"], r["account_id"]))
    top = scores[0]
    header = [h.text.strip() for h in browser.find_elements(By.CSS_SELECTOR, "#risk-table th.dash-header")]
    first = [tr for tr in browser.find_elements(By.CSS_SELECTOR, "#risk-table tbody tr")
             if tr.find_elements(By.CSS_SELECTOR, "td")][0]
    cells = first.find_elements(By.CSS_SELECTOR, "td")
    shown = dict(zip(header, [c.text.strip() for c in cells]))
    assert shown["Account"] == top["account_id"]
    assert shown["Churn probability"] == pct(top["churn_probability"])
    assert shown["MRR at risk"] == money(top["mrr_at_risk"])
    assert shown["Top drivers"], "the top account's drivers are shown in words"
    screenshot(browser, screenshots, "at-risk")

    # one click from the list into the account
    browser.find_element(By.CSS_SELECTOR, "#risk-table tbody tr td a").click()
    wait_page(browser, "account")
    assert browser.current_url.endswith("/account/" + top["account_id"])
    assert_no_error(browser, "account")
    assert not browser.find_elements(By.CSS_SELECTOR, ".missing")
    acc = browser.find_element(By.ID, "page-account").get_attribute("data-account")
    assert acc == top["account_id"]
    assert text_of(browser, "account-churn-probability") == pct(top["churn_probability"])
    assert text_of(browser, "account-mrr-at-risk") == money(top["mrr_at_risk"])
    hday = latest_date(lakehouse, "account_health")
    health = table(lakehouse, "account_health", ["health_score"],
                   (pads.field("as_of_date") == hday) & (pads.field("account_id") == acc))
    assert text_of(browser, "account-health-score") == f"{health[0]['health_score']:,.1f}"
    alerts = table(lakehouse, "playbook_alerts", ["status"], pads.field("account_id") == acc)
    n_open = sum(a["status"] == "open" for a in alerts)
    assert browser.find_element(By.ID, "account-alerts").get_attribute("data-count") == str(n_open)
    assert browser.find_elements(By.CSS_SELECTOR, "#account-drivers li"), "drivers listed"
    assert len(browser.find_elements(By.CSS_SELECTOR, ".dash-graph .main-svg")) >= 6
    screenshot(browser, screenshots, "account")


def test_team(app, browser, lakehouse, screenshots):
    visit(browser, app.url + "/team", "team")
    assert_no_error(browser, "team")
    assert not browser.find_elements(By.CSS_SELECTOR, ".missing")
    a360 = table(lakehouse, "account_360", ["csm_id"])
    book = {}
    for r in a360:
        book[r["csm_id"] or "(no CSM)"] = book.get(r["csm_id"] or "(no CSM)", 0) + 1
    alerts = table(lakehouse, "playbook_alerts", ["csm_id", "status"])
    open_by = {}
    for a in alerts:
        if a["status"] == "open":
            open_by[a["csm_id"] or "(no CSM)"] = open_by.get(a["csm_id"] or "(no CSM)", 0) + 1
    assert text_of(browser, "team-open-alerts") == f"{sum(open_by.values()):,}"
    header = [h.text.strip() for h in browser.find_elements(By.CSS_SELECTOR, "#team-table th.dash-header")]
    rows = [tr for tr in browser.find_elements(By.CSS_SELECTOR, "#team-table tbody tr")
            if tr.find_elements(By.CSS_SELECTOR, "td")]
    checked = 0
    for tr in rows:
        shown = dict(zip(header, [c.text.strip() for c in tr.find_elements(By.CSS_SELECTOR, "td")]))
        csm = shown["CSM"]
        if csm in book:
            assert shown["Accounts (book)"] == f"{book[csm]:,}", csm
            assert shown["Open alerts"] == f"{open_by.get(csm, 0):,}", csm
            checked += 1
    assert checked > 0
    screenshot(browser, screenshots, "team")


def test_model(app, browser, lakehouse, screenshots):
    visit(browser, app.url + "/model", "model")
    assert_no_error(browser, "model")
    assert not browser.find_elements(By.CSS_SELECTOR, ".missing")
    runs = table(lakehouse, "model_runs", ["model_version", "trained_at", "roc_auc", "pr_auc", "lift_top_decile"])
    last = max(runs, key=lambda r: r["trained_at"])
    assert text_of(browser, "model-version") == last["model_version"]
    assert text_of(browser, "model-roc-auc") == f"{last['roc_auc']:,.3f}"
    assert text_of(browser, "model-pr-auc") == f"{last['pr_auc']:,.3f}"
    assert text_of(browser, "model-lift") == f"{last['lift_top_decile']:,.2f}"
    for gid in ("model-calibration", "model-lift-chart", "model-importances"):
        assert browser.find_elements(By.CSS_SELECTOR, f"#{gid} .main-svg"), gid
    screenshot(browser, screenshots, "model")


def test_navigation_links(app, browser):
    """The header's links reach every page without a full reload."""
    visit(browser, app.url + "/", "overview")
    for pid in ("at-risk", "team", "model", "overview"):
        browser.find_element(By.ID, f"nav-{pid}").click()
        wait_page(browser, pid)
        assert_no_error(browser, f"nav to {pid}")


def test_at_risk_filter_and_sort(app, browser, lakehouse):
    """Filtering by risk band and sorting by a column go through the server and keep the counts right."""
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    visit(browser, app.url + "/at-risk", "at-risk")
    day = latest_date(lakehouse, "churn_risk_scores")
    scores = table(lakehouse, "churn_risk_scores", ["account_id", "churn_probability", "risk_band"],
                   pads.field("as_of_date") == day)
    high = [r for r in scores if r["risk_band"] == "high"]
    box = browser.find_element(By.CSS_SELECTOR, "#filter-band input")
    box.send_keys("high")
    box.send_keys(Keys.ENTER)
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.ID, "risk-table-count").text.startswith(f"{len(high):,} accounts"))
    bands = {tr.find_elements(By.CSS_SELECTOR, "td")[4].text for tr in browser.find_elements(
        By.CSS_SELECTOR, "#risk-table tbody tr") if tr.find_elements(By.CSS_SELECTOR, "td")}
    assert bands == {"high"}
    # sort by churn probability: two clicks on its sort arrow = descending
    col = [th for th in browser.find_elements(By.CSS_SELECTOR, "#risk-table th.dash-header")
           if th.text.strip() == "Churn probability"][0]
    col.find_element(By.CSS_SELECTOR, ".column-header--sort").click()
    WebDriverWait(browser, 30).until(
        lambda d: "sorted by Churn probability" in d.find_element(By.ID, "risk-table-count").text)
    first = [tr for tr in browser.find_elements(By.CSS_SELECTOR, "#risk-table tbody tr")
             if tr.find_elements(By.CSS_SELECTOR, "td")][0]
    shown = first.find_elements(By.CSS_SELECTOR, "td")[5].text
    probs = sorted(r["churn_probability"] for r in high)
    assert shown in (pct(probs[0]), pct(probs[-1]))  # ascending or descending after one click
    assert_no_error(browser, "at-risk filtered")
