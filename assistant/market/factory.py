"""Open the market data the settings ask for: a snapshot (bundled sample by default) or live AKShare."""

from __future__ import annotations

from pathlib import Path

from assistant.config import Settings
from assistant.market.data import MarketData
from assistant.private_cache import user_folder


def open_market(settings: Settings) -> MarketData:
    """Live only when asked for: a failing live source must never fall back to sample data silently."""
    if settings.live:
        from assistant.market.akshare_source import AkshareSource

        return MarketData(AkshareSource(settings))
    from assistant.market.snapshot import open_snapshot

    return MarketData(open_snapshot(settings.snapshot_path, snapshot_cache_dir(settings)))


def snapshot_cache_dir(settings: Settings) -> Path:
    """Where validated snapshots are cached: the per-user cache while only this user can write it (a validation
    is the same for every store, so a new store reuses it: ~0.7 s of a fresh store's first answer), else the
    store's own cache folder."""
    user = settings.user_cache_dir
    return user if user_folder(user, "snapshots") is not None else settings.cache_dir
