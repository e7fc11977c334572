"""Bytes -> text for ingest: size limits, binary refusal, and the encoding of Chinese text files (UTF-8, else
GB18030 or Big5, whichever reads as Chinese)."""

from __future__ import annotations

from pathlib import Path


class LoadError(Exception):
    """One input cannot be used; the message is the reason shown in the ingest report."""


def decode_bytes(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without BOM) first; else GB18030 (the superset of GBK/GB2312 used by
    mainland Windows tools) or Big5 (Taiwan, Hong Kong), whichever reads as Chinese. Almost any Big5 file also
    decodes as GB18030 -- into mojibake ("鎢價上漲" -> "码基害计") that was stored under a "decoded as GB18030"
    note -- so both are decoded and the one whose characters are common Chinese ones wins. Binary content (NUL
    bytes, many control characters) is refused instead of decoded."""
    if not data.strip():
        raise LoadError("empty file")
    head = data[:8192]
    if b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) * 0.05:
        raise LoadError("binary content, not text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    readings: list[tuple[float, str, str]] = []
    for label, codec in (("gb18030", "gb18030"), ("big5", "big5hkscs")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        readings.append((_chinese_score(text, label), label, text))
    if not readings:
        raise LoadError("undecodable: neither UTF-8, GB18030 nor Big5")
    _, label, text = max(readings, key=lambda r: (r[0], r[1] == "gb18030"))  # a tie: GB18030
    return text, label


_CJK_PUNCT = set("，。！？；：、“”‘’（）《》【】…—·　")


def _chinese_score(text: str, label: str) -> float:
    """The share of a decoding's non-ASCII characters that are common Chinese: level-1 GB2312 hanzi (the 3,755
    most used simplified ones) for GB18030, Big5's frequent-character block for Big5, or CJK punctuation."""
    sample = [c for c in text[:20_000] if ord(c) > 127]
    if not sample:
        return 0.0
    good = 0
    for c in sample:
        if c in _CJK_PUNCT:
            good += 1
            continue
        try:
            lead = c.encode("gb2312" if label == "gb18030" else "big5")[0]
        except UnicodeEncodeError:
            continue
        good += (0xB0 <= lead <= 0xD7) if label == "gb18030" else (0xA4 <= lead <= 0xC6)
    return good / len(sample)


def read_bytes(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise LoadError(f"file too large: {size} bytes > limit {max_bytes} (settings.max_file_bytes)")
    if size == 0:
        raise LoadError("empty file")
    return path.read_bytes()
