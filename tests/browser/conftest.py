"""Real-browser tests: Debian's Chromium driven by Playwright against a live server in this process.

The server is Django's threaded live server on 127.0.0.1 (one per session); tenants are reached by host
name (alpha.localhost:PORT), which Chromium resolves to loopback by itself. Data the browser sees must be
committed: tests use `committed_db`. Playwright never downloads a browser: it launches /usr/bin/chromium,
and without it these tests are skipped with the reason (`make test` installs it when it can).
Screenshots of every step go to tests/artifacts/<test name>/NN-step.png.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

CHROMIUM = Path(os.environ.get("ALLOT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
MOBILE = {"width": 360, "height": 780}

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def pytest_collection_modifyitems(config, items):
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium package (make test does when it can)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed (pip install -e '.[dev]')"
    if reason:
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def site_url(live_server_port):
    """site_url(tenant, "/path") -> http://<tenant>.localhost:PORT/path (None: the root domain)."""

    def make(tenant, path: str = "/") -> str:
        host = settings.ALLOT_ROOT_DOMAIN if tenant is None else f"{tenant.slug}.{settings.ALLOT_ROOT_DOMAIN}"
        return f"http://{host}:{live_server_port}{path}"

    return make


@pytest.fixture(scope="package")
def chromium(live_server_port):
    """One browser for all browser tests, closed when they are done.

    Playwright's sync API keeps an asyncio loop running in this thread while it is open, which makes Django
    refuse database calls from it ("async context"): allowed for exactly as long as the browser is open.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
            # Django keeps connections per context, and the loop is one: close them before it ends.
            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Screenshots:
    """shot("cart") saves tests/artifacts/<test>/NN-cart.png, numbered in the order taken."""

    def __init__(self, page, test_name: str):
        self.page = page
        self.directory = ARTIFACTS / re.sub(r"[^\w.-]+", "_", test_name)
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)
        self.count = 0

    def __call__(self, step: str) -> Path:
        self.count += 1
        path = self.directory / f"{self.count:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(autouse=True)
def _no_pages_from_earlier_tests():
    """Committed data is truncated between tests (no signals): start without cached pages."""
    from public_site.page_cache import forget_local_pages

    forget_local_pages()
    yield
    forget_local_pages()


# Every page reports what its Content-Security-Policy blocked (Chromium also logs it, "Refused to …").
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
                " at " + event.sourceFile + ":" + event.lineNumber + " " + (event.sample || ""));
});
"""
CSP_MESSAGE = re.compile(r"CSP violation|Content Security Policy|Content-Security-Policy")


@pytest.fixture
def browser_page(committed_db, chromium, request):
    """A fresh phone-sized browser context (no cookies) and its page; `browser_page.shot(step)` saves a
    screenshot. Pass `context_options` through indirect parametrisation or use `new_page` for more.

    Every test fails if a page it opened violated its Content-Security-Policy (the browser's console)."""
    contexts = []
    violations = []

    def new_page(**options):
        context = chromium.new_context(**{"viewport": MOBILE, **options})
        context.set_default_timeout(15_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("console", lambda message: violations.append(f"{message.page.url if message.page else ''}: "
                                                                f"{message.text}")
                   if CSP_MESSAGE.search(message.text) else None)
        contexts.append(context)
        page = context.new_page()
        name = request.node.name if len(contexts) == 1 else f"{request.node.name}-{len(contexts)}"
        page.shot = Screenshots(page, name)
        return page

    new_page.csp_violations = violations
    yield new_page
    for context in contexts:
        context.close()
    assert violations == [], "the Content-Security-Policy blocked something:\n" + "\n".join(violations)


def assert_fits_the_screen(page) -> None:
    """Nothing is wider than the 360 px screen (no sideways scrolling)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"{page.url} is {width} px wide"
