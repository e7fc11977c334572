"""'Which did better, A or B?': each ETF's return (and its index's) on the day, and the difference."""

from __future__ import annotations

import contextlib
from typing import Any

from assistant.analysis.figures import Figure
from assistant.errors import MarketAssistantError, NotFoundError

from .context import AskContext


def answer(ctx: AskContext) -> str:
    intent, toolbox = ctx.intent, ctx.toolbox
    universe = toolbox.md.universe()
    codes = list(dict.fromkeys(list(intent.etfs) + list(intent.unknown)))
    missing = [c for c in codes if c not in universe]
    present = [c for c in codes if c in universe]
    rows: list[dict[str, Any]] = []
    for code in present:
        quote = toolbox.etf_quote(code, ctx.day)
        index = universe[code]
        index_ret = None
        with contextlib.suppress(MarketAssistantError):
            index_ret = toolbox.explain_move(code, ctx.day).fact("index_return_pct", index)
        rows.append(
            {
                "label": ctx.label(code),
                "ret": quote.fact("etf_return_pct", code),
                "index_label": ctx.label(index, kind="index") if index_ret else None,
                "index_ret": index_ret,
            }
        )
    if not rows:
        raise NotFoundError(
            ctx.t(
                f"本数据中没有{'、'.join(missing)}的行情，无法比较。",
                f"This data has no quotes for {', '.join(missing)}; nothing to compare.",
            )
        )
    diff = None
    if len(rows) >= 2:
        first, second = rows[0]["ret"], rows[1]["ret"]
        diff = Figure(
            "return_difference_pp",
            f"{present[0]}-{present[1]}",
            first.value - second.value,
            "pp",
            ctx.day,
            "fund_etf_hist_em",
        )
    text = ctx.render(
        "comparison",
        rows=rows,
        day=ctx.day,
        diff=diff,
        diff_up=bool(diff and diff.value >= 0),
        cite_data=ctx.ledger.add_data("fund_etf_hist_em"),
    )
    if missing and len(rows) == 1:  # nothing to compare with: say so first, then what there is
        return (
            ctx.t(
                f"**无法比较**：本数据没有{'、'.join(missing)}的行情，只能给出{rows[0]['label']}的表现。",
                f"**No comparison possible**: this data has no quotes for {', '.join(missing)}; only "
                f"{rows[0]['label']} can be shown.",
            )
            + "\n\n"
            + text
        )
    if missing:
        text += "\n\n" + ctx.t(
            f"本数据没有{'、'.join(missing)}的行情，无法纳入比较。",
            f"This data has no quotes for {', '.join(missing)}, so it is left out.",
        )
    return text
