"""The offline answerer: no model, no network. Understands the question (intent.py), calls the same Toolbox
methods the LLM agent's tools wrap, and writes an analyst's note from the Jinja2 templates in prompts/offline/.

Every number reaches the text through a formatting filter that takes a `FactRef` and registers it with the
answer's Ledger at the moment it is printed, so the answer's `facts` are exactly the numbers it states; every
passage through `cite`, so its citations are exactly what it relied on. The grounding check runs on every
answer; a line it cannot back is dropped (and logged) rather than shipped.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any, Literal

from assistant.analysis.figures import Figure
from assistant.answer.evidence import Ledger, marker
from assistant.answer.intent import Intent, understand
from assistant.answer.numbers import extract
from assistant.answer.schema import Answer
from assistant.answer.tools import FactRef, PassageRef, Toolbox
from assistant.errors import InputError, MarketAssistantError, NotFoundError, UpstreamError

log = logging.getLogger(__name__)
Lang = Literal["zh", "en"]
_ORIGIN = {"zh": {"sample": "样例数据（sample）", "synthetic": "合成数据（synthetic）", "recorded": "录制数据（recorded）",
                  "live": "实时数据（live）"},
           "en": {"sample": "sample data", "synthetic": "synthetic data", "recorded": "recorded data",
                  "live": "live data"}}
_LABELS = {
    "zh": {"full_name": "基金全称", "manager": "基金管理人", "custodian": "基金托管人", "inception": "成立日期",
           "benchmark": "业绩比较基准", "tracked_index": "跟踪标的", "fund_type": "基金类型", "asset_size": "资产规模",
           "units": "份额规模", "management_fee": "管理费率", "custody_fee": "托管费率", "fund_managers": "基金经理"},
    "en": {"full_name": "Full name", "manager": "Manager", "custodian": "Custodian", "inception": "Inception",
           "benchmark": "Benchmark", "tracked_index": "Tracked index", "fund_type": "Fund type",
           "asset_size": "Assets", "units": "Units outstanding", "management_fee": "Management fee",
           "custody_fee": "Custody fee", "fund_managers": "Portfolio managers"},
}


class _Render:
    """Formatting filters bound to one answer's ledger and language."""

    def __init__(self, ledger: Ledger, lang: Lang) -> None:
        self.ledger, self.lang = ledger, lang

    def _reg(self, f: FactRef | Figure | None) -> float:
        if f is None:
            raise ValueError("a template printed a number that has no fact")
        fig = f.figure() if isinstance(f, FactRef) else f
        self.ledger.add_figure(fig)
        return float(fig.value)

    def pct(self, f: Any) -> str:
        return f"{self._reg(f):+.2f}%"

    def apct(self, f: Any) -> str:
        return f"{abs(self._reg(f)):.2f}%"

    def pp(self, f: Any) -> str:
        v = self._reg(f)
        text = f"{v:+.2f}" if round(v, 2) != 0 else "0.00"  # no sign on a nil contribution (a suspension)
        return f"{text}个百分点" if self.lang == "zh" else f"{text} pp"

    def app(self, f: Any) -> str:
        v = abs(self._reg(f))
        return f"{v:.2f}个百分点" if self.lang == "zh" else f"{v:.2f} pp"

    def units(self, f: Any) -> str:
        v = abs(self._reg(f))
        if self.lang == "zh":
            return f"{v / 1e8:,.2f}亿份" if v >= 1e8 else f"{v / 1e4:,.2f}万份"
        return f"{v:,.0f} units" if v < 1e6 else f"{v / 1e6:,.2f} million units"

    def yuan(self, f: Any) -> str:
        v = abs(self._reg(f))
        if self.lang == "zh":
            return f"{v / 1e8:,.2f}亿元" if v >= 1e8 else f"{v / 1e4:,.2f}万元"
        return f"{v / 1e9:,.2f} billion yuan" if v >= 1e9 else f"{v / 1e6:,.2f} million yuan"

    def price(self, f: Any) -> str:
        v = self._reg(f)
        return f"{v:.3f}元" if self.lang == "zh" else f"{v:.3f} yuan"

    def iopv(self, f: Any) -> str:
        """An IOPV, to the 4 decimals it is published with (3 would not reproduce the premium stated)."""
        v = self._reg(f)
        return f"{v:.4f}元" if self.lang == "zh" else f"{v:.4f} yuan"

    def count(self, f: Any) -> str:
        return f"{int(round(self._reg(f)))}"

    def date(self, d: Any) -> str:
        """A date; given a figure (e.g. the units on a period's first day) the figure is registered and its
        as_of is printed, so the date a text states is always backed by a fact of the answer."""
        if isinstance(d, (FactRef, Figure)):
            self._reg(d)
            d = d.as_of
        if isinstance(d, dt.datetime):
            d = d.date()
        return f"{d.year}年{d.month}月{d.day}日" if self.lang == "zh" else d.isoformat()

    NAMES = ("pct", "apct", "pp", "app", "units", "yuan", "price", "iopv", "count", "date")


_ENV: Any = None


def _env() -> Any:
    global _ENV
    if _ENV is None:
        import jinja2

        env = _environment(jinja2)

        def bind(name: str) -> Any:
            @jinja2.pass_context
            def apply(ctx: Any, value: Any) -> str:
                return getattr(ctx["fmt"], name)(value)
            return apply

        env.filters.update({name: bind(name) for name in _Render.NAMES})
        _ENV = env
    return _ENV


def _environment(jinja2: Any) -> Any:
    """prompts.environment(), inlined over importlib.resources so that it also works when `prompts` is
    imported as a namespace package (an editable install made before prompts/__init__.py existed)."""
    from pathlib import Path

    import prompts

    roots = [Path(p) for p in getattr(prompts, "__path__", []) if Path(str(p)).is_dir()]

    def source(name: str) -> tuple[str, str, Any]:
        for root in roots:
            path = root.joinpath(*name.split("/"))
            if path.is_file():
                return path.read_text(encoding="utf-8"), name, lambda: True
        raise jinja2.TemplateNotFound(name)

    return jinja2.Environment(loader=jinja2.FunctionLoader(source), autoescape=False, trim_blocks=True,
                              lstrip_blocks=True, undefined=jinja2.StrictUndefined)


