"""Bearer keys: only SHA-256 digests are kept in memory, compared in constant time against every configured
key (no early exit), so neither the keys nor their number leak through timing or a memory dump.

A client's `key_id` (a prefix of its digest) scopes its sessions and rate-limit counters; its `name` (from
configuration) is what the access log shows. The key itself is never logged.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from assistant.api.errors import ApiError
from assistant.config import ApiKey, Settings


@dataclass(frozen=True)
class Client:
    name: str
    key_id: str
    rate_per_minute: int


@dataclass(frozen=True)
class _Entry:
    digest: bytes
    client: Client


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


class KeyRing:
    def __init__(self, settings: Settings) -> None:
        self._entries: list[_Entry] = []
        for i, item in enumerate(settings.api_keys):
            spec = (
                item
                if isinstance(item, ApiKey)
                else ApiKey(key=item if isinstance(item, SecretStr) else SecretStr(str(item)))
            )
            secret = spec.key.get_secret_value()
            if not secret:
                raise ValueError(f"API key #{i + 1} is empty")
            digest = _digest(secret)
            self._entries.append(
                _Entry(
                    digest,
                    Client(
                        name=spec.name or f"key-{i + 1}",
                        key_id=digest.hex()[:16],
                        rate_per_minute=spec.rate_per_minute or settings.api_rate_per_minute,
                    ),
                )
            )

    def __len__(self) -> int:
        return len(self._entries)

    def find(self, presented: str) -> Client | None:
        digest = _digest(presented)
        found: Client | None = None
        for entry in self._entries:
            if hmac.compare_digest(entry.digest, digest):
                found = entry.client
        return found


bearer = HTTPBearer(auto_error=False, description="An API key from MARKET_ASSISTANT_API_KEYS.")


async def authenticated(
    request: Request, cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Client:
    """The calling client, or 401."""
    keys: KeyRing = request.app.state.keys
    client = keys.find(cred.credentials) if cred is not None else None
    if client is None:
        raise ApiError(
            401,
            "invalid_api_key" if cred is not None else "missing_api_key",
            "Send a valid key as `Authorization: Bearer <key>`.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.client_name = client.name
    return client
