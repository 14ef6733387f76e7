"""Fuzzing (hostile input): generated requests against every API face and ingest decoder must
never get a 5xx. Each test counts what it sent (`figures.py`); the counts are printed at the end
of the run (the hardening issue's "fuzzing figures").

Examples per test: `STADSDATA_FUZZ_EXAMPLES` (default 25, the smoke run of CI; the full run in
docs/operations.md uses 500)."""

from __future__ import annotations

from typing import Any

from tests.fuzz.figures import SENT, SERVER_ERRORS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SENT:
        terminalreporter.section("fuzzing figures")
        for face in sorted(SENT):
            terminalreporter.write_line(f"{face}: {SENT[face]} generated requests, {SERVER_ERRORS[face]} server errors")
