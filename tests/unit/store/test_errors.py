"""The store's own errors: each kind of database library exception becomes the store error the
layers above act on (they never see the library's)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, ProgrammingError

from stadsdata.store import errors


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: parties.name")), errors.ConstraintViolated),
        (DataError("SELECT", {}, Exception("value out of range: overflow")), errors.InvalidValue),
        (ProgrammingError("SELECT", {}, Exception("operator does not exist: text > integer")), errors.InvalidValue),
        (OperationalError("INSERT", {}, psycopg.errors.DeadlockDetected("deadlock detected")), errors.Collided),
        (OperationalError("INSERT", {}, psycopg.errors.SerializationFailure("could not serialize")), errors.Collided),
        (OperationalError("INSERT", {}, Exception("database or disk is full")), errors.StorageFull),
        (OperationalError("BEGIN", {}, Exception("database is locked")), errors.Busy),
        (OperationalError("SELECT", {}, Exception("canceling statement due to statement timeout")), errors.TimedOut),
        (OperationalError("SELECT", {}, Exception("parser stack overflow")), errors.TooComplex),
        (OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly")), errors.Unavailable),
        (OperationalError("SELECT", {}, Exception("something else entirely")), errors.StoreError),
    ],
)
def test_each_database_error_becomes_the_store_error_for_it(raised: Exception, expected: type[errors.StoreError]) -> None:
    translated = errors.translated(raised)  # type: ignore[arg-type]
    assert type(translated) is expected
    assert translated.detail == str(raised.orig).splitlines()[0]  # type: ignore[attr-defined]


def test_a_database_url_is_shown_without_its_password() -> None:
    assert errors.shown_database("postgresql://city:geheim@db:5432/stad") == "postgresql://city:***@db:5432/stad"
    assert errors.shown_database("stadsdata.db") == "stadsdata.db"
