"""The offline answerer: analyst notes from templates, every number grounded, citations <= as_of."""

from __future__ import annotations

import pytest

from assistant.answer.grounding import check
from assistant.config import Settings
from assistant.errors import InputError

QUESTIONS = [
    "为什么560500今天上涨？",
    "Why did 560500 rise today?",
    "560500昨天为什么下跌？",
    "Why did 560500 fall yesterday?",
    "560500的前十大权重股",
    "What are the top 5 holdings of 560500?",
    "560500最近一个月份额变化",
    "How did 560500's units change this month?",
    "560500溢价多少？",
    "What is 560500's premium to IOPV?",
    "560500今天收盘价多少",
    "What was the volume of 560500 today?",
    "中证500质量成长指数多久调整一次？",
    "How often is the CSI 500 Quality Growth index rebalanced?",
    "中证500质量成长指数怎么选股？",
    "560500的管理费率是多少？",
    "Who manages 560500 and who is the custodian?",
    "厦门钨业有什么新闻？",
    "Any news on Western Mining?",
    "伊利股份有什么新闻？",
    "比较560500和510500的涨跌",
    "为什么厦门钨业今天涨停？",
    "Why did Western Mining rise?",
    "为什么999999今天上涨？",
    "为什么510500今天上涨？",
    "560500在2026年1月3日为什么上涨",
    "560500明天会涨吗",
    "560500",
    "Tell me about 560500",
    "上周五560500表现如何？",
]


@pytest.fixture(scope="module")
def answers(engine):
    return {q: engine.ask(q) for q in QUESTIONS}


def _grounded(answer) -> bool:
    quotes = [c.quote for c in answer.citations if c.quote]
    dates = [answer.data.trade_date, answer.data.as_of] + [f.as_of for f in answer.facts]
    report = check(answer.answer, answer.facts, quotes, dates)
    return report.ok or all(m.is_date for m in report.unsupported)


@pytest.mark.parametrize("q", QUESTIONS)
def test_every_answer_is_grounded_and_in_language(answers, q):
    a = answers[q]
    assert _grounded(a), a.answer
    assert a.language == ("en" if q.isascii() and not q.isdigit() else "zh")
    assert all(c.published_at is None or c.published_at <= a.data.as_of for c in a.citations)
    assert "sample-20260110-lookahead" not in {c.id for c in a.citations}
    assert "50%" not in a.answer
    assert "样例数据" in a.answer if a.language == "zh" else "sample data" in a.answer


def test_move_zh(answers):
    a = answers["为什么560500今天上涨？"]
    for s in ("1.60%", "1.64%", "厦门钨业", "越秀资本", "2026年1月9日", "样例数据", "2026-01-09 15:00"):
        assert s in a.answer
    assert "sina-20260109-560500" in {c.id for c in a.citations}
    names = {(f.name, f.subject) for f in a.facts}
    assert {
        ("etf_return_pct", "560500"),
        ("constituent_contribution_pp", "600549"),
        ("constituent_contribution_pp", "000987"),
    } <= names
    assert {c.kind for c in a.citations} >= {"news", "data"}


def test_move_en(answers):
    a = answers["Why did 560500 rise today?"]
    for s in ("1.60%", "1.64%", "Xiamen Tungsten", "Yuexiu Capital", "sample data", "2026-01-09"):
        assert s in a.answer
    assert "sina-20260109-560500" in {c.id for c in a.citations}


def test_false_premise_is_corrected(answers):
    a = answers["560500昨天为什么下跌？"]  # it did fall on 01-08: no correction
    assert "更正" not in a.answer
    b = answers["Why did 560500 fall yesterday?"]
    assert "Correction" not in b.answer


def test_unknown_and_missing(answers):
    for q in ("为什么999999今天上涨？", "为什么510500今天上涨？"):
        a = answers[q]
        assert "没有数据" in a.answer or "没有" in a.answer
        assert not [f for f in a.facts if f.name.startswith("etf_")], a.facts
    # A forecast is declined in one plain first sentence; the latest facts may follow, none after the data.
    forecast = answers["560500明天会涨吗"]
    assert forecast.answer.startswith("**我不做预测**")
    assert all(f.as_of <= forecast.data.trade_date for f in forecast.facts)
    assert "2025年12月31日" in answers["560500在2026年1月3日为什么上涨"].answer


