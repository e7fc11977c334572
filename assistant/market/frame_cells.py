"""Cell parsers for AKShare-shaped values: codes, dates and date-times (Asia/Shanghai), numbers written as text,
and the free-text fields of fund_overview_em ("6.02亿元（截止至：2026年01月09日）"). One way to read each kind of
cell, used by `frames.normalise` and by the tools that quote fund fields."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from pandas._libs import NaTType

SHANGHAI = "Asia/Shanghai"
CODE_RE = re.compile(r"^\d{6}$")


# --------------------------------------------------------------------------------------------- element parsers


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in ("", "nan", "NaN", "None", "NaT", "<NA>")


def normalise_code(value: Any) -> str | None:
    """A security code as 6 digits, restoring leading zeros lost to int/float/Excel; None when missing.

    Never raises: text that cannot be a code comes back as-is so the caller can name it in its error.
    """
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else str(value)
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d+\.0+", text):
            text = text.split(".")[0]
    if text.isdigit() and len(text) < 6:
        text = text.zfill(6)
    return text


_DATE_RE = re.compile(r"^(\d{4})[-/]?(\d{1,2})[-/]?(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def parse_date(value: Any) -> dt.date | None:
    """A date from YYYY-MM-DD / YYYYMMDD strings, date/datetime/Timestamp objects or numpy datetimes."""
    if _is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        stamp = value if value.tzinfo is None else value.tz_convert(SHANGHAI)
        return stamp.date()
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is None else value.astimezone(pd.Timestamp.now(tz=SHANGHAI).tzinfo)
        return moment.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(int(value))
    else:
        text = str(value).strip()
    m = _DATE_RE.match(text)
    if not m:
        ts = pd.Timestamp(text) if _looks_like_timestamp(text) else None
        if ts is None:
            raise ValueError(text)
        return parse_date(ts)
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def _looks_like_timestamp(text: str) -> bool:
    try:
        pd.Timestamp(text)
    except (ValueError, TypeError):
        return False
    return True


def parse_datetime(value: Any) -> pd.Timestamp | None:
    """A tz-aware Asia/Shanghai timestamp; naive values are taken as Shanghai wall time (AKShare's convention)."""
    if _is_missing(value):
        return None
    try:
        ts: pd.Timestamp | NaTType = pd.Timestamp(value)  # "NaT" and the like give NaT
    except (ValueError, TypeError) as err:
        raise ValueError(str(value)) from err
    if isinstance(ts, type(pd.NaT)):
        return None
    return ts.tz_localize(SHANGHAI) if ts.tzinfo is None else ts.tz_convert(SHANGHAI)


_MISSING_TEXT = {"", "-", "--", "nan", "NaN", "None", "null"}
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def cells(series: pd.Series) -> list[Any]:
    """The cells of a column as the Python objects `series.astype(object).tolist()` gives, faster for text: a
    CSV read with dtype=str holds Arrow-backed strings, whose astype(object) costs five times `to_numpy`."""
    if isinstance(series.dtype, pd.StringDtype):
        return series.to_numpy(dtype=object).tolist()
    return series.astype(object).tolist()


def as_object(series: pd.Series) -> pd.Series:
    """`series.astype(object)`, the same values and index, built from `cells` (fast for Arrow-backed text)."""
    if isinstance(series.dtype, pd.StringDtype):
        return pd.Series(series.to_numpy(dtype=object), index=series.index, name=series.name, dtype=object)
    return series.astype(object)


def numbers(series: pd.Series, col: str) -> tuple[str | None, pd.Series | None]:
    """(None, the column as float64), or (the problem, None) when a cell is not a plain number.

    Numbers written as text must be plain numbers: a thousands separator (or a decimal comma) or any other text
    became a silently different number or NaN. Text columns (a CSV read with dtype=str) are checked and parsed
    from one list of their cells; other columns keep the pandas path."""
    if pd.api.types.is_numeric_dtype(series):
        return None, _to_float(series)
    text = isinstance(series.dtype, pd.StringDtype)
    values = cells(series) if text else series.tolist()
    problem = _number_text_problem(zip(series.index, values), col)
    if problem:
        return problem, None
    if not text:
        return None, _to_float(series)
    cleaned = [v.replace(",", "").strip() if isinstance(v, str) else v for v in values]
    parsed = pd.to_numeric(np.array(cleaned, dtype=object), errors="coerce")
    return None, pd.Series(np.asarray(parsed).astype("float64"), index=series.index, name=series.name)


def _number_text_problem(pairs: Iterable[tuple[Any, Any]], col: str) -> str | None:
    for i, value in pairs:
        if not isinstance(value, str) or value.strip() in _MISSING_TEXT:
            continue
        text = value.strip()
        if "," in text and not _GROUPED.match(text):  # "1,234,000" is fine; "1,23" or "12,34" is ambiguous
            return f"column {col} holds {value!r} (row {i}): a separator that is not thousands grouping"
        try:
            float(text.replace(",", ""))
        except ValueError:
            return f"column {col} holds {value!r} (row {i}), not a number"
    return None


def _to_float(series: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype("float64")
    text = series.astype(object).map(lambda v: v.replace(",", "").strip() if isinstance(v, str) else v)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def _iso_date(value: Any) -> str | None:
    """A date cell as YYYY-MM-DD (None when missing)."""
    day = parse_date(value)
    return None if day is None else day.isoformat()


def _csv_scalar(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# ------------------------------------------------------------------------------------ free-text fields (fund_overview_em)

# What fund_overview_em writes for "nothing here".
NOT_GIVEN = frozenset({"", "---", "--", "-", "nan", "None"})
_AMOUNT_RE = re.compile(r"([\d,.]+)\s*(亿|万)?\s*(元|份)")
_CN_DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def text_or_none(value: object) -> str | None:
    """A cell as stripped text; None for None, NaN and blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def given_text(value: object) -> str | None:
    """A cell's text, or None when the source wrote a placeholder ("---", "nan"...) instead of a value."""
    text = text_or_none(value)
    return None if text is None or text in NOT_GIVEN else text


def first_part(value: str | None) -> str | None:
    """The part before the first "/" ("2019-12-17 / 6.02亿份" -> "2019-12-17"); None when it is a placeholder."""
    if value is None:
        return None
    first = value.split("/")[0].strip()
    return None if first in NOT_GIVEN else first


def parse_amount(text: str | None) -> tuple[float, dt.date | None] | None:
    """'6.02亿元（截止至：2026年01月09日）' -> (602000000.0, 2026-01-09); None when no amount is written."""
    if not text:
        return None
    m = _AMOUNT_RE.search(text)
    if not m:
        return None
    try:
        value = float(m.group(1).replace(",", "")) * {"亿": 1e8, "万": 1e4, None: 1.0}[m.group(2)]
    except ValueError:
        return None
    d = _CN_DATE_RE.search(text)
    when = dt.date(int(d.group(1)), int(d.group(2)), int(d.group(3))) if d else None
    return value, when
