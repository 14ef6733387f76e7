"""The demo city's station of the national air quality network, as the Luchtmeetnet open API would
serve it: station NL99901 Veenhaven-Centrum measuring NO2, PM10 and PM2.5, and the LKI index,
hourly values made from the time (the same hour gives the same value), paged in the body."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from stadsdata.model.values import parse_instant

STATION = "NL99901"
LEVELS = {"NO2": 24.0, "PM10": 19.0, "PM25": 11.0}
PAGE = 100


def _value(formula: str, hour: datetime) -> float:
    h = hour.timestamp() / 3600
    if formula == "LKI":
        return float(max(1, min(11, round(2 + 2 * math.sin(h / 24 * 2 * math.pi) + (h % 5) / 4))))
    return round(LEVELS[formula] * (1 + 0.4 * math.sin((h - 8) / 24 * 2 * math.pi) + 0.1 * math.sin(h / 7)), 1)


class LuchtmeetnetDemo:
    def app(self) -> Starlette:
        async def station(request: Request) -> JSONResponse:
            if request.path_params["number"] != STATION:
                return JSONResponse({"message": "Station not found"}, status_code=404)
            return JSONResponse({"data": {
                "type": "Regional", "components": sorted(LEVELS), "geometry": {"type": "point", "coordinates": [6.0899, 52.5131]},
                "municipality": "Veenhaven", "url": "", "province": "Overijssel", "organisation": "RIVM", "location": "Veenhaven-Centrum",
                "year_start": "2019", "description": {"NL": "Veenhaven-Centrum", "EN": "Veenhaven-Centrum"},
            }})  # fmt: skip

        async def values(request: Request) -> JSONResponse:
            formula = "LKI" if request.url.path.endswith("/lki") else request.query_params.get("formula", "")
            if request.query_params.get("station_number") != STATION or (formula != "LKI" and formula not in LEVELS):
                rows: list[dict[str, Any]] = []
            else:
                start = parse_instant(request.query_params["start"], field="start")
                end = min(parse_instant(request.query_params["end"], field="end"), datetime.now(UTC))
                hour = start.replace(minute=0, second=0, microsecond=0) + (
                    timedelta(hours=1) if start.minute or start.second else timedelta()
                )
                rows = []
                while hour <= end:
                    rows.append({"station_number": STATION, "formula": formula, "value": _value(formula, hour),
                                 "timestamp_measured": hour.strftime("%Y-%m-%dT%H:%M:%S+00:00")})  # fmt: skip
                    hour += timedelta(hours=1)
            page = int(request.query_params.get("page", 1))
            last = max(1, -(-len(rows) // PAGE))
            pagination = {"last_page": last, "first_page": 1, "prev_page": max(1, page - 1), "current_page": page,
                          "page_list": list(range(1, last + 1)), "next_page": min(last, page + 1)}  # fmt: skip
            return JSONResponse({"pagination": pagination, "data": rows[(page - 1) * PAGE : page * PAGE]})

        return Starlette(routes=[
            Route("/open_api/stations/{number}", station), Route("/open_api/measurements", values), Route("/open_api/lki", values),
        ])  # fmt: skip

    def source(self, url: str | None) -> dict[str, Any]:
        return {
            "name": "luchtmeetnet-veenhaven",
            "kind": "luchtmeetnet",
            "title": "Luchtmeetnet: station Veenhaven-Centrum (demo upstream)",
            "config": {"url": f"{url}/open_api", "stations": [STATION], "rate_limit_per_s": 50},
            "schedule": {"every": "PT5M"},
            "dataset": "luchtkwaliteit",
        }
