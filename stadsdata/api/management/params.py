"""Query parameters that many management endpoints share: the page size and the cursor of HAL
list pages."""

from typing import Annotated

from fastapi import Query

from stadsdata.api.management import models

Limit = Annotated[int, Query(ge=1, le=1000, description="items per page")]
Cursor = Annotated[int | None, Query(ge=0, le=models.MAX_ID, description="from `_links.next` of the previous page")]
