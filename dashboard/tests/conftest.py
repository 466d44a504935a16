"""Fixtures of the dashboard's browser tests.

pytest dashboard/tests --lakehouse PATH --screenshots DIR   (bin/test step 6 passes both)

`dashboard` starts `python -m dashboard <lakehouse>` on a free loopback port as a subprocess, waits
until it answers, and kills it by its pid at the end; `browser` is one headless Debian Chromium driven
through /usr/bin/chromedriver (Selenium Manager never runs: the machine may have no network).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

from .helpers import make_browser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pytest_addoption(parser):
    parser.addoption("--lakehouse", default=os.path.join(ROOT, "target", "demo-lakehouse"),
                     help="the demo's lakehouse the browser test reads (default target/demo-lakehouse)")
    parser.addoption("--screenshots", default=os.path.join(ROOT, "target", "dashboard"),
                     help="where to save one screenshot per page (default target/dashboard)")


@pytest.fixture(scope="session")
def lakehouse(request):
    path = os.path.abspath(request.config.getoption("--lakehouse"))
    if not os.path.isdir(os.path.join(path, "gold")):
        pytest.fail(f"{path} has no gold tables: run `bin/cslake demo --set cslake.lakehouse={path}` first")
    return path


@pytest.fixture(scope="session")
def screenshots(request):
    path = os.path.abspath(request.config.getoption("--screenshots"))
    os.makedirs(path, exist_ok=True)
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, lakehouse: str, log_dir: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(log_dir, f"dashboard-{self.port}.log")
        self._log = open(self.log_path, "w")
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.proc = subprocess.Popen([sys.executable, "-m", "dashboard", lakehouse, "--port", str(self.port)],
                                     cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the dashboard exited with {self.proc.returncode}: {self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                self.stop()
                raise RuntimeError(f"the dashboard did not answer within 60 s: {self.log()}")
            time.sleep(0.3)

    def log(self) -> str:
        self._log.flush()
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._log.close()


@pytest.fixture(scope="session")
def start_dashboard(screenshots):
    servers = []

    def start(lakehouse: str) -> Server:
        s = Server(lakehouse, screenshots)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()


@pytest.fixture(scope="session")
def browser():
    driver, profile = make_browser()
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)
