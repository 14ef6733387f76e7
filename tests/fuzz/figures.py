"""Counts of generated requests per API face and decoder, and of server errors among them
(printed at the end of the run by tests/fuzz/conftest.py)."""

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
