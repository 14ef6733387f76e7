"""When a source runs next (interval, cron, back-off after failures) and how its secrets are read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stadsdata.errors import BadRequest
from stadsdata.sources import schedule, secrets

NOW = datetime(2026, 12, 4, 10, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(("every", "seconds"), [(90, 90.0), ("PT5M", 300.0), ("PT1H30M", 5400.0), ("P1D", 86400.0), ("PT0.5S", 0.5)])
def test_an_interval_is_seconds_or_an_iso_duration(every: object, seconds: float) -> None:
    assert schedule.seconds(every) == seconds  # type: ignore[arg-type]


def test_the_next_run_of_an_interval_counts_from_the_start_of_the_last() -> None:
    started = NOW - timedelta(minutes=2)
    assert schedule.next_run({"every": "PT10M"}, started=started, now=NOW) == started + timedelta(minutes=10)
    assert schedule.next_run({"every": 60}, started=NOW - timedelta(minutes=5), now=NOW) == NOW  # overdue: now


def test_the_next_run_of_a_cron_schedule() -> None:
    assert schedule.next_run({"cron": "*/15 * * * *"}, started=NOW, now=NOW) == datetime(2026, 12, 4, 10, 15, tzinfo=UTC)


def test_failed_runs_back_off_doubling_up_to_the_interval_or_an_hour() -> None:
    waits = [(schedule.retry_at({"every": "PT10M"}, f, now=NOW) - NOW).total_seconds() for f in (1, 2, 3, 4, 5)]
    assert waits == [30, 60, 120, 240, 480]
    assert (schedule.retry_at({"every": "PT10M"}, 9, now=NOW) - NOW).total_seconds() == 600
    assert (schedule.retry_at({"cron": "0 3 * * *"}, 12, now=NOW) - NOW).total_seconds() == 3600


@pytest.mark.parametrize(
    ("value", "field"),
    [({"every": 0.5}, "schedule.every"), ({"every": "P"}, "schedule.every"), ({"every": True}, "schedule.every"),
     ({"cron": "61 * * * *"}, "schedule.cron"), ({}, "schedule"), ({"every": 60, "cron": "* * * * *"}, "schedule")],
)  # fmt: skip
def test_a_bad_schedule_names_the_member(value: object, field: str) -> None:
    with pytest.raises(BadRequest) as refused:
        schedule.check(value)
    assert refused.value.field == field


def test_secrets_are_read_from_the_environment_or_a_file_when_a_run_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "token").write_text("from-a-file\n")
    monkeypatch.setenv("LMN_KEY", "from-the-env")
    config = {"url": "x", "auth": {"type": "basic", "username": "u", "password": {"file": str(tmp_path / "token")}}, "key": {"env": "LMN_KEY"}}
    resolved = secrets.resolved(config, ("auth.password", "key", "auth.token"))
    assert resolved["auth"]["password"] == "from-a-file" and resolved["key"] == "from-the-env"
    assert config["key"] == {"env": "LMN_KEY"}  # the stored config keeps the reference
    monkeypatch.delenv("LMN_KEY")
    with pytest.raises(secrets.SecretMissing, match="config.key: the environment variable LMN_KEY is not set"):
        secrets.resolved(config, ("key",))


def test_a_secret_member_of_a_schema_takes_only_a_reference() -> None:
    schema = secrets.with_references({"type": "object", "properties": {"auth": {"type": "object"}}}, ("auth.token", "api_key"))
    assert schema["properties"]["api_key"] == secrets.REFERENCE_SCHEMA
    assert schema["properties"]["auth"]["properties"]["token"] == secrets.REFERENCE_SCHEMA
