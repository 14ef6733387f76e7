"""What the browser tests share: Debian's Chromium driven by Playwright, skipped (in CI: failed)
when either is missing, and pages that record their script errors."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def browser_problem() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (Debian package 'chromium'; .ci/run installs it)"
    return None


def require_browser() -> None:
    """Skip the test without Playwright and Chromium — but in CI that is a failure."""
    problem = browser_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)


def new_page(browser: Any, **options: Any) -> Any:
    """A page of 1280 × 800 whose uncaught script errors are kept in `page.errors`."""
    page = browser.new_page(viewport={"width": 1280, "height": 800}, **options)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    return page


ACCOUNTS = ("beheerder", "analist", "jansen", "laadnet")  # the demo city's accounts (stadsdata/demo/seed.py)


@contextmanager
def demo_city(directory: Path, env: dict[str, str]) -> Iterator[dict[str, Any]]:
    """`stadsdata serve --demo` on a new database in `directory` with `env`: its base URL and the
    accounts' passwords (printed once at start, and nowhere stored in clear)."""
    log = directory / "serve.log"
    with running_server(str(directory / "demo.db"), "--demo", env=env, log=log, start_timeout=180, stop_timeout=30, must_stop=True) as base:
        passwords = dict(re.findall(rf"^\s+({'|'.join(ACCOUNTS)})\s+(\S+)", log.read_text(), re.M))
        assert set(passwords) == set(ACCOUNTS), log.read_text()
        yield {"base": base, "passwords": passwords}


@pytest.fixture(scope="module")
def browser(demo_server: dict[str, Any]) -> Iterator[Any]:
    """Chromium, once the test module's own `demo_server` is up."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def sign_in(page: Any, base: str, username: str, password: str, then: str = "/my-data") -> None:
    """Sign in on the login page and land on `then`."""
    page.goto(f"{base}/login?next={then}")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{base}{then}")
