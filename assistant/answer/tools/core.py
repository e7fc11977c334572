"""The toolbox's core: its state (market data, lexicon, searcher, a per-as-of cache), argument resolution
(ETF, index, day) and `_call`, which turns a failing market call into a typed error. The tools themselves are in
`market_tools` (numbers) and `toolbox` (fund profile and search)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from assistant.errors import InputError, MarketAssistantError, NoRowsError, NotFoundError, UpstreamError
from assistant.market.model import origin_label

if TYPE_CHECKING:
    from assistant.market.data import MarketData
    from assistant.market.resolve import Lexicon

_T = TypeVar("_T")
_CODE = re.compile(r"^\s*(?:sh|sz|csi)?(\d{6})(?:\.(?:sh|sz|ss))?\s*$", re.IGNORECASE)


# ------------------------------------------------------------------------------------------ the toolbox


class Searcher(Protocol):
    """`assistant.retrieval.hybrid.HybridSearcher` (or anything with its `search`)."""

    def search(
        self,
        query: str,
        k: int = 5,
        as_of: dt.datetime | None = None,
        kind: Any = None,
        symbols: Iterable[str] | None = None,
        *,
        trade_date: dt.date | None = None,
        max_per_citation: int | None = 1,
        dense_query: str | None = None,
    ) -> list[Any]: ...

    def prefetch(self, queries: Sequence[str]) -> None:
        """Prepare several searches at once (e.g. embed their queries in one batch); may do nothing."""


@dataclass
class ToolboxCore:
    """What the tools need: market data, the lexicon, and a searcher (a factory is fine: opened lazily)."""

    md: MarketData
    lexicon: Lexicon
    searcher: Searcher | Callable[[], Searcher] | None = None
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- basics --------------------------------------------------------------------------------------
    @property
    def info(self) -> Any:
        return self.md.info

    def _memo(self, key: tuple[Any, ...], make: Callable[[], _T]) -> _T:
        key = (self.md.info.as_of, *key)
        with self._lock:
            if key in self._cache:
                return self._cache[key]  # type: ignore[no-any-return]
        value = make()
        with self._lock:
            self._cache[key] = value
        return value

    def trading_days(self) -> list[dt.date]:
        return self._memo(("trading_days",), lambda: list(_call(self.md.trading_days)))

    def _searcher(self) -> Searcher:
        s = self.searcher
        if s is None:
            raise UpstreamError("retrieval", "search", "no document store is configured")
        if not hasattr(s, "search"):
            try:
                s = s()
            except Exception as exc:  # noqa: BLE001 - a store that cannot open is a source that is down
                raise UpstreamError("retrieval", "open store", str(exc)) from exc
            self.searcher = s
        return s  # type: ignore[return-value]

    # -- argument resolution -------------------------------------------------------------------------
    def resolve_etf(self, text: str) -> str:
        """An ETF code of the data's universe from a code, name or alias (an index maps to its ETF)."""
        universe = _call(self.md.universe)
        raw = (text or "").strip()
        if not raw:
            raise InputError("An ETF code is required, e.g. 560500.")
        m = _CODE.match(raw)
        code = m.group(1) if m else None
        if code is None:
            found = [e for e in self.lexicon.resolve(raw) if e.kind != "unknown"]
            code = found[0].code if found else None
        if code is not None and code in universe:
            return code
        if code is not None:
            tracking = [etf for etf, index in universe.items() if index == code]
            if tracking:
                return str(tracking[0])
        known = ", ".join(sorted(universe)) or "none"
        what = f"ETF {code}" if code else f"{raw!r}"
        raise NotFoundError(f"{what} is not an ETF in this data ({_label(self.md)}); known ETFs: {known}.")

    def resolve_index(self, text: str) -> tuple[str, str | None]:
        """(index code, ETF code or None) from an index or ETF code / name."""
        universe = _call(self.md.universe)
        raw = (text or "").strip()
        m = _CODE.match(raw)
        code = m.group(1) if m else None
        if code is None:
            found = [e for e in self.lexicon.resolve(raw) if e.kind != "unknown"]
            code = found[0].code if found else None
        if code in universe:
            return universe[code], code
        if code is not None and code in universe.values():
            return code, next(e for e, i in universe.items() if i == code)
        known = ", ".join(f"{e} (index {i})" for e, i in sorted(universe.items())) or "none"
        raise NotFoundError(
            f"{raw!r} is not an index or ETF in this data ({_label(self.md)}); known: {known}."
        )

    def resolve_day(self, text: str | dt.date | None) -> dt.date:
        """A trading day with data from an ISO date, a phrase (昨天, last Friday) or None (= trade date)."""
        trade_date = self.md.info.trade_date
        if text is None or (isinstance(text, str) and not text.strip()):
            return trade_date
        if isinstance(text, dt.date):
            day = text
        else:
            try:
                day = dt.date.fromisoformat(text.strip()[:10])
            except ValueError:
                from assistant.market.resolve import resolve_date

                resolved = resolve_date(text, trade_date, self.trading_days())
                if resolved.date is None:
                    raise NotFoundError(resolved.note or f"No trading day with data for {text!r}.") from None
                day = resolved.date
        if day > trade_date:
            raise NotFoundError(f"No data after {trade_date} in {_label(self.md)}; {day} cannot be used.")
        return day

    # -- helpers -------------------------------------------------------------------------------------
    def _codes(self, text: str) -> list[str]:
        m = _CODE.match(text or "")
        if m:
            return [m.group(1)]
        return [e.code for e in self.lexicon.resolve(text or "") if e.kind != "unknown"]

    def _etf_name(self, code: str) -> str | None:
        known = self.lexicon.lookup(code)
        return known.name if known is not None else None


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a market/analysis call; anything that is not ours and not a bad argument is an upstream failure."""
    try:
        return fn(*args, **kwargs)
    except (MarketAssistantError, ValueError):
        raise
    except KeyError as exc:  # pandas on an empty selection: nothing recorded for these arguments
        raise NoRowsError(
            f"no data for {getattr(fn, '__name__', 'call')} with these arguments ({exc})"
        ) from exc
    except Exception as exc:  # noqa: BLE001
        raise UpstreamError(
            "market data", getattr(fn, "__name__", "call"), f"{type(exc).__name__}: {exc}"
        ) from exc


def _label(md: MarketData) -> str:
    return f"{origin_label(md.info.origin)} as of {md.info.as_of.isoformat()}"
