"""'Any news about it?': the articles retrieved for the securities asked about (or the question's words) that
report what was asked, newest evidence first, each with its time, source and a short excerpt."""

from __future__ import annotations

import math
import re

from assistant.answer.numbers import extract
from assistant.answer.tools import PassageRef
from assistant.errors import NotFoundError

from .context import AskContext
from .text import excerpt, lang_of, safe_quote, terms

# Kinds of event a question may ask about: a passage only answers it if it reports the same kind of event.
TOPICS: list[tuple[re.Pattern[str], re.Pattern[str], tuple[str, str]]] = [
    (
        re.compile(r"评级|研报|目标价|\bratings?\b|upgrade|downgrade|target price", re.IGNORECASE),
        re.compile(
            r"评级|买入|增持|减持|目标价|\bratings?\b|upgrade|downgrade|target price|overweight|\bbuy\b",
            re.IGNORECASE,
        ),
        ("评级调整", "a rating change"),
    ),
    (
        re.compile(r"停牌|复牌|suspen|halt", re.IGNORECASE),
        re.compile(r"停牌|复牌|suspen|halt", re.IGNORECASE),
        ("停复牌", "a suspension"),
    ),
    (
        re.compile(r"交流会|说明会|业绩会|调研|investor meeting|conference call", re.IGNORECASE),
        re.compile(r"交流会|说明会|业绩会|调研|investor (?:meeting|day|call)|conference call", re.IGNORECASE),
        ("投资者交流", "an investor meeting"),
    ),
    (
        re.compile(r"回购|buyback|repurchase", re.IGNORECASE),
        re.compile(r"回购|buyback|repurchase", re.IGNORECASE),
        ("回购", "a buyback"),
    ),
    (
        re.compile(r"分红|派息|dividend", re.IGNORECASE),
        re.compile(r"分红|派息|dividend", re.IGNORECASE),
        ("分红", "a dividend"),
    ),
]


def topic(question: str) -> tuple[str, str] | None:
    return next((label for ask, _, label in TOPICS if ask.search(question)), None)


def relevant(question: str, passages: list[PassageRef], topical_only: bool = False) -> list[PassageRef]:
    """The retrieved passages that actually answer the question: when it asks about a kind of event (a rating
    change, a suspension ...), only passages reporting one; without a named security, only passages sharing
    the question's distinctive words (weighted by how rare they are among the retrieved passages)."""
    reports = next((says for ask, says, _ in TOPICS if ask.search(question)), None)
    if reports is not None:
        return [p for p in passages if reports.search(f"{p.title or ''} {p.quote}")]
    if topical_only or not passages:
        return passages
    words = terms(question)
    if not words:
        return passages
    texts = [f"{p.title or ''} {p.quote}".lower() for p in passages]
    df = {t: sum(t in x for x in texts) for t in words}
    scores = [sum(math.log(1 + len(texts) / df[t]) for t in words if df[t] and t in x) for x in texts]
    best = max(scores)
    if best <= 0:  # no shared words (a question in another language than the articles): trust the ranking
        asked = lang_of(question)
        if any(lang_of(x) == asked for x in texts):
            return []  # articles in the question's language share none of its words: none is about it
        top = passages[0].score
        return [p for p in passages if p.score >= 0.8 * top][:2]
    return [p for p, sc in zip(passages, scores) if sc >= 0.5 * best]


def answer(ctx: AskContext) -> str:
    intent, toolbox, lang = ctx.intent, ctx.toolbox, ctx.lang
    symbols = list(intent.etfs) + list(intent.indices) + list(intent.stocks)
    sep = "、" if lang == "zh" else ", "
    about = sep.join(ctx.label(c, kind=ctx.kind_of(c)) for c in symbols) if symbols else None
    found = toolbox.search_news(intent.question, symbols or None, k=6).passages
    found = relevant(intent.question, found, topical_only=bool(symbols))
    kind = topic(intent.question)
    if not found:
        what = about or ctx.t("该问题", "this question")
        as_of = toolbox.md.info.as_of
        if kind:
            raise NotFoundError(
                ctx.t(
                    f"截至数据时点（{as_of:%Y-%m-%d %H:%M}），没有检索到关于{what}的{kind[0]}相关新闻；"
                    "本数据之后发布的内容不会被使用。",
                    f"no news about {what} reporting {kind[1]} was found up to the data's as-of time "
                    f"({as_of:%Y-%m-%d %H:%M}); nothing published later is used.",
                )
            )
        raise NotFoundError(
            ctx.t(
                "截至数据时点，没有检索到相关新闻。",
                "No relevant news was found up to the data's as-of time.",
            )
        )
    names = [
        n for c in symbols if (k := toolbox.lexicon.lookup(c)) is not None for n in (k.name, k.name_en) if n
    ]
    news = []
    for p in found[:4]:
        body = safe_quote(p)
        best = excerpt(
            body.split("\n", 1)[-1] if "\n" in body else body, " ".join([intent.question, *names]), limit=120
        )
        if lang_of(best) != lang:
            best = ""  # an excerpt in the other language reads as a dump, not an answer
        news.append(
            {
                "when": p.published_at.strftime("%Y-%m-%d %H:%M") if p.published_at else "",
                "title": ctx.safe_title(p),
                "excerpt": best if best and best not in (p.title or "") and not extract(best) else "",
                "source": p.source if p.source and (lang == "zh" or p.source.isascii()) else "",
                "cite": ctx.cite(p),
            }
        )
    as_of_text = toolbox.md.info.as_of.strftime("%Y-%m-%d %H:%M")
    return ctx.render("news", news=news, about=about or ctx.t("该问题", "this question"), asof=as_of_text)
