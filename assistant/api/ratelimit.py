"""Per-key rate limits through the `limits` library: a fixed one-minute window per client key, counted in
Redis when `redis_url` is set (so replicas share one budget), else in this process's memory (then each
worker process counts on its own -- say so in deployment notes)."""

from __future__ import annotations

import math
import time
from typing import Annotated

from fastapi import Depends, Request
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from starlette.concurrency import run_in_threadpool

from assistant.api.auth import Client, authenticated
from assistant.api.errors import ApiError
from assistant.config import Settings


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self.remote = bool(settings.redis_url)
        uri = settings.redis_url or "memory://"
        self.storage = (
            storage_from_string(uri, key_prefix="market-assistant")
            if self.remote
            else storage_from_string(uri)
        )
        self.strategy = FixedWindowRateLimiter(self.storage)

    def hit(self, client: Client) -> int | None:
        """Count one request; None when allowed, else the seconds until the window resets."""
        item = RateLimitItemPerMinute(client.rate_per_minute)
        if self.strategy.hit(item, client.key_id):
            return None
        reset = self.strategy.get_window_stats(item, client.key_id).reset_time
        return max(1, math.ceil(reset - time.time()))

    def reachable(self) -> bool:
        return bool(self.storage.check())


async def limited(request: Request, client: Annotated[Client, Depends(authenticated)]) -> Client:
    """The authenticated client, once its request fits its rate; else 429 with Retry-After."""
    limiter: RateLimiter = request.app.state.limiter
    retry = await run_in_threadpool(limiter.hit, client) if limiter.remote else limiter.hit(client)
    if retry is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"Over {client.rate_per_minute} requests per minute for this key; retry in {retry} s.",
            headers={"Retry-After": str(retry)},
        )
    return client


LimitedClient = Annotated[Client, Depends(limited)]
