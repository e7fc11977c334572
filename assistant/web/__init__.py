"""The web chat page (`/`) and the MCP server over HTTP (`/mcp`), mounted into the API app.

`install(app)` adds both routers and registers the MCP server's start-up with the API's lifespan, which enters
it once the engines are loaded (the server describes the loaded data) and keeps its session manager running
while the app serves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI


def install(app: FastAPI) -> None:
    from assistant.web import mcp_http, routes

    app.state.mcp = mcp_http.McpEndpoint()
    app.include_router(mcp_http.router)
    app.include_router(routes.router)
    app.state.lifespan_contexts.append(_running)


@asynccontextmanager
async def _running(app: FastAPI) -> AsyncIterator[None]:
    async with app.state.mcp.running(app.state.engines.default):
        yield


__all__ = ["install"]
