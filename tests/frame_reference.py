"""The straightforward per-cell `frames.normalise` (and its sanity checks) as it was before it was made fast: the
reference that `test_frames_reference.py` holds the real one to, value for value, dtype for dtype, error for error.
Not used by the product. Keep it plain: one Python call per cell, `iterrows` for the daily-limit walk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd

from assistant.market import frame_specs
from assistant.market.frame_cells import (
    _GROUPED,
    _MISSING_TEXT,
    CODE_RE,
    SHANGHAI,
    _is_missing,
    normalise_code,
    parse_date,
    parse_datetime,
)
from assistant.market.frame_specs import FrameError, spec_for
from assistant.market.frames import SSE_SCALE_IN_UNITS_SINCE, _older_than

Check = Callable[[pd.DataFrame], str | None]


def normalise(function: str, df: pd.DataFrame, *, akshare_version: str | None = None) -> pd.DataFrame:
    spec = spec_for(function)
    label = function
    missing = [c for c in spec.required if c not in df.columns]
    if missing:
        raise FrameError(f"{label}: missing required column(s) {', '.join(missing)} of {function}")
    out = df.copy()
    out = out.reset_index(drop=True)
    for col in spec.codes:
        if col in out.columns:
            codes = out[col].astype(object).map(normalise_code)
            # a blank cell is a missing code (the old `c is not None` test crashed on the NaN of a text column)
            bad = codes[codes.map(lambda c: isinstance(c, str) and not CODE_RE.match(c))]
            if len(bad):
                raise FrameError(
                    f"{label}: column {col} holds {bad.iloc[0]!r} (row {bad.index[0]}), not a 6-digit code"
                )
            out[col] = codes.astype(object)
    for col in spec.dates:
        if col in out.columns:
            out[col] = _convert(out[col], parse_date, label, col, "a date")
    for col in spec.datetimes:
        if col in out.columns:
            stamps = _convert(out[col], parse_datetime, label, col, "a date-time")
            cells: list[Any] = [pd.NaT if t is None else t for t in stamps]
            utc = pd.to_datetime(cells, utc=True)
            out[col] = (
                pd.Series(utc, index=out.index)
                .dt.tz_convert(SHANGHAI)
                .astype(pd.DatetimeTZDtype("ns", SHANGHAI))
            )
    for col in spec.numerics:
        if col in out.columns:
            problem = _number_text_problem(out[col], col)
            if problem:
                raise FrameError(f"{label}: {problem}")
            out[col] = _to_float(out[col])
    for col in spec.texts:
        if col in out.columns:
            out[col] = out[col].astype(object).map(lambda v: None if _is_missing(v) else str(v))
    if function == "fund_overview_em":
        out = out.astype(object).map(lambda v: None if _is_missing(v) else str(v))
    if function == "fund_etf_scale_sse" and _older_than(akshare_version, SSE_SCALE_IN_UNITS_SINCE):
        out["基金份额"] = out["基金份额"] * 10000.0
    for check in spec.checks:
        problem = reference_check(check)(out)
        if problem:
            raise FrameError(f"{label}: {problem}")
    if spec.date_column and spec.date_column in out.columns and len(out):
        out = out.sort_values(
            spec.date_column,
            kind="stable",
            key=lambda s: s.map(lambda d: d.toordinal() if d is not None else -1),
        ).reset_index(drop=True)
    out.attrs["source"] = function
    return out


def _convert(series: pd.Series, parser: Callable[[Any], Any], label: str, col: str, what: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series) and parser is parse_date:
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_convert(SHANGHAI)
        return series.map(lambda t: None if pd.isna(t) else t.date()).astype(object)
    values = []
    for i, value in enumerate(series.astype(object).tolist()):
        try:
            values.append(parser(value))
        except (ValueError, TypeError, OverflowError):
            raise FrameError(f"{label}: column {col} holds {value!r} (row {i}), not {what}") from None
    return pd.Series(values, index=series.index, dtype=object)


def _number_text_problem(series: pd.Series, col: str) -> str | None:
    if pd.api.types.is_numeric_dtype(series):
        return None
    for i, value in series.items():
        if not isinstance(value, str) or value.strip() in _MISSING_TEXT:
            continue
        text = value.strip()
        if "," in text and not _GROUPED.match(text):
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


# ------------------------------------------------------------------------------------------------------- checks


def reference_check(check: Check) -> Check:
    """The per-row reference of one of the spec's checks, built from the same parameters."""
    if isinstance(check, frame_specs.RangeCheck):
        return _range_check(check.column, check.low, check.high)
    if isinstance(check, frame_specs.OneRowPerDate):
        return _one_row_per_date(check.column)
    if isinstance(check, frame_specs.WithinDailyLimit):
        return _within_daily_limit(check.close, check.date_col, check.code_col, check.reported, check.index)
    raise TypeError(f"no reference for {check!r}")


def _range_check(column: str, low: float, high: float | None) -> Check:
    def check(df: pd.DataFrame) -> str | None:
        if column not in df.columns:
            return None
        values = df[column].dropna()
        bad = values[(values <= low) | ((values >= high) if high is not None else False)]
        if len(bad):
            bound = f"{low} < {column} < {high}" if high is not None else f"{column} > {low}"
            return (
                f"column {column} fails the sanity check {bound} (e.g. {bad.iloc[0]!r} in row {bad.index[0]})"
            )
        return None

    return check


def _one_row_per_date(column: str) -> Check:
    def check(df: pd.DataFrame) -> str | None:
        if column not in df.columns:
            return None
        dup = df[column][df[column].duplicated(keep=False) & df[column].notna()]
        return (
            f"column {column} repeats the date {dup.iloc[0]} (rows {', '.join(map(str, dup.index[:3]))})"
            if len(dup)
            else None
        )

    return check


_RESUMPTION_GAP = dt.timedelta(days=10)


def _within_daily_limit(
    close: str, date_col: str, code_col: str | None, reported: str | None, index: bool = False
) -> Check:
    def check(df: pd.DataFrame) -> str | None:
        if close not in df.columns or date_col not in df.columns or len(df) < 2:
            return None
        ordered = df.dropna(subset=[close, date_col]).sort_values(date_col, kind="stable")
        code = None
        if code_col and code_col in ordered.columns and ordered[code_col].notna().any():
            code = str(ordered[code_col].dropna().iloc[0])
        limit = 25.0 if index else frame_specs._board_limit_pct(code) + 1.0
        prev_close, prev_day = ordered[close].shift(1), ordered[date_col].shift(1)
        for (_, row), before, day in zip(ordered.iloc[1:].iterrows(), prev_close.iloc[1:], prev_day.iloc[1:]):
            if not before or before <= 0 or (row[date_col] - day) > _RESUMPTION_GAP:
                continue
            move = (row[close] / before - 1.0) * 100.0
            if abs(move) <= limit:
                continue
            said = row.get(reported) if reported else None
            if move < 0 and said is not None and not pd.isna(said) and abs(float(said)) <= limit:
                continue
            return (
                f"column {close} moves {move:+.2f}% on {row[date_col]} (from {before:g} to {row[close]:g}), "
                f"beyond the {limit - (0 if index else 1):g}% daily limit without a listing or resumption "
                "(a price off by x100 or a shifted column?)"
            )
        return None

    return check
