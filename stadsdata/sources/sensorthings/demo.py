"""The demo city's citizen air sensors, as RIVM Samen Meten would serve them: a small SensorThings
v1.0 server (Starlette) with six sensor kits in Veenhaven, each measuring PM2.5 and PM10 every ten
minutes, values made from the time (the same time gives the same value, so the copies can be
checked). Paged as real servers do: `$top` capped at 200, an @iot.nextLink with `$skip`."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from stadsdata.model.values import format_instant, parse_instant

KITS = [("SSK_VH01", 6.0842, 52.5161), ("SSK_VH02", 6.0961, 52.5098), ("SSK_VH03", 6.1034, 52.5172),
        ("SSK_VH04", 6.0779, 52.5069), ("SSK_VH05", 6.0912, 52.5214), ("SSK_VH06", 6.1088, 52.5041)]  # fmt: skip
STREAMS = (("pm25", 1, 9.0), ("pm10", 2, 17.0))  # observed property, id offset, typical level
HISTORY = timedelta(days=2)
CAP = 200
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


def _value(stream_id: int, at: datetime) -> float:
    hours = at.timestamp() / 3600
    level = dict((offset, base) for _, offset, base in STREAMS)[stream_id % 10]
    return round(level * (1 + 0.35 * math.sin(hours / 24 * 2 * math.pi + stream_id) + 0.15 * math.sin(hours * 1.7 + stream_id / 3)), 1)


def _things(base: str) -> list[dict[str, Any]]:
    out = []
    for n, (name, lon, lat) in enumerate(KITS, start=1):
        streams = [{
            "@iot.id": n * 10 + offset, "@iot.selfLink": f"{base}/Datastreams({n * 10 + offset})", "name": f"{name}-{prop}",
            "description": f"{name}-{prop}", "observationType": MEASUREMENT,
            "unitOfMeasurement": {"symbol": "ug/m3", "name": "microgram per cubic meter", "definition": "http://www.qudt.org/qudt/owl/1.0.0/unit/Instances.html#MicrogramPerCubicMeter"},
            "Sensor": {"@iot.id": 3, "name": "Nova SDS011", "description": "Nova SDS011 fijnstofsensor", "encodingType": "application/pdf",
                       "metadata": "https://cdn-reichelt.de/documents/datenblatt/X200/SDS011-DATASHEET.pdf"},
            "ObservedProperty": {"@iot.id": offset, "name": prop, "definition": f"https://www.eea.europa.eu/themes/air/{prop}", "description": f"Fijnstof {prop}"},
        } for prop, offset, _ in STREAMS]  # fmt: skip
        out.append({
            "@iot.id": n, "@iot.selfLink": f"{base}/Things({n})", "name": name, "description": f"Samen Meten sensorkit {name}",
            "properties": {"codegemeente": "9999", "owner": "Bewoners Veenhaven", "project": "Samen Meten Veenhaven"},
            "Locations": [{"@iot.id": 100 + n, "name": f"loc_{name}", "description": f"location of {name}", "encodingType": "application/vnd.geo+json",
                           "location": {"type": "Point", "coordinates": [lon, lat]}}],
            "Datastreams": streams,
        })  # fmt: skip
    return out


def _page(request: Request, rows: list[dict[str, Any]]) -> JSONResponse:
    skip = int(request.query_params.get("$skip", 0))
    top = min(int(request.query_params.get("$top", 100)), CAP)
    body: dict[str, Any] = {"value": rows[skip : skip + top]}
    if skip + top < len(rows):
        query = {k: v for k, v in request.query_params.items() if k not in ("$skip", "$top")} | {"$top": top, "$skip": skip + top}
        body["@iot.nextLink"] = f"{str(request.url).split('?')[0]}?{urlencode(query)}"
    return JSONResponse(body)


class SamenMetenDemo:
    def app(self) -> Starlette:
        async def things(request: Request) -> JSONResponse:
            return _page(request, _things(str(request.base_url).rstrip("/") + "/v1.0"))

        async def observations(request: Request) -> JSONResponse:
            stream = int(request.path_params["stream"])
            if stream // 10 not in range(1, len(KITS) + 1) or stream % 10 not in (1, 2):
                return JSONResponse({"code": 404, "type": "error", "message": "Datastream not found"}, status_code=404)
            now = datetime.now(UTC)
            first = math.ceil((now - HISTORY).timestamp() / 600)  # ten-minute slots
            condition = request.query_params.get("$filter", "")
            if condition.startswith("phenomenonTime ge "):
                first = max(first, math.ceil(parse_instant(condition.removeprefix("phenomenonTime ge "), field="$filter").timestamp() / 600))
            rows = []
            for n in range(first, int(now.timestamp() // 600) + 1):
                at = datetime.fromtimestamp(n * 600, UTC)
                rows.append({"@iot.id": stream * 10**9 + n, "phenomenonTime": format_instant(at), "result": _value(stream, at), "resultTime": None})
            return _page(request, rows)

        return Starlette(routes=[
            Route("/v1.0/Things", things), Route("/v1.0/Datastreams({stream:int})/Observations", observations),
        ])  # fmt: skip

    def source(self, url: str | None) -> dict[str, Any]:
        return {
            "name": "samen-meten-veenhaven", "kind": "sensorthings", "title": "Samen Meten: citizen air sensors (demo upstream)",
            "config": {"url": f"{url}/v1.0", "page_size": 200}, "schedule": {"every": "PT1M"}, "dataset": "luchtkwaliteit",  # the demo city's air quality dataset
        }