class OfflineAnswerer:
    """`answer(question, context)` -> (Answer, context for the next turn)."""

    def __init__(self, toolbox: Toolbox) -> None:
        self.tb = toolbox

    # ------------------------------------------------------------------------------------------ entry
    def understand(self, question: str, context: dict[str, Any] | None = None) -> Intent:
        md = self.tb.md
        return understand(question, self.tb.lexicon, md.info.trade_date, self.tb.trading_days(), context,
                          universe=md.universe())

    def answer(self, question: str, context: dict[str, Any] | None = None) -> tuple[Answer, dict[str, Any]]:
        if not question or not question.strip():
            raise InputError("The question is empty.")
        intent = self.understand(question, context)
        ledger = Ledger(self.tb.md.info)
        r = _Render(ledger, intent.language)
        extra: list[dt.date] = []  # dates the templates state: each must be backed by a fact (see _Render.date)
        failed = False
        try:
            body = self._dispatch(intent, ledger, r, extra)
        except (NotFoundError, InputError) as err:
            body, failed = self._no_data(intent, self._reason(intent, err)), True
        except UpstreamError as err:
            body, failed = self._no_data(intent, str(err), upstream=True), True
        if intent.date_note and intent.date_reason == "non_trading_day" and not failed:
            body = f"{intent.date_note}\n\n{body}"
        text = body.rstrip() + "\n\n" + self._source_line(ledger, intent.language)
        # Ground exactly as a reader (and the eval suite) can check: facts, cited passages (their quotes and
        # publication dates), the data's dates and dates the question itself states -- nothing else.
        asked = tuple(m.value for m in extract(question, year=self.tb.md.info.trade_date.year) if m.is_date)
        text = self._ground(ledger, text, asked)  # type: ignore[arg-type]
        answer = ledger.build(question.strip(), text, intent.language)
        return answer, intent.context()

    # ------------------------------------------------------------------------------------------ routing
    def _dispatch(self, it: Intent, ledger: Ledger, r: _Render, extra: list[dt.date]) -> str:
        if it.date is None:
            raise NotFoundError(it.date_note or "No trading day with data matches that date.")
        if it.kind in ("methodology", "fund_facts"):
            return self._docs(it, ledger, r)
        if it.kind == "news":
            return self._news(it, ledger, r)
        if it.unknown and not it.etfs and not it.stocks:
            raise NotFoundError(self._t(it, f"没有代码 {it.unknown[0]} 的数据：它不在本数据覆盖的ETF、指数或成分股中。",
                                        f"There is no data for code {it.unknown[0]}: it is not an ETF, index or "
                                        "constituent covered by this data."))
        if it.kind == "comparison":
            return self._comparison(it, ledger, r)
        etf = self._etf(it)
        if it.kind == "holdings":
            return self._holdings(it, etf, ledger, r, extra)
        if it.kind == "flows":
            return self._flows(it, etf, ledger, r, extra)
        if it.kind in ("quote", "premium"):
            return self._quote(it, etf, ledger, r, extra)
        return self._move(it, etf, ledger, r, extra)

    def _etf(self, it: Intent) -> str:
        universe = self.tb.md.universe()
        for code in it.etfs:
            if code in universe:
                return code
        if it.etfs:
            code = it.etfs[0]
            raise NotFoundError(self._t(it, f"本数据中没有ETF {code} 的行情（覆盖的ETF：{'、'.join(sorted(universe))}）。",
                                        f"This data has no ETF {code} (ETFs covered: {', '.join(sorted(universe))})."))
        for stock in it.stocks:
            for etf, index in universe.items():
                try:
                    if stock in set(self.tb.md.weights(index)["code"].astype(str)):
                        return etf
                except MarketAssistantError:
                    continue
        if len(universe) == 1 and not it.stocks:
            return next(iter(universe))
        raise NotFoundError(self._t(it, "问题中没有识别出本数据覆盖的ETF代码或名称（例如 "
                                    f"{'、'.join(sorted(universe))}）。",
                                    "No ETF covered by this data was recognised in the question (e.g. "
                                    f"{', '.join(sorted(universe))})."))

    # ------------------------------------------------------------------------------------------ intents
    def _move(self, it: Intent, etf: str, ledger: Ledger, r: _Render, extra: list[dt.date]) -> str:
        res = self.tb.explain_move(etf, it.date, top_n=min(it.top_n or 5, 10))
        x = self.tb.explanation(etf, it.date, min(it.top_n or 5, 10))
        F = res.fact
        up = res.etf_return_pct >= 0
        index_up = res.index_return_pct >= 0
        lang = it.language
        etf_label = self._label(etf, lang)
        index_label = self._label(res.index, lang, kind="index")
        m = {"etf_ret": F("etf_return_pct", etf), "index_ret": F("index_return_pct", res.index),
             "td": F("tracking_difference_pp", etf), "top_n": F("top_n_count", res.index)}
        figs = {(f.name, f.subject): f for f in x.figures()}

        def contributor(c: Any) -> dict[str, Any]:
            label = self._label(c.code, lang, kind="stock", fallback=c.name)
            industry = None if c.industry in (None, "UNCLASSIFIED") else self._industry(c.industry, lang)
            full = label if industry is None else (label[:-1] + f"，{industry}）" if lang == "zh" and
                                                    label.endswith("）") else label[:-1] + f", {industry})"
                                                    if label.endswith(")") else label)
            return {"label": label, "head": _head(label), "full": full, "code": c.code, "up": (c.return_pct or 0) >= 0,
                    "ret": figs.get(("constituent_return_pct", c.code)),
                    "contrib": figs.get(("constituent_contribution_pp", c.code))}

        drivers = [contributor(c) for c in res.drivers if c.return_pct is not None]
        others = res.bottom_contributors if index_up else res.top_contributors
        laggards = [contributor(c) for c in others[:3] if (c.contribution_pp < 0) == index_up
                    and c.contribution_pp != 0]
        # Industries in the direction of the move, largest first: on a falling day the biggest negative ones.
        inds = sorted((i for i in res.industries if i.contribution_pp != 0 and (i.contribution_pp > 0) == index_up),
                      key=lambda i: -abs(i.contribution_pp))[:3]
        industries = [{"name": self._industry(i.industry, lang), "contrib": figs.get(("industry_contribution_pp",
                                                                                      i.industry))} for i in inds]
        by_code = {c.code: c for c in x.constituents}
        order = sorted((c for c in x.constituents if c.priced),
                       key=lambda c: (-c.contribution_pp if index_up else c.contribution_pp, c.code))
        focus: list[dict[str, Any]] = []
        for code in it.stocks[:3]:
            cons = by_code.get(code)
            if cons is None or not cons.priced:
                raise NotFoundError(self._t(it, f"{code} 不是{index_label}的成分股，或缺少计算贡献所需的行情。",
                                            f"{code} is not a constituent of the {index_label}, or lacks the prices "
                                            "needed for its contribution."))
            label = self._label(code, lang, kind="stock", fallback=cons.name)
            if cons.suspended or cons.return_pct is None:
                focus.append({"label": label, "suspended": True, "weight": figs.get(("constituent_weight_pct", code)),
                              "contrib": figs[("constituent_contribution_pp", code)]})
                continue
            rank = next(i for i, c in enumerate(order, 1) if c.code == code)
            rank_fact = Figure("constituent_contribution_rank", code, float(rank), "count", res.trade_date,
                               "index_stock_cons_weight_csindex+stock_zh_a_hist")
            focus.append({"label": label, "suspended": False, "up": cons.return_pct >= 0,
                          "ret": figs[("constituent_return_pct", code)],
                          "weight": figs[("constituent_weight_pct", code)],
                          "contrib": figs[("constituent_contribution_pp", code)], "rank": rank_fact})
        news = self._driver_news(it, res, drivers, focus[0] if focus else None, ledger)
        correction = it.premise is not None and (it.premise == "up") != up and abs(res.etf_return_pct) > 0
        # Premium and flows are always stated when the data has them: one short clause each.
        premium = F("etf_premium_pct", etf)
        premium_change = F("etf_premium_change_pp", etf) if premium is not None else None
        flows = None
        day_f, period_f = F("etf_units_change_1d", etf), F("etf_units_change", etf)
        pct_f, scale_f = F("etf_units_change_pct", etf), F("etf_scale_change_yuan", etf)
        start_units = next((f for f in res.facts if f.name == "etf_units" and f.as_of == res.period_start), None)
        if period_f is not None and pct_f is not None and start_units is not None:
            flows = {"start": start_units, "end": period_f, "period": period_f, "period_up": period_f.value >= 0,
                     "period_pct": pct_f, "scale": scale_f, "scale_up": bool(scale_f and scale_f.value >= 0),
                     "day": day_f, "day_up": bool(day_f and day_f.value >= 0)}
        elif day_f is not None:
            flows = {"period": None, "day": day_f, "day_up": day_f.value >= 0}
        suspended = []
        for code in res.suspended:
            if any(f.get("suspended") and code in it.stocks for f in focus):
                continue
            s_label = self._label(code, lang, kind="stock", fallback=getattr(by_code.get(code), "name", None))
            suspended.append({"label": s_label, "head": _head(s_label),
                              "weight": figs.get(("constituent_weight_pct", code)),
                              "contrib": figs.get(("constituent_contribution_pp", code))})
        warnings = [w for w in res.warnings if not extract(w)][:2]
        cite_data = ledger.add_data("fund_etf_hist_em") + ledger.add_data("stock_zh_index_daily_em")
        cite_premium = ledger.add_data(premium.cite) if premium is not None else ""
        cite_flows = ledger.add_data((flows.get("period") or flows["day"]).cite) if flows else ""
        return _env().get_template(f"offline/{lang}/move.md.jinja").render(
            **self._common(r), m=m, up=up, index_up=index_up, day=res.trade_date, etf_label=etf_label,
            index_label=index_label, industries=industries, drivers=drivers if not focus else drivers[:3],
            share=F("top_n_share_pct", res.index) if drivers else None, laggards=laggards if not focus else [],
            suspended=suspended, news=news, premium=premium, premium_flat=premium is not None and
            round(premium.value, 2) == 0, premium_up=premium is not None and premium.value >= 0,
            premium_change=premium_change, flows=flows, warnings=warnings, cite_premium=cite_premium,
            cite_flows=cite_flows,
            correction=correction, premise=it.premise, focus=focus, cite_data=cite_data,
            tracking=bool(_TRACKING.search(it.question)))

    def _driver_news(self, it: Intent, res: Any, drivers: list[dict[str, Any]], focus: dict[str, Any] | None,
                     ledger: Ledger) -> list[dict[str, str]]:
        zh = it.language == "zh"
        word = ("上涨" if res.index_return_pct >= 0 else "下跌") if zh else ("rise" if res.index_return_pct >= 0
                                                                             else "fall")
        wanted: list[tuple[str, str, list[str]]] = []
        if focus is not None:
            topic = ("停牌" if zh else "suspended trading halt") if focus.get("suspended") else word
            wanted.append((focus["label"], f"{focus['label']} {topic}", [it.stocks[0]]))
        wanted.append((self._label(res.etf, it.language), f"{res.etf} {res.index_name or ''} {word}",
                       [res.etf, res.index]))
        for d in drivers[:4]:
            wanted.append((d["label"], f"{d['label']} {word}", [d["code"]]))
        out: list[dict[str, str]] = []
        used: set[str] = set()
        # News can only explain a day's move if it was out before that day's close (15:00 China time).
        close = dt.datetime.combine(res.trade_date, dt.time(15, 0), tzinfo=dt.timezone(dt.timedelta(hours=8)))
        try:
            for about, query, symbols in wanted:
                found = self.tb.search_news(query, symbols, until=close, k=3).passages
                for p in found:
                    if p.id in used or not p.published_at or p.published_at.date() < res.trade_date - \
                            dt.timedelta(days=3):
                        continue
                    if (p.title or "").isascii() != (it.language == "en") and any(
                            q.id not in used and (q.title or "").isascii() == (it.language == "en") for q in found):
                        continue  # prefer an article in the question's language when one is there
                    used.add(p.id)
                    title = self._safe_title(p)
                    # An article found for the ETF but headlining one of the drivers is news about that driver.
                    named = next((d["label"] for d in drivers if symbols[0] == res.etf and any(
                        n and n in (p.title or "") for n in _names(self.tb.lexicon, d["code"]))), None)
                    out.append({"about": named or about, "title": title, "cite": self._cite(ledger, p)})
                    break
                if len(out) >= 4:
                    break
        except UpstreamError as err:
            log.warning("news retrieval unavailable: %s", err)
        return out

    def _holdings(self, it: Intent, etf: str, ledger: Ledger, r: _Render, extra: list[dt.date]) -> str:
        index = self.tb.md.index_of(etf)
        # Stocks named in this question ("and Western Mining?"), not ones carried over from an earlier turn.
        named = () if "securities" in it.inherited else it.stocks
        c = self.tb.index_constituents(index, it.top_n or 10, include=named)
        extra.append(c.weights_date)
        lang = it.language
        holdings = [{"label": self._label(h.code, lang, kind="stock", fallback=h.name),
                     "weight": c.fact("constituent_weight_file_pct", h.code)} for h in c.holdings]
        # "and Western Mining?" after a holdings question: answer for the named stocks, not the list again.
        weighed = {h.code for h in c.holdings + c.named}
        focus = [{"label": self._label(code, lang, kind="stock"), "weight": c.fact("constituent_weight_file_pct", code)}
                 for code in named if code in weighed]
        absent = [self._label(code, lang, kind="stock") for code in named if code not in weighed]
        cv = {"top_n": c.fact("top_n_count"), "count": c.fact("constituents_count"), "total": c.fact("top_n_weight_pct")}
        return _env().get_template(f"offline/{lang}/holdings.md.jinja").render(
            **self._common(r), c=cv, holdings=holdings, focus=focus, absent=absent, wdate=c.weights_date,
            index_label=self._label(index, lang, kind="index"), etf_label=self._label(etf, lang),
            cite_data=ledger.add_data("index_stock_cons_weight_csindex"))

    def _flows(self, it: Intent, etf: str, ledger: Ledger, r: _Render, extra: list[dt.date]) -> str:
        start = it.period.start if it.period else None
        end = it.period.end if it.period else it.date
        res = self.tb.etf_flows(etf, start, end)
        F = res.fact

        def units_on(day: dt.date) -> FactRef | None:
            return next((f for f in res.facts if f.name == "etf_units" and f.as_of == day), None)

        fv: dict[str, Any] = {"units": units_on(res.units_date), "scale": F("etf_scale_yuan", etf)}
        sfx = res.period_suffix
        start_units = units_on(res.period.start) if res.period else None
        if res.period and start_units is not None:
            scale = F(f"etf_scale_change{sfx}_yuan", etf)
            fv.update(start=start_units, end=res.period.end, period=F(f"etf_units_change{sfx}", etf),
                      period_up=res.period.change >= 0, period_pct=F(f"etf_units_change{sfx}_pct", etf),
                      scale_change=scale, scale_up=bool(scale and scale.value >= 0))
        else:
            fv.update(period=None)
        day_units = units_on(res.day.start) if res.day else None
        if res.day and day_units is not None:
            fv.update(day=F("etf_units_change_1d", etf), day_up=res.day.change >= 0, day_start=day_units)
        else:
            fv.update(day=None)
        return _env().get_template(f"offline/{it.language}/flows.md.jinja").render(
            **self._common(r), f=fv, etf_label=self._label(etf, it.language),
            cite_data=ledger.add_data(res.facts[0].cite if res.facts else "fund_etf_scale_sse"))

    def _quote(self, it: Intent, etf: str, ledger: Ledger, r: _Render, extra: list[dt.date]) -> str:
        q = self.tb.etf_quote(etf, it.date)
        F = q.fact
        extra.append(q.date)
        prev = next((f for f in q.facts if f.name == "etf_prev_close"), None)
        qv = {"price": F("etf_close", etf), "prev": prev, "ret": F("etf_return_pct", etf),
              "iopv": F("etf_iopv", etf), "premium": F("etf_premium_pct", etf), "volume": F("etf_volume_units", etf),
              "amount": F("etf_amount_yuan", etf), "turnover": F("etf_turnover_rate_pct", etf),
              "premium_change": F("etf_premium_change_pp", etf)}
        if qv["premium"] is None:
            qv["iopv"] = None
        cite = ledger.add_data("fund_etf_hist_em") + (ledger.add_data("fund_etf_spot_em") if qv["iopv"] else "")
        return _env().get_template(f"offline/{it.language}/quote.md.jinja").render(
            **self._common(r), q=qv, up=q.return_pct >= 0, day=q.date, etf_label=self._label(etf, it.language),
            premium_up=bool(qv["premium"] and qv["premium"].value >= 0), focus_premium=it.kind == "premium",
            premium_flat=bool(qv["premium"] and round(qv["premium"].value, 2) == 0),
            cite_data=cite)

    def _comparison(self, it: Intent, ledger: Ledger, r: _Render) -> str:
        universe = self.tb.md.universe()
        codes = list(dict.fromkeys(list(it.etfs) + list(it.unknown)))
        missing = [c for c in codes if c not in universe]
        present = [c for c in codes if c in universe]
        rows = []
        for code in present:
            q = self.tb.etf_quote(code, it.date)
            index = universe[code]
            idx = None
            try:
                idx = self.tb.explain_move(code, it.date).fact("index_return_pct", index)
            except MarketAssistantError:
                pass
            rows.append({"label": self._label(code, it.language), "ret": q.fact("etf_return_pct", code),
                         "index_label": self._label(index, it.language, kind="index") if idx else None,
                         "index_ret": idx})
        if not rows:
            raise NotFoundError(self._t(it, f"本数据中没有{'、'.join(missing)}的行情，无法比较。",
                                        f"This data has no quotes for {', '.join(missing)}; nothing to compare."))
        diff = None
        if len(rows) >= 2:
            a, b = rows[0]["ret"], rows[1]["ret"]
            diff = Figure("return_difference_pp", f"{present[0]}-{present[1]}", a.value - b.value, "pp",
                          it.date, "fund_etf_hist_em")
        text = _env().get_template(f"offline/{it.language}/comparison.md.jinja").render(
            **self._common(r), rows=rows, day=it.date, diff=diff, diff_up=bool(diff and diff.value >= 0),
            cite_data=ledger.add_data("fund_etf_hist_em"))
        if missing and len(rows) == 1:  # nothing to compare with: say so first, then what there is
            return self._t(it, f"**无法比较**：本数据没有{'、'.join(missing)}的行情，只能给出{rows[0]['label']}的表现。",
                           f"**No comparison possible**: this data has no quotes for {', '.join(missing)}; only "
                           f"{rows[0]['label']} can be shown.") + "\n\n" + text
        if missing:
            text += "\n\n" + self._t(it, f"本数据没有{'、'.join(missing)}的行情，无法纳入比较。",
                                     f"This data has no quotes for {', '.join(missing)}, so it is left out.")
        return text

    def _docs(self, it: Intent, ledger: Ledger, r: _Render) -> str:
        lang = it.language
        universe = self.tb.md.universe()
        etfs = [e for e in it.etfs if e in universe] or ([next(iter(universe))] if len(universe) == 1 else [])
        if it.etfs and not etfs:
            raise NotFoundError(self._t(it, f"本数据中没有ETF {it.etfs[0]} 的资料。", f"This data has nothing on ETF {it.etfs[0]}."))
        symbols = list(dict.fromkeys(etfs + [universe[e] for e in etfs] + list(it.indices)))
        methodology = it.kind == "methodology"
        etf_label = self._label(etfs[0], lang) if etfs else ""
        profile = None
        lead = ""
        if not methodology and etfs:
            p = self.tb.fund_profile(etfs[0], with_documents=False)
            data_cite = self._cite(ledger, p.passages[0]) if p.passages else ""
            index = universe.get(etfs[0])

            def shown(key: str, value: str) -> str:
                if key == "tracked_index" and index:
                    return self._label(index, lang, kind="index")
                return value if lang == "zh" or value.isascii() else f"“{value}”"

            rows = []
            for key in ("full_name", "manager", "custodian", "inception", "benchmark", "tracked_index",
                        "management_fee", "custody_fee"):
                value = getattr(p, key)  # dates in it are backed by the quoted fund_overview_em row
                if value is not None:
                    rows.append({"key": key, "label": _LABELS[lang][key], "value": shown(key, value)})
            size = p.fact("fund_asset_size_yuan")
            if size is not None:
                rows.append({"key": "asset_size", "label": _LABELS[lang]["asset_size"], "value": r.yuan(size)})
            asked = [k for k, pat in _FIELDS if pat.search(it.question)]
            if "management_fee" in asked or "custody_fee" in asked:
                asked = [k for k in asked if k not in ("fund_managers", "manager", "custodian")] or asked
            missing_keys = [k for k in p.not_disclosed]
            answered = [row for row in rows if row["key"] in asked]
            undisclosed = [k for k in asked if k in missing_keys]
            if undisclosed and not answered:
                labels = "、".join(_LABELS["zh"][k] for k in undisclosed) if lang == "zh" else \
                    " and ".join(_LABELS["en"][k].lower() for k in undisclosed)
                lead = self._t(it, f"**本数据未披露{etf_label}的{labels}**：基金概况数据（fund_overview_em）中该项为空，"
                                   f"基金资料中也没有记载，因此无法给出，也不做推测{data_cite}。",
                               f"**The {labels} of {etf_label} is not disclosed in this data**: the fund overview "
                               f"(fund_overview_em) leaves it empty and the fund documents do not state it, so it is "
                               f"not given here and not guessed{data_cite}.")
            elif answered:
                parts = [self._t(it, f"{etf_label}的{row['label']}是{row['value']}",
                                 f"the {row['label'].lower()} of {etf_label} is {row['value']}") for row in answered]
                lead = self._t(it, "**" + "；".join(parts) + f"**{data_cite}。",
                               "**" + ("; ".join(parts))[0].upper() + ("; ".join(parts))[1:] + f"**{data_cite}.")
            missing = [_LABELS[lang][k] for k in missing_keys if k not in undisclosed]
            profile = {"rows": [row for row in rows if row["key"] not in asked], "missing": missing, "cite": data_cite}
        passages = []
        asked_points = list(dict.fromkeys(a for pat, _, a in _CONCEPTS if pat.search(it.question)))
        if methodology and (asked_points or _OVERVIEW.search(it.question)):
            # The whole methodology, or just the point(s) asked about, each point complete and cited.
            overview = self._overview(it, symbols, ledger, only=asked_points or None)
            if overview:
                return overview
        try:
            # Ask the retrieval for the chunk that states the concept asked about (its keywords added).
            query = " ".join([it.question] + [k for pat, ks, _ in _CONCEPTS if pat.search(it.question) for k in ks
                                              if k.isascii() == (lang == "en")])
            found = self.tb.search_documents(query, symbols or None, k=4).passages
            if not found and symbols:
                found = self.tb.search_documents(query, None, k=4).passages
            passages = self._clauses(it, found, ledger, methodology)
        except UpstreamError as err:
            log.warning("document retrieval unavailable: %s", err)
        if not passages and profile is None:
            raise NotFoundError(self._t(it, "没有检索到相关的指数编制或基金文件。",
                                        "No relevant methodology or fund document was found."))
        return _env().get_template(f"offline/{lang}/docs.md.jinja").render(
            **self._common(r), profile=profile, passages=passages, methodology=methodology, lead=lead,
            etf_label=etf_label)

    def _overview(self, it: Intent, symbols: list[str], ledger: Ledger, only: list[str] | None = None) -> str | None:
        """'How is the index built?': a short structured answer from one methodology document -- universe,
        selection, number of constituents, weighting, rebalancing, base date/value -- each point in the
        document's own words, all cited to that document (its quote joins the clauses used). None when no
        retrieved document covers at least three of those points (the ordinary clause answer follows)."""
        lang = it.language
        query = " ".join([it.question] + [k for _, _, k in _ASPECTS if k.isascii() == (lang == "en")])
        try:
            found = self.tb.document_passages(query, symbols or None, k=40).passages
            if not found and symbols:
                found = self.tb.document_passages(query, None, k=40).passages
        except UpstreamError as err:
            log.warning("document retrieval unavailable: %s", err)
            return None
        docs: dict[str, list[PassageRef]] = {}
        for p in found:
            docs.setdefault(p.id, []).append(p)
        best: tuple[tuple[float, int], str, list[dict[str, Any]], list[str], list[str]] | None = None
        for rank, (doc_id, parts) in enumerate(docs.items()):
            groups, notes, used = _methodology_points(parts, only)
            covered = len({g["aspect"] for g in groups})
            if covered < (len(only) if only else 3):
                continue
            score = (covered + (1.5 if _lang_of(parts[0].quote) == lang else 0.0), -rank)
            if best is None or score > best[0]:
                best = (score, doc_id, groups, notes, used)
        if best is None:
            return None
        _, doc_id, groups, notes, used = best
        p = docs[doc_id][0]
        cite = ledger.add_passage(p.id, p.kind, p.title, p.source, p.url, p.published_at, "\n".join(used))
        index = next((c for c in (list(it.indices) + list(p.symbols)) if self._kind(c) == "index"), None)
        index_label = self._label(index, lang, kind="index") if index else ""
        return _env().get_template(f"offline/{lang}/methodology.md.jinja").render(
            groups=groups, notes=notes if not only or "selection" in only else [], cite=cite, title=p.title or p.id,
            index_label=index_label, brief=bool(only))

    def _clauses(self, it: Intent, found: list[PassageRef], ledger: Ledger, methodology: bool) -> list[dict[str, str]]:
        """The clause(s) of the retrieved documents that answer the question -- never a section heading --
        each cited with exactly the text relied on as its quote."""
        lang = it.language
        keys = [k for pat, ks, _ in _CONCEPTS if pat.search(it.question) for k in ks]
        # The securities named are what every candidate is about: their names must not outvote what is asked.
        asked = it.question
        for e in sorted(it.entities, key=lambda e: -e.start):
            asked = asked[:e.start] + " " + asked[e.end:]
        terms = _terms(asked)
        scored: list[tuple[float, int, PassageRef, list[tuple[float, str]]]] = []
        for rank, p in enumerate(found):
            clauses = []
            for line in _clause_lines(_safe_quote(p), p.title):
                low = line.lower()
                score = 2.0 * sum(k.lower() in low for k in keys) + 0.5 * sum(t in low for t in terms)
                clauses.append((score, line))
            best = max((sc for sc, _ in clauses), default=0.0)
            if best <= 0:
                continue
            bonus = 1.5 if _lang_of(p.quote) == lang else 0.0
            scored.append((best + bonus, -rank, p, clauses))
        scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
        out: list[dict[str, str]] = []
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
            cite = ledger.add_passage(p.id, p.kind, p.title, p.source, p.url, p.published_at, text)
            out.append({"title": p.title or p.id, "clauses": chosen, "cite": cite})
        return out

    def _news(self, it: Intent, ledger: Ledger, r: _Render) -> str:
        lang = it.language
        symbols = list(it.etfs) + list(it.indices) + list(it.stocks)
        sep = "、" if lang == "zh" else ", "
        about = sep.join(self._label(c, lang, kind=self._kind(c)) for c in symbols) if symbols else None
        found = self.tb.search_news(it.question, symbols or None, k=6).passages
        found = _relevant(it.question, found, topical_only=bool(symbols))
        topic = _topic(it.question)
        if not found:
            what = about or self._t(it, "该问题", "this question")
            if topic:
                raise NotFoundError(self._t(
                    it, f"截至数据时点（{self.tb.md.info.as_of:%Y-%m-%d %H:%M}），没有检索到关于{what}的{topic[0]}相关新闻；"
                        "本数据之后发布的内容不会被使用。",
                    f"no news about {what} reporting {topic[1]} was found up to the data's as-of time "
                    f"({self.tb.md.info.as_of:%Y-%m-%d %H:%M}); nothing published later is used."))
            raise NotFoundError(self._t(it, "截至数据时点，没有检索到相关新闻。",
                                        "No relevant news was found up to the data's as-of time."))
        names = [n for c in symbols if (k := self.tb.lexicon.lookup(c)) is not None for n in (k.name, k.name_en) if n]
        news = []
        for p in found[:4]:
            body = _safe_quote(p)
            excerpt = _excerpt(body.split("\n", 1)[-1] if "\n" in body else body, " ".join([it.question] + names),
                               limit=120)
            if _lang_of(excerpt) != lang:
                excerpt = ""  # an excerpt in the other language reads as a dump, not an answer
            news.append({"when": p.published_at.strftime("%Y-%m-%d %H:%M") if p.published_at else "",
                         "title": self._safe_title(p), "excerpt": excerpt if excerpt and excerpt not in (p.title or "")
                         and not extract(excerpt) else "",
                         "source": p.source if p.source and (lang == "zh" or p.source.isascii()) else "",
                         "cite": self._cite(ledger, p)})
        asof = self.tb.md.info.as_of.strftime("%Y-%m-%d %H:%M")
        return _env().get_template(f"offline/{lang}/news.md.jinja").render(
            **self._common(r), news=news, about=about or self._t(it, "该问题", "this question"), asof=asof)

    def _kind(self, code: str) -> str:
        known = self.tb.lexicon.lookup(code)
        return known.kind if known is not None else "etf"

    # ------------------------------------------------------------------------------------------ pieces
    def _reason(self, it: Intent, err: Exception) -> str:
        """The no-data reason a reader can use: the day asked about and why it has no data, never a date the
        data cannot back (the 'last trading day before a holiday' may itself lie outside the data)."""
        msg = str(err)
        if it.date_reason == "non_trading_day" and it.requested is not None:
            return self._t(it, f"{it.requested.isoformat()} 不是交易日，本数据（截至 {self.tb.md.info.trade_date.isoformat()}）"
                               "也没有此前最近一个交易日的行情。",
                           f"{it.requested.isoformat()} is not a trading day, and this data (up to "
                           f"{self.tb.md.info.trade_date.isoformat()}) has no quotes for the trading day before it.")
        if "with these arguments" in msg and it.date is not None:
            return self._t(it, f"本数据没有所问日期的行情（数据截至 {self.tb.md.info.trade_date.isoformat()}）。",
                           f"this data has no quotes for the day asked about (it runs up to "
                           f"{self.tb.md.info.trade_date.isoformat()}).")
        return msg

    def _no_data(self, it: Intent, reason: str, upstream: bool = False) -> str:
        if upstream:
            return self._t(it, f"数据源暂时不可用，无法回答：{reason}", f"A data source is unavailable, so this cannot "
                           f"be answered now: {reason}")
        return self._t(it, f"**没有数据**：{reason}", f"**No data**: {reason}")

    def _source_line(self, ledger: Ledger, lang: Lang) -> str:
        info = self.tb.md.info
        when = info.as_of.strftime("%Y-%m-%d %H:%M")
        tz = info.as_of.strftime("%z")
        tz = f"{tz[:3]}:{tz[3:]}" if tz else ""
        frames: list[str] = []
        for fact in ledger.facts:
            for part in fact.source.split("+"):
                part = part.strip()
                if part and part not in frames and part != "attribution":
                    frames.append(part)
        cited = "、".join(f"{f}{marker(f)}" for f in frames if _registered(ledger, f)) if lang == "zh" else \
            ", ".join(f"{f}{marker(f)}" for f in frames if _registered(ledger, f))
        origin = _ORIGIN[lang].get(info.origin, info.origin)
        if lang == "zh":
            line = f"数据来源：{origin}，截至 {when}（{tz}）"
            return line + (f"；AKShare 数据：{cited}。" if cited else "。")
        line = f"Source: {origin}, as of {when} {tz}"
        return line + (f"; AKShare frames: {cited}." if cited else ".")

    def _ground(self, ledger: Ledger, text: str, extra: tuple[dt.date, ...]) -> str:
        report = ledger.check(text, extra)
        if report.ok:
            return text
        bad = {m.surface for m in report.unsupported}
        log.warning("offline answer: dropping lines with unsupported numbers %s", sorted(bad))
        kept = [line for line in text.split("\n") if not ledger.check(line, extra).unsupported]
        return "\n".join(kept)

    def _common(self, r: _Render) -> dict[str, Any]:
        return {"fmt": r}

    def _cite(self, ledger: Ledger, p: PassageRef) -> str:
        return ledger.add_passage(p.id, p.kind, p.title, p.source, p.url, p.published_at, _safe_quote(p))

    def _safe_title(self, p: PassageRef) -> str:
        title = (p.title or p.id).strip()
        from assistant.answer.grounding import check

        return title if check(title, [], [p.quote]).ok else (p.id if not extract(p.id) else "")

    def _label(self, code: str, lang: Lang, kind: str = "etf", fallback: str | None = None) -> str:
        """'名称（代码）' / 'Name (code)' with a name that states no number (a '500' in a name would read as a
        claim); the code alone when no such name is known."""
        known = self.tb.lexicon.lookup(code)
        names: list[str | None] = []
        if known is not None:
            names = [known.name_en, known.name] if lang == "en" else [known.name]
            if lang == "en" and kind == "etf":
                index = self.tb.md.universe().get(code)
                idx = self.tb.lexicon.lookup(index) if index else None
                if idx is not None and idx.name_en:
                    names.insert(0, idx.name_en.replace(" Index", "") + " ETF")
        names.append(fallback)
        if kind == "etf":
            try:
                ov = self.tb.md.fund_overview(code)
                names.append(ov.get("基金简称"))
            except MarketAssistantError:
                pass
        for name in names:
            if name and name.strip() not in ("---", "--", "-", "nan") and not extract(name) and (lang == "zh" or name.isascii() or kind != "etf"):
                return f"{name}（{code}）" if lang == "zh" else f"{name} ({code})"
        return code

    def _industry(self, name: str, lang: Lang) -> str:
        if lang == "zh":
            return name
        known = _INDUSTRY_EN.get(name) or _INDUSTRY_EN.get(name.removesuffix("行业"))
        return known if known else f"“{name}”"  # an untranslated name is quoted, not passed off as English

    @staticmethod
    def _t(it: Intent, zh: str, en: str) -> str:
        return zh if it.language == "zh" else en


