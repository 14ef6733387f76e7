"""The HTTP side of the Action API: `/api/3/action/{name}` and `/api/action/{name}` on GET (the
parameters in the query string) and POST (a JSON object as the body; or form fields, or the query
string, as CKAN reads them — ckan/views/api.py `_get_request_data`), and `/api/3` ({"version": 3}).

Credentials: CKAN clients send their key bare in `Authorization` (and in `X-CKAN-API-Key`), not as
`Bearer …`. A bare `sdk_…` key is handed to the platform's authenticator as `X-API-Key`, another
bare token as a bearer token (an OpenID Connect token, where an issuer is configured); everything
else — `Bearer`, `Basic`, the web UI's session — the authenticator takes as for every face.
Wrong credentials are refused (401 `Authorization Error`), never read as anonymous."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from stadsdata.access.api_keys import PREFIX
from stadsdata.access.policy import ANONYMOUS
from stadsdata.api.ckan.context import Context
from stadsdata.api.ckan.envelope import checked_callback, failure, help_url, success
from stadsdata.api.ckan.errors import BadRequest, InternalError, MethodNotAllowed, from_exception
from stadsdata.api.ckan.params import Params
from stadsdata.api.ckan.registry import ACTIONS
from stadsdata.api.sta.routes import base_url
from stadsdata.platform import Platform

log = logging.getLogger(__name__)
PATHS = ("/api/3/action/{name}", "/api/action/{name}")


def ckan_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The request's headers as the authenticator takes them (see the module's docstring)."""
    out = {k.lower(): v for k, v in headers.items()}
    ckan_key = out.pop("x-ckan-api-key", "").strip()
    authorization = out.get("authorization", "").strip()
    if authorization and " " not in authorization:
        del out["authorization"]
        if authorization.startswith(PREFIX):
            out.setdefault("x-api-key", authorization)
        else:
            out["authorization"] = f"Bearer {authorization}"
    if ckan_key and "authorization" not in out:
        out.setdefault("x-api-key", ckan_key)
    return out


def _mixed(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """CKAN's dict of request parameters: a repeated one gives a list, else a string."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            out[key] = [*out[key], value] if isinstance(out[key], list) else [out[key], value]
        else:
            out[key] = value
    return out


def request_data(request: Request, body: bytes) -> dict[str, Any]:
    """The action's data dict, read as CKAN reads it."""
    query = parse_qsl(request.url.query, keep_blank_values=True)
    if request.method == "GET":
        return _mixed(query)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded" and body:
        form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        if len(form) == 1 and form[0][1] in ("1", ""):  # a JSON object sent as a form's only key
            return _json_object(form[0][0].encode())
        return _mixed(form)
    if content_type == "multipart/form-data":
        raise BadRequest("JSON Error: multipart/form-data is not taken by this read-only API; send a JSON object")
    if query:
        return _mixed(query)
    return _json_object(body) if body.strip() else {}


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"JSON Error: Error decoding JSON data. Error: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest(f"JSON Error: Request data JSON decoded to {type(data).__name__} but it needs to be a dictionary.")
    return data


def answer(platform: Platform, request: Request, name: str, body: bytes) -> Response:
    """Run one action and answer in CKAN's envelope, whatever happens."""
    base = base_url(request, platform.settings)
    link = help_url(base, name)
    try:
        action = ACTIONS.get(name)
        if action is None:
            raise BadRequest(f"Action name not known: {name}")
        data = request_data(request, body)
        callback = checked_callback(data.pop("callback", None))
        headers = ckan_headers(request.headers)
        caller = ANONYMOUS if callback is not None else platform.authenticator.caller(headers, request.method)
        context = Context(platform, caller, base, request.url.path, request.url.query, request.method)
        result = action.run(context, Params(data))
        return success(link, result, callback if request.method == "GET" else None)
    except Exception as exc:  # noqa: BLE001 - every error is answered in CKAN's shape
        error = from_exception(exc)
        if error is None:
            log.exception("unhandled error in CKAN action %s", name)
            error = InternalError()
        return failure(link, error)


def build_router(platform: Platform) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    async def action(request: Request, name: str) -> Response:
        body = await request.body() if request.method == "POST" else b""
        return await run_in_threadpool(answer, platform, request, name, body)

    async def other_method(request: Request, name: str) -> Response:
        error = MethodNotAllowed(f"Method Not Allowed: {request.method}; the actions take GET and POST")
        return failure(help_url(base_url(request, platform.settings), name), error, {"Allow": "GET, POST"})

    async def version() -> Response:
        return Response(orjson.dumps({"version": 3}), headers={"content-type": "application/json;charset=utf-8"})

    for path in PATHS:
        router.add_api_route(path, action, methods=["GET", "POST"])
        router.add_api_route(path, other_method, methods=["PUT", "PATCH", "DELETE"])
    router.add_api_route("/api/3", version, methods=["GET"])
    return router
