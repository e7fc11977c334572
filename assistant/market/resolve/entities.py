"""Which ETFs, indices and stocks a question names: codes, Chinese names and aliases, English names.

A `Lexicon` maps surfaces (names as people type them) to securities and finds them with a character trie
walked from every position of the text: a few hundred to a few thousand names resolve in microseconds, with
no dependency (pyahocorasick is not installed). Overlaps go to the longest match, so 500质量成长ETF beats
500质量, and 中证500质量成长ETF is the ETF (via 500质量成长ETF) rather than the index 中证500质量成长.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

from assistant.errors import MarketAssistantError
from assistant.market.registry import Registry, load_registry
from assistant.market.resolve.names import (
    Kind,
    _en_variants,
    _fold,
    _fold_char,
    _is_word_char,
    _zh_variants,
)

if TYPE_CHECKING:
    from assistant.market.data import MarketData

EntityKind = Literal["etf", "index", "stock", "unknown"]

_KIND_RANK: dict[str, int] = {
    "etf": 0,
    "index": 1,
    "stock": 2,
}  # an ETF and its index share 500质量: the ETF wins
_REGISTRY, _MARKET, _DERIVED = 0, 1, 2  # where a surface came from; lower wins a collision


@dataclass(frozen=True)
class Known:
    """A security the lexicon knows. `name` is the canonical Chinese name (None if only the code is known)."""

    kind: Kind
    code: str
    name: str | None = None
    name_en: str | None = None


@dataclass(frozen=True)
class Entity:
    """One mention in the text. kind "unknown" is a well-formed 6-digit code nobody knows ("no data for it")."""

    kind: EntityKind
    code: str
    name: str | None
    surface: str  # exactly as typed: text[start:end]
    start: int
    end: int


# ---------------------------------------------------------------------------------------------- codes

_CODE = re.compile(
    r"(?<![0-9.])"
    r"(?:(?P<pre>sh|sz|bj|csi)[.:]?)?"
    r"(?P<code>\d{6})"
    r"(?:\.(?P<suf>sh|ss|sz|bj|xshg|xshe|csi))?"
    r"(?![0-9]|\.[0-9])",
    re.IGNORECASE,
)
# An unknown 6-digit number followed by a unit is an amount, not a code (but 123456份额 may be a fund).
_UNIT_AFTER = re.compile(r"\s*(?:%|％|元|万|亿|手|股|份(?!额)|(?:shares|units|yuan|rmb)\b)", re.IGNORECASE)
_EXCHANGE_HINT = {"sh": "sh", "ss": "sh", "xshg": "sh", "sz": "sz", "xshe": "sz", "bj": "bj", "csi": "csi"}


def _exchange_of(known: Known) -> str:
    """Where a code of this kind trades: lets sz000016 mean the stock and sh000016 the SSE 50 index."""
    c = known.code
    if known.kind == "etf":
        return "sh" if c[0] == "5" else "sz"
    if known.kind == "index":
        return "sz" if c.startswith("399") else ("csi" if c.startswith("93") else "sh")
    return "sh" if c[0] in "69" else ("bj" if c[0] in "48" or c.startswith("92") else "sz")


# ---------------------------------------------------------------------------------------------- lexicon

_END = ""  # trie key holding the payload; never a folded character


@dataclass(frozen=True)
class _Entry:
    known: Known | None  # None: two securities claim this surface at the same rank, so it names neither
    rank: tuple[int, int]


class Lexicon:
    """Names and codes of the securities a question may mention, and the matcher over them."""

    def __init__(self) -> None:
        self._trie: dict[str, Any] = {}
        self._codes: dict[str, list[Known]] = {}

    # -- building

    @classmethod
    def build(
        cls,
        registry: Registry | Mapping[str, Any] | None = None,
        constituents: Iterable[tuple[str, str | None, str | None]] = (),
        indices: Iterable[tuple[str, str | None, str | None]] = (),
        etfs: Iterable[tuple[str, str | None]] = (),
    ) -> Lexicon:
        """A lexicon from the registry (a Registry, or etf_registry.json's raw shape; None = the shipped one)
        plus names from the market.

        constituents and indices are (code, Chinese name, English name); etfs are (code, name) and may repeat
        a code with each name it goes by (spot 名称, overview 基金简称 / 基金全称). Registry aliases beat names
        from the market, which beat derived short forms, so the registry settles every ambiguity it mentions.
        """
        lex = cls()
        for known, surfaces in _registry_securities(load_registry() if registry is None else registry):
            lex._add_security(known, surfaces, _REGISTRY)
        for code, name in etfs:
            lex._add_security(Known("etf", code, name), [name], _MARKET)
        for code, name, name_en in indices:
            lex._add_security(Known("index", code, name, name_en), [name, name_en], _MARKET)
        for code, name, name_en in constituents:
            lex._add_security(Known("stock", code, name, name_en), [name, name_en], _MARKET)
        for known, aliases in _stock_aliases():
            # Short names users write (CATL, 茅台); a name the data already gives a code is never taken over.
            if known.code not in lex:
                lex._merge_code(known)
            for alias in aliases:
                if lex._resolves_to(alias) in (None, known.code):
                    lex._add_surface(alias, lex.lookup(known.code) or known, _DERIVED)
        return lex

    def _resolves_to(self, surface: str) -> str | None:
        """The code a whole surface already resolves to, if any."""
        node = self._trie
        for ch in _fold(surface):
            if ch not in node:
                return None
            node = node[ch]
        entry: _Entry | None = node.get(_END)
        return entry.known.code if entry is not None and entry.known is not None else None

    @classmethod
    def from_market(cls, md: MarketData, registry: Registry | Mapping[str, Any] | None = None) -> Lexicon:
        """`build` fed from a MarketData: universe ETFs' spot and overview names, each index's weights frame.

        Any frame that is missing (or a source that cannot supply it) is skipped: a lexicon with fewer names
        still answers, while failing here would stop every question.
        """
        tolerated = (MarketAssistantError, LookupError, ValueError, NotImplementedError)
        try:
            universe = dict(md.universe())
        except tolerated:
            universe = {}
        etfs: list[tuple[str, str | None]] = []
        for etf in universe:
            etfs.append((etf, None))
            with contextlib.suppress(*tolerated):
                etfs.append((etf, md.etf_spot(etf).name))
            try:
                overview = md.fund_overview(etf)
                etfs += [(etf, overview.get("基金简称")), (etf, overview.get("基金全称"))]
            except tolerated:
                pass
        indices: list[tuple[str, str | None, str | None]] = []
        constituents: list[tuple[str, str | None, str | None]] = []
        for index in dict.fromkeys(universe.values()):
            indices.append((index, None, None))
            try:
                w = md.weights(index)
            except tolerated:
                continue
            if len(w):
                indices.append((index, _str(w["index_name"].iloc[0]), _str(w["index_name_en"].iloc[0])))
            constituents += [
                (str(c), _str(n), _str(e)) for c, n, e in zip(w["code"], w["name"], w["name_en"])
            ]
        return cls.build(registry, constituents=constituents, indices=indices, etfs=etfs)

    def _add_security(self, known: Known, surfaces: Iterable[str | None], source: int) -> None:
        known = self._merge_code(known)
        for s in surfaces:
            if not s:
                continue
            self._add_surface(s, known, source)
            is_en = s.isascii()
            for v in _en_variants(s) if is_en else _zh_variants(known.kind, s):
                # a respaced alias (CSI500) is still the alias; a shortened name is a guess
                self._add_surface(v, known, source if v.replace(" ", "") == s.replace(" ", "") else _DERIVED)

    def _merge_code(self, known: Known) -> Known:
        """Register the code; the first name seen for a (kind, code) stays canonical, later ones fill gaps."""
        entries = self._codes.setdefault(known.code, [])
        for i, k in enumerate(entries):
            if k.kind == known.kind:
                merged = Known(k.kind, k.code, k.name or known.name, k.name_en or known.name_en)
                entries[i] = merged
                return merged
        entries.append(known)
        entries.sort(key=lambda k: _KIND_RANK[k.kind])
        return known

    def _add_surface(self, surface: str, known: Known, source: int) -> None:
        key = _fold(surface)
        if len(key) < 2 or key.isdigit():  # single characters and bare numbers are not names
            return
        node = self._trie
        for ch in key:
            node = node.setdefault(ch, {})
        rank = (source, _KIND_RANK[known.kind])
        old: _Entry | None = node.get(_END)
        if old is None or rank < old.rank:
            node[_END] = _Entry(known, rank)
        elif (
            rank == old.rank and old.known is not None and old.known.code != known.code and source == _DERIVED
        ):
            node[_END] = _Entry(None, rank)  # 中证500ETF from two managers' names: ambiguous, drop it
        # Equal rank from the registry or the market: the first one listed stays.

    # -- lookup

    def lookup(self, code: str) -> Known | None:
        """What a code is (ETF before index before stock when a code is both, e.g. 000905)."""
        entries = self._codes.get(code)
        return entries[0] if entries else None

    def __contains__(self, code: object) -> bool:
        return code in self._codes

    def __len__(self) -> int:
        return len(self._codes)

    def resolve(self, text: str) -> list[Entity]:
        """Every security mentioned in `text`, in order of appearance; overlaps go to codes, then longest."""
        candidates = self._code_mentions(text) + self._name_mentions(text)
        taken = [False] * len(text)
        chosen: list[Entity] = []
        for _is_code, e in sorted(candidates, key=lambda c: (not c[0], -(c[1].end - c[1].start), c[1].start)):
            if not any(taken[e.start : e.end]):
                taken[e.start : e.end] = [True] * (e.end - e.start)
                chosen.append(e)
        return sorted(chosen, key=lambda e: e.start)

    def _code_mentions(self, text: str) -> list[tuple[bool, Entity]]:
        out: list[tuple[bool, Entity]] = []
        for m in _CODE.finditer(text):
            code = "".join(_fold_char(c) for c in m.group("code"))  # full-width digits typed by IMEs
            if not code.isascii():
                continue
            hint = _EXCHANGE_HINT.get((m.group("pre") or m.group("suf") or "").lower())
            entries = self._codes.get(code, [])
            known = next(
                (k for k in entries if hint and _exchange_of(k) == hint), entries[0] if entries else None
            )
            if known is None:
                if _UNIT_AFTER.match(text, m.end()):
                    continue
                out.append((True, Entity("unknown", code, None, m.group(0), m.start(), m.end())))
            else:
                out.append((True, Entity(known.kind, code, known.name, m.group(0), m.start(), m.end())))
        return out

    def _name_mentions(self, text: str) -> list[tuple[bool, Entity]]:
        """The longest surface starting at each position, with ASCII word boundaries where a name has them."""
        folded = [_fold_char(c) for c in text]
        n = len(folded)
        out: list[tuple[bool, Entity]] = []
        for i in range(n):
            first = folded[i]
            if first not in self._trie or (_is_word_char(first) and i > 0 and _is_word_char(folded[i - 1])):
                continue
            node, j, best = self._trie, i, None
            while j < n:
                ch = folded[j]
                if ch == " " and folded[j - 1] == " ":  # "Western   Mining" still matches
                    j += 1
                    continue
                nxt: dict[str, Any] | None = node.get(ch)
                if nxt is None:
                    break
                node = nxt
                j += 1
                entry = node.get(_END)
                if entry is not None and not (_is_word_char(ch) and j < n and _is_word_char(folded[j])):
                    best = (j, entry)
            if best is not None and best[1].known is not None:
                end, k = best[0], best[1].known
                out.append((False, Entity(k.kind, k.code, k.name, text[i:end], i, end)))
        return out


def _str(v: object) -> str | None:
    """A frame cell as text; NaN / None / "" -> None."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    s = str(v).strip()
    return s or None


def _registry_securities(registry: Registry | Mapping[str, Any]) -> Iterator[tuple[Known, list[str | None]]]:
    """Each registry ETF and index with every name it goes by, from a Registry or the raw JSON shape."""
    if isinstance(registry, Registry):
        for e in registry.etfs.values():
            yield Known("etf", e.code, e.name), [e.name, e.full_name, *e.aliases]
        for i in registry.indices.values():
            yield Known("index", i.code, i.name, i.name_en), [i.name, i.name_en, *i.aliases]
        return
    for raw in registry.get("etfs", []):
        yield (
            Known("etf", str(raw["code"]), raw.get("name")),
            [raw.get("name"), raw.get("full_name"), *raw.get("aliases", [])],
        )
    for raw in registry.get("indices", []):
        known = Known("index", str(raw["code"]), raw.get("name"), raw.get("name_en"))
        yield known, [raw.get("name"), raw.get("name_en"), *raw.get("aliases", [])]


@functools.cache
def _stock_aliases() -> tuple[tuple[Known, tuple[str, ...]], ...]:
    """assistant/data/stock_aliases.json: (the stock, the short names users write for it)."""
    raw = json.loads(
        (resources.files("assistant") / "data" / "stock_aliases.json").read_text(encoding="utf-8")
    )
    return tuple(
        (Known("stock", str(s["code"]), s.get("name"), s.get("name_en")), tuple(s.get("aliases", [])))
        for s in raw["stocks"]
    )


@functools.cache
def _registry_lexicon() -> Lexicon:
    return Lexicon.build()


def resolve_entities(text: str, lexicon: Lexicon | None = None) -> list[Entity]:
    """Securities mentioned in `text`, in order; without a lexicon, only the shipped registry is known."""
    return (lexicon or _registry_lexicon()).resolve(text)