_INDUSTRY_EN = {
    "小金属": "minor metals", "证券": "brokerage", "有色金属": "non-ferrous metals", "多元金融": "diversified financials",
    "游戏": "gaming", "半导体": "semiconductors", "电力设备": "power equipment", "电网设备": "grid equipment",
    "化学制品": "chemicals", "化工": "chemicals", "贵金属": "precious metals", "能源金属": "energy metals",
    "工程机械": "construction machinery", "食品饮料": "food and beverages", "医药": "pharmaceuticals",
    "银行": "banks", "保险": "insurance", "软件开发": "software", "通信设备": "telecom equipment",
    "汽车零部件": "auto parts", "消费电子": "consumer electronics", "光伏设备": "solar equipment",
    "电池": "batteries", "钢铁": "steel", "煤炭": "coal", "石油行业": "oil", "家电行业": "home appliances",
    "工业金属": "industrial metals", "稀土": "rare earths", "计算机设备": "computer hardware",
    "航天航空": "aerospace", "航空航天": "aerospace", "航运港口": "shipping and ports", "房地产": "real estate",
    "酿酒": "liquor", "白酒": "liquor", "汽车整车": "automakers", "电子元件": "electronic components",
    "光学光电子": "optoelectronics", "通信服务": "telecom services", "电力行业": "utilities", "电力": "utilities",
    "医疗器械": "medical devices", "中药": "traditional Chinese medicine", "生物制品": "biotech",
    "化学制药": "pharmaceuticals", "交运设备": "transport equipment", "农牧饲渔": "agriculture",
    "文化传媒": "media", "互联网服务": "internet services", "物流": "logistics", "公用事业": "utilities",
    "非金属材料": "non-metallic materials", "塑料制品": "plastics", "专用设备": "specialised machinery",
    "通用设备": "general machinery", "装修建材": "building materials", "水泥建材": "cement",
    "工程建设": "construction", "贸易行业": "trading", "商业百货": "retail", "旅游酒店": "tourism and hotels",
    "食品": "food", "纺织服装": "textiles and apparel", "造纸印刷": "paper and printing", "家用轻工": "light industry",
    "燃气": "gas utilities", "采掘行业": "mining", "环保行业": "environmental services", "仪器仪表": "instruments",
    "电子化学品": "electronic chemicals", "电机": "electric motors", "风电设备": "wind power equipment",
    "化肥": "fertilisers", "农药兽药": "agrochemicals", "化学原料": "basic chemicals", "橡胶制品": "rubber products",
    "美容护理": "beauty and personal care", "医疗服务": "healthcare services", "医药商业": "pharmaceutical distribution",
    "家电": "home appliances", "环保": "environmental services",
}


