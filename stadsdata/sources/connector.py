"""What a kind of source that fetches (a connector) implements, and what it is given.

A connector is an object with two methods:

- `validate(config)` (optional): what the config's JSON Schema cannot say (a mapping's paths
  compile, a time zone exists); `BadRequest` naming the member (`config.<member>`). Called when
  a source is saved, before the connection test.
- `check(probe)`: try the connection with a source's config — one small request — and say what
  it found ("38 Things match"); raise `SourceError` (`AuthFailed` for refused credentials).
  The platform calls it before a source is saved.
- `run(run)`: fetch what is new since `run.cursor` (its own incremental state, {} the first
  time; `run.since` is set when an operator asked to copy again from a date), mirror the
  entities it finds with `run.mirror(...)`, store readings with `run.store(items)` and save its
  state with `run.checkpoint(cursor)` after each page. Everything stored is idempotent (each
  reading's key), so a run that is stopped or killed between a page and its checkpoint stores
  that page again as duplicates on the next run: nothing twice, nothing missed.

An item the connector cannot read (`BadPage`, or a value it cannot map) goes to
`run.quarantine(...)` with its raw bytes and the reason, and the run goes on. A connector that
can read such an item again has `replay(run, raw, where)` (optional): after the cause is fixed
(the mapping, a missing Location), an administrator replays the quarantined item
(`PATCH /api/v1/quarantine/{id}`) and it is stored — or kept with the new reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from stadsdata.service.sink import Reading

if TYPE_CHECKING:
    from stadsdata.sources.http import Http
    from stadsdata.sources.run import Run


@dataclass
class Item:
    """One thing a source sent (a measurement, a row, an observation) as readings: `raw` is its
    bytes as received (quarantined as they are when it cannot be stored), `where` the URL or
    file position it came from, each reading's `key` unique within the source."""

    raw: bytes
    where: str
    readings: list[Reading] = field(default_factory=list)


@dataclass
class Probe:
    """What `check` is given: the source's name, its config (secrets resolved) and an HTTP client."""

    name: str
    config: dict[str, Any]
    http: Http


class Connector(Protocol):
    def check(self, probe: Probe) -> str: ...

    def run(self, run: Run) -> None: ...


class DemoUpstream(Protocol):
    """What a kind offers the demo city (`serve --demo`, `demo/upstreams.py`): a fake of its
    upstream service with live data in the real format (an ASGI app the demo serves on a port of
    its own on loopback; None for a kind that reads no service, e.g. files), and the source that
    reads it (at `url`, None without a service)."""

    def app(self) -> Any: ...

    def source(self, url: str | None) -> dict[str, Any]: ...
