"""Batch entity operations (clause 6.14–6.17): create, upsert, update and delete of a list of
entities. Each entity is one write of its own (an error leaves the others done) and the answer
is the spec's: 201 with the ids of created entities, 204 when nothing is to say, 207 with a
BatchOperationResult (`success`: the ids done, `errors`: `{entityId, error}` problem details)
when one failed.

Upsert does not replace: an existing entity gets the given attributes appended (overwriting
those of the same name); with `options=update` and without it alike (docs/ngsi-ld.md)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from stadsdata.api.ngsild.attributes import entity_id, split_entity
from stadsdata.api.ngsild.entities import Source
from stadsdata.api.ngsild.errors import BadRequestData, ResourceNotFound, translated
from stadsdata.api.ngsild.responses import answer, empty
from stadsdata.api.ngsild.writing import Writer
from stadsdata.errors import ProblemError

OPERATIONS = ("create", "upsert", "update", "delete")
MAX_ENTITIES = 1000


def batch_operation(request: Request, writer: Writer, operation: str, body: Any, options: set[str]) -> Response:
    if operation not in OPERATIONS:
        raise ResourceNotFound(f"no batch operation {operation!r}; they are {', '.join(OPERATIONS)}", field="operation")
    if not isinstance(body, list) or not body:
        raise BadRequestData("a batch operation's body is a non-empty JSON array", field="body")
    if len(body) > MAX_ENTITIES:
        raise BadRequestData(f"at most {MAX_ENTITIES} entities per batch operation", field="body")
    named = [i.get("id") if isinstance(i, dict) else i for i in body]
    ids = [i for i in named if isinstance(i, str)]
    visible = {s.entity_id: s for s in writer.visible(f"ngsi-ld:entityOperations/{operation}", ids)}
    success: list[str] = []
    created: list[str] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(body):
        given = item.get("id") if isinstance(item, dict) else item
        try:
            if operation == "delete":
                target = _existing(visible, entity_id(item, field=f"[{index}]"))
                writer.delete(target)
                success.append(target.entity_id)
                continue
            ident, kind, attributes = split_entity(item, field=f"[{index}]")
            if operation == "create" or (operation == "upsert" and ident not in visible):
                writer.create(ident, kind, attributes)
                created.append(ident)
            else:
                result = writer.update(
                    _existing(visible, ident), attributes, append=True, overwrite="noOverwrite" not in options
                )
                if result.not_updated and operation == "update" and "noOverwrite" not in options:
                    raise BadRequestData(
                        f"attributes not updated: {', '.join(a['attributeName'] for a in result.not_updated)}"
                    )
            success.append(ident)
        except ProblemError as exc:
            error = translated(exc)
            errors.append({"entityId": given if isinstance(given, str) else None, "error": error.to_problem()})
    if errors:
        return answer(request, {"success": success, "errors": errors}, status=207)
    if operation == "create" or (operation == "upsert" and created):
        return answer(request, created, status=201)
    return empty()


def _existing(visible: dict[str, Source], ident: str) -> Source:
    found = visible.get(ident)
    if found is None:
        raise ResourceNotFound(f"entity {ident} does not exist", field="id")
    return found
