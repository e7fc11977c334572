"""How a security or an industry is named in an answer: '名称（代码）' / 'Name (code)', never a name that
states a number (a '500' in a name would read as a claim), and English industry names where one is known."""

from __future__ import annotations

from typing import Any

from assistant.answer.numbers import extract
from assistant.answer.tools import Toolbox
from assistant.errors import MarketAssistantError

from .render import Lang


def label(toolbox: Toolbox, code: str, lang: Lang, kind: str = "etf", fallback: str | None = None) -> str:
    """'名称（代码）' / 'Name (code)' with a name that states no number; the code alone when no such name is
    known."""
    known = toolbox.lexicon.lookup(code)
    names: list[str | None] = []
    if known is not None:
        names = [known.name_en, known.name] if lang == "en" else [known.name]
        if lang == "en" and kind == "etf":
            index = toolbox.md.universe().get(code)
            tracked = toolbox.lexicon.lookup(index) if index else None
            if tracked is not None and tracked.name_en:
                # Two ETFs on one index differ by their fund company: "Pengyang CSI 500 Quality Growth ETF".
                company = fund_company_en(toolbox, code)
                names.insert(
                    0, (f"{company} " if company else "") + tracked.name_en.replace(" Index", "") + " ETF"
                )
    names.append(fallback)
    if kind == "etf":
        try:
            overview = toolbox.md.fund_overview(code)
            # In Chinese the fund's own short name (基金简称) comes first: it is the data's name for it.
            names.insert(0 if lang == "zh" else len(names), overview.get("基金简称"))
        except MarketAssistantError:
            pass
    for name in names:
        if (
            name
            and name.strip() not in ("---", "--", "-", "nan")
            and not extract(name)
            and (lang == "zh" or name.isascii() or kind != "etf")
        ):
            return f"{name}（{code}）" if lang == "zh" else f"{name} ({code})"
    return code


def fund_company_en(toolbox: Toolbox, etf: str) -> str | None:
    """The English short name of the ETF's fund company (基金管理人), when it is a known one."""
    try:
        manager = toolbox.md.fund_overview(etf).get("基金管理人") or ""
    except MarketAssistantError:
        return None
    return next((en for zh, en in FUND_COMPANY_EN.items() if manager.startswith(zh)), None)


def company_en(name: str) -> str | None:
    """'鹏扬基金管理有限公司' -> 'Pengyang Fund Management'; a bank custodian -> its English name."""
    for zh, en in FUND_COMPANY_EN.items():
        if name.startswith(zh) and "基金" in name:
            return f"{en} Fund Management"
    return next((en for zh, en in BANK_EN.items() if name.startswith(zh)), None)


def industry(name: str, lang: Lang) -> str:
    """An industry's name in the answer's language; an untranslated one is quoted, not passed off as
    English."""
    if lang == "zh":
        return name
    known = INDUSTRY_EN.get(name) or INDUSTRY_EN.get(name.removesuffix("行业"))
    return known if known else f"“{name}”"


def kind_of(toolbox: Toolbox, code: str) -> str:
    known = toolbox.lexicon.lookup(code)
    return known.kind if known is not None else "etf"


def names_of(lexicon: Any, code: str) -> tuple[str, ...]:
    known = lexicon.lookup(code)
    return tuple(n for n in (known.name, known.name_en) if n) if known is not None else ()


def head(label: str) -> str | None:
    """'名称（代码' / 'Name (code' of a label that ends in its code's parenthesis, so that a figure about it
    joins that parenthesis -- '浙江鼎力（603338，-0.03个百分点）' -- instead of opening a second one."""
    if label.endswith("）") and "（" in label:
        return label[:-1] + "，"
    if label.endswith(")") and "(" in label:
        return label[:-1] + ", "
    return None