_TRACKING = re.compile(r"跟踪偏差|跟踪误差|跑赢|跑输|相对|tracking|\bbeat\b|outperform|underperform|versus its index", re.I)


def _safe_quote(p: PassageRef) -> str:
    """The passage text an answer may rely on and quote: without sentences that address a model."""
    from assistant.answer.tools import defuse_quote

    return defuse_quote(p.quote)[0] if p.suspicious or p.quote else p.quote


def _names(lexicon: Any, code: str) -> tuple[str, ...]:
    known = lexicon.lookup(code)
    return tuple(n for n in (known.name, known.name_en) if n) if known is not None else ()


def _head(label: str) -> str | None:
    """'名称（代码' / 'Name (code' of a label that ends in its code's parenthesis, so that a figure about it
    joins that parenthesis -- '浙江鼎力（603338，-0.03个百分点）' -- instead of opening a second one."""
    if label.endswith("）") and "（" in label:
        return label[:-1] + "，"
    if label.endswith(")") and "(" in label:
        return label[:-1] + ", "
    return None


def _registered(ledger: Ledger, cid: str) -> bool:
    try:
        ledger.cite(cid)
        return True
    except KeyError:
        return False


# Which profile field a fund-facts question asks about.
_FIELDS: list[tuple[str, re.Pattern[str]]] = [(k, re.compile(p, re.I)) for k, p in (
    ("management_fee", r"管理费|management fee|\bfees?\b|费率|expense"),
    ("custody_fee", r"托管费|custody fee|\bfees\b|费率"),
    ("custodian", r"托管人|托管银行|哪家银行|托管机构|custodian"),
    ("fund_managers", r"基金经理|portfolio manager"),
    ("manager", r"管理人|基金公司|谁管理|哪家公司|\bmanages?\b|managed by|\bmanager\b|fund company"),
    ("inception", r"成立|生效|inception|launched|effective|incepted"),
    ("benchmark", r"比较基准|benchmark"),
    ("tracked_index", r"跟踪|\btracks?\b|tracked"),
)]
# Methodology concepts: a question about one is answered by the clause that states it.
_CONCEPTS: list[tuple[re.Pattern[str], list[str], str]] = [(re.compile(p, re.I), ks, a) for p, ks, a in (
    (r"调整|调样|调仓|多久|频率|rebalanc|reconstitut|how often|review", ["定期调整", "半年", "调整一次", "rebalancing",
                                                                         "semi-annual", "june and december"],
     "rebalancing"),
    (r"基日|基点|base date|base value", ["基日", "基点", "base date", "base value"], "base"),
    (r"样本数量|多少只|how many|number of constituents", ["样本数量", "100只", "number of constituents"], "count"),
    (r"样本空间|universe|选自", ["样本空间", "universe", "000905"], "universe"),
    (r"剔除|排除|exclude|screen", ["剔除", "screens", "drop securities"], "selection"),
    (r"因子|factor|选股|怎么选|如何选|select", ["因子", "factors", "roe", "growth"], "selection"),
    (r"加权|权重上限|weighting|weight cap", ["加权", "weighting"], "weighting"),
)]


