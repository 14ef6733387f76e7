#!/usr/bin/env python3
"""The README's quick start, tried as a new user would (standard library only; run by .ci/run).

    python3 .ci/quickstart.py            # run the first command, check the platform, stop it
    python3 .ci/quickstart.py --print 2  # print the README's second command (the tests)

The first command is taken from the README's "Quick start" block and run exactly as written, by
bash in the checkout: a fresh `.venv`, `pip install -e .` without extras, `stadsdata serve
--demo`. Only the ports are chosen, through the settings' environment variables (a free HTTP
port; a free port for the embedded MQTT broker, since a Mosquitto may hold 1883). Then:

- `/`, `/v1.1` and `/api/v1` answer 200;
- the demo city is there: the Things, Datastreams and Observations the command said it built are
  served to the demo administrator by the SensorThings API (signed in with the password the command
  printed; with what the demo's sources brought since, at least those), an anonymous visitor sees
  Things but not the restricted Datastreams, and the map's latest values are there;
- the simulator keeps reporting: the number of Observations grows;
- `stadsdata --help` and every subcommand's `--help` run from that venv, and every module of the
  package imports there (commands import some lazily);
- Ctrl-C (SIGINT) stops the platform within 30 s.

Any failure exits 1 with the reason and the platform's output. The checkout must not hold a
`.venv` or `stadsdata.db` already (the command would reuse them): pass `--clean` to delete them.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALL_AND_START_TIMEOUT_S = 900
LOG = ROOT / ".ci" / "quickstart.log"


class QuickStartFailed(Exception):
    pass


def readme_commands() -> dict[str, str]:
    """The numbered commands of the README's quick start: {"1": "...", "2": "..."}."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    if not block:
        raise QuickStartFailed("README.md: no ```sh block under '## Quick start'")
    commands, number = {}, None
    for line in block.group(1).splitlines():
        if found := re.match(r"#\s*(\d+)\.", line):
            number = found.group(1)
        elif line.strip() and number:
            commands[number] = line.strip()
            number = None
    if set(commands) != {"1", "2"}:
        raise QuickStartFailed(f"README.md: the quick start should have commands 1 and 2, found {sorted(commands)}")
    return commands


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str, *, auth: tuple[str, str] | None = None, timeout: float = 10, accept: str = "*/*") -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def count(base: str, collection: str, auth: tuple[str, str] | None = None) -> int:
    status, body = get(f"{base}/v1.1/{collection}?$count=true&$top=0", auth=auth, timeout=30)
    if status != 200:
        raise QuickStartFailed(f"GET /v1.1/{collection}?$count=true answered {status}: {body[:300]!r}")
    return int(json.loads(body)["@iot.count"])


def check(condition: bool, message: str) -> None:
    if not condition:
        raise QuickStartFailed(message)
    print(f"quickstart: ok: {message}", flush=True)


