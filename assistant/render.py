"""Presentation of analysis results for the terminal and JSON. Rounding happens here and nowhere earlier."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text  # data is printed as Text, never parsed as markup (names, titles, warnings)

from assistant.analysis.explain import MoveExplanation
from assistant.analysis.figures import Figure
from assistant.market.model import SourceInfo
from assistant.market.model import origin_label as model_origin_label


def origin_label(info: SourceInfo) -> str:
    """Never let a sample or recorded number pass for live: always say where it came from and when."""
    return f"{model_origin_label(info.origin)}, as of {info.as_of.isoformat()}"


def figure_json(fig: Figure) -> dict[str, Any]:
    out = asdict(fig)
    out["as_of"] = fig.as_of.isoformat()
    return out


def explanation_json(result: MoveExplanation, info: SourceInfo) -> dict[str, Any]:
    """Machine-readable explanation: a summary for people skimming it, and every unrounded figure."""
    attribution = result.attribution
    return {
        "etf": result.etf,
        "index": result.index,
        "index_name": result.index_name,
        "trade_date": result.trade_date.isoformat(),
        "prev_date": result.prev_date.isoformat(),
        "weights_date": result.weights_date.isoformat(),
        "etf_return_pct": result.etf_return_pct,
        "index_return_pct": result.index_return_pct,
        "tracking_difference_pp": result.tracking_difference_pp,
        "contribution_sum_pp": attribution.contribution_sum_pp,
        "residual_pp": attribution.residual_pp,
        "top_contributors": [
            {
                "code": c.code,
                "name": c.name,
                "industry": c.industry,
                "return_pct": c.return_pct,
                "weight_drifted_pct": c.weight_drifted_pct,
                "contribution_pp": c.contribution_pp,
            }
            for c in result.top_contributors
        ],
        "industries": [
            {
                "industry": i.industry,
                "contribution_pp": i.contribution_pp,
                "weight_drifted_pct": i.weight_drifted_pct,
            }
            for i in result.industries
        ],
        "suspended": list(result.suspended),
        "warnings": list(result.warnings),
        "notes": list(result.notes),
        "figures": [figure_json(f) for f in result.figures()],
        "data": {
            "origin": info.origin,
            "as_of": info.as_of.isoformat(),
            "trade_date": info.trade_date.isoformat(),
        },
    }


def _signed(value: float | None, digits: int = 2, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:+.{digits}f}{unit}"


def print_explanation(result: MoveExplanation, info: SourceInfo, console: Console | None = None) -> None:
    console = console or Console()
    attribution = result.attribution
    console.print(
        Text.assemble(
            (result.etf, "bold"),
            f" tracking {result.index} {result.index_name or ''} "
            f"on {result.trade_date} (vs {result.prev_date})",
        )
    )
    console.print(
        f"ETF {_signed(result.etf_return_pct, unit='%')}  index {_signed(result.index_return_pct, unit='%')}"
        f"  tracking difference {_signed(result.tracking_difference_pp, unit=' pp')}"
    )
    if result.premium is not None and result.premium.premium_pct is not None:
        console.print(
            f"premium to IOPV {_signed(result.premium.premium_pct, unit='%')} (price / IOPV − 1; AKShare 基金折价率 read as a {result.premium.convention} rate)"
        )
    console.print(
        f"contributions sum {_signed(attribution.contribution_sum_pp, 4, ' pp')}, "
        f"residual {_signed(attribution.residual_pp, 4, ' pp')} "
        f"(weights dated {result.weights_date}, drifted to {result.prev_date})"
    )

    table = Table(title="Top contributors")
    for col in ("code", "name", "industry", "return %", "weight %", "contribution pp"):
        table.add_column(col, justify="right" if col[0] in "rwc" and col != "code" else "left")
    for c in list(result.top_contributors) + list(result.bottom_contributors):
        table.add_row(
            *map(
                Text,
                (
                    c.code,
                    c.name or "",
                    c.industry or "",
                    _signed(c.return_pct),
                    f"{c.weight_drifted_pct:.2f}",
                    _signed(c.contribution_pp, 3),
                ),
            )
        )
    console.print(table)

    industries = Table(title="Industry contributions")
    industries.add_column("industry")
    industries.add_column("weight %", justify="right")
    industries.add_column("contribution pp", justify="right")
    for i in result.industries[:8]:
        industries.add_row(Text(i.industry), f"{i.weight_drifted_pct:.2f}", _signed(i.contribution_pp, 3))
    console.print(industries)

    if result.flows is not None and result.flows.period is not None:
        p = result.flows.period
        scale = (
            "" if p.scale_change_yuan is None else f", scale {p.scale_change_yuan / 1e6:+,.2f} million yuan"
        )
        console.print(f"flows {p.start_date} → {p.end_date}: units {p.change / 1e4:+,.0f}万份{scale}")
    for warning in result.warnings:
        console.print(Text.assemble(("warning: ", "yellow"), warning))
    console.print(Text(origin_label(info), style="dim"))


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """Data as the terminal may show it: no escape sequences, other control characters or bidi overrides (Rich
    keeps ESC, so a title could clear the screen or recolour what follows)."""
    return _CONTROL.sub("", text)


def print_answer(answer: Any, console: Console | None = None) -> None:
    """Every piece of data (titles, sources, urls, warnings) is printed as plain Text, never parsed as Rich markup:
    a headline containing `[/dim]` once crashed this and every later `ask` (the item stays in the store)."""
    from rich.markdown import Markdown

    con = console or Console()
    con.print(Markdown(terminal_safe(answer.answer)))
    print_citations(answer, con)


def print_citations(answer: Any, con: Console) -> None:
    """The numbered citation list, as plain Text (titles are data, never markup)."""
    citations = answer.citations
    if citations:
        con.print()
        for c in citations:
            when = f" · {c.published_at[:16]}" if c.published_at else ""
            src = f" · {c.source}" if c.source else ""
            url = f" · {c.url}" if c.url else ""
            line = terminal_safe(f"[{c.n}] {c.title or c.id} ({c.kind}{src}{when}){url}")
            con.print(Text(line, style="dim"), highlight=False)
