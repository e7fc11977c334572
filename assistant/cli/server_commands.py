"""Server commands: `mcp`, the MCP server on stdio for desktop assistants, and `serve`, the HTTP API (its
implementation lives with the API in assistant/api/serve.py).

stdout is the protocol channel: nothing else may print there (progress and logs go to stderr)."""

from __future__ import annotations

from assistant.api.serve import serve
from assistant.cli.options import LiveOpt, SnapshotOpt, StoreOpt, fail, make_settings
from assistant.errors import MarketAssistantError


def mcp(snapshot: SnapshotOpt = None, live: LiveOpt = False, store: StoreOpt = None) -> None:
    """Serve the tools, an `ask` tool and the snapshot's documents over MCP on stdio."""
    from assistant.engine import get_engine
    from assistant.mcp_server import serve_stdio

    try:
        settings = make_settings(snapshot, live, store)
        engine = get_engine(settings, answerer="auto" if settings.llm_model else "offline")
    except (MarketAssistantError, ValueError, OSError) as err:
        fail(err)
    serve_stdio(engine)


__all__ = ["mcp", "serve"]
