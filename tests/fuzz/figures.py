"""Fuzzing (hostile input): generated requests against every API face and ingest decoder must
never get a 5xx. Each test counts what it sent here; the counts, per API face and decoder, and of
server errors among them, are printed at the end of the run (the hardening issue's "fuzzing
figures"; the hooks are in tests/conftest.py, which gathers them from every pytest-xdist worker).

Examples per test: `STADSDATA_FUZZ_EXAMPLES` (default 25, the smoke run of CI; the full run in
docs/operations.md uses 500)."""

from __future__ import annotations

import os
from collections import Counter

EXAMPLES = int(os.environ.get("STADSDATA_FUZZ_EXAMPLES", "25"))
SENT: Counter[str] = Counter()
SERVER_ERRORS: Counter[str] = Counter()


def record(face: str, status: int) -> None:
    """Count one generated request of `face` and its answer; fail on a server error."""
    SENT[face] += 1
    if status >= 500:
        SERVER_ERRORS[face] += 1
    assert status < 500, f"{face}: server error {status}"
