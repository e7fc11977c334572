"""One engine per configured snapshot, per process, warmed before the server accepts a request: the store is
opened (and the snapshot ingested if the store lacks it), the embedder loaded and one question answered, so
the first client does not pay for model loading. Clients name snapshots; only names configured here exist
(`default` is the settings' snapshot, others come from `api_snapshots`), never a client-supplied path.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from assistant.api.errors import ApiError
from assistant.config import Settings
from assistant.engine import Engine

log = logging.getLogger(__name__)
DEFAULT = "default"


class EnginePool:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.paths: dict[str, Path] = {DEFAULT: settings.snapshot_path, **settings.api_snapshots}
        self._engines: dict[str, Engine] = {}
        self.ready = False

    def load(self) -> None:
        """Open and warm every engine (blocking: run it off the event loop). Snapshots on the same folder
        share one engine."""
        by_path: dict[Path, Engine] = {}
        for name, path in self.paths.items():
            key = Path(path).resolve()
            if key not in by_path:
                overrides: dict[str, Any] = {} if name == DEFAULT else {"snapshot": key, "live": False}
                engine = Engine(
                    self.settings.model_copy(update=overrides),
                    answerer="auto" if self.settings.llm_model else "offline",
                    progress=False,
                )
                _warm(engine)
                by_path[key] = engine
            self._engines[name] = by_path[key]
        self.ready = True

    def get(self, name: str | None) -> Engine:
        engine = self._engines.get(name or DEFAULT)
        if engine is None:
            raise ApiError(
                404,
                "unknown_snapshot",
                f"No snapshot named {name!r} is served here; GET /v1/snapshots lists the names.",
            )
        return engine

    @property
    def default(self) -> Engine:
        return self.get(DEFAULT)

    def items(self) -> list[tuple[str, Engine]]:
        return list(self._engines.items())


def _warm(engine: Engine) -> None:
    engine.warm()  # opens Chroma, ingests if needed, loads the embedder
    if not engine.settings.live:  # a live warm-up question would call upstream before anyone asked
        etf = next(iter(engine.md.universe()), None)
        if etf:
            engine.ask(f"{etf}今天为什么涨？")
            engine.ask(f"What are the top holdings of {etf}?")
    log.info("engine warmed for %s", engine.settings.snapshot_path)
