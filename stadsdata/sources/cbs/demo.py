"""The demo city's key figures, as CBS's OData v4 API would serve table 86165NED (Kerncijfers wijken
en buurten) for the fictional municipality GM9999 Veenhaven and its six wijken: inhabitants,
households and cars per region (made up, fixed). Read by a source of kind `cbs` that places each
region at the city's centre (CBS gives no geometry)."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TABLE = "86165NED"
REGIONS = {
    "GM9999": "Veenhaven", "WK999901": "Binnenstad", "WK999902": "Havenkwartier", "WK999903": "Stationskwartier",
    "WK999904": "Veenlanden", "WK999905": "Noorderpolder", "WK999906": "Oosterhout",
}  # fmt: skip
INHABITANTS = {"WK999901": 6840, "WK999902": 5210, "WK999903": 4475, "WK999904": 9930, "WK999905": 3120, "WK999906": 7385}
MEASURES = [
    {"Identifier": "T001036", "Title": "Aantal inwoners", "Description": "Het aantal inwoners op 1 januari.", "MeasureGroupId": "H1", "Unit": "aantal", "PresentationType": "Absolute"},
    {"Identifier": "1050010_2", "Title": "Huishoudens totaal", "Description": "Het aantal particuliere huishoudens op 1 januari.", "MeasureGroupId": "H3", "Unit": "aantal", "PresentationType": "Absolute"},
    {"Identifier": "A018943_2", "Title": "Personenauto's totaal", "Description": "Aantal personenauto's op 1 januari.", "MeasureGroupId": "H9", "Unit": "aantal", "PresentationType": "Absolute"},
]  # fmt: skip


def _rows() -> list[dict[str, Any]]:
    people = {**INHABITANTS, "GM9999": sum(INHABITANTS.values())}
    rows = []
    for code, count in people.items():
        for measure, value in (("T001036", count), ("1050010_2", round(count / 2.1)), ("A018943_2", round(count * 0.42))):
            rows.append({"Id": len(rows), "Measure": measure, "ValueAttribute": "None", "Value": float(value), "StringValue": None, "WijkenEnBuurten": code})
    return rows


class CbsDemo:
    def app(self) -> Starlette:
        async def measure_codes(request: Request) -> JSONResponse:
            return JSONResponse({"@odata.context": f"{request.base_url}CBS/{TABLE}/$metadata#MeasureCodes", "value": MEASURES})

        async def region_codes(request: Request) -> JSONResponse:
            found = [{"Identifier": code, "Title": title} for code, title in REGIONS.items()]
            return JSONResponse({"@odata.context": f"{request.base_url}CBS/{TABLE}/$metadata#WijkenEnBuurtenCodes", "value": found})

        async def observations(request: Request) -> JSONResponse:
            return JSONResponse({"@odata.context": f"{request.base_url}CBS/{TABLE}/$metadata#Observations", "value": _rows()})

        return Starlette(routes=[
            Route(f"/CBS/{TABLE}/MeasureCodes", measure_codes), Route(f"/CBS/{TABLE}/WijkenEnBuurtenCodes", region_codes),
            Route(f"/CBS/{TABLE}/Observations", observations),
        ])  # fmt: skip

    def source(self, url: str | None) -> dict[str, Any]:
        return {
            "name": "cbs-kerncijfers-veenhaven", "kind": "cbs", "title": "CBS key figures of Veenhaven's wijken (demo upstream)",
            "config": {"url": f"{url}/CBS", "table": TABLE, "municipality": "GM9999", "levels": ["GM", "WK"], "point": [6.0917, 52.5125]},
            "schedule": {"every": "P7D"}, "dataset": None,
        }
