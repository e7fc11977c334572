"""The 'answers first' scorer: does the answer's first sentence contain what was asked -- the figure, the entity,
or the plain reason it cannot answer? A reader who stops after one sentence should have the answer.

Usage: `from eval.first import answers_first` (the scorers call it for every case).
"""

from __future__ import annotations

import re

from assistant.answer.schema import Answer
from eval.dataset import Case
from eval.phrases import ABSTAIN, named

_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\.)\s|\n")
_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.(\d+))?")
_SCALES = (1.0, 1e4, 1e6, 1e8, 1e9)
# The reason a question cannot be answered as asked, said plainly: advice and forecasts declined, off-topic
# questions redirected, fields not disclosed, or no data.
_REASONS = {
    "advice": re.compile(r"投资建议|investment advice", re.IGNORECASE),
    "forecast": re.compile(r"不做预测|无法预测|不预测|forecast|predict", re.IGNORECASE),
    "off_topic": re.compile(
        r"不在我能回答的范围|只能回答|outside what I can answer|can only answer|cannot answer", re.IGNORECASE
    ),
    "not_disclosed": re.compile(r"未披露|not disclosed", re.IGNORECASE),
    "greeting": re.compile(r"你好|您好|\bhello\b|\bhi\b", re.IGNORECASE),
}


def first_sentence(text: str) -> str:
    """The answer's first sentence (markdown emphasis removed): what a reader sees before anything else."""
    plain = text.replace("**", "").strip()
    parts = [p.strip() for p in _SENTENCE_END.split(plain) if p and p.strip()]
    return parts[0] if parts else ""


def _states(sentence: str, value: float) -> bool:
    """Does the sentence print `value` (as rounded for presentation, in any of the usual scales)?"""
    for m in _NUMBER.finditer(sentence):
        digits = len(m.group(1) or "")
        shown = abs(float(m.group(0).replace(",", "")))
        for scale in _SCALES:
            if abs(shown * scale - abs(value)) <= 0.51 * 10**-digits * scale:
                return True
    return False


def answers_first(case: Case, answer: Answer | None) -> bool | None:
    """Does the first sentence answer the question: contain the asked figure or entity, or the reason it
    cannot? `gold.answers_first` names what counts (any one of): `name:subject` of a fact, a code or name, or
    a reason (`advice`, `forecast`, `off_topic`, `not_disclosed`). Without it: an abstention's first sentence
    must say why; an answer's must state its first gold fact or name its first gold entity. None: not scored."""
    if answer is None:
        return False
    sentence = first_sentence(answer.answer)
    wanted = list(case.gold.answers_first)
    if not wanted:
        if case.gold.outcome == "abstain":
            return bool(ABSTAIN.search(sentence))
        if case.gold.facts:
            f = case.gold.facts[0]
            wanted = [f"{f.name}:{f.subject}"]
        elif case.gold.entities:
            e = case.gold.entities[0]
            wanted = [e] if isinstance(e, str) else list(e)
        else:
            return None
    for token in wanted:
        if token in _REASONS:
            if _REASONS[token].search(sentence):
                return True
            continue
        name, sep, subject = token.partition(":")
        if sep and "_" in name:
            mine = [f for f in answer.facts if f.name == name and f.subject.lower() == subject.lower()]
            gold = [g for g in case.gold.facts if g.name == name and g.subject.lower() == subject.lower()]
            values = [f.value for f in mine] or [g.value for g in gold]
            if any(_states(sentence, v) for v in values):
                return True
            continue
        if named(sentence, token):
            return True
    return False


__all__ = ["answers_first", "first_sentence"]
