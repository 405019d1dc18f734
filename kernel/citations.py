"""Citations of the Measures in the reader's language: the one place an article code becomes text.

Code, audit records and rules carry codes such as "Art. 12 (1)"; people read 第十二条第（一）项 in
Chinese and Art. 12(1) in English. The Measures number their 项 （一）（二）… and the 目 under a 项
1. 2. …, so "Art. 12 (4) 3" is 第十二条第（四）项第3目.

    cite("Art. 12 (1)")          第十二条第（一）项           Art. 12(1)
    cite("Art. 12(1)-(3)")       第十二条第（一）项至第（三）项  Art. 12(1)-(3)
    cite("Art. 10-12")           第十条至第十二条              Art. 10-12
    cite("Art. 18, 19")          第十八条、第十九条            Art. 18, 19
    cite("Art. 12 (4) 3")        第十二条第（四）项第3目        Art. 12(4) item 3

Anything that is not a citation is returned unchanged.
"""

import re
from dataclasses import dataclass

from .formatting import is_chinese

_DIGITS = "零一二三四五六七八九"

_PREFIX = re.compile(r"^\s*Art(?:icles?|s?\.)\s*(?P<body>.+?)\s*$")
_SEPARATOR = re.compile(r"\s*(?:,|、|;|\band\b)\s*")
_RANGE = re.compile(r"\s*[-–—~至]\s*")
_POINT = re.compile(r"^(?P<article>\d+)?\s*(?:\(\s*(?P<item>\d+)\s*\))?\s*(?:(?:item\s*)?(?P<sub>\d+)|\(\s*(?P<sub2>\d+)\s*\))?$")


def chinese_number(n):
    """1 → 一, 10 → 十, 13 → 十三, 20 → 二十, 31 → 三十一; 100 and above stay in digits (the Measures have 33)."""
    n = int(n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    return str(n)


@dataclass(frozen=True)
class _Point:
    """One place in the Measures: an article, optionally its 项 (item) and the 目 (sub-item) under it."""

    article: int
    item: int | None = None
    sub: int | None = None

    def zh(self, after=None):
        """第十二条第（一）项第3目; after a point of the same article only the parts that differ."""
        text = "" if after and after.article == self.article and self.item else f"第{chinese_number(self.article)}条"
        if self.item:
            text += f"第（{chinese_number(self.item)}）项"
        if self.sub:
            text += f"第{self.sub}目"
        return text

    def en(self, after=None):
        same_article = after and after.article == self.article and self.item
        text = "" if same_article else str(self.article)
        if self.item:
            text += f"({self.item})"
        if self.sub:
            text += f" item {self.sub}"
        return text


def _point(text, previous=None):
    match = _POINT.match(text.strip())
    if not match or not text.strip():
        return None
    article = match["article"]
    if article is None:  # "(3)" in "12(1)-(3)": an item of the article before it
        if previous is None or match["item"] is None:
            return None
        article = previous.article
    sub = match["sub"] or match["sub2"]
    if sub and not match["item"]:
        return None
    return _Point(int(article), int(match["item"]) if match["item"] else None, int(sub) if sub else None)


def parse(code):
    """The parts of a citation code as (first, last-or-None) pairs of points, or None if it is not one."""
    match = _PREFIX.match(str(code or ""))
    if not match:
        return None
    parts = []
    for chunk in _SEPARATOR.split(match["body"]):
        ends = _RANGE.split(chunk, maxsplit=1)
        first = _point(ends[0])
        last = _point(ends[1], first) if len(ends) == 2 else None
        if first is None or (len(ends) == 2 and last is None):
            return None
        parts.append((first, last))
    return parts


def cite(code, language=None):
    """The citation `code` ("Art. 12 (1)") as the reader reads it: Chinese for zh*, English otherwise."""
    text = "" if code is None else str(code)
    parts = parse(text)
    if not parts:
        return text
    if is_chinese(language):
        return "、".join(first.zh() + (f"至{last.zh(after=first)}" if last else "") for first, last in parts)
    return "Art. " + ", ".join(first.en() + (f"-{last.en(after=first)}" if last else "") for first, last in parts)


def with_citation(message, code, language=None):
    """`message` followed by the article it rests on, unless it already names it: "…（第十三条）" / "… (Art. 13)"."""
    message = str(message)
    if not code:
        return message
    citation = cite(code, language)
    if citation in message or str(code) in message:
        return message
    body, stop = (message[:-1], message[-1]) if message[-1:] in "。.！!" else (message, "")
    if is_chinese(language):
        return f"{body}（{citation}）{stop}"
    return f"{body} ({citation}){stop}"
