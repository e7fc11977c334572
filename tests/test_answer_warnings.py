"""Every warning about the data served for an answer reaches it: in `Answer.warnings` and in the text, in the
answer's language, digits included (attached after grounding). Before, `ask` dropped what `explain` computed."""

from __future__ import annotations

import re

import pytest
from snapshot_factory import build_snapshot

from assistant.caveats import attach, collecting, localise, report
from assistant.config import Settings
from assistant.engine import Engine

DAY = re.compile(r"No bar on (\d{4}-\d{2}-\d{2}) \(suspended\?\) for (\d{6})")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    root = tmp_path_factory.mktemp("warn")

    def suspend_one(
        frames: dict,
    ) -> None:  # one constituent without a bar on the trade date: a warning to carry
        name = next(n for n in frames if n.startswith("stock_zh_a_hist_"))
        function, params, df = frames[name]
        frames[name] = (function, params, df.iloc[:-1])

    snap = build_snapshot(root, edit_frames=suspend_one)
    return Engine(Settings(snapshot=snap, store=root / "store", embedder="hash:64"), progress=False)


@pytest.mark.parametrize(
    ("question", "lang", "header"),
    [("为什么560500今天上涨？", "zh", "数据提示"), ("Why did 560500 rise today?", "en", "Data warnings")],
)
def test_move_answer_carries_the_explanation_warnings(
    engine: Engine, question: str, lang: str, header: str
) -> None:
    answer = engine.ask(question)
    assert answer.language == lang
    suspended = [w for w in answer.warnings if DAY.search(w)]
    assert suspended, answer.warnings
    assert header in answer.answer
    day, code = DAY.search(suspended[0]).groups()  # type: ignore[union-attr]
    assert day in answer.answer and code in answer.answer  # the digits of the warning survive grounding
    if lang == "zh":
        assert "可能停牌" in answer.answer and "suspended" not in answer.answer


def test_streamed_answers_carry_them_too(engine: Engine) -> None:
    """The API streams through `ask_stream`, each step on whichever thread resumes it: the warnings are still
    collected, and the pieces still join to the answer's text."""
    from concurrent.futures import ThreadPoolExecutor

    items = engine.ask_stream("Why did 560500 rise today?")
    with ThreadPoolExecutor(4) as pool:  # every step on a fresh thread, as the API's threadpool does
        out = []
        while (item := pool.submit(next, items, None).result()) is not None:
            out.append(item)
    *pieces, answer = out
    assert any(DAY.search(w) for w in answer.warnings), answer.warnings
    assert "".join(pieces) == answer.answer and "Data warnings" in answer.answer


def test_collection_is_per_answer_and_deduplicated() -> None:
    report("outside any answer: dropped")
    with collecting() as first:
        report("w1", "w1", "w2")
        with collecting() as inner:
            report("w3")
        assert inner is first
    assert first == ["w1", "w2", "w3"]
    with collecting() as second:
        pass
    assert second == []
    assert localise("something new", "zh") == "something new（原文）"


def test_attach_keeps_existing_and_skips_text_already_said() -> None:
    from assistant.answer.schema import Answer, DataInfo

    a = Answer(
        question="q",
        answer="No bar on 2026-01-09 (suspended?) for 600549: counted as 0 return.",
        language="en",
        warnings=["old"],
        data=DataInfo(origin="s", as_of="x", trade_date="2026-01-09"),
    )
    b = attach(a, ["old", "No bar on 2026-01-09 (suspended?) for 600549: counted as 0 return."])
    assert b.warnings == ["old", "No bar on 2026-01-09 (suspended?) for 600549: counted as 0 return."]
    assert b.answer == a.answer


def _set_first(prefix: str, column: str, value: float):  # type: ignore[no-untyped-def]
    def edit(frames: dict) -> None:
        name = next(n for n in sorted(frames) if n.startswith(prefix))
        function, params, df = frames[name]
        df = df.astype(object)
        df.iloc[0, df.columns.get_loc(column)] = value
        frames[name] = (function, params, df)

    return edit


@pytest.mark.parametrize(
    ("prefix", "column", "value", "question", "said"),
    [
        # 万份 read as 份 (x10000 and more): "-100.00%, net redemptions" was stated without a caveat
        (
            "fund_etf_scale_sse_",
            "基金份额",
            5e14,
            "560500最近一个月份额变化了多少？",
            "份额不会成数量级地变化",
        ),
        # a spot price x100: "溢价9818.76%" was stated without a caveat
        ("fund_etf_spot_em", "最新价", 105.0, "560500今天的溢价率是多少？", "该溢价率不可靠"),
        ("fund_etf_spot_em", "最新价", 105.0, "Why did 560500 rise today?", "the premium is not reliable"),
    ],
)
def test_units_jumps_and_premiums_beyond_arbitrage_are_warned(
    tmp_path_factory: pytest.TempPathFactory, prefix: str, column: str, value: float, question: str, said: str
) -> None:
    root = tmp_path_factory.mktemp("bad")
    snap = build_snapshot(root, edit_frames=_set_first(prefix, column, value))
    eng = Engine(Settings(snapshot=snap, store=root / "store", embedder="hash:64"), progress=False)
    answer = eng.ask(question)
    assert answer.warnings and said in answer.answer, (answer.warnings, answer.answer)