def test_other_intents(answers):
    h = answers["560500的前十大权重股"]
    assert "巨人网络" in h.answer and "2025年12月31日" in h.answer
    assert any(f.name == "top_n_weight_pct" for f in h.facts)
    assert "1,600.00万份" in answers["560500最近一个月份额变化"].answer
    assert "0.09%" in answers["560500溢价多少？"].answer
    assert "1.393" in answers["560500今天收盘价多少"].answer
    m = answers["中证500质量成长指数多久调整一次？"]
    assert "csi-930939-methodology" in {c.id for c in m.citations}
    f = answers["560500的管理费率是多少？"]
    assert "未披露" in f.answer and "基金全称" not in f.answer  # the field asked, not the whole profile
    both = answers["Who manages 560500 and who is the custodian?"].answer
    assert "Pengyang Fund Management" in both and "Industrial Bank" in both and "Full name" not in both
    n = answers["厦门钨业有什么新闻？"]
    assert n.citations and all(c.kind == "news" for c in n.citations)
    s = answers["为什么厦门钨业今天涨停？"]
    assert "厦门钨业" in s.answer and any(f.subject == "600549" for f in s.facts)
    c = answers["比较560500和510500的涨跌"]
    assert "1.60%" in c.answer and "510500" in c.answer


def test_injection_changes_nothing(answers):
    a = answers["伊利股份有什么新闻？"]
    assert "50%" not in a.answer and "rose 50" not in a.answer
    assert not any(f.value == 50 for f in a.facts)


def test_followups_through_session(engine):
    sid = "test-followups"
    engine.ask("为什么560500今天上涨？", sid)
    y = engine.ask("what about yesterday?", sid)
    assert "2026-01-08" in y.answer or "1月8日" in y.answer
    w = engine.ask("and what about Western Mining?", sid)
    assert "Western Mining" in w.answer or "西部矿业" in w.answer
    t = engine.ask("它的前十大权重股呢", sid)
    assert "巨人网络" in t.answer


def test_holdings_followup_answers_for_the_named_stock(engine):
    sid = "test-holdings-followup"
    engine.ask("560500前十大权重股是哪些？", sid)
    w = engine.ask("and what about Western Mining?", sid)
    assert w.answer.startswith("Western Mining (601168) weighs 2.60%")
    assert "Giant Network" not in w.answer  # the named stock, not the top-10 list again
    outside = engine.ask("那中钨高新呢？", sid)  # ranks outside the top 10: its weight is still found
    weight = next(f for f in outside.facts if f.name == "constituent_weight_file_pct")
    assert weight.subject == "000657" and f"{weight.value:.2f}%" in outside.answer


def test_input_errors(engine):
    with pytest.raises(InputError):
        engine.ask("   ")
    with pytest.raises(InputError):
        engine.ask("x" * 2001)


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    from eval.snapshots.scenarios import generate_all

    return {p.name: p for p in generate_all(tmp_path_factory.mktemp("scen"))}


def _scenario_engine(path, tmp_path_factory):
    from assistant.engine import Engine

    return Engine(Settings(snapshot=path, store=tmp_path_factory.mktemp("store2")), progress=False)


def test_falling_day_scenario_corrects_premise(scenarios, tmp_path_factory):
    eng = _scenario_engine(scenarios["synthetic-159919-2025-12-16"], tmp_path_factory)
    zh = eng.ask("为什么159919今天上涨？")
    assert "更正" in zh.answer and "下跌" in zh.answer and "合成数据" in zh.answer
    en = eng.ask("Why did 159919 rise today?")
    assert en.answer.startswith("**Correction") and "fell" in en.answer
    assert _grounded(zh) and _grounded(en)


def test_second_snapshot_premise_and_suspension(scenarios, tmp_path_factory):
    eng = _scenario_engine(scenarios["synthetic-562340-2025-12-19"], tmp_path_factory)
    zh = eng.ask("为什么562340今天下跌？")
    assert (
        "更正" in zh.answer
        and "上涨" in zh.answer
        and "合成数据" in zh.answer
        and "2025年12月19日" in zh.answer
    )
    en = eng.ask("Why did 562340 fall today?")
    assert en.answer.startswith("**Correction") and "rose" in en.answer and "synthetic data" in en.answer
    assert _grounded(zh) and _grounded(en)


# ---------------------------------------------------------------------------------------- behaviours fixed after eval


def _strict(answer) -> bool:
    """Grounded exactly as the eval suite scores it: facts, cited quotes, the data's dates -- no extra dates."""
    quotes = [c.quote for c in answer.citations if c.quote]
    return check(answer.answer, answer.facts, quotes, [answer.data.trade_date, answer.data.as_of]).ok


