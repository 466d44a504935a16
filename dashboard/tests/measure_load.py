"""Measure how long each dashboard page takes to load in headless Chromium.

    .venv/bin/python -m dashboard.tests.measure_load LAKEHOUSE [--runs 2]

Starts the dashboard on a free loopback port, opens every page (the account page is the first
account of the at-risk list) and prints, per page, the seconds from navigation until the page is
rendered and every chart drawn: the first visit after start (cold: nothing cached) and the next ones
(warm: the same Delta table versions are served from the cache). docs/dashboard.md records the result.
"""

import argparse
import os
import shutil
import tempfile
import time

from selenium.webdriver.common.by import By

from . import conftest
from .helpers import make_browser, visit


def main():
    p = argparse.ArgumentParser()
    p.add_argument("lakehouse")
    p.add_argument("--runs", type=int, default=2)
    args = p.parse_args()
    log_dir = tempfile.mkdtemp(prefix="cslake-measure-")
    t0 = time.time()
    server = conftest.Server(os.path.abspath(args.lakehouse), log_dir)
    print(f"server answering after {time.time() - t0:.1f} s")
    driver, profile = make_browser()
    try:
        account, others = None, None
        pages = [("overview", "/overview"), ("at-risk", "/at-risk"), ("account", None), ("team", "/team"),
                 ("model", "/model")]
        for run in range(args.runs):
            for pid, path in pages:
                if pid == "account":
                    if account is None:
                        links = driver.find_elements(By.CSS_SELECTOR, "#risk-table tbody tr td a")
                        account = links[0].get_attribute("href").rsplit("/", 1)[-1] if links else "none"
                    path = "/account/" + account
                secs = visit(driver, server.url + path, pid, timeout=300)
                print(f"run {run + 1} ({'cold' if run == 0 else 'warm'}): {path:28s} {secs:6.2f} s", flush=True)
                if pid == "at-risk" and others is None:
                    links = driver.find_elements(By.CSS_SELECTOR, "#risk-table tbody tr td a")
                    others = [a.get_attribute("href").rsplit("/", 1)[-1] for a in links[1:]]
        # accounts not opened before: their history is read for the first time
        for other in (others or [])[:3]:
            secs = visit(driver, server.url + "/account/" + other, "account", timeout=300)
            print(f"another account (not cached): /account/{other:17s} {secs:6.2f} s", flush=True)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
        server.stop()


if __name__ == "__main__":
    main()
