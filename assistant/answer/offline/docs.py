"""Fund facts ('who is the custodian?') and document questions ('how often is it rebalanced?'): the profile
field asked for first, then the clause(s) of the retrieved document that state the concept asked about."""

from __future__ import annotations

import logging
import re
from typing import Any

from assistant.analysis.figures import FactName
from assistant.answer.tools import PassageRef
from assistant.errors import NotFoundError, UpstreamError

from . import labels, methodology
from .context import AskContext
from .text import clause_lines, lang_of, safe_quote, terms

log = logging.getLogger(__name__)

LABELS = {
    "zh": {
        "full_name": "基金全称",
        "manager": "基金管理人",
        "custodian": "基金托管人",
        "inception": "成立日期",
        "benchmark": "业绩比较基准",
        "tracked_index": "跟踪标的",
        "fund_type": "基金类型",
        "asset_size": "资产规模",
        "units": "份额规模",
        "management_fee": "管理费率",
        "custody_fee": "托管费率",
        "fund_managers": "基金经理",
    },
    "en": {
        "full_name": "Full name",
        "manager": "Manager",
        "custodian": "Custodian",
        "inception": "Inception",
        "benchmark": "Benchmark",
        "tracked_index": "Tracked index",
        "fund_type": "Fund type",
        "asset_size": "Assets",
        "units": "Units outstanding",
        "management_fee": "Management fee",
        "custody_fee": "Custody fee",
        "fund_managers": "Portfolio managers",
    },
}

# Which profile field a fund-facts question asks about.
FIELDS: list[tuple[str, re.Pattern[str]]] = [
    (k, re.compile(p, re.IGNORECASE))
    for k, p in (
        ("management_fee", r"管理费|management fee|\bfees?\b|费率|expense"),
        ("custody_fee", r"托管费|custody fee|\bfees\b|费率"),
        ("custodian", r"托管人|托管银行|托管行|哪家银行|托管机构|custodian"),
        ("asset_size", r"资产规模|基金规模|规模多大|how big is the fund|fund size|\baum\b"),
        ("fund_managers", r"基金经理|portfolio manager"),
        ("manager", r"管理人|基金公司|谁管理|哪家公司|\bmanages?\b|managed by|\bmanager\b|fund company"),
        ("inception", r"成立|生效|inception|launched|effective|incepted"),
        ("benchmark", r"比较基准|benchmark"),
        ("tracked_index", r"跟踪|\btracks?\b|tracked"),
    )
]
# Methodology concepts: a question about one is answered by the clause that states it.
CONCEPTS: list[tuple[re.Pattern[str], list[str], str]] = [
    (re.compile(p, re.IGNORECASE), ks, a)
    for p, ks, a in (
        (
            r"调整|调样|调仓|多久|频率|rebalanc|reconstitut|how often|review",
            ["定期调整", "半年", "调整一次", "rebalancing", "semi-annual", "june and december"],
            "rebalancing",
        ),
        (r"基日|基点|base date|base value", ["基日", "基点", "base date", "base value"], "base"),
        (
            r"样本数量|多少只|how many|number of constituents",
            ["样本数量", "100只", "number of constituents"],
            "count",
        ),
        (r"样本空间|universe|选自", ["样本空间", "universe", "000905"], "universe"),
        (r"剔除|排除|exclude|screen", ["剔除", "screens", "drop securities"], "selection"),
        (r"因子|factor|选股|怎么选|如何选|select", ["因子", "factors", "roe", "growth"], "selection"),
        (r"加权|权重.{0,6}上限|weighting|weight cap|\bcap(?:s|ped)?\b", ["加权", "weighting"], "weighting"),
    )
]


