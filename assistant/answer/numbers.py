"""Find every number an answer states, so grounding (and the eval scorers) can demand a source for each.

One extractor is shared by `grounding.check` and the evaluation suite so that "a number" means the same
thing everywhere. The rules, in the order they are applied (an earlier rule claims its span):

1. Not numbers at all: citation markers (`[1]`, `[1][2]`, `[1, 2]`, `[^1]`, `[[cite:ID]]`), URLs, inline
   code, version strings (`1.19.5`), list markers (`1. `, `2、`, `(3)`), clock times (`15:00`, `+08:00`,
   `9点30分`), and index names whose number is part of the name: digits glued to 中证/沪深/上证/深证/科创/
   创业板/国证/北证/CSI/SSE/SZSE/STAR/ChiNext/CNI/FTSE China A/MSCI China A (`中证500`, `CSI 300`, `沪深300`).
2. Dates -> unit "date", `value` a `datetime.date`, `precision` saying which parts were shown ("ymd", "md",
   "ym", "m", "y"): `2026-01-09`, `2026-01-09T15:00:00+08:00` and `2026-01-09 15:00` (one mention),
   `20260109`, `2026年1月9日`, `1月9日`, `2026年1月`, `2026年`, `January 9, 2026`, `Jan 9`, `9 Jan 2026`.
3. Counts -> unit "count": `前十大`, `前10大`, `前5`, `十大权重股`, `第3大`, `top 10`, `top ten`, `3rd`,
   and numbers followed by count words (只, 家, 个, 天, 个交易日, stocks, trading days ...). A count is a claim
   like any other: the answerer registers it as a fact.
4. Everything else with digits: `value` is the shown absolute value (signs and sign words are *not*
   applied: grounding compares magnitudes), `scale` turns it into the base unit (亿=1e8, 万=1e4, 千=1e3,
   million/mn/m=1e6, billion/bn/b=1e9, thousand/k=1e3, bp=0.01 pp), `decimals` is the number of shown
   decimals (the rounding tolerance). Units are normalised to "%", "pp", "元", "份", "股", "points", "倍",
   "count", or None for a bare number.
   Identifiers are skipped: digits glued to Latin letters (`sh560500`, `A500`, `500ETF`, `T+1`, `5G`),
   6-digit integers without a unit (security codes `560500`, `600549`), and integers with a leading zero.
   A bare 4-digit integer between 1990 and 2100 (`in 2025`) is a year, i.e. a date with precision "y".

Full-width digits and signs (`１．６４％`) are read as ASCII; spans always index the original text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from assistant.market.resolve.numerals import cn_int

Precision = Literal["ymd", "md", "ym", "m", "y"]


@dataclass(frozen=True)
class Mention:
    """One number (or date) stated in a text.

    For numbers `value * scale` is the amount in `unit` (e.g. "5266万元": value 5266, scale 1e4, unit "元");
    for dates `value` is a `datetime.date` and `precision` says which parts the text showed (a yearless
    "1月9日" gets the year of the `year` argument or of the nearest full date before it, else 2000).
    """

    value: float | dt.date
    unit: str | None
    scale: float
    decimals: int
    surface: str
    start: int
    end: int
    precision: Precision | None = None

    @property
    def is_date(self) -> bool:
        return self.unit == "date"

    @property
    def base(self) -> float:
        """The amount in the base unit (元, 份, %, pp ...)."""
        assert not isinstance(self.value, dt.date), "dates have no base amount"
        return self.value * self.scale

    @property
    def tolerance(self) -> float:
        """Half a unit of the last shown decimal, in the base unit: "1.60%" covers [1.595, 1.605]."""
        return 0.5 * 10.0 ** (-self.decimals) * self.scale


# Full-width digits, dot, percent and signs map 1:1 to ASCII so spans stay valid.
_FULLWIDTH = str.maketrans("０１２３４５６７８９．％＋－−–﹣", "0123456789.%+----")
_SP = r"[ \u00a0\u3000]?"
_EN_WORDS = {"three": 3, "five": 5, "ten": 10, "twenty": 20, "fifty": 50, "hundred": 100}
_CN_NUM = r"[零一二两三四五六七八九十]+"

_IGNORE_FIRST = [  # applied before dates
    re.compile(r"\[\[cite:[^\]]*\]\]"),
    re.compile(r"\[\^?\d+(?:\s*[,，、]\s*\d+)*\]"),
    re.compile(r"https?://\S+|\]\([^)]*\)"),
    re.compile(r"`[^`\n]*`"),
    re.compile(r"(?m)^[ \t]*(?:[-*+][ \t]+)?\d{1,2}[.)、][ \t]"),  # ordered-list markers
    re.compile(r"[(（]\d{1,2}[)）]"),  # (1) enumerators
    re.compile(
        r"(?:中证A?|沪深|上证|深证|科创板?|创业板|国证|北证|双创|富时中国A|MSCI中国A)\s?\d+|"
        r"\b(?:CSI(?:\s?A)?|SSE(?:\s?STAR)?|SZSE|STAR(?:\s?Market)?|ChiNext|CNI|"
        r"FTSE\s?China\s?A|MSCI\s?China\s?A)\s?\d+"
    ),
    # A number glued to a fund-name word is part of a name: "500成长ETF银华", "300ETF", "1000ETF".
    re.compile(r"(?<![\d.])\d+(?=成长|质量|价值|红利|低波|ETF)"),
]
_IGNORE_AFTER_DATES = [  # so that timestamps and dotted dates stay whole
    re.compile(r"(?<![\d.])\d+(?:\.\d+){2,}(?![\d.])"),  # versions
    re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?:\s?(?:Z|[+-]\d{2}:\d{2}))?(?![\d:])"),
    re.compile(
        r"(?:上午|下午|凌晨|晚上|早上|中午|傍晚)?\d{1,2}\s?[点时]\s?(?:半|\d{1,2}\s?分)|"
        r"(?:上午|下午|凌晨|晚上|早上|中午|傍晚)\d{1,2}\s?[点时]"
    ),
]

_MONTH = (
    r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?(?:Z|[+-]\d{2}:?\d{2}))?)?"
_Y = r"(?P<y>(?:19|20)\d{2})"
_DATES: list[tuple[re.Pattern[str], Precision]] = [
    (
        re.compile(
            rf"(?<![\d.]){_Y}(?P<sep>[-/.])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})"
            rf"{_TIME}(?!\d)"
        ),
        "ymd",
    ),
    (
        re.compile(
            rf"{_Y}{_SP}年{_SP}(?P<m>\d{{1,2}}){_SP}月{_SP}(?P<d>\d{{1,2}}){_SP}[日号]"
            rf"(?:{_SP}\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?"
        ),
        "ymd",
    ),
    (re.compile(rf"(?<![\d.]){_Y}(?P<m>[01]\d)(?P<d>[0-3]\d)(?![\d.])"), "ymd"),
    (re.compile(rf"\b{_MONTH}\s(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s{_Y}(?!\d)"), "ymd"),
    (re.compile(rf"(?<![\d.])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s{_MONTH},?\s{_Y}(?!\d)"), "ymd"),
    (re.compile(rf"{_Y}{_SP}年{_SP}(?P<m>\d{{1,2}}){_SP}月(?:份)?(?!{_SP}\d)"), "ym"),
    (re.compile(rf"(?<![\d.]){_Y}-(?P<m>\d{{2}})(?![\d-])"), "ym"),
    (re.compile(rf"(?<![\d.])(?P<m>\d{{1,2}}){_SP}月{_SP}(?P<d>\d{{1,2}}){_SP}[日号]"), "md"),
    (re.compile(rf"\b{_MONTH}\s(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b"), "md"),
    (re.compile(rf"(?<![\d.])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s{_MONTH}\b"), "md"),
    (re.compile(rf"\b{_MONTH},?\s{_Y}(?!\d)"), "ym"),
    (re.compile(rf"(?<![\d.]){_Y}{_SP}年(?!{_SP}\d)"), "y"),
    (re.compile(r"(?<![\d.近])(?<!过去)(?<!最近)(?P<m>\d{1,2})\s?月(?:份)?(?![\d日号])"), "m"),
]

_COUNTS = [
    re.compile(rf"\b[Tt]op[ -]?(?P<n>\d+|{'|'.join(_EN_WORDS)})\b"),
    re.compile(rf"前{_SP}(?:(?P<n>\d+){_SP}[大名只位家]?|(?P<cn>{_CN_NUM})[大名只位家])"),
    re.compile(rf"(?<![前第\d])(?P<cn>{_CN_NUM})大(?=权重|成分|重仓|持仓|股东)"),
    re.compile(rf"第{_SP}(?:(?P<n>\d+)|(?P<cn>{_CN_NUM})){_SP}[大名位]"),
]

_NUMBER = re.compile(r"(?P<sign>[+-]\s?)?(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.(?P<frac>\d+))?")
_CURRENCY_PREFIX = re.compile(r"(?:[¥￥]|\b(?:RMB|CNY)\s?)$")
_CN_SCALE = re.compile(rf"{_SP}(万亿|千万|百万|亿|万|千)")
_EN_SCALE = re.compile(
    r"[ \u00a0]?(trillion|billion|million|thousand|tn|bn|mn)(?![A-Za-z])"
    r"|([mMkKbB])(?![A-Za-z])",
    re.IGNORECASE,
)
_SCALES = {
    "万亿": 1e12,
    "千万": 1e7,
    "百万": 1e6,
    "亿": 1e8,
    "万": 1e4,
    "千": 1e3,
    "trillion": 1e12,
    "tn": 1e12,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "thousand": 1e3,
    "k": 1e3,
}
_EN = r"(?![A-Za-z])"
_UNITS: list[tuple[re.Pattern[str], str, float]] = [
    (re.compile(rf"{_SP}(?:个百分点|百分点)"), "pp", 1.0),
    (re.compile(rf"{_SP}(?:percentage|pct\.?){_SP}(?:points?|pts?){_EN}", re.I), "pp", 1.0),
    (re.compile(rf"{_SP}(?:pp|p\.p\.|ppts?){_EN}", re.I), "pp", 1.0),
    (re.compile(rf"{_SP}(?:个基点|基点|bps?{_EN}|basis points?{_EN})", re.I), "pp", 0.01),
    (re.compile(rf"{_SP}(?:%|percent{_EN}|per cent{_EN}|pct{_EN})", re.I), "%", 1.0),
    (re.compile(rf"{_SP}(?:元(?:/份|每份)?|块钱)"), "元", 1.0),
    (re.compile(rf"{_SP}(?:yuan|RMB|CNY){_EN}", re.I), "元", 1.0),
    (re.compile(rf"{_SP}份"), "份", 1.0),
    (re.compile(rf"{_SP}(?:fund{_SP})?(?:units?|shares){_EN}", re.I), "份", 1.0),
    (re.compile(rf"{_SP}股(?!票|份|东|价)"), "股", 1.0),
    (re.compile(rf"{_SP}(?:个交易日|交易日|个月|个|只|家|条|天|日|周|名|位|年|月)"), "count", 1.0),
    (
        re.compile(
            rf"{_SP}(?:(?:trading{_SP})?days?|sessions?|stocks?|constituents?|companies|names|weeks?|"
            rf"months?|years?|holdings?|members?){_EN}",
            re.I,
        ),
        "count",
        1.0,
    ),
    (re.compile(rf"{_SP}(?:点|points?{_EN}|pts?{_EN})", re.I), "points", 1.0),
    (re.compile(rf"{_SP}倍|x{_EN}|{_SP}times{_EN}", re.I), "倍", 1.0),
    (re.compile(r"(?:st|nd|rd|th)(?![A-Za-z])"), "count", 1.0),
]


def parse_unit(text: str) -> tuple[str | None, float] | None:
    """Normalise a unit string ("亿元", "万份", "bp", "%") to (unit, scale); None when not recognised.

    Grounding uses it for fact units, so a fact stored in 亿元 compares correctly with a mention in 万元.
    """
    s = text.strip()
    if not s:
        return None, 1.0
    aliases = {
        "count": ("count", 1.0),
        "date": ("date", 1.0),
        "points": ("points", 1.0),
        "元/份": ("元", 1.0),
        "元/股": ("元", 1.0),
        "units": ("份", 1.0),
    }
    if s in aliases:
        return aliases[s]
    unit, scale, end = _suffix(s, 0)
    if end != len(s) or unit is None:
        return None
    return unit, scale


def _suffix(text: str, pos: int) -> tuple[str | None, float, int]:
    """Read an optional scale word then an optional unit at `pos`; returns (unit, scale, end)."""
    scale, unit, end = 1.0, None, pos
    m = _CN_SCALE.match(text, end)
    if m:
        scale, end = _SCALES[m.group(1)], m.end()
    else:
        m = _EN_SCALE.match(text, end)
        if m:  # single-letter scales ("16m", "3bn") only when glued: the pattern allows no space before them
            scale, end = _SCALES[(m.group(1) or m.group(2)).lower()], m.end()
    for pattern, u, unit_scale in _UNITS:
        um = pattern.match(text, end)
        if um:
            return u, scale * unit_scale, um.end()
    return unit, scale, end


def _year_before(found: list[Mention], pos: int, default: int) -> int:
    years = [
        m.value.year
        for m in found
        if isinstance(m.value, dt.date) and m.precision in ("ymd", "ym", "y") and m.start < pos
    ]
    return years[-1] if years else default


def _make_date(m: re.Match[str], found: list[Mention], year: int | None) -> dt.date | None:
    g = m.groupdict()
    month = _MONTHS[g["mon"][:3].lower()] if g.get("mon") else int(g.get("m") or 1)
    day = int(g.get("d") or 1)
    y = int(g["y"]) if g.get("y") else _year_before(found, m.start(), year or 2000)
    try:
        return dt.date(y, month, day)
    except ValueError:
        return None


def extract(text: str, *, year: int | None = None) -> list[Mention]:
    """Every number and date stated in `text`, in order of appearance (see the module docstring for rules).

    `year` is used for dates shown without one ("1月9日", "Jan 9") when no full date precedes them.
    """
    norm = text.translate(_FULLWIDTH)
    taken = [False] * (len(norm) + 1)
    found: list[Mention] = []

    def free(a: int, b: int) -> bool:
        return not any(taken[a:b])

    def claim(a: int, b: int) -> None:
        taken[a:b] = [True] * (b - a)

    def add(
        value: float | dt.date,
        unit: str | None,
        scale: float,
        decimals: int,
        a: int,
        b: int,
        precision: Precision | None = None,
    ) -> None:
        claim(a, b)
        found.append(Mention(value, unit, scale, decimals, text[a:b], a, b, precision))

    def ignore(patterns: list[re.Pattern[str]]) -> None:
        for pattern in patterns:
            for m in pattern.finditer(norm):
                if free(*m.span()):
                    claim(*m.span())

    ignore(_IGNORE_FIRST)
    for pattern, precision in _DATES:
        for m in pattern.finditer(norm):
            if free(*m.span()):
                value = _make_date(m, found, year)
                if value is not None:
                    add(value, "date", 1.0, 0, *m.span(), precision=precision)
    ignore(_IGNORE_AFTER_DATES)
    for pattern in _COUNTS:
        for m in pattern.finditer(norm):
            if free(*m.span()):
                n = m.groupdict().get("n")
                if not n:
                    count = cn_int(m["cn"])
                elif n.isdigit():
                    count = int(n)
                else:
                    count = _EN_WORDS[n.lower()]
                add(float(count), "count", 1.0, 0, *m.span())
    for m in _NUMBER.finditer(norm):
        _number(norm, m, free, add)
    found.sort(key=lambda x: x.start)
    return _share_range_units(text, found)


_RANGE_JOIN = re.compile(r"\s?(?:-|~|～|至|到|to)\s?")


def _share_range_units(text: str, found: list[Mention]) -> list[Mention]:
    """In "1.5-2%" / "5000至6000万份" the first bound takes the unit and scale written after the second."""
    out = list(found)
    for i in range(len(out) - 1):
        first, second = out[i], out[i + 1]
        if (
            first.unit is None
            and first.scale == 1.0
            and second.unit not in (None, "date")
            and _RANGE_JOIN.fullmatch(text[first.end : second.start])
        ):
            out[i] = Mention(
                first.value, second.unit, second.scale, first.decimals, first.surface, first.start, first.end
            )
    return out


def _number(norm: str, m: re.Match[str], free: Callable[[int, int], bool], add: Callable[..., None]) -> None:
    """Classify one digit run: identifier (skip), year, or a number with unit and scale."""
    a, b = m.span()
    digits_start = m.start("int")
    if not free(digits_start, b):
        return
    if m.group("sign"):
        before_sign = norm[a - 1] if a > 0 else ""
        if before_sign.isascii() and before_sign.isalpha():
            return  # T+1, UTC+8
        if before_sign.isdigit() or not free(a, digits_start):
            a = digits_start  # a range "1.5-2%": the dash is not a sign
    else:
        before = norm[a - 1] if a > 0 else ""
        if before.isascii() and (before.isalnum() or before == "_"):
            return  # sh560500, A500, v2
    raw_int, frac = m.group("int"), m.group("frac") or ""
    value = float(raw_int.replace(",", "") + ("." + frac if frac else ""))
    unit, scale, end = _suffix(norm, b)
    if end == b and b < len(norm) and norm[b].isascii() and norm[b].isalpha():
        return  # 500ETF, 5G: a name, not an amount
    plain_int = not frac and "," not in raw_int and not m.group("sign")
    if plain_int and unit is None and scale == 1.0:
        if len(raw_int) == 6 or (len(raw_int) > 1 and raw_int.startswith("0")):
            return  # security code
        if len(raw_int) == 4 and 1990 <= value <= 2100:
            add(dt.date(int(value), 1, 1), "date", 1.0, 0, a, b, precision="y")
            return
    if unit is None:
        prefix = _CURRENCY_PREFIX.search(norm, 0, a)
        if prefix:
            unit, a = "元", prefix.start()
    add(value, unit, scale, len(frac), a, end)
