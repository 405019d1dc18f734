"""The expert's scoring page on a phone: the weighted total follows the scores as they are typed, computed and
rounded as the server computes it, each typed score's grading band is marked, and the page draws without a
zero-size control or overflow (one page visit)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reviews.bands import parse_bands
from reviews.models import Score
from reviews.views_expert import _weighted
from tests.browser.layout import CHECK, MIN_CONTRAST
from tests.factories import accept, scoring_setup

PHONE = {"width": 390, "height": 844}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the migrations' organisations for later tests
def test_the_running_total_follows_the_typed_scores_as_the_server_rounds_it(portal):
    setup = scoring_setup(n_experts=1)  # weights 40, 30, 30
    criteria = setup.criteria_list
    criteria[0].bands = parse_bands("90-100 Excellent: a clear direction\n75-89.5 Good\n0-74.99 Weak")
    criteria[0].save(update_fields=["bands"])
    task = accept(setup.assignment(setup.experts[0]))
    typed = ("87.5", "66.25", "90.3")  # 81.965: the server rounds half to even, 81.96
    server = _weighted([Score(criterion=c, value=Decimal(v)) for c, v in zip(criteria, typed)], criteria)
    assert str(server) == "81.96"
    with portal.person(task.expert, reverse("experts:assignment", args=[task.pk])) as page:
        page.set_viewport_size(PHONE)
        total = page.locator("#running-total")
        expect(total).to_have_text("—")
        page.fill(f"#id_criterion_{criteria[0].pk}", typed[0])
        expect(total).to_have_text("35.00")
        expect(page.locator(f'[data-criterion="{criteria[0].pk}"] tr[aria-current="true"]')).to_contain_text("Good")
        for criterion, value in zip(criteria[1:], typed[1:]):
            page.fill(f"#id_criterion_{criterion.pk}", value)
        expect(total).to_have_text(str(server))
        page.fill(f"#id_criterion_{criteria[1].pk}", "101")  # out of range: not counted (the server refuses it)
        expect(total).to_have_text("62.09")
        assert page.evaluate(CHECK, {"lang": "en", "minContrast": MIN_CONTRAST}) == []