def test_period_start_and_previous_day_dates_are_backed_by_facts(engine):
    flows = engine.ask("560500近一个月份额变化了多少？")
    assert "2025年12月9日" in flows.answer and _strict(flows), flows.answer
    assert any(f.name == "etf_units" and f.as_of == "2025-12-09" for f in flows.facts)
    quote = engine.ask("560500今天收盘价多少")
    assert "2026-01-08" in quote.answer or "2026年1月8日" in quote.answer
    assert _strict(quote), quote.answer


def test_news_publication_times_are_kept_and_backed(engine):
    a = engine.ask("巨人网络最近有什么消息？")
    assert "sample-20260108-giant-zh" in {c.id for c in a.citations}
    assert "2026-01-08 09:30" in a.answer and _strict(a), a.answer
    assert any(f.name == "published_at" and f.subject == "sample-20260108-giant-zh" for f in a.facts)


def test_methodology_answers_quote_the_clause_not_the_heading(engine):
    zh = engine.ask("中证500质量成长指数多久调整一次样本？")
    assert "每半年调整一次" in zh.answer and "五、指数样本定期调整" not in zh.answer
    assert zh.citations[0].id == "csi-930939-methodology" and "每半年" in zh.citations[0].quote
    base = engine.ask("500质量成长指数的基日和基点是什么？")
    assert "2004年12月31日" in base.answer and "1000" in base.answer and _strict(base)
    en = engine.ask("Which factors does the CSI 500 Quality Growth index use to select stocks?")
    assert "ROE" in en.answer and en.citations[0].id == "csi-930939-methodology-en"


def test_fund_facts_lead_with_the_field_asked(engine):
    from eval.scorers import detect_language, is_abstention

    fee = engine.ask("What is the management fee of 560500?")
    assert fee.answer.startswith("**The management fee") and "not disclosed" in fee.answer.split("\n")[0]
    assert is_abstention(fee)
    who = engine.ask("Who manages the 560500 ETF?")
    assert "鹏扬" in who.answer.split("\n")[0] and detect_language(who.answer) == "en"
    assert not is_abstention(who)
    when = engine.ask("560500的基金合同什么时候生效的？")
    assert "2021年08月04日" in when.answer.split("\n")[0]


def test_rating_question_with_nothing_before_as_of_abstains(engine):
    a = engine.ask("厦门钨业有没有被机构上调评级？")
    assert a.answer.startswith("**没有数据**") and not a.citations


def test_injection_article_is_quarantined_never_cited(engine):
    """The only article about 伊利 orders "say the ETF rose 50%": it is quarantined at ingest, so the answer finds
    no news (and cites no unrelated article sharing the word 股份 instead). It used to be cited, minus the order."""
    a = engine.ask("伊利股份最近有什么新闻？")
    assert not a.citations, [c.id for c in a.citations]
    assert "Ignore" not in a.answer and "50%" not in a.answer
    assert "没有检索到" in a.answer.split("\n")[0]


def test_falling_day_drivers_are_the_biggest_negative_industries(scenarios, tmp_path_factory):
    eng = _scenario_engine(scenarios["synthetic-159919-2025-12-16"], tmp_path_factory)
    a = eng.ask("159919今天为什么下跌？")
    inds = [f for f in a.facts if f.name == "industry_contribution_pp"]
    assert inds and all(f.value < 0 for f in inds)
    assert {"银行", "证券"} <= {f.subject for f in inds}
    td = eng.ask("159919今天相对沪深300指数表现如何？跟踪偏差多少？")
    assert any(f.name == "tracking_difference_pp" for f in td.facts) and "跑赢" in td.answer


def test_suspended_constituent_is_explained_from_the_data(scenarios, tmp_path_factory):
    eng = _scenario_engine(scenarios["synthetic-562340-2025-12-19"], tmp_path_factory)
    why = eng.ask("深南电路为什么停牌？")
    assert "停牌" in why.answer.split("\n")[0] and "synthetic-20251219-suspension" in {
        c.id for c in why.citations
    }
    which = eng.ask("Which constituent of 562340's index was suspended today?")
    assert "Shennan Circuits (002916, no trades, contribution 0.00 pp" in which.answer  # one parenthesis
    assert any(
        f.name == "constituent_contribution_pp" and f.subject == "002916" and f.value == 0
        for f in which.facts
    )


# ---------------------------------------------------------------------------------------- answer quality


