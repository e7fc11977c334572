"""The HTTP API for client portals (shared/specs/interfaces.md, "HTTP API"): one more edge over the engine.

`create_app(settings)` builds the FastAPI app; `market-assistant serve` runs it under uvicorn. Modules:
`app` (factory, lifespan, middleware order), `engines` (one warmed engine per configured snapshot),
`auth` (hashed bearer keys), `ratelimit` (per-key limits, Redis when configured), `context` (request id,
body limit, JSON access log, last-resort 500), `errors`, `models`, `routes`, `chat` (OpenAI-compatible
completions and SSE), `serve`, `bench`.
"""

from __future__ import annotations

from typing import Any


def create_app(settings: Any = None) -> Any:
    """Build the app (imported lazily so `import assistant.api` stays light for the CLI)."""
    from assistant.api.app import create_app as build

    return build(settings)


__all__ = ["create_app"]
