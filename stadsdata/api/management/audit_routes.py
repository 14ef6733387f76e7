"""Management endpoint of the audit log: reads of non-public data (`management/audit.py`)."""

# No `from __future__ import annotations`: FastAPI reads these annotations, `Who` is a parameter.
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.api.management.params import Cursor, Limit
from stadsdata.management import audit


def add_audit_routes(router: APIRouter, tools: Endpoints, Who: Any) -> None:  # noqa: N803 - a type
    run, listing = tools.run, tools.listing

    @router.get("/audit-events", tags=["audit"], summary="Reads of non-public data: of the caller's datasets, and by its parties")
    def list_audit_events(
        request: Request,
        who: Who,
        datasetId: models.Id | None = None,
        since: datetime | None = None,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> JSONResponse:
        since_utc = None if since is None else since.astimezone(UTC) if since.tzinfo else since.replace(tzinfo=UTC)
        found = run(who, lambda a: audit.list_audit_events(a, dataset_id=datasetId, since=since_utc, limit=limit, cursor=cursor))
        return listing(request, "auditEvents", found)
