"""Open the market data the settings ask for: a snapshot (bundled sample by default) or live AKShare."""

from __future__ import annotations

from assistant.config import Settings
from assistant.market.data import MarketData


def open_market(settings: Settings) -> MarketData:
    """Live only when asked for: a failing live source must never fall back to sample data silently."""
    if settings.live:
        from assistant.market.akshare_source import AkshareSource

        return MarketData(AkshareSource(settings))
    from assistant.market.snapshot import open_snapshot

    return MarketData(open_snapshot(settings.snapshot_path, settings.cache_dir))
