"""The demo city's P+R and garages in the national parking data index (SPDP v2), as RDW's index
would serve them: an index of four Veenhaven facilities (one with limited access, which the
preset leaves out), their static documents (location, capacity, operator) and dynamic documents
whose vacant spaces follow the time of day (the same minute gives the same value). Read by a
source of kind `web-api` with the preset `spdp-v2`."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

# identifier, name, lon, lat, capacity, limited access
FACILITIES = [
    ("7f3c2a10-0d1e-4c55-9b7a-1a2b3c4d5e01", "P+R Veenhaven Station", 6.0868, 52.5052, 420, False),
    ("7f3c2a10-0d1e-4c55-9b7a-1a2b3c4d5e02", "P+R Veenhaven Noord", 6.0987, 52.5267, 260, False),
    ("7f3c2a10-0d1e-4c55-9b7a-1a2b3c4d5e03", "Garage Havenkwartier", 6.1049, 52.5131, 380, False),
    ("7f3c2a10-0d1e-4c55-9b7a-1a2b3c4d5e04", "Garage Stadhuis (vergunninghouders)", 6.0921, 52.5119, 90, True),
]
VALID_FROM = 1735686000  # 2025-01-01, epoch seconds as SPDP gives times


def _vacant(capacity: int, index: int, at: datetime) -> int:
    hour = at.hour + at.minute / 60
    busy = 0.45 + 0.4 * math.sin((hour - 7) / 24 * 2 * math.pi) + 0.05 * math.sin(hour * 3 + index)
    return max(0, min(capacity, round(capacity * (1 - busy))))


def _static(base: str, facility: tuple[str, str, float, float, int, bool]) -> dict[str, Any]:
    identifier, name, lon, lat, capacity, limited = facility
    return {"parkingFacilityInformation": {
        "description": name, "identifier": identifier, "name": name, "validityStartOfPeriod": VALID_FROM, "limitedAccess": limited,
        "locationForDisplay": {"latitude": lat, "longitude": lon},
        "operator": {"validityStartOfPeriod": VALID_FROM, "name": "Gemeente Veenhaven", "url": "https://veenhaven.example"},
        "specifications": [{"validityStartOfPeriod": VALID_FROM, "capacity": capacity, "chargingPointCapacity": 6, "disabledAccess": True,
                            "minimumHeightInMeters": 2.1, "usage": "P+R" if name.startswith("P+R") else "Garage parkeren"}],
    }}  # fmt: skip


class SpdpDemo:
    def app(self) -> Starlette:
        async def index(request: Request) -> JSONResponse:
            base = str(request.base_url).rstrip("/")
            return JSONResponse({"ParkingFacilities": [
                {"name": name, "identifier": identifier, "staticDataUrl": f"{base}/parkingdata/v2/static/{identifier}",
                 "dynamicDataUrl": f"{base}/parkingdata/v2/dynamic/{identifier}", "limitedAccess": limited, "staticDataLastUpdated": VALID_FROM}
                for identifier, name, _, _, _, limited in FACILITIES
            ]})  # fmt: skip

        def facility(request: Request) -> tuple[int, tuple[str, str, float, float, int, bool]] | None:
            return next(((i, f) for i, f in enumerate(FACILITIES) if f[0] == request.path_params["identifier"]), None)

        async def static(request: Request) -> JSONResponse:
            found = facility(request)
            if found is None or found[1][5]:
                return JSONResponse({"message": "Not found"} if found is None else {"message": "Unauthorized"}, status_code=404 if found is None else 401)
            return JSONResponse(_static(str(request.base_url), found[1]))

        async def dynamic(request: Request) -> JSONResponse:
            found = facility(request)
            if found is None or found[1][5]:
                return JSONResponse({"message": "Not found"}, status_code=404)
            index_, (identifier, name, _, _, capacity, _) = found
            now = datetime.now(UTC).replace(second=0, microsecond=0)
            vacant = _vacant(capacity, index_, now)
            return JSONResponse({"parkingFacilityDynamicInformation": {
                "identifier": identifier, "name": name, "description": name,
                "facilityActualStatus": {"lastUpdated": int(now.timestamp()), "open": True, "full": vacant == 0,
                                         "parkingCapacity": capacity, "vacantSpaces": vacant, "statusDescription": ""},
            }})  # fmt: skip

        return Starlette(routes=[
            Route("/parkingdata/v2", index), Route("/parkingdata/v2/static/{identifier}", static),
            Route("/parkingdata/v2/dynamic/{identifier}", dynamic),
        ])  # fmt: skip

    def source(self, url: str | None) -> dict[str, Any]:
        return {
            "name": "parkeerdata-veenhaven", "kind": "web-api", "title": "National parking data index (SPDP v2): P+R and garages (demo upstream)",
            "config": {"preset": "spdp-v2", "url": f"{url}/parkingdata/v2"}, "schedule": {"every": "PT1M"}, "dataset": "parkeren",
        }
