"""Management endpoints of downloads (`stadsdata/catalog/downloads/`, `docs/downloads.md`): a
dataset's observations at /api/v1/datasets/{id}/download, any selection of streams at
/api/v1/downloads, and the caller's party's own export at /api/v1/me/export. Each answer is
streamed (`Content-Disposition: attachment`); whatever can refuse it is decided before the first
byte and answered as problem+json naming the parameter."""

# No `from __future__ import annotations`: FastAPI reads these annotations, `Who` is a parameter.
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import StreamingResponse

from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.catalog.downloads import FORMATS, Download, Downloads, Limits, PersonalExport, parse_selection
from stadsdata.platform import Platform

Many = Annotated[list[str] | None, Query(description="one value, several (repeat the parameter) or values separated by commas")]
Format = Annotated[str, Query(description=f"one of {', '.join(FORMATS)}")]
From = Annotated[str | None, Query(alias="from", description="phenomenon times from (included): ISO 8601 with a zone")]
To = Annotated[str | None, Query(description="phenomenon times until (not included): ISO 8601 with a zone")]
Box = Annotated[str | None, Query(description="streams whose Thing has a Location in minLon,minLat,maxLon,maxLat (WGS84)")]
Bundle = Annotated[str | None, Query(description="'zip': the file in a zip with a README.md and a datapackage.json")]
FILES = {"content": {"text/csv": {}, "application/geo+json": {}, "application/vnd.apache.parquet": {}, "application/zip": {}}}


def add_download_routes(router: APIRouter, tools: Endpoints, Who: Any, platform: Platform) -> None:  # noqa: N803 - a type
    settings = tools.settings
    limits = Limits(settings.download_chunk_rows, settings.download_max_rows, settings.default_access_level)
    downloads = Downloads(platform.store, platform.core.access, platform.catalog, limits)
    export = PersonalExport(platform.store, platform.core.access, settings.download_chunk_rows)

    @router.get(
        "/datasets/{dataset_id}/download", tags=["downloads"], responses={200: FILES},
        summary="The dataset's observations as CSV, GeoJSON or Parquet, streamed, with its licence (for who may read it)",
    )  # fmt: skip
    def download_dataset(
        request: Request, dataset_id: models.Id, who: Who, format: Format = "csv", from_: From = None, to: To = None,
        datastreams: Many = None, multiDatastreams: Many = None, observedProperty: Many = None, bbox: Box = None,  # noqa: N803
        bundle: Bundle = None,
    ) -> StreamingResponse:  # fmt: skip
        selection = parse_selection(
            format=format, datastreams=datastreams or (), multi_datastreams=multiDatastreams or (),
            observed_properties=observedProperty or (), start=from_, end=to, bbox=bbox, bundle=bundle,
        )  # fmt: skip
        return _answer(downloads.of_dataset(who, dataset_id, selection, _request(request), tools.site_url(request)))

    @router.get(
        "/downloads", tags=["downloads"], responses={200: FILES},
        summary="Observations of any selection of streams (ids, datasets, ObservedProperties, area, time) as CSV, GeoJSON or Parquet",
    )  # fmt: skip
    def download_selection(
        request: Request, who: Who, format: Format = "csv", from_: From = None, to: To = None, datastreams: Many = None,
        multiDatastreams: Many = None, dataset: Many = None, observedProperty: Many = None, bbox: Box = None,  # noqa: N803
        bundle: Bundle = None,
    ) -> StreamingResponse:  # fmt: skip
        selection = parse_selection(
            format=format, datastreams=datastreams or (), multi_datastreams=multiDatastreams or (), datasets=dataset or (),
            observed_properties=observedProperty or (), start=from_, end=to, bbox=bbox, bundle=bundle,
        )  # fmt: skip
        return _answer(downloads.of_selection(who, selection, _request(request), tools.site_url(request)))

    @router.get(
        "/me/export", tags=["downloads"], responses={200: {"content": {"application/zip": {}}}},
        summary="Everything the platform holds about the caller's party and its sensors, and who read it, as one zip (GDPR art. 15, 20)",
    )  # fmt: skip
    def export_mine(request: Request, who: Who) -> StreamingResponse:
        return _answer(export.archive(who, _request(request)))


def _answer(download: Download) -> StreamingResponse:
    headers = {"Content-Disposition": f'attachment; filename="{download.filename}"', **download.headers}
    return StreamingResponse(download.body, media_type=download.media_type, headers=headers)


def _request(request: Request) -> str:
    """The request as the audit log records it."""
    return f"GET {request.url.path}" + (f"?{request.url.query}" if request.url.query else "")
