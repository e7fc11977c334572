"""A snapshot with several ETFs on one day, for comparisons: two ETFs on the same index from different fund
companies (562340 银华 and 159606 易方达, both on 930939) and one on another index (510300 on 000300).

Why: every other snapshot holds one ETF, so "which of A and B had the larger outflow" or "which index did
better" could not be asked of real frames. The builder writes one ETF per scenario; :func:`write_merged` writes
each scenario into its own folder and merges them. ETFs on the same index share the seed and the units window,
so the simulated index and stock frames are the same bytes (checked: a differing shared file is an error);
what differs is the ETF's close on T, its tracking noise, units, premium and fund overview.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

from eval.snapshots.builder import Scenario, UnitsPlan, write_snapshot
from eval.snapshots.sample_560500 import _METHODOLOGY_EN
from eval.snapshots.sample_560500 import constituents as csi930939_constituents

T = date(2025, 12, 30)
_S = "示例财经（合成数据）"
# Frames holding one row per ETF: merged by concatenating rows (every other shared frame must be identical).
_ROW_FRAMES = ("fund_etf_spot_em", "fund_etf_scale_sse", "fund_scale_daily_szse")


def _quality_growth(code: str, name: str, short: str, overview: dict[str, str], **kw: object) -> Scenario:
    cons = tuple(replace(c, moves={}) for c in csi930939_constituents())
    base = Scenario(
        seed=930939,
        trade_date=T,
        as_of="2025-12-30T15:00:00+08:00",
        origin="synthetic",
        etf_code=code,
        etf_name=name,
        etf_full_name="---",
        etf_short_name=short,
        index_code="930939",
        index_name="中证500质量成长指数",
        index_name_en="CSI 500 Quality Growth Index",
        index_short_name="500质量成长",
        weights_date=date(2025, 12, 19),
        start=date(2025, 11, 17),
        constituents=cons,
        index_close_on_weights_date=20980.40,
        etf_nav_on_weights_date=1.0874,
        units=UnitsPlan(start=date(2025, 11, 28), units_change=0, start_units=100_000_000),
        index_returns={T: 0.86},
        fund_overview={
            "基金代码": code,
            "基金类型": "指数型-股票",
            "跟踪标的": "中证500质量成长指数",
            **overview,
        },
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def scenarios() -> tuple[Scenario, ...]:
    """The three ETFs of the snapshot on 2025-12-30."""
    from eval.snapshots.scenarios import szse_falling_day  # the CSI 300 top-60 basket

    yinhua = _quality_growth(
        "562340",
        "500成长ETF银华",
        "500成长",
        {"基金管理人": "银华基金管理股份有限公司", "基金托管人": "招商银行股份有限公司"},
        units=UnitsPlan(start=date(2025, 11, 28), units_change=-12_400_000, start_units=182_400_000),
        etf_premium_sd_pct=0.04,
        news=[
            {
                "id": "synthetic-20251230-tungsten",
                "title": "钨价再创新高，厦门钨业收涨",
                "published_at": "2025-12-30T14:10:00+08:00",
                "source": _S,
                "url": None,
                "language": "zh",
                "symbols": ["600549"],
                "body": "合成测试数据：12月30日钨精矿报价继续上行，厦门钨业午后走强收涨。",
            }
        ],
        # the sample's English summary, dated before this snapshot's as-of
        documents={
            "csi-930939-methodology-en.md": _METHODOLOGY_EN.replace(
                "published_at: 2025-12-31", "published_at: 2025-12-01"
            )
        },
    )
    efund = _quality_growth(
        "159606",
        "中证500成长ETF易方达",
        "500成长",
        {"基金管理人": "易方达基金管理有限公司", "基金托管人": "中国工商银行股份有限公司"},
        etf_nav_on_weights_date=0.8731,
        units=UnitsPlan(start=date(2025, 11, 28), units_change=5_300_000, start_units=96_500_000),
        etf_tracking_sd_pct=0.07,
        etf_premium_sd_pct=0.09,
    )
    huatai = replace(
        szse_falling_day(),
        seed=510300,
        trade_date=T,
        as_of="2025-12-30T15:00:00+08:00",
        etf_code="510300",
        etf_name="沪深300ETF华泰柏瑞",
        etf_short_name="300ETF",
        weights_date=date(2025, 12, 19),
        start=date(2025, 11, 17),
        index_close_on_weights_date=4580.12,
        etf_nav_on_weights_date=4.7021,
        units=UnitsPlan(start=date(2025, 11, 28), units_change=-310_000_000, start_units=9_120_000_000),
        index_returns={T: -0.35},
        etf_returns={},
        fund_overview={
            "基金代码": "510300",
            "基金类型": "指数型-股票",
            "跟踪标的": "沪深300指数",
            "基金管理人": "华泰柏瑞基金管理有限公司",
            "基金托管人": "中国工商银行股份有限公司",
        },
        news=[],
        documents={"csi-000300-methodology.md": _CSI300_ZH},
    )
    return (yinhua, efund, huatai)


def write_merged(parts: tuple[Scenario, ...], out_dir: str | Path) -> Path:
    """Write every scenario and merge them into one snapshot at `out_dir`: one universe entry per ETF, row frames
    concatenated, shared frames required identical, news and documents joined."""
    out = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="multi-") as tmp:
        folders = []
        for i, sc in enumerate(parts):
            folder = Path(tmp) / str(i)
            write_snapshot(sc, folder)
            folders.append(folder)
        manifests = [json.loads((f / "manifest.json").read_text(encoding="utf-8")) for f in folders]
        if len({(m["trade_date"], m["as_of"]) for m in manifests}) != 1:
            raise ValueError("merged scenarios must share trade_date and as_of")
        frames: dict[str, dict[str, object]] = {}
        rows: dict[str, list[pd.DataFrame]] = {}
        (out / "frames").mkdir(parents=True, exist_ok=True)
        for folder, manifest in zip(folders, manifests):
            for entry in manifest["frames"]:
                name = str(entry["file"])
                src = folder / name
                if entry["function"] in _ROW_FRAMES:
                    rows.setdefault(name, []).append(pd.read_csv(src, dtype=str, keep_default_na=False))
                elif name in frames:
                    if (out / name).read_bytes() != src.read_bytes():
                        raise ValueError(f"{name} differs between merged scenarios")
                    continue
                else:
                    shutil.copyfile(src, out / name)
                frames.setdefault(name, entry)
        for name, dfs in rows.items():
            pd.concat(dfs, ignore_index=True).to_csv(
                out / name, index=False, encoding="utf-8", lineterminator="\n"
            )
        for folder in folders:  # documents: one file per name, never two different texts under one name
            for doc in sorted((folder / "documents").glob("*")) if (folder / "documents").is_dir() else []:
                (out / "documents").mkdir(exist_ok=True)
                if (out / "documents" / doc.name).is_file() and (
                    out / "documents" / doc.name
                ).read_bytes() != doc.read_bytes():
                    raise ValueError(f"document {doc.name} differs between merged scenarios")
                shutil.copyfile(doc, out / "documents" / doc.name)
        news = [line for f in folders if (f / "news" / "news.jsonl").is_file() for line in _lines(f)]
        if news:
            (out / "news").mkdir(exist_ok=True)
            (out / "news" / "news.jsonl").write_text("\n".join(news) + "\n", encoding="utf-8")
        manifest = dict(manifests[0])
        manifest["universe"] = [u for m in manifests for u in m["universe"]]
        manifest["frames"] = list(frames.values())
        (out / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return out


def _lines(folder: Path) -> list[str]:
    text = (folder / "news" / "news.jsonl").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


# Chinese only, so English questions must cross languages (and the 930939 summary is English only, for the
# reverse). Synthetic: the structure of a CSI methodology with the CSI 300's public facts (300 securities,
# semi-annual review effective after the second Friday of June and December, base 2004-12-31 = 1000); the
# weight cap sentence is illustrative test data.
_CSI300_ZH = """---
title: 沪深300指数编制方案（摘要，合成测试文档）
published_at: 2025-12-01
source: 合成测试文档（据公开资料整理，非中证指数有限公司官方文件）
url: null
symbols: ["000300", "510300"]
---

# 沪深300指数编制方案（摘要）

> 说明：本文件为评测用合成文档，权重上限一条为测试数据，以官方文件为准。

## 一、指数简介

沪深300指数由沪深市场中规模大、流动性好的最具代表性的300只证券组成，以反映沪深市场上市公司证券的整体表现。

## 二、样本空间

沪深两市上市满一个季度、非ST、非*ST的A股及红筹企业发行的存托凭证。

## 三、选样方法

对样本空间内证券按照过去一年的日均成交金额由高到低排名，剔除排名后50%的证券；
对剩余证券按照过去一年的日均总市值由高到低排名，选取前300名的证券作为指数样本。

## 四、加权方式

指数采用自由流通市值加权，单个样本权重不超过10%，前五大样本权重合计不超过40%。

## 五、指数样本定期调整

指数样本每半年调整一次，样本调整实施时间分别为每年6月和12月的第二个星期五的下一交易日。

## 六、基日与基点

指数以2004年12月31日为基日，以1000点为基点。

## 七、样本数量

300只。
"""
