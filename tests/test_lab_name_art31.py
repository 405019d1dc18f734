"""Art. 31: the lab is named "××国家质量标准实验室"; its English name is derived, never typed in full."""

import pytest
from django.core.exceptions import ValidationError

from applications.models import LAB_NAME_EN_PREFIX
from tests.factories import ApplicationFactory, complete_dossier

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # messages in English (their msgids)

REFUSED_ZH = [
    "国家质量标准实验室",  # no ×× part
    "  国家质量标准实验室",  # ×× part is only spaces
    "\u3000国家质量标准实验室",  # ideographic space is still nothing
    "工业机器人国家质量标准实验室（筹）",  # anything after the suffix
    "工业机器人国家重点实验室",  # another kind of lab
    "工业机器人国家质量标准实验",
]
ACCEPTED_ZH = ["工业机器人国家质量标准实验室", "  工业机器人国家质量标准实验室  "]
REFUSED_EN_SUBJECT = [
    "State Quality & Standards Laboratory of Industrial Robots",  # the full name, not the ×× part
    "state quality of robots",
    "of Industrial Robots",
    "工业机器人",  # not English
    "123",
]


def full_clean(app):
    app.full_clean()


def field_errors(app):
    with pytest.raises(ValidationError) as exc:
        full_clean(app)
    return exc.value.message_dict


@pytest.mark.parametrize("name", REFUSED_ZH)
def test_chinese_name_without_a_proper_xx_part_or_suffix_is_refused_by_full_clean_art31(name):
    app = ApplicationFactory(name_zh=name)
    errors = field_errors(app)
    assert list(errors) == ["name_zh"]
    assert "Art. 31" in errors["name_zh"][0]


@pytest.mark.parametrize("name", ACCEPTED_ZH)
def test_chinese_name_ending_with_the_suffix_is_accepted_by_full_clean_art31(name):
    app = ApplicationFactory(name_zh=name)
    full_clean(app)


@pytest.mark.parametrize("name", REFUSED_ZH)
def test_submission_lists_an_invalid_chinese_name_art31(name):
    app = complete_dossier()
    app.name_zh = name
    missing = dict(app.missing_for_submission())
    assert "name_zh" in missing
    assert "Art. 31" in missing["name_zh"]


def test_submission_accepts_a_valid_chinese_name_art31():
    app = complete_dossier(name_zh="工业机器人国家质量标准实验室")
    assert app.missing_for_submission() == []


def test_english_name_is_derived_from_the_xx_part_art31():
    app = ApplicationFactory(name_en_subject="Industrial Robots")
    assert app.name_en == "State Quality & Standards Laboratory of Industrial Robots"
    assert app.name_en.startswith(LAB_NAME_EN_PREFIX)


def test_english_name_trims_the_xx_part_and_is_empty_without_one_art31():
    assert ApplicationFactory(name_en_subject="  Industrial Robots ").name_en == (
        "State Quality & Standards Laboratory of Industrial Robots"
    )
    assert ApplicationFactory(name_en_subject="").name_en == ""


@pytest.mark.parametrize("subject", REFUSED_EN_SUBJECT)
def test_english_subject_that_repeats_the_fixed_words_is_refused_by_full_clean_art31(subject):
    app = ApplicationFactory(name_en_subject=subject)
    errors = field_errors(app)
    assert list(errors) == ["name_en_subject"]
    assert "Art. 31" in errors["name_en_subject"][0]


@pytest.mark.parametrize("subject", REFUSED_EN_SUBJECT)
def test_submission_lists_an_invalid_english_subject_art31(subject):
    app = complete_dossier()
    app.name_en_subject = subject
    missing = dict(app.missing_for_submission())
    assert "name_en_subject" in missing
    assert "Art. 31" in missing["name_en_subject"]


def test_missing_names_are_listed_for_submission_art31():
    app = complete_dossier()
    app.name_zh = ""
    app.name_en_subject = ""
    fields = [field for field, _message in app.missing_for_submission()]
    assert fields.count("name_zh") == 1
    assert fields.count("name_en_subject") == 1


def test_drafts_may_leave_the_names_blank_art31():
    """A draft is saved over several sittings: blank names are fine until submission."""
    app = ApplicationFactory(name_zh="", name_en_subject="")
    full_clean(app)
