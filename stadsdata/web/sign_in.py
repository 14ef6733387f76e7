"""Signing in and out of the web UI: `/login` (the form, and POST with a local account's name and
password: opens a session, `access/web_sessions.py`) and `/logout` (POST: ends it)."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from stadsdata.access.authenticate import Authenticator
from stadsdata.access.web_sessions import COOKIE as SESSION_COOKIE
from stadsdata.access.web_sessions import SESSION_HOURS, token_from_cookie_header
from stadsdata.errors import Unauthorized
from stadsdata.settings import Settings
from stadsdata.web.shell import PageShell


def add_sign_in_pages(router: APIRouter, shell: PageShell, settings: Settings, authenticator: Authenticator) -> None:
    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/my-data", expired: bool = False) -> Response:
        return shell.render(request, "login.html", "login", next=_local(next), error="login.expired" if expired else None)

    @router.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        target = _local(form.get("next", "/my-data"))
        try:
            _, token = authenticator.sign_in(form.get("username", ""), form.get("password", ""))
        except Unauthorized:
            return shell.render(request, "login.html", "login", status=401, next=target, error="login.failed")
        root = request.scope.get("root_path", "").rstrip("/")
        response = RedirectResponse(f"{root}{target}", status_code=303)
        secure = (settings.public_base_url or "").startswith("https://")
        response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax", secure=secure, path="/")
        return response

    @router.post("/logout")
    def logout(request: Request) -> Response:
        token = token_from_cookie_header(request.headers.get("cookie"))
        if token is not None:
            authenticator.sign_out(token)
        response = RedirectResponse(f"{request.scope.get('root_path', '').rstrip('/')}/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def _local(target: str) -> str:
    """Only paths of this site after signing in (no open redirect to another host)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/my-data"
    return target