INDUSTRY_EN = {
    "小金属": "minor metals",
    "证券": "brokerage",
    "有色金属": "non-ferrous metals",
    "多元金融": "diversified financials",
    "游戏": "gaming",
    "半导体": "semiconductors",
    "电力设备": "power equipment",
    "电网设备": "grid equipment",
    "化学制品": "chemicals",
    "化工": "chemicals",
    "贵金属": "precious metals",
    "能源金属": "energy metals",
    "工程机械": "construction machinery",
    "食品饮料": "food and beverages",
    "医药": "pharmaceuticals",
    "银行": "banks",
    "保险": "insurance",
    "软件开发": "software",
    "通信设备": "telecom equipment",
    "汽车零部件": "auto parts",
    "消费电子": "consumer electronics",
    "光伏设备": "solar equipment",
    "电池": "batteries",
    "钢铁": "steel",
    "煤炭": "coal",
    "石油行业": "oil",
    "家电行业": "home appliances",
    "工业金属": "industrial metals",
    "稀土": "rare earths",
    "计算机设备": "computer hardware",
    "航天航空": "aerospace",
    "航空航天": "aerospace",
    "航运港口": "shipping and ports",
    "房地产": "real estate",
    "酿酒": "liquor",
    "白酒": "liquor",
    "汽车整车": "automakers",
    "电子元件": "electronic components",
    "光学光电子": "optoelectronics",
    "通信服务": "telecom services",
    "电力行业": "utilities",
    "电力": "utilities",
    "医疗器械": "medical devices",
    "中药": "traditional Chinese medicine",
    "生物制品": "biotech",
    "化学制药": "pharmaceuticals",
    "交运设备": "transport equipment",
    "农牧饲渔": "agriculture",
    "文化传媒": "media",
    "互联网服务": "internet services",
    "物流": "logistics",
    "公用事业": "utilities",
    "非金属材料": "non-metallic materials",
    "塑料制品": "plastics",
    "专用设备": "specialised machinery",
    "通用设备": "general machinery",
    "装修建材": "building materials",
    "水泥建材": "cement",
    "工程建设": "construction",
    "贸易行业": "trading",
    "商业百货": "retail",
    "旅游酒店": "tourism and hotels",
    "食品": "food",
    "纺织服装": "textiles and apparel",
    "造纸印刷": "paper and printing",
    "家用轻工": "light industry",
    "燃气": "gas utilities",
    "采掘行业": "mining",
    "环保行业": "environmental services",
    "仪器仪表": "instruments",
    "电子化学品": "electronic chemicals",
    "电机": "electric motors",
    "风电设备": "wind power equipment",
    "化肥": "fertilisers",
    "农药兽药": "agrochemicals",
    "化学原料": "basic chemicals",
    "橡胶制品": "rubber products",
    "美容护理": "beauty and personal care",
    "医疗服务": "healthcare services",
    "医药商业": "pharmaceutical distribution",
    "家电": "home appliances",
    "环保": "environmental services",
}

# Fund companies and custodian banks by the start of their Chinese name (the longer names first).
FUND_COMPANY_EN = {
    "华泰柏瑞": "Huatai-PineBridge",
    "工银瑞信": "ICBC Credit Suisse",
    "景顺长城": "Invesco Great Wall",
    "招商": "China Merchants",
    "鹏扬": "Pengyang",
    "鹏华": "Penghua",
    "嘉实": "Harvest",
    "华夏": "ChinaAMC",
    "易方达": "E Fund",
    "南方": "China Southern",
    "广发": "GF",
    "富国": "Fullgoal",
    "汇添富": "China Universal",
    "博时": "Bosera",
    "国泰": "Guotai",
    "天弘": "Tianhong",
    "建信": "CCB Principal",
    "银华": "Yinhua",
    "华安": "Huaan",
    "大成": "Dacheng",
    "平安": "Ping An",
    "永赢": "Maxwealth",
    "摩根": "Morgan",
}
BANK_EN = {
    "中国工商银行": "Industrial and Commercial Bank of China",
    "中国建设银行": "China Construction Bank",
    "中国农业银行": "Agricultural Bank of China",
    "中国银行": "Bank of China",
    "交通银行": "Bank of Communications",
    "招商银行": "China Merchants Bank",
    "兴业银行": "Industrial Bank",
    "浦发银行": "SPD Bank",
    "上海浦东发展银行": "SPD Bank",
    "中信银行": "China CITIC Bank",
    "平安银行": "Ping An Bank",
    "中国民生银行": "China Minsheng Bank",
    "光大银行": "China Everbright Bank",
    "中国光大银行": "China Everbright Bank",
    "华夏银行": "Hua Xia Bank",
    "广发银行": "China Guangfa Bank",
    "宁波银行": "Bank of Ningbo",
    "中国邮政储蓄银行": "Postal Savings Bank of China",
}
