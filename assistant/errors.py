"""The few errors the product raises. Every message is written for the person reading it.

The split mirrors what a caller can do about it:
- `InputError` / `NotFoundError`: the question or arguments are wrong (unknown code, a day with no data);
  ask differently. An agent gets these back as tool errors it can act on.
- `UpstreamError`: a data source is down or refused; retrying later may help, other arguments will not.
- `SnapshotError`: a snapshot on disk breaks the v1 format; the message names the file and the problem.
"""

from __future__ import annotations


class MarketAssistantError(Exception):
    """Base class; `str(err)` is a complete, user-facing sentence."""


class InputError(MarketAssistantError):
    """The caller asked for something malformed (empty question, bad date, oversized input)."""


class NotFoundError(MarketAssistantError):
    """Well-formed request, but nothing exists for it: unknown ETF code, no bar on that day."""


class NoRowsError(NotFoundError):
    """The data holds no rows for these arguments (a day or code the recorded frames lack): the question may be
    right, the data just does not reach it. Callers test the type, never the message."""


class UpstreamError(MarketAssistantError):
    """A live data source failed. Names the upstream and the function so the user knows what broke."""

    def __init__(self, upstream: str, function: str, detail: str) -> None:
        self.upstream, self.function, self.detail = upstream, function, detail
        super().__init__(f"upstream {upstream} failed in {function}: {detail}")


class SnapshotError(MarketAssistantError):
    """A snapshot violates the v1 format."""

    def __init__(self, file: str, problem: str) -> None:
        self.file, self.problem = file, problem
        super().__init__(f"{file}: {problem}")