def wait_until_answering(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + INSTALL_AND_START_TIMEOUT_S
    while True:
        if server.poll() is not None:
            raise QuickStartFailed(f"the first command ended (exit {server.returncode}) before the platform answered")
        try:
            if get(f"{base}/readyz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise QuickStartFailed(f"the platform did not answer within {INSTALL_AND_START_TIMEOUT_S} s")
        time.sleep(1)


def printed(pattern: str) -> re.Match[str]:
    found = re.search(pattern, LOG.read_text(errors="replace"), re.M)
    if not found:
        raise QuickStartFailed(f"the first command did not print a line matching {pattern!r}")
    return found


def check_platform(base: str) -> None:
    for path in ("/", "/v1.1", "/api/v1"):
        status, _ = get(base + path)
        check(status == 200, f"GET {path} answers 200")
    home = get(base + "/", accept="text/html,application/xhtml+xml")[1].decode()
    check('id="map"' in home, "a browser gets the web UI's map page at /")

    built = printed(r"stadsdata demo: (\d+) Things, (\d+) Datastreams, ([\d,]+) Observations")
    things, streams, observations = int(built[1]), int(built[2]), int(built[3].replace(",", ""))
    password = printed(r"^\s+beheerder\s+(\S+)\s")[1]
    admin = ("beheerder", password)
    # the demo's sources (docs/sources.md) may have brought more by now: at least what the seed built
    admin_things, admin_streams = count(base, "Things", admin), count(base, "Datastreams", admin)
    check(admin_things >= things, f"the demo administrator sees the {things} Things built ({admin_things} with the demo's sources)")
    check(admin_streams >= streams, f"the demo administrator sees the {streams} Datastreams built ({admin_streams} with the demo's sources)")
    seen = count(base, "Observations", admin)
    check(seen >= observations, f"the demo administrator sees at least the {observations:,} Observations built ({seen:,})")
    anonymous_streams = count(base, "Datastreams")
    check(0 < anonymous_streams < admin_streams, f"an anonymous visitor sees the public Datastreams only ({anonymous_streams} of {admin_streams})")
    status, body = get(base + "/api/v1/latest-values")
    features = json.loads(body).get("features", []) if status == 200 else []
    check(len(features) > 0, f"the map's latest values are served ({len(features)} features)")

    deadline = time.monotonic() + 60
    while (now := count(base, "Observations", admin)) <= seen and time.monotonic() < deadline:
        time.sleep(2)
    check(now > seen, f"the simulator keeps reporting ({now - seen} new Observations)")


def subcommands(venv_python: Path) -> list[list[str]]:
    """Every command path of the CLI, e.g. [], ['serve'], ['users', 'add'], from the venv itself."""
    script = (
        "import json, typer.main\n"
        "from stadsdata.cli import app\n"
        "def walk(command, path):\n"
        "    yield path\n"
        "    for name, sub in getattr(command, 'commands', {}).items():\n"
        "        yield from walk(sub, path + [name])\n"
        "print(json.dumps(list(walk(typer.main.get_command(app), []))))\n"
    )
    out = subprocess.run([str(venv_python), "-c", script], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise QuickStartFailed(f"listing the CLI's commands failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout)


def check_commands() -> None:
    venv = ROOT / ".venv" / "bin"
    paths = subcommands(venv / "python")
    failed = []
    for path in paths:
        out = subprocess.run([str(venv / "stadsdata"), *path, "--help"], capture_output=True, text=True, cwd=ROOT)
        if out.returncode != 0 or "Usage" not in out.stdout:
            failed.append(f"stadsdata {' '.join(path)} --help: exit {out.returncode}: {(out.stderr or out.stdout)[-800:]}")
    check(not failed and len(paths) > 10, f"`stadsdata --help` and the --help of its {len(paths) - 1} subcommands run" + "".join(
        f"\n  {line}" for line in failed))
    script = (
        "import importlib, pkgutil, stadsdata\n"
        "bad = []\n"
        "for module in pkgutil.walk_packages(stadsdata.__path__, 'stadsdata.'):\n"
        "    if '.migrations.' in module.name or module.name.rpartition('.')[2].startswith(('test_', 'conftest')): continue  # a source kind's tests\n"
        "    try: importlib.import_module(module.name)\n"
        "    except Exception as exc: bad.append(f'{module.name}: {exc!r}')\n"
        "print('\\n'.join(bad)); raise SystemExit(1 if bad else 0)\n"
    )
    out = subprocess.run([str(venv / "python"), "-c", script], capture_output=True, text=True, cwd=ROOT)
    check(out.returncode == 0, "every module of the package imports without the test extras" + (f":\n{out.stdout}{out.stderr[-2000:]}" if out.returncode else ""))


def stop(server: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a user stops it: SIGINT to the server process (the last one of the `&&` chain)."""
    os.killpg(server.pid, signal.SIGINT)
    try:
        code = server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        raise QuickStartFailed("Ctrl-C did not stop the platform within 30 s") from None
    check(code in (0, 130, -signal.SIGINT), f"Ctrl-C stops the platform (exit {code})")


def run(clean: bool) -> None:
    command = readme_commands()["1"]
    names = (".venv", "stadsdata.db", "stadsdata.db-wal", "stadsdata.db-shm", "stadsdata.db.pseudonym-key")
    leftovers = [ROOT / name for name in names if (ROOT / name).exists()]
    if leftovers and not clean:
        raise QuickStartFailed(f"{', '.join(map(str, leftovers))} exist: not a fresh start (pass --clean to delete them)")
    for path in leftovers:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    port, mqtt_port = free_port(), free_port()
    env = {**os.environ, "STADSDATA_PORT": str(port), "STADSDATA_MQTT_PORT": str(mqtt_port)}
    print(f"quickstart: running the README's first command on port {port} (MQTT {mqtt_port}):\n  {command}", flush=True)
    started = time.monotonic()
    with LOG.open("wb") as log:
        server = subprocess.Popen(["bash", "-c", command], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)  # fmt: skip
    try:
        wait_until_answering(f"http://127.0.0.1:{port}", server)
        print(f"quickstart: the platform answers after {time.monotonic() - started:.0f} s (install, demo city, start)", flush=True)
        check_platform(f"http://127.0.0.1:{port}")
        check_commands()
    except BaseException:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        raise
    finally:
        print("quickstart: what the first command printed (last 60 lines):", flush=True)
        print("\n".join(LOG.read_text(errors="replace").splitlines()[-60:]), flush=True)
    stop(server)


def main() -> int:
    parser = argparse.ArgumentParser(description="The README's quick start, tried as a new user would.")
    parser.add_argument("--print", dest="print_command", choices=["1", "2"], help="print the README's command N and exit")
    parser.add_argument("--clean", action="store_true", help="delete a .venv and stadsdata.db left in the checkout first")
    args = parser.parse_args()
    try:
        if args.print_command:
            print(readme_commands()[args.print_command])
            return 0
        run(args.clean)
    except QuickStartFailed as failure:
        print(f"quickstart: FAILED: {failure}", file=sys.stderr, flush=True)
        return 1
    print("quickstart: the README's first command works on a fresh checkout", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
