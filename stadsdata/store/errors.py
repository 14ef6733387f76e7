"""The store's own errors: what went wrong in the database, in words the layers above can act on,
so that no module outside `store/` knows the database library. Every store transaction
(`Store.write()`, `Store.read_only()`) raises these instead of the driver's exceptions; `detail`
is the first line of the database's own message (for logs and 4xx texts), `__cause__` the
original."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError

_CONNECTION_TROUBLE = ("connection", "could not connect", "server closed", "terminating", "shutting down")


class StoreError(Exception):
    """A database error the store could not place more precisely (a server fault: 500)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ConstraintViolated(StoreError):
    """A change broke a constraint of the schema (a unique key, a foreign key)."""


class InvalidValue(StoreError):
    """The database cannot hold or evaluate a value of the request: a comparison of text with a
    number, an overflow, a division by zero, NUL in a text. The client's doing, not the server's."""


class TooComplex(StoreError):
    """The statement is too large or too deep for the database."""


class Collided(StoreError):
    """The database aborted the transaction to break a deadlock or a serialization conflict; run
    the whole transaction again."""


class Busy(StoreError):
    """The database is locked by another writer for longer than the store waits."""


class WouldWait(Busy):
    """Under `Store.without_waiting()`: the transaction would have had to wait (for the writer's
    lock, or for a lock on the database); nothing of it was kept. Run it again where waiting is
    allowed."""


class TimedOut(StoreError):
    """The statement ran past the statement timeout and was cancelled."""


class StorageFull(StoreError):
    """The database's disk is full: nothing of the transaction was stored."""


class Unavailable(StoreError):
    """The database cannot be reached (refused, lost, shutting down)."""


def translated(exc: SQLAlchemyError) -> StoreError:
    """The store error for a database library's exception."""
    original = getattr(exc, "orig", None)
    message = str(original if original is not None else exc).strip()
    detail = message.splitlines()[0] if message else type(exc).__name__
    sqlstate = getattr(original, "sqlstate", None)
    if isinstance(exc, IntegrityError):
        return ConstraintViolated(detail)
    if isinstance(exc, DataError | ProgrammingError):
        return InvalidValue(detail)
    if isinstance(exc, OperationalError):
        if sqlstate in ("40001", "40P01"):  # serialization failure, deadlock detected
            return Collided(detail)
        if "disk is full" in message or "No space left" in message or sqlstate == "53100":
            return StorageFull(detail)
        if "locked" in message or "busy" in message:
            return Busy(detail)
        if "statement timeout" in message or "canceling statement" in message:
            return TimedOut(detail)
        if any(word in message for word in ("too many", "too large", "stack", "depth")):
            return TooComplex(detail)
        if exc.connection_invalidated or any(word in message for word in _CONNECTION_TROUBLE):
            return Unavailable(detail)
    return StoreError(detail)


def shown_database(database: str) -> str:
    """A database setting fit to print: a URL without its password, a file path as it is."""
    return make_url(database).render_as_string(hide_password=True) if "://" in database else database
