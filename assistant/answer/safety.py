"""Recognising retrieved text that tries to instruct the model. Kept apart from the agent so the offline path
can use it without importing the LangChain agent stack."""

from __future__ import annotations

import re

_INJECTION = re.compile(
    r"ignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier) (?:instructions|prompts?|rules)|"
    r"disregard (?:all |the )?(?:previous|prior|above) |system prompt|you are now|new instructions|act as |"
    r"忽略(?:之前|以上|上面|前面|先前|所有)?的?(?:所有)?(?:指令|指示|提示|规则|要求)|无视(?:之前|以上|上述)|系统提示|你现在是",
    re.IGNORECASE,
)


def suspicious(text: str | None) -> bool:
    """Retrieved text that addresses the model ("ignore previous instructions ...") rather than the reader."""
    return bool(text and _INJECTION.search(text))