def _clause_lines(text: str, title: str | None, min_len: int = 6) -> list[str]:
    """A passage's clauses: its list items and sentences (hard-wrapped lines joined), without headings, title,
    breadcrumb, table and editorial-note lines, and without list numbering."""
    items: list[str] = []
    headings: set[str] = set()
    head = (title or "").strip()[:20]
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        heading = " > " in line or line.startswith(("#", "|")) or bool(re.fullmatch(r"[一二三四五六七八九十]+、\S{0,20}", line))
        new = heading or bool(re.match(r"([-*>]|\d+[.、)]|[一二三四五六七八九十]+、)\s*", line)) or not items or \
            bool(re.search(r"[。；;.:：！？!?]$", items[-1])) or items[-1] in headings
        if heading:
            headings.add(line)
        if new:
            items.append(line)
        else:
            glue = " " if items[-1][-1:].isascii() and line[:1].isascii() else ""
            items[-1] = items[-1] + glue + line
    out = []
    for line in items:
        if " > " in line or line.startswith("#") or line.startswith("|") or (head and line.startswith(head)):
            continue
        line = re.sub(r"^(?:[-*>]\s*)+", "", line).replace("**", "").strip()
        line = re.sub(r"^\d+[.、)]\s*", "", line).strip()
        if not line or (line.startswith("*") and line.endswith("*")) or re.fullmatch(r"[一二三四五六七八九十]+、\S{0,20}", line):
            continue
        if len(line) < min_len:
            continue
        out.append(line.rstrip("…").strip())
    return out


