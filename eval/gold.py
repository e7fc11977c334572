"""Gold values for the evaluation datasets, recomputed from a snapshot's CSV frames with pandas.

Independence: from `assistant` this module imports only the fact names (`FactName`: which figure a gold fact is,
never how it is computed); it reads manifest.json and the CSVs itself, so the gold is an independent second
implementation of the conventions in shared/specs (and the analysis docstrings):

- returns: close_T / close_prev - 1 (×100), from the closes (not the rounded 涨跌幅 column);
- constituent weights: the CSI file weight (权重) drifted by each stock's own price from the weights' 日期 (or the
  nearest earlier close) to the last close before T, renormalised to 100 over the priced constituents;
  contribution (pp) = drifted weight × return; a suspended stock (no bar on T) contributes 0;
- industry contribution: the sum over constituents by stock_individual_info_em 行业;
- premium to IOPV: (最新价 / IOPV实时估值 - 1) × 100;
- units change over a period of N months: units on T minus units on the last recorded date on or before
  T - N calendar months; scale = units × close on that date (nearest earlier close).

    python -m eval.gold --check [DATASET ...]   # every gold fact in the datasets vs recomputation (exit 1 on a diff)
    python -m eval.gold --fill  [DATASET ...]   # rewrite gold values from recomputation (authoring aid)
    python -m eval.gold --show SNAPSHOT          # print the key figures of a snapshot
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import math
import sys
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from assistant.analysis.figures import FactName, period_tag

_PERIOD_NAMES = (
    FactName.ETF_PERIOD_RETURN_PCT,
    FactName.INDEX_PERIOD_RETURN_PCT,
    FactName.TRACKING_DIFFERENCE_PERIOD_PP,
)


def _d(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def minus_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class SnapshotGold:
    """Figures of one snapshot folder, computed from its frames."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.manifest = json.loads((self.root / "manifest.json").read_text(encoding="utf-8"))
        self.trade_date = _d(self.manifest["trade_date"])
        self.universe = {u["etf"]: u["index"] for u in self.manifest["universe"]}

    # --- frames --------------------------------------------------------------------------------------------

    def _frames(self, function: str, **params: str) -> list[pd.DataFrame]:
        out = []
        for f in self.manifest["frames"]:
            if f["function"] != function:
                continue
            p = {k: v for k, v in f.get("params", {}).items() if k not in ("start_date", "end_date")}
            if all(str(p.get(k)) == v for k, v in params.items()):
                out.append(pd.read_csv(self.root / f["file"], dtype=str))
        return out

    def _frame(self, function: str, **params: str) -> pd.DataFrame:
        frames = self._frames(function, **params)
        if not frames:
            raise KeyError(f"{self.root.name}: no frame {function} {params}")
        return frames[0]

    @staticmethod
    def _closes(df: pd.DataFrame, date_col: str, close_col: str) -> pd.Series:
        s = pd.Series(pd.to_numeric(df[close_col]).to_numpy(), index=[_d(x) for x in df[date_col]])
        return s[~s.index.duplicated(keep="last")].sort_index()

    def etf_closes(self, etf: str) -> pd.Series:
        return self._closes(self._frame("fund_etf_hist_em", symbol=etf), "日期", "收盘")

    def index_closes(self, index: str) -> pd.Series:
        return self._closes(self._frame("stock_zh_index_daily_em", symbol="csi" + index), "date", "close")

    def stock_closes(self, code: str) -> pd.Series:
        frames = self._frames("stock_zh_a_hist", symbol=code)
        return self._closes(frames[0], "日期", "收盘") if frames else pd.Series(dtype="float64")

    @cached_property
    def spot(self) -> pd.DataFrame:
        df = self._frame("fund_etf_spot_em")
        return df.set_index("代码")

    # --- moves ---------------------------------------------------------------------------------------------

    @staticmethod
    def _ret(series: pd.Series, day: dt.date) -> float:
        if day not in series.index:
            raise KeyError(f"no close on {day}")
        before = series[[d < day for d in series.index]]
        return (float(series[day]) / float(before.iloc[-1]) - 1.0) * 100.0

    def day(self, day: dt.date | str | None) -> dt.date:
        return self.trade_date if day is None else _d(day)

    def etf_return_pct(self, etf: str, day: Any = None) -> float:
        return self._ret(self.etf_closes(etf), self.day(day))

    def index_return_pct(self, index: str, day: Any = None) -> float:
        return self._ret(self.index_closes(index), self.day(day))

    def tracking_difference_pp(self, etf: str, day: Any = None) -> float:
        return self.etf_return_pct(etf, day) - self.index_return_pct(self.universe[etf], day)

    def constituent_return_pct(self, code: str, day: Any = None) -> float:
        return self._ret(self.stock_closes(code), self.day(day))

    def etf_close(self, etf: str, day: Any = None) -> float:
        return float(self.etf_closes(etf)[self.day(day)])

    # --- weights and attribution ---------------------------------------------------------------------------

    def weights(self, index: str) -> pd.DataFrame:
        df = self._frame("index_stock_cons_weight_csindex", symbol=index).copy()
        df["权重"] = pd.to_numeric(df["权重"])
        return df

    def weights_date(self, index: str) -> dt.date:
        return _d(self.weights(index)["日期"].iloc[0])

    def top_weights(self, index: str, n: int = 10) -> pd.DataFrame:
        """The weight file's top n (file weights, as of the file's 日期)."""
        return self.weights(index).sort_values("权重", ascending=False, kind="stable").head(n)

    def industry_of(self, code: str) -> str:
        frames = self._frames("stock_individual_info_em", symbol=code)
        if not frames:
            return "未分类"
        info = dict(zip(frames[0]["item"], frames[0]["value"]))
        value = info.get("行业")
        return str(value) if isinstance(value, str) and value.strip() else "未分类"

    def attribution(self, index: str, day: Any = None) -> pd.DataFrame:
        """code, name, industry, weight_file, weight_drifted, return_pct, contribution_pp (one row per member)."""
        t = self.day(day)
        w = self.weights(index)
        wd = _d(w["日期"].iloc[0])
        rows = []
        for _, r in w.iterrows():
            s = self.stock_closes(r["成分券代码"])
            base = s[[d <= wd for d in s.index]]
            prev = s[[d < t for d in s.index]]
            rows.append(
                {
                    "code": r["成分券代码"],
                    "name": r["成分券名称"],
                    "name_en": r["成分券英文名称"],
                    "industry": self.industry_of(r["成分券代码"]),
                    "weight_file": float(r["权重"]),
                    "base": float(base.iloc[-1]) if len(base) else math.nan,
                    "prev": float(prev.iloc[-1]) if len(prev) else math.nan,
                    "close": float(s[t]) if t in s.index else math.nan,
                }
            )
        df = pd.DataFrame(rows)
        priced = df["base"].notna() & df["prev"].notna()
        raw = (df["weight_file"] * df["prev"] / df["base"]).where(priced)
        df["weight_drifted"] = raw / raw.sum() * 100.0
        df["return_pct"] = (df["close"] / df["prev"] - 1.0) * 100.0
        df["suspended"] = priced & df["close"].isna()
        df["contribution_pp"] = (df["weight_drifted"] * df["return_pct"] / 100.0).fillna(0.0)
        return df

    def contribution_pp(self, code: str, day: Any = None) -> float:
        df = self.attribution(self._index_for_stock(code), day)
        return float(df.loc[df["code"] == code, "contribution_pp"].iloc[0])

    def industry_contribution_pp(self, industry: str, day: Any = None, index: str | None = None) -> float:
        df = self.attribution(index or next(iter(self.universe.values())), day)
        return float(math.fsum(df.loc[df["industry"] == industry, "contribution_pp"]))

    def _index_for_stock(self, code: str) -> str:
        for index in self.universe.values():
            if code in set(self.weights(index)["成分券代码"]):
                return index
        raise KeyError(f"{code} is not in any index of {self.root.name}")

    # --- premium and flows ---------------------------------------------------------------------------------

    def etf_premium_pct(self, etf: str) -> float:
        row = self.spot.loc[etf]
        return (float(row["最新价"]) / float(row["IOPV实时估值"]) - 1.0) * 100.0

    def spot_value(self, etf: str, column: str) -> float:
        return float(self.spot.loc[etf, column])

    def units(self, etf: str) -> pd.Series:
        if etf.startswith("5"):
            parts = []
            for df in self._frames("fund_etf_scale_sse"):
                df = df[df["基金代码"] == etf]
                parts.append(
                    pd.Series(pd.to_numeric(df["基金份额"]).to_numpy(), index=[_d(x) for x in df["统计日期"]])
                )
            s = pd.concat(parts) if parts else pd.Series(dtype="float64")
        else:
            df = self._frame("fund_scale_daily_szse", symbol="ETF")
            df = df[df["基金代码"] == etf]
            s = pd.Series(pd.to_numeric(df["基金份额"]).to_numpy(), index=[_d(x) for x in df["日期"]])
        return s[~s.index.duplicated(keep="last")].sort_index()

    def period_start(self, etf: str, months: int = 1, day: Any = None) -> dt.date:
        t = self.day(day)
        u = self.units(etf)
        target = minus_months(t, months)
        before = [d for d in u.index if d <= target]
        return before[-1] if before else u.index[0]

    def units_change(self, etf: str, start: Any, end: Any = None) -> float:
        u = self.units(etf)
        return float(u[self.day(end)] - u[_d(start)])

    def units_change_pct(self, etf: str, start: Any, end: Any = None) -> float:
        u = self.units(etf)
        return float(u[self.day(end)] / u[_d(start)] - 1.0) * 100.0

    def scale_yuan(self, etf: str, day: Any) -> float:
        d = _d(day)
        closes = self.etf_closes(etf)
        close = float(closes[[x <= d for x in closes.index]].iloc[-1])
        return float(self.units(etf)[d]) * close

    def scale_change_yuan(self, etf: str, start: Any, end: Any = None) -> float:
        return self.scale_yuan(etf, self.day(end)) - self.scale_yuan(etf, start)

    def period_return_pct(self, closes: pd.Series, start: dt.date, end: dt.date) -> float:
        """close on (or last before) end / close on (or last before) start - 1, x100: the period starts at the
        close of its baseline day (month to date: the last close of the previous month)."""
        first = closes[[d <= start for d in closes.index]]
        last = closes[[d <= end for d in closes.index]]
        return (float(last.iloc[-1]) / float(first.iloc[-1]) - 1.0) * 100.0

    def period_value(self, name: str, subject: str, start: dt.date, end: dt.date) -> float:
        if name == FactName.INDEX_PERIOD_RETURN_PCT:
            return self.period_return_pct(self.index_closes(subject), start, end)
        etf = self.period_return_pct(self.etf_closes(subject), start, end)
        if name == FactName.ETF_PERIOD_RETURN_PCT:
            return etf
        return etf - self.period_return_pct(self.index_closes(self.universe[subject]), start, end)

    # --- dispatch for dataset gold facts -------------------------------------------------------------------

    def value(
        self, name: str, subject: str, as_of: dt.date | None = None, period_start: dt.date | None = None
    ) -> float | None:
        """Gold for a fact name; None when this module has no recipe for it (e.g. values from an article)."""
        day = as_of or self.trade_date
        etfs = set(self.universe)
        if name == FactName.ETF_RETURN_PCT:
            return self.etf_return_pct(subject, day)
        if name == FactName.INDEX_RETURN_PCT:
            return self.index_return_pct(subject, day)
        if name == FactName.TRACKING_DIFFERENCE_PP:
            return self.tracking_difference_pp(subject, day)
        if name == FactName.CONSTITUENT_RETURN_PCT:
            return self.constituent_return_pct(subject, day)
        if name == FactName.CONSTITUENT_CONTRIBUTION_PP:
            return self.contribution_pp(subject, day)
        if name == FactName.INDUSTRY_CONTRIBUTION_PP:
            return self.industry_contribution_pp(subject, day)
        if name == FactName.CONSTITUENT_WEIGHT_FILE_PCT:
            idx = self._index_for_stock(subject)
            w = self.weights(idx)
            return float(w.loc[w["成分券代码"] == subject, "权重"].iloc[0])
        if name == FactName.TOP_N_WEIGHT_FILE_SUM_PCT:  # subject "930939:10"
            idx, n = subject.split(":")
            return float(self.top_weights(idx, int(n))["权重"].sum())
        sign = {FactName.NEGATIVE_CONTRIBUTORS_COUNT: -1, FactName.POSITIVE_CONTRIBUTORS_COUNT: 1}.get(name)
        if sign is not None:  # subject: the index
            return float((sign * self.attribution(subject, day)["contribution_pp"] > 0).sum())
        if name == FactName.CONSTITUENTS_COUNT:  # subject: the index
            return float(len(self.weights(subject)))
        if name == FactName.ETF_PRICE:
            return self.spot_value(subject, "最新价")
        if name == FactName.ETF_CLOSE:
            return self.etf_close(subject, day)
        if name == FactName.ETF_IOPV:
            return self.spot_value(subject, "IOPV实时估值")
        if name == FactName.ETF_PREMIUM_PCT:
            return self.etf_premium_pct(subject)
        if name == FactName.ETF_UNITS and subject in etfs:
            return float(self.units(subject)[day])
        since = FactName.since(name)  # a custom period's changes; the default period's when None
        tag = period_tag(since) if since is not None else ""
        changes = {
            FactName.units_change(tag): self.units_change,
            FactName.units_change_pct(tag): self.units_change_pct,
            FactName.scale_change_yuan(tag): self.scale_change_yuan,
        }
        if name in changes and subject in etfs:
            start = since or period_start or self.period_start(subject, 1, day)
            return changes[name](subject, start, day)
        if name in _PERIOD_NAMES:
            if period_start is None:
                return None
            return self.period_value(name, subject, period_start, day)
        if name in (FactName.ETF_UNITS_CHANGE_1D, FactName.ETF_UNITS_CHANGE_1D_PCT) and subject in etfs:
            u = self.units(subject)
            prev = [d for d in u.index if d < day][-1]
            return (self.units_change if name == FactName.ETF_UNITS_CHANGE_1D else self.units_change_pct)(
                subject, prev, day
            )
        return None


