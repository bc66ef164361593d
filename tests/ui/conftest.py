"""Browser-test fixtures: a real server per module, Debian's chromium driven by Playwright.

Chromium comes from apt (``apt-get install -y chromium``) and Playwright from PyPI; the
tests never run ``playwright install``.  Every page a test opens is watched for console
errors and uncaught exceptions, and the test fails if any appear (HTTP errors the test
provoked on purpose are declared with ``watch.allow_http(status)``).  Screenshots go to
``artifacts/ui/``.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import httpx
import pytest

from openbourse.adapters.api.auth import sign

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "ui"
CHROMIUM = os.environ.get("OPENBOURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic"]

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - reported as a failure below, never skipped silently
    sync_playwright = None  # type: ignore[assignment]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class UiServer:
    """``openbourse serve`` (demo mode, so the UI offers demo funds) as a subprocess."""

    def __init__(self, data_dir: Path, market_makers: bool) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [sys.executable, "-m", "openbourse.runtime.cli", "serve",
                     "--port", str(self.port), "--data-dir", str(data_dir)]
        if not market_makers:
            self.args.append("--no-market-makers")
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self._wait_ready()

    def _wait_ready(self) -> None:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 60
        lines: List[str] = []
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "listening on" in line:
                return
        self.stop()
        raise RuntimeError("server did not start:\n" + "".join(lines))

    def demo_credentials(self) -> Dict[str, str]:
        return json.loads((self.data_dir / "demo-credentials.json").read_text())

    def signed(self, creds: Dict[str, str], method: str, path: str, body: Optional[dict] = None,
               params: Optional[dict] = None) -> dict:
        """A signed REST call exactly as ccxt makes it; returns the decoded envelope."""
        ts = str(int(time.time() * 1000))
        query = "&".join(f"{k}={v}" for k, v in sorted((params or {}).items()))
        text = json.dumps(body, separators=(",", ":")) if body is not None else ""
        prehash = ts + method + path + ("?" + query if query else "") + text
        headers = {"ACCESS-KEY": creds["apiKey"], "ACCESS-SIGN": sign(creds["secretKey"], prehash),
                   "ACCESS-TIMESTAMP": ts, "ACCESS-PASSPHRASE": creds["passphrase"],
                   "Content-Type": "application/json"}
        url = self.url + path + ("?" + query if query else "")
        response = httpx.request(method, url, headers=headers, content=text or None, timeout=10)
        return response.json()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class ConsoleWatch:
    """Console errors and page exceptions of one page; HTTP errors may be declared expected."""

    _HTTP = re.compile(r"status of (\d{3})")

    def __init__(self, page: "Page") -> None:
        self.errors: List[str] = []
        self.allowed: Dict[int, int] = {}
        self.allowed_text: List[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(
            f"uncaught: {exc}\n{getattr(exc, 'stack', '') or ''}".rstrip()))

    def _console(self, message) -> None:  # type: ignore[no-untyped-def]
        if message.type != "error" or any(text in message.text for text in self.allowed_text):
            return
        match = self._HTTP.search(message.text)
        if match and self.allowed.get(int(match.group(1)), 0) > 0:
            self.allowed[int(match.group(1))] -= 1  # an API rejection this test provoked
            return
        self.errors.append(f"console: {message.text} ({message.location.get('url', '')})")

    def allow_http(self, status: int, times: int = 1) -> None:
        self.allowed[status] = self.allowed.get(status, 0) + times

    def allow_text(self, text: str) -> None:
        """Browser messages containing ``text`` are expected (e.g. while the server is down)."""
        self.allowed_text.append(text)


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    """Per module: Playwright's sync API keeps an event loop running in the main thread
    while it is open, which would break the asyncio tests that run after the UI tests."""
    if sync_playwright is None:
        pytest.fail("UI tests need Playwright for Python: pip install playwright "
                    "(never `playwright install`)")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"UI tests need Debian's chromium at {CHROMIUM}: apt-get install -y chromium")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def quiet_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiServer]:
    """A demo node without market makers: every trade in the test is the test's own."""
    server = UiServer(tmp_path_factory.mktemp("ui-quiet"), market_makers=False)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiServer]:
    """A demo node with simulated market makers streaming prices."""
    server = UiServer(tmp_path_factory.mktemp("ui-live"), market_makers=True)
    yield server
    server.stop()


@pytest.fixture()
def page(browser: "Browser") -> Iterator["Page"]:
    context = browser.new_context(viewport={"width": 1440, "height": 960})
    tab = context.new_page()
    watch = ConsoleWatch(tab)
    tab.console_watch = watch  # type: ignore[attr-defined]
    yield tab
    context.close()
    assert watch.errors == [], "browser console errors:\n" + "\n".join(watch.errors)


def shot(page: "Page", name: str, full_page: bool = True) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_up(page: "Page", base: str, email: str, password: str = "correct horse 1") -> None:
    page.goto(base + "/signup")
    page.fill("#signup-form input[name=email]", email)
    page.fill("#signup-form input[name=password]", password)
    page.fill("#signup-form input[name=confirm]", password)
    page.click("#signup-form button[type=submit]")
    page.wait_for_url("**/assets")


def unique_email(tag: str) -> str:
    return f"{tag}-{time.time_ns()}@example.com"
