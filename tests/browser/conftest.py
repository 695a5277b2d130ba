"""Browser fixtures: a live `guichet serve` on the demo site, Debian's Chromium driven by Playwright.

Playwright cannot download its own browsers here, so the tests use /usr/bin/chromium (`.ci/run`
installs it with apt-get) and axe-core from node_modules (`make test` runs `npm ci`). When either is
missing every browser test is skipped with a banner at the end of the run, or fails when
GUICHET_TEST_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..live_server import ServerProcess, cli, load_demo, server_env, set_demo_hours

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
# Committed screenshots are refreshed on demand only (GUICHET_UPDATE_SCREENSHOTS=1), so that a plain
# `make test` leaves the work tree clean; otherwise they go to a temporary folder (still taken and checked).
SCREENSHOTS = (
    REPO / "docs" / "screenshots"
    if os.environ.get("GUICHET_UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "guichet-screenshots"
)
DEFAULT_VIEWPORT = (1280, 800)
REQUIRE = os.environ.get("GUICHET_TEST_REQUIRE_SERVICES") == "1"

_not_run: set[str] = set()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "viewport(width, height): browser viewport of the `page` fixture (default 1280x800)"
    )


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    if _not_run:
        tr = terminalreporter
        tr.section("BROWSER TESTS NOT RUN", sep="!", red=True, bold=True)
        for why in sorted(_not_run):
            tr.write_line(f"SKIPPED every browser test: {why}", red=True, bold=True)
        tr.write_line("CI (.ci/run) installs Chromium; `make test` installs axe-core with npm.", bold=True)


def _missing_prerequisite() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if not AXE_JS.exists():
        return f"{AXE_JS.relative_to(REPO)} is missing (run `make test`, or `npm ci`)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"the playwright Python package is missing: {exc}"
    return None


@pytest.fixture(scope="session", autouse=True)
def _browser_prerequisites() -> None:
    """Runs first (before the server starts): skip every browser test, or fail in CI, without them."""
    why = _missing_prerequisite()
    if why is None:
        return
    if REQUIRE:
        pytest.fail(f"browser tests required but cannot run: {why}")
    _not_run.add(why)
    pytest.skip(f"browser tests cannot run: {why}")


# --- the live server --------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveServer:
    url: str
    kiosk_token: str
    agent_token: str
    db_url: str
    env: dict[str, str]
    log_path: Path

    def cli(self, *args: str, input: str | None = None) -> str:
        """Run `guichet ARGS` against the same database; return its stdout (raises on failure)."""
        return cli(self.env, *args, input=input)


@pytest.fixture(scope="session")
def live_server(
    _browser_prerequisites: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """`guichet serve` (the default server) on a free port with a fresh SQLite database and the demo site."""
    workdir = tmp_path_factory.mktemp("live-server")
    db_url = f"sqlite:///{workdir / 'guichet.db'}"
    server = ServerProcess(server_env(db_url), workdir)
    # The CLI builds links from the public URL: the same one as the server's.
    tokens = load_demo(server.env, always_open=False)
    server.start()
    try:
        yield LiveServer(server.url, tokens.kiosk, tokens.agent, db_url, server.env, server.log_path)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def always_open(live_server: LiveServer) -> Iterator[None]:
    """The demo site open whatever the time of the run (tickets can be issued); hours restored after."""
    set_demo_hours(live_server.env, open_always=True)
    yield
    set_demo_hours(live_server.env, open_always=False)


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(_browser_prerequisites: None):  # type: ignore[no-untyped-def]
    """One headless Debian Chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        pw.stop()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """A fresh context and page per test: French locale, viewport from @pytest.mark.viewport(w, h).

    The browser's own zone is UTC, not the demo site's (Europe/Paris): pages must show the site's times.
    """
    marker = request.node.get_closest_marker("viewport")
    width, height = (marker.args[0], marker.args[1]) if marker else DEFAULT_VIEWPORT
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="fr-FR", timezone_id="UTC"
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


def save_screenshot(pg, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save the whole page as docs/screenshots/NAME.png (the folder is created) and return the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    """`screenshot(page, "home")` writes docs/screenshots/home.png."""
    return save_screenshot
