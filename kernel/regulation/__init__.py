"""The Measures themselves (《国家质量标准实验室管理办法》, 国市监质发〔2023〕92号): the Chinese text as
published, shipped with the portal (`measures-2023.zh.txt`) and read into chapters and articles, so that
pages show the regulation itself and citations can link to an article (`/measures/#art-12`).

    from kernel.regulation import measures, article_anchor

    measures().article(18).paragraphs[0].text   # "国家质量标准实验室建设期限一般不超过2年。……"
    article_anchor(18)                           # "art-18"; item (一) of Art. 12: "art-12-1", its point 3: "art-12-3-3"
"""

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

TEXT = Path(__file__).with_name("measures-2023.zh.txt")
TITLE = "国家质量标准实验室管理办法"

_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_CHAPTER = re.compile(r"^第([一二三四五六七八九十]+)章\s+(.+)$")
_ARTICLE = re.compile(r"^第([一二三四五六七八九十]+)条\s*(.*)$")
_ITEM = re.compile(r"^（([一二三四五六七八九十]+)）")  # （一） an item (项)
_POINT = re.compile(r"^(\d+)\.")  # 1. a point within an item
_EDITING_MARKS = re.compile(r"\[bookmark: [^\]]*\]")  # left over from the word processor


def chinese_numeral(text):
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 三十三 → 33 (the numbers of the Measures' chapters and articles)."""
    if "十" not in text:
        return _DIGITS[text]
    tens, _, units = text.partition("十")
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)


def article_anchor(number, item=None, point=None):
    """The id of an article (art-12), of one of its items (art-12-1 for 第（一）项) or of a point of an item."""
    parts = [number] + [n for n in (item, point) if n is not None]
    return "art-" + "-".join(str(int(n)) for n in parts)


@dataclass
class Paragraph:
    text: str
    anchor: str = ""  # items and their points can be linked to


@dataclass
class Article:
    number: int
    label: str  # 第十二条
    paragraphs: list = field(default_factory=list)

    @property
    def anchor(self):
        return article_anchor(self.number)

    def add(self, text):
        """A paragraph of this article; an item （一） or a point 1. of the last item gets its own anchor."""
        anchor = ""
        if match := _ITEM.match(text):
            anchor = article_anchor(self.number, chinese_numeral(match.group(1)))
        elif (match := _POINT.match(text)) and (item := self._last_item()):
            anchor = article_anchor(self.number, item, int(match.group(1)))
        self.paragraphs.append(Paragraph(text, anchor))

    def _last_item(self):
        for paragraph in reversed(self.paragraphs):
            if match := _ITEM.match(paragraph.text):
                return chinese_numeral(match.group(1))
        return None


@dataclass
class Chapter:
    number: int
    label: str  # 第三章
    title: str  # 条件
    articles: list = field(default_factory=list)


@dataclass
class Measures:
    notice_title: str
    document_number: str
    notice: list  # the covering notice: its paragraphs, then the issuers and the date
    title: str
    chapters: list

    @property
    def articles(self):
        return [a for chapter in self.chapters for a in chapter.articles]

    def article(self, number):
        return next(a for a in self.articles if a.number == int(number))


def parse(text):
    """Read the published text: the covering notice, then the Measures' chapters and their articles;
    a line that is neither a chapter nor an article heading continues the article above it."""
    lines = [_EDITING_MARKS.sub("", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    start = lines.index(TITLE, 1)
    notice_title, document_number, *notice = lines[:start]
    chapters = []
    for line in lines[start + 1:]:
        if match := _CHAPTER.match(line):
            title = re.sub(r"\s+", "", match.group(2))
            chapters.append(Chapter(chinese_numeral(match.group(1)), f"第{match.group(1)}章", title))
        elif match := _ARTICLE.match(line):
            article = Article(chinese_numeral(match.group(1)), f"第{match.group(1)}条")
            if match.group(2):
                article.add(match.group(2))
            chapters[-1].articles.append(article)
        else:
            chapters[-1].articles[-1].add(line)
    return Measures(notice_title, document_number, notice, TITLE, chapters)


@cache
def measures():
    return parse(TEXT.read_text(encoding="utf-8"))
