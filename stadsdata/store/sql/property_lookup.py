"""Things by a text member of their `properties`, written as the literal expression of an index
where there is one (migration 0017: `ngsild.id`, the id an entity was created with over NGSI-LD),
so that the database uses the index instead of reading every Thing's properties."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, text


def _expression(dialect: str, path: tuple[str, ...]) -> str:
    if not path or not all(p.replace("_", "").isalnum() for p in path):
        raise ValueError(f"a property path of plain names, not {path!r}")
    if dialect == "postgresql":
        return "(properties #>> '{" + ",".join(path) + "}')"
    return "json_extract(properties, '$." + ".".join(path) + "')"


def things_by_property_text(conn: Connection, path: tuple[str, ...], values: Sequence[str]) -> list[int]:
    """The ids of the Things whose properties hold one of `values` (text) at `path`, in id order.
    No access decision: the caller reads the Things through its scope afterwards."""
    if not values:
        return []
    expression = _expression(conn.dialect.name, path)
    stmt = text(f"SELECT id FROM things WHERE {expression} IN :values ORDER BY id").bindparams(
        bindparam("values", expanding=True)
    )
    found: set[int] = set()
    wanted = sorted(set(values))
    for start in range(0, len(wanted), 500):
        found.update(int(row[0]) for row in conn.execute(stmt, {"values": wanted[start : start + 500]}))
    return sorted(found)
