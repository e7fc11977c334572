"""The app factory. `create_app(settings)` wires keys, limiter, engines and routes; the lifespan warms the
engines off the event loop before uvicorn accepts the first connection, then enters every context in
`app.state.lifespan_contexts` (how a mounted sub-app, such as the MCP server, gets its own start-up).
`app_from_env` is the factory uvicorn's worker processes call (each builds its own engine from the
environment)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.api import chat, routes
from assistant.api.auth import KeyRing
from assistant.api.context import RequestContext
from assistant.api.engines import EnginePool
from assistant.api.errors import ApiError, api_error_handler, http_error_handler, validation_handler
from assistant.api.ratelimit import RateLimiter
from assistant.config import Settings
from assistant.web import install as install_web

DESCRIPTION = """Answers about A-share index ETFs with numbers it can prove and sources it cites.

Every `/v1` route needs `Authorization: Bearer <key>`. Errors share one JSON shape
(`{"error": {"type", "code", "message", "request_id"}}`); each response carries `X-Request-Id`.
`POST /v1/chat/completions` speaks the OpenAI chat API, including `stream: true` (server-sent events)."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    keys = KeyRing(settings)
    engines = EnginePool(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(engines.load)
        async with (
            AsyncExitStack() as stack
        ):  # what mounted sub-apps need running (e.g. an MCP session manager)
            for enter in app.state.lifespan_contexts:
                await stack.enter_async_context(enter(app))
            yield

    app = FastAPI(title="market-assistant", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings, app.state.keys, app.state.engines = settings, keys, engines
    app.state.limiter = RateLimiter(settings)
    lifespan_contexts: list[Callable[[FastAPI], AbstractAsyncContextManager[Any]]] = []
    app.state.lifespan_contexts = lifespan_contexts
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.include_router(routes.router)
    app.include_router(chat.router)
    install_web(app)  # the chat page at / and the MCP server at /mcp
    app.add_middleware(RequestContext, max_body_bytes=settings.api_max_body_bytes)
    return app


def app_from_env() -> FastAPI:
    return create_app(Settings())
