"""The floor for HTTP benchmarks: a bare Starlette app with the plain database driver (`sqlite3`,
or `psycopg` when STADSDATA_DATABASE is a PostgreSQL URL) and `orjson` that does the two things
the benchmarks ask of stadsdata (read a Datastream row by id and serialise it; insert one row and
commit), with no access control, validation or summaries. What it costs is what the Python HTTP
stack and the driver themselves cost; `uvicorn floor_app:app` with STADSDATA_DATABASE set to a
stadsdata database (its `datastreams` table is read; readings go to a table of its own)."""

from __future__ import annotations

import os
import sqlite3
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

DATABASE = os.environ["STADSDATA_DATABASE"]
_db: Any
if DATABASE.startswith("postgresql"):
    import psycopg

    _db = psycopg.connect(DATABASE.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    _db.execute(
        "CREATE TABLE IF NOT EXISTS floor_readings (id BIGSERIAL PRIMARY KEY, datastream_id BIGINT, phenomenon_time TIMESTAMPTZ, result DOUBLE PRECISION)"
    )
    _SELECT = "SELECT id, name, description FROM datastreams WHERE id = %s"
    _INSERT = "INSERT INTO floor_readings (datastream_id, phenomenon_time, result) VALUES (%s, %s, %s) RETURNING id"
else:
    _db = sqlite3.connect(DATABASE, check_same_thread=False, isolation_level=None)
    _db.execute("PRAGMA journal_mode=WAL")
    _db.execute("PRAGMA synchronous=NORMAL")
    _db.execute(
        "CREATE TABLE IF NOT EXISTS floor_readings (id INTEGER PRIMARY KEY, datastream_id INTEGER, phenomenon_time TEXT, result REAL)"
    )
    _SELECT = "SELECT id, name, description FROM datastreams WHERE id = ?"
    _INSERT = "INSERT INTO floor_readings (datastream_id, phenomenon_time, result) VALUES (?, ?, ?) RETURNING id"


async def ready(request: Request) -> Response:
    return Response(b"ok")


async def datastream(request: Request) -> Response:
    row = _db.execute(_SELECT, (1,)).fetchone()
    body = {"@iot.id": row[0], "name": row[1], "description": row[2], "@iot.selfLink": f"{request.base_url}v1.1/Datastreams({row[0]})"}
    return Response(orjson.dumps(body), media_type="application/json")


async def observation(request: Request) -> Response:
    reading = orjson.loads(await request.body())
    new_id = _db.execute(_INSERT, (reading["Datastream"]["@iot.id"], reading["phenomenonTime"], reading["result"])).fetchone()[0]
    return Response(status_code=201, headers={"Location": f"{request.base_url}v1.1/Observations({new_id})"})


app = Starlette(routes=[
    Route("/readyz", ready), Route("/v1.1/Datastreams(1)", datastream), Route("/v1.1/Observations", observation, methods=["POST"]),
])  # fmt: skip
