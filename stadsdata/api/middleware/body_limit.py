"""Request bodies larger than the `max_body_bytes` setting are refused with 413 problem+json:
at once when `Content-Length` says so, else as soon as the streamed body passes the limit
(nothing of it is stored: the request fails before its transaction commits)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stadsdata.api.problems import problem_response
from stadsdata.errors import ProblemError

if TYPE_CHECKING:
    from stadsdata.operations.metrics import Metrics


class PayloadTooLarge(ProblemError):
    status = 413
    title = "Content Too Large"


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int, metrics: Metrics | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.metrics = metrics

    def _error(self) -> PayloadTooLarge:
        if self.metrics is not None:
            self.metrics.refused.labels("body_size").inc()
        return PayloadTooLarge(f"the request body is larger than {self.max_bytes} bytes (setting max_body_bytes)", field="body")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0:
                    await problem_response(ProblemError("Content-Length is not a number", field="Content-Length"), scope["path"])(scope, receive, send)
                    return
                if declared > self.max_bytes:
                    await problem_response(self._error(), scope["path"])(scope, receive, send)
                    return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise self._error()  # rendered by the application's problem handler
            return message

        await self.app(scope, counting_receive, send)
