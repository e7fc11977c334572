"""The MCP server over streamable HTTP at `/mcp`, inside the API app and behind the same keys and rate limit.

The server is built in the API's lifespan, once the engines are loaded (its tool descriptions state the
data's origin and as-of), and its session manager runs for the life of the app. The route is an ordinary
FastAPI route, so the API's Bearer check, per-key rate limit, request id, body limit and error shape apply;
the response then hands the untouched ASGI request to the MCP app (stateless, JSON responses).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Request, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.api.errors import ApiError
from assistant.api.ratelimit import limited
from assistant.mcp_server import build_server

if TYPE_CHECKING:
    from assistant.engine import Engine

router = APIRouter(include_in_schema=False)


class McpEndpoint:
    """Holds the MCP ASGI app while the API runs."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    @asynccontextmanager
    async def running(self, engine: Engine) -> AsyncIterator[None]:
        server = build_server(engine, http=True)
        app = server.streamable_http_app()  # routes `/mcp`, the path this router serves
        async with server.session_manager.run():
            self.app = app
            try:
                yield
            finally:
                self.app = None


class _Delegate(Response):
    """A response that lets an ASGI app answer the request itself (FastAPI has not read the body)."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__()
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


@router.api_route("/mcp", methods=["GET", "POST", "DELETE"], dependencies=[Depends(limited)])
async def mcp(request: Request) -> Response:
    endpoint: McpEndpoint = request.app.state.mcp
    if endpoint.app is None:
        raise ApiError(503, "not_ready", "The MCP server is starting; retry shortly.")
    return _Delegate(endpoint.app)
