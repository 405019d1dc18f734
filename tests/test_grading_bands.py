"""Grading bands (评分细则) of a criterion: written by staff as lines in the admin, checked (within 0-100, no overlap),
shown to the expert beside each criterion with the running weighted total on the scoring page."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews.admin import CriterionForm
from reviews.bands import parse_bands, validate_bands
from tests.factories import accept, scoring_setup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BANDS = "90-100 优秀：方向明确，基础雄厚\n75–89.5 良好\n60-74.99 合格\n0-59.99 不合格：条件明显不足"


def test_bands_are_read_from_lines_highest_first_and_their_ranges_checked():
    bands = parse_bands("0-59.99 不合格\n" + BANDS.split("\n", 1)[0])
    assert bands == [{"low": "90", "high": "100", "text": "优秀：方向明确，基础雄厚"},
                     {"low": "0", "high": "59.99", "text": "不合格"}]
    for text, message in (("90-100 优秀\n85-95 良好", "Grading bands 1 and 2 overlap."),
                          ("60-101 合格", "Grading band 1: give a range"),
                          ("80-70 良好", "Grading band 1: give a range"),
                          ("优秀 90-100", "Line 1 of the grading bands"),
                          ("90-100", "Line 1 of the grading bands")):
        with pytest.raises(ValidationError) as exc:
            parse_bands(text)
        assert message in exc.value.messages[0], text
    with pytest.raises(ValidationError):
        validate_bands([{"low": "NaN", "high": "100", "text": "x"}])


def test_staff_write_the_bands_as_lines_where_criteria_are_edited():
    setup = scoring_setup()
    criterion = setup.criteria_list[0]
    data = {"order": criterion.order, "title": criterion.title, "article": criterion.article, "dimension": "",
            "weight": criterion.weight, "guidance": "", "bands": BANDS}
    form = CriterionForm(data, instance=criterion)
    assert form.is_valid(), form.errors
    form.save()
    criterion.refresh_from_db()
    assert [b["low"] for b in criterion.bands] == ["90", "75", "60", "0"]
    assert CriterionForm(instance=criterion).initial["bands"].splitlines()[1] == "75-89.5 良好"
    refused = CriterionForm({**data, "bands": "90-100 优秀\n80-95 良好"}, instance=criterion)
    assert not refused.is_valid() and "overlap" in refused.errors["bands"][0]


def test_the_scoring_page_shows_each_criterions_bands_and_the_running_total(client_en):
    setup = scoring_setup(n_experts=1)
    first, second, _third = setup.criteria_list
    first.bands = parse_bands(BANDS)
    first.save(update_fields=["bands"])
    task = accept(setup.assignment(setup.experts[0]))
    client_en.force_login(task.expert)
    body = client_en.get(reverse("experts:assignment", args=[task.pk])).content.decode()
    own = body.split(f'data-criterion="{first.pk}"')[1].split("</fieldset>")[0]
    assert 'data-testid="bands"' in own and "优秀：方向明确，基础雄厚" in own and 'data-band-low="75"' in own
    assert 'data-testid="bands"' not in body.split(f'data-criterion="{second.pk}"')[1].split("</fieldset>")[0]
    assert 'data-weight="40.00"' in own
    assert 'id="running-total"' in body and "js/score-total.js" in body
    assert "<script>" not in body  # the CSP allows no inline script
