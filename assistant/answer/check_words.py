"""The words the sentence check reads: measures, directions, sources, methodology, refusals and forecasts.

Kept apart from the check itself (check.py) so each vocabulary is in one place; both languages side by side.
A clause is the span between separators (，,、：:（）() and/while/but/而/但): a measure or direction word binds
only the numbers of its own clause.
"""

from __future__ import annotations

import re

CLAUSE = re.compile(r"[，,、：:（）()]|\band\b|\bwhile\b|\bbut\b|而|但")

MEASURES: dict[str, tuple[str, ...]] = {  # fact-name fragments of each measure (first match wins)
    "tracking": ("tracking", "difference"),
    "contribution": ("contribution",),
    "explained": ("top_n_share",),
    "weight": ("weight",),
    "premium": ("premium", "discount"),
    "trading": ("volume", "amount", "turnover"),
    "flows": ("units", "scale"),
    "price": ("price", "iopv", "close"),
    "return": ("return",),
}
MEASURE_WORDS: dict[str, re.Pattern[str]] = {
    "contribution": re.compile(
        r"贡献|拉动|拖累|\bcontribut\w*|\badded\b|\bdragged\b|\bpulled\b", re.IGNORECASE
    ),
    "weight": re.compile(r"权重|占比|比重|合计占|weigh\w*|account\w* for", re.IGNORECASE),
    "explained": re.compile(r"解释|explain\w*", re.IGNORECASE),
    "trading": re.compile(r"成交|换手|volume|turnover|traded", re.IGNORECASE),
    "price": re.compile(r"价格|收盘价?|现价|最新价|净值|IOPV|price|clos\w*|NAV", re.IGNORECASE),
    "premium": re.compile(r"溢价|折价|premium|discount", re.IGNORECASE),
    "tracking": re.compile(r"跟踪|偏差|tracking|difference", re.IGNORECASE),
    "flows": re.compile(
        r"份额|申购|赎回|净流入|净流出|规模|units?\b|creations?|redemptions?|inflows?|outflows?|"
        r"scale|AUM",
        re.IGNORECASE,
    ),
    "return": re.compile(
        r"涨幅|跌幅|上涨|下跌|涨|跌|收益|回报|returns?|\brose\b|\brise[sn]?\b|\bfell\b|\bfall(?:en|s)?\b|"
        r"\bgain\w*|\bdeclin\w*|\bdropp?\w*|\bup\b|\bdown\b",
        re.IGNORECASE,
    ),
}
UP = re.compile(
    r"上涨|上升|走高|涨|升|增加|增长|增|流入|溢价|跑赢|\brose\b|\brise[sn]?\b|\bup\b|\bgain\w*|\bincreas\w*|"
    r"\bhigher\b|inflows?|premium|ahead of|\boutperform\w*|\badded\b",
    re.IGNORECASE,
)
DOWN = re.compile(
    r"下跌|下降|走低|跌|降|减少|减|流出|折价|跑输|拖累|\bfell\b|\bfall(?:en|s)?\b|\bdown\b|\bdropp?\w*|\blost\b|"
    r"\bdeclin\w*|\bdecreas\w*|\blower\b|outflows?|discount|behind|\bunderperform\w*|\blagg?\w*|\bdragged\b",
    re.IGNORECASE,
)
BOTH = re.compile(r"涨跌幅?|升降|增减|ups? and downs?", re.IGNORECASE)
SOURCE_WORDS = re.compile(
    r"新闻|报道|消息|公告|据.{0,6}(?:称|显示)|资料显示|\bnews\b|reported|reports?\b|article|"
    r"announce\w*|according to",
    re.IGNORECASE,
)
ABSTAIN = re.compile(
    r"没有数据|无数据|未披露|没有检索到|暂无|无法|no data|not disclosed|not found|no news|"
    r"cannot|does not (?:have|contain)",
    re.IGNORECASE,
)
METHOD = re.compile(
    r"调整|调样|选样|样本|加权|权重上限|基日|基点|编制|方法|管理人|托管人|费率|管理费|托管费|成立|"
    r"上市日|业绩基准|比较基准|rebalanc\w*|selection|methodolog\w*|weighting|base date|base value|"
    r"fund manager|custodian|fees?\b|inception|listed on|benchmark",
    re.IGNORECASE,
)


FORECAST = re.compile(
    r"明天|明日|下周|下个?月|未来|将会|将要|会[涨跌]|有望|预计|预期|看涨|看跌|建议|买入|卖出|加仓|减仓|抄底|"
    r"tomorrow|next (?:week|month|session)|will (?:likely )?(?:rise|fall|go|climb|drop|gain|keep)|"
    r"(?:is|are) (?:likely|expected) to|forecast\w*|predict\w*|should (?:buy|sell|add)|recommend\w*|"
    r"good time to (?:buy|sell)",
    re.IGNORECASE,
)
"""A forecast or advice: the answer reports data, so only a refusal may use these words."""
REFUSAL = re.compile(
    r"不做预测|不预测|无法预测|不提供.{0,6}建议|不构成.{0,6}建议|无法回答|不能回答|"
    r"(?:do not|don't|cannot|can't|won't) (?:give|make|offer|provide|predict|forecast|answer)|"
    r"not (?:investment )?advice",
    re.IGNORECASE,
)


def measure_of(name: str) -> str | None:
    return next((m for m, parts in MEASURES.items() if any(p in name for p in parts)), None)


def clause_start(text: str, pos: int) -> int:
    starts = [m.end() for m in CLAUSE.finditer(text, 0, pos)]
    return starts[-1] if starts else 0


def clause_end(text: str, pos: int) -> int:
    m = CLAUSE.search(text, pos)
    return m.start() if m else len(text)


def direction(window: str) -> int:
    """+1/-1 from the direction word nearest the window's end; 0 when none (or an ambiguous 涨跌)."""
    window = BOTH.sub(" " * 2, window)
    best: tuple[int, int] = (-1, 0)
    for pattern, sign in ((UP, 1), (DOWN, -1)):
        for m in pattern.finditer(window):
            if m.end() > best[0]:
                best = (m.end(), sign)
    return best[1]


def measures_near(text: str, a: int, b: int, lo: int) -> set[str]:
    """Measures named between the number's subject (or clause start) `lo` and the number, plus the nearest
    one right after it in its clause ("1.60%的涨幅")."""
    hi = clause_end(text, b)
    found = {name for name, p in MEASURE_WORDS.items() if p.search(text, lo, a)}
    after = [(m.start(), name) for name, p in MEASURE_WORDS.items() for m in p.finditer(text, b, hi)]
    if after:
        found.add(min(after)[1])
    return found


UNSIGNED = {"explained", "weight", "price", "trading"}


def direction_after(text: str, end: int) -> int:
    """ "1.60%的涨幅" / "3% decline": a direction word right after the number, within its clause."""
    return direction(text[end : min(clause_end(text, end), end + 6)])


__all__ = [
    "ABSTAIN",
    "BOTH",
    "CLAUSE",
    "DOWN",
    "FORECAST",
    "MEASURES",
    "MEASURE_WORDS",
    "METHOD",
    "REFUSAL",
    "SOURCE_WORDS",
    "UNSIGNED",
    "UP",
    "clause_end",
    "clause_start",
    "direction",
    "direction_after",
    "measure_of",
    "measures_near",
]
