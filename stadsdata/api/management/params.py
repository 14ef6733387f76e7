"""Query parameters that many management endpoints share: the page size and the cursor of HAL
list pages; the `from` and `to` of a time range that defaults to the last 7 days (series, quality,
aggregates)."""

from typing import Annotated

from fastapi import Query

from stadsdata.api.management import models

Limit = Annotated[int, Query(ge=1, le=1000, description="items per page")]
Cursor = Annotated[int | None, Query(ge=0, le=models.MAX_ID, description="from `_links.next` of the previous page")]
WeekFrom = Annotated[str | None, Query(alias="from", description="ISO 8601 with a zone; default: `to` minus 7 days")]
WeekTo = Annotated[str | None, Query(description="ISO 8601 with a zone; default: now")]
