"""Every error as RFC 9457 problem+json, rendered in one place."""

from __future__ import annotations

import logging

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from stadsdata.errors import PROBLEM_JSON, ProblemError

log = logging.getLogger(__name__)


def problem_response(error: ProblemError, instance: str | None = None) -> Response:
    headers = {}
    if error.status in (429, 503, 507):
        headers["Retry-After"] = str(error.extra.get("retryAfter", 1))
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="stadsdata", Basic realm="stadsdata"'
    if error.status in (401, 403):
        headers["Cache-Control"] = "no-store"
    return Response(orjson.dumps(error.to_problem(instance)), status_code=error.status, media_type=PROBLEM_JSON, headers=headers)


async def refuse_unread(error: ProblemError, scope: Scope, receive: Receive, send: Send, *, drain_limit: int = 1024 * 1024) -> None:
    """Answer `error` to a request whose body was not read: the body is read first (up to
    `drain_limit` bytes), so that the client gets the answer instead of a connection reset
    while it is still sending."""
    read = 0
    while read <= drain_limit:
        message = await receive()
        if message["type"] != "http.request":
            break
        read += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    await problem_response(error, scope["path"])(scope, receive, send)


def install(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        return problem_response(exc, request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        error = ProblemError(str(exc.detail), status=exc.status_code)
        error.title = {404: "Not Found", 405: "Method Not Allowed"}.get(exc.status_code, "Error")
        return problem_response(error, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        location = list(first.get("loc", ()))
        if location and location[0] in ("body", "query", "path", "header") and len(location) > 1:
            location = location[1:]  # name the field as the client wrote it: 'purpose', not 'body.purpose'
        field = ".".join(str(p) for p in location)
        return problem_response(ProblemError(first.get("msg", "invalid request"), field=field or None), request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        return unexpected_response(request.method, request.url.path)


def unexpected_response(method: str, path: str) -> Response:
    """The 500 answer to an error nobody handled (logged here, with its traceback)."""
    log.exception("unhandled error on %s %s", method, path)
    error = ProblemError("an unexpected error occurred; it has been logged", status=500)
    error.title = "Internal Server Error"
    return problem_response(error, path)
