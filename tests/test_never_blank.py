"""Never blank: whatever is asked, the answer's first line answers or says plainly why it cannot -- the grounding
check may drop a line it cannot back, but never every line. Over generated phrasings here; over every eval
question in tests/test_eval_gate.py."""

from __future__ import annotations

import itertools

SUBJECTS_ZH = ["560500", "500质量成长ETF", "鹏扬中证500质量成长ETF", "它"]
ASKS_ZH = [
    "今天涨了多少",
    "为啥涨",
    "这个月表现咋样",
    "前十大权重股",
    "份额变化多少",
    "溢价率多少",
    "谁领涨",
    "值得买吗",
    "明天会涨吗",
    "1月2日涨了多少",
    "前一天呢",
    "跑赢指数了吗",
]
SUBJECTS_EN = ["560500", "the CSI 500 Quality Growth ETF", "it"]
ASKS_EN = [
    "how much did {} gain today",
    "why did {} go up",
    "{} month to date?",
    "top holdings of {}",
    "units change of {}",
    "{} premium",
    "who led {} today",
    "should I buy {}",
    "will {} rise tomorrow",
    "{} on Jan 2",
    "{} the day before?",
    "did {} beat its index this week",
]
ODD = [
    "?",
    "？？",
    "560500",
    "56050",
    "hi",
    "谢谢",
    "🙂",
    "Dec 31",
    "2026-01-02",
    "the runner-up",
    "那第二个呢",
    "what about yesterday",
    "560500 560500 560500",
    "asdfgh",
    "1+1=?",
]


def phrasings() -> list[str]:
    zh = [f"{s}{a}" for s, a in itertools.product(SUBJECTS_ZH, ASKS_ZH)]
    en = [a.format(s) for s, a in itertools.product(SUBJECTS_EN, ASKS_EN)]
    return zh + en + ODD


def body(text: str) -> list[str]:
    """The answer's lines before its source line."""
    lines = [line for line in text.split("\n") if line.strip()]
    return [line for line in lines if not line.startswith(("数据来源：", "Source: "))]


def test_no_generated_phrasing_gets_a_blank_answer(engine):
    blank = []
    context = None
    for q in phrasings():
        answer, context = engine.offline.answer(q, context)  # one long conversation: follow-ups included
        if not body(answer.answer):
            blank.append(q)
    assert not blank, blank
