"""The lexical rules that read a question: which intent it asks, the direction its premise assumes, how many
top holdings it wants, and whether it is a follow-up or about the future.

Kept apart from `intent.py` (which assembles the `Intent` and resolves follow-ups) so that the vocabulary -- the
part that grows with every new phrasing -- can be read and extended in one place, and tested through `understand`.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from assistant.market.resolve.numerals import cn_int

IntentKind = Literal[
    "move_explanation",
    "holdings",
    "flows",
    "premium",
    "quote",
    "methodology",
    "fund_facts",
    "news",
    "comparison",
    "unknown",
]
Direction = Literal["up", "down"]
INTENTS: tuple[str, ...] = get_args(IntentKind)  # the same names at runtime, listed once

_I = re.IGNORECASE
# Checked in this order; the first that matches wins (comparison needs two securities, see below).
_RULES: list[tuple[IntentKind, re.Pattern[str]]] = [
    (
        "comparison",
        re.compile(
            r"对比|比较|相比|哪个(?:更|涨|跌)|\bvs\.?\b|versus|\bcompare|\bcompared\b|side by side", _I
        ),
    ),
    # Suspensions are answered from the day's attribution (who had no bar, what it contributed).
    ("move_explanation", re.compile(r"停牌|复牌|\bsuspen|\bhalted\b|trading halt", _I)),
    # Questions about what a company said / a rating change are news questions, whatever else they mention.
    (
        "news",
        re.compile(
            r"评级|研报|目标价|\bratings?\b|\bupgrade|\bdowngrade|target price|"
            r"\bwhat did\b.*\bsay\b|\bsaid\b|\bsays\b|announce|investor meeting|交流会|说明会|业绩会|表示了?什么|说了什么",
            _I,
        ),
    ),
    (
        "methodology",
        re.compile(
            r"how many constituents|number of constituents|\buniverse\b|样本空间|样本数量|加权方式|"
            r"权重上限|\bweighting\b|weight caps?\b|\bcap(?:s|ped)?\b.{0,30}\bweights?\b|权重.{0,6}上限|"
            r"多少只(?:成分|成份|样本)",
            _I,
        ),
    ),
    (
        "fund_facts",
        re.compile(
            r"基金合同|合同生效|跟踪(?:哪个|哪只|什么)指数|跟踪标的|"
            r"\b(?:which|what) index does|\bindex does .* track|\btracks? which index",
            _I,
        ),
    ),
    (
        "premium",
        re.compile(
            r"溢价|折价|IOPV|净值估算|\bpremium|\bdiscount\b|(?:above|below) (?:its )?(?:nav|iopv)\b", _I
        ),
    ),
    (
        "flows",
        re.compile(
            r"份额|申购|赎回|资金流|净流入|净流出|流入|流出|规模变化|规模.*(?:增|减|变)|\bflows?\b|inflow|outflow|"
            r"\bunits\b|creation|redemption|\bsubscri",
            _I,
        ),
    ),
    (
        "holdings",
        re.compile(
            r"权重|成分股|成份股|持仓|重仓|十大|前\s*[0-9一二三四五六七八九十]+\s*大|\bholdings?\b|"
            r"constituents?\b|\bweights?\b|\btop\s+(?:\d+|ten|five|three)\b(?!.*contribut)|"
            r"largest (?:stocks|positions|holdings)",
            _I,
        ),
    ),
    (
        "methodology",
        re.compile(
            r"编制|调仓|调整|调样|选样|选股|怎么选|如何选|样本空间|基日|基点|加权方式|因子|方法论|方案|"
            r"(?:指数|它)是?(?:怎么|如何|怎样)(?:构建|构造|计算)|"
            r"methodolog|rebalanc|reconstitut|selection|base date|base value|weighting|"
            r"factor|how is .* (?:built|constructed|calculated)|\brules?\b",
            _I,
        ),
    ),
    (
        "fund_facts",
        re.compile(
            r"管理人|托管|费率|管理费|成立|基金经理|比较基准|基金公司|基金概况|谁管理|资产规模|"
            r"\bmanagers?\b|managed by|who manages|custodian|\bfees?\b|expense|inception|launched|"
            r"benchmark|fund facts|profile|\baum\b|fund size|how big is the fund|基金规模|规模多大",
            _I,
        ),
    ),
    (
        "news",
        re.compile(r"新闻|消息|资讯|报道|公告|利好|利空|\bnews\b|headlines?|articles?|reports? about", _I),
    ),
]
_WHY = re.compile(
    r"为什么|为何|为啥|原因|怎么回事|驱动|推动|带动|拉动|贡献|拖累|归因|解释|跟踪偏差|跟踪误差|跑赢|跑输|"
    r"tracking (?:difference|error)|\bbeat\b|outperform|underperform|\bwhy\b|\bexplain|driv|contribut|\bcause|"
    r"what (?:moved|happened)|behind",
    _I,
)
_QUOTE = re.compile(
    r"价格|股价|收盘|开盘|最新价|多少钱|报价|行情|成交量|成交额|换手|涨了多少|跌了多少|涨跌幅|涨幅是|跌幅是|"
    r"\bprice\b|\bclose[ds]?\b|\bquote\b|\bvolume\b|turnover|how much did|trading at",
    _I,
)
_MOVE = re.compile(
    r"涨|跌|走高|走低|拉升|回调|表现|\brise\b|\brose\b|\brisen\b|\bfell\b|\bfall|\bdrop|\bgain|\bdecline|"
    r"\bjump|\bsurg|\brall|\bclimb|\bslump|\bslid|\btumbl|\bmove[ds]?\b|perform",
    _I,
)
_UP = re.compile(
    r"(?<!下)(?:上涨|大涨|涨停|走高|拉升|飘红|反弹|涨)(?!跌)|\brise\b|\brose\b|\brisen\b|\brising\b|\bgain(?:ed|s)?\b|"
    r"\bjump(?:ed|s)?\b|\bsurg(?:e|ed|es)\b|\brall(?:y|ied)\b|\bclimb(?:ed|s)?\b|\bgo up\b|\bgo(?:ne)? up\b|"
    r"\bup\b|\bhigher\b",
    _I,
)
_DOWN = re.compile(
    r"(?<!涨)(?:下跌|大跌|跌停|走低|下挫|跳水|回调|跌)|\bfall(?:s|en|ing)?\b|\bfell\b|\bdrop(?:ped|s)?\b|"
    r"\bdecline[ds]?\b|\bslump(?:ed)?\b|\bslid(?:e)?\b|\btumbl(?:e|ed)\b|\bdown\b|\blower\b|\blos[et]\b",
    _I,
)
_BOTH = re.compile(r"涨跌|\bup or down\b|\brise or fall\b", _I)
_EN_N = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "twenty": 20,
}  # fmt: skip
_EN_COUNT = r"\d{1,3}|" + "|".join(_EN_N)  # not a 6-digit code ("which 159606 ...")
# How many items a list question wants: "前十大", "top 3", "哪三只", "拖累最大的5只", "which three", "the 5 biggest".
_TOP_N = re.compile(
    r"前\s*([0-9]+|[一二三四五六七八九十]+)\s*(?:大|名|只|位)?|"
    rf"\btop\s+({_EN_COUNT})\b|"
    r"([0-9]+|[一二三四五六七八九十]+)\s*大(?:权重|成分|重仓)|"
    r"哪\s*([0-9]+|[一二两三四五六七八九十]+)\s*(?:只|个|支|家)|"
    r"最(?:大|多|小|少)的\s*([0-9]+|[一二两三四五六七八九十]+)\s*(?:只|个|支|家)|"
    rf"\bwhich\s+({_EN_COUNT})\b|"
    rf"\b({_EN_COUNT})\s+(?:biggest|largest|worst|best|top|leading)\b",
    _I,
)
FOLLOWUP = re.compile(
    r"^\s*(?:那|那么|那么说|还有|再看看|换成)|呢[？?\s]*$|^\s*(?:and|what about|how about|and how about|"
    r"same for|now)\b|^\s*(?:它|它的|其)|\b(?:it|its|that one|this one)\b",
    _I,
)
FUTURE = re.compile(
    r"明天|明日|下周|下个月|后天|将来|会涨吗|会跌吗|会不会涨|会不会跌|\btomorrow\b|\bnext (?:week|month|year)\b|"
    r"\bwill (?:it|\d{6}|the etf) (?:rise|fall|go up|go down)",
    _I,
)


def classify(text: str, n_securities: int) -> tuple[IntentKind, bool]:
    for kind, pattern in _RULES:
        if pattern.search(text):
            if kind == "comparison" and n_securities < 2:
                continue
            return kind, True
    if n_securities >= 2 and re.search(r"和|与|跟(?!踪)|\band\b|,|、", text) and _MOVE.search(text):
        return "comparison", True
    if _WHY.search(text):
        return "move_explanation", True
    if _QUOTE.search(text):
        return "quote", True
    if _MOVE.search(text):
        return "move_explanation", True
    return "move_explanation", False  # a bare code: the analyst's note on its day is the best default


def premise(text: str) -> Direction | None:
    if _BOTH.search(text):
        return None
    up, down = _UP.search(text), _DOWN.search(text)
    if up and not down:
        return "up"
    if down and not up:
        return "down"
    if up and down:
        return "up" if up.start() < down.start() else "down"
    return None


def top_n(text: str) -> int | None:
    m = _TOP_N.search(text)
    if not m:
        return None
    raw = next(g for g in m.groups() if g)
    return _EN_N[raw.lower()] if raw.lower() in _EN_N else cn_int(raw)


__all__ = ["FOLLOWUP", "FUTURE", "INTENTS", "Direction", "IntentKind", "classify", "premise", "top_n"]