# "How is it built?" -- a question about the whole methodology rather than one of its concepts.
_OVERVIEW = re.compile(r"怎么编制|如何编制|怎样编制|编制方法|编制规则|编制方案|编制原则|怎么(?:构建|构造|编的)|如何构建|"
                       r"是怎么(?:选|算|计算)出来|how (?:is|was|are|does|do) .*\b(?:built|constructed|compiled|designed|"
                       r"made|put together|calculated|work)\b|methodolog|construction|index rules", re.I)
# The points of a methodology overview, in the order an analyst gives them: (aspect, what names it in a section
# heading or a clause's own label, retrieval keywords). `_KEEP` narrows a point to the clauses that state it.
_ASPECTS: list[tuple[str, re.Pattern[str], str]] = [(a, re.compile(p, re.I), k) for a, p, k in (
    ("universe", r"样本空间|选样空间|universe|sample space|eligib", "样本空间 universe"),
    ("selection", r"选样|选股|筛选|剔除|因子|screen|selection|factor", "选样方法 剔除 因子 screens factors"),
    ("count", r"样本数量|成分股数量|样本数|number of (?:constituents|securities|stocks)|constituent count",
     "样本数量 number of constituents"),
    ("weighting", r"加权|权重上限|weighting|weight cap", "加权方式 weighting"),
    ("rebalancing", r"调整|调样|rebalanc|reconstitut|review", "定期调整 rebalancing"),
    ("base", r"基日|基点|base date|base value|base period", "基日 基点 base date"),
)]
_KEEP = {"rebalancing": re.compile(r"半年|每年|季度|每月|一次|实施|生效|semi-?annual|annual|quarter|month|effective|"
                                   r"june|december", re.I)}