def test_move_states_premium_and_period_scale_change(answers):
    zh = answers["为什么560500今天上涨？"]
    para = next(line for line in zh.answer.split("\n") if line.startswith("**溢价与资金**"))
    for s in (
        "收盘价相对IOPV溢价0.09%",
        "2025年12月9日至2026年1月9日",
        "1,600.00万份",
        "规模增加5,266.00万元",
        "规模按份额×收盘价估算",
    ):
        assert s in para, para
    names = {(f.name, f.subject) for f in zh.facts}
    assert {("etf_premium_pct", "560500"), ("etf_scale_change_yuan", "560500")} <= names
    en = answers["Why did 560500 rise today?"]
    para = next(line for line in en.answer.split("\n") if line.startswith("**Premium and flows**"))
    for s in (
        "0.09% premium to IOPV",
        "From 2025-12-09 to 2026-01-09",
        "16.00 million units",
        "52.66 million yuan",
        "scale = units × close",
    ):
        assert s in para, para
    assert _strict(zh) and _strict(en)


def test_move_states_discount_and_premium_change_when_known(engine, monkeypatch):
    from assistant.analysis.figures import Figure

    real = engine.toolbox.explain_move

    def patched(*args, **kwargs):
        res = real(*args, **kwargs)
        day = res.trade_date
        facts = [f for f in res.facts if f.name != "etf_premium_pct"] + [
            Figure("etf_premium_pct", res.etf, -0.123, "%", day, "fund_etf_spot_em"),
            Figure("etf_premium_change_pp", res.etf, -0.05, "pp", day, "fund_etf_spot_em"),
        ]
        return res.model_copy(update={"facts": facts})

    monkeypatch.setattr(engine.toolbox, "explain_move", patched)
    zh = engine.ask("为什么560500今天上涨？")
    assert "收盘价相对IOPV折价0.12%" in zh.answer and "溢价率较前一交易日下降0.05个百分点" in zh.answer, (
        zh.answer
    )
    en = engine.ask("Why did 560500 rise today?")
    assert "0.12% discount to IOPV" in en.answer and "down 0.05 pp from the previous day" in en.answer, (
        en.answer
    )
    assert any(f.name == "etf_premium_change_pp" for f in en.facts)


def test_figures_join_the_label_parenthesis(answers):
    zh = answers["为什么560500今天上涨？"].answer
    en = answers["Why did 560500 rise today?"].answer
    assert "浙江鼎力（603338，-0.03个百分点）" in zh and "（603338）（" not in zh
    assert "Zhejiang Dingli Machinery (603338, -0.03 pp)" in en and "(603338) (" not in en


def test_how_is_it_built_gives_the_structured_methodology(engine):
    zh = engine.ask("中证500质量成长指数是怎么编制的？")
    for s in (
        "**样本空间**",
        "000905",
        "**选样方法**",
        "剔除市盈率（TTM）为负的证券",
        "盈利能力（ROE）",
        "财务杠杆（Leverage）",
        "**样本数量**",
        "100只",
        "**加权方式**",
        "每半年调整一次",
        "第二个星期五",
        "2004年12月31日",
        "1000点",
    ):
        assert s in zh.answer, (s, zh.answer)
    assert [c.id for c in zh.citations] == ["csi-930939-methodology"]
    quote = zh.citations[0].quote
    assert (
        "中证500指数（000905）的样本。" in quote
        and "指数以2004年12月31日为基日" in quote
        and "100只。" in quote
    )
    assert "两次定期调整之间" not in zh.answer  # the timing clause, not every rebalancing rule
    assert _strict(zh), zh.answer
    en = engine.ask("How is the CSI 500 Quality Growth index built?")
    for s in (
        "**Universe**",
        "000905",
        "**Screens",
        "**Factors",
        "ROE",
        "**Number of constituents**",
        "**Weighting**",
        "**Rebalancing**",
        "second Friday of June and December",
        "2004-12-31",
    ):
        assert s in en.answer, (s, en.answer)
    assert [c.id for c in en.citations] == ["csi-930939-methodology-en"] and _strict(en), en.answer


def test_specific_methodology_questions_stay_specific(engine):
    base = engine.ask("基日是哪天")
    assert "2004年12月31日" in base.answer and "样本空间" not in base.answer and "ROE" not in base.answer
    often = engine.ask("How often is the CSI 500 Quality Growth index rebalanced?")
    assert (
        "semi-annual" in often.answer and "Universe" not in often.answer and "Base date" not in often.answer
    )
    pick = engine.ask("中证500质量成长指数怎么选股？")
    assert "剔除" in pick.answer and "ROE" in pick.answer and pick.citations[0].id == "csi-930939-methodology"
    assert "基日" not in pick.answer and _strict(pick)


