"""The question plan: which measures a question asks, in order, and how follow-ups resolve against the previous
turn's context (subjects, day, ranked lists shown)."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.answer.plan import make_plan


def plan(env, q, ctx=None):
    lex, t, days, universe = env
    return make_plan(q, lex, t, days, ctx, universe=universe)


@pytest.mark.parametrize(
    ("q", "measures"),
    [
        ("为什么560500今天上涨？", ["move"]),
        ("Why did 560500 rise today?", ["move"]),
        ("How did 560500 do yesterday?", ["day_return"]),
        ("560500昨天涨跌多少？", ["day_return"]),
        ("560500今天收盘多少、谁领涨、申购了多少份？", ["quote", "rank", "flows"]),
        ("What's 560500's premium to IOPV, and who manages it?", ["premium", "fund_fact"]),
        ("Who manages 560500 and how often is its index rebalanced?", ["fund_fact", "methodology"]),
        ("560500的基金经理是谁？指数多久调整一次样本？", ["fund_fact", "methodology"]),
        ("560500这个月涨了多少？", ["period_return"]),
        ("How much is 560500 up month-to-date?", ["period_return"]),
        ("what's 560500's return over the last 3 trading days?", ["period_return"]),
        ("560500这个月跑赢指数了吗？", ["tracking"]),
        ("By how much did 560500 trail the benchmark today?", ["tracking"]),
        ("What did the underlying index of 560500 do today?", ["index_return"]),
        ("159919今天哪个板块拖后腿最多", ["rank"]),
        ("Is it a good time to add more 560500?", ["advice"]),
        ("560500现在值得买入吗？", ["advice"]),
        ("Will 560500 go up tomorrow?", ["forecast"]),
        ("今天天气怎么样？", ["off_topic"]),
        ("Tell me a joke.", ["off_topic"]),
        ("hello", ["greeting"]),
        ("你好", ["greeting"]),
        ("560500的前十大权重股是哪些？", ["weights"]),
        ("中证500质量成长指数多久调整一次样本？", ["methodology"]),
        ("厦门钨业最近有什么新闻？", ["news"]),
        ("560500最新价是多少？今天涨跌幅多少？", ["quote"]),
        (
            "what were the top 3 contributors to 560500 on Jan 7?",
            ["rank"],
        ),  # two clauses, one measure: one ask
    ],
)
def test_measures_in_the_order_asked(env, q, measures):
    assert [a.measure for a in plan(env, q).asks] == measures


def test_periods_and_dates_without_a_year(env):
    mtd = plan(env, "560500这个月涨了多少？").first.period
    assert mtd is not None and (mtd.start, mtd.end) == (dt.date(2025, 12, 31), dt.date(2026, 1, 9))
    assert plan(env, "How did 560500 do on Dec 31?").first.day == dt.date(
        2025, 12, 31
    )  # latest Dec 31 <= as_of
    assert plan(env, "560500 1月5号收盘价是多少？").first.day == dt.date(2026, 1, 5)


MOVE_CONTEXT = {
    "intent": "move_explanation",
    "measure": "move",
    "language": "en",
    "etfs": ["560500"],
    "stocks": [],
    "indices": [],
    "unknown": [],
    "date": "2026-01-09",
    "date_phrase": "today",
    "period": None,
    "shown": {"contributors": ["600549", "000987", "000657"], "industries": ["小金属", "证券"]},
    "focus": None,
}


def test_follow_ups_resolve_against_the_lists_shown(env):
    runner_up = plan(env, "and the runner-up?", MOVE_CONTEXT).first
    assert (runner_up.measure, runner_up.rank, runner_up.item) == ("rank", 2, "000987")
    third = plan(env, "排第三的那只呢？", MOVE_CONTEXT).first
    assert (third.measure, third.item) == ("rank", "000657")
    sector = plan(env, "which sector was that?", {**MOVE_CONTEXT, "focus": "000987"}).first
    assert (sector.measure, sector.item) == ("industry_of", "000987")
    context = plan(env, "and the runner-up?", MOVE_CONTEXT).context({"contributors": ["600549", "000987"]})
    assert context["focus"] == "000987" and context["shown"]["contributors"] == ["600549", "000987"]


def test_follow_ups_move_the_day_or_the_period(env):
    day_before = plan(
        env, "前一天呢？", {**MOVE_CONTEXT, "date": "2026-01-08", "measure": "day_return"}
    ).first
    assert day_before.day == dt.date(2026, 1, 7)
    month = plan(env, "那这个月呢？", {**MOVE_CONTEXT, "measure": "quote", "intent": "quote"}).first
    assert month.measure == "period_return" and month.period is not None
    after_news = plan(
        env, "What about yesterday?", {**MOVE_CONTEXT, "intent": "news", "measure": "news"}
    ).first
    assert (after_news.measure, after_news.day) == ("day_return", dt.date(2026, 1, 8))


def test_small_talk_keeps_the_thread(env):
    ctx = plan(env, "ok so should I buy some?", MOVE_CONTEXT).context()
    assert ctx["intent"] == "move_explanation" and ctx["shown"]["contributors"][0] == "600549"


def test_code_typos_with_a_wrong_length_are_read_aloud_never_a_real_other_code(env):
    assert plan(env, "56500今天涨了多少？").typo == ("56500", "560500")
    assert plan(env, "How much did 5605000 gain today?").typo == ("5605000", "560500")
    assert plan(env, "为什么510500今天上涨？").typo is None  # another ETF, not a typo
    assert plan(env, "近10000天").typo is None


@pytest.mark.parametrize(
    ("q", "compare", "direction"),
    [
        ("which of 560500 and 510500 had the larger outflow", "flows", "out"),
        ("560500和562340哪个份额流入更多？", "flows", "in"),
        ("560500和562340哪个跟踪误差更小", "tracking", None),
        ("Did 560500 or 159606 track the index better this month?", "tracking", None),
        ("Which has the higher premium, 560500 or 159606?", "premium", None),
        ("560500和562340哪个折价更多", "premium", "discount"),
        ("沪深300和中证500今天哪个表现更好", "return", None),
        ("560500 vs 510500 today", "return", None),
        ("562340和510300哪个规模大", "scale", None),
        ("厦门钨业和西部矿业谁的权重大", "weights", None),
        ("厦门钨业和越秀资本谁拖累更多？", "contribution", "drag"),
        ("Compare Xiamen Tungsten and Yuexiu Capital today", "stock_return", None),
        ("560500和510500今天谁跌得多", "return", "down"),
    ],
)
def test_comparisons_name_the_measure_compared(env, q, compare, direction):
    ask = plan(env, q).first
    assert (ask.measure, ask.compare, ask.direction) == ("comparison", compare, direction)


def test_a_follow_up_to_a_comparison_keeps_both_sides(env):
    ctx = plan(env, "560500和562340哪个跟踪误差更小").context()
    ask = plan(env, "那溢价呢？", ctx).first
    assert (
        ask.measure == "comparison"
        and ask.compare == "premium"
        and set(ask.intent.etfs) == {"560500", "562340"}
    )


def test_an_etf_and_its_own_index_is_not_a_comparison(env):
    assert plan(env, "560500今天跑赢还是跑输了指数？").first.measure == "tracking"


@pytest.mark.parametrize(
    ("q", "rank", "ranked", "count", "direction"),
    [
        ("哪三只成分股今天对560500拖累最大？", None, "laggards", 3, None),
        ("Which three holdings hurt 560500 the most today?", None, "laggards", 3, None),
        ("拖累最大的5只股票", None, "laggards", 5, None),
        ("560500今天谁拖累最大", 1, "laggards", None, None),
        ("哪两只贡献最大", None, "contributors", 2, "up"),
        ("which holding helped most", 1, "contributors", None, "up"),
        ("top 3 gainers contributing to 560500 today", None, "contributors", 3, None),
        ("560500今天贡献最大的前三只是哪些", None, "contributors", 3, None),
        ("what are the biggest contributors to 560500 today", None, "contributors", 3, None),
    ],
)
def test_a_ranked_list_carries_the_count_asked(env, q, rank, ranked, count, direction):
    first = plan(env, q).first
    assert (first.measure, first.rank, first.ranked, first.count, first.direction) == (
        "rank",
        rank,
        ranked,
        count,
        direction,
    )


def test_a_period_return_and_beat_the_index_are_one_tracking_ask_leading_with_the_return(env):
    both = plan(env, "这周表现咋样，跑赢指数没？")
    assert [(a.measure, a.with_return) for a in both.asks] == [("tracking", True)]
    assert both.first.period is not None and both.first.period.phrase == "这周"
    alone = plan(env, "560500这个月跑赢指数了吗？").first
    assert (alone.measure, alone.with_return) == ("tracking", False)
