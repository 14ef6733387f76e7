"""What the browser tests share: Debian's Chromium driven by Playwright, skipped (in CI: failed)
when either is missing, and pages that record their script errors."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

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