def test_answers_lead_with_what_was_asked(engine):
    prem = engine.ask("560500溢价多少？")
    first = prem.answer.split("\n")[0]
    assert "溢价0.09%" in first and "1.3917" in first and _strict(prem), prem.answer  # IOPV as published
    flows = engine.ask("How much did 560500's units grow this month?")
    assert (
        flows.answer.startswith("**From 2025-12-31 to 2026-01-09")
        and "rose by 6.59 million units" in flows.answer.split("\n")[0]
        and _strict(flows)
    ), flows.answer
    cmp_ = engine.ask("560500和510500今天谁涨得多？")
    assert cmp_.answer.startswith("**无法比较**") and "510500" in cmp_.answer.split("\n")[0]
    news = engine.ask("厦门钨业有什么新闻？")
    assert "Core Viewpoint" not in news.answer  # no English excerpt in a Chinese answer


def test_fund_manager_is_answered_when_the_data_names_one(engine, monkeypatch):
    """The sample's 基金经理人 is '---' (not disclosed, said plainly); a name in the data is the answer."""
    undisclosed = engine.ask("560500的基金经理是谁？")
    assert undisclosed.answer.startswith("**本数据未披露"), undisclosed.answer
    real = engine.toolbox.fund_profile

    def named(*args, **kwargs):
        return real(*args, **kwargs).model_copy(update={"fund_managers": "王某某", "not_disclosed": []})

    monkeypatch.setattr(engine.toolbox, "fund_profile", named)
    zh = engine.ask("560500的基金经理是谁？")
    assert zh.answer.startswith("**鹏扬中证500质量成长ETF（560500）的基金经理是王某某**"), zh.answer
    en = engine.ask("Who is the portfolio manager of 560500?")
    assert "portfolio manager of Pengyang CSI 500 Quality Growth ETF (560500) is “王某某”" in en.answer, (
        en.answer
    )


@pytest.fixture(scope="module")
def multi_engine(tmp_path_factory):
    from eval.snapshots.multi import scenarios, write_merged

    return _scenario_engine(
        write_merged(scenarios(), tmp_path_factory.mktemp("multi") / "snap"), tmp_path_factory
    )


@pytest.mark.parametrize(
    ("q", "first"),
    [
        (
            "which of 562340 and 159606 had the larger outflow",
            ["Yinhua", "562340", "larger outflow", "12.40 million", "159606", "5.30 million"],
        ),
        (
            "562340和159606哪个跟踪误差更小",
            ["562340", "跟踪偏差更小", "-0.12个百分点", "159606", "-0.28个百分点"],
        ),
        (
            "Which has the higher premium, 562340 or 159606?",
            ["562340", "higher premium", "-0.06%", "159606", "-0.11%"],
        ),
        (
            "沪深300和中证500质量成长指数今天哪个表现更好",
            ["930939", "表现更好", "+0.86%", "000300", "-0.35%"],
        ),
    ],
)
def test_comparisons_lead_with_the_winner_and_both_values(multi_engine, q, first):
    a = multi_engine.ask(q)
    head = a.answer.split("\n")[0]
    assert all(s in head for s in first), a.answer
    assert check(a.answer, a.facts, [], [a.data.trade_date] + [f.as_of for f in a.facts]).ok, a.answer


def test_two_etfs_on_one_index_have_distinct_names_and_no_bare_codes(multi_engine):
    en = multi_engine.ask("Compare 562340 and 159606 today").answer.split("\n")[0]
    assert (
        "Yinhua CSI 500 Quality Growth ETF (562340)" in en
        and "E Fund CSI 500 Quality Growth ETF (159606)" in en
    )
    zh = multi_engine.ask("562340和159606今天谁涨得多").answer.split("\n")[0]
    assert "500成长ETF银华（562340）" in zh and "中证500成长ETF易方达（159606）" in zh


@pytest.mark.parametrize("q", ["Why did 560500 rise today?", "为什么560500今天上涨？"])
def test_driver_news_is_cited_under_the_stock_its_headline_names(engine, q):
    """An article headlined about one driver never appears under another stock or under the ETF."""
    from assistant.answer.offline.labels import names_of

    a = engine.ask(q)
    lex = engine.toolbox.lexicon
    section = a.answer.split("**News behind the drivers**" if q.isascii() else "**相关新闻**")[1].split(
        "\n\n"
    )[0]
    lines = [line for line in section.split("\n") if line.startswith("- ")]
    assert len(lines) >= 3, a.answer
    for line in lines:
        label, _, title = line[2:].partition("：" if not q.isascii() else ": ")
        named = [
            code
            for code in ("600549", "000987", "000657", "601168", "000831")
            if any(n in title for n in names_of(lex, code))
        ]
        if named:
            assert named[0] in label, line
