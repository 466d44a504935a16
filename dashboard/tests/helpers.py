"""Browser helpers shared by the dashboard tests."""

import os
import tempfile
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-extensions", "--window-size=1440,1000")


def make_browser():
    """Debian's headless Chromium through /usr/bin/chromedriver, with a fresh profile: (driver, profile dir).

    The Service is given explicitly so that Selenium Manager never tries to download a driver; the
    background-networking flags keep Chromium from calling out (the machine may have no network)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="cslake-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in CHROMIUM_ARGS + (f"--user-data-dir={profile}",):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.set_page_load_timeout(60)
    return driver, profile


ERROR_MARKERS = ("Traceback", "Cannot show", "Internal Server Error", "Callback error", "ValueError", "KeyError")


def visit(driver, url: str, page_id: str, timeout: float = 60):
    """Open url and wait until the page's root element is rendered and Dash is idle."""
    t0 = time.time()
    driver.get(url)
    wait_page(driver, page_id, timeout)
    return time.time() - t0


def wait_page(driver, page_id: str, timeout: float = 60):
    WebDriverWait(driver, timeout).until(EC.presence_of_element_located((By.ID, f"page-{page_id}")))
    wait_idle(driver, timeout)


def wait_idle(driver, timeout: float = 60):
    def idle(d):
        loading = d.find_elements(By.CSS_SELECTOR, "[data-dash-is-loading='true']")
        graphs = d.find_elements(By.CSS_SELECTOR, ".dash-graph")
        plotted = d.find_elements(By.CSS_SELECTOR, ".dash-graph .main-svg")
        return not loading and (not graphs or len(plotted) >= len(graphs))

    WebDriverWait(driver, timeout).until(idle)
    time.sleep(0.3)


def text_of(driver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text.strip()


def page_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def assert_no_error(driver, where: str):
    text = page_text(driver)
    for marker in ERROR_MARKERS:
        assert marker not in text, f"{where}: the page shows '{marker}':\n{text[:2000]}"
    assert not driver.find_elements(By.CSS_SELECTOR, ".section-error"), f"{where}: a section failed:\n{text[:2000]}"
    # Dash's front-end error overlay / callback error list (only in debug mode, but never wanted)
    assert not driver.find_elements(By.CSS_SELECTOR, ".dash-fe-error__title, .dash-error-card"), where
    severe = [e for e in driver.get_log("browser")
              if e.get("level") == "SEVERE" and "favicon" not in e.get("message", "")]
    assert not severe, f"{where}: browser console errors: {severe}"


def screenshot(driver, directory: str, name: str) -> str:
    """A full-page screenshot: the window is stretched to the document's height first."""
    path = os.path.join(directory, f"{name}.png")
    width = 1440
    height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    driver.set_window_size(width, min(int(height) + 40, 7000))
    time.sleep(0.4)
    driver.save_screenshot(path)
    driver.set_window_size(width, 1000)
    return path
