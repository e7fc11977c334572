"""Chroma `where` filters for the hard constraints every search applies.

Symbols are stored as one boolean key per code (`sym_600549: True`) rather than a list. chromadb 1.5 does accept
list metadata with `$contains`, but older servers, Chroma Cloud tiers and LangChain's other vector stores do not;
boolean keys with `$or` work everywhere Chroma runs, and "any of these symbols" is exactly what callers need.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from assistant.errors import InputError

KINDS = ("news", "document")


def symbol_key(code: str) -> str:
    return f"sym_{code}"


def normalise_kinds(kind: str | Iterable[str] | None) -> tuple[str, ...]:
    if kind is None:
        return ()
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise InputError(f"unknown kind {bad[0]!r}; use one of {', '.join(KINDS)}")
    return kinds


def as_of_ts(as_of: dt.datetime | None) -> int | None:
    if as_of is None:
        return None
    if as_of.tzinfo is None:
        raise InputError("as_of must be time-zone aware (e.g. 2026-01-09T15:00:00+08:00)")
    return int(as_of.timestamp())


def one_of(key: str, values: list[str]) -> dict[str, Any]:
    """A Chroma where clause: `key` equals one of `values`."""
    return {key: values[0]} if len(values) == 1 else {key: {"$in": values}}


def none_of(key: str, values: list[str]) -> dict[str, Any]:
    """A Chroma where clause: `key` equals none of `values`."""
    return {key: {"$ne": values[0]}} if len(values) == 1 else {key: {"$nin": values}}


def build_where(
    as_of: dt.datetime | None = None,
    kind: str | Iterable[str] | None = None,
    symbols: Iterable[str] | None = None,
    complete_only: bool = True,
) -> dict[str, Any] | None:
    """Conjunction of: complete documents, published_at <= as_of (undated documents are stored as 0), kind,
    and any-of symbols."""
    clauses: list[dict[str, Any]] = []
    if complete_only:
        clauses.append({"complete": True})
    ts = as_of_ts(as_of)
    if ts is not None:
        clauses.append({"published_at_ts": {"$lte": ts}})
    kinds = normalise_kinds(kind)
    if len(kinds) == 1:
        clauses.append({"kind": kinds[0]})
    elif len(kinds) > 1:
        clauses.append({"kind": {"$in": list(kinds)}})
    syms = sorted({s for s in (symbols or ()) if s})
    if len(syms) == 1:
        clauses.append({symbol_key(syms[0]): True})
    elif syms:
        clauses.append({"$or": [{symbol_key(s): True} for s in syms]})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
