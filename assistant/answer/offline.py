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
        return f"{v:+.2f}个百分点" if self.lang == "zh" else f"{v:+.2f} pp"

    def app(self, f: Any) -> str:
        v = abs(self._reg(f))
        return f"{v:.2f}个百分点" if self.lang == "zh" else f"{v:.2f} pp"

    def units(self, f: Any) -> str:
        v = abs(self._reg(f))
        if self.lang == "zh":
            return f"{v / 1e8:,.2f}亿份" if v >= 1e8 else f"{v / 1e4:,.2f}万份"
        return f"{v / 1e6:,.2f} million units"

    def yuan(self, f: Any) -> str:
        v = abs(self._reg(f))
        if self.lang == "zh":
            return f"{v / 1e8:,.2f}亿元" if v >= 1e8 else f"{v / 1e4:,.2f}万元"
        return f"{v / 1e9:,.2f} billion yuan" if v >= 1e9 else f"{v / 1e6:,.2f} million yuan"

    def price(self, f: Any) -> str:
        v = self._reg(f)
        return f"{v:.3f}元" if self.lang == "zh" else f"{v:.3f} yuan"

    def count(self, f: Any) -> str:
        return f"{int(round(self._reg(f)))}"

    def date(self, d: dt.date) -> str:
        return f"{d.year}年{d.month}月{d.day}日" if self.lang == "zh" else d.isoformat()

    NAMES = ("pct", "apct", "pp", "app", "units", "yuan", "price", "count", "date")


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
        extra: list[dt.date] = [d for d in (intent.requested, intent.date) if d]
        try:
            body = self._dispatch(intent, ledger, r, extra)
        except (NotFoundError, InputError) as err:
            body = self._no_data(intent, str(err))
        except UpstreamError as err:
            body = self._no_data(intent, str(err), upstream=True)
        if intent.date_note and intent.date_reason == "non_trading_day":
            body = f"{intent.date_note}\n\n{body}"
        text = body.rstrip() + "\n\n" + self._source_line(ledger, intent.language)
        text = self._ground(ledger, text, tuple(extra))
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
        extra += [res.prev_date, res.weights_date]
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
            return {"label": label, "full": full, "code": c.code, "up": (c.return_pct or 0) >= 0,
                    "ret": figs.get(("constituent_return_pct", c.code)),
                    "contrib": figs.get(("constituent_contribution_pp", c.code))}

        drivers = [contributor(c) for c in res.drivers if c.return_pct is not None]
        others = res.bottom_contributors if index_up else res.top_contributors
        laggards = [contributor(c) for c in others[:3] if (c.contribution_pp < 0) == index_up
                    and c.contribution_pp != 0]
        inds = [i for i in res.industries if (i.contribution_pp >= 0) == index_up][:3]
        industries = [{"name": self._industry(i.industry, lang), "contrib": figs.get(("industry_contribution_pp",
                                                                                      i.industry))} for i in inds]
        focus = None
        if it.stocks:
            code = it.stocks[0]
            cons = next((c for c in x.constituents if c.code == code), None)
            if cons is None or cons.return_pct is None:
                raise NotFoundError(self._t(it, f"{code} 不是{index_label}的成分股，或当天没有行情。",
                                            f"{code} is not a constituent of the {index_label}, or did not trade."))
            order = sorted(x.constituents, key=lambda c: -c.contribution_pp if index_up else c.contribution_pp)
            rank = next(i for i, c in enumerate(order, 1) if c.code == code)
            rank_fact = Figure("constituent_contribution_rank", code, float(rank), "count", res.trade_date,
                               "index_stock_cons_weight_csindex+stock_zh_a_hist")
            focus = {"label": self._label(code, lang, kind="stock", fallback=cons.name),
                     "up": cons.return_pct >= 0, "ret": figs[("constituent_return_pct", code)],
                     "weight": figs[("constituent_weight_pct", code)],
                     "contrib": figs[("constituent_contribution_pp", code)], "rank": rank_fact}
        news = self._driver_news(it, res, drivers, focus, ledger)
        correction = it.premise is not None and (it.premise == "up") != up and abs(res.etf_return_pct) > 0
        premium = F("etf_premium_pct", etf)
        show_premium = premium is not None and abs(premium.value) >= 0.3
        flows = None
        day_f, period_f = F("etf_units_change_1d", etf), F("etf_units_change", etf)
        pct_f = F("etf_units_change_pct", etf)
        if day_f is not None and period_f is not None and pct_f is not None and res.period_start:
            if abs(pct_f.value) >= 1.0 or show_premium:
                flows = {"day": day_f, "day_up": day_f.value >= 0, "period": period_f,
                         "period_up": period_f.value >= 0, "period_pct": pct_f, "start": res.period_start}
                extra.append(res.period_start)
        suspended = [self._label(c, lang, kind="stock") for c in res.suspended]
        warnings = [w for w in res.warnings if not extract(w)][:2]
        cite_data = ledger.add_data("fund_etf_hist_em") + ledger.add_data("stock_zh_index_daily_em")
        return _env().get_template(f"offline/{lang}/move.md.jinja").render(
            **self._common(r), m=m, up=up, index_up=index_up, day=res.trade_date, etf_label=etf_label,
            index_label=index_label, industries=industries, drivers=drivers if not focus else drivers[:3],
            share=F("top_n_share_pct", res.index) if drivers else None, laggards=laggards if not focus else [],
            suspended=suspended, news=news, premium=premium if show_premium else None,
            premium_up=premium is not None and premium.value >= 0, flows=flows, warnings=warnings,
            correction=correction, premise=it.premise, focus=focus, cite_data=cite_data)

    def _driver_news(self, it: Intent, res: Any, drivers: list[dict[str, Any]], focus: dict[str, Any] | None,
                     ledger: Ledger) -> list[dict[str, str]]:
        zh = it.language == "zh"
        word = ("上涨" if res.index_return_pct >= 0 else "下跌") if zh else ("rise" if res.index_return_pct >= 0
                                                                             else "fall")
        wanted: list[tuple[str, str, list[str]]] = []
        if focus is not None:
            wanted.append((focus["label"], f"{focus['label']} {word}", [it.stocks[0]]))
        wanted.append((self._label(res.etf, it.language), f"{res.etf} {res.index_name or ''} {word}",
                       [res.etf, res.index]))
        for d in drivers[:4]:
            wanted.append((d["label"], f"{d['label']} {word}", [d["code"]]))
        out: list[dict[str, str]] = []
        used: set[str] = set()
        try:
            for about, query, symbols in wanted:
                found = self.tb.search_news(query, symbols, k=3).passages
                for p in found:
                    if p.id in used or not p.published_at or p.published_at.date() < res.trade_date - \
                            dt.timedelta(days=3):
                        continue
                    if (p.title or "").isascii() != (it.language == "en") and any(
                            q.id not in used and (q.title or "").isascii() == (it.language == "en") for q in found):
                        continue  # prefer an article in the question's language when one is there
                    used.add(p.id)
                    out.append({"about": about, "title": self._safe_title(p), "cite": self._cite(ledger, p)})
                    break
                if len(out) >= 4:
                    break
        except UpstreamError as err:
            log.warning("news retrieval unavailable: %s", err)
        return out

    def _holdings(self, it: Intent, etf: str, ledger: Ledger, r: _Render, extra: list[dt.date]) -> str:
        index = self.tb.md.index_of(etf)
        c = self.tb.index_constituents(index, it.top_n or 10)
        extra.append(c.weights_date)
        lang = it.language
        holdings = [{"label": self._label(h.code, lang, kind="stock", fallback=h.name),
                     "weight": c.fact("constituent_weight_file_pct", h.code)} for h in c.holdings]
        cv = {"top_n": c.fact("top_n_count"), "count": c.fact("constituents_count"), "total": c.fact("top_n_weight_pct")}
        return _env().get_template(f"offline/{lang}/holdings.md.jinja").render(
            **self._common(r), c=cv, holdings=holdings, wdate=c.weights_date,
            index_label=self._label(index, lang, kind="index"), etf_label=self._label(etf, lang),
            cite_data=ledger.add_data("index_stock_cons_weight_csindex"))

    def _flows(self, it: Intent, etf: str, ledger: Ledger, r: _Render, extra: list[dt.date]) -> str:
        start = it.period.start if it.period else None
        end = it.period.end if it.period else it.date
        res = self.tb.etf_flows(etf, start, end)
        F = res.fact
        fv: dict[str, Any] = {"units_date": res.units_date, "units": F("etf_units", etf) and
                              next(f for f in res.facts if f.name == "etf_units" and f.as_of == res.units_date),
                              "scale": F("etf_scale_yuan", etf)}
        extra.append(res.units_date)
        if res.period:
            extra += [res.period.start, res.period.end]
            scale = F("etf_scale_change_yuan", etf)
            fv.update(start=res.period.start, end=res.period.end, period=F("etf_units_change", etf),
                      period_up=res.period.change >= 0, period_pct=F("etf_units_change_pct", etf),
                      scale_change=scale, scale_up=bool(scale and scale.value >= 0))
        else:
            fv.update(period=None)
        if res.day:
            extra.append(res.day.start)
            fv.update(day=F("etf_units_change_1d", etf), day_up=res.day.change >= 0, day_start=res.day.start)
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
        if prev:
            extra.append(prev.as_of)
        qv = {"price": F("etf_close", etf), "prev": prev, "ret": F("etf_return_pct", etf),
              "iopv": F("etf_iopv", etf), "premium": F("etf_premium_pct", etf), "volume": F("etf_volume_units", etf),
              "amount": F("etf_amount_yuan", etf), "turnover": F("etf_turnover_rate_pct", etf)}
        if qv["premium"] is None:
            qv["iopv"] = None
        cite = ledger.add_data("fund_etf_hist_em") + (ledger.add_data("fund_etf_spot_em") if qv["iopv"] else "")
        return _env().get_template(f"offline/{it.language}/quote.md.jinja").render(
            **self._common(r), q=qv, up=q.return_pct >= 0, day=q.date, etf_label=self._label(etf, it.language),
            premium_up=bool(qv["premium"] and qv["premium"].value >= 0), focus_premium=it.kind == "premium",
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
        profile = None
        methodology = it.kind == "methodology"
        if not methodology and etfs:
            p = self.tb.fund_profile(etfs[0], with_documents=False)
            data_cite = self._cite(ledger, p.passages[0]) if p.passages else ""
            rows = []
            for key in ("full_name", "manager", "custodian", "inception", "benchmark", "tracked_index",
                        "management_fee", "custody_fee"):
                value = getattr(p, key)  # dates in it are backed by the quoted fund_overview_em row
                if value is not None:
                    rows.append({"label": _LABELS[lang][key], "value": value})
            size = p.fact("fund_asset_size_yuan")
            if size is not None:
                rows.append({"label": _LABELS[lang]["asset_size"], "value": r.yuan(size)})
            missing = [_LABELS[lang][k] for k in p.not_disclosed]
            profile = {"rows": rows, "missing": missing, "cite": data_cite}
        query = it.question
        passages = []
        try:
            found = self.tb.search_documents(query, symbols or None, k=4).passages
            if not found and symbols:
                found = self.tb.search_documents(query, None, k=4).passages
            prefer = [p for p in found if _lang_of(p.quote) == lang] + [p for p in found if _lang_of(p.quote) != lang]
            for p in prefer[:2 if profile else 3]:
                passages.append({"title": p.title or p.id, "excerpt": _excerpt(p.quote, query),
                                 "cite": self._cite(ledger, p)})
        except UpstreamError as err:
            log.warning("document retrieval unavailable: %s", err)
        if not passages and profile is None:
            raise NotFoundError(self._t(it, "没有检索到相关的指数编制或基金文件。",
                                        "No relevant methodology or fund document was found."))
        return _env().get_template(f"offline/{lang}/docs.md.jinja").render(
            **self._common(r), profile=profile, passages=passages, methodology=methodology,
            etf_label=self._label(etfs[0], lang) if etfs else "")

    def _news(self, it: Intent, ledger: Ledger, r: _Render) -> str:
        symbols = list(it.etfs) + list(it.indices) + list(it.stocks)
        about = "、".join(self._label(c, it.language) for c in symbols) if symbols else it.question
        if it.language == "en" and symbols:
            about = ", ".join(self._label(c, "en") for c in symbols)
        found = self.tb.search_news(it.question, symbols or None, k=5).passages
        if not found:
            raise NotFoundError(self._t(it, "截至数据时点，没有检索到相关新闻。", "No relevant news was found up to the data's as-of time."))
        news = [{"when": p.published_at.strftime("%Y-%m-%d %H:%M") if p.published_at else "",
                 "title": self._safe_title(p), "source": p.source, "cite": self._cite(ledger, p)} for p in found]
        asof = self.tb.md.info.as_of.strftime("%Y-%m-%d %H:%M")
        return _env().get_template(f"offline/{it.language}/news.md.jinja").render(
            **self._common(r), news=news, about=about if symbols else self._t(it, "该问题", "this question"), asof=asof)

    # ------------------------------------------------------------------------------------------ pieces
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
        return ledger.add_passage(p.id, p.kind, p.title, p.source, p.url, p.published_at, p.quote)

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
            if name and not extract(name) and (lang == "zh" or name.isascii() or kind != "etf"):
                return f"{name}（{code}）" if lang == "zh" else f"{name} ({code})"
        return code

    def _industry(self, name: str, lang: Lang) -> str:
        return _INDUSTRY_EN.get(name, name) if lang == "en" else name

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
}


def _registered(ledger: Ledger, cid: str) -> bool:
    try:
        ledger.cite(cid)
        return True
    except KeyError:
        return False


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
