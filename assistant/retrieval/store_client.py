"""The Chroma client the settings point at: an embedded PersistentClient under settings.store (checked for
damage before Chroma opens it), or an HttpClient for settings.chroma_url (user:pass@ becomes HTTP Basic auth; a
URL shown to a user has its password redacted)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from assistant.errors import MarketAssistantError
from assistant.retrieval.store_health import StoreDamagedError, looks_like_damage, sqlite_problem
from assistant.retrieval.store_lock import forget_shared_client

if TYPE_CHECKING:
    from assistant.config import Settings


class StoreUnavailableError(MarketAssistantError):
    """The configured Chroma server cannot be reached or refused us."""


def _parse_url(raw: str) -> Any:
    return urlparse(raw if "://" in raw else f"http://{raw}")


def redact_url(raw: str) -> str:
    """The URL as it may be shown: any password replaced by ***."""
    url = _parse_url(raw)
    if url.password is None:
        return raw
    netloc = f"{url.username or ''}:***@{url.hostname or ''}" + (f":{url.port}" if url.port else "")
    return str(url._replace(netloc=netloc).geturl())


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def make_client(settings: Settings, *, fresh: bool = False) -> Any:
    """PersistentClient under settings.store, or HttpClient when settings.chroma_url is set. Telemetry off.

    fresh: reload the embedded store from disk instead of reusing this process's view (see store_lock)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = _parse_url(settings.chroma_url)
        headers = None
        if (
            url.username is not None or url.password is not None
        ):  # user:pass@ is HTTP Basic auth, never dropped
            pair = f"{unquote(url.username or '')}:{unquote(url.password or '')}"
            headers = {"Authorization": "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")}
        try:
            port = url.port or (443 if url.scheme == "https" else 8000)
            return chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=port,
                ssl=url.scheme == "https",
                headers=headers,
                settings=chroma_settings,
            )
        except Exception as exc:  # one line naming the server (password redacted), not a 100-line traceback
            raise StoreUnavailableError(
                f"the Chroma server at {redact_url(settings.chroma_url)} cannot be used "
                f"({first_line(exc)}); start it, fix MARKET_ASSISTANT_CHROMA_URL, or unset it for the embedded store"
            ) from exc
    path = Path(settings.store) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    problem = sqlite_problem(path / "chroma.sqlite3")  # a truncated file can look fine to Chroma: check first
    if problem:
        raise StoreDamagedError(str(path), problem)
    if fresh:
        forget_shared_client(str(path))
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:  # translated when it is damage, re-raised otherwise
        if looks_like_damage(exc):
            raise StoreDamagedError(str(path), first_line(exc)) from exc
        raise