def answer(ctx: AskContext) -> str:
    intent, toolbox, lang = ctx.intent, ctx.toolbox, ctx.lang
    universe = toolbox.md.universe()
    etfs = [e for e in intent.etfs if e in universe] or ([next(iter(universe))] if len(universe) == 1 else [])
    if intent.etfs and not etfs:
        raise NotFoundError(
            ctx.t(
                f"本数据中没有ETF {intent.etfs[0]} 的资料。",
                f"This data has nothing on ETF {intent.etfs[0]}.",
            )
        )
    symbols = list(dict.fromkeys(etfs + [universe[e] for e in etfs] + list(intent.indices)))
    is_methodology = intent.kind == "methodology"
    etf_label = ctx.label(etfs[0]) if etfs else ""
    profile = None
    lead = ""
    if not is_methodology and etfs:
        lead, profile = _profile(ctx, etfs[0], etf_label)
        if lead:  # a field asked for is the answer: not the whole profile, nor the documents behind it
            return ctx.render(
                "docs", profile=None, passages=[], methodology=False, lead=lead, etf_label=etf_label
            )
    asked_points = list(dict.fromkeys(a for pat, _, a in CONCEPTS if pat.search(intent.question)))
    if is_methodology and (asked_points or methodology.OVERVIEW.search(intent.question)):
        # The whole methodology, or just the point(s) asked about, each point complete and cited.
        overview = methodology.overview(ctx, symbols, only=asked_points or None)
        if overview:
            return overview
    passages = []
    try:
        # Ask the retrieval for the chunk that states the concept asked about (its keywords added).
        query = " ".join(
            [intent.question]
            + [
                k
                for pat, ks, _ in CONCEPTS
                if pat.search(intent.question)
                for k in ks
                if k.isascii() == (lang == "en")
            ]
        )
        found = toolbox.search_documents(query, symbols or None, k=4).passages
        if not found and symbols:  # untagged documents only: another security's document never answers
            found = [
                p
                for p in toolbox.search_documents(query, None, k=4).passages
                if not p.symbols or set(p.symbols) & set(symbols)
            ]
        passages = _clauses(ctx, found)
    except UpstreamError as err:
        log.warning("document retrieval unavailable: %s", err)
    if not passages and profile is None:
        raise NotFoundError(
            ctx.t(
                "没有检索到相关的指数编制或基金文件。", "No relevant methodology or fund document was found."
            )
        )
    return ctx.render(
        "docs", profile=profile, passages=passages, methodology=is_methodology, lead=lead, etf_label=etf_label
    )


def _profile(ctx: AskContext, etf: str, etf_label: str) -> tuple[str, dict[str, Any]]:
    """The lead sentence answering the profile field(s) asked about (or saying they are not disclosed), and
    the rest of the profile."""
    lang = ctx.lang
    p = ctx.toolbox.fund_profile(etf, with_documents=False)
    data_cite = ctx.cite(p.passages[0]) if p.passages else ""
    index = ctx.toolbox.md.universe().get(etf)

    def shown(key: str, value: str) -> str:
        if key == "tracked_index" and index:
            return ctx.label(index, kind="index")
        if lang == "en" and key in ("manager", "custodian") and (english := labels.company_en(value)):
            return f"{english} ({value})"
        return value if lang == "zh" or value.isascii() else f"“{value}”"

    rows = []
    for key in (
        "full_name",
        "manager",
        "custodian",
        "inception",
        "benchmark",
        "tracked_index",
        "fund_managers",
        "management_fee",
        "custody_fee",
    ):
        value = getattr(p, key)  # dates in it are backed by the quoted fund_overview_em row
        if value is not None:
            rows.append({"key": key, "label": LABELS[lang][key], "value": shown(key, value)})
    size = p.fact(FactName.FUND_ASSET_SIZE_YUAN)
    if size is not None:
        # With its date: the overview states assets "截止至" a day that need not be the data's trading day.
        value = ctx.t(
            f"{ctx.fmt.yuan(size)}（截至{ctx.fmt.date(size)}）",
            f"{ctx.fmt.yuan(size)} (as of {ctx.fmt.date(size)})",
        )
        rows.append({"key": "asset_size", "label": LABELS[lang]["asset_size"], "value": value})
    asked = [k for k, pat in FIELDS if pat.search(ctx.intent.question)]
    if "fund_managers" in asked:  # "portfolio manager" / "基金经理": the person, not the company
        asked = [k for k in asked if k != "manager"]
    if "management_fee" in asked or "custody_fee" in asked:
        asked = [k for k in asked if k not in ("fund_managers", "manager", "custodian")] or asked
    missing_keys = list(p.not_disclosed)
    answered = [row for row in rows if row["key"] in asked]
    undisclosed = [k for k in asked if k in missing_keys]
    lead = ""
    if undisclosed and not answered:
        names = (
            "、".join(LABELS["zh"][k] for k in undisclosed)
            if lang == "zh"
            else " and ".join(LABELS["en"][k].lower() for k in undisclosed)
        )
        many = len(undisclosed) > 1 or undisclosed[0] in _EN_PLURAL  # "are", "them" (English agreement)
        is_, it = ("are", "them") if many else ("is", "it")
        lead = ctx.t(
            f"**本数据未披露{etf_label}的{names}**：基金概况数据（fund_overview_em）中该项为空，"
            f"基金资料中也没有记载，因此无法给出，也不做推测{data_cite}。",
            f"**The {names} of {etf_label} {is_} not disclosed in this data**: the fund overview "
            f"(fund_overview_em) leaves {it} empty and the fund documents do not state {it}, so "
            f"{'they are' if many else 'it is'} not given here and not guessed{data_cite}.",
        )
    elif answered:
        parts = [
            ctx.t(
                f"{etf_label}的{row['label']}是{row['value']}",
                _en_field(row["key"], row["value"], etf_label if i == 0 else None),
            )
            for i, row in enumerate(answered)
        ]
        lead = ctx.t(
            "**" + "；".join(parts) + f"**{data_cite}。",
            "**" + ("; ".join(parts))[0].upper() + ("; ".join(parts))[1:] + f"**{data_cite}.",
        )
    missing = [LABELS[lang][k] for k in missing_keys if k not in undisclosed]
    return lead, {
        "rows": [row for row in rows if row["key"] not in asked],
        "missing": missing,
        "cite": data_cite,
    }