@lru_cache(maxsize=16)
def gold_for(root: str) -> SnapshotGold:
    return SnapshotGold(root)


def check_cases(cases: list[Any], resolve: Any) -> list[str]:
    """Diffs between each gold fact and its recomputation (facts without a recipe are skipped)."""
    problems = []
    for case in cases:
        g = gold_for(str(resolve(case.snapshot)))
        for f in case.gold.facts:
            want = g.value(f.name, f.subject, f.as_of, f.period_start)
            if want is None:
                continue
            if abs(want - f.value) > max(f.tolerance / 10, 1e-6 * max(1.0, abs(want))):
                problems.append(f"{case.id}: {f.name}[{f.subject}] = {f.value}, recomputed {want:.6g}")
    return problems


def _precision(tol: float) -> int:
    return max(0, min(6, -math.floor(math.log10(tol)) + 2)) if tol > 0 else 6


def main(argv: list[str] | None = None) -> int:
    from eval.dataset import default_dataset_paths, dump_cases, load_cases
    from eval.make_snapshots import resolve_snapshot

    ap = argparse.ArgumentParser(prog="python -m eval.gold")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--fill", action="store_true")
    ap.add_argument("--show", metavar="SNAPSHOT")
    ap.add_argument("datasets", nargs="*", type=Path)
    args = ap.parse_args(argv)
    if args.show:
        g = SnapshotGold(resolve_snapshot(args.show))
        for etf, index in g.universe.items():
            print(
                f"{etf}->{index} T={g.trade_date} etf {g.etf_return_pct(etf):.4f}% index "
                f"{g.index_return_pct(index):.4f}% premium {g.etf_premium_pct(etf):.4f}% "
                f"period start {g.period_start(etf)} units chg {g.value(FactName.ETF_UNITS_CHANGE, etf):.0f} "
                f"({g.value(FactName.ETF_UNITS_CHANGE_PCT, etf):.4f}%) scale chg {g.value(FactName.ETF_SCALE_CHANGE_YUAN, etf):.0f}"
            )
            att = g.attribution(index).sort_values("contribution_pp")
            with pd.option_context("display.width", 200, "display.max_columns", 20):
                print(
                    att.tail(6)[
                        ["code", "name", "industry", "weight_drifted", "return_pct", "contribution_pp"]
                    ]
                )
                print(
                    att.head(4)[
                        ["code", "name", "industry", "weight_drifted", "return_pct", "contribution_pp"]
                    ]
                )
                print(att[att["suspended"]][["code", "name"]])
                ind = att.groupby("industry")["contribution_pp"].sum().sort_values()
                print(ind.tail(4), ind.head(3), sep="\n")
                print(
                    g.top_weights(index)[["成分券代码", "成分券名称", "权重"]],
                    g.top_weights(index)["权重"].sum(),
                )
        return 0
    paths = args.datasets or default_dataset_paths()
    status = 0
    for path in paths:
        cases = load_cases(path)
        resolve = lambda name, base=path.parent: resolve_snapshot(name, base_dir=base)  # noqa: E731
        if args.fill:
            for case in cases:
                g = gold_for(str(resolve(case.snapshot)))
                for f in case.gold.facts:
                    want = g.value(f.name, f.subject, f.as_of, f.period_start)
                    if want is not None:
                        f.value = round(want, _precision(f.tolerance))
            dump_cases(cases, path)
            print(f"filled {path}")
        problems = check_cases(cases, resolve)
        for p in problems:
            print(f"{path.name}: {p}")
        status |= bool(problems)
        if not problems:
            print(f"{path.name}: {len(cases)} cases, gold facts agree with the frames")
    return status


if __name__ == "__main__":
    sys.exit(main())
