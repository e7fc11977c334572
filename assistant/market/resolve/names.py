"""How people write a security's name: characters folded for matching (full-width, case, spacing), and the
variants of a name (an ETF without its manager suffix, a stock without ST or a company suffix, English names
without generic words) that the lexicon also accepts."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Kind = Literal["etf", "index", "stock"]


# ---------------------------------------------------------------------------------------------- folding


def _fold_char(c: str) -> str:
    """One char -> one char: full-width to ASCII, lower case, any space to " ". Keeps text offsets valid."""
    if c.isspace():
        return " "
    n = unicodedata.normalize("NFKC", c)
    if len(n) != 1:
        return c
    low = n.casefold()
    return low if len(low) == 1 else n


def _fold(s: str) -> str:
    return re.sub(r" +", " ", "".join(_fold_char(c) for c in s)).strip()


def _is_word_char(c: str) -> bool:
    return c.isascii() and c.isalnum()


# ---------------------------------------------------------------------------------------------- variants

_ETF_MANAGER_SUFFIX = re.compile(r"^(.+ETF)([\u4e00-\u9fff]{2,4})$", re.IGNORECASE)  # 500质量成长ETF鹏扬
_FUND_FULL_NAME = re.compile(r"交易型开放式指数证券投资基金$")
_ST_PREFIX = re.compile(r"^\*?S?\*?ST", re.IGNORECASE)
_CORP_SUFFIX = re.compile(
    r"(?:[\s,.]+(?:co|company|corp|corporation|inc|incorporated|ltd|limited|plc|group|holdings?|"
    r"joint|stock|shares?|a|h|class))+[\s,.]*$",
    re.IGNORECASE,
)
_GENERIC_EN = {"china", "chinese", "shanghai", "shenzhen", "beijing", "guangdong", "jiangsu", "zhejiang"}


def _zh_variants(kind: Kind, name: str) -> list[str]:
    """Shorter forms people type for a Chinese name: 500质量成长ETF for 500质量成长ETF鹏扬, 沪深300 for 沪深300指数."""
    name = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
    out: list[str] = []
    if kind == "etf":
        if m := _ETF_MANAGER_SUFFIX.match(name):
            out += [m.group(1), m.group(2) + m.group(1)]  # 500质量成长ETF, 鹏扬500质量成长ETF
        if _FUND_FULL_NAME.search(name):
            out.append(_FUND_FULL_NAME.sub("ETF", name))  # 鹏扬中证500质量成长ETF
    elif kind == "index":
        if name.endswith("指数") and len(name) > 4:
            out.append(name[:-2])
    else:
        bare = _ST_PREFIX.sub("", name)
        if bare != name:
            out.append(bare)
        if re.search(r"[\u4e00-\u9fff]{2}[AB]$", bare):
            out.append(bare[:-1])  # 万科A -> 万科
    return out


def _en_variants(name: str) -> list[str]:
    """Western Mining for "Western Mining Co., Ltd.", CSI 500 for "CSI 500 Index", CSI500 for CSI 500."""
    out: list[str] = []
    short = re.sub(r"\s+index$", "", _CORP_SUFFIX.sub("", name.strip()), flags=re.IGNORECASE).strip(" ,.")
    words = short.split()
    if short != name.strip() and (len(words) >= 2 or (len(short) >= 5 and short.lower() not in _GENERIC_EN)):
        out.append(short)
    for s in (name, *out):
        joined = re.sub(r"(?<=[A-Za-z]) (?=\d)", "", s)  # CSI 500 -> CSI500
        if joined != s:
            out.append(joined)
    return out
