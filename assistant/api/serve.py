"""`market-assistant serve`: uvicorn over `app_from_env`, one warmed engine per worker process.

Logs are JSON lines on stderr: the access log (`assistant.api.access`) and errors with tracebacks
(`assistant.api.error`); uvicorn's own access log is off (ours has the request id and key name).
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from typing import Annotated, Any

import typer


def log_config(level: str) -> dict[str, Any]:
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["json_lines"] = {"format": "%(message)s"}
    config["handlers"]["json_lines"] = {
        "class": "logging.StreamHandler",
        "formatter": "json_lines",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["assistant.api.access"] = {
        "handlers": ["json_lines"],
        "level": "INFO",
        "propagate": False,
    }
    config["loggers"]["assistant.api.error"] = {
        "handlers": ["json_lines"],
        "level": "INFO",
        "propagate": False,
    }
    config["loggers"]["assistant"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


def prepare_store() -> None:
    """Ingest into the embedded store once, in a child process, before several workers open it: Chroma's
    embedded store is not safe for concurrent writers, and a worker that opened it before another one wrote
    would search a stale index ("Error finding id"). Afterwards the workers only read."""
    code = "from assistant.api.serve import _ingest_once; _ingest_once()"
    subprocess.run([sys.executable, "-c", code], check=True)


def _ingest_once() -> None:
    from assistant.config import Settings
    from assistant.engine import Engine

    Engine(Settings(), progress=False).warm()


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes (one engine each).")] = 1,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning, error.")] = "info",
) -> None:
    """Run the HTTP API (OpenAI-compatible chat, answers, sessions). Keys: MARKET_ASSISTANT_API_KEYS."""
    import uvicorn

    from assistant.config import Settings

    settings = Settings()  # fail here, once, on bad configuration rather than in every worker
    if not settings.api_keys:
        typer.echo("warning: MARKET_ASSISTANT_API_KEYS is empty: every /v1 request will get 401", err=True)
    if workers > 1 and not settings.redis_url:
        typer.echo(
            "note: without MARKET_ASSISTANT_REDIS_URL each worker counts rate limits on its own", err=True
        )
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if workers > 1 and not settings.chroma_url:
        prepare_store()
    uvicorn.run(
        "assistant.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=log_config(log_level),
        log_level=log_level,
        timeout_graceful_shutdown=10,
    )
