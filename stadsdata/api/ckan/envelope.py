"""CKAN's answer `{"help": …, "success": true, "result": …}` or `{"help": …, "success": false,
"error": {…}}` with the error's status, as JSON (`application/json;charset=utf-8`), and JSONP
for a GET with `callback` (as CKAN; such a request is answered as for an anonymous caller).
`help` is the URL of `help_show` for the action, as CKAN gives it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import orjson
from starlette.responses import Response

from stadsdata.api.ckan.errors import CkanError, invalid

JSON = "application/json;charset=utf-8"
JAVASCRIPT = "application/javascript;charset=utf-8"
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")


def help_url(base_url: str, action: str) -> str:
    return f"{base_url}/api/3/action/help_show?name={quote(action, safe='')}"


def checked_callback(value: Any) -> str | None:
    """A JSONP callback name (a JavaScript identifier path), or None when none is asked for."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 100 or not _CALLBACK.match(value):
        raise invalid("callback", "a callback is a JavaScript function name")
    return value


def success(help_link: str, result: Any, callback: str | None = None) -> Response:
    body = orjson.dumps({"help": help_link, "success": True, "result": result})
    if callback is not None:
        return Response(f"{callback}(".encode() + body + b");", headers={"content-type": JAVASCRIPT})
    return Response(body, headers={"content-type": JSON})


def failure(help_link: str, error: CkanError, headers: dict[str, str] | None = None) -> Response:
    out = dict(headers or {})
    out["content-type"] = JSON
    if error.status == 401:
        out["WWW-Authenticate"] = 'Bearer realm="stadsdata", Basic realm="stadsdata"'
    if error.status in (401, 403):
        out["Cache-Control"] = "no-store"
    if error.status in (503, 507):
        out["Retry-After"] = "1"
    body = {"help": help_link, "success": False, "error": error.body()}
    return Response(orjson.dumps(body), status_code=error.status, headers=out)
