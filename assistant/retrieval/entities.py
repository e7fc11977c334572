"""Entity linking: which securities a text names, by code or by a known name in either language.

Used on both sides: at ingest to tag chunks with codes (so "news about 厦门钨业" is found with symbols=["600549"]),
and at query time to link "Western Mining" or "西部矿业" to 601168 across languages. The lexicon is a plain
name -> code Mapping so nothing here depends on the market layer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# A 6-digit code not glued to other digits/letters, optionally with an exchange marker on either side.
_CODE_RE = re.compile(
    r"(?<![0-9A-Za-z])(?P<pre>(?:SH|SZ|BJ|sh|sz|bj)\.?)?(?P<code>\d{6})(?P<post>\.(?:SH|SZ|BJ|SS|sh|sz|bj|ss))?(?![0-9])"
)
_BRACKETED_RE = re.compile(r"[（(]\s*(\d{6})\s*[)）]")
_CODE_WORD_RE = re.compile(r"(?:代码|code)[:：\s]*(\d{6})", re.IGNORECASE)


class SymbolTagger:
    """Finds security codes in text.

    A 6-digit number counts as a code when it is a known code (a lexicon value), carries an exchange marker
    (600549.SH, SZ000001), sits in brackets (（600549）) or follows 代码/code. Bare unknown six-digit numbers are
    ignored: in news they are as often amounts as codes.
    """

    def __init__(self, lexicon: Mapping[str, str] | None = None) -> None:
        lexicon = dict(lexicon or {})
        self.known_codes: frozenset[str] = frozenset(c for c in lexicon.values() if _is_code(c))
        # One alternation per script, longest names first, so 厦门钨业股份 is not shadowed by 厦门钨业 and matching
        # costs one regex pass per text however large the lexicon. English names match case-insensitively on
        # word boundaries.
        names = sorted(
            ((n.strip(), c) for n, c in lexicon.items() if len(n.strip()) >= 2 and _is_code(c)),
            key=lambda p: -len(p[0]),
        )
        self._code_of: dict[str, str] = {}
        for name, code in names:
            self._code_of.setdefault(name.lower() if name.isascii() else name, code)
        ascii_names = [re.escape(n) for n in self._code_of if n.isascii()]
        cjk_names = [re.escape(n) for n in self._code_of if not n.isascii()]
        self._ascii_re = (
            re.compile(rf"(?<![a-z0-9])(?:{'|'.join(ascii_names)})(?![a-z0-9])") if ascii_names else None
        )
        self._cjk_re = re.compile("|".join(cjk_names)) if cjk_names else None

    def find(self, text: str) -> set[str]:
        """Codes mentioned in `text`, by code or by known name."""
        found: set[str] = set()
        for m in _CODE_RE.finditer(text):
            code = m.group("code")
            if code in self.known_codes or m.group("pre") or m.group("post"):
                found.add(code)
        found.update(_BRACKETED_RE.findall(text))
        found.update(_CODE_WORD_RE.findall(text))
        if self._cjk_re:
            found.update(self._code_of[m.group(0)] for m in self._cjk_re.finditer(text))
        if self._ascii_re:
            found.update(self._code_of[m.group(0)] for m in self._ascii_re.finditer(text.lower()))
        return found

    def tag(self, given: Iterable[str], *texts: str) -> tuple[str, ...]:
        """The given symbols plus everything found in `texts`, sorted and de-duplicated."""
        out = {s.strip() for s in given if s and s.strip()}
        for t in texts:
            if t:
                out |= self.find(t)
        return tuple(sorted(out))


def _is_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()