# Fields whose English label is a plural noun ("the portfolio managers … are").
_EN_PLURAL = frozenset({"fund_managers", "units"})


def _en_field(key: str, value: str, etf_label: str | None) -> str:
    """One profile field as an English clause that agrees in number: 'X has assets of 602.00 million yuan',
    'the custodian of X is …'; after the first clause the fund is 'its' (`etf_label` None)."""
    if key == "asset_size":
        return f"{etf_label or 'it'} has assets of {value}"
    noun = LABELS["en"][key].lower()
    plural = key in _EN_PLURAL
    if key == "fund_managers":  # one name or several, as the data lists them
        plural = bool(re.search(r"[、,，/;；]|\band\b", value))
        noun = "portfolio managers" if plural else "portfolio manager"
    whose = f"the {noun} of {etf_label}" if etf_label else f"its {noun}"
    return f"{whose} {'are' if plural else 'is'} {value}"


def _clauses(ctx: AskContext, found: list[PassageRef]) -> list[dict[str, Any]]:
    """The clause(s) of the retrieved documents that answer the question -- never a section heading --
    each cited with exactly the text relied on as its quote."""
    intent = ctx.intent
    keys = [k for pat, ks, _ in CONCEPTS if pat.search(intent.question) for k in ks]
    # The securities named are what every candidate is about: their names must not outvote what is asked.
    asked = intent.question
    for e in sorted(intent.entities, key=lambda e: -e.start):
        asked = asked[: e.start] + " " + asked[e.end :]
    words = terms(asked)
    scored: list[tuple[float, int, PassageRef, list[tuple[float, str]]]] = []
    for rank, p in enumerate(found):
        clauses = []
        for line in clause_lines(safe_quote(p), p.title):
            low = line.lower()
            score = 2.0 * sum(k.lower() in low for k in keys) + 0.5 * sum(t in low for t in words)
            clauses.append((score, line))
        best = max((sc for sc, _ in clauses), default=0.0)
        if best <= 0:
            continue
        bonus = 1.5 if lang_of(p.quote) == ctx.lang else 0.0
        scored.append((best + bonus, -rank, p, clauses))
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    out: list[dict[str, Any]] = []
    for best, _, p, clauses in scored[:1]:
        if keys:  # every clause that states a concept asked about, in document order
            chosen = [line for sc, line in clauses if sc >= 2.0]
            if len(chosen) > 4:
                floor = sorted((sc for sc, _ in clauses if sc >= 2.0), reverse=True)[3]
                chosen = [line for sc, line in clauses if sc >= max(2.0, floor)][:4]
        else:
            chosen = [line for sc, line in clauses if sc >= 0.6 * (best - 1.5)][:3]
        chosen = chosen or [max(clauses)[1]]
        text = "\n".join(chosen)
        cite = ctx.ledger.add_passage(p.id, p.kind, p.title, p.source, p.url, p.published_at, text)
        out.append({"title": p.title or p.id, "clauses": chosen, "cite": cite})
    return out
