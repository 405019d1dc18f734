"""Article citations in the reader's language from one function (`kernel.citations.cite`): 第十二条第（一）项
in Chinese, Art. 12(1) in English, as the Measures number their 条, 项 （一） and 目 1.; and the places a code
reaches a person (refusals, API errors, reminders, the calendar feed) go through it."""


import pytest
from django.template import Context, Template
from django.utils import translation

from kernel.citations import chinese_number, cite, with_citation
from kernel.rules import RuleViolation, refusal_text


@pytest.mark.parametrize("n, chinese", [
    (1, "一"), (9, "九"), (10, "十"), (11, "十一"), (19, "十九"), (20, "二十"), (21, "二十一"),
    (29, "二十九"), (30, "三十"), (31, "三十一"), (33, "三十三"),
])
def test_chinese_numerals_of_every_article_of_the_measures(n, chinese):
    assert chinese_number(n) == chinese


@pytest.mark.parametrize("code, chinese, english", [
    ("Art. 10", "第十条", "Art. 10"),
    ("Art. 11", "第十一条", "Art. 11"),
    ("Art. 20", "第二十条", "Art. 20"),
    ("Art. 21", "第二十一条", "Art. 21"),
    ("Art. 30", "第三十条", "Art. 30"),
    ("Art. 31", "第三十一条", "Art. 31"),
    # 项: the Measures number them （一）（二）…
    ("Art. 12 (1)", "第十二条第（一）项", "Art. 12(1)"),
    ("Art. 12(1)", "第十二条第（一）项", "Art. 12(1)"),
    ("Art. 7 (4)", "第七条第（四）项", "Art. 7(4)"),
    ("Art. 11 (6)", "第十一条第（六）项", "Art. 11(6)"),
    # 目 under a 项: the Measures number them 1. 2. …
    ("Art. 12 (4) 3", "第十二条第（四）项第3目", "Art. 12(4) item 3"),
    ("Art. 12(3)(1)", "第十二条第（三）项第1目", "Art. 12(3) item 1"),
    # ranges and lists
    ("Art. 12(1)-(3)", "第十二条第（一）项至第（三）项", "Art. 12(1)-(3)"),
    ("Art. 10-12", "第十条至第十二条", "Art. 10-12"),
    ("Art. 28-30", "第二十八条至第三十条", "Art. 28-30"),
    ("Art. 18, 19", "第十八条、第十九条", "Art. 18, 19"),
    ("Art. 3, 4, 31", "第三条、第四条、第三十一条", "Art. 3, 4, 31"),
    ("Art. 12 (2), 14, 15", "第十二条第（二）项、第十四条、第十五条", "Art. 12(2), 14, 15"),
    ("Art. 7-9, 13", "第七条至第九条、第十三条", "Art. 7-9, 13"),
])
def test_cite_in_chinese_and_english(code, chinese, english):
    assert cite(code, "zh-hans") == chinese
    assert cite(code, "en") == english


@pytest.mark.parametrize("text", ["", "第十三条", "Art. 9 composition", "Article of faith", "Art.", "Art. (3)", "hello"])
def test_what_is_not_a_citation_passes_through_unchanged(text):
    assert cite(text, "zh-hans") == text
    assert cite(text, "en") == text
    assert cite(None) == ""


def test_cite_follows_the_active_language_and_the_article_filter_uses_it():
    template = Template('{% load portal %}{{ code|article }}')
    with translation.override("zh-hans"):
        assert cite("Art. 12 (1)") == "第十二条第（一）项"
        assert template.render(Context({"code": "Art. 12 (4) 3"})) == "第十二条第（四）项第3目"
    with translation.override("en"):
        assert cite("Art. 12 (1)") == "Art. 12(1)"
        assert template.render(Context({"code": "Art. 12 (4) 3"})) == "Art. 12(4) item 3"


def test_a_refusal_names_its_article_once_in_the_readers_language():
    with translation.override("zh-hans"):
        assert with_citation("请至少选择一个实验室。", "Art. 19") == "请至少选择一个实验室（第十九条）。"
        assert with_citation("已按第十九条办理", "Art. 19") == "已按第十九条办理"  # already cited: not twice
        assert refusal_text(RuleViolation("不符合条件", article="Art. 12 (1)")) == "不符合条件（第十二条第（一）项）"
    with translation.override("en"):
        assert with_citation("Choose a laboratory.", "Art. 19") == "Choose a laboratory (Art. 19)."
        assert with_citation("Refused (Art. 19).", "Art. 19") == "Refused (Art. 19)."
        assert refusal_text(RuleViolation("Refused", article="")) == "Refused"
