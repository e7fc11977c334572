"""Deterministic generator of realistic distractor news (zh and en) for retrieval benchmarks and scale tests.

The distractors are about other stocks, sectors, ETFs and indices, written in the same registers as the sample's
news (market wrap, company announcement, ETF flows, index rebalance, policy), so a retriever has to use meaning,
names and codes, not just "is this finance text". Same seed -> same articles, byte for byte.

Usage: `from eval.distractors import generate_articles` (never `import eval`: it shadows the builtin).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
from pathlib import Path
from typing import Any

from assistant.market.model import CHINA_TZ

# (zh name, en name, code, zh sector, en sector)
COMPANIES = [
    ("贵州茅台", "Kweichow Moutai", "600519", "白酒", "liquor"),
    ("五粮液", "Wuliangye Yibin", "000858", "白酒", "liquor"),
    ("宁德时代", "CATL", "300750", "动力电池", "EV batteries"),
    ("比亚迪", "BYD", "002594", "新能源汽车", "electric vehicles"),
    ("招商银行", "China Merchants Bank", "600036", "银行", "banking"),
    ("中国平安", "Ping An Insurance", "601318", "保险", "insurance"),
    ("隆基绿能", "LONGi Green Energy", "601012", "光伏", "solar"),
    ("通威股份", "Tongwei", "600438", "光伏", "solar"),
    ("紫金矿业", "Zijin Mining", "601899", "有色金属", "non-ferrous metals"),
    ("洛阳钼业", "CMOC Group", "603993", "有色金属", "non-ferrous metals"),
    ("北方稀土", "China Northern Rare Earth", "600111", "稀土", "rare earths"),
    ("江西铜业", "Jiangxi Copper", "600362", "铜", "copper"),
    ("中芯国际", "SMIC", "688981", "半导体", "semiconductors"),
    ("北方华创", "NAURA Technology", "002371", "半导体设备", "chip equipment"),
    ("海康威视", "Hikvision", "002415", "安防", "security equipment"),
    ("美的集团", "Midea Group", "000333", "家电", "home appliances"),
    ("格力电器", "Gree Electric", "000651", "家电", "home appliances"),
    ("恒瑞医药", "Jiangsu Hengrui", "600276", "创新药", "innovative drugs"),
    ("迈瑞医疗", "Mindray", "300760", "医疗器械", "medical devices"),
    ("万华化学", "Wanhua Chemical", "600309", "化工", "chemicals"),
    ("中国神华", "China Shenhua", "601088", "煤炭", "coal"),
    ("长江电力", "China Yangtze Power", "600900", "水电", "hydropower"),
    ("中信证券", "CITIC Securities", "600030", "券商", "brokerage"),
    ("东方财富", "East Money", "300059", "互联网金融", "online brokerage"),
    ("立讯精密", "Luxshare Precision", "002475", "消费电子", "consumer electronics"),
    ("三一重工", "Sany Heavy Industry", "600031", "工程机械", "construction machinery"),
    ("中国中免", "China Tourism Group Duty Free", "601888", "免税", "duty-free retail"),
    ("伊利股份", "Yili Group", "600887", "乳业", "dairy"),
    ("海天味业", "Foshan Haitian", "603288", "调味品", "condiments"),
    ("京东方A", "BOE Technology", "000725", "面板", "display panels"),
    ("科大讯飞", "iFlytek", "002230", "人工智能", "artificial intelligence"),
    ("中际旭创", "Zhongji Innolight", "300308", "光模块", "optical modules"),
    ("阳光电源", "Sungrow Power", "300274", "储能", "energy storage"),
    ("汇川技术", "Inovance Technology", "300124", "工业自动化", "industrial automation"),
    ("中国船舶", "China CSSC Holdings", "600150", "船舶", "shipbuilding"),
    ("中航沈飞", "AVIC Shenyang Aircraft", "600760", "军工", "defence"),
    ("牧原股份", "Muyuan Foods", "002714", "养殖", "hog farming"),
    ("保利发展", "Poly Developments", "600048", "地产", "property"),
    ("中国石油", "PetroChina", "601857", "石油", "oil"),
    ("顺丰控股", "SF Holding", "002352", "快递物流", "logistics"),
]

# (zh name, en name, index code, ETF code, zh ETF name)
INDICES = [
    ("沪深300", "CSI 300", "000300", "510300", "沪深300ETF"),
    ("中证1000", "CSI 1000", "000852", "512100", "中证1000ETF"),
    ("科创50", "STAR 50", "000688", "588000", "科创50ETF"),
    ("创业板指", "ChiNext Index", "399006", "159915", "创业板ETF"),
    ("中证红利", "CSI Dividend", "000922", "515080", "红利ETF"),
    ("中证银行", "CSI Banks", "399986", "512800", "银行ETF"),
    ("中证光伏产业", "CSI Photovoltaic Industry", "931151", "515790", "光伏ETF"),
    ("中证全指半导体", "CSI All Share Semiconductor", "H30184", "512480", "半导体ETF"),
    ("中证医疗", "CSI Medical", "399989", "512170", "医疗ETF"),
    ("上证50", "SSE 50", "000016", "510050", "上证50ETF"),
]

SOURCES_ZH = [
    "证券时报",
    "上海证券报",
    "中国证券报",
    "财联社",
    "第一财经",
    "每日经济新闻",
    "新浪财经",
    "东方财富网",
]
SOURCES_EN = ["Reuters", "Bloomberg", "Caixin Global", "South China Morning Post", "Yicai Global"]

ZH_COMPANY = [
    (
        "{name}股价涨停，{sector}板块午后走强",
        "{date}，{sector}板块午后集体拉升，{name}（{code}）封死涨停，成交额{amount}亿元。分析人士认为，{reason}。"
        "板块内多只个股跟涨，主力资金净流入{flow}亿元。",
    ),
    (
        "{name}发布{year}年业绩预告，净利润同比增长{pct}%",
        "{name}（{code}）晚间公告，预计{year}年实现归属于上市公司股东的净利润同比增长{pct}%左右。公司表示，业绩增长主要受益于"
        "{sector}需求回暖及产品结构优化。公告发布后，多家券商上调其目标价。",
    ),
    (
        "{name}拟斥资{amount}亿元回购股份",
        "{name}（{code}）公告称，拟以集中竞价方式回购公司股份，回购金额不低于{amount}亿元，回购价格上限为每股{price}元，"
        "回购股份将用于员工持股计划。{sector}行业近期估值处于历史低位。",
    ),
    (
        "{name}股东减持计划引发关注，股价下跌{drop}%",
        "{name}（{code}）披露，持股5%以上股东计划在未来三个月内减持不超过公司总股本{small}%的股份。消息公布后，"
        "公司股价盘中一度下跌{drop}%，{sector}板块整体表现平淡。",
    ),
    (
        "北向资金净买入{name}，{sector}获机构加仓",
        "数据显示，{date}北向资金合计净买入{flow}亿元，其中{name}获净买入居前。机构认为，{reason}，"
        "{sector}龙头的配置价值正在显现。",
    ),
    (
        "{name}中标{amount}亿元大单，订单能见度提升",
        "{name}（{code}）公告，公司近日中标一项合同金额约{amount}亿元的项目，约占公司上一年度营业收入的{small}%。"
        "业内人士指出，{sector}行业景气度持续改善，龙头公司在手订单饱满。",
    ),
    (
        "{sector}板块震荡调整，{name}跌超{drop}%",
        "{date}，A股{sector}板块震荡走低，{name}（{code}）收跌{drop}%，板块内个股涨少跌多。市场人士表示，"
        "短期获利盘兑现叠加{reason2}，板块或维持震荡。",
    ),
]
ZH_MARKET = [
    (
        "A股三大指数涨跌不一，{index}收涨{pct_small}%",
        "{date}，A股三大指数涨跌不一。截至收盘，上证指数报{level}点，{index}收涨{pct_small}%，两市成交额{turnover}亿元。"
        "板块方面，{sector}、{sector2}涨幅居前，{sector3}板块回调。",
    ),
    (
        "{etfname}份额连续{n}日增长，资金借道ETF布局",
        "Wind数据显示，{etfname}（{etf}）份额已连续{n}个交易日增长，最新份额较上月末增加{units}亿份。跟踪{index}指数的ETF"
        "本周合计净流入{flow}亿元，市场人士认为资金正在借道宽基ETF进行逢低布局。",
    ),
    (
        "{etfname}出现{premium}%溢价，基金公司提示风险",
        "{etfname}（{etf}）二级市场交易价格明显高于基金份额参考净值（IOPV），{date}收盘溢价率达{premium}%。"
        "基金管理人发布公告提示投资者关注二级市场溢价风险，盲目投资可能遭受较大损失。",
    ),
    (
        "{index}指数将于{month}月调整样本，{name}拟被调入",
        "中证指数有限公司公告，{index}指数将于{month}月第二个星期五的下一交易日调整样本，{name}（{code}）等{n}只股票拟被调入，"
        "同等数量股票被调出。根据编制方案，该指数样本每季度调整一次，单个样本权重不超过{cap}%。",
    ),
    (
        "{index}指数编制方案修订：权重上限调整为{cap}%",
        "{index}指数编制方案近日修订，单个样本权重上限由原来的15%调整为{cap}%，前五大样本权重合计不超过{cap5}%。"
        "修订后的方案将于下次定期调整时生效，跟踪该指数的{etfname}将相应调整持仓。",
    ),
    (
        "央行开展{amount}亿元逆回购操作，市场流动性合理充裕",
        "中国人民银行{date}以固定利率、数量招标方式开展了{amount}亿元7天期逆回购操作，操作利率1.40%。分析人士称，"
        "流动性保持合理充裕，有利于{sector}等利率敏感板块估值修复。",
    ),
]
EN_COMPANY = [
    (
        "{en} shares hit daily limit as {ensector} stocks rally",
        "Shares of {en} ({code}) jumped by the 10% daily limit on {date_en}, leading a rally in Chinese {ensector} stocks. "
        "Turnover reached {amount} billion yuan as investors bet on {enreason}.",
    ),
    (
        "{en} forecasts {pct}% jump in {year} profit",
        "{en} ({code}) expects net profit attributable to shareholders to rise about {pct}% in {year}, citing recovering "
        "{ensector} demand and a better product mix, according to a filing with the exchange.",
    ),
    (
        "{en} to buy back up to {amount} billion yuan of shares",
        "{en} ({code}) plans to repurchase shares worth at least {amount} billion yuan at no more than {price} yuan each, "
        "the company said, as valuations across the {ensector} sector sit near historic lows.",
    ),
    (
        "{en} slides {drop}% after major shareholder plans stake sale",
        "{en} ({code}) fell as much as {drop}% after a shareholder owning more than 5% said it may sell up to {small}% of "
        "the company's shares over the next three months. The broader {ensector} sector was little changed.",
    ),
    (
        "Foreign investors pile into {en} via Stock Connect",
        "Northbound investors bought a net {flow} billion yuan of mainland shares on {date_en}, with {en} among the most "
        "purchased names. Analysts said {enreason} was drawing flows into {ensector} leaders.",
    ),
]
EN_MARKET = [
    (
        "China stocks mixed; {enindex} ends up {pct_small}%",
        "Mainland Chinese shares ended mixed on {date_en}. The {enindex} closed up {pct_small}% while the Shanghai Composite "
        "finished at {level}. Combined turnover in Shanghai and Shenzhen was {turnover} billion yuan.",
    ),
    (
        "{enindex} ETF units rise for {n} straight sessions",
        "Units of the {etfname} ({etf}), which tracks the {enindex}, have risen for {n} consecutive trading days, adding "
        "{units} billion units since the end of last month as investors use broad-based ETFs to buy the dip.",
    ),
    (
        "{enindex} to rebalance in {month_en}; {en} set to join",
        "China Securities Index Co said the {enindex} will rebalance its constituents in {month_en}, effective the next "
        "trading day after the second Friday, with {en} ({code}) among {n} stocks to be added. Single-constituent weights "
        "are capped at {cap}%.",
    ),
    (
        "PBOC injects {amount} billion yuan via reverse repos",
        "The People's Bank of China injected {amount} billion yuan through 7-day reverse repurchase agreements on "
        "{date_en} at a rate of 1.40%, keeping liquidity ample, which analysts said supports rate-sensitive sectors such as "
        "{ensector}.",
    ),
]
REASONS = [
    "行业供需格局改善",
    "政策预期升温",
    "产品价格持续上涨",
    "海外订单超预期",
    "估值处于历史低位",
    "机构调研密集",
]
REASONS2 = ["海外市场波动", "成交量萎缩", "限售股解禁压力", "原材料价格上涨"]
EN_REASONS = [
    "an improving supply-demand balance",
    "supportive policy",
    "rising product prices",
    "strong overseas orders",
]


def generate_articles(
    n: int = 320,
    seed: int = 20260109,
    start: dt.date = dt.date(2025, 11, 20),
    end: dt.date = dt.date(2026, 1, 9),
    en_share: float = 0.35,
) -> list[dict[str, Any]]:
    """`n` news/*.jsonl records (snapshot format) with ids dx-0001...; deterministic for a given seed."""
    rng = random.Random(seed)
    days = (end - start).days
    out = []
    for i in range(1, n + 1):
        en = rng.random() < en_share
        company = rng.choice(COMPANIES)
        index = rng.choice(INDICES)
        date = start + dt.timedelta(days=rng.randrange(days + 1))
        when = dt.datetime(
            date.year, date.month, date.day, rng.randrange(7, 22), rng.randrange(60), tzinfo=CHINA_TZ
        )
        slots = _slots(rng, company, index, date)
        pool = (EN_COMPANY + EN_MARKET) if en else (ZH_COMPANY + ZH_MARKET)
        title_t, body_t = rng.choice(pool)
        is_index = (title_t, body_t) in ZH_MARKET + EN_MARKET
        symbols = [company[2]] if "{name}" in body_t or "{en}" in body_t else []
        if is_index and ("{etf}" in body_t or "{index}" in body_t or "{enindex}" in body_t):
            symbols += [index[3], index[2]] if index[2].isdigit() else [index[3]]
        out.append(
            {
                "id": f"dx-{i:04d}",
                "title": title_t.format(**slots),
                "published_at": when.isoformat(),
                "source": rng.choice(SOURCES_EN if en else SOURCES_ZH),
                "url": None,
                "language": "en" if en else "zh",
                "symbols": sorted(set(symbols)),
                "body": body_t.format(**slots),
            }
        )
    return out


def _slots(
    rng: random.Random, company: tuple[str, ...], index: tuple[str, ...], date: dt.date
) -> dict[str, Any]:
    others = [c for c in COMPANIES if c is not company]
    return {
        "name": company[0],
        "en": company[1],
        "code": company[2],
        "sector": company[3],
        "ensector": company[4],
        "sector2": rng.choice(others)[3],
        "sector3": rng.choice(others)[3],
        "index": index[0],
        "enindex": index[1],
        "etf": index[3],
        "etfname": index[4],
        "date": f"{date.month}月{date.day}日",
        "date_en": date.strftime("%B %d").replace(" 0", " "),
        "year": 2025,
        "month": rng.choice([6, 12, 3, 9]),
        "month_en": rng.choice(["June", "December", "March"]),
        "amount": rng.choice([1, 2, 3, 5, 8, 10, 12, 15, 20, 30, 50]),
        "price": rng.randrange(8, 300),
        "pct": rng.randrange(15, 180),
        "pct_small": f"{rng.uniform(0.1, 2.5):.2f}",
        "drop": rng.randrange(3, 9),
        "small": rng.choice([1, 2, 3]),
        "flow": f"{rng.uniform(1, 80):.1f}",
        "level": f"{rng.uniform(3100, 3500):.2f}",
        "turnover": rng.randrange(9000, 21000),
        "n": rng.randrange(3, 12),
        "units": f"{rng.uniform(0.5, 30):.2f}",
        "premium": f"{rng.uniform(2, 15):.2f}",
        "cap": rng.choice([8, 10, 12]),
        "cap5": rng.choice([35, 40, 45]),
        "reason": rng.choice(REASONS),
        "reason2": rng.choice(REASONS2),
        "enreason": rng.choice(EN_REASONS),
    }


def write_jsonl(path: Path, articles: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    return path


if __name__ == "__main__":  # python -m eval.distractors OUT.jsonl [N]
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("distractors.jsonl")
    write_jsonl(target, generate_articles(int(sys.argv[2]) if len(sys.argv) > 2 else 320))
    print(target)
