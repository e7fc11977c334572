"""The words that say what a clause asks (zh and en): advice, forecasts, leaders and laggards, industries,
the index, tracking, returns, 'why', ordinals ('the runner-up', '排第三'), and where a question splits."""

from __future__ import annotations

import re

I = re.IGNORECASE
ADVICE = re.compile(
    r"值得买|值得入手|能买吗|可以买|该买|要不要买|买入吗|卖出吗|该卖|要不要卖|可以卖|加仓|减仓|抄底|建仓|上车|"
    r"投资建议|推荐买|适合买|能不能买|good time to (?:buy|add|sell|get in)|should i (?:buy|sell|add|hold|get)|"
    r"worth (?:buying|it)|time to (?:sell|buy)|\badd more\b|\bbuy more\b|recommend|a good buy",
    I,
)
FORECAST = re.compile(
    r"明天|明日|下周|下个月|后天|将来|未来|会涨吗|会跌吗|会不会涨|会不会跌|预测|走势如何|还会涨|还会跌|"
    r"\btomorrow\b|\bnext (?:week|month|year)\b|\bforecast|\bpredict|\boutlook\b|\bwill (?:it|\d{6}|the etf)"
    r" (?:rise|fall|go up|go down|keep)",
    I,
)
# "the top 3 contributors", "贡献最大的前五只": a ranked list, not one stock.
LEADERS = re.compile(
    r"\btop\s+(?:\d+|two|three|four|five|ten)\s+(?:contributors|(?:gainers|risers|stocks|names|holdings|"
    r"constituents)\b.{0,30}\bcontribut)|\b(?:biggest|largest)\s+contributors\b|"
    r"贡献最大的(?:前)?[0-9一二三四五六七八九十几]+只|前[0-9一二三四五六七八九十]+大?贡献",
    I,
)
LEADER = re.compile(
    r"谁领涨|领涨的?是|哪只领涨|领涨|谁涨得?最多|涨得?最多的|贡献最大|最大(?:的)?贡献|谁贡献最多|"
    r"who led|led the (?:gain|rise|rally|move)|top contributor|biggest contributor|largest contributor|"
    r"contributed the most|best performer|\bhelped\b.{0,30}\bmost\b",
    I,
)
LAGGARD = re.compile(
    r"谁领跌|领跌|拖累.{0,12}最大|最大的?拖累|拖后腿最多的?(?:股|成分)|跌得?最多的(?:股|成分|那只)|"
    r"who led the (?:fall|decline|drop)|biggest drag|worst performer|"
    r"\b(?:drag(?:ged)?|hurt|weighed)\b.{0,30}\bmost\b|\b(?:pull|drag)(?:ed|ing|s)?\b.{0,30}\bdown\b.{0,12}\bmost\b",
    I,
)
# "Which holdings dragged it?", "哪些成分股拖累了它": the drags, a ranked list (no superlative: not one name).
HOLDINGS = r"(?:stocks|holdings|constituents|names|shares|components)"
LAGGARDS = re.compile(
    rf"\bwhich\s+(?:of\s+(?:its|the)\s+)?{HOLDINGS}\b.{{0,30}}(?:\bdrag|\bhurt|\bweigh|\bpull(?:ed|ing|s)?\b.{{0,30}}\bdown\b)|"
    r"哪些(?:成分股|持仓|股票|个股|成份股).{0,8}(?:拖累|拖后腿)|(?:拖累|拖后腿).{0,8}(?:的)?(?:成分股|持仓|股票|个股)?(?:有|是)哪些",
    I,
)
SECTOR = r"(?:板块|行业|sector|industry|industries)"
LAGGING_SECTOR = re.compile(
    rf"(?:哪个|哪些){SECTOR}.{{0,8}}(?:拖后腿|拖累|跌得?最多|最差)|拖后腿最多的?{SECTOR}|"
    rf"which {SECTOR}.{{0,30}}(?:drag|weigh|hurt|worst|lagg|\bpull(?:ed|ing|s)?\b.{{0,30}}\bdown\b)",
    I,
)
LEADING_SECTOR = re.compile(
    rf"(?:哪个|哪些){SECTOR}.{{0,8}}(?:领涨|涨得?最多|贡献最大|最强)|"
    rf"which {SECTOR}.{{0,30}}(?:led|best|most|strongest)",
    I,
)
INDUSTRY_OF = re.compile(
    r"哪个(?:板块|行业)的?|属于什么(?:板块|行业)|什么(?:板块|行业)|which (?:sector|industry) (?:was|is) "
    r"(?:that|it|this)|what (?:sector|industry)",
    I,
)
INDEX = re.compile(
    r"\bindex\s+(?:do|did|move|moved|rise|rose|fall|fell|return|perform)|"
    r"what did the (?:underlying )?index|(?:跟踪的|标的)?指数(?:今天|昨天)?(?:涨了|跌了|表现|涨跌|怎么样|收益)",
    I,
)
TRACKING = re.compile(
    r"跟踪偏差|跟踪误差|跑赢|跑输|\btrail(?:ed)?\b|\blag(?:ged)?\b|\bbeat\b|outperform|underperform|"
    r"tracking (?:difference|error)|跟指数比|和指数比|与指数比|相对指数|相比指数|比指数|"
    r"(?:against|versus|vs\.?|relative to|compared (?:with|to)) (?:its|the) (?:index|benchmark)",
    I,
)
# "最近一周…怎么样": how it did, asked of a period (too broad for RETURN, which also sees small talk).
HOW = re.compile(r"怎么样|如何|咋样|表现|how (?:has|have|did|is|was)\b", I)
RETURN = re.compile(
    r"涨了?多少|跌了?多少|涨幅|跌幅|收益|回报|表现|涨跌|\breturn|\bgain|\bperform|how (?:much )?did .* do\b|\bdone\b|\bdoing\b|"
    r"\bdo\b|\bup\b|\bdown\b|涨|跌|\brise|\brose|\bfell|\bfall",
    I,
)
WHY = re.compile(
    r"为什么|为何|为啥|原因|怎么回事|驱动|推动|带动|拉动|归因|解释|\bwhy\b|\bexplain|\bdriv|\bdrove|\bcause|"
    r"what (?:moved|happened|pushed|lifted|sent|dragged|pulled)|behind",
    I,
)
# A question about what moved it (not only how much): answered with the full explanation.
EXPLAIN = re.compile(
    WHY.pattern + r"|贡献|拖累|停牌|复牌|行业|板块|相对|contribut|suspen|halt|industr|sector|hurt|"
    r"\bweigh|dragg?",
    I,
)
ORDINAL = re.compile(
    r"runner[- ]?up|\bsecond\b|\bthird\b|\bfourth\b|\bfifth\b|\b([1-9])(?:st|nd|rd|th)\b|"
    r"第\s*([二三四五六七八九十2-9])|排(?:名)?第?\s*([二三四五2-5])|老([二三])",
    I,
)
EN_ORD = {"runner": 2, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
ZH_ORD = {"二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
SPLIT = re.compile(
    r"[？?；;。!！]+|[、，,]\s*|\s+and\s+(?=(?:who|what|which|how|did|is|was)\b)|以及|还有|另外|同时", I
)
# What a comparison of two ETFs (or indices) compares, and which way wins.
COMPARE_TRACKING = re.compile(
    r"跟踪误差|跟踪偏差|跟得(?:更)?紧|跟踪(?:得)?(?:更)?好|tracking (?:difference|error)|tracks? .{0,20}closer|"
    r"tracked .{0,20}(?:closer|more closely)|track(?:ed|s)? (?:the |its |their )?index(?:es)? (?:better|closer)",
    I,
)
COMPARE_PREMIUM = re.compile(r"溢价|折价|IOPV|\bpremium|\bdiscount", I)
COMPARE_FLOWS = re.compile(
    r"份额|申购|赎回|资金流|流入|流出|\bflows?\b|inflow|outflow|\bunits\b|creation|redemption|redeemed", I
)
COMPARE_SCALE = re.compile(r"规模|\bsize\b|\baum\b|assets|(?:bigger|larger) fund|more assets", I)
COMPARE_WEIGHT = re.compile(r"权重|占比|\bweigh|weight", I)
COMPARE_CONTRIBUTION = re.compile(
    r"贡献|拖累|拖后腿|\bdrag|\bhurt|contribut|\bhelped\b|\badded\b|weighed on", I
)
COMPARE_WORDS = re.compile(r"对比|比较|相比|\bvs\.?\b|versus|\bcompar|谁|哪个|哪只|\bwhich\b|\bwho\b", I)
FELL_MORE = re.compile(
    r"跌得?更?多|跌幅更?大|表现更差|(?:fell|dropped|lost|declined) (?:more|the most)|did worse", I
)
DRAG = re.compile(r"拖累|拖后腿|\bdrag|\bhurt|weighed on|\bpull(?:ed|ing|s)?\b.{0,30}\bdown\b", I)
OUTFLOW = re.compile(r"流出|赎回|outflow|redemption|redeemed|\blost\b", I)
DISCOUNT = re.compile(r"折价|\bdiscount", I)
DAY_BEFORE = re.compile(
    r"前一天|前一日|再前一天|上一个交易日呢|\bthe day before\b|\bday before that\b|"
    r"\bthe previous (?:day|session)\b",
    I,
)
GREETING = re.compile(r"^\s*(?:hi|hello|hey|你好|您好|嗨|在吗|thanks|thank you|谢谢)[\s!！。.?？]*$", I)
