"""The processing register (GDPR art. 30) at /api/v1/processing-register, generated from the
catalog (`stadsdata/catalog/processing_register.py`): for every dataset the caller is shown that
holds personal data, its record of processing and its recipients; as JSON or as CSV. Open to
everyone for the datasets they are shown (municipalities publish this register); residents are
never named."""

# No `from __future__ import annotations`: FastAPI reads these annotations, `Who` is a parameter.
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response

from stadsdata.api.management.endpoints import Endpoints
from stadsdata.catalog.processing_register import processing_register, register_csv, register_view
from stadsdata.platform import Platform


def add_processing_routes(router: APIRouter, tools: Endpoints, Who: Any, platform: Platform) -> None:  # noqa: N803 - a type
    @router.get(
        "/processing-register", tags=["catalog"], response_model=None,
        summary="The processing register (GDPR art. 30): purpose, legal basis, categories, recipients and retention per dataset with personal data",
    )  # fmt: skip
    def get_processing_register(
        request: Request, who: Who, format: Annotated[str, Query(pattern="^(json|csv)$", description="json (default) or csv")] = "json"
    ) -> Response:
        records = processing_register(platform.catalog, who)
        root = tools.site_url(request)
        if format == "csv":
            headers = {"Content-Disposition": 'attachment; filename="processing-register.csv"'}
            return Response(register_csv(records, root), media_type="text/csv; charset=utf-8", headers=headers)
        return JSONResponse(register_view(records, root))
