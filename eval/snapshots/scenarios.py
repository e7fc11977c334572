"""Extra deterministic snapshots for tests and evaluation (origin "synthetic").

Why: the sample only shows an up day on a Shanghai ETF with fresh weights. These cover the
other paths the assistant must handle:

* :func:`szse_falling_day` - a Shenzhen-listed ETF (159919, units from
  ``fund_scale_daily_szse``) on a falling day. Its "index" is a 60-name truncation of the
  CSI 300 (000300) with real top names and made-up, renormalised weights; it is NOT CSI's
  weight file, only a realistic shape.
* :func:`sse_suspension_before_rebalance` - a Shanghai ETF (562340, tracking 930939) whose
  weight file is dated 2025-11-28, before the December rebalance that took effect on
  2025-12-15 (the trading day after the second Friday of December), and with one
  constituent suspended on T (no bar that day). Attribution from the stale weights leaves a
  visible residual on purpose.

``generate_all(out_root)`` writes each into its own folder. Import as
``from eval.snapshots import scenarios`` (never ``import eval``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from eval.snapshots.builder import Constituent, Move, Rebalance, Scenario, UnitsPlan, write_snapshot
from eval.snapshots.sample_560500 import constituents as csi930939_constituents

_S = "示例财经（合成数据）"

# code, 名称, English, EM 行业, close (illustrative); the first names of the CSI 300.
_CSI300_TOP60 = """
600519|贵州茅台|Kweichow Moutai|酿酒行业|1420.00
300750|宁德时代|Contemporary Amperex Technology|电池|370.00
601318|中国平安|Ping An Insurance|保险|58.00
600036|招商银行|China Merchants Bank|银行|43.00
000333|美的集团|Midea Group|家电行业|76.00
601899|紫金矿业|Zijin Mining|贵金属|29.00
300308|中际旭创|Zhongji Innolight|通信设备|420.00
600900|长江电力|China Yangtze Power|电力行业|28.00
601166|兴业银行|Industrial Bank|银行|21.00
000858|五粮液|Wuliangye Yibin|酿酒行业|118.00
600030|中信证券|CITIC Securities|证券|29.00
300502|新易盛|Eoptolink Technology|通信设备|330.00
601398|工商银行|Industrial and Commercial Bank of China|银行|7.60
002594|比亚迪|BYD|汽车整车|98.00
600276|恒瑞医药|Jiangsu Hengrui Pharmaceuticals|化学制药|60.00
601288|农业银行|Agricultural Bank of China|银行|6.80
300059|东方财富|East Money Information|证券|25.00
000651|格力电器|Gree Electric Appliances|家电行业|41.00
601328|交通银行|Bank of Communications|银行|7.40
603259|药明康德|WuXi AppTec|医疗服务|95.00
688981|中芯国际|Semiconductor Manufacturing International|半导体|115.00
601211|国泰海通|Guotai Haitong Securities|证券|19.00
600887|伊利股份|Inner Mongolia Yili Industrial|食品饮料|28.00
601012|隆基绿能|LONGi Green Energy Technology|光伏设备|19.00
000725|京东方A|BOE Technology|光学光电子|4.10
002475|立讯精密|Luxshare Precision|消费电子|57.00
601088|中国神华|China Shenhua Energy|煤炭行业|40.00
600309|万华化学|Wanhua Chemical|化学原料|62.00
600050|中国联通|China United Network Communications|通信服务|5.40
601816|京沪高铁|Beijing-Shanghai High-Speed Railway|铁路公路|5.60
300124|汇川技术|Shenzhen Inovance Technology|自动化设备|75.00
000001|平安银行|Ping An Bank|银行|11.50
601688|华泰证券|Huatai Securities|证券|20.00
600000|浦发银行|Shanghai Pudong Development Bank|银行|11.80
601601|中国太保|China Pacific Insurance|保险|36.00
600941|中国移动|China Mobile|通信服务|100.00
601988|中国银行|Bank of China|银行|5.50
601857|中国石油|PetroChina|石油行业|8.50
600028|中国石化|China Petroleum & Chemical|石油行业|5.80
002371|北方华创|NAURA Technology|半导体|420.00
300274|阳光电源|Sungrow Power Supply|光伏设备|170.00
600031|三一重工|Sany Heavy Industry|工程机械|21.00
601919|中远海控|COSCO Shipping Holdings|航运港口|14.50
000568|泸州老窖|Luzhou Laojiao|酿酒行业|120.00
600690|海尔智家|Haier Smart Home|家电行业|26.00
601668|中国建筑|China State Construction Engineering|工程建设|5.60
600104|上汽集团|SAIC Motor|汽车整车|16.50
601728|中国电信|China Telecom|通信服务|7.00
002415|海康威视|Hangzhou Hikvision Digital Technology|计算机设备|31.00
601225|陕西煤业|Shaanxi Coal Industry|煤炭行业|21.00
600809|山西汾酒|Shanxi Xinghuacun Fen Wine Factory|酿酒行业|180.00
601390|中国中铁|China Railway Group|工程建设|5.70
601766|中国中车|CRRC|交运设备|7.50
000063|中兴通讯|ZTE|通信设备|40.00
600760|中航沈飞|AVIC Shenyang Aircraft|航天航空|55.00
601628|中国人寿|China Life Insurance|保险|40.00
300760|迈瑞医疗|Shenzhen Mindray Bio-Medical Electronics|医疗器械|200.00
603288|海天味业|Foshan Haitian Flavouring and Food|食品饮料|38.00
600585|海螺水泥|Anhui Conch Cement|水泥建材|23.00
601138|工业富联|Foxconn Industrial Internet|消费电子|55.00
"""


def szse_falling_day() -> Scenario:
    """159919 on 2025-12-16, a falling day (index target −1.85%), batteries/brokers lead down."""
    T = date(2025, 12, 16)
    lines = [ln.split("|") for ln in _CSI300_TOP60.strip().splitlines()]
    n = len(lines)
    hi, total = 3.0, 100.0  # lo = 2·100/60 − hi must stay positive: every weight > 0
    lo = 2 * total / n - hi
    ws = [round(hi - (hi - lo) * i / (n - 1), 3) for i in range(n)]
    ws[-1] = round(total - sum(ws[:-1]), 3)
    moves = {
        "300750": Move("ret", -4.12),
        "300059": Move("ret", -3.55),
        "600030": Move("ret", -2.86),
        "601211": Move("ret", -2.64),
        "601688": Move("ret", -2.71),
        "300274": Move("ret", -5.23),
        "601012": Move("ret", -3.90),
        "600900": Move("ret", 0.62),
        "601088": Move("ret", 0.35),
    }
    cons = tuple(
        Constituent(c, nm, en, ind, w, float(p), {T: moves[c]} if c in moves else {})
        for (c, nm, en, ind, p), w in zip(lines, ws)
    )
    return Scenario(
        seed=159919,
        trade_date=T,
        as_of="2025-12-16T15:00:00+08:00",
        origin="synthetic",
        etf_code="159919",
        etf_name="沪深300ETF嘉实",
        etf_full_name="---",
        etf_short_name="300ETF",
        index_code="000300",
        index_name="沪深300指数",
        index_name_en="CSI 300 Index",
        index_short_name="沪深300",
        weights_date=date(2025, 11, 28),
        start=date(2025, 10, 27),
        constituents=cons,
        index_close_on_weights_date=4526.66,
        etf_nav_on_weights_date=4.6123,
        units=UnitsPlan(start=date(2025, 11, 14), units_change=-85_000_000, start_units=2_950_000_000),
        index_returns={T: -1.85, date(2025, 12, 15): -0.42},
        fund_overview={"基金代码": "159919", "基金类型": "指数型-股票", "跟踪标的": "沪深300指数"},
        news=[
            {
                "id": "synthetic-20251216-battery",
                "title": "电池板块午后走弱，宁德时代领跌",
                "published_at": "2025-12-16T14:30:00+08:00",
                "source": _S,
                "url": None,
                "language": "zh",
                "symbols": ["300750", "159919"],
                "body": "12月16日午后，电池与光伏板块走弱，宁德时代、阳光电源等权重股下跌，券商板块同步回调。",
            }
        ],
    )


def sse_suspension_before_rebalance() -> Scenario:
    """562340 (tracks 930939) on 2025-12-19: weights dated 2025-11-28, before the rebalance
    effective 2025-12-15 (3 names out, 3 in); 002916 suspended on T."""
    T = date(2025, 12, 19)
    wd = date(2025, 11, 28)
    base = csi930939_constituents()
    cons = []
    for c in base:
        moves = {T: Move("suspended")} if c.code == "002916" else {}
        cons.append(replace(c, moves=moves))
    added = (
        Constituent("600398", "海澜之家", "Heilan Home", "纺织服装", 0.62, 7.10),
        Constituent("603899", "晨光股份", "Shanghai M&G Stationery", "文化传媒", 0.55, 30.20),
        Constituent(
            "601216", "君正集团", "Inner Mongolia Junzheng Energy & Chemical", "化学原料", 0.48, 5.30
        ),
    )
    return Scenario(
        seed=562340,
        trade_date=T,
        as_of="2025-12-19T15:00:00+08:00",
        origin="synthetic",
        etf_code="562340",
        etf_name="500成长ETF银华",
        etf_full_name="---",
        etf_short_name="500成长",
        index_code="930939",
        index_name="中证500质量成长指数",
        index_name_en="CSI 500 Quality Growth Index",
        index_short_name="500质量成长",
        weights_date=wd,
        start=date(2025, 11, 3),
        constituents=tuple(cons),
        index_close_on_weights_date=20710.35,
        etf_nav_on_weights_date=1.0874,
        units=UnitsPlan(start=date(2025, 11, 19), units_change=3_200_000, start_units=182_400_000),
        index_returns={T: 0.72},
        rebalance=Rebalance(
            effective=date(2025, 12, 15), removed=("600582", "000883", "603939"), added=added
        ),
        fund_overview={"基金代码": "562340", "基金类型": "指数型-股票", "跟踪标的": "中证500质量成长指数"},
        news=[
            {
                "id": "synthetic-20251219-suspension",
                "title": "深南电路停牌筹划重大事项（合成）",
                "published_at": "2025-12-18T20:00:00+08:00",
                "source": _S,
                "url": None,
                "language": "zh",
                "symbols": ["002916"],
                "body": "合成测试数据：公司公告称因筹划重大事项，股票自12月19日开市起停牌。此条仅用于测试停牌处理。",
            }
        ],
    )


def _multi() -> tuple[Scenario, ...]:
    from eval.snapshots.multi import scenarios

    return scenarios()


# name -> a scenario, or several written into one snapshot (eval/snapshots/multi.py)
SCENARIOS: dict[str, Callable[[], Scenario | tuple[Scenario, ...]]] = {
    "synthetic-159919-2025-12-16": szse_falling_day,
    "synthetic-562340-2025-12-19": sse_suspension_before_rebalance,
    "synthetic-multi-2025-12-30": _multi,
}


def write_any(made: Scenario | tuple[Scenario, ...], out_dir: str | Path) -> None:
    """Write one scenario, or several merged into one snapshot."""
    if isinstance(made, tuple):
        from eval.snapshots.multi import write_merged

        write_merged(made, out_dir)
    else:
        write_snapshot(made, out_dir)


def generate_all(out_root: str | Path) -> list[Path]:
    """Write every scenario into ``out_root/<name>/`` and return the folders."""
    root = Path(out_root)
    out = []
    for name, make in SCENARIOS.items():
        write_any(make(), root / name)
        out.append(root / name)
    return out


if __name__ == "__main__":
    for p in generate_all(sys.argv[1] if len(sys.argv) > 1 else "snapshots-synthetic"):
        print(f"wrote {p}")