_CAVEAT = re.compile(r"置信度|confidence", re.I)
_OWN_LABEL = re.compile(r"^([^：:，,。；;]{2,48})[：:]\s*(.+)$")
_LIST_ITEM = re.compile(r"^([^：:，,。；;（(]{2,8})[：:]\s*([^，,；;。]+)")


def _methodology_points(parts: list[PassageRef], only: list[str] | None = None,
                        ) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """One document's overview points: groups {aspect, label, items} in aspect order, caveat notes, and the
    document clauses relied on (for the citation's quote)."""
    order = {a: i for i, (a, _, _) in enumerate(_ASPECTS)}
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    notes: list[str] = []
    used: list[str] = []
    seen: set[str] = set()
    for p in sorted(parts, key=lambda q: (q.chunk is None, q.chunk or 0)):
        text = _safe_quote(p)
        section = (p.section or (text.split("\n", 1)[0] if " > " in text.split("\n", 1)[0] else "")).split(" > ")[-1]
        section = re.sub(r"^[一二三四五六七八九十]+、|^\d+[.、]\s*", "", section.strip())
        by_section = next((a for a, pat, _ in _ASPECTS if pat.search(section)), None)
        for clause in _clause_lines(text, p.title, min_len=2):
            if clause in seen:
                continue
            seen.add(clause)
            aspect, label, body = by_section, section, clause
            own = _OWN_LABEL.match(clause)
            if aspect is None and own is not None:
                aspect = next((a for a, pat, _ in _ASPECTS if pat.search(own.group(1))), None)
                label, body = own.group(1).strip(), own.group(2).strip()
            if aspect is None or (only and aspect not in only):
                continue
            if _CAVEAT.search(body):
                notes.append(clause)
                used.append(clause)
                continue
            g = groups.setdefault((aspect, label), {"aspect": aspect, "label": label, "items": [], "raw": []})
            g["raw"].append(clause)
            g["items"].append(body)
    out = []
    for g in sorted(groups.values(), key=lambda g: order[g["aspect"]]):
        keep = _KEEP.get(g["aspect"])
        pairs = list(zip(g["items"], g["raw"]))
        if keep is not None and any(keep.search(b) for b, _ in pairs):
            pairs = [(b, r) for b, r in pairs if keep.search(b)]
        used += [r for _, r in pairs]
        g["items"] = _merge_lists([b for b, _ in pairs])
        if len(g["items"]) == 1 and not re.search(r"[。.！!？?）)]$", g["items"][0]):
            g["items"][0] += "。" if _lang_of(g["items"][0]) == "zh" else "."
        out.append(g)
    return out, notes, used


