"""Browser tests: ``tutor serve`` driven by Playwright in Debian's headless Chromium (no browser is downloaded:
Playwright drives /usr/bin/chromium through ``executable_path``).

Without Playwright, textual-serve or /usr/bin/chromium the tests skip and say why, except under ``CI=true``,
where they fail, unless ``.ci/run`` could not install Chromium (it says so in ``TUTOR_CI_NO_CHROMIUM``):
then they skip with that reason, so a CI machine without Debian's packages does not go red for it.
Screenshots go to ``$TUTOR_TEST_ARTIFACTS`` (default ``tmp/test-artifacts/`` under the repository, which
git ignores).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("TUTOR_TEST_ARTIFACTS", ROOT / "tmp" / "test-artifacts"))

try:
    from playwright import sync_api
    import textual_serve  # noqa: F401

    _MISSING = None if os.access(CHROMIUM, os.X_OK) else f"no {CHROMIUM} (apt-get install chromium)"
except ImportError as exc:
    _MISSING = f"{exc.name} is not installed (pip install -e '.[test]')"

# textual-serve's page keeps its xterm.js Terminal in a local variable. This hook, added to the
# served textual.js on its way to the browser, hands it to the page so a test can read its buffer.
_HOOK = "this.terminal.open(e),"
_INIT = """
window.__writes = 0;
window.__textualTerminal = (t) => {
  window.__xterm = t;
  t.onWriteParsed(() => { window.__writes++; window.__lastWrite = performance.now(); });
};
window.__screen = () => {
  const t = window.__xterm; if (!t) return '';
  const b = t.buffer.active, rows = [];
  for (let y = 0; y < t.rows; y++) { const l = b.getLine(b.viewportY + y); rows.push(l ? l.translateToString(true) : ''); }
  return rows.join('\\n');
};
"""


def _hook_textual_js(route) -> None:
    response = route.fetch()
    body = response.text()
    assert body.count(_HOOK) == 1, "textual-serve's textual.js has changed: update _HOOK"
    route.fulfill(response=response, body=body.replace(_HOOK, _HOOK + "window.__textualTerminal(this.terminal),"))


class Terminal:
    """One browser tab on the served app: type keys, read the screen as text; every websocket frame the
    tab receives is kept in ``received`` (bytes)."""

    def __init__(self, page, received: list[bytes]) -> None:
        self.page = page
        self.received = received

    def text(self) -> str:
        """The screen, one line per terminal row (trailing blanks trimmed)."""
        return self.page.evaluate("window.__screen()")

    def wait_for(self, text: str, timeout: float = 20) -> str:
        """Wait until ``text`` is on screen; return the whole screen."""
        try:
            self.page.wait_for_function("s => window.__screen().includes(s)", arg=text, timeout=timeout * 1000)
        except sync_api.TimeoutError:
            raise AssertionError(f"{text!r} not on screen after {timeout}s:\n{self.text()}") from None
        return self.text()

    def wait_for_pattern(self, pattern: str, timeout: float = 20) -> re.Match:
        deadline = time.monotonic() + timeout
        while (found := re.search(pattern, self.text())) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"/{pattern}/ not on screen after {timeout}s:\n{self.text()}")
            self.page.wait_for_timeout(100)
        return found

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def press(self, key: str, quiet_ms: int = 150) -> None:
        """Press one key (Playwright's names: "Enter", "Tab", "Escape"), then wait until the app has redrawn
        and gone quiet, so that keys typed next reach the widget it focused."""
        before = self.page.evaluate("window.__writes")
        self.page.keyboard.press(key)
        self.page.wait_for_function("n => window.__writes > n", arg=before, timeout=10_000)
        self.page.wait_for_function("q => performance.now() - window.__lastWrite > q", arg=quiet_ms,
                                    timeout=10_000)

    def open(self, url: str) -> None:
        """Load (or reload) the page and wait for the app's first frame."""
        self.page.goto(url)
        self.page.wait_for_function("window.__writes > 0", timeout=30_000)
        self.page.locator(".xterm-helper-textarea").focus()  # keys reach xterm.js only while it has focus

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=path)
        return path


@pytest.fixture(scope="module")
def browser():
    # Per module, not per session: while Playwright's sync API is open it keeps an event loop running in
    # this thread, and pytest-asyncio's tests that run after tests/browser could not start theirs.
    if _MISSING:
        no_chromium = os.environ.get("TUTOR_CI_NO_CHROMIUM")
        if os.environ.get("CI") and not no_chromium:  # in CI a missing browser fails, never skips silently
            pytest.fail(_MISSING)
        _SKIPPED.append(no_chromium or _MISSING)
        pytest.skip(f"browser tests skipped: {no_chromium or _MISSING}")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


_SKIPPED: list[str] = []


def pytest_terminal_summary(terminalreporter) -> None:
    """Say it at the end of the run, not only with -rs: the browser tests did not run, and why."""
    if _SKIPPED:
        terminalreporter.write_line(f"tests/browser: skipped, {_SKIPPED[0]}", yellow=True, bold=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Served:
    """`tutor serve` running: its page's URL, the database it holds and its log."""

    url: str
    database_url: str
    log: Path


def serve(tmp_path: Path, database_url: str, extra_env: dict[str, str] | None = None):
    """Start `tutor serve` on a free loopback port (the database URL only in its environment); a generator
    for a fixture: yields a :class:`Served`, then stops the server and every session process."""
    port = free_port()
    env = dict(os.environ, TUTOR_DATABASE_URL=database_url, XDG_DATA_HOME=str(tmp_path / "xdg"), **(extra_env or {}))
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "tutor", "serve", "--port", str(port)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"tutor serve did not start:\n{log_path.read_text()}")
                time.sleep(0.05)
        yield Served(url, database_url, log_path)
    finally:
        # Close the pages first (the `tab` fixture does): with a tab still open the server waits for it
        # on SIGTERM, and a killed server leaves its session processes running.
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(server.pid, signal.SIGKILL)  # the server's group: its `sh -c` and session processes
        except ProcessLookupError:
            pass
        server.wait()


@pytest.fixture
def new_tab(browser):
    """Open browser tabs on a served page; each tab in its own browser context (as separate PCs)."""
    contexts = []

    def open_tab(url: str) -> Terminal:
        context = browser.new_context(viewport={"width": 1280, "height": 800})  # 142 x 44 cells here
        contexts.append(context)
        context.add_init_script(_INIT)
        context.route("**/fonts.googleapis.com/**", lambda route: route.abort())  # the page's web font: offline
        context.route("**/static/js/textual.js", _hook_textual_js)
        page = context.new_page()
        received: list[bytes] = []

        def on_websocket(websocket) -> None:
            websocket.on("framereceived", lambda payload: received.append(
                payload if isinstance(payload, bytes) else payload.encode()))

        page.on("websocket", on_websocket)
        terminal = Terminal(page, received)
        terminal.open(url)
        return terminal

    yield open_tab
    for context in contexts:
        context.close()
