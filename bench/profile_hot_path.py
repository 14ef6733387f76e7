#!/usr/bin/env python
"""Where a request's CPU goes (not a pytest test): py-spy samples a real `stadsdata serve` (uvicorn
standard, SQLite, access enforced, an admin key, the app `serve --workers` runs) while one
keep-alive client sends the requests of `bench/http_stack.py`, then prints the functions with the
largest share of the samples, inclusive and self.

    pip install py-spy    # a profiler, not a dependency of the platform
    python bench/profile_hot_path.py post [--requests 4000] [--top 60]
    python bench/profile_hot_path.py get

Shares are of all samples, idle ones included (the event loop waiting in epoll, the worker thread
in `Queue.get`), so compare parts with each other, not with 100 %.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import http_stack  # noqa: E402

FRAME = re.compile(r"^(.*) \((.*?)(?::\d+)?\)$")


def frame_name(frame: str) -> str:
    match = FRAME.match(frame)
    if match is None:
        return frame
    function, file = match.groups()
    return f"{function} ({re.sub(r'.*site-packages/', '', file)})"


def shares(raw: Path) -> tuple[int, collections.Counter[str], collections.Counter[str]]:
    """(samples, inclusive samples per function, self samples per function) of py-spy's raw output."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        match = re.match(r"^(.*) (\d+)$", line)
        if match is None:
            continue
        frames, count = [frame_name(f) for f in match.group(1).split(";")], int(match.group(2))
        total += count
        inclusive.update(dict.fromkeys(frames, count))
        own[frames[-1]] += count
    return total, inclusive, own


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["post", "get"])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--top", type=int, default=60)
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy")
    if spy is None:
        parser.error("py-spy is not on PATH (pip install py-spy)")
    with tempfile.TemporaryDirectory(prefix="stadsdata-profile-") as tmp:
        database, raw = Path(tmp) / "profile.db", Path(tmp) / "profile.raw"
        key = http_stack.admin_key(database)
        with http_stack.server(database, "httptools", "uvloop") as (port, pid):
            conn = http.client.HTTPConnection("127.0.0.1", port)
            http_stack.call(conn, "POST", "/v1.1/Things", key, json.dumps(http_stack.THING).encode())
            plan = http_stack.requests_of(args.kind, 0, args.requests, datetime(2026, 1, 1, tzinfo=UTC))
            recorder = subprocess.Popen([spy, "record", "-p", str(pid), "-o", str(raw), "--format", "raw", "-r", "500", "--nonblocking"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            time.sleep(1.5)  # py-spy attaches
            began = time.perf_counter()
            for method, path, body in plan:
                status, _ = http_stack.call(conn, method, path, key, body)
                assert status < 300, status
            rate = args.requests / (time.perf_counter() - began)
            recorder.send_signal(2)
            recorder.wait(30)
        total, inclusive, own = shares(raw)
    print(f"{args.kind}: {rate:.0f} requests/s under the profiler, {total} samples")
    print("inclusive:")
    for name, count in inclusive.most_common(args.top):
        print(f"  {100 * count / total:5.1f} %  {name}")
    print("self:")
    for name, count in own.most_common(25):
        print(f"  {100 * count / total:5.1f} %  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