def _merge_lists(items: list[str]) -> list[str]:
    """A clause introducing a list ('…四类因子，并按百分位排名：') followed by 'name: definition' items reads as one
    point naming them: '…排名：盈利能力（ROE）、成长能力（Growth）…'. Trailing list punctuation is dropped."""
    out: list[str] = []
    i = 0
    while i < len(items):
        item = items[i]
        if item.endswith(("：", ":")):
            zh = _lang_of(item) == "zh"
            names = []
            j = i + 1
            while j < len(items) and (m := _LIST_ITEM.match(items[j])):
                name, what = m.group(1).strip(), m.group(2).strip()
                names.append(f"{name}（{what}）" if zh else f"{name} ({what})")
                j += 1
            if names:
                out.append(item + ("、" if zh else ", ").join(names))
                i = j
                continue
        out.append(item.rstrip("；;"))
        i += 1
    return out


# Kinds of event a question may ask about: a passage only answers it if it reports the same kind of event.
_TOPICS: list[tuple[re.Pattern[str], re.Pattern[str], tuple[str, str]]] = [
    (re.compile(r"评级|研报|目标价|\bratings?\b|upgrade|downgrade|target price", re.I),
     re.compile(r"评级|买入|增持|减持|目标价|\bratings?\b|upgrade|downgrade|target price|overweight|\bbuy\b", re.I),
     ("评级调整", "a rating change")),
    (re.compile(r"停牌|复牌|suspen|halt", re.I), re.compile(r"停牌|复牌|suspen|halt", re.I), ("停复牌", "a suspension")),
    (re.compile(r"交流会|说明会|业绩会|调研|investor meeting|conference call", re.I),
     re.compile(r"交流会|说明会|业绩会|调研|investor (?:meeting|day|call)|conference call", re.I),
     ("投资者交流", "an investor meeting")),
    (re.compile(r"回购|buyback|repurchase", re.I), re.compile(r"回购|buyback|repurchase", re.I), ("回购", "a buyback")),
    (re.compile(r"分红|派息|dividend", re.I), re.compile(r"分红|派息|dividend", re.I), ("分红", "a dividend")),
]
_STOP_EN = {"what", "which", "when", "where", "why", "how", "the", "and", "any", "about", "there", "news", "today",
            "latest", "recent", "recently", "did", "does", "say", "said", "its", "his", "her", "their", "with",
            "for", "from", "this", "that", "have", "has", "had", "was", "were", "are", "is", "on", "in", "at", "of",
            "stock", "stocks", "company", "article", "articles", "headline", "headlines", "report", "reports"}
_STOP_ZH = set("最近 什么 新闻 消息 今天 有没 没有 有什 么新 么消 近有 天有 资讯 报道 哪些 为什 么会 怎么 公司 股票 相关 一下 情况 "
               "有关 关于 的新 的消 有哪".split())


def _topic(question: str) -> tuple[str, str] | None:
    return next((label for ask, _, label in _TOPICS if ask.search(question)), None)


def _terms(question: str) -> set[str]:
    words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]{2,}", question)} - _STOP_EN
    bigrams: set[str] = set()
    for run in re.findall(r"[\u4e00-\u9fff]+", question):
        bigrams |= {run[i:i + 2] for i in range(len(run) - 1)}
    return words | (bigrams - _STOP_ZH)


def _relevant(question: str, passages: list[PassageRef], topical_only: bool = False) -> list[PassageRef]:
    """The retrieved passages that actually answer the question: when it asks about a kind of event (a rating
    change, a suspension ...), only passages reporting one; without a named security, only passages sharing
    the question's distinctive words (weighted by how rare they are among the retrieved passages)."""
    topic = next(((ask, says) for ask, says, _ in _TOPICS if ask.search(question)), None)
    if topic is not None:
        return [p for p in passages if topic[1].search(f"{p.title or ''} {p.quote}")]
    if topical_only or not passages:
        return passages
    terms = _terms(question)
    if not terms:
        return passages
    import math

    texts = [f"{p.title or ''} {p.quote}".lower() for p in passages]
    df = {t: sum(t in x for x in texts) for t in terms}
    scores = [sum(math.log(1 + len(texts) / df[t]) for t in terms if df[t] and t in x) for x in texts]
    best = max(scores)
    if best <= 0:  # no shared words (a question in another language than the articles): trust the ranking
        top = passages[0].score
        return [p for p in passages if p.score >= 0.8 * top][:2]
    return [p for p, sc in zip(passages, scores) if sc >= 0.5 * best]


def _lang_of(text: str) -> str:
    cjk = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    return "zh" if cjk > len(text) * 0.15 else "en"


def _excerpt(text: str, query: str, limit: int = 160) -> str:
    """The sentence(s) of a passage most related to the query (character overlap), trimmed."""
    import re

    parts = [s.strip(" -#>*\n") for s in re.split(r"(?<=[。！？；.!?;])\s*|\n+", text) if len(s.strip()) > 6]
    if not parts:
        return text[:limit]
    q = set(query.lower())
    best = max(parts, key=lambda s: len(q & set(s.lower())) / (1 + len(s) / 80))
    return best if len(best) <= limit else best[:limit].rstrip() + "…"


__all__ = ["OfflineAnswerer"]
