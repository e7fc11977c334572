"""Sentences of an answer as the check, streaming and publishing see them: one splitter for all three.

Citation markers right after a terminator stay with the sentence before them; a list marker ("1.") is not a
sentence; a paragraph's closing citations cover the sentences of that paragraph (`sentence_parts`).
"""

from __future__ import annotations

import re

PLACEHOLDER = re.compile(r"\[\[cite:([^\]\s]+)\]\]")
_SENTENCE = re.compile(
    r".*?(?:[。！？!?；;]+|(?<!\bno)(?<!\bNo)(?<!\bvs)(?<!i\.e)(?<!e\.g)(?<!\bCo)\.(?=\s|$)|\n+|$)", re.DOTALL
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans; citation markers right after a terminator stay with the sentence before them."""
    spans: list[tuple[int, int]] = []
    for m in _SENTENCE.finditer(text):
        a, b = m.span()
        if a == b:
            continue
        lead = re.match(r"\s*(?:\[\[cite:[^\]\s]+\]\]\s*)+", text[a:b])
        if lead and spans and lead.end() > 0:
            pa, _ = spans[-1]
            spans[-1] = (pa, a + lead.end())
            a += lead.end()
        if text[a:b].strip():
            if spans and re.fullmatch(r"\s*(?:[-*+]\s*)?\d{1,2}\.\s*", text[spans[-1][0] : spans[-1][1]]):
                a = spans.pop()[0]  # "1. Giant Network ...": a list marker is not a sentence
            spans.append((a, b))
    return spans


def sentence_parts(text: str) -> list[tuple[str, list[str]]]:
    """Sentences with the citation ids their paragraph ends with (a list of facts followed by its sources,
    or a paragraph whose last sentence cites, is covered by those citations)."""
    spans = split_sentences(text)
    out = []
    for i, (a, b) in enumerate(spans):
        line_end = text.find("\n", a)
        line_end = len(text) if line_end < 0 else line_end
        last = i
        while last + 1 < len(spans) and spans[last + 1][0] < line_end:
            last += 1
        tail = text[spans[last][0] : spans[last][1]]
        out.append((text[a:b], PLACEHOLDER.findall(tail)))
    return out


__all__ = ["PLACEHOLDER", "sentence_parts", "split_sentences"]
