"""The ledger turns tool results into the answer object: facts, numbered citations, no look-ahead."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.analysis.figures import Figure
from assistant.answer.evidence import Ledger, marker
from assistant.market.model import Article, Document, SourceInfo

CST = dt.timezone(dt.timedelta(hours=8))
DAY = dt.date(2026, 1, 9)
INFO = SourceInfo(origin="sample", trade_date=DAY, as_of=dt.datetime(2026, 1, 9, 15, 0, tzinfo=CST))
RET = Figure("etf_return_pct", "560500", 1.602134, "%", DAY, "fund_etf_hist_em")
CONTRIB = Figure(
    "constituent_contribution_pp",
    "600549",
    0.3512,
    "pp",
    DAY,
    "index_stock_cons_weight_csindex+stock_zh_a_hist",
)
NEWS = Article(
    id="sina-20260109-560500",
    title="稀土板块走强",
    body="北方稀土涨停，560500获资金净流入5266万元。",
    published_at=dt.datetime(2026, 1, 9, 5, 58, tzinfo=CST),
    source="Xin Lang Cai Jing",
)
LATE = Article(
    id="late-news", title="收盘后", body="…", published_at=dt.datetime(2026, 1, 9, 20, 0, tzinfo=CST)
)
DOC = Document(id="csi-930939-methodology", path="/x/csi-930939-methodology.md", title="编制方案")


def test_facts_keep_the_unrounded_value_and_dedupe():
    ledger = Ledger(INFO)
    first = ledger.add_figure(RET)
    assert ledger.add_figure(RET) is first
    assert (first.value, first.as_of, first.unit) == (1.602134, "2026-01-09", "%")
    assert first.source == "fund_etf_hist_em"
    ledger.add_figure(Figure("etf_return_pct", "560500", 0.5, "%", dt.date(2026, 1, 8), "fund_etf_hist_em"))
    assert len(ledger.facts) == 2


def test_conflicting_values_for_one_fact_are_refused():
    ledger = Ledger(INFO)
    ledger.add_figure(RET)
    with pytest.raises(ValueError, match="conflicting"):
        ledger.add_figure(Figure("etf_return_pct", "560500", 1.7, "%", DAY, "fund_etf_hist_em"))


def test_citations_are_numbered_by_first_use_in_the_text():
    ledger = Ledger(INFO)
    ledger.add_figure(RET)
    ledger.add_figure(CONTRIB)
    news = ledger.add_article(NEWS, quote="560500获资金净流入5266万元")
    doc = ledger.add_document(DOC, quote="指数按自由流通市值加权")
    ledger.add_passage("unused", "news", title="never cited")
    text = (
        f"560500上涨1.60%{ledger.cite('fund_etf_hist_em')}，资金净流入5266万元{news}{news}。"
        f"600549贡献0.35个百分点{ledger.cite('stock_zh_a_hist')}{news}；加权方式见{doc}。"
        f"再次引用{ledger.cite('fund_etf_hist_em')}"
    )
    answer = ledger.build("为什么560500今天上涨？", text, "zh")
    assert answer.answer == (
        "560500上涨1.60%[1]，资金净流入5266万元[2]。600549贡献0.35个百分点[3][2]；加权方式见[4]。再次引用[1]"
    )
    assert [(c.n, c.id, c.kind) for c in answer.citations] == [
        (1, "fund_etf_hist_em", "data"),
        (2, NEWS.id, "news"),
        (3, "stock_zh_a_hist", "data"),
        (4, DOC.id, "document"),
    ]
    data = answer.citations[0]
    assert data.title == "AKShare fund_etf_hist_em (sample snapshot, as of 2026-01-09)"
    assert answer.citations[1].published_at == "2026-01-09T05:58:00+08:00"
    assert answer.citations[1].quote == "560500获资金净流入5266万元"
    assert answer.data.model_dump() == {
        "origin": "sample",
        "as_of": "2026-01-09T15:00:00+08:00",
        "trade_date": "2026-01-09",
    }
    assert {f.name for f in answer.facts} == {"etf_return_pct", "constituent_contribution_pp"}


def test_unknown_citation_in_text_is_an_error():
    ledger = Ledger(INFO)
    with pytest.raises(ValueError, match="never registered"):
        ledger.build("q", f"x{marker('made-up')}", "en")
    with pytest.raises(KeyError):
        ledger.cite("made-up")


def test_look_ahead_is_refused_when_added_and_when_built():
    with pytest.raises(ValueError, match="after the data's as-of"):
        Ledger(INFO).add_article(LATE)
    ledger = Ledger()  # no info yet: accepted now, refused at build
    late = ledger.add_article(LATE)
    with pytest.raises(ValueError, match="after the data's as-of"):
        ledger.build("why?", f"because {late}", "en", INFO)
    assert ledger.build("why?", "no citation", "en", INFO).citations == []


def test_naive_publication_times_are_china_time():
    ledger = Ledger(INFO)
    with pytest.raises(ValueError, match=r"published at 2026-01-09T15:30:00\+08:00, after"):
        ledger.add_passage("n1", "news", published_at="2026-01-09T15:30:00")
    ledger.add_passage("n2", "news", published_at="2026-01-09T14:30:00")


def test_build_needs_source_info():
    with pytest.raises(ValueError, match="SourceInfo"):
        Ledger().build("q", "text", "en")


def test_live_data_citation_title():
    info = SourceInfo(origin="live", trade_date=DAY, as_of=dt.datetime(2026, 1, 9, 14, 31, 5, tzinfo=CST))
    ledger = Ledger(info)
    ref = ledger.add_data("fund_etf_spot_em")
    answer = ledger.build("q", f"quote {ref}", "en")
    assert answer.citations[0].title == "AKShare fund_etf_spot_em (live, as of 2026-01-09T14:31+08:00)"


def test_ledger_check_uses_only_cited_passages():
    ledger = Ledger(INFO)
    ledger.add_figure(RET)
    news = ledger.add_article(NEWS)
    assert ledger.check(f"上涨1.60%，净流入5266万元{news}，截至2026-01-09").ok
    report = ledger.check("上涨1.60%，净流入5266万元")  # the article is not cited
    assert [m.surface for m in report.unsupported] == ["5266万元"]


def test_cited_publication_date_backs_the_date_and_becomes_a_fact():
    ledger = Ledger(INFO)
    m = ledger.add_passage(
        "n-0108", "news", "标题", published_at="2026-01-08T18:30:00+08:00", quote="正文没有日期。"
    )
    text = f"- 2026-01-08 18:30 “标题”{m}"
    assert ledger.check(text).ok
    answer = ledger.build("q", text, "zh")
    fact = next(f for f in answer.facts if f.name == "published_at")
    assert (fact.subject, fact.as_of, fact.unit) == ("n-0108", "2026-01-08", "date")
    uncited = Ledger(INFO)
    uncited.add_passage("n-0108", "news", "标题", published_at="2026-01-08T18:30:00+08:00", quote="正文")
    assert not uncited.check("2026-01-08 18:30 标题").ok
