"""Warnings about the data behind one answer: collected where the data is served, attached where the answer is
composed, so no warning is lost between them and no answerer has to remember to pass it on.

The toolbox reports the warnings of every result it serves (`report`); the engine runs each answer inside
`collecting()` and `attach`es what was collected: into `Answer.warnings` (the JSON) and as a short block at the
end of the text, in the answer's language. Attached after grounding, so the digits inside a warning are kept.
A context variable carries the collection, so concurrent answers (API threads, async tasks) never mix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import Context, ContextVar
from typing import Any

_CURRENT: ContextVar[list[str] | None] = ContextVar("market_assistant_caveats", default=None)

_HEADER = {
    "zh": "数据提示（可能影响以上数字，请谨慎使用）：",
    "en": "Data warnings (these may affect the figures above):",
}

# Known warning shapes, in Chinese. Anything else is shown as written, marked as the original text.
_ZH: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"Constituent contributions sum to (\S+) pp but the index returned (\S+)% on (\S+): residual (\S+) pp "
            r"exceeds (\S+) pp"
        ),
        r"成分股贡献合计\1个百分点，但指数在\3的涨跌幅为\2%：残差\4个百分点，超过\5个百分点（权重、价格或成分股名单可能有误）。",
    ),
    (
        re.compile(
            r"(\d+) constituent\(s\) lack the prices needed for attribution and contribute 0 \((\S+)% of file "
            r"weight\): (.*)"
        ),
        r"\1只成分股缺少归因所需的价格，按0贡献计（占权重文件的\2%）：\3",
    ),
    (
        re.compile(r"No bar on (\S+) \(suspended\?\) for (.*): counted as 0 return\."),
        r"\1没有\2的行情（可能停牌），按0涨跌计。",
    ),
    (
        re.compile(
            r"The ETF's previous bar is (\S+) but the index's is (\S+): their returns cover different spans\."
        ),
        r"ETF的前一根K线是\1，指数的是\2：两者收益率覆盖的区间不同。",
    ),
    (
        re.compile(
            r"Units outstanding of (\d{6}) go from (\S+) on (\S+) to (\S+) on (\S+) \(x(\S+)\): units do not "
            r"change by orders of magnitude.*"
        ),
        r"\1的份额从\3的\2份变为\5的\4份（\6倍）：份额不会成数量级地变化，份额数据可能单位不一（万份与份）或有误，此变化不可靠。",
    ),
    (
        re.compile(
            r"The premium of (\d{6}) to IOPV on (\S+) computes to (\S+)%, beyond the ±(\S+)% an ETF trades at.*"
        ),
        r"\1在\2相对IOPV的溢价率算得\3%，超出ETF可能的±\4%：现价或IOPV很可能有误（差100倍或列错位），该溢价率不可靠。",
    ),
    (
        re.compile(r"Served from the last good data, as of (\S+), because (.*)"),
        r"因\2，以下数据来自截至\1的上一次成功获取的缓存，可能已过时。",
    ),
]


@contextmanager
def collecting() -> Iterator[list[str]]:
    """Collect the warnings reported while answering one question (nested calls share the outer list)."""
    outer = _CURRENT.get()
    if outer is not None:
        yield outer
        return
    bucket: list[str] = []
    token = _CURRENT.set(bucket)
    try:
        yield bucket
    finally:
        _CURRENT.reset(token)


def collecting_in(context: Context) -> list[str]:
    """Collect inside `context`, a copied `Context` that every step of one streamed answer runs in (each step
    may run on a different thread, so a `with collecting()` cannot span them). Shares an outer collection."""

    def start() -> list[str]:
        outer = _CURRENT.get()
        if outer is not None:
            return outer
        bucket: list[str] = []
        _CURRENT.set(bucket)
        return bucket

    return context.run(start)


def report(*warnings: str) -> None:
    """Record warnings about data being served right now (no-op outside `collecting`)."""
    bucket = _CURRENT.get()
    if bucket is None:
        return
    for w in warnings:
        w = " ".join(str(w).split())
        if w and w not in bucket:
            bucket.append(w)


def localise(warning: str, language: str) -> str:
    if language != "zh":
        return warning
    for pattern, template in _ZH:
        m = pattern.search(warning)
        if m:
            return m.expand(template)
    return f"{warning}（原文）"


def attach(answer: Any, warnings: Sequence[str]) -> Any:
    """The answer (an assistant.answer.schema.Answer: this module sits below the answer layer) with every collected warning in `warnings` and, unless its text already says it, in the text."""
    new = [w for w in warnings if w not in answer.warnings]
    if not new:
        return answer
    lang = answer.language if answer.language in _HEADER else "en"
    shown = [localise(w, lang) for w in new]
    missing = [s for s, w in zip(shown, new) if s not in answer.answer and w not in answer.answer]
    text = answer.answer
    if missing:
        text = text.rstrip() + "\n\n" + _HEADER[lang] + "\n" + "\n".join(f"- {s}" for s in missing)
    return answer.model_copy(update={"warnings": [*answer.warnings, *new], "answer": text})
