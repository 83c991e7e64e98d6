"""Request bodies larger than the limit are refused before they are read (issue 5: oversized
form posts are refused cleanly). Pure ASGI, so streams and the SSE endpoint pass untouched."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)


class BodyTooLargeError(Exception):
    pass


# Room for a multipart upload's headers and form fields around the file itself.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


class BodySizeLimitMiddleware:
    """413 for a body over `max_bytes`: by its Content-Length at once, or when the bytes
    actually sent pass the limit (a chunked body announces no length).

    Paths matching one of `upload_paths` (attachment uploads) may send up to `upload_bytes`
    instead: the file's own limit is checked again by the action, with a clearer message.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        upload_paths: Sequence[str] = (),
        upload_bytes: int = 0,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self._uploads = [re.compile(pattern) for pattern in upload_paths]
        self._upload_bytes = max(max_bytes, upload_bytes + UPLOAD_OVERHEAD_BYTES)

    def limit_for(self, path: str) -> int:
        if any(pattern.fullmatch(path) for pattern in self._uploads):
            return self._upload_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, limit)
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError:
            if not response_started:
                await self._refuse(scope, send, limit)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        logger.warning("refused a request body over %d bytes: %s", limit, scope["path"])
        body = json.dumps(
            {
                "error": {
                    "code": "too_large",
                    "message": f"the request body is over the limit of {limit} bytes",
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
